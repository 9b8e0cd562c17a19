"""Which AWS call each thread is making: for the progress line, the retry notices, and naming a failure.

botocore announces every call (before-call), every attempt (request-created), each attempt's outcome
(needs-retry) and the end (after-call, after-call-error). The hooks here record them; drctl.ops.progress
shows them. A call's region is where its endpoint is: Route53's API lives in us-east-1 whatever region
the client was made for, so a us-east-1 outage takes it down with the region.

Each endpoint (a service in a region) is waited on at most once per command run. The first call to an endpoint
is its probe: calls to the same endpoint made meanwhile wait for the probe's outcome instead of waiting out the
same timeouts beside it. Once the endpoint has answered anything (data, not found, denied), calls go ahead side
by side; once it has given no usable answer (refused, reset, timed out, throttled past the retries), every later
call to it fails at once with NotAskedAgain, naming the first failure. `new_run()` forgets it all (cli.main calls
it for every command).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name

from drctl.ops.failures import NotAskedAgain, is_unreachable, reason
from drctl.ops.limits import limits

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


@dataclass
class _Endpoint:
    """What this run knows of one endpoint: nothing yet (its probe is in flight), alive, or dead (and why)."""

    probe: int  # id() of the probing call's context
    settled: threading.Event = field(default_factory=threading.Event)
    dead: str | None = None  # why it gave no usable answer (with the attempts made)


_endpoints: dict[tuple[str, str, str | None], _Endpoint] = {}


def new_run() -> None:
    """Forget what is known of endpoints: a new command run asks each of them again."""
    with _lock:
        _endpoints.clear()


def _endpoint_key(call: Call) -> tuple[str, str, str | None]:
    return call.service, call.region, os.environ.get("AWS_ENDPOINT_URL")


def _settle_wait_s() -> float:
    """How long a call waits for its endpoint's probe at most: the probe's own worst case, and a little more."""
    bounds = limits()
    return (bounds.connect_timeout + bounds.read_timeout) * bounds.max_attempts + 5


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
    key = _endpoint_key(call)
    with _lock:
        endpoint = _endpoints.setdefault(key, _Endpoint(probe=id(context)))
    if endpoint.probe != id(context):
        endpoint.settled.wait(_settle_wait_s())
        if endpoint.dead is not None:
            raise NotAskedAgain(endpoint=f"{service} in {region}", why=endpoint.dead)
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


def _done(context: dict[str, Any], exception: BaseException | None = None, **_: Any) -> None:
    with _lock:
        call = _in_flight.pop(id(context), None)
        endpoint = _endpoints.get(_endpoint_key(call)) if call is not None else None
    if call is None or endpoint is None:
        return
    # The probe's failure, or a later call's: an endpoint that stops answering mid-run is not waited on again either.
    if exception is not None and is_unreachable(exception) and endpoint.dead is None:
        endpoint.dead = reason(exception, limits()) + (f" ({call.attempt} attempts)" if call.attempt > 1 else "")
    if endpoint.probe == id(context):
        endpoint.settled.set()
