"""AWS clients and the one error path for AWS failures.

boto3 reads credentials from its usual chain and honours AWS_ENDPOINT_URL (how the tests point it at
moto's server); regions always come from the command's flags, never from the environment, so a DR
command cannot silently run against the wrong region.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from drctl.errors import EngineError

# Bounded retries and timeouts: at 3 a.m. a hung call is worse than a clear failure.
_CONFIG = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=60)


class OpsError(EngineError):
    """An AWS call failed (not found, access denied, throttled...): one line on stderr, exit status 1."""


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def client(service: str, region: str) -> Any:
    """A boto3 client for one service in one explicit region (made once per process and endpoint: creating one is slow)."""
    return _client(service, region, os.environ.get("AWS_ENDPOINT_URL"))


@functools.cache
def _client(service: str, region: str, _endpoint: str | None) -> Any:
    return _session().client(service, region_name=region, config=_CONFIG)


def reset_clients() -> None:
    """Forget the cached session and clients (tests change credentials and endpoints between sessions)."""
    _client.cache_clear()
    _session.cache_clear()


def error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return type(error).__name__


def is_unavailable_api(error: Exception) -> bool:
    """Whether the endpoint does not implement this API (moto answers 500 'not been implemented' or 404)."""
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    text = str(error)
    return "not been implemented" in text or "NotImplemented" in text or (status == 404 and error_code(error) in ("404", ""))


def one_line(error: Exception) -> str:
    """A botocore error as one line: code and message, without the multi-line HTML some endpoints send."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        message = " ".join(str(info.get("Message", "")).split())
        return f"{info.get('Code', 'Error')}: {message}" if message else str(info.get("Code", "Error"))
    return " ".join(str(error).split())


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn an AWS failure into OpsError("<action>: <code>: <message>") (exit 1, one line)."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise OpsError(f"{action}: {one_line(error)}") from None
