"""Benchmark: the PR workflow's offline job, run locally as the workflow runs it, before and after saved plans.

    .venv/bin/python bench/pr_job.py --before REF [--runs 1] [--base REF] [--skip-suite]

Before: REF's own job (its checkout, in a throw-away worktree with a venv of its own made before timing, as the
workflow's pip cache would have it): `make test` (CI=true), four `drctl check` processes, then
`scripts/pr-readiness.sh BASE` (which makes the base its own venv).
After: this checkout's job: `drctl plan --all --out plans` (every state of the head planned once, into the plan
cache), `make test`, `drctl check --all --plans plans`, `scripts/pr-readiness.sh BASE readiness plans` (the base's
plans by the base's own code, on this venv when the lock file is unchanged).
Each side starts with an empty plan cache of its own (the workflow's actions/cache starts a new pull request cold).
Reported: seconds per step and the ratio after/before of the totals (one machine, side by side, interleaved).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.gettempdir()) / "aivo-dr-bench"
FOUR_CHECKS = [["--stack", "primary"], ["--stack", "primary", "--config", "activeRegion=us-west-2"],
               ["--stack", "dr"], ["--stack", "dr", "--config", "failover=true"]]


def worktree(ref: str) -> Path:
    folder = SCRATCH / f"job-{ref.replace('/', '_')}"
    if not folder.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["make", "setup"], cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder


def step(command: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env})
    if done.returncode not in ok:
        raise SystemExit(f"bench: {' '.join(command)} (in {cwd}) exited {done.returncode}")
    return time.perf_counter() - start


def before(folder: Path, base: str, suite: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="aivo-dr-job-") as scratch:
        env = {"CI": "true", "AIVO_DR_PLAN_CACHE": str(Path(scratch) / "cache")}
        drctl = str(folder / ".venv" / "bin" / "drctl")
        times = {"suite": step(["make", "test"], folder, env) if suite else 0.0}
        times["checks"] = sum(step([drctl, "check", *state, "--json", f"{scratch}/c.json"], folder, env) for state in FOUR_CHECKS)
        times["readiness vs base"] = step(["scripts/pr-readiness.sh", base, f"{scratch}/readiness"], folder, env, ok=(0, 1))
    return times


def after(base: str, suite: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="aivo-dr-job-") as scratch:
        env = {"CI": "true", "AIVO_DR_PLAN_CACHE": str(Path(scratch) / "cache")}
        drctl = str(ROOT / ".venv" / "bin" / "drctl")
        plans = f"{scratch}/plans"
        times = {"plan once": step([drctl, "plan", "--all", "--out", plans], ROOT, env)}
        times["suite"] = step(["make", "test"], ROOT, env) if suite else 0.0
        times["checks"] = step([drctl, "check", "--all", "--plans", plans, "--json", f"{scratch}/c.json"], ROOT, env)
        times["readiness vs base"] = step(["scripts/pr-readiness.sh", base, f"{scratch}/readiness", plans], ROOT, env, ok=(0, 1))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the commit whose job is today's (e.g. the one before saved plans)")
    parser.add_argument("--base", default=None, help="the pull request's base for the readiness step (default: --before's parent)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-suite", action="store_true", help="time the job without its test suite (the other steps only)")
    args = parser.parse_args()
    base = args.base or f"{args.before}^"
    folder = worktree(args.before)
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.runs):
        runs["before"].append(before(folder, base, not args.skip_suite))
        runs["after"].append(after(base, not args.skip_suite))
    totals = {side: statistics.median(sum(r.values()) for r in results) for side, results in runs.items()}
    print(f"| side | steps (median s) | total s |  ({args.runs} runs each, interleaved)")
    print("|---|---|---:|")
    for side, results in runs.items():
        steps = ", ".join(f"{name} {statistics.median(r[name] for r in results):.1f}" for name in results[0])
        print(f"| {side} | {steps} | {totals[side]:.1f} |")
    print(f"after / before: {totals['after'] / totals['before']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
