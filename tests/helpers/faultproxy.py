"""A fault-injecting HTTP proxy for AWS calls in tests: real socket faults, per region, no mocked exceptions.

It listens on 127.0.0.1 and forwards to the real endpoint (moto's server). For each request it reads the
region (and service) from the SigV4 credential scope in the Authorization header
(`Credential=<key>/<date>/<region>/<service>/aws4_request`) and then, by the rules set for that region:

- forwards it (the default) and relays the answer, one request per connection (`Connection: close`);
- DROP: closes the connection without answering, with a TCP reset (SO_LINGER 0);
- CLOSE: closes it without answering, with an orderly FIN;
- STALL: keeps the connection open and never answers (the client's read timeout must end the wait);
- THROTTLE: answers every request 503 SlowDown, S3's throttling answer (botocore backs off and retries it).

Refusing a connection happens before any request can be read, so it cannot depend on the region:
`refuse()` closes the listener and every later connection is refused by the kernel.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

FORWARD, DROP, CLOSE, STALL, THROTTLE = "forward", "drop", "close", "stall", "throttle"
_SLOW_DOWN = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
              b"<RequestId>faultproxy</RequestId></Error>")
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


@dataclass(frozen=True)
class Seen:
    region: str | None
    service: str | None
    fault: str


def scope(head: bytes) -> tuple[str | None, str | None]:
    """(region, service) of a request's SigV4 credential scope; (None, None) when it is not signed."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            found = _SCOPE.search(value.decode("latin-1"))
            if found:
                return found.group(1), found.group(2)
    return None, None


def _header(head: bytes, wanted: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == wanted:
            return value.strip()
    return None


def _closing(head: bytes, drop: tuple[bytes, ...] = (b"connection", b"keep-alive")) -> bytes:
    """The same head with `Connection: close` instead of any keep-alive (and without the `drop` headers)."""
    lines = [line for line in head.split(b"\r\n") if line.partition(b":")[0].strip().lower() not in drop]
    return b"\r\n".join([*lines, b"Connection: close"])


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_url = upstream
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rules: dict[tuple[str, str | None], str] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # accept() looks at the stop flag this often, wherever shutdown() does not wake it
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    # ---- control ----------------------------------------------------------------------------------------

    def fault(self, region: str, fault: str, service: str | None = None) -> FaultProxy:
        """Apply `fault` to every request for `region` (or only for `service` there)."""
        with self._lock:
            self.rules[(region, service)] = fault
        return self

    def faults_seen(self, fault: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.fault == fault]

    def refuse(self) -> None:
        """From now on every connection is refused (the listener is closed)."""
        self._close_listener()

    def _close_listener(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (Linux)
        except OSError:
            pass
        self._listener.close()

    def start(self) -> FaultProxy:
        self._spawn(self._accept)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._close_listener()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ---- serving ----------------------------------------------------------------------------------------

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed: stop() or refuse()
            conn.settimeout(None)
            with self._lock:
                self._sockets.add(conn)
            self._spawn(self._serve, conn)

    def _decide(self, head: bytes) -> Seen:
        region, service = scope(head)
        with self._lock:
            fault = self.rules.get((region or "", service), self.rules.get((region or "", None), FORWARD))
            seen = Seen(region, service, fault)
            self.seen.append(seen)
        return seen

    def _serve(self, conn: socket.socket) -> None:
        try:
            head, body = self._read_request(conn)
            if head is None:
                return
            fault = self._decide(head).fault
            if fault == DROP:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif fault == STALL:
                self._hold(conn)
            elif fault == THROTTLE:
                conn.sendall(b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                             % (len(_SLOW_DOWN), _SLOW_DOWN))
            elif fault == FORWARD:
                self._forward(conn, head, body)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(conn)
            conn.close()

    def _read_request(self, conn: socket.socket) -> tuple[bytes | None, bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if (_header(head, b"expect") or b"").lower() == b"100-continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        length = int(_header(head, b"content-length") or 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head, body

    def _hold(self, conn: socket.socket) -> None:
        """Never answer; return when the client gives up (closes) or the proxy stops."""
        conn.settimeout(0.1)
        while not self._stop.is_set():
            try:
                if not conn.recv(65536):
                    return
            except TimeoutError:
                continue

    def _forward(self, conn: socket.socket, head: bytes, body: bytes) -> None:
        with socket.create_connection(self.upstream, timeout=30) as upstream:
            # The client already had its 100 Continue from us (_read_request): upstream gets the whole request.
            upstream.sendall(_closing(head, (b"connection", b"keep-alive", b"expect")) + b"\r\n\r\n" + body)
            answer = b""
            while chunk := upstream.recv(65536):
                answer += chunk
        status_head, _, rest = answer.partition(b"\r\n\r\n")
        conn.sendall(_closing(status_head) + b"\r\n\r\n" + rest)
