"""Benchmark: wall time of planning and policy-checking both stacks offline, as whole `drctl` processes (median of N runs).

    make bench            # or: .venv/bin/python bench/plan.py --runs 7

Each run is a fresh process, so the figure includes interpreter start-up and imports: what a user waits for.
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

# (label, drctl arguments); {out} is replaced by a scratch file.
CASES = [
    ("plan primary", ["plan", "--stack", "primary", "--json", "{out}"]),
    ("plan dr", ["plan", "--stack", "dr", "--json", "{out}"]),
    ("plan dr failover", ["plan", "--stack", "dr", "--config", "failover=true", "--json", "{out}"]),
    ("check primary", ["check", "--stack", "primary", "--json", "{out}"]),
    ("check dr", ["check", "--stack", "dr", "--json", "{out}"]),
]


def time_once(args: list[str], out: str) -> float:
    command = [sys.executable, "-m", "drctl", *(a.replace("{out}", out) for a in args)]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median reported)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        out = str(Path(scratch) / "out.json")
        for label, case in CASES:
            times = [time_once(case, out) for _ in range(args.runs)]
            rows.append((label, statistics.median(times), min(times), max(times)))
    print(f"| case | median s | min s | max s |  ({args.runs} runs each, whole processes)")
    print("|---|---:|---:|---:|")
    for label, median, low, high in rows:
        print(f"| {label} | {median:.2f} | {low:.2f} | {high:.2f} |")
    plans = sum(r[1] for r in rows[:2])
    checks = sum(r[1] for r in rows[3:5])
    print(f"\nboth stacks planned: {plans:.2f} s; both stacks planned and policy-checked: {checks:.2f} s (medians)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
