"""policies/readiness.py: the project's plans pass readiness.tiers_within_objectives; one mutated figure fails it
with its exact message, naming the tier and the cause."""

from __future__ import annotations

import copy

from drctl.checking import check_plan
from drctl.engine import Plan
from policies import readiness
from tests.helpers.planning import plan

STATES = [("primary",), ("primary", "activeRegion=us-west-2"), ("dr",), ("dr", "failover=true")]


def messages(p: Plan) -> list[str]:
    return [v.message for v in check_plan(p, [readiness.tiers_within_objectives])]


def mutated(p: Plan, name: str, change, type_: str = "") -> Plan:
    copied = copy.deepcopy(p)
    change(next(r for r in copied.resources if r.name == name and type_ in r.type).inputs)
    return copied


def test_the_project_stacks_keep_their_tiers_in_every_state():
    for state in STATES:
        assert messages(plan(*state)) == [], state


def test_a_replica_lag_alarm_that_fires_too_late_breaks_the_critical_rpo():
    weak = mutated(plan("dr"), "dr-alarms-database-replica-lag", lambda i: i.update(threshold=120))
    assert messages(weak) == [
        "tier Critical: RPO 6 min against its 5 min (BREACH: data store database): database: 6 min (replica "
        "aivo-production-postgres-dr: ReplicaLag alarm dr-alarms-database-replica-lag threshold 120 s + detection 240 s); cache: lost "
        "(aivo-production-redis-dr: the DR cache is a separate, warm cluster (cache.drMode warm): nothing replicates into it, its "
        "data is lost on failover)"]


def test_slower_detection_breaks_the_critical_rto_past_its_accepted_exception():
    weak = mutated(plan("dr", "failover=true"), "dr-alarms-ingress-health", lambda i: i["tags"].update({"detection-seconds": "540"}))
    assert messages(weak) == [
        "tier Critical: RTO 43.5 min against its 30 min (BREACH: step declare): detect 9 min > declare 15 min > preflight 5 min > "
        "promote 10 min > restore Critical 2.5 min > verify Critical 2 min"]


def test_replication_without_rtc_breaks_the_tier_that_uses_the_assets():
    def no_rtc(inputs: dict) -> None:
        inputs["rules"][0]["destination"].pop("replicationTime")

    weak = mutated(plan("primary"), "assets-replication", no_rtc, "bucketReplicationConfig")
    [message] = messages(weak)
    assert message.startswith("tier High: RPO unbounded against its 15 min (BREACH: data store assets): ")


def test_a_failover_without_declared_objectives_is_refused():
    p = copy.deepcopy(plan("dr", "failover=true"))
    p.resources = [r for r in p.resources if not r.name.endswith("objectives-config")]
    assert messages(p) == ["the failover restores tiers but the stack declares no objectives (ConfigMap aivo-dr-objectives)"]


def test_a_margin_can_be_required():
    found = check_plan(plan("primary"), [readiness.tiers_within_objectives], {"tiers-within-objectives": {"minimumMarginSeconds": 60}})
    assert [v.message.split(" (")[0] for v in found] == ["tier High: RPO 15 min against its 15 min"]
