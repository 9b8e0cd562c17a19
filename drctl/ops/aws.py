"""AWS clients with bounded waits, and the one way an AWS failure is described.

boto3 reads credentials from its usual chain and honours AWS_ENDPOINT_URL (how the tests point it at a
local endpoint); regions always come from the command's flags, never from the environment, so a DR
command cannot silently run against the wrong region.

Every call is bounded: a connect timeout, a read timeout and a total number of attempts (botocore's
standard retry mode), overridable with DRCTL_AWS_CONNECT_TIMEOUT, DRCTL_AWS_READ_TIMEOUT and
DRCTL_AWS_MAX_ATTEMPTS. docs/operations.md says why these values and what the worst-case wait is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
)

from drctl.errors import EngineError, UsageError
from drctl.ops import calls, progress
from drctl.ops.failures import (
    error_code,
    is_unavailable_api,
    is_unreachable,
    one_line,
    reason,
    unavailable_api,
)
from drctl.ops.limits import DEFAULTS, MAX_ATTEMPTS_LIMIT, MAX_ATTEMPTS_VAR, Limits, limits

__all__ = ["DEFAULTS", "MAX_ATTEMPTS_LIMIT", "MAX_ATTEMPTS_VAR", "Limits", "OpsError", "aws_errors", "client", "describe",
           "error_code", "is_unavailable_api", "is_unreachable", "limits", "one_line", "progress", "reason",
           "reset_clients", "unavailable_api", "why"]


class OpsError(EngineError):
    """An AWS call failed (not found, access denied, unreachable...): one line on stderr, exit status 1."""


_lock = threading.Lock()
_sessions: dict[str | None, boto3.session.Session] = {}
_clients: dict[tuple[str, str, str | None, Limits], Any] = {}


def _session() -> boto3.session.Session:
    session = _sessions.get(None)
    if session is None:
        session = _sessions[None] = boto3.session.Session()
    return session


def require_credentials(command: str) -> None:
    """Refuse (exit 2, one line) when boto3's chain finds no credentials at all: every row would fail alike."""
    with _lock:
        session = _session()
    try:
        found = session.get_credentials() is not None
        problem = "none found in boto3's chain (environment, AWS_PROFILE or the default profile, SSO, container or instance role)"
    except BotoCoreError as error:  # a profile that names nothing, a broken config file
        found, problem = False, f"not usable: {one_line(error)}"
    if not found:
        raise UsageError("AWS credentials", None, f"{problem}; {command} checks an account with them")


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
            session = _session()
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
    calls.new_run()


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


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn an AWS failure into OpsError("<action> in <region>: <why>") (exit 1, one line)."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        call = calls.last()
        raise OpsError(f"{action}" + (f" in {call.region}" if call else "") + f": {why(error, call)}") from None
