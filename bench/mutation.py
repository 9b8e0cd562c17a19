"""Benchmark: `make mutation` as a ratio to `make test`, measured side by side on this machine.

    .venv/bin/python bench/mutation.py [--sample N] [--seed S]

Runs, one after the other, `make test` (CI=true, both cores) and a mutation run of N mutants per area on an empty
mutants/ (`python -m drctl.mutation run --sample N`: generating the mutants, mutmut's one recording run of the
suite, the clean run of the sampled mutants' tests, then the mutants on both cores). Reported: the seconds of each,
their ratio, the mutants per minute, and from those the time of a full `make mutation` on an empty mutants/
(the fixed part plus every mutant at the measured rate): an extrapolation, labelled so. A later run re-checks only
the mutants of functions that changed, so it is far shorter.

It moves an existing mutants/ aside to mutants.bench-<time> and leaves the sample's record in
tests/mutation/results.json (restore it with git when it was not meant to change).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
_PROGRESS = re.compile(r"(\d+)/(\d+)\s")


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited {done.returncode}: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return time.monotonic() - start, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    test_seconds, _ = timed(["make", "test"], {**os.environ, "CI": "true"})
    mutants = ROOT / "mutants"
    if mutants.exists():
        mutants.rename(ROOT / f"mutants.bench-{int(time.time())}")
    mutation_seconds, out = timed([str(PY), "-m", "drctl.mutation", "run", "--sample", str(args.sample), "--seed", str(args.seed)])
    totals = [int(m.group(2)) for m in _PROGRESS.finditer(out)]
    saved = json.loads((ROOT / "tests/mutation/results.json").read_text())
    run = sum(c["killed"] + c["missed"] + c["equivalent"] for c in saved["areas"].values())
    total = max(totals) if totals else 0
    print(f"make test: {test_seconds:.0f} s; mutation sample ({run} mutants of {total}): {mutation_seconds:.0f} s, "
          f"{mutation_seconds / test_seconds:.1f}x make test")
    print("a full make mutation on an empty mutants/ (extrapolated, not measured): about "
          f"{mutation_seconds * total / max(run, 1) / test_seconds:.0f}x make test, an upper bound: the sample's fixed "
          "part (generation, the recording run, the clean run) is counted once per sample size here")
    return 0


if __name__ == "__main__":
    sys.exit(main())
