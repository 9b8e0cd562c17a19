"""How long an AWS call may wait: the DRCTL_AWS_* limits, refused when bad before any AWS call, and what the docs promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from drctl.cli import main
from drctl.ops.aws import DEFAULTS, Limits, limits
from tests.helpers.restore import DSN_VAR, expect_file, restore_args

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def commands(tmp_path: Path) -> dict[str, list[str]]:
    return {
        "preflight": ["preflight"],
        "backups verify": ["backups", "verify"],
        "restore-test": restore_args(expect_file(tmp_path)),
        "drill run": ["drill", "run", "--scenario", "service-restore", "--yes", "--report", str(tmp_path / "reports")],
    }


@pytest.mark.parametrize("command", ["preflight", "backups verify", "restore-test", "drill run"])
@pytest.mark.parametrize(("var", "value", "allowed"), [
    ("DRCTL_AWS_CONNECT_TIMEOUT", "0", "a number of seconds greater than 0 and at most 60 (default 3)"),
    ("DRCTL_AWS_CONNECT_TIMEOUT", "-1", "a number of seconds greater than 0 and at most 60 (default 3)"),
    ("DRCTL_AWS_READ_TIMEOUT", "soon", "a number of seconds greater than 0 and at most 300 (default 10)"),
    ("DRCTL_AWS_READ_TIMEOUT", "nan", "a number of seconds greater than 0 and at most 300 (default 10)"),
    ("DRCTL_AWS_READ_TIMEOUT", "301", "a number of seconds greater than 0 and at most 300 (default 10)"),
    ("DRCTL_AWS_MAX_ATTEMPTS", "0", "a whole number of attempts from 1 to 10, retries included (default 3)"),
    ("DRCTL_AWS_MAX_ATTEMPTS", "2.5", "a whole number of attempts from 1 to 10, retries included (default 3)"),
    ("DRCTL_AWS_MAX_ATTEMPTS", "11", "a whole number of attempts from 1 to 10, retries included (default 3)"),
])
def test_a_bad_limit_is_one_line_exit_2_before_any_aws_call(command, var, value, allowed, fault_proxy, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv(DSN_VAR, "dbname=aivo user=aivo_admin")
    monkeypatch.setenv(var, value)
    assert main(commands(tmp_path)[command]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"drctl: error: {var} = {value}: {allowed}\n" and captured.out == ""
    assert fault_proxy.seen == [] and not (tmp_path / "reports").exists()


def test_limits_come_from_the_environment(monkeypatch) -> None:
    for var in ("DRCTL_AWS_CONNECT_TIMEOUT", "DRCTL_AWS_READ_TIMEOUT", "DRCTL_AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(var, raising=False)
    assert limits() == DEFAULTS == Limits(connect_timeout=3.0, read_timeout=10.0, max_attempts=3)
    monkeypatch.setenv("DRCTL_AWS_CONNECT_TIMEOUT", "0.5")
    monkeypatch.setenv("DRCTL_AWS_READ_TIMEOUT", "20")
    monkeypatch.setenv("DRCTL_AWS_MAX_ATTEMPTS", "1")
    assert limits() == Limits(connect_timeout=0.5, read_timeout=20.0, max_attempts=1)


def test_the_docs_state_the_worst_case_wait_of_the_defaults() -> None:
    # 3 attempts x (3 s connect + 10 s read) + back-off of at most 0.05 s and 0.1 s between them.
    assert DEFAULTS.worst_case_seconds() == pytest.approx(39.15)
    assert Limits(1.0, 1.0, 2).worst_case_seconds() == pytest.approx(4.05)
    text = DOCS.read_text()
    assert "connect timeout 3 s, read timeout 10 s, 3 attempts" in text
    assert f"{DEFAULTS.worst_case_seconds():.2f} s" in text
