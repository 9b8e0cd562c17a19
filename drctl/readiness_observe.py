"""`drctl readiness --observe`: the replication lag each store actually had, from CloudWatch.

The RDS cross-region replica has no enforced RPO (AWS bounds no ReplicaLag); without an observation the model can
only state the lag alarm's time to notice. This reads the p99 of what CloudWatch recorded over the last 14 days
(GetMetricStatistics, ExtendedStatistics p99, one period of 14 days: the p99 of every datapoint, not a maximum of
daily p99s): `ReplicaLag` of the DR replica (AWS/RDS, us-west-2) and S3 `ReplicationLatency` of the assets bucket's
rule (AWS/S3, in the source bucket's region; RTC publishes it). An observation replaces the time to notice; it
never replaces an enforced bound (RTC's SLA), it is shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from drctl.engine import Plan
from drctl.ops.aws import aws_errors, client
from policies.recovery.facts import StoreRpo

WINDOW = timedelta(days=14)
PERCENTILE = "p99"


@dataclass(frozen=True)
class Metric:
    store: str
    region: str
    namespace: str
    name: str
    dimensions: dict[str, str]
    what: str


def metrics(plans: dict[str, Plan]) -> list[Metric]:
    """What to read, from the standby plans: the DR replica's identifier, the assets rule's buckets and id."""
    found: list[Metric] = []
    for r in plans["dr"].resources:
        if r.type == "aws:rds/instance:Instance" and r.inputs.get("replicateSourceDb"):
            found.append(Metric("database", str(r.region), "AWS/RDS", "ReplicaLag",
                                {"DBInstanceIdentifier": str(r.inputs["identifier"])}, f"ReplicaLag of {r.inputs['identifier']}"))
    assets = _objectives_bucket(plans["primary"], "assets")
    if assets is None:
        return found
    for r in plans["primary"].resources:
        if r.type == "aws:s3/bucketReplicationConfig:BucketReplicationConfig" and r.inputs.get("bucket") == assets:
            for rule in r.inputs.get("rules", []):
                destination = str(rule.get("destination", {}).get("bucket", "")).rsplit(":", 1)[-1]
                found.append(Metric("assets", str(r.region), "AWS/S3", "ReplicationLatency",
                                    {"SourceBucket": assets, "DestinationBucket": destination, "RuleId": str(rule.get("id"))},
                                    f"ReplicationLatency of {assets} -> {destination} (rule {rule.get('id')})"))
    return found


def _objectives_bucket(plan: Plan, store: str) -> str | None:
    import json

    for r in plan.resources:
        if r.type == "kubernetes:core/v1:ConfigMap" and r.inputs.get("metadata", {}).get("name") == "aivo-dr-objectives":
            return str(json.loads(r.inputs["data"]["objectives.json"])["buckets"][store])
    return None


def read_p99(metric: Metric, now: datetime) -> float | None:
    """The p99 over the window, in seconds, or None when CloudWatch has no datapoint (or returns no p99)."""
    with aws_errors(f"cloudwatch GetMetricStatistics {metric.namespace} {metric.name}"):
        answer: dict[str, Any] = client("cloudwatch", metric.region).get_metric_statistics(
            Namespace=metric.namespace, MetricName=metric.name, StartTime=now - WINDOW, EndTime=now,
            Period=int(WINDOW.total_seconds()), ExtendedStatistics=[PERCENTILE],
            Dimensions=[{"Name": k, "Value": v} for k, v in metric.dimensions.items()])
    values = [float(p["ExtendedStatistics"][PERCENTILE]) for p in answer.get("Datapoints", [])
              if PERCENTILE in p.get("ExtendedStatistics", {})]
    return max(values) if values else None


def observe(plans: dict[str, Plan], now: datetime | None = None) -> tuple[dict[str, StoreRpo], list[str]]:
    """Each store's observed lag (p99 over 14 days) as a StoreRpo of kind "observed", and what could not be observed."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    observed: dict[str, StoreRpo] = {}
    missing: list[str] = []
    for metric in metrics(plans):
        value = read_p99(metric, now)
        where = f"{metric.what}, {PERCENTILE} over {WINDOW.days} days (CloudWatch {metric.namespace} in {metric.region})"
        if value is None:
            missing.append(f"{metric.store}: no {PERCENTILE} datapoint for {where}")
            continue
        previous = observed.get(metric.store)
        if previous is None or (previous.seconds or 0) < value:
            observed[metric.store] = StoreRpo(metric.store, value, f"observed: {where}: {value:g} s", kind="observed")
    return observed, missing
