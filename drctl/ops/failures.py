"""What an AWS failure means for an operator, in one line: a real answer (not found, denied), an API the
endpoint does not implement, or no usable answer at all (refused, reset, timed out, throttled past retries)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from drctl.ops.limits import Limits


class NotAskedAgain(BotoCoreError):
    """A call not made: its endpoint gave no usable answer earlier in this command's run (drctl.ops.calls).
    Waiting out the same dead endpoint again would only add its whole timeout to the run."""

    fmt = "not asked: {endpoint} did not answer earlier in this run: {why}"


def error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return type(error).__name__


def _status(error: Exception) -> int | None:
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status is not None else None
    return None


def is_unavailable_api(error: Exception) -> bool:
    """Whether the endpoint does not implement this API (a 'not implemented' answer, or a bare 404)."""
    if not isinstance(error, ClientError):
        return False
    text = str(error)
    return "not been implemented" in text or "NotImplemented" in text or (_status(error) == 404 and error_code(error) in ("404", ""))


def unavailable_api(api: str) -> str:
    """What a row says about an API the endpoint does not implement."""
    return f"this endpoint does not implement {api}; not verifiable here"


# Error codes botocore's standard mode retries as throttling: past the last attempt the endpoint is still
# refusing work, which for an operator is the same as not answering.
_THROTTLING = {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
               "RequestLimitExceeded", "SlowDown", "RequestThrottled", "PriorRequestNotComplete"}
_CONNECTION = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError, ResponseStreamingError, NotAskedAgain)


def is_unreachable(error: BaseException) -> bool:
    """Whether the endpoint gave no usable answer: no connection, reset, timed out, name not resolved,
    a server error or throttling that outlasted every attempt. Not: a real answer such as not found or denied."""
    if isinstance(error, _CONNECTION):
        return True
    if isinstance(error, ClientError):
        status = _status(error) or 0
        return status >= 500 and not is_unavailable_api(error) or status == 429 or error_code(error) in _THROTTLING
    return False


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps: botocore keeps urllib3's error in kwargs, urllib3 the socket error in args or __cause__."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [e for e in (current.__cause__, current.__context__, getattr(current, "kwargs", {}).get("error"),
                             getattr(current, "reason", None)) if isinstance(e, BaseException)]
        todo += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]


def reason(error: BaseException, bounds: Limits) -> str:
    """Why the endpoint gave no usable answer, in words (no endpoint URL: the call and region say where)."""
    if isinstance(error, NotAskedAgain):
        return str(error)
    if isinstance(error, ConnectTimeoutError):
        return f"no connection within {bounds.connect_timeout:g} s"
    if isinstance(error, ReadTimeoutError):
        return f"no answer within {bounds.read_timeout:g} s"
    causes = list(_causes(error))
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if any(isinstance(c, socket.gaierror) or type(c).__name__ == "NameResolutionError" for c in causes):
        return "host name not resolved"
    if any(isinstance(c, ConnectionResetError) for c in causes):
        return "connection reset"
    if isinstance(error, ConnectionClosedError):
        return "connection closed without an answer"
    if isinstance(error, ResponseStreamingError):
        return "connection broken while reading the answer"
    if isinstance(error, EndpointConnectionError):
        return "could not connect"
    return one_line(error)


def one_line(error: BaseException) -> str:
    """A botocore error as one line: code and message, without the multi-line HTML some endpoints send."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        message = " ".join(str(info.get("Message", "")).split())
        return f"{info.get('Code', 'Error')}: {message}" if message else str(info.get("Code", "Error"))
    return " ".join(str(error).split())
