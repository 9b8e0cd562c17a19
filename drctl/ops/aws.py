"""AWS clients with bounded waits, and the one way an AWS failure is described.

boto3 reads credentials from its usual chain and honours AWS_ENDPOINT_URL (how the tests point it at a
local endpoint); regions always come from the command's flags, never from the environment, so a DR
command cannot silently run against the wrong region.

Every call is bounded: a connect timeout, a read timeout and a total number of attempts (botocore's
standard retry mode), overridable with DRCTL_AWS_CONNECT_TIMEOUT, DRCTL_AWS_READ_TIMEOUT and
DRCTL_AWS_MAX_ATTEMPTS. docs/operations.md says why these values and what the worst-case wait is.
"""

from __future__ import annotations

import math
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from drctl.errors import EngineError, UsageError
from drctl.ops import calls


class OpsError(EngineError):
    """An AWS call failed (not found, access denied, unreachable...): one line on stderr, exit status 1."""


@dataclass(frozen=True)
class Limits:
    """How long one AWS call may wait: per attempt, the connect and read timeouts; in all, max_attempts."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_attempts: int = 3

    def worst_case_seconds(self) -> float:
        """The longest one call can take when the endpoint accepts and never answers: every attempt waits
        for both timeouts, plus botocore's standard back-off between attempts (rand * 0.05 s * 2**i)."""
        backoff = sum(min(0.05 * 2**i, 20.0) for i in range(self.max_attempts - 1))
        return self.max_attempts * (self.connect_timeout + self.read_timeout) + backoff


DEFAULTS = Limits()

# Environment variable -> (field, upper bound, what is allowed). Bounds keep a typo from meaning an hour.
_SECONDS = {
    "DRCTL_AWS_CONNECT_TIMEOUT": ("connect_timeout", 60.0),
    "DRCTL_AWS_READ_TIMEOUT": ("read_timeout", 300.0),
}
MAX_ATTEMPTS_VAR, MAX_ATTEMPTS_LIMIT = "DRCTL_AWS_MAX_ATTEMPTS", 10


def limits() -> Limits:
    """The limits for this run: the defaults, overridden by the environment (a bad value is a UsageError, exit 2)."""
    values: dict[str, Any] = {}
    for var, (field, high) in _SECONDS.items():
        text = os.environ.get(var)
        if text is None:
            continue
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and 0 < number <= high):
            default = getattr(DEFAULTS, field)
            raise UsageError(var, text, f"a number of seconds greater than 0 and at most {high:g} (default {default:g})")
        values[field] = number
    text = os.environ.get(MAX_ATTEMPTS_VAR)
    if text is not None:
        if not (text.strip().isdigit() and 1 <= int(text) <= MAX_ATTEMPTS_LIMIT):
            raise UsageError(MAX_ATTEMPTS_VAR, text,
                             f"a whole number of attempts from 1 to {MAX_ATTEMPTS_LIMIT}, retries included (default {DEFAULTS.max_attempts})")
        values["max_attempts"] = int(text)
    return Limits(**values)


_lock = threading.Lock()
_sessions: dict[str | None, boto3.session.Session] = {}
_clients: dict[tuple[str, str, str | None, Limits], Any] = {}


def client(service: str, region: str) -> Any:
    """A boto3 client for one service in one explicit region, with this run's limits.

    Made once per process, endpoint and limits (creating one is slow), under a lock: check groups run on
    several threads and a boto3 session must not create clients concurrently.
    """
    bounds = limits()
    key = (service, region, os.environ.get("AWS_ENDPOINT_URL"), bounds)
    with _lock:
        found = _clients.get(key)
        if found is None:
            session = _sessions.get(None)
            if session is None:
                session = _sessions[None] = boto3.session.Session()
            config = Config(connect_timeout=bounds.connect_timeout, read_timeout=bounds.read_timeout,
                            retries={"total_max_attempts": bounds.max_attempts, "mode": "standard"})
            found = _clients[key] = session.client(service, region_name=region, config=config)
            calls.watch(found)
    return found


def reset_clients() -> None:
    """Forget the cached session and clients (tests change credentials and endpoints between sessions)."""
    with _lock:
        _clients.clear()
        _sessions.clear()


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
_CONNECTION = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError, ResponseStreamingError)


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


def why(error: BaseException, call: calls.Call | None = None) -> str:
    """Why a call failed, in one line: the endpoint's answer, or why there was none (with the attempts made)."""
    if is_unreachable(error):
        attempts = call.attempt if call else 1
        return reason(error, limits()) + (f" ({attempts} attempts)" if attempts > 1 else "")
    return one_line(error)


def describe(error: BaseException) -> str:
    """One line for a failed call: `<service> <operation> in <region>: <why>`.

    The call is the one the current thread made last: botocore raises on the thread that made the call."""
    call = calls.last()
    where = f"{call.service} {call.operation} in {call.region}: " if call else ""
    return where + why(error, call)


def one_line(error: BaseException) -> str:
    """A botocore error as one line: code and message, without the multi-line HTML some endpoints send."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        message = " ".join(str(info.get("Message", "")).split())
        return f"{info.get('Code', 'Error')}: {message}" if message else str(info.get("Code", "Error"))
    return " ".join(str(error).split())


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn an AWS failure into OpsError("<action> in <region>: <why>") (exit 1, one line)."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        call = calls.last()
        raise OpsError(f"{action}" + (f" in {call.region}" if call else "") + f": {why(error, call)}") from None
