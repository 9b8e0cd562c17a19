"""The ops commands as a user runs them: a separate process, exit status, output, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from drctl.ops.restore import target_conninfo

ROOT = Path(__file__).resolve().parents[2]


def drctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


def test_preflight_json_from_a_separate_process(aws_unchanged) -> None:
    result = drctl("preflight", "--json", env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/preflight@1" and doc["ok"] is True and doc["summary"] == {"fail": 0, "pass": 13, "warn": 2, "unreachable": 0}
    assert "Traceback" not in result.stderr


def test_drill_without_a_terminal_needs_yes() -> None:
    result = drctl("drill", "run", "--scenario", "region-failover")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "drctl: error: --yes: required when standard input is not a terminal: manual steps need an operator's confirmation\n"


def test_the_dsn_is_pointed_at_the_restored_endpoint_only_when_it_names_no_host() -> None:
    endpoint = {"Address": "aivo-restore-test.abc.us-east-1.rds.amazonaws.com", "Port": 5432}
    assert conninfo_to_dict(target_conninfo("dbname=aivo user=aivo_admin", endpoint)) == {
        "dbname": "aivo", "user": "aivo_admin", "host": "aivo-restore-test.abc.us-east-1.rds.amazonaws.com", "port": "5432"}
    assert conninfo_to_dict(target_conninfo("host=127.0.0.1 port=6543 dbname=aivo", endpoint)) == {
        "host": "127.0.0.1", "port": "6543", "dbname": "aivo"}
