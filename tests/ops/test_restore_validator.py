"""The restore test's validation Lambda against a real PostgreSQL: the same checks and verdicts as `drctl
restore-test`, reported to AWS Backup as SUCCESSFUL or FAILED, and an archive that runs without site-packages.

AWS Backup's PutRestoreValidationResult and restore testing are not implemented by the local emulator, so the AWS
side is a recording stand-in here (what the Lambda sends is what is asserted); the data side is real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

from components.probes import restore_validator as rv
from components.restore_testing import PROBES, vendored_files
from drctl.ops.integrity import integrity_checks, load_expectations
from tests.helpers.restore import SCHEMA, USERS, expected_checksum

PLAN_PREFIX = "arn:aws:backup:us-west-2:123456789012:restore-testing-plan:aivo_dr_weekly_restore_test"
RESTORED = "awsbackup-restore-test-0123abcd"


class Backup:
    def __init__(self) -> None:
        self.results: list[dict[str, str]] = []

    def put_restore_validation_result(self, **kwargs: str) -> None:
        self.results.append(kwargs)


class Rds:
    def __init__(self, host: str, port: int) -> None:
        self.endpoint, self.asked = {"Address": host, "Port": port}, []

    def describe_db_instances(self, DBInstanceIdentifier: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        self.asked.append(DBInstanceIdentifier)
        return {"DBInstances": [{"DBInstanceIdentifier": DBInstanceIdentifier, "Endpoint": self.endpoint}]}


class Secrets:
    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803
        assert SecretId == "aivo-production-postgres/master"
        return {"SecretString": json.dumps({"username": "postgres", "password": "", "host": "production.example.com"})}


def pg(dsn: str) -> tuple[str, int, str]:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    return str(params["host"]), int(params.get("port") or 5432), str(params.get("dbname") or "postgres")


def config(dsn: str, expectations: dict[str, Any]) -> rv.Config:
    return rv.Config.from_env({
        "RESTORE_TESTING_PLAN_ARN_PREFIX": PLAN_PREFIX, "SECRET_ID": "aivo-production-postgres/master", "DB_NAME": pg(dsn)[2],
        "EXPECTATIONS": json.dumps(expectations), "PROTECTED_IDENTIFIERS": "aivo-production-postgres,aivo-production-postgres-dr",
        "DB_TLS": "false",  # the test server has no TLS; AWS's instances require it (rds.force_ssl) and get it by default
    })


def completed(identifier: str = RESTORED, plan: str = PLAN_PREFIX + "-1a2b") -> dict[str, str]:
    return {"restoreJobId": "job-1", "status": "COMPLETED", "restoreTestingPlanArn": plan,
            "createdResourceArn": f"arn:aws:rds:us-west-2:123456789012:db:{identifier}"}


def test_a_restore_whose_data_checks_out_is_reported_successful(seeded_pg: str) -> None:
    host, port, _ = pg(seeded_pg)
    backup, rds = Backup(), Rds(host, port)
    want = {f"{SCHEMA}.users": {"min_rows": 3, "checksum": expected_checksum(USERS)}}
    result = rv.validate(completed(), config(seeded_pg, want), backup, rds, Secrets())
    assert rds.asked == [RESTORED]
    assert backup.results == [{"RestoreJobId": "job-1", "ValidationStatus": "SUCCESSFUL", "ValidationStatusMessage":
                               f"rows {SCHEMA}.users: 3 rows (at least 3); checksum {SCHEMA}.users: {expected_checksum(USERS)} matches"}]
    assert result["validationStatus"] == "SUCCESSFUL" and result["instance"] == RESTORED


def test_a_restore_whose_data_does_not_check_out_is_reported_failed(seeded_pg: str) -> None:
    host, port, _ = pg(seeded_pg)
    backup = Backup()
    want = {f"{SCHEMA}.users": {"minRows": 4}, f"{SCHEMA}.invoices": {"minRows": 0}}  # camelCase, as the settings write it
    rv.validate(completed(), config(seeded_pg, want), backup, Rds(host, port), Secrets())
    (result,) = backup.results
    assert result["ValidationStatus"] == "FAILED"
    assert result["ValidationStatusMessage"] == (f"rows {SCHEMA}.users: 3 rows, fewer than the 4 expected; rows {SCHEMA}.invoices: "
                                                 f'relation "{SCHEMA}.invoices" does not exist')


def test_the_checks_are_drctl_restore_tests_row_for_row(seeded_pg: str, tmp_path: Path) -> None:
    """Same expectations file, same database: the Lambda's rows are drctl restore-test's rows (after its host row)."""
    expect = tmp_path / "expect.yaml"
    expect.write_text(f"{SCHEMA}.users: {{min_rows: 2, checksum: {'f' * 32}}}\n{SCHEMA}.missing: {{min_rows: 1}}\n"
                      f"users_by_query_{SCHEMA}: {{min_rows: 0}}\n")
    expectations = load_expectations(expect)
    drctl_rows, _ = integrity_checks(seeded_pg, expectations, allow_other_host=True)
    host, port, _ = pg(seeded_pg)
    lambda_config = config(seeded_pg, {e.table: {"min_rows": e.min_rows, "checksum": e.checksum} for e in expectations})
    lambda_rows = rv.check_database(host, port, "postgres", "", lambda_config)
    assert [(c.check, c.status, c.detail) for c in drctl_rows[1:]] == lambda_rows
    assert [status for _name, status, _detail in lambda_rows] == ["PASS", "FAIL", "FAIL", "FAIL"]


def test_what_is_not_a_completed_test_of_this_plan_is_left_alone_and_production_is_never_checked(seeded_pg: str) -> None:
    host, port, _ = pg(seeded_pg)
    backup, rds = Backup(), Rds(host, port)
    cfg = config(seeded_pg, {"users": {"min_rows": 1}})
    assert "skipped" in rv.validate({**completed(), "status": "RUNNING"}, cfg, backup, rds, Secrets())
    assert "skipped" in rv.validate(completed(plan="arn:aws:backup:us-west-2:123456789012:restore-testing-plan:other"), cfg, backup, rds,
                                    Secrets())
    assert backup.results == [] and rds.asked == []
    rv.validate(completed(identifier="aivo-production-postgres"), cfg, backup, rds, Secrets())
    assert rds.asked == [] and backup.results == [{"RestoreJobId": "job-1", "ValidationStatus": "FAILED", "ValidationStatusMessage":
                                                   "refused to check aivo-production-postgres: not a restored test instance"}]


def test_an_instance_that_does_not_answer_is_a_failed_test_not_a_silent_one(pg_dsn: str) -> None:
    backup = Backup()
    cfg = config(pg_dsn, {"users": {"min_rows": 1}})
    rv.validate(completed(), rv.Config(**{**cfg.__dict__, "connect_timeout": 2}), backup, Rds("127.0.0.1", 1), Secrets())
    (result,) = backup.results
    assert result["ValidationStatus"] == "FAILED" and result["ValidationStatusMessage"].startswith("connect: 127.0.0.1:1: ")

    class Missing(Rds):
        def describe_db_instances(self, DBInstanceIdentifier: str) -> dict[str, Any]:  # noqa: N803
            raise RuntimeError("DBInstanceNotFound: awsbackup-restore-test-0123abcd not found")

    rv.validate(completed(), cfg, backup, Missing("", 0), Secrets())
    assert backup.results[-1]["ValidationStatusMessage"] == (
        f"could not reach {RESTORED} or its credentials: DBInstanceNotFound: awsbackup-restore-test-0123abcd not found")


def test_the_lambda_archive_runs_without_site_packages(seeded_pg: str, tmp_path: Path) -> None:
    """The code archive as the component builds it (the validator, the shared checks, the vendored driver), unpacked
    and run by a Python without site-packages: every import it needs is in the archive (boto3 aside: the runtime's)."""
    root = tmp_path / "archive"
    for path, source in {**vendored_files(), "restore_validator.py": str(PROBES / "restore_validator.py"),
                         "integrity.py": str(PROBES / "integrity.py")}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(Path(source).read_bytes())
    host, port, db = pg(seeded_pg)
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import restore_validator as rv; "
        "cfg = rv.Config.from_env(); print(json.dumps(rv.check_database(sys.argv[2], int(sys.argv[3]), 'postgres', '', cfg)))"
    )
    env = {"PATH": os.environ.get("PATH", ""), "RESTORE_TESTING_PLAN_ARN_PREFIX": PLAN_PREFIX, "SECRET_ID": "s", "DB_NAME": db,
           "DB_TLS": "false", "EXPECTATIONS": json.dumps({f"{SCHEMA}.users": {"min_rows": 3}})}
    done = subprocess.run([sys.executable, "-S", "-c", script, str(root), host, str(port)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[f"rows {SCHEMA}.users", "PASS", "3 rows (at least 3)"]]
