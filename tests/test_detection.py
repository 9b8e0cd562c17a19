"""stacks/detection.py's alarm specs, read directly from validated settings (no plan): which tier each alarm pages,
its threshold (the RPO less the alarm's own detection time), and which alarms each mode and topology declares.

The plans (tests/test_monitoring.py) show the same alarms as resources; these tests reach every branch in
milliseconds, so each mode, topology and detection setting is its own case."""

from __future__ import annotations

import json

import pytest

from components.alarms import AlarmSpec
from stacks import detection
from stacks.settings import StackSettings, validate
from tests.helpers.settings import raw

ALL = ("Critical", "High", "Medium", "Low")  # every tier, in restore order
REPLICA = "aivo-production-postgres-dr"
SOURCE = "aivo-production-postgres"
NODES = "node group general of aivo-dr-eks is active and healthy"


def settings(stack: str = "dr", **values: object) -> StackSettings:
    return validate(raw(stack, **{k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}), stack)


def row(a: AlarmSpec) -> tuple:
    """What an alarm is: key, tier paged, tiers, store, namespace, metric, dimensions, statistic, comparison, threshold,
    evaluation periods, missing data, the extra delay of its measurement."""
    return (a.key, a.tier, a.tiers, a.store, a.namespace, a.metric, dict(a.dimensions), a.statistic, a.comparison,
            a.threshold, a.evaluation_periods, a.treat_missing, a.extra_delay_seconds)


def timing(alarms: list[AlarmSpec]) -> set[tuple]:
    return {(a.region, a.period_seconds, a.delay_seconds) for a in alarms}


# The detection defaults: 3 periods of 60 s and 60 s of metric delay (240 s), the probe every 5 min (300 s more).
INGRESS = ("ingress-health", "Critical", ALL, "ingress", "CloudWatchSynthetics", "SuccessPercent",
           {"CanaryName": "aivo-ingress-health"}, "Average", "LessThanThreshold", 100.0, 3, "breaching", 60)
# Critical's RPO (5 min) less 240 s.
REPLICA_LAG = ("database-replica-lag", "Critical", ALL, "database", "AWS/RDS", "ReplicaLag",
               {"DBInstanceIdentifier": REPLICA}, "Maximum", "GreaterThanThreshold", 60.0, 3, "breaching", 0)
# The platform RPO (1 hour) less 540 s.
REPLICATED_BACKUPS = ("replicated-backups-age", "Critical", ALL, "database", "AIVO/DR", "RestorableAgeSeconds",
                      {"DBInstanceIdentifier": SOURCE}, "Maximum", "GreaterThanThreshold", 3060.0, 3, "breaching", 300)


def available(dimension: str) -> tuple:
    return ("database-available", "Critical", ALL, "database", "AIVO/DR", "DatabaseAvailable", {dimension: REPLICA},
            "Minimum", "LessThanThreshold", 1.0, 3, "breaching", 300)


def velero(schedule: str) -> list[tuple]:
    # The daily schedule's longest gap (a day) and an hour for the backup itself.
    return [("velero-backup-age", "Critical", ALL, "cluster-state", "AIVO/DR", "VeleroNewestBackupAgeSeconds",
             {"Schedule": schedule}, "Maximum", "GreaterThanThreshold", 90000.0, 3, "breaching", 300),
            ("velero-backup-failed", "Critical", ALL, "cluster-state", "AIVO/DR", "VeleroNewestBackupFailed",
             {"Schedule": schedule}, "Maximum", "GreaterThanOrEqualToThreshold", 1.0, 3, "breaching", 300)]


def pitr(dimension: str) -> tuple:
    return ("pitr-age", "Critical", ALL, "database", "AIVO/DR", "RestorableAgeSeconds", {dimension: REPLICA}, "Maximum",
            "GreaterThanThreshold", 3060.0, 3, "breaching", 300)


CAPACITY = [
    ("dr-nodes", "Critical", ALL, "capacity", "AIVO/DR", "NodeGroupHealthy", {"ClusterName": "aivo-dr-eks"}, "Minimum",
     "LessThanThreshold", 1.0, 3, "breaching", 300),
    ("dr-cluster", "Critical", ALL, "capacity", "AIVO/DR", "ClusterActive", {"ClusterName": "aivo-dr-eks"}, "Minimum",
     "LessThanThreshold", 1.0, 3, "breaching", 300),
    ("dr-cache", "Critical", ALL, "capacity", "AIVO/DR", "CacheAvailable", {"ReplicationGroupId": "aivo-production-redis-dr"},
     "Minimum", "LessThanThreshold", 1.0, 3, "breaching", 300),
]


def cache_lag(shard: int) -> tuple:
    # Only the Critical tier uses the cache: its RPO (5 min) less 240 s.
    return (f"cache-replication-lag-{shard}", "Critical", ("Critical",), "cache", "AWS/ElastiCache",
            "GlobalDatastoreReplicationLag", {"CacheClusterId": f"aivo-production-redis-dr-{shard:04d}-001"}, "Maximum",
            "GreaterThanThreshold", 60.0, 3, "breaching", 0)


AURORA_LAG = [
    # Aurora publishes milliseconds: Critical's RPO less 240 s, in ms.
    ("database-replica-lag", "Critical", ALL, "database", "AWS/RDS", "AuroraGlobalDBReplicationLag",
     {"DBClusterIdentifier": REPLICA}, "Maximum", "GreaterThanThreshold", 60000.0, 3, "breaching", 0),
    ("database-rpo-lag", "Critical", ALL, "database", "AWS/RDS", "AuroraGlobalDBRPOLag",
     {"DBClusterIdentifier": REPLICA}, "Maximum", "GreaterThanThreshold", 60000.0, 3, "breaching", 0),
]
AURORA = {"drMode": "aurora-global"}
GLOBAL_CACHE = {"drMode": "global"}

DR_CASES = {
    "standby": ({}, [INGRESS, REPLICA_LAG, available("DBInstanceIdentifier"), REPLICATED_BACKUPS, *velero("aivo-daily"), *CAPACITY]),
    # The promoted database has no lag; its own backups age from the promotion; Velero writes its own schedule.
    "failover": ({"failover": "true"}, [INGRESS, available("DBInstanceIdentifier"), REPLICATED_BACKUPS,
                                        pitr("DBInstanceIdentifier"), *velero("aivo-daily-us-west-2"), *CAPACITY]),
    "aurora standby": ({"database": AURORA}, [INGRESS, *AURORA_LAG, available("DBClusterIdentifier"), *velero("aivo-daily"),
                                              *CAPACITY]),
    "aurora failover": ({"database": AURORA, "failover": "true"},
                        [INGRESS, available("DBClusterIdentifier"), pitr("DBClusterIdentifier"), *velero("aivo-daily-us-west-2"),
                         *CAPACITY]),
    "global cache standby": ({"cache": GLOBAL_CACHE}, [INGRESS, REPLICA_LAG, cache_lag(1), cache_lag(2), cache_lag(3),
                                                       available("DBInstanceIdentifier"), REPLICATED_BACKUPS,
                                                       *velero("aivo-daily"), *CAPACITY]),
    "global cache, one shard": ({"cache": {**GLOBAL_CACHE, "size": {"numNodeGroups": 1}}},
                                [INGRESS, REPLICA_LAG, cache_lag(1), available("DBInstanceIdentifier"), REPLICATED_BACKUPS,
                                 *velero("aivo-daily"), *CAPACITY]),
    # A promoted secondary replicates nothing.
    "global cache failover": ({"cache": GLOBAL_CACHE, "failover": "true"}, [
        INGRESS, available("DBInstanceIdentifier"), REPLICATED_BACKUPS, pitr("DBInstanceIdentifier"),
        *velero("aivo-daily-us-west-2"), *CAPACITY]),
}


@pytest.mark.parametrize("values, expected", DR_CASES.values(), ids=DR_CASES.keys())
def test_the_dr_alarms_of_each_mode_and_topology(values: dict, expected: list[tuple]) -> None:
    alarms = detection.dr_alarms(settings("dr", **values))
    assert [row(a) for a in alarms] == expected
    assert timing(alarms) == {("us-west-2", 60, 60)}


def test_what_each_dr_alarm_watches_names_its_mode_and_resources() -> None:
    standby = {a.key: a.watches for a in detection.dr_alarms(settings("dr", cache=GLOBAL_CACHE))}
    assert standby == {
        "ingress-health": "HTTPS /health of the active region's ingress, probed from us-west-2",
        "database-replica-lag": "replication lag of the DR read replica (data a failover would lose)",
        **{f"cache-replication-lag-{n}": f"Global Datastore replication lag of shard {n} (aivo-production-redis-dr-000{n}-001)"
           for n in (1, 2, 3)},
        "database-available": "the DR read replica is available",
        "replicated-backups-age": "age of aivo-production-postgres's point-in-time backups replicated into us-west-2",
        "velero-backup-age": "age of the newest completed aivo-daily backup in the us-west-2 bucket (what the restores would use)",
        "velero-backup-failed": "the newest aivo-daily backup did not complete",
        "dr-nodes": NODES,
        "dr-cluster": "the aivo-dr-eks control plane is ACTIVE",
        "dr-cache": "the DR cache is available",
    }
    failover = {a.key: a.watches for a in detection.dr_alarms(settings("dr", failover="true"))}
    assert failover["database-available"] == "the promoted database is available"
    assert failover["pitr-age"] == "age of the promoted database's own point-in-time backups"
    assert failover["velero-backup-failed"] == "the newest aivo-daily-us-west-2 backup did not complete"
    aurora = {a.key: a.watches for a in detection.dr_alarms(settings("dr", database=AURORA))}
    assert aurora["database-replica-lag"] == "replication lag (ms) of the Aurora secondary cluster"
    assert aurora["database-rpo-lag"] == "RPO lag (ms) of the Aurora secondary cluster: what a detach would lose"


# Slower detection: 2 periods of 60 s and 30 s of metric delay (150 s); the probe every 10 min, the canary every 2.
SLOW = {"evaluationPeriods": 2, "metricDelaySeconds": 30, "probeRateMinutes": 10, "canaryRateMinutes": 2}


def test_the_thresholds_follow_the_detection_settings() -> None:
    alarms = {a.key: a for a in detection.dr_alarms(settings("dr", detection=SLOW))}
    assert timing(list(alarms.values())) == {("us-west-2", 60, 30)}
    assert {k: (a.evaluation_periods, a.extra_delay_seconds, a.detection_seconds) for k, a in alarms.items()} == {
        "ingress-health": (2, 120, 270), "database-replica-lag": (2, 0, 150), "database-available": (2, 600, 750),
        "replicated-backups-age": (2, 600, 750), "velero-backup-age": (2, 600, 750), "velero-backup-failed": (2, 600, 750),
        "dr-nodes": (2, 600, 750), "dr-cluster": (2, 600, 750), "dr-cache": (2, 600, 750)}
    # Critical's RPO less 150 s; the platform RPO less 750 s; Velero's age does not depend on detection.
    assert alarms["database-replica-lag"].threshold == 300 - 150
    assert alarms["replicated-backups-age"].threshold == 3600 - 750
    assert alarms["velero-backup-age"].threshold == 90000
    failover = {a.key: a for a in detection.dr_alarms(settings("dr", detection=SLOW, failover="true"))}
    assert failover["pitr-age"].threshold == 3600 - 750
    aurora = {a.key: a for a in detection.dr_alarms(settings("dr", detection=SLOW, database=AURORA))}
    assert (aurora["database-replica-lag"].threshold, aurora["database-rpo-lag"].threshold) == (150000.0, 150000.0)
    cache = {a.key: a for a in detection.dr_alarms(settings("dr", detection=SLOW, cache=GLOBAL_CACHE))}
    assert cache["cache-replication-lag-1"].threshold == 300 - 150


def test_a_set_replica_lag_threshold_replaces_the_derived_one_and_not_the_rpo_lag() -> None:
    lag = {a.key: a.threshold for a in detection.dr_alarms(settings("dr", detection={"replicaLagThresholdSeconds": 120}))}
    assert lag["database-replica-lag"] == 120.0
    aurora = {a.key: a.threshold for a in detection.dr_alarms(settings("dr", database=AURORA,
                                                                       detection={"replicaLagThresholdSeconds": 120}))}
    assert (aurora["database-replica-lag"], aurora["database-rpo-lag"]) == (120000.0, 60000.0)


PRIMARY = [
    # The assets are High's (RPO 15 min, RTC 15 min), less 240 s.
    ("assets-replication-latency", "High", ("High",), "assets", "AWS/S3", "ReplicationLatency",
     {"SourceBucket": "aivo-production-assets", "DestinationBucket": "aivo-production-assets-us-west-2", "RuleId": "all-objects-to-dr"},
     "Maximum", "GreaterThanThreshold", 660.0, 3, "breaching", 0),
    ("assets-replication-failed", "High", ("High",), "assets", "AWS/S3", "OperationsFailedReplication",
     {"SourceBucket": "aivo-production-assets", "DestinationBucket": "aivo-production-assets-us-west-2", "RuleId": "all-objects-to-dr"},
     "Sum", "GreaterThanThreshold", 0.0, 1, "notBreaching", 0),
    # The cluster's state is every tier's: Critical's 5 min, less 240 s.
    ("velero-replication-latency", "Critical", ALL, "cluster-state", "AWS/S3", "ReplicationLatency",
     {"SourceBucket": "aivo-production-velero", "DestinationBucket": "aivo-production-velero-us-west-2", "RuleId": "all-objects-to-dr"},
     "Maximum", "GreaterThanThreshold", 60.0, 3, "breaching", 0),
    ("velero-replication-failed", "Critical", ALL, "cluster-state", "AWS/S3", "OperationsFailedReplication",
     {"SourceBucket": "aivo-production-velero", "DestinationBucket": "aivo-production-velero-us-west-2", "RuleId": "all-objects-to-dr"},
     "Sum", "GreaterThanThreshold", 0.0, 1, "notBreaching", 0),
    # The logs are the lowest tier's (4 hours), bounded by RTC's 15 min.
    ("logs-replication-latency", "Low", ("Low",), "logs", "AWS/S3", "ReplicationLatency",
     {"SourceBucket": "aivo-production-logs-us-east-1", "DestinationBucket": "aivo-production-logs-us-west-2", "RuleId": "to-dr"},
     "Maximum", "GreaterThanThreshold", 660.0, 3, "breaching", 0),
    ("logs-replication-failed", "Low", ("Low",), "logs", "AWS/S3", "OperationsFailedReplication",
     {"SourceBucket": "aivo-production-logs-us-east-1", "DestinationBucket": "aivo-production-logs-us-west-2", "RuleId": "to-dr"},
     "Sum", "GreaterThanThreshold", 0.0, 1, "notBreaching", 0),
]
# One evaluation of Route53's status, which lags by its checkers' 3 failures 10 s apart.
PRIMARY_INGRESS = ("primary-ingress-health", "Critical", ALL, "ingress", "AWS/Route53", "HealthCheckStatus",
                   {"HealthCheckId": "(primary health check)"}, "Minimum", "LessThanThreshold", 1.0, 1, "breaching", 30)
FAILBACK_LAG = ("failback-replica-lag", "Critical", ALL, "database", "AWS/RDS", "ReplicaLag",
                {"DBInstanceIdentifier": "aivo-production-postgres-fb"}, "Maximum", "GreaterThanThreshold", 60.0, 3, "breaching", 0)

PRIMARY_CASES = {
    "active": ({}, [*PRIMARY, PRIMARY_INGRESS]),
    # us-west-2 active: the failback instance replicates it back, and its lag bounds what a failback loses.
    "failed over": ({"activeRegion": "us-west-2"}, [*PRIMARY, FAILBACK_LAG, PRIMARY_INGRESS]),
    # Promoted, the failback instance is the writer: no lag.
    "failed back": ({"database": {"failbackPromoted": True}}, [*PRIMARY, PRIMARY_INGRESS]),
    "aurora failed over": ({"activeRegion": "us-west-2", "database": AURORA}, [*PRIMARY, PRIMARY_INGRESS]),
}


@pytest.mark.parametrize("values, expected", PRIMARY_CASES.values(), ids=PRIMARY_CASES.keys())
def test_the_primary_alarms_of_each_state(values: dict, expected: list[tuple]) -> None:
    alarms = detection.primary_alarms(settings("primary", **values))
    assert [row(a) for a in alarms] == expected
    assert timing(alarms) == {("us-east-1", 60, 60)}


def test_what_each_primary_alarm_watches_names_its_buckets() -> None:
    watches = {a.key: a.watches for a in detection.primary_alarms(settings("primary", activeRegion="us-west-2"))}
    assert watches == {
        "assets-replication-latency": "replication of aivo-production-assets to aivo-production-assets-us-west-2 (RTC)",
        "assets-replication-failed": "objects of aivo-production-assets that failed to replicate",
        "velero-replication-latency": "replication of aivo-production-velero to aivo-production-velero-us-west-2 (RTC)",
        "velero-replication-failed": "objects of aivo-production-velero that failed to replicate",
        "logs-replication-latency": "replication of aivo-production-logs-us-east-1 to aivo-production-logs-us-west-2 (RTC)",
        "logs-replication-failed": "objects of aivo-production-logs-us-east-1 that failed to replicate",
        "failback-replica-lag": "replication lag of the failback instance aivo-production-postgres-fb (data a failback would lose)",
        "primary-ingress-health": "Route53's health check of the us-east-1 ingress (metrics in us-east-1 only)",
    }


def test_the_primary_thresholds_follow_the_detection_settings() -> None:
    alarms = {a.key: a for a in detection.primary_alarms(settings("primary", detection=SLOW, activeRegion="us-west-2"))}
    assert timing(list(alarms.values())) == {("us-east-1", 60, 30)}
    # 2 periods and 30 s of delay: 150 s to fire; the failure counts keep one period.
    assert {k: a.threshold for k, a in alarms.items() if a.comparison == "GreaterThanThreshold" and a.metric != "OperationsFailedReplication"} == {
        "assets-replication-latency": 900 - 150, "velero-replication-latency": 300 - 150, "logs-replication-latency": 900 - 150,
        "failback-replica-lag": 300 - 150}
    assert {a.evaluation_periods for a in alarms.values() if a.metric == "OperationsFailedReplication"} == {1}


def test_the_replication_time_bounds_the_latency_of_data_with_a_longer_rpo() -> None:
    # High's RPO raised to 30 min: the assets' replication must still meet RTC's 15 min (less 240 s).
    tiers = {"Critical": {"rto": "30 min", "rpo": "5 min", "services": ["auth-svc", "api-gateway", "billing-svc"]},
             "High": {"rto": "1 hour", "rpo": "30 min", "services": ["content-svc", "assessment-svc", "analytics-svc"]},
             "Medium": {"rto": "2 hours", "rpo": "1 hour", "services": ["ai-orchestrator", "notify-svc"]},
             "Low": {"rto": "4 hours", "rpo": "4 hours", "services": ["experimentation-svc", "engagement-svc"]}}
    alarms = {a.key: a.threshold for a in detection.primary_alarms(settings("primary", tiers=tiers))}
    assert (alarms["assets-replication-latency"], alarms["velero-replication-latency"]) == (900 - 240, 300 - 240)


def test_the_primary_ingress_alarm_waits_for_route53s_checkers() -> None:
    dns = {"healthCheck": {"requestInterval": 30, "failureThreshold": 5}}
    (ingress,) = [a for a in detection.primary_alarms(settings("primary", dns=dns)) if a.key == "primary-ingress-health"]
    assert (ingress.extra_delay_seconds, ingress.detection_seconds) == (150, 60 + 60 + 150)


# ---- which tiers an alarm pages -------------------------------------------------------------------------------


STORE_CASES = [
    # The database is every tier's; the cache Critical's alone; the assets High's (tiers.<tier>.uses).
    ("database", list(ALL), 300),
    ("cache", ["Critical"], 300),
    ("assets", ["High"], 900),
    # No service keeps data on volumes: its alarm would page every tier (for the platform).
    ("volumes", list(ALL), 300),
    # The cluster's state, the ingress and the capacity are every tier's; the logs are the lowest tier's alone.
    ("cluster-state", list(ALL), 300),
    ("ingress", list(ALL), 300),
    ("capacity", list(ALL), 300),
    ("logs", ["Low"], 14400),
]


@pytest.mark.parametrize("store, tiers, rpo", STORE_CASES, ids=[c[0] for c in STORE_CASES])
def test_the_tiers_each_store_pages(store: str, tiers: list[str], rpo: int) -> None:
    s = settings()
    assert detection.tiers_using(s, store) == tiers
    assert detection.highest_tier(s, store) == tiers[0]
    assert detection.strictest_rpo_seconds(s, store) == rpo


def test_a_store_that_services_declare_pages_only_their_tiers() -> None:
    # Medium's services keep files on volumes: its alarm pages Medium, at its RPO; the rest of the tiers keep theirs.
    tiers = {"Critical": {"rto": "30 min", "rpo": "5 min", "services": ["auth-svc"], "uses": {"auth-svc": ["database"]}},
             "High": {"rto": "1 hour", "rpo": "15 min", "services": ["content-svc"], "uses": {"content-svc": ["assets"]}},
             "Medium": {"rto": "2 hours", "rpo": "1 hour", "services": ["notify-svc"], "uses": {"notify-svc": ["volumes", "cache"]}},
             "Low": {"rto": "4 hours", "rpo": "4 hours", "services": ["engagement-svc"], "uses": {"engagement-svc": ["stateless"]}}}
    s = settings(tiers=tiers)
    assert [(store, detection.tiers_using(s, store), detection.strictest_rpo_seconds(s, store))
            for store in ("database", "cache", "assets", "volumes", "logs")] == [
        ("database", ["Critical"], 300), ("cache", ["Medium"], 3600), ("assets", ["High"], 900),
        ("volumes", ["Medium"], 3600), ("logs", ["Low"], 14400)]


# ---- the threshold arithmetic --------------------------------------------------------------------------------


def spec(periods: int = 3, period: int = 60, delay: int = 60, extra: int = 0) -> AlarmSpec:
    return AlarmSpec(key="k", tier="Critical", store="database", tiers=("Critical",), watches="w", region="us-west-2",
                     namespace="n", metric="m", dimensions={}, statistic="Maximum", comparison="GreaterThanThreshold",
                     threshold=0.0, period_seconds=period, evaluation_periods=periods, treat_missing="breaching",
                     delay_seconds=delay, extra_delay_seconds=extra)


@pytest.mark.parametrize("limit, alarm, threshold", [
    (300, spec(), 60.0),  # 300 s less 240 s to fire
    (400, spec(extra=10), 150.0),  # 400 s less 250 s
    (300, spec(periods=1, period=300, delay=0), 300.0),  # nothing left: one period, the least an alarm sees
    (301, spec(periods=1, period=300, delay=0), 300.0),
    (602, spec(periods=1, period=300, delay=1), 301.0),
    (100, spec(), 60.0),
])
def test_a_threshold_pages_before_the_limit_and_never_below_one_period(limit: int, alarm: AlarmSpec, threshold: float) -> None:
    assert detection.before_breach(limit, alarm) == threshold
    assert isinstance(detection.before_breach(limit, alarm), float)


def test_with_threshold_changes_the_threshold_alone() -> None:
    alarm = spec(extra=5)
    changed = detection.with_threshold(alarm, 42.0)
    assert (changed.threshold, alarm.threshold) == (42.0, 0.0)
    assert {**changed.__dict__, "threshold": 0.0} == alarm.__dict__


def test_the_canary_and_its_bucket_are_named_for_the_account_and_the_dr_region() -> None:
    s = settings()
    assert detection.canary_name(s) == "aivo-ingress-health"
    assert detection.canary_bucket(s) == "aivo-dr-canary-123456789012-us-west-2"


# Critical keeps nothing in the database, High alone uses the cache: the database's alarms page High at its RPO (15 min),
# and so do the cache's.
NO_CRITICAL_DATA = {
    "Critical": {"rto": "30 min", "rpo": "5 min", "services": ["auth-svc"], "uses": {"auth-svc": ["stateless"]}},
    "High": {"rto": "1 hour", "rpo": "15 min", "services": ["content-svc"], "uses": {"content-svc": ["database", "cache", "assets"]}},
    "Medium": {"rto": "2 hours", "rpo": "1 hour", "services": ["notify-svc"], "uses": {"notify-svc": ["database"]}},
    "Low": {"rto": "4 hours", "rpo": "4 hours", "services": ["engagement-svc"], "uses": {"engagement-svc": ["database"]}}}


def test_a_lag_threshold_is_the_strictest_rpo_of_the_tiers_that_use_the_data() -> None:
    standby = {a.key: a for a in detection.dr_alarms(settings("dr", tiers=NO_CRITICAL_DATA, cache=GLOBAL_CACHE))}
    assert {k: (a.tier, a.threshold) for k, a in standby.items() if "lag" in k} == {
        "database-replica-lag": ("High", 900 - 240.0), **{f"cache-replication-lag-{n}": ("High", 900 - 240.0) for n in (1, 2, 3)}}
    aurora = {a.key: a for a in detection.dr_alarms(settings("dr", tiers=NO_CRITICAL_DATA, database=AURORA))}
    assert (aurora["database-replica-lag"].threshold, aurora["database-rpo-lag"].threshold) == (660000.0, 660000.0)
    primary = {a.key: a for a in detection.primary_alarms(settings("primary", tiers=NO_CRITICAL_DATA, activeRegion="us-west-2"))}
    assert (primary["failback-replica-lag"].tier, primary["failback-replica-lag"].threshold) == ("High", 660.0)
