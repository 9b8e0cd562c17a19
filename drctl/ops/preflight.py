"""Pre-failover checks: the runbook's Scenario 4 prerequisites, seen from the DR region.

Everything is read from the DR region except the S3 replication rules (they live on the primary buckets):
when us-east-1 is down those rows fail with the error, and the DR-side rows still say what is ready.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from drctl.ops.aws import client, is_unavailable_api, one_line
from drctl.ops.checks import FAIL, NOT_VERIFIABLE, PASS, WARN, Check
from drctl.ops.figures import runbook
from drctl.ops.storage import replication_check
from drctl.ops.velero import list_backups, schedule_check
from stacks.settings.stack import CLUSTER_NAMES
from stacks.settings.tiers import Tier

# How far back to look for ReplicaLag datapoints (CloudWatch publishes RDS metrics every minute).
LAG_WINDOW = timedelta(minutes=15)


def source_region(arn_or_id: str | None) -> str | None:
    """The region in a source ARN (arn:aws:rds:REGION:ACCOUNT:db:NAME); None for a bare identifier."""
    parts = (arn_or_id or "").split(":")
    return parts[3] if len(parts) > 6 and parts[0] == "arn" else None


def replica_check(instance: dict[str, Any] | None, identifier: str, source: str, primary: str, dr: str) -> Check:
    """The DR read replica exists, is available, and replicates from the production instance in the primary region."""
    label = "dr read replica"
    if instance is None:
        return Check(label, FAIL, f"{identifier} not found in {dr}")
    status = instance.get("DBInstanceStatus")
    upstream = instance.get("ReadReplicaSourceDBInstanceIdentifier")
    if not upstream:
        return Check(label, FAIL, f"{identifier} ({status}) has no replication source: already promoted?")
    if upstream.split(":")[-1] != source or source_region(upstream) not in (primary, None):
        return Check(label, FAIL, f"{identifier} replicates from {upstream}, not {source} in {primary}")
    if status != "available":
        return Check(label, FAIL, f"{identifier} is {status}, not available")
    return Check(label, PASS, f"{identifier} available in {dr}, replicating from {source} ({primary})")


def replica_lag_check(lag_seconds: float | None, tiers: dict[str, Tier]) -> Check:
    """Replica lag is the data a failover loses now: judged against the strictest tier RPO."""
    strictest = min(tiers, key=lambda t: tiers[t].rpo_minutes)
    if lag_seconds is None:
        return Check("replica lag", WARN, f"{NOT_VERIFIABLE}: no ReplicaLag datapoints in the last {int(LAG_WINDOW.total_seconds() // 60)} min")
    limit = tiers[strictest].rpo_minutes * 60
    status = PASS if lag_seconds <= limit else FAIL
    return Check("replica lag", status, f"max {lag_seconds:.0f} s over {int(LAG_WINDOW.total_seconds() // 60)} min (limit: {strictest} RPO {tiers[strictest].rpo})")


def _replica(dr: str, identifier: str) -> dict[str, Any] | None:
    rds = client("rds", dr)
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None


def _replica_lag(dr: str, identifier: str, now: datetime) -> float | None:
    answer = client("cloudwatch", dr).get_metric_statistics(
        Namespace="AWS/RDS", MetricName="ReplicaLag", Dimensions=[{"Name": "DBInstanceIdentifier", "Value": identifier}],
        StartTime=now - LAG_WINDOW, EndTime=now + timedelta(minutes=1), Period=60, Statistics=["Maximum"],
    )
    points = answer.get("Datapoints", [])
    return max(p["Maximum"] for p in points) if points else None


def backup_replication_check(dr: str, source_identifier: str, primary: str) -> Check:
    """Automated backups replicated into the DR region (PITR there after a failover). Not a Scenario 4
    prerequisite (the read replica is), so its absence warns rather than blocks."""
    label = "automated backup replication"
    rds = client("rds", dr)
    try:
        backups = rds.describe_db_instance_automated_backups().get("DBInstanceAutomatedBackups", [])
    except ClientError as error:
        if is_unavailable_api(error):
            return Check(label, WARN, f"{NOT_VERIFIABLE}: describe_db_instance_automated_backups unavailable in {dr}")
        return Check(label, FAIL, one_line(error))
    replicated = [b for b in backups if b.get("DBInstanceIdentifier") == source_identifier and b.get("Region") == primary]
    if replicated:
        b = replicated[0]
        return Check(label, PASS, f"{source_identifier} backups {b.get('Status')} in {dr}, retention {b.get('BackupRetentionPeriod')} days")
    return Check(label, WARN, f"{NOT_VERIFIABLE}: no backups of {source_identifier} replicated into {dr}; "
                              "the endpoint may lack start_db_instance_automated_backups_replication (moto does)")


def health_check_rows(primary: str, dr: str) -> list[Check]:
    """One HTTPS health check per regional ingress endpoint (the targets of api/app failover records)."""
    dns, site = runbook().dns, runbook().site
    r53 = client("route53", primary)
    try:
        found = [c for page in r53.get_paginator("list_health_checks").paginate() for c in page["HealthChecks"]]
    except ClientError as error:
        return [Check("route53 health checks", FAIL, one_line(error))]
    rows = []
    for region in (primary, dr):
        endpoint = site.ingress.get(region)
        label = f"health check {region}"
        match = [c for c in found if c["HealthCheckConfig"].get("FullyQualifiedDomainName") == endpoint
                 and c["HealthCheckConfig"].get("ResourcePath") == dns.health_check.path]
        if not match:
            rows.append(Check(label, FAIL, f"no health check on https://{endpoint}{dns.health_check.path}"))
            continue
        observations = r53.get_health_check_status(HealthCheckId=match[0]["Id"]).get("HealthCheckObservations", [])
        healthy = [o for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success")]
        status = PASS if observations and len(healthy) == len(observations) else (WARN if region == primary else FAIL)
        rows.append(Check(label, status, f"https://{endpoint}{dns.health_check.path}: {len(healthy)}/{len(observations)} checkers report Success"))
    return rows


def failover_record_rows(primary: str, dr: str) -> list[Check]:
    """api/app answer with a PRIMARY and a health-checked SECONDARY that points at the DR endpoint."""
    dns, site = runbook().dns, runbook().site
    r53 = client("route53", primary)
    try:
        zones = [z for z in r53.list_hosted_zones_by_name(DNSName=dns.zone_name)["HostedZones"] if z["Name"].rstrip(".") == dns.zone_name]
        if not zones:
            return [Check("dns failover records", FAIL, f"hosted zone {dns.zone_name} not found")]
        records = [r for page in r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zones[0]["Id"]) for r in page["ResourceRecordSets"]]
    except ClientError as error:
        return [Check("dns failover records", FAIL, one_line(error))]
    rows = []
    for name in (dns.api_name, dns.app_name):
        mine = {r.get("Failover"): r for r in records if r["Name"].rstrip(".") == name}
        secondary = mine.get("SECONDARY")
        targets = [v["Value"].rstrip(".") for v in (secondary or {}).get("ResourceRecords", [])]
        if "PRIMARY" not in mine or secondary is None:
            rows.append(Check(f"dns {name}", FAIL, f"missing failover records: has {sorted(k for k in mine if k) or 'none'}"))
        elif site.ingress.get(dr) not in targets or not secondary.get("HealthCheckId"):
            rows.append(Check(f"dns {name}", FAIL, f"SECONDARY points at {targets}, health check {secondary.get('HealthCheckId') or 'none'}"))
        else:
            rows.append(Check(f"dns {name}", PASS, f"PRIMARY and SECONDARY -> {site.ingress.get(dr)} (health-checked)"))
    return rows


def cluster_rows(dr: str, cluster_name: str) -> list[Check]:
    s = runbook().cluster
    eks = client("eks", dr)
    try:
        cluster = eks.describe_cluster(name=cluster_name)["cluster"]
    except ClientError as error:
        return [Check("dr eks cluster", FAIL, f"{cluster_name}: {one_line(error)}")]
    rows = [Check("dr eks cluster", PASS if cluster.get("status") == "ACTIVE" else FAIL, f"{cluster_name} {cluster.get('status')} (Kubernetes {cluster.get('version')})")]
    try:
        group = eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=s.node_group_name)["nodegroup"]
    except ClientError as error:
        return [*rows, Check(f"node group {s.node_group_name}", FAIL, one_line(error))]
    scaling = group.get("scalingConfig", {})
    # The failover scales this group to the runbook's min/desired/max: its max must already allow that.
    can_scale = scaling.get("maxSize", 0) >= s.node_group.max_size
    ok = group.get("status") == "ACTIVE" and can_scale
    detail = (f"{group.get('status')}, min {scaling.get('minSize')}/desired {scaling.get('desiredSize')}/max {scaling.get('maxSize')}"
              f"; failover target {s.node_group.min_size}/{s.node_group.desired_size}/{s.node_group.max_size}")
    return [*rows, Check(f"node group {s.node_group_name}", PASS if ok else FAIL, detail)]


def preflight(primary: str, dr: str, cluster_name: str | None = None, replica_identifier: str | None = None,
              now: datetime | None = None) -> list[Check]:
    s = runbook()
    now = now or datetime.now(UTC)
    replica_id = replica_identifier or s.database.replica_identifier
    replica = _replica(dr, replica_id)
    checks = [replica_check(replica, replica_id, s.database.identifier, primary, dr)]
    if replica is not None:
        try:
            checks.append(replica_lag_check(_replica_lag(dr, replica_id, now), s.tiers))
        except ClientError as error:
            checks.append(Check("replica lag", WARN, f"{NOT_VERIFIABLE}: {one_line(error)}"))
    checks.append(backup_replication_check(dr, s.database.identifier, primary))
    checks += [replication_check(bucket, primary, dr) for bucket in (s.storage.assets_bucket, s.storage.velero_bucket)]
    checks += health_check_rows(primary, dr)
    checks += failover_record_rows(primary, dr)
    checks += cluster_rows(dr, cluster_name or CLUSTER_NAMES["dr"])
    replica_bucket = s.storage.replica_name(s.storage.velero_bucket, dr)
    try:
        found = list_backups(replica_bucket, dr)
        checks += [schedule_check(v, found, now, replica_bucket) for v in (s.velero.daily, s.velero.weekly)]
    except ClientError as error:
        checks.append(Check("velero backups", FAIL, f"{replica_bucket}: {one_line(error)}"))
    return checks

