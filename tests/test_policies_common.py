"""The policy test harness (compliant resources, one mutated field, exact messages) and the shared helpers.

Resources are ResourceRecords as the offline engine records them; `violations()` runs one policy through
drctl.checking, the same path `drctl check` takes, so the SDK's argument objects are exercised too.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyProviderResource

from drctl.checking import check_plan
from drctl.engine.monitor import UNKNOWN, ResourceRecord
from drctl.engine.plan import Plan
from drctl.pack import sdk as policy_sdk
from policies._common import UnknownAtPreview, arn_region, as_list, get, region_of

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


# ---- the shared helpers --------------------------------------------------------------------------------


def test_get_walks_dotted_paths_and_lists_through_the_sdk_proxy():
    props = policy_sdk.unknown_checking_proxy({"a": {"b": [{"c": 3}]}, "n": None})
    assert get(props, "a.b.0.c") == 3
    assert get(props, "a.b.1.c", "absent") == "absent"
    assert get(props, "n", 7) == 7


@pytest.mark.parametrize("unknown", [UNKNOWN, policy_sdk.UNKNOWN_STRING_VALUE])
def test_get_raises_on_an_unknown_value_whether_offline_marker_or_sdk_sentinel(unknown):
    props = policy_sdk.unknown_checking_proxy({"a": {"b": unknown}})
    with pytest.raises(UnknownAtPreview) as raised:
        get(props, "a.b")
    assert raised.value.path == "a.b"


def test_as_list_turns_the_sdk_list_proxy_into_a_list():
    props = policy_sdk.unknown_checking_proxy({"xs": ["a", "b"], "x": "c"})
    assert as_list(get(props, "xs")) == ["a", "b"]
    assert as_list(get(props, "x")) == ["c"]


def test_region_comes_from_the_resource_before_its_provider():
    provider = PolicyProviderResource("pulumi:providers:aws", policy_sdk.unknown_checking_proxy({"region": WEST}), provider_urn(WEST), "aws-west")
    assert region_of(policy_sdk.unknown_checking_proxy({"region": EAST}), provider) == EAST
    assert region_of(policy_sdk.unknown_checking_proxy({}), provider) == WEST
    assert region_of(policy_sdk.unknown_checking_proxy({}), None) is None


def test_arn_region():
    assert arn_region(f"arn:aws:kms:{WEST}:{ACCOUNT}:key/abc") == WEST
    assert arn_region("arn:aws:s3:::bucket") == ""
    assert arn_region("not-an-arn") is None
