"""`drctl backups verify` against moto seeded as the runbook's estate, and its decisions tested directly."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from drctl.cli import main
from drctl.ops import backups
from drctl.ops.backups import DATABASE_ROWS, latest_snapshot, latest_snapshot_check, pitr_check, weekly_snapshot_check
from drctl.ops.checks import FAIL, PASS, UNREACHABLE, WARN, Check
from drctl.ops.cron import previous_fire
from drctl.ops.figures import runbook
from drctl.ops.velero import VeleroBackup, schedule_check
from stacks.settings.tiers import Tier
from tests.helpers.estate import velero_backup
from tests.helpers.faultproxy import DROP, FORWARD, THROTTLE
from tests.helpers.ops import as_asked, table_rows, waits_per_endpoint
from tests.helpers.stubbed import stubbed

NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # a Wednesday


def test_healthy_estate_passes_with_the_honest_warning(aws_unchanged, capsys) -> None:
    code = main(["backups", "verify"])
    rows = table_rows(capsys.readouterr().out)
    assert code == 0
    assert [r[:2] for r in rows] == [
        ("latest snapshot", PASS), ("point-in-time recovery", PASS), ("automated backups", PASS), ("backup retention", PASS),
        ("backup window", PASS), ("weekly snapshot", PASS), ("weekly backup plan", PASS), ("weekly recovery points", WARN),
        ("s3 aivo-production-assets versioning", PASS), ("s3 aivo-production-assets replication", PASS),
        ("s3 aivo-production-assets-us-west-2 replica", PASS), ("s3 aivo-production-assets lifecycle", PASS),
        ("velero aivo-daily", PASS), ("velero aivo-weekly", PASS), ("alarms us-east-1", PASS), ("alarms us-west-2", PASS),
    ]
    detail = {r[0]: r[2] for r in rows}
    assert (detail["alarms us-east-1"], detail["alarms us-west-2"]) == ("7 alarms, all OK", "9 alarms, all OK")
    assert detail["backup retention"] == "30 days (runbook: 30)"
    assert detail["backup window"] == "03:00-06:00 UTC (runbook: 03:00-06:00)"
    assert detail["weekly backup plan"] == "aivo-weekly: cron(0 2 ? * SUN *), kept 90 days, copied to us-west-2 for 90"
    assert detail["weekly recovery points"] == "this endpoint does not implement list_recovery_points_by_backup_vault; not verifiable here"
    assert detail["s3 aivo-production-assets replication"] == "rule to-dr to aivo-production-assets-us-west-2, RTC 15 min"
    assert detail["s3 aivo-production-assets-us-west-2 replica"] == "aivo-production-assets-us-west-2 in us-west-2, versioning Enabled"
    assert detail["s3 aivo-production-assets lifecycle"] == "non-current to GLACIER after 30 days, deleted after 365"


def test_an_unknown_database_fails_its_rows_and_the_rest_of_the_table_is_still_checked(aws_unchanged, capsys) -> None:
    assert main(["backups", "verify", "--db-identifier", "aivo-missing"]) == 1
    captured = capsys.readouterr()
    rows = table_rows(captured.out)
    missing = "rds describe_db_instances in us-east-1: DBInstanceNotFound: DBInstance aivo-missing not found."
    assert rows[:6] == [(label, FAIL, missing) for label in DATABASE_ROWS]
    assert [r[:2] for r in rows[6:]] == [
        ("weekly backup plan", PASS), ("weekly recovery points", WARN), ("s3 aivo-production-assets versioning", PASS),
        ("s3 aivo-production-assets replication", PASS), ("s3 aivo-production-assets-us-west-2 replica", PASS),
        ("s3 aivo-production-assets lifecycle", PASS), ("velero aivo-daily", PASS), ("velero aivo-weekly", PASS),
        ("alarms us-east-1", PASS), ("alarms us-west-2", PASS)]
    assert captured.out.splitlines()[-1] == "9 passed, 1 warning, 6 failed" and captured.err == ""


def test_us_east_1_dropped_marks_its_rows_unreachable_and_the_us_west_2_replica_still_answers(aws_unchanged, fault_proxy, capsys) -> None:
    fault_proxy.fault("us-east-1", DROP)
    started = time.monotonic()
    assert main(["backups", "verify"]) == 1
    assert time.monotonic() - started < 20
    captured = capsys.readouterr()

    def reset(service: str, call: str) -> tuple[str, str, str]:
        return (UNREACHABLE, f"{service} {call} in us-east-1: connection reset (3 attempts)")

    rows = [(r[0], r[1], as_asked(r[2])) for r in table_rows(captured.out)]
    assert rows == [
        *[(label, *reset("rds", "describe_db_instances")) for label in DATABASE_ROWS],
        *[(label, *reset("backup", "describe_backup_vault")) for label in ("weekly backup plan", "weekly recovery points")],
        ("s3 aivo-production-assets versioning", *reset("s3", "get_bucket_versioning")),
        ("s3 aivo-production-assets replication", *reset("s3", "get_bucket_replication")),
        ("s3 aivo-production-assets-us-west-2 replica", PASS, "aivo-production-assets-us-west-2 in us-west-2, versioning Enabled"),
        ("s3 aivo-production-assets lifecycle", *reset("s3", "get_bucket_lifecycle_configuration")),
        ("velero aivo-daily", *reset("s3", "list_objects_v2")),
        ("velero aivo-weekly", *reset("s3", "list_objects_v2")),
        ("alarms us-east-1", *reset("cloudwatch", "describe_alarms")),
        ("alarms us-west-2", PASS, "9 alarms, all OK"),
    ]
    assert captured.out.splitlines()[-1] == "2 passed, 0 warnings, 0 failed, 14 unreachable (us-east-1)"
    assert {(s.region, s.fault) for s in fault_proxy.seen} == {("us-east-1", DROP), ("us-west-2", FORWARD)}
    # Each dead endpoint was asked once (one call, its three attempts), however many rows read it.
    assert waits_per_endpoint(fault_proxy.seen, DROP) == {("us-east-1", s): 3 for s in ("rds", "backup", "s3", "monitoring")}
    assert "Traceback" not in captured.err


def test_s3_throttled_past_its_retries_marks_only_the_s3_rows(aws_unchanged, fault_proxy, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DRCTL_AWS_MAX_ATTEMPTS", "2")
    fault_proxy.fault("us-east-1", THROTTLE, service="s3")
    assert main(["backups", "verify"]) == 1
    rows = table_rows(capsys.readouterr().out)
    throttled = {r[0]: r[1:] for r in rows if r[1] == UNREACHABLE}
    slow_down = "SlowDown: Please reduce your request rate. (2 attempts)"
    assert throttled == {
        "s3 aivo-production-assets versioning": (UNREACHABLE, f"s3 get_bucket_versioning in us-east-1: {slow_down}"),
        "s3 aivo-production-assets replication": (UNREACHABLE, f"s3 get_bucket_replication in us-east-1: {slow_down}"),
        "s3 aivo-production-assets lifecycle": (UNREACHABLE, f"s3 get_bucket_lifecycle_configuration in us-east-1: {slow_down}"),
        "velero aivo-daily": (UNREACHABLE, f"s3 list_objects_v2 in us-east-1: {slow_down}"),
        "velero aivo-weekly": (UNREACHABLE, f"s3 list_objects_v2 in us-east-1: {slow_down}"),
    }
    # The database, AWS Backup and the us-west-2 replica rows still answer.
    assert [r[1] for r in rows if r[0] not in throttled] == [PASS] * 7 + [WARN] + [PASS] * 3


def test_a_refused_endpoint_fills_the_whole_table_with_unreachable_rows(aws_unchanged, fault_proxy, capsys) -> None:
    fault_proxy.refuse()
    assert main(["backups", "verify", "--json", "-"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"pass": 0, "warn": 0, "fail": 0, "unreachable": 16} and doc["ok"] is False
    assert {(c["status"], c["region"], as_asked(c["detail"]).split(": ", 1)[1]) for c in doc["checks"]} == {
        (UNREACHABLE, "us-east-1", "connection refused (3 attempts)"), (UNREACHABLE, "us-west-2", "connection refused (3 attempts)")}


def test_drifted_estate_fails_with_exact_rows(aws, capsys) -> None:
    s = runbook()
    boto3.client("rds", region_name="us-east-1").modify_db_instance(
        DBInstanceIdentifier=s.database.identifier, BackupRetentionPeriod=7, PreferredBackupWindow="08:00-09:00", ApplyImmediately=True)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_bucket_versioning(Bucket=s.storage.assets_bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_lifecycle(Bucket=s.storage.assets_bucket)
    s3.delete_bucket_replication(Bucket=s.storage.assets_bucket)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=s.storage.velero_bucket, Prefix="backups/aivo-weekly"):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=s.storage.velero_bucket, Key=item["Key"])
    stale = datetime.now(UTC) - timedelta(days=12)
    s3.put_object(Bucket=s.storage.velero_bucket, Key="backups/aivo-weekly-old/velero-backup.json", Body=velero_backup("aivo-weekly-old", "aivo-weekly", stale))
    assert main(["backups", "verify", "--json", "-"]) == 1
    doc = json.loads(capsys.readouterr().out)
    failed = {c["check"]: c["detail"] for c in doc["checks"] if c["status"] == FAIL}
    assert set(failed) == {"backup retention", "backup window", "s3 aivo-production-assets versioning",
                           "s3 aivo-production-assets replication", "s3 aivo-production-assets lifecycle", "velero aivo-weekly"}
    assert failed["backup retention"] == "7 days (runbook: 30)"
    assert failed["backup window"] == "08:00-09:00 UTC (runbook: 03:00-06:00)"
    assert failed["s3 aivo-production-assets versioning"] == "versioning Suspended"
    assert failed["s3 aivo-production-assets replication"] == "no replication configuration"
    assert failed["s3 aivo-production-assets lifecycle"] == "no lifecycle configuration"
    assert failed["velero aivo-weekly"].startswith("newest aivo-weekly-old is 12.0 d old; missed the run due ")
    assert doc["ok"] is False and doc["summary"]["fail"] == 6


@pytest.mark.parametrize(("args", "message"), [
    (["--region", "us-east-9"], "--region = us-east-9: an AWS region code such as us-east-1 or us-west-2"),
    (["--dr-region", "us-east-1"], "--dr-region = us-east-1: a region other than --region (us-east-1)"),
    (["--db-identifier", "Prod_DB"], "--db-identifier = Prod_DB: an RDS identifier: a lowercase letter, then letters, digits or single hyphens (at most 63)"),
])
def test_bad_input_is_one_line_exit_2(args, message, capsys) -> None:
    assert main(["backups", "verify", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"drctl: error: {message}\n" and captured.out == ""


# ---- decisions ----------------------------------------------------------------------------------


def test_pitr_lag_is_judged_against_every_tier_then_the_platform_rpo() -> None:
    tiers = runbook().tiers
    assert pitr_check(timedelta(minutes=4), tiers, 60).status == PASS
    warn = pitr_check(timedelta(minutes=20), tiers, 60)
    assert (warn.status, warn.detail) == (WARN, "latest restorable time 20.0 min ago; beyond the RPO of Critical 5 min, High 15 min")
    fail = pitr_check(timedelta(minutes=61), tiers, 60)
    assert fail.status == FAIL and fail.detail.endswith("beyond the platform RPO (60 min) and Critical 5 min, High 15 min, Medium 1 hour")


# The tiers out of their RPO order, so that an answer in dict order shows.
SHUFFLED = ("Medium", "Low", "High", "Critical")


@pytest.mark.parametrize(("lag", "status", "detail"), [
    # Clock skew puts the restorable time a few seconds ahead: no loss, not a negative one.
    (timedelta(seconds=-30), PASS, "latest restorable time 0.0 min ago; within every tier's RPO (Critical 5 min)"),
    # Exactly at an RPO holds it.
    (timedelta(minutes=5), PASS, "latest restorable time 5.0 min ago; within every tier's RPO (Critical 5 min)"),
    (timedelta(minutes=5, seconds=6), WARN, "latest restorable time 5.1 min ago; beyond the RPO of Critical 5 min"),
    (timedelta(minutes=60), WARN, "latest restorable time 60.0 min ago; beyond the RPO of Critical 5 min, High 15 min"),
    (timedelta(minutes=60, seconds=6), FAIL,
     "latest restorable time 60.1 min ago; beyond the platform RPO (60 min) and Critical 5 min, High 15 min, Medium 1 hour"),
    (timedelta(hours=5), FAIL,
     "latest restorable time 300.0 min ago; beyond the platform RPO (60 min) and Critical 5 min, High 15 min, Medium 1 hour, Low 4 hours"),
])
def test_pitr_lag_rows_name_the_tiers_whose_rpo_is_missed(lag: timedelta, status: str, detail: str) -> None:
    tiers = {name: runbook().tiers[name] for name in SHUFFLED}
    row = pitr_check(lag, tiers, 60)
    assert (row.check, row.status, row.detail) == ("point-in-time recovery", status, detail)


def test_the_strictest_tier_is_the_one_with_the_shortest_rpo_not_the_first_name() -> None:
    tiers = {"Alpha": Tier(rto="4 hours", rpo="1 hour", services=["a"]), "Zulu": Tier(rto="30 min", rpo="5 min", services=["z"])}
    row = pitr_check(timedelta(minutes=5), tiers, 60)
    assert (row.status, row.detail) == (PASS, "latest restorable time 5.0 min ago; within every tier's RPO (Zulu 5 min)")


def test_the_latest_snapshot_is_the_newest_dated_one() -> None:
    dated = [{"DBSnapshotIdentifier": name, "SnapshotCreateTime": NOW - timedelta(hours=hours)} for name, hours in
             (("old", 30), ("newest", 1), ("middle", 10))]
    # One still being created has no time yet: it is not a recovery point.
    undated = {"DBSnapshotIdentifier": "pending", "SnapshotCreateTime": None}
    assert latest_snapshot([*dated, undated, {"DBSnapshotIdentifier": "bare"}])["DBSnapshotIdentifier"] == "newest"
    assert latest_snapshot([undated]) is None
    assert latest_snapshot([]) is None


def test_weekly_snapshot_allows_the_job_windows_beyond_a_week() -> None:
    weekly = runbook().weekly_snapshots
    limit = timedelta(days=7, minutes=weekly.start_window_minutes + weekly.completion_window_minutes)
    assert weekly_snapshot_check(limit, weekly).status == PASS
    assert weekly_snapshot_check(limit + timedelta(minutes=1), weekly).status == FAIL
    assert weekly_snapshot_check(None, weekly).detail == "no manual or AWS Backup snapshot (cron(0 2 ? * SUN *))"
    # A week, the 60 min start window and the 360 min completion window: 7.3 days.
    rows = [weekly_snapshot_check(age, weekly) for age in (None, limit, limit + timedelta(minutes=1))]
    assert [(r.check, r.status, r.detail) for r in rows] == [
        ("weekly snapshot", FAIL, "no manual or AWS Backup snapshot (cron(0 2 ? * SUN *))"),
        ("weekly snapshot", PASS, "newest is 7.3 d old (limit 7.3 d, cron(0 2 ? * SUN *))"),
        ("weekly snapshot", FAIL, "newest is 7.3 d old (limit 7.3 d, cron(0 2 ? * SUN *))")]
    assert weekly_snapshot_check(timedelta(hours=3), weekly).detail == "newest is 3.0 h old (limit 7.3 d, cron(0 2 ? * SUN *))"


@pytest.mark.parametrize(("cron", "before", "expected"), [
    ("0 2 * * *", datetime(2026, 11, 25, 1, 59, tzinfo=UTC), datetime(2026, 11, 24, 2, 0, tzinfo=UTC)),
    ("0 2 * * *", datetime(2026, 11, 25, 2, 0, tzinfo=UTC), datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
    ("0 2 * * 0", datetime(2026, 11, 25, 17, 0, tzinfo=UTC), datetime(2026, 11, 22, 2, 0, tzinfo=UTC)),
    ("0 2 * * SUN", datetime(2026, 11, 22, 1, 0, tzinfo=UTC), datetime(2026, 11, 15, 2, 0, tzinfo=UTC)),
    ("*/15 * * * *", datetime(2026, 11, 25, 17, 44, tzinfo=UTC), datetime(2026, 11, 25, 17, 30, tzinfo=UTC)),
    ("0 3 1 * *", datetime(2026, 11, 25, 17, 0, tzinfo=UTC), datetime(2026, 11, 1, 3, 0, tzinfo=UTC)),
])
def test_previous_fire(cron, before, expected) -> None:
    assert previous_fire(cron, before) == expected


def test_velero_schedule_needs_a_completed_backup_since_its_last_run() -> None:
    daily = runbook().velero.daily
    on_time = VeleroBackup("aivo-daily-1", "aivo-daily", "Completed", datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    failed_today = VeleroBackup("aivo-daily-2", "aivo-daily", "PartiallyFailed", datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    yesterday = VeleroBackup("aivo-daily-0", "aivo-daily", "Completed", datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    assert schedule_check(daily, [on_time, yesterday], NOW, "b").status == PASS
    missed = schedule_check(daily, [failed_today, yesterday], NOW, "b")
    assert (missed.status, missed.detail) == (FAIL, "newest aivo-daily-0 is 39.0 h old; missed the run due 2026-11-25 02:00 UTC (0 2 * * *)")
    # Within the grace hour after 02:00 the run may still be going: yesterday's backup is enough.
    assert schedule_check(daily, [yesterday], datetime(2026, 11, 25, 2, 30, tzinfo=UTC), "b").status == PASS
    assert schedule_check(daily, [], NOW, "b").detail == "no completed backup of schedule aivo-daily in b"


# Each cron with an independent statement of when it fires, to check previous_fire against.
FIRES = {
    "0 2 * * *": lambda d: (d.hour, d.minute) == (2, 0),
    "0 2 * * 0": lambda d: (d.hour, d.minute) == (2, 0) and d.isoweekday() == 7,
    "*/15 * * * *": lambda d: d.minute % 15 == 0,
    "30 3 1,15 * *": lambda d: (d.hour, d.minute) == (3, 30) and d.day in (1, 15),
}


@settings(max_examples=25, deadline=None)
@given(cron=st.sampled_from(sorted(FIRES)),
       moment=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)).map(lambda d: d.replace(tzinfo=UTC)))
def test_previous_fire_is_the_latest_firing_minute_not_after_the_moment(cron: str, moment: datetime) -> None:
    fired = previous_fire(cron, moment)
    assert fired <= moment and FIRES[cron](fired) and fired.second == 0
    probe = moment.replace(second=0, microsecond=0)
    while probe > fired:
        assert not FIRES[cron](probe), probe
        probe -= timedelta(minutes=1)


def test_alarms_in_alarm_or_without_data_are_failures_not_passes(aws, capsys) -> None:
    """The stacks' own alarms: one that fires, one whose metric stopped arriving (INSUFFICIENT_DATA)."""
    west = boto3.client("cloudwatch", region_name="us-west-2")
    west.set_alarm_state(AlarmName="aivo-critical-velero-backup-failed", StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint")
    east = boto3.client("cloudwatch", region_name="us-east-1")
    east.set_alarm_state(AlarmName="aivo-high-assets-replication-latency", StateValue="INSUFFICIENT_DATA", StateReason="no datapoints")
    assert main(["backups", "verify"]) == 1
    rows = {r[0]: r[1:] for r in table_rows(capsys.readouterr().out)}
    assert rows["alarms us-east-1"] == (FAIL, "6 of 7 OK; not OK: aivo-high-assets-replication-latency")
    assert rows["aivo-high-assets-replication-latency"] == (FAIL, "INSUFFICIENT_DATA in us-east-1: no datapoints")
    assert rows["alarms us-west-2"] == (FAIL, "8 of 9 OK; not OK: aivo-critical-velero-backup-failed")
    assert rows["aivo-critical-velero-backup-failed"] == (FAIL, "ALARM in us-west-2: Threshold Crossed: 1 datapoint")


@pytest.mark.parametrize(("state", "verdict"), [
    ("available", PASS),
    ("creating", WARN),        # still being taken: the snapshot before it is the recovery point
    ("failed", FAIL),          # cannot be restored from
    ("incompatible-restore", FAIL),
])
def test_only_an_available_snapshot_passes_as_the_latest(state: str, verdict: str) -> None:
    snapshot = {"DBSnapshotIdentifier": "rds:aivo-2026-11-25", "SnapshotType": "automated", "Status": state,
                "SnapshotCreateTime": NOW - timedelta(hours=3)}
    row = latest_snapshot_check("aivo-production-postgres", snapshot, NOW)
    assert (row.check, row.status, row.detail) == ("latest snapshot", verdict, f"rds:aivo-2026-11-25 (automated, {state}), 3.0 h old")


def test_no_snapshot_at_all_fails_naming_the_instance() -> None:
    row = latest_snapshot_check("aivo-production-postgres", None, NOW)
    assert (row.check, row.status, row.detail) == ("latest snapshot", FAIL, "no snapshot of aivo-production-postgres")


def test_a_snapshot_without_a_status_or_type_cannot_be_restored_from() -> None:
    snapshot = {"DBSnapshotIdentifier": "odd", "SnapshotCreateTime": NOW - timedelta(minutes=3)}
    row = latest_snapshot_check("aivo-production-postgres", snapshot, NOW)
    assert (row.check, row.status, row.detail) == ("latest snapshot", FAIL, "odd (None, None), 3.0 min old")


# ---- the weekly backup plan, from exact AWS Backup answers ------------------------------------------------------

VAULT = "aivo-production-backups"
SCHEDULE = "cron(0 2 ? * SUN *)"
COPY = {"DestinationBackupVaultArn": f"arn:aws:backup:us-west-2:123456789012:backup-vault:{VAULT}", "Lifecycle": {"DeleteAfterDays": 90}}


def rule(vault: str = VAULT, **changes: object) -> dict:
    return {"RuleName": "weekly", "TargetBackupVaultName": vault, "ScheduleExpression": SCHEDULE,
            "Lifecycle": {"DeleteAfterDays": 90}, "CopyActions": [COPY], **changes}


def plan_answers(monkeypatch, plans: list[list[dict]], points: list[dict] | None = None):
    answers = stubbed(monkeypatch, backups)
    answers.answer("backup", "us-east-1", "describe_backup_vault", {"BackupVaultName": VAULT}, {"BackupVaultName": VAULT})
    ids = [f"plan-{i}" for i in range(len(plans))]
    answers.answer("backup", "us-east-1", "list_backup_plans", {"BackupPlansList": [{"BackupPlanId": i} for i in ids]})
    for i, rules in zip(ids, plans, strict=True):
        answers.answer("backup", "us-east-1", "get_backup_plan",
                       {"BackupPlan": {"BackupPlanName": f"{i}-name", "Rules": rules}}, {"BackupPlanId": i})
    if points is not None:
        answers.answer("backup", "us-east-1", "list_recovery_points_by_backup_vault", {"RecoveryPoints": points},
                       {"BackupVaultName": VAULT})
    return answers


def point(status: str, days: float | None) -> dict:
    return {"RecoveryPointArn": f"arn:p-{status}-{days}", "Status": status,
            **({"CreationDate": NOW - timedelta(days=days)} if days is not None else {})}


PLAN_CASES = {
    "as the runbook says": ([[rule()]], (PASS, f"plan-0-name: {SCHEDULE}, kept 90 days, copied to us-west-2 for 90")),
    # The first rule that targets the vault, in the first plan that has one.
    "another vault's rule first": ([[rule("other-vault", ScheduleExpression="cron(0 3 * * ? *)")], [rule(), rule(Lifecycle={})]],
                                   (PASS, f"plan-1-name: {SCHEDULE}, kept 90 days, copied to us-west-2 for 90")),
    "no rule targets the vault": ([[rule("other-vault")], []], (FAIL, f"no backup plan rule targets vault {VAULT}")),
    "no plan at all": ([], (FAIL, f"no backup plan rule targets vault {VAULT}")),
    "everything drifted": ([[rule(ScheduleExpression="cron(0 2 * * ? *)", Lifecycle={"DeleteAfterDays": 30},
                                  CopyActions=[{**COPY, "DestinationBackupVaultArn": COPY["DestinationBackupVaultArn"].replace("us-west-2", "eu-west-1")}])]],
                           (FAIL, f"schedule cron(0 2 * * ? *) (runbook: {SCHEDULE}); retention 30 days (runbook: 90); no copy to us-west-2")),
    "kept forever, copied nowhere": ([[{"RuleName": "weekly", "TargetBackupVaultName": VAULT, "ScheduleExpression": SCHEDULE}]],
                                     (FAIL, "retention None days (runbook: 90); no copy to us-west-2")),
    "the copy kept too short": ([[rule(CopyActions=[{**COPY, "Lifecycle": {"DeleteAfterDays": 30}}])]],
                                (FAIL, "us-west-2 copy kept 30 days (runbook: 90)")),
    "the copy kept forever": ([[rule(CopyActions=[{"DestinationBackupVaultArn": COPY["DestinationBackupVaultArn"]}])]],
                              (FAIL, "us-west-2 copy kept None days (runbook: 90)")),
}


@pytest.mark.parametrize(("plans", "row"), PLAN_CASES.values(), ids=PLAN_CASES.keys())
def test_the_weekly_plan_row_names_every_difference_from_the_runbook(plans, row, monkeypatch) -> None:
    answers = plan_answers(monkeypatch, plans, [point("COMPLETED", 2)])
    rows = backups.backup_plan_checks("us-east-1", "us-west-2", NOW)
    assert [(r.check, r.status, r.detail) for r in rows] == [
        ("weekly backup plan", *row), ("weekly recovery points", PASS, f"newest is 2.0 d old (limit 7.3 d, {SCHEDULE})")]
    answers.all_asked()


@pytest.mark.parametrize(("points", "row"), [
    # Only a completed point with a date counts, the newest of them.
    ([point("COMPLETED", 9), point("COMPLETED", 3), point("COMPLETED", 5), point("PARTIAL", 1), point("COMPLETED", None)],
     (PASS, f"newest is 3.0 d old (limit 7.3 d, {SCHEDULE})")),
    ([point("COMPLETED", 8)], (FAIL, f"newest is 8.0 d old (limit 7.3 d, {SCHEDULE})")),
    ([point("EXPIRED", 1), point("CREATING", 0.5)], (FAIL, f"no manual or AWS Backup snapshot ({SCHEDULE})")),
    ([], (FAIL, f"no manual or AWS Backup snapshot ({SCHEDULE})")),
])
def test_the_recovery_points_row_judges_the_newest_completed_point(points, row, monkeypatch) -> None:
    plan_answers(monkeypatch, [[rule()]], points)
    rows = backups.backup_plan_checks("us-east-1", "us-west-2", NOW)
    assert (rows[1].check, rows[1].status, rows[1].detail) == ("weekly recovery points", *row)


def test_an_answer_without_recovery_points_is_no_snapshot(monkeypatch) -> None:
    answers = plan_answers(monkeypatch, [[rule()]])
    # RecoveryPoints is not a required member of the answer.
    answers.answer("backup", "us-east-1", "list_recovery_points_by_backup_vault", {}, {"BackupVaultName": VAULT})
    assert backups.backup_plan_checks("us-east-1", "us-west-2", NOW)[1:] == [
        Check("weekly recovery points", FAIL, f"no manual or AWS Backup snapshot ({SCHEDULE})")]


def test_recovery_points_the_endpoint_cannot_list_warn_and_a_refusal_fails(monkeypatch) -> None:
    answers = plan_answers(monkeypatch, [[rule()]])
    answers.error("backup", "us-east-1", "list_recovery_points_by_backup_vault", "NotImplemented", "has not been implemented", 501)
    assert backups.backup_plan_checks("us-east-1", "us-west-2", NOW)[1:] == [
        Check("weekly recovery points", WARN, "this endpoint does not implement list_recovery_points_by_backup_vault; not verifiable here")]
    answers = plan_answers(monkeypatch, [[rule()]])
    answers.error("backup", "us-east-1", "list_recovery_points_by_backup_vault", "AccessDeniedException", "not allowed", 403)
    assert backups.backup_plan_checks("us-east-1", "us-west-2", NOW)[1:] == [
        Check("weekly recovery points", FAIL, "AccessDeniedException: not allowed")]


def test_a_missing_vault_is_the_only_row_and_a_throttled_one_is_not_an_answer(monkeypatch) -> None:
    answers = stubbed(monkeypatch, backups)
    answers.error("backup", "us-east-1", "describe_backup_vault", "ResourceNotFoundException", "Backup vault not found", 404)
    assert backups.backup_plan_checks("us-east-1", "us-west-2", NOW) == [
        Check("weekly backup vault", FAIL, f"{VAULT}: ResourceNotFoundException: Backup vault not found")]
    answers.error("backup", "us-east-1", "describe_backup_vault", "ThrottlingException", "Rate exceeded", 400)
    with pytest.raises(ClientError, match="ThrottlingException"):
        backups.backup_plan_checks("us-east-1", "us-west-2", NOW)


# ---- the database rows, from exact RDS answers ----------------------------------------------------------------

DB = "aivo-production-postgres"


def instance(**changes: object) -> dict:
    return {"DBInstanceIdentifier": DB, "LatestRestorableTime": NOW - timedelta(minutes=2), "BackupRetentionPeriod": 30,
            "PreferredBackupWindow": "03:00-06:00", **changes}


def snapshot(name: str, kind: str, hours: float | None, status: str = "available") -> dict:
    return {"DBSnapshotIdentifier": name, "SnapshotType": kind, "Status": status,
            **({"SnapshotCreateTime": NOW - timedelta(hours=hours)} if hours is not None else {})}


SNAPSHOTS = [snapshot("rds:daily", "automated", 5), snapshot("weekly-1", "manual", 50),
             snapshot("awsbackup:weekly-2", "awsbackup", 30), snapshot("rds:old", "automated", 200)]


def database_answers(monkeypatch, found: dict, pages: list[list[dict]], automated: list[dict] | None = None):
    answers = stubbed(monkeypatch, backups)
    answers.answer("rds", "us-east-1", "describe_db_instances", {"DBInstances": [found]}, {"DBInstanceIdentifier": DB})
    for i, page in enumerate(pages):
        answers.answer("rds", "us-east-1", "describe_db_snapshots",
                       {"DBSnapshots": page, **({"Marker": f"m{i}"} if i < len(pages) - 1 else {})},
                       {"DBInstanceIdentifier": DB, **({"Marker": f"m{i - 1}"} if i else {})})
    if automated is not None:
        answers.answer("rds", "us-east-1", "describe_db_instance_automated_backups", {"DBInstanceAutomatedBackups": automated},
                       {"DBInstanceIdentifier": DB})
    return answers


def test_the_database_rows_of_a_healthy_instance(monkeypatch) -> None:
    # The snapshots over two pages: the newest of all, and the newest manual or AWS Backup one.
    answers = database_answers(monkeypatch, instance(), [SNAPSHOTS[:2], SNAPSHOTS[2:]],
                               [{"Status": "active"}, {"Status": "replicating"}, {"Status": "retained"}])
    assert backups.database_checks(DB, "us-east-1", NOW) == [
        Check("latest snapshot", PASS, "rds:daily (automated, available), 5.0 h old"),
        Check("point-in-time recovery", PASS, "latest restorable time 2.0 min ago; within every tier's RPO (Critical 5 min)"),
        Check("automated backups", PASS, "2 active of 3"),
        Check("backup retention", PASS, "30 days (runbook: 30)"),
        Check("backup window", PASS, "03:00-06:00 UTC (runbook: 03:00-06:00)"),
        Check("weekly snapshot", PASS, "newest is 30.0 h old (limit 7.3 d, cron(0 2 ? * SUN *))"),
    ]
    answers.all_asked()


def test_the_database_rows_of_an_instance_without_backups(monkeypatch) -> None:
    bare = {"DBInstanceIdentifier": DB}
    # Only automated snapshots, one still being taken: no weekly one.
    database_answers(monkeypatch, bare, [[snapshot("rds:a", "automated", 1, "creating"), snapshot("rds:b", "automated", None)]], [])
    assert backups.database_checks(DB, "us-east-1", NOW) == [
        Check("latest snapshot", WARN, "rds:a (automated, creating), 60.0 min old"),
        Check("point-in-time recovery", FAIL, "no latest restorable time: automated backups are off"),
        Check("automated backups", FAIL, "none"),
        Check("backup retention", FAIL, "0 days (runbook: 30)"),
        Check("backup window", FAIL, "none UTC (runbook: 03:00-06:00)"),
        Check("weekly snapshot", FAIL, "no manual or AWS Backup snapshot (cron(0 2 ? * SUN *))"),
    ]


@pytest.mark.parametrize("kind", ["manual", "awsbackup"])
def test_a_manual_or_aws_backup_snapshot_is_a_weekly_one(kind: str, monkeypatch) -> None:
    database_answers(monkeypatch, instance(), [[snapshot("rds:daily", "automated", 1), snapshot("weekly", kind, 26)]], [{"Status": "active"}])
    rows = backups.database_checks(DB, "us-east-1", NOW)
    assert rows[-1] == Check("weekly snapshot", PASS, "newest is 26.0 h old (limit 7.3 d, cron(0 2 ? * SUN *))")


def test_retention_one_day_short_and_only_stopped_automated_backups_fail(monkeypatch) -> None:
    # Restorable 30 min ago: within the platform RPO, beyond Critical's and High's.
    database_answers(monkeypatch, instance(BackupRetentionPeriod=29, PreferredBackupWindow="03:00-06:30",
                                           LatestRestorableTime=NOW - timedelta(minutes=30)), [[]],
                     [{"Status": "retained"}, {}])
    rows = {r.check: r for r in backups.database_checks(DB, "us-east-1", NOW)}
    assert rows["point-in-time recovery"] == Check(
        "point-in-time recovery", WARN, "latest restorable time 30.0 min ago; beyond the RPO of Critical 5 min, High 15 min")
    assert rows["latest snapshot"] == Check("latest snapshot", FAIL, f"no snapshot of {DB}")
    assert rows["automated backups"] == Check("automated backups", FAIL, "0 active of 2")
    assert rows["backup retention"] == Check("backup retention", FAIL, "29 days (runbook: 30)")
    assert rows["backup window"] == Check("backup window", FAIL, "03:00-06:30 UTC (runbook: 03:00-06:00)")


@pytest.mark.parametrize(("code", "message", "status", "row"), [
    ("NotImplemented", "has not been implemented", 501,
     Check("automated backups", WARN, "this endpoint does not implement describe_db_instance_automated_backups; not verifiable here")),
    ("AccessDenied", "not allowed", 403, Check("automated backups", FAIL, "AccessDenied: not allowed")),
])
def test_automated_backups_that_cannot_be_read_leave_the_other_rows(code, message, status, row, monkeypatch) -> None:
    answers = database_answers(monkeypatch, instance(), [SNAPSHOTS])
    answers.error("rds", "us-east-1", "describe_db_instance_automated_backups", code, message, status)
    rows = backups.database_checks(DB, "us-east-1", NOW)
    assert [r.check for r in rows] == list(DATABASE_ROWS) and rows[2] == row
    assert rows[3:5] == [Check("backup retention", PASS, "30 days (runbook: 30)"),
                         Check("backup window", PASS, "03:00-06:00 UTC (runbook: 03:00-06:00)")]


# ---- the table's groups -------------------------------------------------------------------------------------------

VERIFY_ROWS = [*DATABASE_ROWS, "weekly backup plan", "weekly recovery points", "s3 aivo-production-assets versioning",
               "s3 aivo-production-assets replication", "s3 aivo-production-assets-us-west-2 replica",
               "s3 aivo-production-assets lifecycle", "velero aivo-daily", "velero aivo-weekly", "alarms us-east-1", "alarms us-west-2"]
ROW_FUNCTIONS = ("database_checks", "backup_plan_checks", "versioning_check", "replication_check", "replica_check", "lifecycle_check",
                 "list_backups", "alarm_checks")


def test_a_group_that_breaks_fills_its_own_rows_in_the_runbooks_order(monkeypatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("no answer")

    for name in ROW_FUNCTIONS:
        monkeypatch.setattr(backups, name, broken)
    rows = backups.verify(DB, "us-east-1", "us-west-2", "aivo-production-assets", "aivo-production-velero", NOW)
    assert rows == [Check(label, FAIL, "unexpected RuntimeError: no answer") for label in VERIFY_ROWS]


def test_each_group_reads_its_own_region_and_resource(monkeypatch) -> None:
    seen: list[tuple] = []

    def recorder(name: str):
        def record(*args: object) -> object:
            seen.append((name, *args))
            row = Check(name, PASS, "")
            return [row] if name in ("database_checks", "backup_plan_checks", "alarm_checks") else [] if name == "list_backups" else row
        return record

    for name in ROW_FUNCTIONS:
        monkeypatch.setattr(backups, name, recorder(name))
    monkeypatch.setattr(backups, "schedule_check", lambda schedule, *args: recorder(schedule.name)(*args))
    rows = backups.verify(DB, "us-east-1", "us-west-2", "aivo-production-assets", "aivo-production-velero", NOW)
    assert sorted(seen) == sorted([
        ("database_checks", DB, "us-east-1", NOW),
        ("backup_plan_checks", "us-east-1", "us-west-2", NOW),
        ("versioning_check", "aivo-production-assets", "us-east-1"),
        ("replication_check", "aivo-production-assets", "us-east-1", "us-west-2"),
        ("replica_check", "aivo-production-assets", "us-west-2"),
        ("lifecycle_check", "aivo-production-assets", "us-east-1"),
        ("list_backups", "aivo-production-velero", "us-east-1"),
        ("aivo-daily", [], NOW, "aivo-production-velero"),
        ("aivo-weekly", [], NOW, "aivo-production-velero"),
        ("alarm_checks", "us-east-1"),
        ("alarm_checks", "us-west-2"),
    ])
    assert [r.check for r in rows] == ["database_checks", "backup_plan_checks", "versioning_check", "replication_check", "replica_check",
                                       "lifecycle_check", "aivo-daily", "aivo-weekly", "alarm_checks", "alarm_checks"]
    # Without a moment, the run's own.
    seen.clear()
    before = datetime.now(UTC)
    backups.verify(DB, "us-east-1", "us-west-2", "aivo-production-assets", "aivo-production-velero")
    (moment,) = [call[3] for call in seen if call[0] == "database_checks"]
    assert before <= moment <= datetime.now(UTC)
