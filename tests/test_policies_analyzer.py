"""The same policies under the SDK's own analyzer servicer (what `pulumi preview --policy-pack` calls over gRPC).

Resources of a plan are sent as the engine sends them (protobuf Structs keyed by wire names, unknowns as
the SDK's sentinels); the violations must be exactly those `drctl check` finds offline, and an unknown
value must come back as a violation at the policy's level, not as the SDK's advisory "can't run".
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from drctl.engine import run_plan
from drctl.engine.plan import Plan
from policies import database
from tests.helpers.analyzer import analyze, offline
from tests.helpers.policies import mutate, res

PROGRAMS = Path(__file__).parent / "fixtures" / "policy_programs"
@functools.lru_cache(maxsize=8)
def fixture_plan(program: str) -> Plan:
    return run_plan("test", [], PROGRAMS / program)


@pytest.mark.parametrize("program", ["exposed_database", "unguarded_bucket", "broken_failover", "compliant"])
def test_the_analyzer_and_drctl_check_find_the_same_violations(program):
    plan = fixture_plan(program)
    assert analyze(plan) == offline(plan)


def test_an_unknown_value_is_a_mandatory_violation_under_the_real_analyzer_too():
    record = res("aws:rds/instance:Instance", "db", {"storageEncrypted": True, "publiclyAccessible": False})
    [unknown] = mutate([record], "db", "storageEncrypted", "[unknown]")
    plan = Plan("p", "s", {}, [unknown], [], {})
    found = {d for d in analyze(plan) if d[0] == database.rds_storage_encrypted.name}
    assert found == {(
        "rds-storage-encrypted", "mandatory", unknown.urn,
        f"{database.rds_storage_encrypted.description}\nstorageEncrypted is unknown at preview, so this cannot be verified; "
        "make it known at preview (e.g. build it from settings)",
    )}
