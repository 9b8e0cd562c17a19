"""Benchmark: `drctl check --all` against Checkov, side by side, as whole processes, in one run.

    .venv/bin/python bench/check.py [--runs 7] [--checkov PATH] [--example DIR]

What is compared (median of N runs each, the commands interleaved so that a busy machine slows both alike):
- `drctl check --all`: both stacks planned offline in standby and failover, every policy of the pack;
- `drctl check --all` held to one CPU (`taskset -c 0`, where taskset exists): what the forks after the first
  plan add on a machine with several;
- the same four checks as four `drctl check --stack ...` processes (how `make check` ran before --all);
- Checkov 3.3 on terraform-aws-modules/terraform-aws-rds `examples/cross-region-replica-postgres`
  (20 resources; Checkov checks single resources only);
- Checkov 3.3 on the very resources `drctl check --all` checks: the four plans as Terraform JSON
  (drctl/terraform.py, written once before the timings), in one Checkov run.

Neither Checkov nor the example is a dependency of aivo-dr. Without --checkov, Checkov is installed
into a throw-away virtualenv under the system temp folder (pip, from PyPI); without --example, the
example is cloned with git (depth 1) into the temp folder. The speeds are reported as ratios: seconds
differ several-fold between machines and between sessions on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.gettempdir()) / "aivo-dr-bench"
CHECKOV_VERSION = "checkov>=3.3,<3.4"
EXAMPLE_REPO = "https://github.com/terraform-aws-modules/terraform-aws-rds"
EXAMPLE_DIR = "examples/cross-region-replica-postgres"
STATES = [["--stack", "primary"], ["--stack", "primary", "--config", "activeRegion=us-west-2"],
          ["--stack", "dr"], ["--stack", "dr", "--config", "failover=true"]]


def drctl(*args: str) -> list[str]:
    return [sys.executable, "-m", "drctl", *args]


def checkov_command(checkov: Path, folder: Path, framework: str = "terraform") -> list[str]:
    return [str(checkov), "-d", str(folder), "--framework", framework, "--quiet", "--compact", "-o", "json"]


def ensure_checkov(given: str | None) -> Path:
    if given:
        return Path(given)
    venv = SCRATCH / "checkov-venv"
    checkov = venv / "bin" / "checkov"
    if not checkov.exists():
        print(f"installing {CHECKOV_VERSION} into {venv} (throw-away; needs PyPI: offline, give --checkov PATH, "
              "make bench CHECKOV=PATH)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        if subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", CHECKOV_VERSION], check=False).returncode:
            sys.exit(f"bench/check.py: could not install {CHECKOV_VERSION} from PyPI: offline, give --checkov PATH (make bench CHECKOV=PATH)")
    return checkov


def ensure_example(given: str | None) -> Path:
    if given:
        return Path(given)
    clone = SCRATCH / "terraform-aws-rds"
    if not clone.exists():
        print(f"cloning {EXAMPLE_REPO} into {clone} (throw-away; needs GitHub: offline, give --example DIR, "
              "make bench EXAMPLE=DIR)", file=sys.stderr)
        if subprocess.run(["git", "clone", "--quiet", "--depth", "1", EXAMPLE_REPO, str(clone)], check=False).returncode:
            sys.exit(f"bench/check.py: could not clone {EXAMPLE_REPO}: offline, give --example DIR (make bench EXAMPLE=DIR)")
    return clone / EXAMPLE_DIR


def write_plans() -> Path:
    """The four states' plans as Terraform JSON, one folder each, for Checkov (bench/checkov_gaps.py's format)."""
    sys.path.insert(0, str(ROOT))
    from drctl.engine import run_plan
    from drctl.terraform import terraform_json

    folder = SCRATCH / "plans"
    for number, state in enumerate(STATES):
        stack, overrides = state[1], state[3:]
        (folder / str(number)).mkdir(parents=True, exist_ok=True)
        (folder / str(number) / "main.tf.json").write_text(json.dumps(terraform_json(run_plan(stack, overrides)), default=str))
    return folder


def timed(command: list[str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"bench: {' '.join(command)} exited {done.returncode}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median reported)")
    parser.add_argument("--checkov", help="a checkov executable (default: install one into a throw-away venv)")
    parser.add_argument("--example", help="the example's directory (default: clone terraform-aws-rds)")
    args = parser.parse_args()
    checkov = ensure_checkov(args.checkov)
    example = ensure_example(args.example)
    plans = write_plans()
    cases = {
        "drctl check --all": lambda: timed(drctl("check", "--all")),
        **({"drctl check --all, one CPU": lambda: timed(["taskset", "-c", "0", *drctl("check", "--all")])}
           if shutil.which("taskset") else {}),
        "drctl check, four processes": lambda: sum(timed(drctl("check", *state)) for state in STATES),
        "checkov, terraform-aws-rds example": lambda: timed(checkov_command(checkov, example), ok=(0, 1)),
        "checkov, this project's four plans": lambda: timed(checkov_command(checkov, plans, "terraform_json"), ok=(0, 1)),
    }
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(args.runs):
        for label, run in cases.items():
            times[label].append(run())
    reference = statistics.median(times["checkov, terraform-aws-rds example"])
    print(f"| case | median s | min s | max s | ratio to checkov |  ({args.runs} runs each, interleaved)")
    print("|---|---:|---:|---:|---:|")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"| {label} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | {median / reference:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
