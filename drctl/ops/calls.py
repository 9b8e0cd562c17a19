"""Which AWS call each thread is making: for the progress line, the retry notices, and naming a failure.

botocore announces every call (before-call), every attempt (request-created), each attempt's outcome
(needs-retry) and the end (after-call, after-call-error). The hooks here record them; drctl.ops.progress
shows them. A call's region is where its endpoint is: Route53's API lives in us-east-1 whatever region
the client was made for, so a us-east-1 outage takes it down with the region.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name

# Services whose API (control plane) is in us-east-1 only (AWS fault-isolation boundaries whitepaper).
CONTROL_PLANE_IN_US_EAST_1 = frozenset({"route53", "cloudfront", "iam"})


@dataclass
class Call:
    service: str
    operation: str  # boto3's name: get_bucket_replication
    region: str
    max_attempts: int
    attempt: int = 1
    started: float = field(default_factory=time.monotonic)
    # Why the previous attempt failed (an exception, or the error code and HTTP status of the answer).
    problem: BaseException | str | None = None


_local = threading.local()
_lock = threading.Lock()
_in_flight: dict[int, Call] = {}


# Told of each retry (drctl/ops/progress.py registers itself): calls know nothing of how retries are shown.
RETRY_LISTENERS: list[Callable[[Call], None]] = []


def last() -> Call | None:
    """The call this thread made last (still the failed one when its error reaches the caller)."""
    return getattr(_local, "call", None)


def in_flight() -> list[Call]:
    """Calls waiting for an answer now, on any thread, longest-waiting first."""
    with _lock:
        return sorted(_in_flight.values(), key=lambda c: c.started)


def watch(client: Any) -> None:
    """Register the hooks on a new client's events (once per client)."""
    events = client.meta.events
    events.register("before-call", _before_call, unique_id="drctl-before-call")
    events.register("request-created", _attempt, unique_id="drctl-request-created")
    events.register("needs-retry", _outcome, unique_id="drctl-needs-retry")
    events.register("after-call", _done, unique_id="drctl-after-call")
    events.register("after-call-error", _done, unique_id="drctl-after-call-error")


def _before_call(model: Any, context: dict[str, Any], **_: Any) -> None:
    service = model.service_model.service_name
    region = "us-east-1" if service in CONTROL_PLANE_IN_US_EAST_1 else str(context.get("client_region"))
    retries = getattr(context.get("client_config"), "retries", None) or {}
    call = Call(service, xform_name(model.name), region, int(retries.get("total_max_attempts", 1)))
    _local.call = call
    with _lock:
        _in_flight[id(context)] = call


def _attempt(request: Any, **_: Any) -> None:
    context = getattr(request, "context", None) or {}
    with _lock:
        call = _in_flight.get(id(context))
    attempt = int((context.get("retries") or {}).get("attempt", 1))
    if call is None or attempt <= call.attempt:
        return
    call.attempt = attempt
    for listener in list(RETRY_LISTENERS):
        listener(call)


def _outcome(request_dict: dict[str, Any], response: Any = None, caught_exception: BaseException | None = None, **_: Any) -> None:
    with _lock:
        call = _in_flight.get(id(request_dict.get("context")))
    if call is None:
        return
    if caught_exception is not None:
        call.problem = caught_exception
    elif response is not None and response[0].status_code >= 300:
        code = (response[1] or {}).get("Error", {}).get("Code", "error")
        call.problem = f"{code} (HTTP {response[0].status_code})"


def _done(context: dict[str, Any], **_: Any) -> None:
    with _lock:
        _in_flight.pop(id(context), None)
