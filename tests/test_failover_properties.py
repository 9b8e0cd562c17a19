"""Property: over the dr stack's boolean and enumerated settings, flipping `failover` never replaces or
deletes a data store, changes no IAM resource, and the failover plan declares and invokes nothing in
us-east-1.

Every combination of the settings that shape the data tier (cache.drMode x database.multiAz x
peer.useStackReference x database.storageType) is an explicit example; hypothesis draws the other
enumerated settings (Velero, health checks, CDN) on top, deterministically. Plans reuse the primary
stack's planned outputs as the StackReference's value, so each dr plan takes a fraction of a second.
"""

from __future__ import annotations

import functools
import itertools
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from drctl.diffing import diff_plans
from drctl.engine import Plan, run_plan
from stacks.settings.peer import PRIMARY_EXPORTS
from tests.planning import plan

PEER = "organization/aivo-dr/primary"

CORE = {
    "cache.drMode": ["warm", "global"],
    "database.multiAz": ["true", "false"],
    "peer.useStackReference": ["true", "false"],
    "database.storageType": ["gp3", "io1", "io2"],
}
OTHER = {
    "database.failbackPromoted": ["false", "true"],
    "velero.fsBackup": ["true", "false"],
    "velero.restorePvs": ["true", "false"],
    "velero.existingResourcePolicy": ["none", "update"],
    "dns.healthCheck.requestInterval": ["10", "30"],
    "cdn.priceClass": ["PriceClass_100", "PriceClass_200", "PriceClass_All"],
    "cdn.minimumProtocolVersion": ["TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"],
}


def _primary_outputs(dr_mode: str) -> dict:
    """The primary stack as deployed with the same cache mode (the global datastore id exists only then)."""
    return plan("primary", f"cache.drMode={dr_mode}").outputs


@functools.lru_cache(maxsize=256)
def dr_plan(combo: tuple[tuple[str, str], ...], failover: bool) -> Plan:
    values = dict(combo)
    outputs = _primary_outputs(values["cache.drMode"])
    overrides = [f"{k}={v}" for k, v in combo] + [f"failover={str(failover).lower()}"]
    if values["peer.useStackReference"] == "false":
        # What an operator copies from `pulumi stack output --stack primary --json` into peer.fallback.
        fallback = {k: str(outputs[k]) for k in PRIMARY_EXPORTS if k in outputs}
        overrides.append(f"peer.fallback={json.dumps(fallback)}")
    return run_plan("dr", overrides, peer_outputs={PEER: outputs})


def _combo(values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


combos = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in {**CORE, **OTHER}.items()})


def _with_every_core_combination(test):  # type: ignore[no-untyped-def]
    for values in itertools.product(*CORE.values()):
        test = example(dict(zip(CORE, values, strict=True)))(test)
    return test


@settings(derandomize=True, max_examples=8, deadline=None, database=None)
@given(values=combos)
@_with_every_core_combination
def test_failover_flip_keeps_every_data_store_and_stays_out_of_us_east_1(values: dict[str, str]) -> None:
    combo = _combo(values)
    standby, failover = dr_plan(combo, False), dr_plan(combo, True)
    diff = diff_plans(standby, failover)
    assert [c.urn for c in diff.data_stores_replaced_or_deleted] == []
    assert not [c.urn for c in diff.changes if c.type.startswith("aws:iam/")]
    assert not [r.urn for r in failover.resources if r.region == "us-east-1"]
    assert not [i.token for i in failover.invokes if i.region == "us-east-1"]
    # the flip did happen: the DNS PRIMARY records now point at us-west-2
    primaries = [r for r in failover.resources if r.type == "aws:route53/record:Record"
                 and r.inputs.get("failoverRoutingPolicies", [{}])[0].get("type") == "PRIMARY"]
    assert len(primaries) == 2 and all(r.inputs["records"] == ["ingress.us-west-2.aivo.edu"] for r in primaries)
