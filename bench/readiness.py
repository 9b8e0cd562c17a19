"""Benchmark: what readiness adds to `drctl check --all` (the issue's budget: under 10%).

    .venv/bin/python bench/readiness.py [--runs 5]

In one process, as `drctl check --all` runs: the four states are planned once (timed), then the pack is run on
each plan without `tiers-within-objectives`, and that policy alone (medians of N runs). The overhead
is the readiness policy's time over the whole of `drctl check --all` without it (planning + checking); it reads
the plans the check already makes, so it plans nothing of its own. Printed as a table, ratios side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drctl.checking import check_plan, pack_policies  # noqa: E402
from drctl.commands.check import project_states  # noqa: E402
from drctl.engine import run_plan  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    plans = [run_plan(s.stack, list(s.overrides)) for s in project_states(None)]
    planning = time.perf_counter() - start
    every = pack_policies()
    without = [p for p in every if p.name != "tiers-within-objectives"]
    alone = [p for p in every if p.name == "tiers-within-objectives"]
    timings: dict[str, list[float]] = {"alone": [], "without": []}
    for _ in range(args.runs):
        for label, policies in (("without", without), ("alone", alone)):
            begin = time.perf_counter()
            for plan in plans:
                check_plan(plan, policies)
            timings[label].append(time.perf_counter() - begin)
    checking = statistics.median(timings["without"])
    readiness = statistics.median(timings["alone"])
    base = planning + checking
    print(f"| drctl check --all, in one process ({args.runs} runs of the checks) | seconds | share |")
    print("|---|---:|---:|")
    print(f"| planning the four states (once) | {planning:.2f} | {planning / base:.0%} |")
    print(f"| the pack without tiers-within-objectives | {checking:.2f} | {checking / base:.0%} |")
    print(f"| tiers-within-objectives (readiness) | {readiness:.3f} | +{readiness / base:.1%} |")
    print(f"| ratio with / without readiness | {(base + readiness) / base:.3f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
