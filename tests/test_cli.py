"""drctl as a user runs it: exit status, one-line errors on stderr, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import ROOT, drctl, drctl_process


def test_plan_json_to_stdout_is_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    result = drctl(capsys, "plan", "--stack", "dr", "--json", "-")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "aivo-dr/plan@1" and doc["stack"] == "dr"


def test_plan_prints_tree_counts_and_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    result = drctl(capsys, "plan", "--stack", "primary", "--json", str(target))
    assert result.returncode == 0, result.stderr
    assert "aivo-dr/primary" in result.stdout
    assert "Resources per type" in result.stdout and "Resources per region" in result.stdout
    assert "aws:ec2/vpc:Vpc primary-network-vpc (us-east-1)" in result.stdout
    assert json.loads(target.read_text())["stack"] == "primary"


def test_the_plan_command_as_its_own_process() -> None:
    """Smoke test of the installed entry point: the same document as in-process, exit 0."""
    result = drctl_process("plan", "--stack", "primary", "--json", "-")
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["stack"] == "primary"


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
        (("plan",), "drctl: error: --stack: required (or --all with --out for every stack and state)"),
        (("plan", "--stack", "dr", "--json", "/nonexistent/dir/plan.json"),
         "drctl: error: --json = /nonexistent/dir/plan.json: a path in an existing directory, or - for standard output"),
        (("plan", "--stack", "dr", "--json", str(ROOT)),
         f"drctl: error: --json = {ROOT}: a file path, not a directory, or - for standard output"),
        (("plan", "--stack", "dr", "--json", "/proc/self/plan.json"),
         "drctl: error: --json = /proc/self/plan.json: a file path outside /proc, /sys and /dev, or - for standard output"),
        (("plan", "--stack", "dr", "--json", "/dev/full"),
         "drctl: error: --json = /dev/full: a file path outside /proc, /sys and /dev, or - for standard output"),
        (("plan", "--stack", "dr", "--config", "failover=yes"),
         'drctl: error: aivo-dr:failover = "yes": true or false'),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str) -> None:
    result = drctl(capsys, *args)
    assert (result.returncode, result.stderr, result.stdout) == (2, message + "\n", "")


def test_a_json_target_where_no_file_can_be_created_is_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read-only directory (root ignores permission bits, so the probe's failure is simulated): one line, exit 2,
    and the plan never runs."""
    from drctl import output
    from drctl.engine.planner import Planner

    def refuse(*_args: object, **_kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    def no_plan(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("planned before the --json target was checked")

    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(Planner, "plan", no_plan)
    target = tmp_path / "plan.json"
    result = drctl(capsys, "plan", "--stack", "dr", "--json", str(target))
    assert (result.returncode, result.stderr, result.stdout) == (
        2, f"drctl: error: --json = {target}: a path in a directory drctl can write to (Permission denied), or - for standard output\n", "",
    )
    assert list(tmp_path.iterdir()) == []


def test_the_json_probe_leaves_nothing_behind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from drctl.output import check_json_target

    check_json_target(str(tmp_path / "plan.json"))
    assert list(tmp_path.iterdir()) == []
