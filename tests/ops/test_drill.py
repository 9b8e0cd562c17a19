"""`drctl drill run|report`: timed drills, the region failover through the Automation API (a stand-in `pulumi`), the
others with real API steps on moto; reports in Markdown, PNG and JSON."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from PIL import Image

from drctl.cli import main
from drctl.ops.drill import parse_iso
from drctl.ops.figures import runbook
from drctl.ops.report import recovery_metrics, verdicts
from stacks.deploy_runner import FAILOVER_COMMAND
from tests.helpers.drill import drill_record, write_record
from tests.helpers.faultproxy import DROP
from tests.helpers.ops import table_rows
from tests.helpers.pulumi_standin import Change, calls, engine_events, write_standin


def replica_lag(seconds: float) -> None:
    boto3.client("cloudwatch", region_name="us-west-2").put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "ReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": runbook().database.replica_identifier}],
        "Timestamp": datetime.now(UTC), "Value": seconds, "Unit": "Seconds"}])


def unwritable_directory(tmp_path: Path) -> Path:
    """A directory this process cannot write in: mode 0500, or for root (whom modes do not stop) one in sysfs."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o500)
        return folder
    for candidate in (Path("/sys/kernel"), Path("/proc/self")):
        try:
            fd, probe = tempfile.mkstemp(dir=candidate)
        except OSError:
            return candidate
        os.close(fd)
        os.unlink(probe)
    pytest.fail("no directory here that root cannot write in (/sys/kernel, /proc/self)")


def record_of(directory: Path, scenario: str) -> dict:
    (path,) = directory.glob(f"drill-{scenario}-*.json")
    return json.loads(path.read_text())


# The dr stack's failover update as the engine reports it (offsets in seconds from the start of `pulumi up`): the
# resources tests/test_failover_flip.py finds changed, with plausible durations (a promotion 95 s, Scenario 2's range).
FAILOVER_CHANGES = [
    Change("aws:rds/instance:Instance", "dr-database-instance", "update", 1, 96),
    Change("aws:eks/nodeGroup:NodeGroup", "dr-cluster-general", "update", 1, 181),
    Change("aws:elasticache/replicationGroup:ReplicationGroup", "dr-cache-group", "update", 1, 421),
    Change("kubernetes:velero.io/v1:BackupStorageLocation", "dr-velero-location", "update", 2, 4),
    Change("kubernetes:velero.io/v1:Restore", "dr-failover-restores-critical", "create", 97, 217),
    Change("kubernetes:velero.io/v1:Restore", "dr-failover-restores-low", "create", 400, 520),
    Change("aws:route53/record:Record", "edge-dns-api-primary", "update", 97, 131),
    Change("aws:route53/record:Record", "edge-dns-app-primary", "update", 97, 133),
    Change("aws:cloudfront/distribution:Distribution", "edge-cdn-distribution", "update", 97, 397),
    Change("aws:cloudwatch/metricAlarm:MetricAlarm", "dr-alarms-database-replica-lag", "delete", 1, 2),
    Change("aws:backup/plan:Plan", "dr-weekly-snapshots-plan", "create", 1, 3),
    Change("aws:rds/instance:Instance", "dr-database-placement-unchanged", "same", 0, 0),
]
REGION_FAILOVER = ["drill", "run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--yes", "--poll-seconds", "1"]


def pulumi_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changes: list[Change], up_exit: int = 0, up_stderr: str = "") -> Path:
    """The stand-in `pulumi` (tests/helpers/pulumi_standin.py) first on PATH; returns the log of its calls."""
    log = write_standin(tmp_path / "bin", engine_events(changes), up_exit=up_exit, up_stderr=up_stderr)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    return log


def test_region_failover_drill_takes_the_real_failover_path(aws, tmp_path, capsys, monkeypatch) -> None:
    """The drill runs what an on-call engineer runs: `pulumi config set failover true` then `pulumi up` of the dr stack,
    through the Automation API. The `pulumi` it runs is a stand-in written by the test (it records its arguments and
    replays the engine's events) because the Pulumi CLI cannot be installed here; the step timings come from those
    events, and nothing is changed through AWS's APIs."""
    s = runbook()
    replica_lag(120.0)
    log = pulumi_on_path(tmp_path, monkeypatch, FAILOVER_CHANGES)
    reports = tmp_path / "reports"
    reports.mkdir()
    code = main([*REGION_FAILOVER, "--report", str(reports), "--operator", "sre"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    # The CLI calls, in order: the settings flip, then the one update, both of the dr stack, in this repository.
    up = calls(log)[3]
    assert re.fullmatch(r".*/automation-logs-up-[^/]+/eventlog\.txt", up[8])  # the file the Automation API reads the events from
    assert calls(log) == [
        ["version"],
        ["--non-interactive", "stack", "select", "--stack", "dr"],
        ["config", "set", "failover", "--plaintext", "--stack", "dr", "--non-interactive", "--", "true"],
        ["--non-interactive", "up", "--yes", "--skip-preview", "--continue-on-error", "--exec-kind", "auto.local", "--event-log",
         up[8], "--stack", "dr"],
        ["--non-interactive", "stack", "output", "--json", "--stack", "dr"],
        ["--non-interactive", "stack", "output", "--json", "--show-secrets", "--stack", "dr"],
        ["--non-interactive", "stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1", "--stack", "dr"],
    ]
    record = record_of(reports, "region-failover")
    assert [(st["key"], st["kind"], st["status"], st["seconds"] if st["kind"] == "engine" else None) for st in record["steps"]] == [
        ("detect", "manual", "confirmed", None), ("declare", "manual", "confirmed", None), ("preflight", "api", "done", None),
        ("flip", "pulumi", "done", None), ("up", "pulumi", "done", None),
        ("promote", "engine", "done", 95.0), ("scale", "engine", "done", 180.0), ("cache", "engine", "done", 420.0),
        ("velero", "engine", "done", 518.0),
        ("dns", "engine", "done", 36.0), ("cdn", "engine", "done", 300.0), ("rest", "engine", "done", 2.0),
        ("verify", "manual", "confirmed", None)]
    steps = {st["key"]: st for st in record["steps"]}
    assert steps["flip"]["detail"] == "failover = true in stack dr; ReplicaLag 120 s before promotion"
    assert steps["up"]["detail"] == "11 resource changes in 520 s"
    assert steps["promote"]["detail"] == "update dr-database-instance"
    assert (steps["scale"]["detail"], steps["cache"]["detail"]) == ("update dr-cluster-general", "update dr-cache-group")
    assert steps["dns"]["detail"] == "update edge-dns-api-primary, update edge-dns-app-primary"
    assert steps["rest"]["detail"] == "delete dr-alarms-database-replica-lag, create dr-weekly-snapshots-plan"
    # The engine's clock: the promotion's bar starts 1 s after the update's first event and lasts 95 s.
    assert (parse_iso(steps["promote"]["endedAt"]) - parse_iso(steps["promote"]["startedAt"])).total_seconds() == 95.0
    assert (parse_iso(steps["velero"]["startedAt"]) - parse_iso(steps["promote"]["startedAt"])).total_seconds() == 1.0
    assert steps["flip"]["command"] == "pulumi config set failover true --stack dr"
    assert steps["up"]["command"] == steps["promote"]["command"] == "pulumi up --stack dr --yes --continue-on-error"
    assert f"{steps['flip']['command']} && {steps['up']['command']}" == FAILOVER_COMMAND  # what the runbook and the runner run
    assert record["outcome"] == "completed" and record["rpoSeconds"] == 120.0 and record["passed"] is True
    assert record["rpoSource"] == "CloudWatch ReplicaLag before promotion"
    assert record["verdicts"][0] == {"scope": "Critical", "rtoTarget": "30 min", "rto": "PASS", "rpoTarget": "5 min", "rpo": "PASS"}
    assert record["metrics"]["lowerBound"] is True and record["metrics"]["timeToRecoverSeconds"] > 519  # the engine's clock has whole seconds
    # Nothing went around the stacks: the replica is still a replica, DNS and the node group untouched (the stand-in
    # changed nothing, and neither did the drill).
    replica = boto3.client("rds", region_name="us-west-2").describe_db_instances(DBInstanceIdentifier=s.database.replica_identifier)["DBInstances"][0]
    assert replica.get("ReadReplicaSourceDBInstanceIdentifier")
    group = boto3.client("eks", region_name="us-west-2").describe_nodegroup(clusterName="aivo-dr-eks", nodegroupName="general")["nodegroup"]
    assert group["scalingConfig"] != {"minSize": 3, "maxSize": 20, "desiredSize": 5}
    # The report: Markdown with the tier verdicts, the step timings and the commands, a PNG timeline, the JSON record.
    (md,) = reports.glob("drill-region-failover-*.md")
    text = md.read_text()
    assert "| Critical | auth-svc, api-gateway, billing-svc | 30 min |" in text and "| PASS | 5 min | 2 min 00 s | PASS |" in text
    assert "| Platform | all | < 4 hours |" in text and "| Verdict | PASS |" in text
    assert "| Promote the RDS read replica | engine | recover |" in text and "| 1 min 35 s | done | update dr-database-instance |" in text
    assert "4. Set failover true in the dr stack: `pulumi config set failover true --stack dr`" in text
    assert "5. Run the failover (one pulumi up of the dr stack): `pulumi up --stack dr --yes --continue-on-error`" in text
    (png,) = reports.glob("drill-region-failover-*.png")
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[1] > 13 * 26
    assert "[6/13] Promote the RDS read replica: done in 95.0 s - update dr-database-instance" in captured.err
    assert captured.out.splitlines()[-1].startswith("drill PASSED; report: ")
    assert sorted(stat.S_IMODE(p.stat().st_mode) for p in reports.iterdir()) == [0o600, 0o600, 0o600]


def test_replica_lag_beyond_the_critical_rpo_fails_the_drill(aws, tmp_path, capsys, monkeypatch) -> None:
    replica_lag(600.0)
    pulumi_on_path(tmp_path, monkeypatch, FAILOVER_CHANGES)
    assert main([*REGION_FAILOVER, "--report", str(tmp_path)]) == 1
    rows = table_rows(capsys.readouterr().out)
    verdict = {r[0]: (r[3], r[6]) for r in rows if r[0] in ("Critical", "High", "Medium", "Low", "Platform")}
    assert verdict == {"Critical": ("PASS", "FAIL"), "High": ("PASS", "PASS"), "Medium": ("PASS", "PASS"), "Low": ("PASS", "PASS"),
                       "Platform": ("PASS", "PASS")}


def test_a_failed_preflight_stops_the_drill_before_pulumi_runs(aws, tmp_path, capsys, monkeypatch) -> None:
    boto3.client("eks", region_name="us-west-2").delete_nodegroup(clusterName="aivo-dr-eks", nodegroupName="general")
    log = pulumi_on_path(tmp_path, monkeypatch, FAILOVER_CHANGES)
    assert main([*REGION_FAILOVER, "--report", str(tmp_path)]) == 1
    capsys.readouterr()
    record = record_of(tmp_path, "region-failover")
    assert record["outcome"] == "failed"
    assert [st["status"] for st in record["steps"]] == ["confirmed", "confirmed", "failed", *["not run"] * 10]
    assert record["steps"][2]["detail"] == "14 passed, 2 warnings, 1 failed: node group general"
    text = next(tmp_path.glob("*.md")).read_text()
    assert ("| Verdict | FAIL: outcome failed at step preflight (failed); RTO missed: Critical, High, Medium, Low, Platform; "
            "RPO not measured (not measured: the drill stopped before reading ReplicaLag) |") in text
    assert "| Measured RTO (time to recover) | not recovered" in text
    assert calls(log) == []  # not even `pulumi version`: the flag was never flipped


def test_a_pulumi_up_that_fails_before_any_resource_fails_its_step(aws, tmp_path, capsys, monkeypatch) -> None:
    replica_lag(60.0)
    log = pulumi_on_path(tmp_path, monkeypatch, [], up_exit=255, up_stderr="error: failed to load checkpoint: blob (key \".pulumi/stacks/aivo-dr/dr.json\") not found\n")
    assert main([*REGION_FAILOVER, "--report", str(tmp_path)]) == 1
    capsys.readouterr()
    record = record_of(tmp_path, "region-failover")
    assert [(st["key"], st["status"]) for st in record["steps"]][3:6] == [("flip", "done"), ("up", "failed"), ("promote", "not run")]
    assert record["steps"][4]["detail"] == 'error: failed to load checkpoint: blob (key ".pulumi/stacks/aivo-dr/dr.json") not found'
    assert [c[1] if c[0] == "--non-interactive" else c[0] for c in calls(log)] == ["version", "stack", "config", "up"]


def test_without_the_pulumi_cli_the_drill_stops_at_the_flip(aws, tmp_path, capsys, monkeypatch) -> None:
    replica_lag(60.0)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main([*REGION_FAILOVER, "--report", str(tmp_path)]) == 1
    capsys.readouterr()
    flip = record_of(tmp_path, "region-failover")["steps"][3]
    assert (flip["key"], flip["status"], flip["detail"]) == ("flip", "failed", "no pulumi on PATH: install the Pulumi CLI the runner pins (runner.pulumiVersion)")


def test_us_east_1_dropped_the_failover_drill_goes_past_preflight_and_recovers_in_us_west_2(aws, fault_proxy, tmp_path, capsys, monkeypatch) -> None:
    """A real failover drill happens exactly when us-east-1 may be down: what the DR side needs is there, so the
    update's regional steps complete; Route53's API (us-east-1) refuses, so the drill is incomplete, not PASSED."""
    replica_lag(120.0)
    fault_proxy.fault("us-east-1", DROP)
    refused = "updating urn:pulumi:dr::aivo-dr::aws:route53/record:Record::edge-dns-api-primary: operation error Route 53: ChangeResourceRecordSets, connection reset"
    changes = [c if c.type != "aws:route53/record:Record" else Change(c.type, c.name, c.op, c.start, c.end, refused) for c in FAILOVER_CHANGES]
    pulumi_on_path(tmp_path, monkeypatch, changes, up_exit=255, up_stderr="error: update failed\n")
    started = time.monotonic()
    code = main([*REGION_FAILOVER, "--report", str(tmp_path)])
    assert time.monotonic() - started < 30
    captured = capsys.readouterr()
    assert code == 1, captured.out + captured.err
    record = record_of(tmp_path, "region-failover")
    assert [(st["key"], st["status"]) for st in record["steps"]] == [
        ("detect", "confirmed"), ("declare", "confirmed"), ("preflight", "done"), ("flip", "done"), ("up", "done"), ("promote", "done"),
        ("scale", "done"), ("cache", "done"), ("velero", "done"), ("dns", "unreachable"), ("cdn", "done"), ("rest", "done"), ("verify", "confirmed")]
    steps = {st["key"]: st["detail"] for st in record["steps"]}
    # The replica lag datapoint (120 s) makes that row PASS; the seven rows that read us-east-1 block nothing.
    assert steps["preflight"] == "9 passed, 1 warning, 0 failed, 7 unreachable (us-east-1); not blocking: 7 checks could not reach us-east-1"
    assert steps["up"] == "11 resource changes in 520 s; 2 failed (exit code 255): see the steps below"
    assert steps["dns"] == (f"edge-dns-api-primary: {refused}; edge-dns-app-primary: {refused}; health-check failover still moves traffic, "
                            "re-run when the API answers: pulumi up --stack dr --yes --continue-on-error")
    assert record["outcome"] == "incomplete" and record["rpoSeconds"] == 120.0 and record["passed"] is False
    assert record["notPassedBecause"] == ["outcome incomplete at step dns (unreachable)"]
    assert captured.out.splitlines()[-1].startswith("drill NOT PASSED: outcome incomplete at step dns (unreachable); report: ")


def test_an_unwritable_report_folder_is_refused_before_any_aws_call(fault_proxy, tmp_path, capsys) -> None:
    folder = unwritable_directory(tmp_path)
    assert main(["drill", "run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--yes", "--report", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"drctl: error: --report = {folder}: a directory drctl can write to (")
    assert len(captured.err.splitlines()) == 1 and captured.out == ""
    assert fault_proxy.seen == []


def test_the_record_survives_a_report_folder_that_vanishes_during_the_drill(aws_env, tmp_path, capsys, monkeypatch) -> None:
    folder = tmp_path / "reports"

    class Operator(io.StringIO):
        """At the first manual step someone removes the report folder, and the operator aborts the drill."""

        def isatty(self) -> bool:
            return True

        def readline(self, *args: object) -> str:
            shutil.rmtree(folder, ignore_errors=True)
            return "abort\n"

    monkeypatch.setattr("sys.stdin", Operator())
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert main(["drill", "run", "--scenario", "service-restore", "--report", str(folder), "--poll-seconds", "1"]) == 1
    err = capsys.readouterr().err.splitlines()[-1]
    (saved,) = tmp_path.glob("drctl-drill-*/drill-service-restore-*.json")
    assert err == (f"drctl: error: --report {folder}: No such file or directory: the report was not written there; the drill record is "
                   f"saved as {saved} (rebuild the report with: drctl drill report --from {saved} --out DIR)")
    record = json.loads(saved.read_text())
    assert record["outcome"] == "aborted" and [st["status"] for st in record["steps"]] == ["aborted", *["not run"] * 4]
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_database_pitr_drill_restores_and_cleans_up(aws, tmp_path, capsys) -> None:
    assert main(["drill", "run", "--scenario", "database-pitr", "--yes", "--report", str(tmp_path), "--poll-seconds", "1"]) == 0
    capsys.readouterr()
    record = record_of(tmp_path, "database-pitr")
    assert [(st["key"], st["status"]) for st in record["steps"]] == [
        ("detect", "confirmed"), ("assess", "done"), ("recovery-point", "done"), ("restore", "done"), ("reconfigure", "confirmed"),
        ("integrity", "confirmed"), ("cleanup", "done")]
    target = record["steps"][3]["detail"].split()[0]
    assert target.startswith("aivo-pitr-") and record["steps"][6]["detail"] == f"deleting {target} (drill copy, no final snapshot)"
    names = [i["DBInstanceIdentifier"] for i in boto3.client("rds", region_name="us-east-1").describe_db_instances()["DBInstances"]]
    assert target not in names and runbook().database.identifier in names
    assert record["rpoSource"] == "drill start minus the restore point" and record["rpoSeconds"] < 300
    # Cleanup is outside the measured RTO: recovery ends with the integrity step.
    m = recovery_metrics(record)
    integrity_end = datetime.fromisoformat(record["steps"][5]["endedAt"].replace("Z", "+00:00"))
    assert m.time_to_recover == (integrity_end - datetime.fromisoformat(record["startedAt"].replace("Z", "+00:00"))).total_seconds()


def test_database_pitr_to_a_chosen_time_lands_in_productions_subnet_group(aws, tmp_path, capsys) -> None:
    s = runbook()
    rds = boto3.client("rds", region_name="us-east-1")
    latest = rds.describe_db_instances(DBInstanceIdentifier=s.database.identifier)["DBInstances"][0]["LatestRestorableTime"]
    point = latest.replace(microsecond=0)
    assert main(["drill", "run", "--scenario", "database-pitr", "--restore-time", f"{point:%Y-%m-%dT%H:%M:%SZ}", "--keep", "--yes",
                 "--report", str(tmp_path), "--poll-seconds", "1"]) == 0
    capsys.readouterr()
    record = record_of(tmp_path, "database-pitr")
    assert record["steps"][2]["detail"] == f"restore point {point:%Y-%m-%dT%H:%M:%S}.000000Z (--restore-time)"
    started = datetime.fromisoformat(record["startedAt"].replace("Z", "+00:00"))
    assert record["rpoSeconds"] == round((started - point).total_seconds(), 3)
    target = record["steps"][3]["detail"].split()[0]
    kept = rds.describe_db_instances(DBInstanceIdentifier=target)["DBInstances"][0]
    assert kept["DBSubnetGroup"]["DBSubnetGroupName"] == s.database.subnet_group_name
    assert record["steps"][6]["detail"] == f"kept {target} (--keep)"


def test_a_restore_time_after_the_latest_restorable_time_fails_the_step(aws_unchanged, tmp_path, capsys) -> None:
    """Reads only: the drill stops before anything is restored."""
    later = datetime.now(UTC) + timedelta(hours=1)
    assert main(["drill", "run", "--scenario", "database-pitr", "--restore-time", f"{later:%Y-%m-%dT%H:%M:%SZ}", "--yes",
                 "--report", str(tmp_path), "--poll-seconds", "1"]) == 1
    capsys.readouterr()
    record = record_of(tmp_path, "database-pitr")
    assert [st["status"] for st in record["steps"]] == ["confirmed", "done", "failed", "not run", "not run", "not run", "not run"]
    assert record["steps"][2]["detail"].startswith(f"restore time {later:%Y-%m-%dT%H:%M:%S}.000000Z is after the latest restorable time ")


def test_service_restore_judges_the_services_tier_only(aws, tmp_path, capsys) -> None:
    assert main(["drill", "run", "--scenario", "service-restore", "--service", "notify-svc", "--yes", "--report", str(tmp_path), "--poll-seconds", "1"]) == 0
    capsys.readouterr()
    record = record_of(tmp_path, "service-restore")
    assert record["tier"] == "Medium" and [v.scope for v in verdicts(record)] == ["Medium", "Platform"]
    # A service restore restores no data: its RPO does not apply (and so does not stop it passing).
    assert [v["rpo"] for v in record["verdicts"]] == ["not applicable", "not applicable"] and record["passed"] is True
    group = boto3.client("eks", region_name="us-east-1").describe_nodegroup(clusterName="aivo-production-eks", nodegroupName="general")["nodegroup"]
    assert group["scalingConfig"] == {"minSize": 3, "maxSize": 20, "desiredSize": 5}
    assert record["steps"][3]["command"] == "kubectl rollout undo deployment/notify-svc -n aivo"


def test_an_operator_confirms_manual_steps_and_can_abort(aws, tmp_path, capsys, monkeypatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("\nabort\n"))
    assert main(["drill", "run", "--scenario", "service-restore", "--report", str(tmp_path), "--poll-seconds", "1"]) == 1
    err = capsys.readouterr().err
    assert "[1/5] MANUAL Detect the failure (alert fired, on-call paged)" in err
    record = record_of(tmp_path, "service-restore")
    assert [st["status"] for st in record["steps"]] == ["done", "done", "done", "aborted", "not run"]
    assert record["outcome"] == "aborted" and record["steps"][0]["detail"] == "confirmed by the operator"


def test_report_rebuilds_from_the_record_with_a_root_cause(tmp_path, capsys) -> None:
    source = write_record(drill_record(20, 60.0), tmp_path).rename(tmp_path / "drill-region-failover-20261125T100000Z.json")
    out = tmp_path / "rebuilt"
    out.mkdir()
    assert main(["drill", "report", "--from", str(source), "--out", str(out), "--root-cause", "bad deploy of api-gateway",
                 "--preventive", "canary releases"]) == 0
    text = (out / source.with_suffix(".md").name).read_text()
    assert "- Root cause: bad deploy of api-gateway" in text and "- Preventive measures: canary releases" in text
    assert json.loads((out / source.name).read_text())["rootCause"] == "bad deploy of api-gateway"
    assert sorted(p.name for p in out.iterdir()) == [source.name, source.with_suffix(".md").name, source.with_suffix(".png").name]
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o600}
    assert capsys.readouterr().out.splitlines()[-1].startswith("drill PASSED; report: ")


def test_verdicts_per_tier_and_platform() -> None:
    record = drill_record(45, 600)
    m = recovery_metrics(record)
    assert (m.time_to_detect, m.time_to_respond, m.time_to_recover, m.lower_bound) == (240, 360, 2700, False)
    assert [(v.scope, v.rto, v.rpo) for v in verdicts(record)] == [
        ("Critical", "FAIL", "FAIL"), ("High", "PASS", "PASS"), ("Medium", "PASS", "PASS"), ("Low", "PASS", "PASS"), ("Platform", "PASS", "PASS")]
    # The platform targets are strict, as the runbook writes them: exactly 4 hours is not "< 4 hours".
    assert [(v.scope, v.rto, v.rpo) for v in verdicts(drill_record(240, None, tier="Low"))] == [("Low", "PASS", "not measured"), ("Platform", "FAIL", "not measured")]


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--scenario", "zone-failover", "--yes"], "--scenario = zone-failover: one of region-failover, database-pitr, service-restore"),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--service", "auth-svc", "--yes"], "--service = auth-svc: only with --scenario service-restore"),
    (["run", "--scenario", "service-restore", "--service", "payroll", "--yes"],
     "--service = payroll: a service of the tier table: ai-orchestrator, analytics-svc, api-gateway, assessment-svc, auth-svc, billing-svc, "
     "content-svc, engagement-svc, experimentation-svc, notify-svc"),
    (["run", "--scenario", "database-pitr", "--restore-time", "yesterday", "--yes"], '--restore-time = yesterday: a real UTC time "YYYY-MM-DDTHH:MM:SSZ", e.g. "2026-01-05T00:00:00Z"'),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--keep", "--yes"], "--keep = true: only with --scenario database-pitr"),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--report", "/nonexistent/dir/reports", "--yes"],
     "--report = /nonexistent/dir/reports: a directory in an existing directory"),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--yes", "--poll-seconds", "0"], "--poll-seconds = 0: a number of seconds from 1 to 600"),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--yes", "--poll-seconds", "0.5"], "--poll-seconds = 0.5: a number of seconds from 1 to 600"),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--yes", "--timeout-minutes", "-1"], "--timeout-minutes = -1: a number of minutes from 1 to 1440"),
    (["run", "--scenario", "region-failover", "--i-understand-this-changes-production", "--yes", "--timeout-minutes", "1441"], "--timeout-minutes = 1441: a number of minutes from 1 to 1440"),
    (["run", "--scenario", "region-failover"], "--yes: required when standard input is not a terminal: manual steps need an operator's confirmation"),
    (["report", "--from", "/nonexistent.json"], "--from = /nonexistent.json: a drill record written by drctl drill run (aivo-dr/drill@1 JSON); cannot open it: No such file or directory"),
])
def test_bad_input_is_one_line_exit_2(args, message, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["drill", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"drctl: error: {message}\n" and captured.out == ""


def test_the_region_failover_drill_asks_for_consent_even_with_yes(aws, tmp_path, capsys, monkeypatch) -> None:
    """It changes production: --yes confirms manual steps, not that. Nothing is called before consent."""
    assert main(["drill", "run", "--scenario", "region-failover", "--yes", "--report", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        "drctl: error: --i-understand-this-changes-production: required with --scenario region-failover when no one can "
        "type the phrase: it promotes the DR database, scales the DR node group and moves DNS (it changes production)")
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})("fail over to us-east-2\n"))
    assert main(["drill", "run", "--scenario", "region-failover", "--yes", "--report", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        'drctl: error: confirmation = fail over to us-east-2: the phrase "fail over to us-west-2" (nothing was changed)')
    assert not list(tmp_path.iterdir())
    replica = boto3.client("rds", region_name="us-west-2").describe_db_instances()["DBInstances"][0]
    assert replica.get("ReadReplicaSourceDBInstanceIdentifier")  # still a replica: nothing was promoted


@pytest.mark.parametrize("scenario", ["region-failover", "database-pitr", "service-restore"])
def test_the_record_schema_knows_each_scenarios_steps(scenario: str) -> None:
    from drctl.ops.drill import DrillOptions, scenario_steps
    from drctl.ops.record import step_keys

    steps = scenario_steps(DrillOptions(scenario=scenario, primary="us-east-1", dr="us-west-2"))
    assert step_keys()[scenario] == tuple(s.key for s in steps)
