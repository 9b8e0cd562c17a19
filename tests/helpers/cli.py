"""drctl as a user runs it, in-process (the same `main` the console script calls) or as a real process."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from drctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def drctl(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run `drctl ARGS` in this process: exit status and what it printed."""
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return Result(status, out, err)


def drctl_process(*args: str, timeout: int = 180) -> Result:
    """Run the installed `drctl` entry point as its own process (the smoke test of each command)."""
    done = subprocess.run([str(Path(sys.executable).parent / "drctl"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    return Result(done.returncode, done.stdout, done.stderr)
