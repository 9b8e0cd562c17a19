"""Runbook "Backup Verification": is every backup the runbook promises there, recent and kept long enough?

The rows run in independent groups (drctl.ops.groups): a region or service that does not answer marks
its own rows UNREACHABLE and the rest of the table is still filled in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drctl.ops.alarms import alarm_checks
from drctl.ops.alarms import label as alarm_label
from drctl.ops.aws import client, is_unavailable_api, is_unreachable, one_line, unavailable_api
from drctl.ops.checks import FAIL, PASS, WARN, Check, minutes
from drctl.ops.figures import runbook
from drctl.ops.groups import Group, failure_row, run_groups, single
from drctl.ops.storage import (
    lifecycle_check,
    replica_check,
    replica_label,
    replication_check,
    replication_label,
    versioning_check,
)
from drctl.ops.velero import list_backups, schedule_check
from stacks.settings.backups import WeeklySnapshots
from stacks.settings.base import duration_minutes
from stacks.settings.tiers import Tier

WEEK = timedelta(days=7)


def latest_snapshot(snapshots: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The runbook's query: `DBSnapshots | sort_by(@, &SnapshotCreateTime) | [-1]`."""
    dated = [s for s in snapshots if s.get("SnapshotCreateTime")]
    return max(dated, key=lambda s: s["SnapshotCreateTime"]) if dated else None


def pitr_check(lag: timedelta, tiers: dict[str, Tier], platform_rpo_minutes: int) -> Check:
    """How far behind the latest restorable time is, against every tier's RPO and the platform RPO.

    One database serves every tier, so it must meet the strictest RPO: PASS when every tier's RPO holds,
    WARN when only the platform RPO holds (some tier would lose more than promised), FAIL beyond that.
    """
    lag_min = max(lag.total_seconds(), 0) / 60  # a few seconds of clock skew is not negative loss
    missed = sorted((t for t in tiers if tiers[t].rpo_minutes < lag_min), key=lambda t: tiers[t].rpo_minutes)
    strictest = min(tiers, key=lambda t: tiers[t].rpo_minutes)
    if not missed:
        return Check("point-in-time recovery", PASS, f"latest restorable time {lag_min:.1f} min ago; within every tier's RPO ({strictest} {tiers[strictest].rpo})")
    names = ", ".join(f"{t} {tiers[t].rpo}" for t in missed)
    if lag_min <= platform_rpo_minutes:
        return Check("point-in-time recovery", WARN, f"latest restorable time {lag_min:.1f} min ago; beyond the RPO of {names}")
    return Check("point-in-time recovery", FAIL, f"latest restorable time {lag_min:.1f} min ago; beyond the platform RPO ({platform_rpo_minutes} min) and {names}")


def weekly_snapshot_check(age: timedelta | None, weekly: WeeklySnapshots) -> Check:
    """The newest weekly snapshot is at most a week old, plus the job's start and completion windows
    (a snapshot started at Sunday 02:00 may finish hours later, and next Sunday's is due only then)."""
    limit = WEEK + timedelta(minutes=weekly.start_window_minutes + weekly.completion_window_minutes)
    if age is None:
        return Check("weekly snapshot", FAIL, f"no manual or AWS Backup snapshot ({weekly.schedule})")
    verdict = PASS if age <= limit else FAIL
    return Check("weekly snapshot", verdict, f"newest is {minutes(age.total_seconds())} old (limit {minutes(limit.total_seconds())}, {weekly.schedule})")


def latest_snapshot_check(identifier: str, latest: dict[str, Any] | None, now: datetime) -> Check:
    """The newest snapshot is one a restore can start from: `available` passes; `creating` is a snapshot still being
    taken (WARN: the one before it is the recovery point); any other status (failed, incompatible-*) cannot be
    restored from, so it fails."""
    if latest is None:
        return Check("latest snapshot", FAIL, f"no snapshot of {identifier}")
    state = latest.get("Status")
    status = PASS if state == "available" else WARN if state == "creating" else FAIL
    age = minutes((now - latest["SnapshotCreateTime"]).total_seconds())
    return Check("latest snapshot", status, f"{latest['DBSnapshotIdentifier']} ({latest.get('SnapshotType')}, {state}), {age} old")


def database_checks(identifier: str, region: str, now: datetime) -> list[Check]:
    """The rows that read the instance and its snapshots (one group: they share those reads)."""
    settings = runbook()
    db = settings.database
    rds = client("rds", region)
    instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    paginator = rds.get_paginator("describe_db_snapshots")
    snapshots = [s for page in paginator.paginate(DBInstanceIdentifier=identifier) for s in page["DBSnapshots"]]
    checks = []
    checks.append(latest_snapshot_check(identifier, latest_snapshot(snapshots), now))

    restorable = instance.get("LatestRestorableTime")
    if restorable is None:
        checks.append(Check("point-in-time recovery", FAIL, "no latest restorable time: automated backups are off"))
    else:
        checks.append(pitr_check(now - restorable, settings.tiers, duration_minutes(settings.objectives.rpo)))

    try:
        automated = rds.describe_db_instance_automated_backups(DBInstanceIdentifier=identifier)["DBInstanceAutomatedBackups"]
        active = [a for a in automated if a.get("Status") in ("active", "replicating")]
        checks.append(Check("automated backups", PASS if active else FAIL, f"{len(active)} active of {len(automated)}" if automated else "none"))
    except (ClientError, BotoCoreError) as error:
        if is_unavailable_api(error):
            checks.append(Check("automated backups", WARN, unavailable_api("describe_db_instance_automated_backups")))
        else:
            checks.append(failure_row("automated backups", error))

    retention = instance.get("BackupRetentionPeriod", 0)
    checks.append(Check("backup retention", PASS if retention >= db.backup_retention_days else FAIL, f"{retention} days (runbook: {db.backup_retention_days})"))
    window = instance.get("PreferredBackupWindow", "none")
    checks.append(Check("backup window", PASS if window == db.backup_window else FAIL, f"{window} UTC (runbook: {db.backup_window})"))

    weekly = [s for s in snapshots if s.get("SnapshotType") in ("manual", "awsbackup") and s.get("SnapshotCreateTime")]
    newest_weekly = latest_snapshot(weekly)
    checks.append(weekly_snapshot_check(now - newest_weekly["SnapshotCreateTime"] if newest_weekly else None, settings.weekly_snapshots))
    return checks


DATABASE_ROWS = ("latest snapshot", "point-in-time recovery", "automated backups", "backup retention", "backup window", "weekly snapshot")
PLAN_ROWS = ("weekly backup plan", "weekly recovery points")


def backup_plan_checks(region: str, dr_region: str, now: datetime) -> list[Check]:
    """AWS Backup: the weekly plan (schedule, 90-day retention, copy to the DR region) and its recovery points."""
    weekly = runbook().weekly_snapshots
    backup = client("backup", region)
    checks: list[Check] = []
    try:
        backup.describe_backup_vault(BackupVaultName=weekly.vault_name)
    except ClientError as error:
        if is_unreachable(error):
            raise
        return [Check("weekly backup vault", FAIL, f"{weekly.vault_name}: {one_line(error)}")]
    plans = [backup.get_backup_plan(BackupPlanId=p["BackupPlanId"])["BackupPlan"] for p in backup.list_backup_plans()["BackupPlansList"]]
    rules = [(p["BackupPlanName"], r) for p in plans for r in p.get("Rules", []) if r.get("TargetBackupVaultName") == weekly.vault_name]
    if not rules:
        checks.append(Check("weekly backup plan", FAIL, f"no backup plan rule targets vault {weekly.vault_name}"))
    else:
        plan_name, rule = rules[0]
        problems = []
        if rule.get("ScheduleExpression") != weekly.schedule:
            problems.append(f"schedule {rule.get('ScheduleExpression')} (runbook: {weekly.schedule})")
        keep = rule.get("Lifecycle", {}).get("DeleteAfterDays")
        if keep != weekly.retention_days:
            problems.append(f"retention {keep} days (runbook: {weekly.retention_days})")
        copies = [c for c in rule.get("CopyActions", []) if f":{dr_region}:" in c.get("DestinationBackupVaultArn", "")]
        if not copies:
            problems.append(f"no copy to {dr_region}")
        elif copies[0].get("Lifecycle", {}).get("DeleteAfterDays") != weekly.copy_retention_days:
            problems.append(f"{dr_region} copy kept {copies[0].get('Lifecycle', {}).get('DeleteAfterDays')} days (runbook: {weekly.copy_retention_days})")
        detail = "; ".join(problems) if problems else f"{plan_name}: {weekly.schedule}, kept {weekly.retention_days} days, copied to {dr_region} for {weekly.copy_retention_days}"
        checks.append(Check("weekly backup plan", FAIL if problems else PASS, detail))
    try:
        points = backup.list_recovery_points_by_backup_vault(BackupVaultName=weekly.vault_name).get("RecoveryPoints", [])
    except (ClientError, BotoCoreError) as error:
        if is_unavailable_api(error):
            return [*checks, Check("weekly recovery points", WARN, unavailable_api("list_recovery_points_by_backup_vault"))]
        return [*checks, failure_row("weekly recovery points", error)]
    done = [p for p in points if p.get("Status") == "COMPLETED" and p.get("CreationDate")]
    newest = max((p["CreationDate"] for p in done), default=None)
    check = weekly_snapshot_check(now - newest if newest else None, weekly)
    return [*checks, Check("weekly recovery points", check.status, check.detail)]


def _velero_rows(bucket: str, region: str, now: datetime) -> list[Check]:
    found = list_backups(bucket, region)
    velero = runbook().velero
    return [schedule_check(s, found, now, bucket) for s in (velero.daily, velero.weekly)]


def verify(identifier: str, region: str, dr_region: str, assets_bucket: str, velero_bucket: str, now: datetime | None = None) -> list[Check]:
    """Every check of the runbook's Backup Verification, in the runbook's order; each group of rows fails alone."""
    now = now or datetime.now(UTC)
    velero = runbook().velero
    return run_groups([
        Group(DATABASE_ROWS, partial(database_checks, identifier, region, now)),
        Group(PLAN_ROWS, partial(backup_plan_checks, region, dr_region, now)),
        Group((f"s3 {assets_bucket} versioning",), partial(single, versioning_check, assets_bucket, region)),
        Group((replication_label(assets_bucket),), partial(single, replication_check, assets_bucket, region, dr_region)),
        Group((replica_label(assets_bucket, dr_region),), partial(single, replica_check, assets_bucket, dr_region)),
        Group((f"s3 {assets_bucket} lifecycle",), partial(single, lifecycle_check, assets_bucket, region)),
        Group((f"velero {velero.daily.name}", f"velero {velero.weekly.name}"), partial(_velero_rows, velero_bucket, region, now)),
        # What the stacks' alarms say about the same backups and replication: ALARM and INSUFFICIENT_DATA fail.
        *(Group((alarm_label(r),), partial(alarm_checks, r)) for r in (region, dr_region)),
    ])
