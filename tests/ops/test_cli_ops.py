"""The installed `drctl` entry point, once per ops command, in a separate process as a user runs it.

Every other CLI case runs in-process through drctl.cli.main; these prove the console script itself works.
"""

from __future__ import annotations

import json

import boto3

from tests.helpers.drill import drill_record, write_record
from tests.helpers.ops import installed_drctl
from tests.helpers.restore import expect_file, restore_args


def test_preflight(aws_unchanged, tmp_path) -> None:
    result = installed_drctl("preflight", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/preflight@1" and doc["ok"] is True
    assert doc["summary"] == {"fail": 0, "pass": 15, "warn": 2, "unreachable": 0}
    assert result.stderr == ""


def test_backups_verify(aws_unchanged, tmp_path) -> None:
    result = installed_drctl("backups", "verify", "--json", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/backups-verify@1" and doc["summary"] == {"fail": 0, "pass": 15, "warn": 1, "unreachable": 0}
    assert result.stderr == ""


def test_restore_test(aws_unchanged, seeded_pg, tmp_path) -> None:
    """The estate is left as found: restore-test deletes the instance it restored (asserted below)."""
    result = installed_drctl(*restore_args(expect_file(tmp_path), "--json", "-"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/restore-test@1" and doc["ok"] is True and doc["target"] == "aivo-restore-test"
    assert result.stderr == ""
    rds = boto3.client("rds", region_name="us-east-1")
    assert "aivo-restore-test" not in [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]


def test_drill_run(aws, tmp_path) -> None:
    result = installed_drctl("drill", "run", "--scenario", "service-restore", "--yes", "--report", "reports", "--poll-seconds", "1",
                             cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (record,) = (tmp_path / "reports").glob("drill-service-restore-*.json")
    assert result.stdout.splitlines()[-1] == (f"drill PASSED; report: reports/{record.stem}.md, reports/{record.stem}.png, reports/{record.name}")
    assert "Traceback" not in result.stderr


def test_drill_report(tmp_path) -> None:
    source = write_record(drill_record(20, 60.0), tmp_path)
    result = installed_drctl("drill", "report", "--from", str(source), "--root-cause", "bad deploy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rebuilt = tmp_path / "drill-region-failover-20261125T100000Z"
    assert json.loads(rebuilt.with_suffix(".json").read_text())["rootCause"] == "bad deploy"
    assert "- Root cause: bad deploy" in rebuilt.with_suffix(".md").read_text()
    assert result.stdout.splitlines()[-1].startswith("drill PASSED; report: ")
