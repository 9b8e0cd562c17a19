"""Pre-failover checks: the runbook's Scenario 4 prerequisites, seen from the DR region.

Everything is read from the DR region except the S3 replication rules (they live on the primary buckets)
and Route53 (its API is in us-east-1). The rows run in independent groups (drctl.ops.groups): when
us-east-1 does not answer, its rows say UNREACHABLE and the DR-side rows still say what is ready. That
is the point of a preflight: a failover happens exactly when the primary region may be down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drctl.ops.alarms import alarm_checks
from drctl.ops.alarms import label as alarm_label
from drctl.ops.aws import client, is_unavailable_api, is_unreachable, one_line, unavailable_api
from drctl.ops.checks import FAIL, NOT_VERIFIABLE, PASS, UNREACHABLE, WARN, Check
from drctl.ops.figures import runbook
from drctl.ops.groups import Group, failure_row, run_groups, single
from drctl.ops.storage import replica_check as bucket_replica_check
from drctl.ops.storage import replica_label, replication_check, replication_label
from drctl.ops.velero import list_backups, schedule_check
from stacks.settings.stack import CLUSTER_NAMES
from stacks.settings.tiers import Tier

# How far back to look for ReplicaLag datapoints (CloudWatch publishes RDS metrics every minute).
LAG_WINDOW = timedelta(minutes=15)
REPLICA_LAG = "replica lag"
BACKUP_REPLICATION = "automated backup replication"


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
        return Check(REPLICA_LAG, WARN, f"{NOT_VERIFIABLE}: no ReplicaLag datapoints in the last {int(LAG_WINDOW.total_seconds() // 60)} min")
    limit = tiers[strictest].rpo_minutes * 60
    status = PASS if lag_seconds <= limit else FAIL
    return Check(REPLICA_LAG, status, f"max {lag_seconds:.0f} s over {int(LAG_WINDOW.total_seconds() // 60)} min (limit: {strictest} RPO {tiers[strictest].rpo})")


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
    label = BACKUP_REPLICATION
    try:
        backups = client("rds", dr).describe_db_instance_automated_backups().get("DBInstanceAutomatedBackups", [])
    except ClientError as error:
        if is_unavailable_api(error):
            return Check(label, WARN, unavailable_api("describe_db_instance_automated_backups"))
        raise
    replicated = [b for b in backups if b.get("DBInstanceIdentifier") == source_identifier and b.get("Region") == primary]
    if replicated:
        b = replicated[0]
        return Check(label, PASS, f"{source_identifier} backups {b.get('Status')} in {dr}, retention {b.get('BackupRetentionPeriod')} days")
    return Check(label, WARN, f"{NOT_VERIFIABLE}: no backups of {source_identifier} replicated into {dr}; "
                              "the endpoint may not implement start_db_instance_automated_backups_replication")


def health_check_rows(primary: str, dr: str) -> list[Check]:
    """One HTTPS health check per regional ingress endpoint (the targets of api/app failover records)."""
    dns, site = runbook().dns, runbook().site
    r53 = client("route53", primary)
    found = [c for page in r53.get_paginator("list_health_checks").paginate() for c in page["HealthChecks"]]
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
        rows.append(health_check_row(label, f"https://{endpoint}{dns.health_check.path}", observations, region == primary))
    return rows


def health_check_row(label: str, url: str, observations: list[dict[str, Any]], is_primary: bool) -> Check:
    """Every Route53 checker must report Success. An unhealthy primary is the outage a failover is for (WARN); an
    unhealthy DR endpoint, or one no checker reports on, is where traffic would go, so it blocks (FAIL)."""
    healthy = [o for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success")]
    status = PASS if observations and len(healthy) == len(observations) else (WARN if is_primary else FAIL)
    return Check(label, status, f"{url}: {len(healthy)}/{len(observations)} checkers report Success")


def failover_record_rows(primary: str, dr: str) -> list[Check]:
    """api/app answer with a PRIMARY and a health-checked SECONDARY that points at the DR endpoint."""
    dns, site = runbook().dns, runbook().site
    r53 = client("route53", primary)
    zones = [z for z in r53.list_hosted_zones_by_name(DNSName=dns.zone_name)["HostedZones"] if z["Name"].rstrip(".") == dns.zone_name]
    if not zones:
        return [Check(f"dns {name}", FAIL, f"hosted zone {dns.zone_name} not found") for name in (dns.api_name, dns.app_name)]
    records = [r for page in r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zones[0]["Id"]) for r in page["ResourceRecordSets"]]
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
    cluster = eks.describe_cluster(name=cluster_name)["cluster"]
    rows = [Check("dr eks cluster", PASS if cluster.get("status") == "ACTIVE" else FAIL, f"{cluster_name} {cluster.get('status')} (Kubernetes {cluster.get('version')})")]
    try:
        group = eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=s.node_group_name)["nodegroup"]
    except ClientError as error:
        if is_unreachable(error):
            raise
        return [*rows, Check(f"node group {s.node_group_name}", FAIL, one_line(error))]
    scaling = group.get("scalingConfig", {})
    # The failover scales this group to the runbook's min/desired/max: its max must already allow that.
    can_scale = scaling.get("maxSize", 0) >= s.node_group.max_size
    ok = group.get("status") == "ACTIVE" and can_scale
    detail = (f"{group.get('status')}, min {scaling.get('minSize')}/desired {scaling.get('desiredSize')}/max {scaling.get('maxSize')}"
              f"; failover target {s.node_group.min_size}/{s.node_group.desired_size}/{s.node_group.max_size}")
    return [*rows, Check(f"node group {s.node_group_name}", PASS if ok else FAIL, detail)]


def _replica_rows(dr: str, replica_id: str, source: str, primary: str, now: datetime) -> list[Check]:
    """The replica, then its lag (only for a replica that exists; a lag that cannot be read is not a failure)."""
    replica = _replica(dr, replica_id)
    rows = [replica_check(replica, replica_id, source, primary, dr)]
    if replica is None:
        return rows
    try:
        rows.append(replica_lag_check(_replica_lag(dr, replica_id, now), runbook().tiers))
    except (ClientError, BotoCoreError) as error:
        rows.append(failure_row(REPLICA_LAG, error) if isinstance(error, BotoCoreError) or is_unreachable(error)
                    else Check(REPLICA_LAG, WARN, f"{NOT_VERIFIABLE}: {one_line(error)}"))
    return rows


def _velero_rows(dr: str, now: datetime) -> list[Check]:
    s = runbook()
    replica_bucket = s.storage.replica_name(s.storage.velero_bucket, dr)
    found = list_backups(replica_bucket, dr)
    return [schedule_check(v, found, now, replica_bucket) for v in (s.velero.daily, s.velero.weekly)]


def preflight(primary: str, dr: str, cluster_name: str | None = None, replica_identifier: str | None = None,
              now: datetime | None = None) -> list[Check]:
    """Every Scenario 4 prerequisite as a row, in the runbook's order; each group of rows fails alone."""
    s = runbook()
    now = now or datetime.now(UTC)
    replica_id = replica_identifier or s.database.replica_identifier
    dns, node_group = s.dns, s.cluster.node_group_name
    groups = [Group(("dr read replica", REPLICA_LAG), lambda: _replica_rows(dr, replica_id, s.database.identifier, primary, now)),
              Group((BACKUP_REPLICATION,), lambda: [backup_replication_check(dr, s.database.identifier, primary)])]
    for bucket in (s.storage.assets_bucket, s.storage.velero_bucket):
        groups += [Group((replication_label(bucket),), partial(single, replication_check, bucket, primary, dr)),
                   Group((replica_label(bucket, dr),), partial(single, bucket_replica_check, bucket, dr))]
    groups += [
        Group((f"health check {primary}", f"health check {dr}"), lambda: health_check_rows(primary, dr)),
        Group((f"dns {dns.api_name}", f"dns {dns.app_name}"), lambda: failover_record_rows(primary, dr)),
        Group(("dr eks cluster", f"node group {node_group}"), lambda: cluster_rows(dr, cluster_name or CLUSTER_NAMES["dr"])),
        Group((f"velero {s.velero.daily.name}", f"velero {s.velero.weekly.name}"), lambda: _velero_rows(dr, now)),
        # The alarms of both regions: the primary's outage symptoms are expected (WARN), anything else blocks.
        *(Group((alarm_label(region),), partial(alarm_checks, region, True)) for region in (dr, primary)),
    ]
    return run_groups(groups)


def blockers(checks: list[Check], primary: str, allowed: tuple[str, ...] = ()) -> list[Check]:
    """The rows that say the DR region is not ready: every FAIL, and every UNREACHABLE row whose region is
    not the primary (a failover is for when the primary does not answer: its silence blocks nothing).
    Never the automated backup replication row (not a Scenario 4 prerequisite), nor the `allowed` ones."""
    return [c for c in checks if c.check not in (BACKUP_REPLICATION, *allowed)
            and (c.status == FAIL or (c.status == UNREACHABLE and c.region != primary))]


def unreachable_primary(checks: list[Check], primary: str) -> list[Check]:
    return [c for c in checks if c.status == UNREACHABLE and c.region == primary]


def verdict(checks: list[Check], primary: str, dr: str) -> str:
    """The line under the table: ready or not, and what could not be verified."""
    blocking = blockers(checks, primary)
    if blocking:
        parts = ["fix the FAIL rows"] if any(c.status == FAIL for c in blocking) else []
        silent = sorted({c.region or "?" for c in blocking if c.status == UNREACHABLE})
        if silent:
            parts.append(f"{' and '.join(silent)} did not answer (UNREACHABLE rows)")
        return "NOT ready: " + "; ".join(parts)
    unverified = unreachable_primary(checks, primary)
    if unverified:
        return f"ready to fail over: the {dr} side is ready; {primary} did not answer ({len(unverified)} {_checks(len(unverified))} not verified)"
    return "ready to fail over"


def _checks(count: int) -> str:
    return "check" if count == 1 else "checks"
