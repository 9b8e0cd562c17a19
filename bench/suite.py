"""Benchmark: the test suite's wall time, this checkout against an earlier commit, side by side in one run.

    .venv/bin/python bench/suite.py --base 20ff4c0 [--runs 2] [--head-args="-n auto"] [-- PYTEST ARGS]

The earlier commit is checked out into a temporary git worktree and both suites run with this checkout's
virtualenv (every pin of the base's requirements.lock must be in this one, at the same version; a base
with other pins is refused), each importing its own code (PYTHONPATH). `--head-args` are pytest arguments
for this checkout only: how its `make test` runs it (e.g. `-n auto` with pytest-xdist), against the base
as its own `make test` ran it. Runs are interleaved (base, this, base, this, ...) so a machine
that gets busier slows both alike. The result is a ratio and the 10 slowest tests of each: seconds
alone say little on shared machines.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+) passed")
DURATION = re.compile(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)$")


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def run_suite(tree: Path, pytest_args: list[str]) -> tuple[float, int, list[tuple[float, str]]]:
    """(wall seconds, tests passed, the 10 slowest phases) of one pytest run in `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1"}
    shared = ROOT.parent / "shared" / "data"
    if shared.is_dir():
        env.setdefault("AIVO_DR_VELERO_SCHEMAS", str(shared))  # a worktree elsewhere must not skip the schema tests
    # No -q: the project's addopts has it, and a second one hides the "N passed" summary.
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "--durations=10", *pytest_args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise SystemExit(f"bench: the suite failed in {tree} (exit {done.returncode}):\n{tail}")
    passed = SUMMARY.findall(done.stdout)
    slowest = [(float(m.group(1)), f"{m.group(3)} ({m.group(2)})") for line in done.stdout.splitlines()
               if (m := DURATION.match(line.strip()))]
    return elapsed, int(passed[-1]) if passed else 0, slowest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare with (e.g. the one before a change)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each suite, interleaved (median reported)")
    parser.add_argument("--head-args", default="", help="pytest arguments for this checkout only, e.g. \"-n auto\"")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments for both suites (after --)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    base = git("rev-parse", "--short", args.base)
    pins = {line for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    missing = sorted(line for line in git("show", f"{base}:requirements.lock").splitlines() if "==" in line and line not in pins)
    if missing:
        raise SystemExit(f"bench: {base} pins what this checkout's virtualenv does not have: {', '.join(missing)}")
    head = git("rev-parse", "--short", "HEAD") + (" + changes" if git("status", "--porcelain") else "")
    with tempfile.TemporaryDirectory(prefix="aivo-dr-suite-") as scratch:
        tree = Path(scratch) / "base"
        git("worktree", "add", "--detach", str(tree), base)
        try:
            results: dict[str, list[tuple[float, int, list[tuple[float, str]]]]] = {base: [], head: []}
            for _ in range(args.runs):
                results[base].append(run_suite(tree, args.pytest_args))
                results[head].append(run_suite(ROOT, [*args.head_args.split(), *args.pytest_args]))
        finally:
            git("worktree", "remove", "--force", str(tree))
    medians = {label: statistics.median(r[0] for r in runs) for label, runs in results.items()}
    print(f"| suite | tests | median wall s ({args.runs} run(s), interleaved) | ratio to {base} |")
    print("|---|---:|---:|---:|")
    for label, runs in results.items():
        print(f"| {label} | {runs[-1][1]} | {medians[label]:.1f} | {medians[label] / medians[base]:.2f} |")
    for label, runs in results.items():
        print(f"\n10 slowest of {label} (last run):")
        for seconds, name in runs[-1][2][:10]:
            print(f"  {seconds:6.2f}s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
