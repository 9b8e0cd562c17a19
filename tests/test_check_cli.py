"""`drctl check` end to end on fixture programs (tests/fixtures/policy_programs): exit status, table, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drctl.checking import SCHEMA, pack_policies
from drctl.cli import main
from drctl.commands.check import usable_cpus
from tests.helpers.cli import ROOT

PROGRAMS = Path(__file__).parent / "fixtures" / "policy_programs"

EXPOSED_DATABASE = {
    ("rds-enhanced-monitoring-enabled", "mandatory", "db",
     "monitoringInterval is None; Enhanced Monitoring must be on, every 1, 5, 10, 15, 30, 60 seconds"),
    ("rds-enhanced-monitoring-enabled", "mandatory", "db",
     "monitoringRoleArn is None; it must name the IAM role Enhanced Monitoring publishes with"),
    ("rds-performance-insights-encrypted-with-kms", "mandatory", "db", "performanceInsightsEnabled must be true"),
    ("rds-logs-exported-to-cloudwatch", "mandatory", "db",
     "enabledCloudwatchLogsExports is []; it must include postgresql (the server log, where the logging parameters write, "
     "outlives the instance only in CloudWatch)"),
    ("rds-iam-authentication-enabled", "mandatory", "db",
     "iamDatabaseAuthenticationEnabled must be true (services sign in with their IAM role, not a stored password)"),
    ("rds-copy-tags-to-snapshots", "advisory", "db",
     "copyTagsToSnapshot must be true (a snapshot without the instance's tags is nobody's: no owner, no tier)"),
    ("data-stores-protected", "mandatory", "db", "protect must be true on a data store, so no `pulumi up` or `destroy` can delete or replace it"),
    ("rds-backup-retention-at-least-minimum", "mandatory", "db", "backupRetentionPeriod is 7; it must be at least 30 days"),
    ("rds-backup-retention-at-least-minimum", "mandatory", "db", "backupWindow must be set (the runbook's window is 03:00-06:00 UTC)"),
    ("rds-deletion-protection-enabled", "mandatory", "db", "deletionProtection must be true"),
    ("rds-final-snapshot-on-delete", "mandatory", "db", "skipFinalSnapshot must not be true"),
    ("rds-not-publicly-accessible", "mandatory", "db", "publiclyAccessible must not be true: the database is reached only from inside the VPC"),
    ("rds-storage-encrypted", "mandatory", "db", "storageEncrypted must be true (encryption at rest cannot be added to an existing instance later)"),
    ("rds-writable-instance-multi-az", "mandatory", "db", "multiAz must be true on the writable instance (runbook: Multi-AZ, 60-120 s automatic failover)"),
    ("weekly-backup-copied-to-other-region", "mandatory", "(stack)", "no backup plan takes a weekly backup and copies it to a vault in the other region"),
}
UNGUARDED_BUCKET = {
    ("iam-no-wildcard-actions-or-resources", "mandatory", "writer-everything", "statement 0 allows s3:* on Resource *"),
    ("iam-no-wildcard-actions-or-resources", "mandatory", "writer-everything", "statement 0 allows wildcard actions s3:*"),
    ("s3-bucket-encrypted-with-kms", "mandatory", "assets", "bucket assets has no server-side encryption configuration"),
    ("s3-bucket-access-logged", "mandatory", "assets", "bucket assets has no server access logging (BucketLogging) into a log bucket"),
    ("s3-incomplete-multipart-uploads-aborted", "advisory", "assets",
     "bucket assets: no Enabled whole-bucket lifecycle rule aborts incomplete multipart uploads within 7 days (found None)"),
    ("s3-bucket-public-access-blocked", "mandatory", "assets", "bucket assets has no BucketPublicAccessBlock"),
    ("s3-bucket-replicated-or-replica", "mandatory", "assets", "bucket assets is neither replicated to another region nor a replica"),
    ("s3-bucket-tls-only", "mandatory", "assets", "bucket assets has no bucket policy denying requests without TLS (aws:SecureTransport false)"),
    ("s3-bucket-versioning-enabled", "mandatory", "assets", "bucket assets: versioning status is Suspended, it must be Enabled"),
    ("resources-tagged", "advisory", "assets", "missing tags: tier, environment"),
    ("s3-noncurrent-versions-to-glacier-and-expired", "advisory", "assets", "bucket assets: non-current versions must expire within 365 days (found None)"),
    ("s3-noncurrent-versions-to-glacier-and-expired", "advisory", "assets", "bucket assets: non-current versions must move to Glacier within 30 days (found None)"),
}
BROKEN_FAILOVER = {
    ("route53-failover-records-paired", "mandatory", "api-primary",
     "failover record set api.example.org CNAME in zone Z0FIXTURE has PRIMARY; it needs exactly one PRIMARY and one SECONDARY"),
    ("s3-bucket-versioning-enabled", "mandatory", "target", "bucket target: versioning status is Suspended, it must be Enabled"),
    ("s3-replication-destination-versioned-in-other-region", "mandatory", "replication",
     "replication: destination fixture-target is in us-east-1, the source's region; it must be in another region"),
    ("s3-replication-destination-versioned-in-other-region", "mandatory", "replication",
     "replication: destination fixture-target must have the source's non-current lifecycle (30, 365) (has (30, 90)); expirations are not replicated"),
    ("s3-replication-destination-versioned-in-other-region", "mandatory", "replication",
     "replication: destination fixture-target must have versioning Enabled"),
    # and nobody watches the replication it does declare
    *{("replication-health-alarmed-within-rpo", "mandatory", "source",
       f"bucket fixture-source replicates but no alarm in us-east-1 watches AWS/S3 {metric} with SourceBucket=fixture-source")
      for metric in ("ReplicationLatency", "OperationsFailedReplication")},
    *{("replication-health-alarmed-within-rpo", "mandatory", "(stack)",
       f"tier {tier}: no alarm on the replication of its data names it (alarm tag `tiers`)")
      for tier in ("Critical", "High", "Medium", "Low")},
}
ADVISORY_ONLY = {("resources-tagged", "advisory", "key", "missing tags: service, tier, environment")}


def check_json(capsys, program: str, *extra: str) -> tuple[int, dict]:
    status = main(["check", "--stack", "test", "--program", str(PROGRAMS / program), "--json", "-", *extra])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("program", "extra", "status", "expected"), [
    ("compliant", (), 0, set()),
    ("compliant", ("--config", "dropTags=true"), 0, ADVISORY_ONLY),
    ("exposed_database", (), 1, EXPOSED_DATABASE),
    ("unguarded_bucket", (), 1, UNGUARDED_BUCKET),
    ("broken_failover", (), 1, BROKEN_FAILOVER),
], ids=["compliant", "advisory-only", "exposed-database", "unguarded-bucket", "broken-failover"])
def test_fixture_programs_give_the_expected_status_and_violations(capsys, program, extra, status, expected):
    code, document = check_json(capsys, program, *extra)
    assert code == status
    assert {(v["policy"], v["level"], v["resource"], v["message"]) for v in document["violations"]} == expected
    assert len(document["violations"]) == len(expected)  # nothing reported twice
    mandatory = sum(1 for v in expected if v[1] == "mandatory")
    assert document["summary"] == {
        "policies": len(pack_policies()), "violations": len(expected), "mandatory": mandatory,
        "advisory": len(expected) - mandatory, "policiesViolated": len({v[0] for v in expected}), "passed": mandatory == 0,
    }
    assert document["schema"] == SCHEMA and document["stack"] == "test"


def test_violations_carry_the_resource_urn_and_type(capsys):
    _code, document = check_json(capsys, "exposed_database")
    db = next(v for v in document["violations"] if v["policy"] == "rds-storage-encrypted")
    assert db["urn"] == "urn:pulumi:test::policy-fixture-exposed-database::aws:rds/instance:Instance::db"
    assert db["type"] == "aws:rds/instance:Instance"
    stack_wide = next(v for v in document["violations"] if v["resource"] == "(stack)")
    assert stack_wide["urn"] is None


def test_a_failing_program_prints_a_readable_table_and_summary(capsys):
    status = main(["check", "--stack", "test", "--program", str(PROGRAMS / "exposed_database")])
    out = capsys.readouterr().out
    assert status == 1
    header = next(line for line in out.splitlines() if "policy" in line and "message" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == ["policy", "level", "resource", "message"]
    assert "rds-not-publicly-accessible" in out and "publiclyAccessible must not be true" in out
    assert out.rstrip().splitlines()[-1] == (
        f"policy-fixture-exposed-database/test: FAILED - {len(pack_policies())} policies, 14 mandatory and 1 advisory violations (13 policies violated)"
    )


def test_a_passing_program_prints_only_the_summary(capsys):
    assert main(["check", "--stack", "test", "--program", str(PROGRAMS / "compliant")]) == 0
    assert capsys.readouterr().out == (
        f"policy-fixture-compliant/test: passed - {len(pack_policies())} policies, 0 mandatory and 0 advisory violations (0 policies violated)\n"
    )


def test_json_to_a_file_is_written_beside_the_table(capsys, tmp_path):
    target = tmp_path / "check.json"
    assert main(["check", "--stack", "test", "--program", str(PROGRAMS / "exposed_database"), "--json", str(target)]) == 1
    assert f"check document written to {target}" in capsys.readouterr().out
    assert json.loads(target.read_text())["summary"]["mandatory"] == 14


@pytest.mark.parametrize(("argv", "error"), [
    (["--stack", "nope"], "drctl: error: --stack = nope: one of the stacks of"),
    (["--stack", "test", "--json", "/no/such/dir/x.json"], "drctl: error: --json = /no/such/dir/x.json: a path in an existing directory, or - for standard output"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, error):
    status = main(["check", "--program", str(PROGRAMS / "compliant"), *argv])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(error) and err.count("\n") == 1


def test_a_bad_setting_of_the_project_is_exit_2(capsys):
    assert main(["check", "--stack", "dr", "--config", "database.backupRetentionDays=90"]) == 2
    assert capsys.readouterr().err == "drctl: error: aivo-dr:database.backupRetentionDays = 90: an integer from 1 to 35\n"


def test_check_all_checks_both_stacks_in_standby_and_failover_in_one_run(capsys, tmp_path: Path) -> None:
    target = tmp_path / "check.json"
    assert main(["check", "--all", "--json", str(target)]) == 0
    lines = capsys.readouterr().out.splitlines()
    policies = len(pack_policies())
    states = ("primary", "primary activeRegion=us-west-2", "dr", "dr failover=true")
    assert lines == [
        f"aivo-dr/{state}: passed - {policies} policies, 0 mandatory and 0 advisory violations (0 policies violated)"
        for state in states
    ] + ["4 states checked: all passed", f"check document written to {target}"]
    document = json.loads(target.read_text())
    assert document["schema"] == "aivo-dr/check-all@1"
    assert [(s["state"], s["stack"], s["config"], s["summary"]["passed"]) for s in document["states"]] == [
        ("primary", "primary", [], True),
        ("primary activeRegion=us-west-2", "primary", ["activeRegion=us-west-2"], True),
        ("dr", "dr", [], True),
        ("dr failover=true", "dr", ["failover=true"], True),
    ]
    assert document["summary"] == {"states": 4, "passed": True}


def test_check_all_of_another_program_checks_each_of_its_stacks_and_fails_on_one(capsys) -> None:
    assert main(["check", "--all", "--program", str(PROGRAMS / "exposed_database")]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "1 states checked: FAILED: test"


@pytest.mark.parametrize(("args", "message"), [
    (["check", "--all", "--stack", "dr"], "drctl: error: --all: alone: it checks every stack and state itself (drop --stack and --config)"),
    (["check"], "drctl: error: --stack: required (or --all for every stack and state)"),
])
def test_check_all_usage_errors_are_one_line(capsys, args: list[str], message: str) -> None:
    assert main(args) == 2
    assert capsys.readouterr().err.strip() == message


def test_json_to_a_directory_is_refused_before_any_check(capsys, tmp_path):
    status = main(["check", "--stack", "test", "--program", str(PROGRAMS / "exposed_database"), "--json", str(tmp_path)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == f"drctl: error: --json = {tmp_path}: a file path, not a directory, or - for standard output\n"


FORKED_CHECK = """
import os, sys
from drctl.commands import check
from drctl.engine.planner import Planner
PARENT, checked = os.getpid(), check._check_state
def told(state, source):
    result = checked(state, source)
    print(f"{state.label}: {'parent' if os.getpid() == PARENT else 'fork'}", flush=True)
    return result
check._check_state = told
states = [check.State("primary"), check.State("dr", ("database.backupRetentionDays=90",)),
          check.State("primary", ("activeRegion=us-west-2",))]
try:
    check.check_states(states, Planner())
except Exception as error:
    print(f"{type(error).__name__}: {error}")
"""


def test_check_all_forks_after_the_first_plan_and_a_failed_fork_fails_as_a_serial_run() -> None:
    """In a single-threaded process with two CPUs or more, the states after the first are planned by forks (with
    one, by the process itself); a state that fails in a fork is planned again by the parent, which raises the very error a serial run raises (a subprocess:
    pytest's own threads, under xdist, make the command plan serially)."""
    run = subprocess.run([sys.executable, "-c", FORKED_CHECK], capture_output=True, text=True, cwd=ROOT, check=True)
    lines = run.stdout.splitlines()
    assert lines[0] == "primary: parent"
    assert sorted(lines[1:]) == [
        "SettingsProblem: aivo-dr:database.backupRetentionDays = 90: an integer from 1 to 35",
        f"primary activeRegion=us-west-2: {'fork' if usable_cpus() > 1 else 'parent'}",
    ]
