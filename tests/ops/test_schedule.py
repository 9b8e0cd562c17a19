"""`drctl schedule`: the runbook's Testing Schedule judged from evidence: FIS experiments (moto implements them), AWS
Backup restore jobs (moto does not implement ListRestoreJobs: the row says it cannot read them), drill records."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from drctl.cli import main
from drctl.ops.figures import runbook
from drctl.ops.schedule import CANNOT_READ, FAIL, PASS, Evidence, Mechanisms, TestRun, declared, judge
from tests.helpers.drill import drill_record
from tests.helpers.faultproxy import STALL
from tests.helpers.ops import table_rows, waits_per_endpoint

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def fis_experiment(key: str, stop: bool = False, managed: bool = True) -> str:
    """A template tagged as the stacks tag theirs, and one experiment of it that completed (or was stopped)."""
    fis = boto3.client("fis", region_name="us-east-1")
    tags = {"managed-by": "aivo-dr", "Name": key} if managed else {"Name": key}
    template = fis.create_experiment_template(
        clientToken=str(uuid.uuid4()), description=key, roleArn="arn:aws:iam::123456789012:role/aivo-dr-fault-injection",
        stopConditions=[{"source": "none"}], actions={key: {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}}},
        tags=tags)["experimentTemplate"]
    experiment = fis.start_experiment(clientToken=str(uuid.uuid4()), experimentTemplateId=template["id"])["experiment"]
    if stop:
        fis.stop_experiment(id=experiment["id"])
    wanted = "stopped" if stop else "completed"
    for _ in range(20):
        if fis.get_experiment(id=experiment["id"])["experiment"]["state"]["status"] == wanted:
            return experiment["id"]
        time.sleep(0.1)
    raise AssertionError(f"the emulator's experiment never reached {wanted}")


def drill(directory: Path, scenario: str, started: datetime, rpo: float | None = 60.0) -> None:
    record = drill_record(20, rpo, scenario=scenario, tier="Critical" if scenario == "service-restore" else None)
    shift = started - datetime.fromisoformat(record["startedAt"].replace("Z", "+00:00"))
    for step in record["steps"]:
        for key in ("startedAt", "endedAt"):
            step[key] = (datetime.fromisoformat(step[key].replace("Z", "+00:00")) + shift).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record["startedAt"] = started.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record["endedAt"] = (started + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    (directory / f"drill-{scenario}-{started:%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(record))


def test_each_row_is_judged_from_what_happened(aws, tmp_path, capsys) -> None:
    database = fis_experiment("databaseFailover", stop=True)  # its stop condition fired: the test failed
    time.sleep(0.01)
    pods = fis_experiment("servicePods")  # the newest experiment: the chaos row's last test
    fis_experiment("servicePods", managed=False)  # not this stack's template: ignored
    drills = tmp_path / "drill-reports"
    (drills / "2025").mkdir(parents=True)
    now = datetime.now(UTC)
    old = now - timedelta(days=400)
    drill(drills / "2025", "region-failover", old)
    drill(drills, "service-restore", now - timedelta(days=3))
    assert main(["schedule", "--drills", str(drills), "--json", str(tmp_path / "schedule.json")]) == 1
    captured = capsys.readouterr()
    document = json.loads((tmp_path / "schedule.json").read_text())
    rows = {r["test"]: r for r in document["rows"]}
    assert [r["test"] for r in document["rows"]] == ["Backup verification", "Single service recovery", "Database failover",
                                                     "Full DR failover", "Chaos engineering"]
    assert {t: (r["frequency"], r["status"]) for t, r in rows.items()} == {
        "Backup verification": ("weekly", CANNOT_READ), "Single service recovery": ("monthly", PASS),
        "Database failover": ("quarterly", FAIL), "Full DR failover": ("annually", FAIL), "Chaos engineering": ("monthly", PASS)}
    assert rows["Backup verification"]["lastDetail"] == "cannot read backup ListRestoreJobs: this endpoint does not implement it"
    assert rows["Backup verification"]["lastTested"] is None
    # Next Scheduled of the weekly row: the restore test's cron, weeklySnapshots.schedule plus its window (Sunday 08:00).
    upcoming = datetime.fromisoformat(rows["Backup verification"]["nextScheduled"].replace("Z", "+00:00"))
    assert (upcoming.weekday(), upcoming.hour, upcoming.minute) == (6, 8, 0) and timedelta(0) < upcoming - now <= timedelta(days=7)
    assert rows["Backup verification"]["nextDetail"] == "scheduled"
    assert rows["Single service recovery"]["lastDetail"] == f"FIS servicePods experiment {pods} completed"
    assert rows["Database failover"]["lastDetail"] == f"FIS databaseFailover experiment {database} stopped: failed"
    assert rows["Database failover"]["nextDetail"] == "due (no scheduler: a person runs it; quarterly)"
    name = f"drill-region-failover-{old:%Y%m%dT%H%M%SZ}.json"
    assert rows["Full DR failover"]["lastDetail"] == f"drill region-failover completed ({name}): 400 days ago, more than annually allows (371 days)"
    assert rows["Full DR failover"]["lastTested"] == old.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows["Full DR failover"]["nextScheduled"] == (old + timedelta(days=371)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows["Full DR failover"]["mechanisms"] == ["drctl drill run --scenario region-failover (the real failover: pulumi up --stack dr)"]
    assert rows["Chaos engineering"]["lastDetail"] == f"FIS servicePods experiment {pods} completed"
    assert document["summary"] == {PASS: 2, FAIL: 2, CANNOT_READ: 1} and document["ok"] is False
    table = {r[0]: r for r in table_rows(captured.out)}
    assert table["Full DR failover"][1] == "annually" and table["Full DR failover"][-1] == FAIL
    assert captured.out.splitlines()[-1] == "2 PASS, 2 FAIL, 1 cannot read"


def test_markdown_is_the_runbooks_table_filled_in(aws, tmp_path, capsys) -> None:
    drills = tmp_path / "none"
    assert main(["schedule", "--drills", str(drills), "--markdown"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Testing Schedule, generated by `drctl schedule` at ")
    assert lines[2:4] == ["| Test Type | Frequency | Last Tested | Next Scheduled | What runs it | Status |",
                          "|-----------|-----------|-------------|----------------|--------------|--------|"]
    # A folder that is not there is said, never taken for "never tested" (a typo in --drills would hide every drill).
    assert lines[7] == (f"| Full DR failover | Annually | cannot read drill records in {drills}: no such folder | - (due now (no "
                        "scheduler: a person runs it)) | drctl drill run --scenario region-failover (the real failover: pulumi up "
                        "--stack dr) | cannot read |")
    assert [line.split(" | ")[0].lstrip("| ") for line in lines[4:9]] == [
        "Backup verification", "Single service recovery", "Database failover", "Full DR failover", "Chaos engineering"]


def test_judging_a_row() -> None:
    weekly = Mechanisms(("restore testing",), ("cron(0 8 ? * SUN *)",))
    person = Mechanisms(("a drill",))
    recent = Evidence([TestRun(NOW - timedelta(days=6, hours=23), True, "restore job 1 COMPLETED, validation SUCCESSFUL")])
    row = judge("Backup verification", "weekly", weekly, recent, NOW)
    assert (row.status, row.last_detail, row.next_scheduled) == (PASS, "restore job 1 COMPLETED, validation SUCCESSFUL",
                                                                  datetime(2026, 12, 6, 8, 0, tzinfo=UTC))
    stale = Evidence([TestRun(NOW - timedelta(days=8), True, "restore job 1 COMPLETED, validation SUCCESSFUL")])
    assert judge("Backup verification", "weekly", weekly, stale, NOW).last_detail == (
        "restore job 1 COMPLETED, validation SUCCESSFUL: 8 days ago, more than weekly allows (7 days)")
    failed = Evidence([TestRun(NOW - timedelta(days=1), False, "restore job 2 COMPLETED, validation FAILED"), *recent.tests])
    assert (judge("Backup verification", "weekly", weekly, failed, NOW).status,
            judge("Backup verification", "weekly", weekly, failed, NOW).last_detail) == (FAIL, "restore job 2 COMPLETED, validation FAILED: failed")
    never = judge("Full DR failover", "annually", person, Evidence(), NOW)
    assert (never.status, never.last_detail, never.next_scheduled) == (FAIL, "never tested", None)
    unread = judge("Backup verification", "weekly", weekly, Evidence(unreadable=["backup ListRestoreJobs: timed out"]), NOW)
    assert (unread.status, unread.last_detail) == (CANNOT_READ, "cannot read backup ListRestoreJobs: timed out")
    partly = judge("Chaos engineering", "monthly", person, Evidence(recent.tests, ["fis ListExperiments: denied"]), NOW)
    assert (partly.status, partly.last_detail) == (PASS, "restore job 1 COMPLETED, validation SUCCESSFUL; cannot read fis ListExperiments: denied")


def test_every_row_has_a_declared_or_scheduled_mechanism_and_scheduling_an_experiment_shows() -> None:
    dr, primary = runbook("dr"), runbook("primary")
    rows = declared(dr, primary)
    assert all(m.names for m in rows.values()) and len(rows) == 5
    assert rows["Backup verification"].crons == ("cron(0 8 ? * SUN *)",)  # the restore test and the workflow: one schedule
    scheduled = primary.model_copy(update={"testing": primary.testing.model_copy(update={"experiments": primary.testing.experiments.model_copy(
        update={"database_failover": primary.testing.experiments.database_failover.model_copy(update={"scheduled": True})})})})
    database = declared(dr, scheduled)["Database failover"]
    assert database.names == ("FIS template databaseFailover (primary stack), EventBridge Scheduler aivo-dr-databaseFailover "
                              "cron(0 10 ? 1,4,7,10 TUE#3 *)",)
    assert database.crons == ("cron(0 10 ? 1,4,7,10 TUE#3 *)",)
    assert "cron(0 10 ? 1,4,7,10 TUE#3 *)" in declared(dr, scheduled)["Chaos engineering"].crons


def test_a_restore_test_passes_when_its_job_completed_and_validated(monkeypatch) -> None:
    """ListRestoreJobs as AWS answers it (the emulator does not implement it: botocore's Stubber checks the call)."""
    from botocore.stub import Stubber

    from drctl.ops import schedule as module

    dr = runbook("dr")
    backup = boto3.client("backup", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(backup)
    arn = f"arn:aws:backup:us-west-2:{dr.account_id}:restore-testing-plan:aivo_dr_weekly_restore_test"
    job = {"RestoreJobId": "j1", "CreationDate": NOW - timedelta(days=2), "CompletionDate": NOW - timedelta(days=2, hours=-1),
           "Status": "COMPLETED", "ValidationStatus": "SUCCESSFUL"}
    stub.add_response("list_restore_jobs", {"RestoreJobs": [
        job, {**job, "RestoreJobId": "j2", "CompletionDate": NOW - timedelta(days=1), "ValidationStatus": "FAILED"},
        {**job, "RestoreJobId": "j3", "CompletionDate": NOW, "ValidationStatus": "VALIDATING"},
        {**job, "RestoreJobId": "j4", "Status": "RUNNING", "CompletionDate": NOW}]}, {"ByRestoreTestingPlanArn": arn})
    monkeypatch.setattr(module, "client", lambda service, region: backup)
    with stub:
        tests = module.restore_jobs(dr)()
    assert [(t.what, t.passed, t.at) for t in tests] == [
        ("restore job j1 COMPLETED, validation SUCCESSFUL", True, NOW - timedelta(days=1, hours=23)),
        ("restore job j2 COMPLETED, validation FAILED", False, NOW - timedelta(days=1))]
    row = judge("Backup verification", "weekly", Mechanisms(("restore testing",)), Evidence(tests), NOW)
    assert (row.status, row.last_detail) == (FAIL, "restore job j2 COMPLETED, validation FAILED: failed")


def test_next_scheduled_follows_the_schedule_aws_runs(aws, tmp_path) -> None:
    """A scheduled experiment's next run is its cron only while its EventBridge Scheduler schedule exists and is ENABLED."""
    from drctl.ops.schedule import schedule

    dr, primary = runbook("dr"), runbook("primary")
    x = primary.testing.experiments
    scheduled = primary.model_copy(update={"testing": primary.testing.model_copy(update={"experiments": x.model_copy(
        update={"database_failover": x.database_failover.model_copy(update={"scheduled": True})})})})
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def database_row() -> tuple[str | None, str]:
        row = next(r for r in schedule(dr, scheduled, tmp_path, now) if r.test == "Database failover")
        return (row.next_scheduled.strftime("%Y-%m-%d %H:%M") if row.next_scheduled else None), row.next_detail

    assert database_row() == (None, "due now (no scheduler: a person runs it); schedule aivo-dr-databaseFailover not found in us-east-1 "
                                    "(not deployed)")
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    target = {"Arn": "arn:aws:scheduler:::aws-sdk:fis:startExperiment", "RoleArn": "arn:aws:iam::123456789012:role/aivo-dr-fault-injection-scheduler",
              "Input": "{}"}
    scheduler.create_schedule(Name="aivo-dr-databaseFailover", ScheduleExpression="cron(0 10 ? 1,4,7,10 TUE#3 *)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target, State="DISABLED")
    assert database_row() == (None, "due now (no scheduler: a person runs it); schedule aivo-dr-databaseFailover is DISABLED")
    scheduler.update_schedule(Name="aivo-dr-databaseFailover", ScheduleExpression="cron(0 10 ? 1,4,7,10 TUE#3 *)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target, State="ENABLED")
    assert database_row() == ("2027-01-19 10:00", "scheduled")  # the third Tuesday of the next quarter's first month


def test_a_stalled_us_east_1_is_waited_on_once(aws, fault_proxy, tmp_path, capsys, monkeypatch) -> None:
    """FIS (experiment templates, then each template's experiments) and EventBridge Scheduler are read in us-east-1:
    under a stall, each of those endpoints is waited out once, and every later read of it says so at once."""
    monkeypatch.setenv("DRCTL_AWS_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_READ_TIMEOUT", "1")
    monkeypatch.setenv("DRCTL_AWS_MAX_ATTEMPTS", "2")
    fault_proxy.fault("us-east-1", STALL)
    started = time.monotonic()
    code = main(["schedule", "--drills", str(tmp_path), "--json", "-"])
    elapsed = time.monotonic() - started
    doc = json.loads(capsys.readouterr().out)
    assert code == 1  # nothing was tested: the rows without evidence fail
    assert waits_per_endpoint(fault_proxy.seen, STALL) == {("us-east-1", "fis"): 2}
    assert elapsed < 15, elapsed  # one endpoint's two attempts of one second each, with a slow machine's margin
    details = {row["test"]: row["lastDetail"] for row in doc["rows"]}
    waited = "fis list_experiment_templates in us-east-1: no answer within 1 s (2 attempts)"
    not_asked = ("fis list_experiment_templates in us-east-1: not asked: fis in us-east-1 did not answer earlier in this run: "
                 "no answer within 1 s (2 attempts)")
    assert details == {
        "Backup verification": "cannot read backup ListRestoreJobs: this endpoint does not implement it",
        "Single service recovery": f"cannot read fis ListExperiments: {waited}",
        "Database failover": f"cannot read fis ListExperiments: {not_asked}",
        "Full DR failover": "never tested",
        "Chaos engineering": f"cannot read fis ListExperiments: {not_asked}",
    }


def test_a_corrupt_drill_record_is_said_and_the_valid_ones_still_count(aws, tmp_path, capsys) -> None:
    drills = tmp_path / "drill-reports"
    drills.mkdir()
    now = datetime.now(UTC)
    drill(drills, "region-failover", now - timedelta(days=10))
    lying = drill_record(20, 60.0)
    lying["steps"][2]["seconds"] = -1200.0
    (drills / "drill-region-failover-20991231T000000Z.json").write_text(json.dumps(lying))
    (drills / "drill-region-failover-20991230T000000Z.json").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    assert main(["schedule", "--drills", str(drills), "--json", str(tmp_path / "schedule.json")]) == 1
    row = {r["test"]: r for r in json.loads((tmp_path / "schedule.json").read_text())["rows"]}["Full DR failover"]
    name = f"drill-region-failover-{now - timedelta(days=10):%Y%m%dT%H%M%SZ}.json"
    assert (row["status"], row["lastDetail"]) == (PASS, (
        f"drill region-failover completed ({name}); cannot read drill records in {drills}: "
        "drill-region-failover-20991230T000000Z.json: a drill record written by drctl drill run (aivo-dr/drill@1 JSON); "
        "UTF-8 text, not binary (a NUL byte at offset 8); drill-region-failover-20991231T000000Z.json: steps[2].seconds = "
        "-1200.0: a finite number of seconds, 0 or more (not a boolean, text, NaN or infinity)"))
