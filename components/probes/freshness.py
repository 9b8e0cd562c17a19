"""The DR freshness probe (an AWS Lambda in the DR region): what no native metric says, as CloudWatch metrics.

Every few minutes it measures, in its own region only, what a failover would find there:
- RestorableAgeSeconds: how old the newest point-in-time restore point is: the primary's automated backups
  replicated into this region (both modes) and, after a failover, the promoted database's own;
- DatabaseAvailable: the DR database (the replica in standby, the promoted writer after a failover) is `available`;
- VeleroNewestBackupAgeSeconds and VeleroNewestBackupFailed: the newest backup of the schedule the failover
  restores from, read from the Velero bucket of this region (the replica, which is what a restore reads);
- NodeGroupHealthy, ClusterActive, CacheAvailable: the DR capacity a failover relies on.

Each measurement stands alone: one that cannot be made publishes nothing, and its alarm treats the missing
datapoint as breaching. Configuration comes from the environment (components/probe.py sets it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

NAMESPACE = "AIVO/DR"


@dataclass(frozen=True)
class Config:
    region: str
    mode: str  # standby | failover
    source_database: str  # the primary's writer (whose backups replicate here)
    dr_database: str  # the DR instance (replica in standby, writer after a failover)
    velero_bucket: str
    velero_schedule: str  # the schedule whose backups a failover restores (standby) or that now runs here
    cluster: str
    node_group: str
    cache: str

    @staticmethod
    def from_env(env: Mapping[str, str]) -> Config:
        return Config(region=env["PROBE_REGION"], mode=env["PROBE_MODE"], source_database=env["SOURCE_DATABASE"],
                      dr_database=env["DR_DATABASE"], velero_bucket=env["VELERO_BUCKET"], velero_schedule=env["VELERO_SCHEDULE"],
                      cluster=env["CLUSTER"], node_group=env["NODE_GROUP"], cache=env["CACHE"])


@dataclass(frozen=True)
class Metric:
    name: str
    dimensions: dict[str, str]
    value: float


Clients = Callable[[str], Any]  # service name -> a boto3 client of the probe's region


def _age(moment: datetime, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0)


def restorable_age(config: Config, clients: Clients, now: datetime) -> Iterator[Metric]:
    rds = clients("rds")
    instance = rds.describe_db_instances(DBInstanceIdentifier=config.dr_database)["DBInstances"][0]
    yield Metric("DatabaseAvailable", {"DBInstanceIdentifier": config.dr_database},
                 1.0 if instance.get("DBInstanceStatus") == "available" else 0.0)
    if config.mode == "failover" and instance.get("LatestRestorableTime"):
        yield Metric("RestorableAgeSeconds", {"DBInstanceIdentifier": config.dr_database}, _age(instance["LatestRestorableTime"], now))
    replicated = rds.describe_db_instance_automated_backups(DBInstanceIdentifier=config.source_database)
    times = [b["RestoreWindow"]["LatestTime"] for b in replicated.get("DBInstanceAutomatedBackups", [])
             if (b.get("RestoreWindow") or {}).get("LatestTime")]
    if times:
        yield Metric("RestorableAgeSeconds", {"DBInstanceIdentifier": config.source_database}, _age(max(times), now))


def velero_backups(config: Config, clients: Clients, now: datetime) -> Iterator[Metric]:
    """The newest backup of the schedule (Velero writes backups/<name>/velero-backup.json; names start with the schedule)."""
    s3 = clients("s3")
    prefix = f"backups/{config.velero_schedule}-"
    found: list[tuple[datetime, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=config.velero_bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not item["Key"].endswith("/velero-backup.json"):
                continue
            backup = json.loads(s3.get_object(Bucket=config.velero_bucket, Key=item["Key"])["Body"].read())
            if (backup.get("metadata", {}).get("labels") or {}).get("velero.io/schedule-name") != config.velero_schedule:
                continue
            status = backup.get("status") or {}
            started = status.get("startTimestamp") or status.get("completionTimestamp")
            if started:
                found.append((datetime.strptime(started, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), status.get("phase", "")))
    dims = {"Schedule": config.velero_schedule}
    completed = [moment for moment, phase in found if phase == "Completed"]
    if completed:
        yield Metric("VeleroNewestBackupAgeSeconds", dims, _age(max(completed), now))
    if found:
        yield Metric("VeleroNewestBackupFailed", dims, 0.0 if max(found)[1] == "Completed" else 1.0)


def capacity(config: Config, clients: Clients, now: datetime) -> Iterator[Metric]:
    eks = clients("eks")
    cluster = eks.describe_cluster(name=config.cluster)["cluster"]
    yield Metric("ClusterActive", {"ClusterName": config.cluster}, 1.0 if cluster.get("status") == "ACTIVE" else 0.0)
    group = eks.describe_nodegroup(clusterName=config.cluster, nodegroupName=config.node_group)["nodegroup"]
    healthy = group.get("status") == "ACTIVE" and not (group.get("health") or {}).get("issues")
    yield Metric("NodeGroupHealthy", {"ClusterName": config.cluster}, 1.0 if healthy else 0.0)


def cache(config: Config, clients: Clients, now: datetime) -> Iterator[Metric]:
    groups = clients("elasticache").describe_replication_groups(ReplicationGroupId=config.cache)["ReplicationGroups"]
    available = bool(groups) and groups[0].get("Status") == "available"
    yield Metric("CacheAvailable", {"ReplicationGroupId": config.cache}, 1.0 if available else 0.0)


MEASUREMENTS = (restorable_age, velero_backups, capacity, cache)


def measure(config: Config, clients: Clients, now: datetime, measurements: tuple[Any, ...] | None = None) -> tuple[list[Metric], list[str]]:
    """(metrics, problems): every measurement that could be made, and one line per one that could not (of this
    module's MEASUREMENTS, or of a mode's own: freshness_aurora.py)."""
    metrics: list[Metric] = []
    problems: list[str] = []
    for measurement in MEASUREMENTS if measurements is None else measurements:
        try:
            metrics.extend(measurement(config, clients, now))
        except Exception as error:  # noqa: BLE001 - one failed measurement must not silence the others
            problems.append(f"{measurement.__name__}: {type(error).__name__}: {' '.join(str(error).split())}")
    return metrics, problems


def publish(metrics: list[Metric], cloudwatch: Any, now: datetime) -> None:
    data = [{"MetricName": m.name, "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(m.dimensions.items())],
             "Timestamp": now, "Value": m.value} for m in metrics]
    for start in range(0, len(data), 20):
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[start:start + 20])


def handler(event: Any, context: Any) -> dict[str, Any]:
    return serve(MEASUREMENTS)


def serve(measurements: tuple[Any, ...]) -> dict[str, Any]:
    """One probe run: measure in the function's region, publish, print each problem (the handler of each mode)."""
    import boto3

    config = Config.from_env(os.environ)
    now = datetime.now(UTC)
    metrics, problems = measure(config, lambda service: boto3.client(service, region_name=config.region), now, measurements)
    publish(metrics, boto3.client("cloudwatch", region_name=config.region), now)
    for problem in problems:
        print(f"probe: {problem}")
    return {"published": len(metrics), "problems": problems}
