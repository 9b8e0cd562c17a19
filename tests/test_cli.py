"""drctl as a user runs it: exit status, one-line errors on stderr, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def drctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_plan_json_to_stdout_is_the_document() -> None:
    result = drctl("plan", "--stack", "dr", "--json", "-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/plan@1" and doc["stack"] == "dr"


def test_plan_prints_tree_counts_and_summary(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    result = drctl("plan", "--stack", "primary", "--json", str(target))
    assert result.returncode == 0, result.stderr
    assert "aivo-dr/primary" in result.stdout
    assert "Resources per type" in result.stdout and "Resources per region" in result.stdout
    assert "aws:ec2/vpc:Vpc primary-network-vpc (us-east-1)" in result.stdout
    assert json.loads(target.read_text())["stack"] == "primary"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "--stack", "staging"), "drctl: error: --stack = staging: one of the stacks of " + str(ROOT) + ": dr, primary"),
        (("plan", "--stack", "primary", "--config", "failover=true"),
         "drctl: error: aivo-dr:failover = true: false on the primary stack; failover is set on the dr stack only"),
        (("plan", "--stack", "dr", "--config", "database.backupRetentionDays=90"),
         "drctl: error: aivo-dr:database.backupRetentionDays = 90: an integer from 1 to 35"),
        (("plan", "--stack", "dr", "--config", "nonsense"),
         "drctl: error: --config = nonsense: KEY=VALUE, e.g. failover=true or database.backupRetentionDays=30"),
        (("plan", "--stack", "dr", "--program", "/nonexistent"),
         "drctl: error: --program = /nonexistent: a directory with a Pulumi.yaml"),
        (("plan",), "drctl: error: drctl plan: the following arguments are required: --stack"),
        (("plan", "--stack", "dr", "--json", "/nonexistent/dir/plan.json"),
         "drctl: error: --json = /nonexistent/dir/plan.json: a path in an existing directory, or - for standard output"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...], message: str) -> None:
    result = drctl(*args)
    assert result.returncode == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""
