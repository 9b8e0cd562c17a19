"""The runbook's Testing Schedule as a report from evidence (`drctl schedule`).

Each row of the runbook's table names what runs it (declared by the stacks or scheduled by the repository:
stacks/settings/testing.py) and is judged by what AWS and the drill records say happened:

| row                     | evidence read                                                                    |
|-------------------------|----------------------------------------------------------------------------------|
| Backup verification     | AWS Backup restore jobs of the restore testing plan (dr region), with validation |
| Single service recovery | FIS experiments of the servicePods template; service-restore drill records       |
| Database failover       | FIS experiments of the databaseFailover template                                  |
| Full DR failover        | region-failover drill records                                                     |
| Chaos engineering       | FIS experiments of every template of the stacks                                   |

A row whose newest test is older than its frequency allows (FREQUENCY_DAYS), never happened, or failed, is a
FAIL. Evidence an endpoint cannot give (an API it does not implement, a call without an answer) is said as such:
such a row is "cannot read", never PASS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drctl.ops.aws import client, describe
from drctl.ops.failures import is_unavailable_api
from stacks.settings import StackSettings
from stacks.settings.cron import aws_fire_times, github_cron
from stacks.settings.testing import FREQUENCY_DAYS, verification_schedule

PASS, FAIL, CANNOT_READ = "PASS", "FAIL", "cannot read"
SCHEMA = "aivo-dr/schedule@1"
# FIS experiment states that end an experiment (API reference, ExperimentState); `stopped` means a stop condition
# (an alarm) or a person ended it: the system did not take the fault as it should, so the test failed.
FIS_ENDED = {"completed": True, "stopped": False, "failed": False, "cancelled": False}
# AWS Backup restore job states that end a job; a restore test passes when it completed and validated.
RESTORE_ENDED = {"COMPLETED", "ABORTED", "FAILED"}
WORKFLOW = ".github/workflows/dr-verify.yml"


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest class
    """One test that happened: when, whether it passed, what it was."""

    at: datetime
    passed: bool
    what: str


@dataclass
class Evidence:
    tests: list[TestRun] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "what: why" for each source that could not be read


@dataclass(frozen=True)
class Row:
    test: str  # the runbook's "Test Type"
    frequency: str
    mechanisms: tuple[str, ...]
    status: str
    last_tested: datetime | None
    last_detail: str
    next_scheduled: datetime | None
    next_detail: str


@dataclass(frozen=True)
class Mechanisms:
    """What runs a row (its declared or scheduled mechanisms), and the crons that schedule it."""

    names: tuple[str, ...]
    crons: tuple[str, ...] = ()  # AWS cron expressions of what starts it by itself
    schedulers: tuple[tuple[str, str], ...] = ()  # (EventBridge Scheduler schedule name, its cron): checked in AWS


# ---- what the stacks declare and the repository schedules (no AWS: `make docs` renders these too) ----------


def experiment_keys(primary: StackSettings) -> dict[str, Any]:
    x = primary.testing.experiments
    return {"databaseFailover": x.database_failover, "servicePods": x.service_pods, "clusterNodes": x.cluster_nodes}


def _experiment(key: str, experiment: Any) -> Mechanisms:
    if not experiment.enabled:
        return Mechanisms((f"FIS template {key}: disabled (testing.experiments.{key}.enabled)",))
    if experiment.scheduled:
        return Mechanisms((f"FIS template {key} (primary stack), EventBridge Scheduler aivo-dr-{key} {experiment.schedule}",),
                          (experiment.schedule,), ((f"aivo-dr-{key}", experiment.schedule),))
    return Mechanisms((f"FIS template {key} (primary stack), started by a person (testing.experiments.{key}.scheduled false)",))


def declared(dr: StackSettings, primary: StackSettings) -> dict[str, Mechanisms]:
    """Per runbook row, what runs it (from the settings of both stacks)."""
    from stacks.testing_names import RESTORE_PLAN

    weekly = verification_schedule(dr.weekly_snapshots)
    backup = [f'workflow dr-verify ({WORKFLOW}, GitHub Actions "{github_cron(weekly)}"): drctl backups verify, drctl preflight']
    crons = [weekly]
    if dr.testing.restore.enabled:
        backup.insert(0, f"AWS Backup restore testing plan {RESTORE_PLAN} (dr stack, {dr.regions.dr}) {weekly}")
    keys = experiment_keys(primary)
    pods, database = _experiment("servicePods", keys["servicePods"]), _experiment("databaseFailover", keys["databaseFailover"])
    chaos = [_experiment(key, experiment) for key, experiment in keys.items()]
    return {
        "Backup verification": Mechanisms(tuple(backup), tuple(crons)),
        "Single service recovery": Mechanisms((*pods.names, "drctl drill run --scenario service-restore"), pods.crons, pods.schedulers),
        "Database failover": database,
        "Full DR failover": Mechanisms(("drctl drill run --scenario region-failover (the real failover: pulumi up --stack dr)",)),
        "Chaos engineering": Mechanisms(tuple(n for m in chaos for n in m.names), tuple(c for m in chaos for c in m.crons),
                                        tuple(x for m in chaos for x in m.schedulers)),
    }


def frequencies(dr: StackSettings) -> dict[str, str]:
    f = dr.testing.frequency
    return {"Backup verification": f.backup_verification, "Single service recovery": f.single_service_recovery,
            "Database failover": f.database_failover, "Full DR failover": f.full_dr_failover, "Chaos engineering": f.chaos_engineering}


def declared_table(dr: StackSettings, primary: StackSettings) -> str:
    """The runbook's table with what runs each row (Last Tested and Next Scheduled come from `drctl schedule`)."""
    lines = ["| Test Type | Frequency | What runs it |", "|---|---|---|"]
    often = frequencies(dr)
    for test, mechanisms in declared(dr, primary).items():
        lines.append(f"| {test} | {often[test].capitalize()} | {'<br>'.join(n.replace('|', chr(92) + '|') for n in mechanisms.names)} |")
    return "\n".join(lines)


# ---- evidence ----------------------------------------------------------------------------------------------


class PartlyUnread(Exception):
    """A source read only in part: the runs it did give, and why the rest could not be read."""

    def __init__(self, found: list[TestRun], why: str) -> None:
        super().__init__(why)
        self.found, self.why = found, why


def _read(evidence: Evidence, what: str, read: Callable[[], list[TestRun]]) -> None:
    try:
        evidence.tests += read()
    except PartlyUnread as partly:
        evidence.tests += partly.found
        evidence.unreadable.append(f"{what}: {partly.why}")
    except (ClientError, BotoCoreError) as error:
        why = "this endpoint does not implement it" if isinstance(error, ClientError) and is_unavailable_api(error) else describe(error)
        evidence.unreadable.append(f"{what}: {why}")


def restore_jobs(dr: StackSettings) -> Callable[[], list[TestRun]]:
    """The restore testing plan's jobs (ListRestoreJobs by plan ARN): passed when COMPLETED and validated."""
    from stacks.testing_names import RESTORE_PLAN

    def read() -> list[TestRun]:
        backup = client("backup", dr.regions.dr)
        arn = f"arn:aws:backup:{dr.regions.dr}:{dr.account_id}:restore-testing-plan:{RESTORE_PLAN}"
        found = []
        for page in backup.get_paginator("list_restore_jobs").paginate(ByRestoreTestingPlanArn=arn):
            for job in page.get("RestoreJobs", []):
                if job.get("Status") not in RESTORE_ENDED or job.get("ValidationStatus") == "VALIDATING":
                    continue  # still running, or still being validated: not a result yet
                ok = job["Status"] == "COMPLETED" and job.get("ValidationStatus") == "SUCCESSFUL"
                validation = job.get("ValidationStatus") or "not validated"
                found.append(TestRun(job.get("CompletionDate") or job["CreationDate"], ok,
                                  f"restore job {job['RestoreJobId']} {job['Status']}, validation {validation}"))
        return found

    return read


def fis_experiments(primary: StackSettings, keys: set[str] | None) -> Callable[[], list[TestRun]]:
    """Ended FIS experiments of this stack's templates (tag managed-by=aivo-dr; Name = the experiment's key)."""

    def read() -> list[TestRun]:
        fis = client("fis", primary.regions.primary)
        templates = {}
        token: dict[str, str] = {}
        while True:
            page = fis.list_experiment_templates(**token)
            for t in page.get("experimentTemplates", []):
                tags = t.get("tags") or {}
                if tags.get("managed-by") == "aivo-dr" and (keys is None or tags.get("Name") in keys):
                    templates[t["id"]] = tags.get("Name", t["id"])
            if not page.get("nextToken"):
                break
            token = {"nextToken": page["nextToken"]}
        found = []
        for template_id, key in sorted(templates.items()):
            token = {}
            while True:
                page = fis.list_experiments(experimentTemplateId=template_id, **token)
                for e in page.get("experiments", []):
                    status = (e.get("state") or {}).get("status", "")
                    if status in FIS_ENDED:
                        found.append(TestRun(e["creationTime"], FIS_ENDED[status], f"FIS {key} experiment {e['id']} {status}"))
                if not page.get("nextToken"):
                    break
                token = {"nextToken": page["nextToken"]}
        return found

    return read


def drill_records(directory: Path, scenario: str) -> Callable[[], list[TestRun]]:
    """The JSON records `drctl drill run` writes, of one scenario, in a directory (searched recursively). Each is read
    bounded and validated whole (drctl/ops/record.py); a missing folder or a record that is not a valid one is said
    (PartlyUnread), never taken for "never tested"."""
    from drctl.errors import UsageError
    from drctl.ops.record import moment, read_record
    from drctl.ops.report import drill_passed

    def read() -> list[TestRun]:
        if not directory.is_dir():
            raise PartlyUnread([], "no such folder" if not directory.exists() else "not a folder")
        found, problems = [], []
        for path in sorted(directory.rglob(f"drill-{scenario}-*.json")):
            try:
                record = read_record(path, "--drills")
            except UsageError as error:
                problems.append(f"{path.name}: {error.allowed}")
                continue
            if record["scenario"] != scenario:
                problems.append(f"{path.name}: a {scenario} drill record (this one is {record['scenario']})")
                continue
            found.append(TestRun(moment(record["startedAt"]), drill_passed(record), f"drill {scenario} {record['outcome']} ({path.name})"))
        if problems:
            raise PartlyUnread(found, "; ".join(problems))
        return found

    return read


def scheduled_in_aws(primary: StackSettings, mechanisms: Mechanisms) -> tuple[Mechanisms, list[str]]:
    """The row's crons without the Scheduler schedules AWS does not run (absent or DISABLED), and what was found."""
    notes, dropped = [], set()
    for name, cron in mechanisms.schedulers:
        try:
            found = client("scheduler", primary.regions.primary).get_schedule(Name=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                notes.append(f"schedule {name} not found in {primary.regions.primary} (not deployed)")
                dropped.add(cron)
                continue
            notes.append(f"cannot read schedule {name}: " + ("this endpoint does not implement it" if is_unavailable_api(error) else describe(error)))
            continue
        except BotoCoreError as error:
            notes.append(f"cannot read schedule {name}: {describe(error)}")
            continue
        if found.get("State") != "ENABLED":
            notes.append(f"schedule {name} is {found.get('State')}")
            dropped.add(cron)
    kept = tuple(c for c in mechanisms.crons if c not in dropped)
    return Mechanisms(mechanisms.names, kept, mechanisms.schedulers), notes


# ---- judging -----------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def judge(test: str, frequency: str, mechanisms: Mechanisms, evidence: Evidence, now: datetime, notes: tuple[str, ...] = ()) -> Row:
    """PASS when the newest test passed and is within the frequency; FAIL when it failed, is too old or never
    happened; cannot read when nothing was read and some source could not be."""
    days = FREQUENCY_DAYS[frequency]
    fires = sorted(t for cron in mechanisms.crons for t in aws_fire_times(cron, now))
    newest = max(evidence.tests, key=lambda t: _utc(t.at), default=None)
    unread = f"; cannot read {', '.join(evidence.unreadable)}" if evidence.unreadable else ""
    if fires:
        next_at, next_detail = fires[0], "scheduled"
    elif newest is not None:
        next_at, next_detail = _utc(newest.at) + timedelta(days=days), f"due (no scheduler: a person runs it; {frequency})"
    else:
        next_at, next_detail = None, "due now (no scheduler: a person runs it)"
    next_detail += "".join(f"; {note}" for note in notes)
    if newest is None:
        status = CANNOT_READ if evidence.unreadable else FAIL
        detail = ("cannot read " + ", ".join(evidence.unreadable)) if evidence.unreadable else "never tested"
        return Row(test, frequency, mechanisms.names, status, None, detail, next_at, next_detail)
    at = _utc(newest.at)
    age = (now - at).total_seconds() / 86400
    if not newest.passed:
        status, detail = FAIL, f"{newest.what}: failed"
    elif age > days:
        status, detail = FAIL, f"{newest.what}: {age:.0f} days ago, more than {frequency} allows ({days} days)"
    else:
        status, detail = PASS, newest.what
    return Row(test, frequency, mechanisms.names, status, at, detail + unread, next_at, next_detail)


def schedule(dr: StackSettings, primary: StackSettings, drills: Path, now: datetime | None = None) -> list[Row]:
    """Every row of the runbook's Testing Schedule, judged against what AWS and the drill records say."""
    now = now or datetime.now(UTC)
    mechanisms = declared(dr, primary)
    often = frequencies(dr)
    sources: dict[str, list[tuple[str, Callable[[], list[TestRun]]]]] = {
        "Backup verification": [("backup ListRestoreJobs", restore_jobs(dr))],
        "Single service recovery": [("fis ListExperiments", fis_experiments(primary, {"servicePods"})),
                                    (f"drill records in {drills}", drill_records(drills, "service-restore"))],
        "Database failover": [("fis ListExperiments", fis_experiments(primary, {"databaseFailover"}))],
        "Full DR failover": [(f"drill records in {drills}", drill_records(drills, "region-failover"))],
        "Chaos engineering": [("fis ListExperiments", fis_experiments(primary, None))],
    }
    rows = []
    for test, reads in sources.items():
        evidence = Evidence()
        for what, read in reads:
            _read(evidence, what, read)
        running, notes = scheduled_in_aws(primary, mechanisms[test])
        rows.append(judge(test, often[test], running, evidence, now, tuple(notes)))
    return rows


# ---- output ------------------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def document(rows: list[Row], now: datetime) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "generatedAt": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rows": [{"test": r.test, "frequency": r.frequency, "mechanisms": list(r.mechanisms), "status": r.status,
                  "lastTested": r.last_tested.strftime("%Y-%m-%dT%H:%M:%SZ") if r.last_tested else None, "lastDetail": r.last_detail,
                  "nextScheduled": r.next_scheduled.strftime("%Y-%m-%dT%H:%M:%SZ") if r.next_scheduled else None,
                  "nextDetail": r.next_detail} for r in rows],
        "summary": {s: sum(r.status == s for r in rows) for s in (PASS, FAIL, CANNOT_READ)},
        "ok": not any(r.status == FAIL for r in rows),
    }


def markdown(rows: list[Row], now: datetime) -> str:
    """The runbook's table, filled in: its four columns, then what runs each row and the verdict."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"Testing Schedule, generated by `drctl schedule` at {_when(now)}", "",
             "| Test Type | Frequency | Last Tested | Next Scheduled | What runs it | Status |",
             "|-----------|-----------|-------------|----------------|--------------|--------|"]
    for r in rows:
        last = f"{_when(r.last_tested)} ({r.last_detail})" if r.last_tested else r.last_detail
        lines.append(f"| {r.test} | {r.frequency.capitalize()} | {cell(last)} | {cell(_when(r.next_scheduled) + ' (' + r.next_detail + ')')} | "
                     f"{'<br>'.join(cell(m) for m in r.mechanisms)} | {r.status} |")
    return "\n".join(lines) + "\n"


def summary_line(rows: list[Row]) -> str:
    counts = {s: sum(r.status == s for r in rows) for s in (PASS, FAIL, CANNOT_READ)}
    return f"{counts[PASS]} PASS, {counts[FAIL]} FAIL, {counts[CANNOT_READ]} cannot read"
