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
        "tier Critical: RPO 6 min against its 5 min (BREACH: data store database): database: 6 min [notice] (time to notice, not a "
        "bound: replica aivo-production-postgres-dr: ReplicaLag alarm dr-alarms-database-replica-lag threshold 120 s + detection 240 s; "
        "RDS User Guide, Working with read replicas: cross-Region replication is asynchronous and AWS enforces no bound on ReplicaLag: "
        "the RDS cross-region replica has no RPO bound (drctl readiness --observe reads the observed lag)); cache: lost [lost] "
        "(aivo-production-redis-dr: the DR cache is a separate, warm cluster (cache.drMode warm): nothing replicates into it, its "
        "data is lost on failover)"]


def test_slower_detection_breaks_the_critical_rto_past_its_accepted_exception_and_high_at_p95():
    weak = mutated(plan("dr", "failover=true"), "dr-alarms-ingress-health", lambda i: i["tags"].update({"detection-seconds": "540"}))
    assert messages(weak) == [
        "tier Critical: RTO p95 57.9 min (p50 39.9 min, us-east-1 control planes impaired) against its 30 min (BREACH: step promote): "
        "us-east-1 control planes impaired: detect 9 min > declare 7.5 min/15 min > preflight 5 min/10 min > promote 7.2 min/20.6 min > "
        "restore Critical 2.4 min/9.3 min > image-pull Critical 45 s/5 min > pod-ready Critical 30 s/2 min > lb-registration Critical "
        "1 min/2.5 min > health checks + TTL 1.5 min > verify Critical 1 min/2 min",
        "tier High: RTO p95 1 h 2 min (p50 41.5 min, us-east-1 control planes impaired) against its 1 hour (BREACH: step promote): "
        "us-east-1 control planes impaired: detect 9 min > declare 7.5 min/15 min > preflight 5 min/10 min > promote 7.2 min/20.6 min > "
        "restore Critical 2.4 min/9.3 min > restore High 2.4 min/9.3 min > image-pull High 45 s/5 min > pod-ready High 30 s/2 min > "
        "lb-registration High 1 min/2.5 min > verify High 1 min/2 min"]


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
    found = check_plan(plan("dr", "failover=true"), [readiness.tiers_within_objectives], {"tiers-within-objectives": {"minimumMarginSeconds": 180}})
    assert [v.message.split(": us-east-1")[0] for v in found] == [
        "tier High: RTO p95 58 min (p50 37.5 min, us-east-1 control planes impaired) against its 1 hour (BREACH: step promote, margin under 180 s)"]
