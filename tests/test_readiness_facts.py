"""policies/recovery/facts.py and figures.py: what one plan says about recovery, read off the project's plans with one
thing changed (a missing alarm, a rule disabled, another schedule), and the figures a drill calibrates."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from drctl.checking import stack_resources
from drctl.engine import Plan
from policies.recovery import load_figures, read_plan
from policies.recovery.facts import PlanFacts, StoreRpo, aws_backup_interval
from policies.recovery.figures import DrillRecordError, Measurement, calibrated, measurements
from tests.helpers.planning import plan

FAILOVER = "failover=true"
RTC = ("S3 User Guide, S3 Replication Time Control: 99.99% of objects replicated within 15 minutes (the RTC SLA); "
       "the minutes are the rule's own")


def facts(p: Plan) -> PlanFacts:
    return read_plan(stack_resources(p), load_figures())


def changed(p: Plan, name: str, change: Callable[[dict[str, Any]], Any], type_: str = "") -> Plan:
    copied = copy.deepcopy(p)
    change(next(r for r in copied.resources if r.name == name and type_ in r.type).inputs)
    return copied


def without(p: Plan, *names: str) -> Plan:
    copied = copy.deepcopy(p)
    copied.resources = [r for r in copied.resources if r.name not in names]
    return copied


def store(p: Plan, name: str) -> StoreRpo | None:
    return facts(p).stores.get(name)


# ---- objectives ---------------------------------------------------------------------------------------------------


def objectives_changed(p: Plan, change: Callable[[dict[str, Any]], Any]) -> Plan:
    def edit(inputs: dict[str, Any]) -> None:
        doc = json.loads(inputs["data"]["objectives.json"])
        change(doc)
        inputs["data"]["objectives.json"] = json.dumps(doc)

    return changed(p, "dr-objectives-config", edit)


def test_the_objectives_document_is_read_whole():
    objectives = facts(plan("dr")).objectives
    assert objectives is not None
    assert (objectives.primary_region, objectives.dr_region, objectives.declaration_seconds) == ("us-east-1", "us-west-2", 900)
    assert objectives.declaration_source.startswith("runbook Escalation Path: L1 on-call engineer, 0-15 min")
    assert (objectives.restore_schedule, objectives.buckets) == ("aivo-daily", {"assets": "aivo-production-assets", "volumes": "aivo-production-velero"})
    assert objectives.health_check == (10, 3)
    assert [(t.name, t.rto_seconds, t.rpo_seconds, t.rto, t.rpo) for t in objectives.tiers] == [
        ("Critical", 1800, 300, "30 min", "5 min"), ("High", 3600, 900, "1 hour", "15 min"), ("Medium", 7200, 3600, "2 hours", "1 hour"),
        ("Low", 14400, 14400, "4 hours", "4 hours")]
    assert objectives.tier("High").services["content-svc"] == ["database", "assets"]
    assert [(e.tier, e.objective, e.cause, e.up_to_seconds, e.up_to) for e in objectives.exceptions] == [
        ("Critical", "rpo", "cache", None, None), ("Critical", "rto", "promote", 3300, "55 min")]


def test_objectives_without_health_checks_or_exceptions_are_read():
    def bare(doc: dict[str, Any]) -> None:
        doc.pop("healthCheck")
        doc.pop("exceptions")

    objectives = facts(objectives_changed(plan("dr"), bare)).objectives
    assert objectives is not None and objectives.health_check is None and objectives.exceptions == []


@pytest.mark.parametrize(("change", "error"), [
    (lambda d: d.update(schema="aivo-dr/objectives@2"), "aivo-dr/objectives@2"),
    (lambda d: d.pop("regions"), "'regions'"),
    (lambda d: d["tiers"][0].update(rtoSeconds="soon"), "invalid literal for int() with base 10: 'soon'"),
    (lambda d: d["tiers"].append(None), "'NoneType' object is not subscriptable"),
])
def test_an_objectives_document_that_is_not_the_schema_is_a_problem_and_no_objectives(change, error):
    found = facts(objectives_changed(plan("dr"), change))
    assert found.objectives is None and found.stores == {} and found.detection_seconds is None
    assert found.problems == [f"dr-objectives-config: the objectives document is not aivo-dr/objectives@1 ({error})"]


def test_a_config_map_of_another_name_is_not_the_objectives():
    p = changed(plan("dr"), "dr-objectives-config", lambda i: i["metadata"].update(name="aivo-dr-something-else"))
    assert (facts(p).objectives, facts(p).problems) == (None, [])


# ---- RPO per data store ---------------------------------------------------------------------------------------------


def test_a_replica_without_its_lag_alarm_is_unbounded():
    database = store(without(plan("dr"), "dr-alarms-database-replica-lag"), "database")
    assert database is not None
    assert (database.seconds, database.kind, database.lost) == (None, "unbounded", False)
    assert database.source.startswith("replica aivo-production-postgres-dr has no ReplicaLag alarm: nothing notices its lag; RDS User Guide")


@pytest.mark.parametrize(("change", "seconds"), [
    (lambda i: i.update(metricName="DatabaseAvailable"), None),  # not a lag alarm
    (lambda i: i.update(dimensions={"DBInstanceIdentifier": "another-replica"}), None),  # another instance's
    (lambda i: i.update(dimensions={}), None),
    (lambda i: i.update(region="us-east-1"), None),  # in the region that fails
    (lambda i: i["tags"].pop("detection-seconds"), 60.0),  # no detection time: the threshold alone
    (lambda i: i["tags"].update({"detection-seconds": ""}), 60.0),
    (lambda i: i.pop("threshold"), 240.0),
])
def test_the_replicas_lag_alarm_must_watch_its_lag_in_the_dr_region(change, seconds):
    database = store(changed(plan("dr"), "dr-alarms-database-replica-lag", change), "database")
    assert database is not None and database.seconds == seconds
    assert database.kind == ("unbounded" if seconds is None else "notice")


def test_the_worst_of_two_lag_alarms_bounds_the_replica():
    p = copy.deepcopy(plan("dr"))
    alarm = next(r for r in p.resources if r.name == "dr-alarms-database-replica-lag")
    for threshold, name in ((30, "dr-alarms-lag-low"), (600, "dr-alarms-lag-high"), (45, "dr-alarms-lag-mid")):
        extra = copy.deepcopy(alarm)
        extra.name, extra.urn = name, alarm.urn.replace("dr-alarms-database-replica-lag", name)
        extra.inputs["threshold"] = threshold
        p.resources.append(extra)
    database = store(p, "database")
    assert database is not None and database.seconds == 600 + 240
    assert "ReplicaLag alarm dr-alarms-lag-high threshold 600 s + detection 240 s" in database.source


def test_the_worst_replica_decides_and_an_unbounded_one_is_the_worst():
    p = copy.deepcopy(plan("dr"))
    replica = next(r for r in p.resources if r.name == "dr-database-instance")
    second = copy.deepcopy(replica)
    second.name, second.urn = "dr-database-second", replica.urn.replace("dr-database-instance", "dr-database-second")
    second.inputs["identifier"] = "aivo-production-postgres-dr2"
    p.resources.insert(0, second)
    database = store(p, "database")
    assert database is not None and (database.seconds, database.kind) == (None, "unbounded")
    assert database.source.startswith("replica aivo-production-postgres-dr2 has no ReplicaLag alarm")
    p.resources.remove(second)
    p.resources.append(second)
    database = store(p, "database")
    assert database is not None and database.source.startswith("replica aivo-production-postgres-dr2 has no ReplicaLag alarm")


def test_a_second_replica_with_a_longer_lag_bound_decides():
    p = copy.deepcopy(plan("dr"))
    for resource in [r for r in p.resources if r.name in ("dr-database-instance", "dr-alarms-database-replica-lag")]:
        second = copy.deepcopy(resource)
        second.name, second.urn = resource.name + "-2", resource.urn + "-2"
        if "identifier" in second.inputs:
            second.inputs["identifier"] = "replica-2"
        else:
            second.inputs.update(dimensions={"DBInstanceIdentifier": "replica-2"}, threshold=90)
        p.resources.append(second)
    database = store(p, "database")
    assert database is not None and database.seconds == 90 + 240 and "replica replica-2" in database.source
    p.resources = [r for r in p.resources if r.name != "dr-alarms-database-replica-lag-2"]
    p.resources.append(next(r for r in plan("dr").resources if r.name == "dr-alarms-database-replica-lag"))
    assert store(p, "database").seconds is None  # type: ignore[union-attr]


def test_without_a_replica_the_replicated_backups_give_the_database_a_typical_rpo():
    p = changed(plan("dr"), "dr-database-instance", lambda i: i.pop("replicateSourceDb"))
    database = store(p, "database")
    assert database == StoreRpo("database", 300.0, "point-in-time restore of the automated backups replicated into us-west-2: RDS User "
                                "Guide, Restoring a DB instance to a specified time: the latest restorable time is typically within the "
                                "last 5 minutes", kind="typical")
    assert store(without(p, "dr-database-backups-replication"), "database") is None
    assert store(changed(p, "dr-database-backups-replication", lambda i: i.update(region="us-east-1")), "database") is None


def test_a_replica_in_the_primary_region_is_not_the_dr_replica():
    p = changed(plan("dr"), "dr-database-instance", lambda i: i.update(region="us-east-1"))
    assert store(p, "database") is not None and store(p, "database").kind == "typical"  # type: ignore[union-attr]


def test_the_cache_a_global_datastore_secondary_keeps():
    secondary = changed(plan("dr"), "dr-cache-group", lambda i: i.update(globalReplicationGroupId="ldgnf-aivo-global"))
    cache = store(secondary, "cache")
    assert cache is not None
    assert (cache.seconds, cache.kind, cache.lost) == (float(load_figures().rpo["global-datastore"]["seconds"]), "typical", False)  # type: ignore[union-attr]
    assert cache.source.startswith("aivo-production-redis-dr: Global Datastore secondary: ")  # type: ignore[union-attr]

    alarm = copy.deepcopy(next(r for r in secondary.resources if r.name == "dr-alarms-database-replica-lag"))
    alarm.inputs.update(metricName="GlobalDatastoreReplicationLag", threshold=5)
    alarm.name, alarm.urn = "dr-alarms-cache-lag", alarm.urn + "-cache"
    other = copy.deepcopy(alarm)
    other.inputs.update(threshold=300)
    other.inputs["tags"].pop("detection-seconds")
    other.name, other.urn = "dr-alarms-cache-lag-2", alarm.urn + "-2"
    east = copy.deepcopy(alarm)
    east.inputs.update(threshold=900, region="us-east-1")
    east.name, east.urn = "dr-alarms-cache-lag-east", alarm.urn + "-east"
    secondary.resources += [alarm, other, east]
    cache = store(secondary, "cache")
    # the worst: 300 s threshold, no detection time tagged (5 s + 240 s for the other; us-east-1's alarm is not read)
    assert cache == StoreRpo("cache", 300.0, "aivo-production-redis-dr: Global Datastore secondary; its lag alarms notice a lag past "
                             "their threshold in 300 s (threshold + detection; not a bound)", kind="notice")


def test_the_warm_cache_loses_its_data_and_a_cache_in_the_primary_region_is_not_read():
    cache = store(plan("dr"), "cache")
    assert cache is not None and (cache.seconds, cache.lost, cache.kind) == (None, True, "lost")
    assert cache.source.startswith("aivo-production-redis-dr: the DR cache is a separate, warm cluster")
    assert store(changed(plan("dr"), "dr-cache-group", lambda i: i.update(region="us-east-1")), "cache") is None


def replication_rules(change: Callable[[list[dict[str, Any]]], Any]) -> Callable[[dict[str, Any]], Any]:
    return lambda inputs: change(inputs["rules"])


@pytest.mark.parametrize(("change", "seconds", "source"), [
    (lambda rules: rules[0].update(status="Disabled"), None, "aivo-production-assets has no enabled replication rule"),
    (lambda rules: rules[0]["destination"]["replicationTime"].update(status="Disabled"), None,
     "aivo-production-assets replicates without Replication Time Control: replication without RTC has no time bound"),
    (lambda rules: rules[0]["destination"]["replicationTime"]["time"].pop("minutes"), 900.0, f"aivo-production-assets replicates with RTC, 15 min ({RTC})"),
    (lambda rules: rules[0].pop("status"), 900.0, f"aivo-production-assets replicates with RTC, 15 min ({RTC})"),
    (lambda rules: rules.append({**copy.deepcopy(rules[0]), "status": "Disabled"}), 900.0, f"aivo-production-assets replicates with RTC, 15 min ({RTC})"),
    (lambda rules: rules.append(copy.deepcopy(rules[0])) or rules[1]["destination"]["replicationTime"]["time"].update(minutes=7.5),
     900.0, f"aivo-production-assets replicates with RTC, 15 min ({RTC})"),
])
def test_the_assets_rpo_is_the_replication_rules_bound(change, seconds, source):
    assets = store(changed(plan("primary"), "assets-replication", replication_rules(change), "bucketReplicationConfig"), "assets")
    assert assets is not None and assets.seconds == seconds and assets.source.startswith(source)
    assert assets.kind == ("bound" if seconds is not None else "unbounded")


def test_a_bucket_that_is_not_replicated_or_not_declared():
    unreplicated = without(plan("primary"), "assets-replication")
    assets = store(unreplicated, "assets")
    assert assets == StoreRpo("assets", None, "aivo-production-assets is not replicated to the DR region", kind="unbounded")
    undeclared = copy.deepcopy(unreplicated)
    undeclared.resources = [r for r in undeclared.resources if r.inputs.get("bucket") != "aivo-production-assets"]
    assert store(undeclared, "assets") is None
    assert store(plan("dr"), "assets") is None  # the primary stack's


def test_the_volumes_rpo_is_the_schedules_interval_plus_the_velero_buckets_replication():
    volumes = store(plan("primary"), "volumes")
    assert volumes == StoreRpo("volumes", 86400 + 900.0, f"Velero schedule aivo-daily (0 2 * * *): at most 24 h between backups, then "
                               f"aivo-production-velero replicates with RTC, 15 min ({RTC})")
    annotations = lambda i: i["metadata"]["annotations"]  # noqa: E731
    unannotated = changed(plan("primary"), "primary-velero-schedule-aivo-daily", lambda i: annotations(i).pop("aivo.edu/max-interval-seconds"))
    assert store(unannotated, "volumes") == StoreRpo("volumes", None, "schedule aivo-daily has no aivo.edu/max-interval-seconds annotation",
                                                     kind="unbounded")
    no_rtc = changed(plan("primary"), "velero-replication", lambda i: i["rules"][0]["destination"].pop("replicationTime"), "bucketReplicationConfig")
    volumes = store(no_rtc, "volumes")
    assert volumes is not None and (volumes.seconds, volumes.kind) == (None, "unbounded")
    assert volumes.source.startswith("schedule aivo-daily every 24 h, but aivo-production-velero replicates without Replication Time Control: ")
    velero_elsewhere = copy.deepcopy(plan("primary"))
    velero_elsewhere.resources = [r for r in velero_elsewhere.resources if r.inputs.get("bucket") != "aivo-production-velero"]
    assert store(velero_elsewhere, "volumes") == StoreRpo("volumes", 86400.0, "Velero schedule aivo-daily (0 2 * * *): at most 24 h between backups")
    hourly = changed(plan("primary"), "primary-velero-schedule-aivo-daily", lambda i: annotations(i).update({"aivo.edu/max-interval-seconds": "5400"}))
    assert store(hourly, "volumes").source.startswith("Velero schedule aivo-daily (0 2 * * *): at most 1.5 h between backups, then ")  # type: ignore[union-attr]
    assert store(hourly, "volumes").seconds == 5400 + 900  # type: ignore[union-attr]


def test_a_schedule_the_restores_do_not_use_gives_no_volumes_rpo():
    p = without(plan("primary"), "primary-velero-schedule-aivo-daily")
    assert "volumes" not in facts(p).stores


# ---- fallbacks ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("schedule", "seconds"), [
    ("cron(0 2 ? * SUN *)", 7 * 86400), ("cron(0 2 ? * sun *)", 7 * 86400), (" cron(30 3 * * ? *) ", 86400), ("rate(12 hours)", 12 * 3600),
    ("rate(1 hour)", 3600), ("rate(2 days)", 2 * 86400), ("rate(1 day)", 86400), ("rate(30 minutes)", 1800), ("rate(1 minute)", 60),
    ("rate(12 weeks)", None), ("rate(x hours)", None), ("rate(12hours)", None), ("rate(12 hours", None), ("cron(0 2 1 * ? *)", None),
    ("cron(0 2 ? * SUN)", None), ("cron(0 2 ? * SUN * *)", None), ("cron(x 2 ? * SUN *)", None), ("cron(0 x ? * SUN *)", None),
    ("cron(0 2 ? 1 SUN *)", None), ("cron(0 2 ? * SUN 2027)", None), ("cron(0 2 ? * MON-FRI *)", None), ("cron(0 2 * * MON *)", None),
    ("cron(0 2 ? * ? *)", None), ("cron(0 2 * * ? *", None), ("0 2 * * ? *)", None), ("at(2026-01-01T00:00:00)", None),
])
def test_the_aws_backup_schedules_whose_interval_is_read(schedule, seconds):
    assert aws_backup_interval(schedule) == seconds


def test_the_aws_backup_copies_into_the_dr_region_are_fallbacks():
    assert [(f.store, f.seconds, f.source, f.kind) for f in facts(plan("primary")).fallbacks] == [
        ("database", 7 * 86400.0, "AWS Backup copies to us-west-2 (plan aivo-production-backups-weekly, cron(0 2 ? * SUN *): every 7 days)", "bound")]
    monthly = changed(plan("primary"), "primary-weekly-snapshots-plan", lambda i: i["rules"][0].update(schedule="cron(0 2 1 * ? *)"))
    assert [(f.seconds, f.source) for f in facts(monthly).fallbacks] == [
        (None, "AWS Backup copies to us-west-2 (plan aivo-production-backups-weekly, cron(0 2 1 * ? *): interval not read)")]
    elsewhere = changed(plan("primary"), "primary-weekly-snapshots-plan",
                        lambda i: [c.update(destinationVaultArn=c["destinationVaultArn"].replace(":us-west-2:", ":eu-west-1:")) for c in i["rules"][0]["copyActions"]])
    assert facts(elsewhere).fallbacks == []


# ---- detection ------------------------------------------------------------------------------------------------------


def test_the_fastest_ingress_alarm_in_the_dr_region_detects_the_outage():
    p = copy.deepcopy(plan("dr"))
    alarm = next(r for r in p.resources if r.name == "dr-alarms-ingress-health")
    for seconds, name, region in (("600", "dr-alarms-slow", "us-west-2"), ("120", "dr-alarms-east", "us-east-1"), ("180.0", "dr-alarms-fast", "us-west-2")):
        extra = copy.deepcopy(alarm)
        extra.name, extra.urn = name, alarm.urn + name
        extra.inputs["tags"]["detection-seconds"] = seconds
        extra.inputs["region"] = region
        p.resources.append(extra)
    found = facts(p)
    assert (found.detection_seconds, found.detection_source) == (
        180, "alarm dr-alarms-fast: detection 180 s (period x evaluation periods + metric delay + probe interval)")


def test_without_an_ingress_alarm_in_the_dr_region_nothing_detects_the_outage():
    p = changed(plan("dr"), "dr-alarms-ingress-health", lambda i: i["tags"].update(store="database"))
    found = facts(p)
    assert (found.detection_seconds, found.detection_source) == (None, "no alarm in us-west-2 watches the ingress: nothing pages on the outage")
    untagged = changed(plan("dr"), "dr-alarms-ingress-health", lambda i: i["tags"].pop("detection-seconds"))
    assert facts(untagged).detection_seconds == 0


# ---- the failover graph ---------------------------------------------------------------------------------------------


def steps(p: Plan) -> dict[str, tuple[Any, ...]]:
    return {n.name: (n.step, n.seconds, n.figure, n.detail, n.terms, n.constant, n.backup_window, n.tier)
            for n in facts(p).nodes.values() if n.step}


def test_the_failover_plans_steps():
    found = steps(plan("dr", FAILOVER))
    assert found["dr-database-instance"] == ("promote", 420.0, "promote", "backup window 03:00-06:00 UTC", (("promote", None, 1.0),), 0.0,
                                             (10800, 21600), None)
    assert found["dr-cluster-general"] == ("scale", 240.0, "scale", "desired 5", (("scale", None, 1.0),), 0.0, None, None)
    assert found["dr-cache-group"] == ("cache", 600.0, "cache-resize", "", (("cache-resize", None, 1.0),), 0.0, None, None)
    assert found["edge-cdn-distribution"][:5] == ("cdn", 10.0, "cdn", "", (("cdn", None, 1.0),))
    assert found["edge-dns-api-primary"] == ("dns", 90.0, "dns-propagation", "propagation + TTL 60 s", (("dns-propagation", None, 1.0),), 60.0, None, None)
    assert found["dr-failover-restores-critical"] == ("restore", 120.0, "restore", "3 services", (
        ("restore", None, 1.0), ("restore", "perService", 3.0), ("restore", "perVolumeService", 0.0)), 0.0, None, "Critical")
    assert found["dr-failover-restores-low"][1:4] == (100.0, "restore", "2 services")
    assert len(found) == 12
    assert facts(plan("dr", FAILOVER)).stores == {} and facts(plan("dr", FAILOVER)).failover
    assert not facts(plan("dr")).failover and facts(plan("dr")).nodes == {}


def test_each_step_waits_for_its_dependencies_property_dependencies_and_provider():
    p = plan("dr", FAILOVER)
    nodes = facts(p).nodes
    by_urn = {r.urn: r for r in stack_resources(p)}
    for resource in p.resources:
        expected = set(resource.depends_on) | {u for urns in resource.property_dependencies.values() for u in urns}
        provider = by_urn[resource.urn].provider
        expected |= {provider.urn} if provider is not None else set()
        assert nodes[resource.urn].name == resource.name
        assert nodes[resource.urn].step is not None or nodes[resource.urn].seconds == 0.0  # unchanged, or nothing recovers through it
        assert nodes[resource.urn].deps == tuple(sorted(u for u in expected if u in by_urn or u == getattr(provider, "urn", None))), resource.name
    critical = next(n for n in nodes.values() if n.name == "dr-failover-restores-critical")
    promote = next(n for n in nodes.values() if n.name == "dr-database-instance")
    assert promote.urn in critical.deps


@pytest.mark.parametrize(("change", "window", "detail"), [
    (lambda i: i.update(backupWindow="23:30-00:30"), (84600, 86400 + 1800), "backup window 23:30-00:30 UTC"),
    (lambda i: i.update(backupWindow="01:05-01:35"), (3900, 5700), "backup window 01:05-01:35 UTC"),
    (lambda i: i.update(backupWindow="soon"), None, ""),
    (lambda i: i.update(backupWindow="1:00-2:00-3:00"), None, ""),
    (lambda i: i.pop("backupWindow"), None, ""),
    (lambda i: i.update(backupRetentionPeriod=0), None, ""),
    (lambda i: i.pop("backupRetentionPeriod"), None, ""),
    (lambda i: i.update(backupRetentionPeriod=1), (10800, 21600), "backup window 03:00-06:00 UTC"),
])
def test_the_promotion_waits_for_the_replicas_backup_window_only_when_it_keeps_backups(change, window, detail):
    found = steps(changed(plan("dr", FAILOVER), "dr-database-instance", change))["dr-database-instance"]
    assert (found[6], found[3]) == (window, detail)


def test_a_promotion_is_only_of_the_dr_regions_standalone_instance():
    assert "dr-database-instance" not in steps(changed(plan("dr", FAILOVER), "dr-database-instance", lambda i: i.update(replicateSourceDb="arn:x")))
    assert "dr-database-instance" not in steps(changed(plan("dr", FAILOVER), "dr-database-instance", lambda i: i.update(region="us-east-1")))


def test_the_edge_and_cache_steps_by_what_the_plan_declares():
    p = plan("dr", FAILOVER)
    waiting = steps(changed(p, "edge-cdn-distribution", lambda i: i.update(waitForDeployment=True)))["edge-cdn-distribution"]
    assert waiting[4] == (("cdn", "waitingForDeployment", 1.0),)
    assert waiting[1] == load_figures().seconds("cdn", "waitingForDeployment")
    assert steps(changed(p, "edge-cdn-distribution", lambda i: i.pop("waitForDeployment", None)))["edge-cdn-distribution"][4] == (
        ("cdn", "waitingForDeployment", 1.0),)
    global_cache = steps(changed(p, "dr-cache-group", lambda i: i.update(globalReplicationGroupId="ldgnf-aivo-global")))["dr-cache-group"]
    assert global_cache[:5] == ("cache", load_figures().seconds("cache-global-failover"), "cache-global-failover", "", (("cache-global-failover", None, 1.0),))
    assert "dr-cache-group" not in steps(changed(p, "dr-cache-group", lambda i: i.update(region="us-east-1")))
    assert "dr-cluster-general" not in steps(changed(p, "dr-cluster-general", lambda i: i.update(region="us-east-1")))
    no_ttl = steps(changed(p, "edge-dns-api-primary", lambda i: i.pop("ttl")))["edge-dns-api-primary"]
    assert (no_ttl[1], no_ttl[3], no_ttl[5]) == (30.0, "propagation + TTL 0 s", 0.0)
    assert "edge-dns-api-primary" not in steps(changed(p, "edge-dns-api-primary", lambda i: i.pop("failoverRoutingPolicies")))


def test_a_restore_of_a_tier_with_volumes_and_a_drills_restore_shared_by_services():
    volumes = 'tiers={"Critical": {"services": ["auth-svc", "api-gateway", "billing-svc", "session-store"], "uses": {"session-store": ["volumes"]}}}'
    critical = steps(plan("dr", volumes, FAILOVER))["dr-failover-restores-critical"]
    figures = load_figures()
    assert critical[3] == "4 services, 1 with volumes"
    assert critical[4] == (("restore", None, 1.0), ("restore", "perService", 4.0), ("restore", "perVolumeService", 1.0))
    assert critical[1] == figures.seconds("restore") + 4 * figures.seconds("restore", "perService") + figures.seconds("restore", "perVolumeService")
    drilled = calibrated(figures, {"restore": Measurement(1100.0, "drill.json")})
    nodes = read_plan(stack_resources(plan("dr", volumes, FAILOVER)), drilled).nodes
    shares = {n.tier: (n.terms, n.seconds) for n in nodes.values() if n.step == "restore"}
    assert shares == {"Critical": ((("restore", None, 4 / 11),), 400.0), "High": ((("restore", None, 3 / 11),), 300.0),
                      "Medium": ((("restore", None, 2 / 11),), 200.0), "Low": ((("restore", None, 2 / 11),), 200.0)}


def test_a_restore_without_its_tier_annotation_has_no_tier():
    p = changed(plan("dr", FAILOVER), "dr-failover-restores-low", lambda i: i["metadata"]["annotations"].pop("aivo.edu/tier"))
    low = steps(p)["dr-failover-restores-low"]
    assert low[7] is None and low[4][1:] == (("restore", "perService", 2.0), ("restore", "perVolumeService", 0.0))


# ---- figures --------------------------------------------------------------------------------------------------------


def record(*steps: tuple[str, str, Any], **extra: Any) -> dict[str, Any]:
    return {"schema": "aivo-dr/drill@1", "scenario": "region-failover", "startedAt": "2026-01-05T10:00:00Z",
            "steps": [{"key": k, "status": s, "seconds": v} for k, s, v in steps], **extra}


def test_a_drill_measures_the_steps_it_ran_and_keeps_the_longest():
    figures = load_figures()
    found = measurements([("a.json", record(("promote", "done", 600), ("scale", "done", True), ("velero", "failed", 900))),
                          ("b.json", record(("promote", "done", 800.5), ("unknown", "done", 5), ("scale", "done", "90"))),
                          ("c.json", record(("promote", "done", 700)) | {"startedAt": None}),
                          ("d.json", {k: v for k, v in record(("scale", "done", 30)).items() if k != "startedAt"})], figures)
    assert found == {"promote": Measurement(800.5, "b.json, step promote (2026-01-05T10:00:00Z)"),
                     "scale": Measurement(30.0, "d.json, step scale (?)")}
    assert measurements([("e.json", {"schema": "aivo-dr/drill@1", "scenario": "region-failover"})], figures) == {}


@pytest.mark.parametrize(("record_", "message"), [
    ({"schema": "aivo-dr/drill@2"}, "x.json: a drill record written by drctl drill run (aivo-dr/drill@1 JSON)"),
    (["aivo-dr/drill@1"], "x.json: a drill record written by drctl drill run (aivo-dr/drill@1 JSON)"),
    ({"schema": "aivo-dr/drill@1"}, "x.json: a region-failover drill (this one is None): only a failover's steps are the model's"),
])
def test_a_file_that_is_not_a_region_failover_drill_is_refused(record_, message):
    with pytest.raises(DrillRecordError) as raised:
        measurements([("x.json", record_)], load_figures())
    assert str(raised.value) == message


def test_the_figures_source_and_calibration():
    figures = load_figures()
    assert figures.source("promote").startswith("estimated: RDS User Guide")
    assert figures.title("promote") == str(figures.steps["promote"]["title"])
    drilled = calibrated(figures, {"promote": Measurement(600.0, "a.json, step promote (t)")})
    assert drilled.source("promote") == "measured: a.json, step promote (t)"
    restore = calibrated(figures, {"restore": Measurement(500.0, "r")})
    assert (restore.is_calibration_pending("restore"), figures.is_calibration_pending("restore")) == (False, True)
    assert not figures.is_calibration_pending("no-such-step")
    twice = calibrated(drilled, {"scale": Measurement(60.0, "s")})
    assert set(twice.measured) == {"promote", "scale"}
    assert twice.quantiles("promote") == (600.0, 600.0 * figures.quantiles("promote")[1] / figures.quantiles("promote")[0])
    assert twice.quantiles("restore", "perService") == figures.quantiles("restore", "perService")
    assert calibrated(figures, {"restore": Measurement(500.0, "r")}).quantiles("restore", "perService") == figures.quantiles("restore", "perService")
    zero = type(figures)(steps={**figures.steps, "promote": {**figures.steps["promote"], "p50": 0, "p95": 0}}, rpo=figures.rpo,
                         drill_only=figures.drill_only, measured={"promote": Measurement(100.0, "z")})
    assert zero.quantiles("promote") == (100.0, 100.0)


def test_one_drill_step_must_calibrate_one_figure():
    figures = load_figures()
    steps_ = {**figures.steps, "scale": {**figures.steps["scale"], "drill": figures.steps["promote"]["drill"]}}
    clash = type(figures)(steps=steps_, rpo=figures.rpo, drill_only=figures.drill_only)
    with pytest.raises(ValueError) as raised:
        clash.drill_keys()
    assert str(raised.value) == f"steps.yaml: promote and scale both take the drill's step {figures.steps['promote']['drill']}"
    keys = figures.drill_keys()
    assert keys["detect"] == "detect" and keys[figures.steps["promote"]["drill"]] == "promote"
    assert set(keys.values()) == {k for k, spec in figures.steps.items() if spec.get("drill")} | set(figures.drill_only.values())


def test_a_value_unknown_at_preview_is_a_problem_not_a_figure():
    unknown = "[unknown]"
    objectives = facts(changed(plan("dr"), "dr-objectives-config", lambda i: i.update(data=unknown)))
    assert (objectives.objectives, objectives.problems) == (None, [
        "objectives: data is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"])
    stores = facts(changed(plan("dr"), "dr-database-instance", lambda i: i.update(identifier=unknown)))
    assert stores.objectives is not None and stores.stores == {} and stores.detection_seconds == 300
    assert stores.problems == [
        "identifier is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"]
    steps_ = facts(changed(plan("dr", FAILOVER), "dr-cluster-general", lambda i: i["scalingConfig"].update(desiredSize=unknown)))
    assert steps_.nodes == {} and steps_.problems == [
        "scalingConfig.desiredSize is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"]


def test_each_load_of_the_figures_is_independent_of_the_others_changes():
    changed_ = load_figures()
    changed_.steps["promote"]["p50"] = 1
    changed_.rpo["pitr"]["seconds"] = 1
    changed_.drill_only["detect"] = "something-else"
    fresh = load_figures()
    assert (fresh.quantiles("promote"), fresh.rpo["pitr"]["seconds"], fresh.drill_keys()["detect"]) == ((420.0, 1200.0), 300, "detect")


def test_the_dr_regions_detached_aurora_cluster_is_the_promotion():
    def as_cluster(**inputs: Any) -> Plan:
        p = copy.deepcopy(plan("dr", FAILOVER))
        resource = next(r for r in p.resources if r.name == "dr-database-instance")
        resource.type = "aws:rds/cluster:Cluster"
        resource.inputs.update(inputs)
        return p

    detached = steps(as_cluster())["dr-database-instance"]
    assert detached[:5] == ("promote", load_figures().seconds("aurora-detach"), "aurora-detach", "", (("aurora-detach", None, 1.0),))
    assert detached[6] is None
    assert "dr-database-instance" not in steps(as_cluster(globalClusterIdentifier="aivo-global"))
    assert "dr-database-instance" not in steps(as_cluster(region="us-east-1"))
