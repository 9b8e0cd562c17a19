"""The freshness probe (components/probes/freshness.py) against moto's server: what it measures in us-west-2,
what it publishes, and that one measurement that cannot be made silences none of the others (its alarm then
sees missing data, which it treats as breaching)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from components.probes import freshness
from drctl.ops.figures import runbook
from policies._common import METRIC_ALARM
from stacks.monitoring import probe_environment
from tests.helpers.estate import last_daily_run


def config(failover: bool = False) -> freshness.Config:
    return freshness.Config.from_env(probe_environment(runbook("dr").model_copy(update={"failover": failover})))


def clients(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, region_name="us-west-2")


def by_name(metrics: list[freshness.Metric]) -> dict[tuple[str, str], float]:
    return {(m.name, next(iter(m.dimensions.values()))): m.value for m in metrics}


def test_standby_measures_the_dr_side_and_publishes_it(aws) -> None:
    now = datetime.now(UTC)
    metrics, problems = freshness.measure(config(), clients, now)
    found = by_name(metrics)
    s = runbook("dr")
    assert found[("DatabaseAvailable", s.database.replica_identifier)] == 1.0
    assert found[("ClusterActive", s.cluster_name)] == 1.0
    assert found[("NodeGroupHealthy", s.cluster_name)] == 1.0
    # The newest completed daily backup in the us-west-2 replica bucket, the one a restore would read.
    age = found[("VeleroNewestBackupAgeSeconds", s.velero.daily.name)]
    assert abs(age - (now - last_daily_run(now)).total_seconds()) < 120
    assert found[("VeleroNewestBackupFailed", s.velero.daily.name)] == 0.0
    # What the endpoint cannot answer is a problem line each, not a crash and not a made-up value.
    assert all(": " in p for p in problems)
    assert ("RestorableAgeSeconds", s.database.replica_identifier) not in found  # standby: not the replica's own
    freshness.publish(metrics, clients("cloudwatch"), now)
    stats = clients("cloudwatch").get_metric_statistics(
        Namespace=freshness.NAMESPACE, MetricName="ClusterActive", Dimensions=[{"Name": "ClusterName", "Value": s.cluster_name}],
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=5), Period=60, Statistics=["Minimum"])
    assert [p["Minimum"] for p in stats["Datapoints"]] == [1.0]


def test_a_failed_newest_backup_and_a_missing_cluster_are_reported_alone(aws) -> None:
    s = runbook("dr")
    bucket = s.storage.replica_name(s.storage.velero_bucket, "us-west-2")
    now = datetime.now(UTC)
    from tests.helpers.estate import velero_backup

    name = f"{s.velero.daily.name}-{now:%Y%m%d%H%M%S}"
    clients("s3").put_object(Bucket=bucket, Key=f"backups/{name}/velero-backup.json",
                             Body=velero_backup(name, s.velero.daily.name, now, phase="PartiallyFailed"))
    clients("eks").delete_nodegroup(clusterName=s.cluster_name, nodegroupName=s.cluster.node_group_name)
    metrics, problems = freshness.measure(config(), clients, now)
    found = by_name(metrics)
    assert found[("VeleroNewestBackupFailed", s.velero.daily.name)] == 1.0
    # The capacity measurement failed (no node group): its metrics are absent, the others are still there.
    assert ("NodeGroupHealthy", s.cluster_name) not in found and ("DatabaseAvailable", s.database.replica_identifier) in found
    assert any(p.startswith("capacity: ") and "general" in p for p in problems)



def _published(metrics: list[freshness.Metric]) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {(m.name, tuple(sorted(m.dimensions.items()))) for m in metrics}


def _probe_alarms(plan) -> set[tuple[str, tuple[tuple[str, str], ...]]]:  # type: ignore[no-untyped-def]
    return {(r.inputs["metricName"], tuple(sorted(r.inputs["dimensions"].items())))
            for r in plan.resources if r.type == METRIC_ALARM and r.inputs.get("namespace") == freshness.NAMESPACE}


class _Complete:
    """moto's client, with the two answers its RDS and ElastiCache lack filled in as AWS gives them (replicated
    automated backups with a restore window; the DR replication group available), so that the probe measures
    every series it can publish."""

    def __init__(self, client, now: datetime) -> None:  # type: ignore[no-untyped-def]
        self._client, self._now = client, now

    def describe_db_instance_automated_backups(self, **_: object) -> dict:  # type: ignore[type-arg]
        return {"DBInstanceAutomatedBackups": [{"RestoreWindow": {"LatestTime": self._now - timedelta(minutes=10)}}]}

    def describe_replication_groups(self, **_: object) -> dict:  # type: ignore[type-arg]
        return {"ReplicationGroups": [{"Status": "available"}]}

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._client, name)


def _every_series(failover: bool, now: datetime) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    metrics, problems = freshness.measure(config(failover), lambda service: _Complete(clients(service), now), now)
    assert problems == []
    return _published(metrics)


def test_every_probe_alarm_of_the_standby_watches_a_series_the_probe_publishes(aws, dr_plan) -> None:
    """The contract between stacks/detection.py and the probe: each alarm's metric and dimensions (names and values)
    are exactly a series the probe puts, or the alarm sits on a series nothing publishes and never fires."""
    alarms = _probe_alarms(dr_plan)
    assert {"DatabaseAvailable", "RestorableAgeSeconds", "VeleroNewestBackupAgeSeconds", "VeleroNewestBackupFailed",
            "ClusterActive", "CacheAvailable"} <= {m for m, _ in alarms}
    assert alarms - _every_series(False, datetime.now(UTC)) == set()


def test_every_probe_alarm_after_failover_watches_a_series_the_probe_publishes(aws, dr_failover_plan) -> None:
    s = runbook("dr")
    # After a failover the probe measures the promoted database's own backups and the DR cluster's schedule.
    clients("rds").promote_read_replica(DBInstanceIdentifier=s.database.replica_identifier)
    bucket = s.storage.replica_name(s.storage.velero_bucket, "us-west-2")
    now = datetime.now(UTC)
    from tests.helpers.estate import velero_backup

    schedule = f"{s.velero.daily.name}-us-west-2"
    name = f"{schedule}-{now:%Y%m%d%H%M%S}"
    clients("s3").put_object(Bucket=bucket, Key=f"backups/{name}/velero-backup.json", Body=velero_backup(name, schedule, now))
    alarms = _probe_alarms(dr_failover_plan)
    assert ("RestorableAgeSeconds", (("DBInstanceIdentifier", s.database.replica_identifier),)) in alarms
    assert alarms - _every_series(True, now) == set()
