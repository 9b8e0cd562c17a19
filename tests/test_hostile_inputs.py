"""Issue 21: nothing a user, a file or a terminal gives is trusted. Each hostile input (tests/helpers/hostile.py, by
class) ends in exactly one line of error and exit status 2; hostile files run as their own process under a memory and
CPU limit (setrlimit), so a file the code did not bound would be killed by the kernel, not waited on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import ROOT, drctl
from tests.helpers.hostile import CASES, Case, materialise, run_process


@pytest.mark.parametrize("case", CASES, ids=[f"{c.klass}: {c.name}" for c in CASES])
def test_a_hostile_input_is_one_line_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if case.process:
        status, stderr, expected = run_process(case, tmp_path, ROOT)
    else:
        argv, expected = materialise(case, tmp_path)
        result = drctl(capsys, *argv)
        status, stderr = result.returncode, result.stderr
    assert (status, stderr) == (2, f"drctl: error: {expected}\n")


def test_every_class_of_the_issue_has_cases() -> None:
    counts = {klass: sum(c.klass == klass for c in CASES) for klass in ("values", "files", "records", "buckets")}
    assert min(counts.values()) >= 3, counts
    assert len({c.name for c in CASES}) == len(CASES)
