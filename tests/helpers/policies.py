"""The policy test harness: compliant resources, one mutated field, exact messages.

Resources are ResourceRecords as the offline engine records them; `violations()` runs one policy through
drctl.checking, the same path `drctl check` takes, so the SDK's argument objects are exercised too.
"""

from __future__ import annotations

import copy
from typing import Any

from drctl.checking import check_plan
from drctl.engine.monitor import UNKNOWN, ResourceRecord
from drctl.engine.plan import Plan

__all__ = ["ACCOUNT", "DELETE", "EAST", "UNKNOWN", "WEST", "mutate", "plan_of", "provider_urn", "res", "urn", "violations",
           "with_option", "without"]

ACCOUNT = "123456789012"
EAST, WEST = "us-east-1", "us-west-2"


def provider_urn(region: str) -> str:
    return f"urn:pulumi:test::aivo-dr::pulumi:providers:aws::aws-{region}"


def res(
    type_: str,
    name: str,
    inputs: dict[str, Any],
    region: str | None = EAST,
    protect: bool = False,
    depends_on: tuple[str, ...] = (),
    provider: str | None = None,
    read_id: str | None = None,
) -> ResourceRecord:
    """A recorded resource. `region` picks the explicit aws provider of that region (None: no provider)."""
    return ResourceRecord(
        urn=urn(type_, name), type=type_, name=name, parent=None, custom=True, remote=type_.startswith("eks:index"),
        region=region, provider=provider or (provider_urn(region) if region else None), inputs=inputs,
        protect=protect, retain_on_delete=protect, depends_on=sorted(depends_on), ignore_changes=[],
        delete_before_replace=False, replace_on_changes=[], additional_secret_outputs=[], aliases=[], custom_timeouts={},
        uses_default_provider=False, read_id=read_id,
    )


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::aivo-dr::{type_}::{name}"


def plan_of(*records: ResourceRecord) -> Plan:
    providers = [res("pulumi:providers:aws", f"aws-{r}", {"region": r}, region=None) for r in (EAST, WEST)]
    for p in providers:
        p.urn = provider_urn(p.inputs["region"])
    return Plan(project="aivo-dr", stack="test", config={}, resources=[*providers, *records], invokes=[], outputs={})


def violations(policy: Any, records: list[ResourceRecord], config: dict[str, Any] | None = None, peer: dict[str, Any] | None = None) -> list[str]:
    """The messages `policy` reports on these resources (with the policy's config overridden by `config`)."""
    overrides = {policy.name: config} if config else None
    found = check_plan(plan_of(*records), [policy], overrides, peer_outputs=peer)
    return [v.message for v in found]


def mutate(records: list[ResourceRecord], name: str, path: str, value: Any) -> list[ResourceRecord]:
    """A deep copy of the records with one input of one resource set (or removed, with value=DELETE)."""
    changed = copy.deepcopy(records)
    target = next(r for r in changed if r.name == name)
    node: Any = target.inputs
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return changed


DELETE = object()


def without(records: list[ResourceRecord], name: str) -> list[ResourceRecord]:
    return [copy.deepcopy(r) for r in records if r.name != name]


def with_option(records: list[ResourceRecord], name: str, **options: Any) -> list[ResourceRecord]:
    changed = copy.deepcopy(records)
    for r in changed:
        if r.name == name:
            for key, value in options.items():
                setattr(r, key, value)
    return changed

