"""Benchmark: `drctl check --all` against Checkov, side by side, as whole processes, in one run.

    .venv/bin/python bench/check.py [--runs 7] [--checkov PATH] [--example DIR] [--base REF]

What is compared (median of N runs each, the commands interleaved so that a busy machine slows both alike):
- `drctl check --all` with a cold plan cache (an empty cache folder each run: every state planned, and stored);
- `drctl check --all` with a warm plan cache (the plans read back: what a second command, or the PR job after
  `drctl plan --all --out`, pays);
- with --base REF: `drctl check --all` of that commit (a throw-away worktree run with this venv), the command as it
  was before the plan cache: the cold cache must be no slower than it;
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
    from drctl.engine.planner import Planner
    from drctl.engine.saved import cache_from_environment
    from drctl.terraform import terraform_json

    source = Planner(cache=cache_from_environment())

    folder = SCRATCH / "plans"
    for number, state in enumerate(STATES):
        stack, overrides = state[1], state[3:]
        (folder / str(number)).mkdir(parents=True, exist_ok=True)
        (folder / str(number) / "main.tf.json").write_text(json.dumps(terraform_json(source.plan(stack, overrides)), default=str))
    return folder


def timed(command: list[str], ok: tuple[int, ...] = (0,), cwd: Path = ROOT, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"bench: {' '.join(command)} exited {done.returncode}")
    return elapsed


def cold() -> float:
    """`drctl check --all` with an empty plan cache of its own."""
    with tempfile.TemporaryDirectory(prefix="aivo-dr-cold-cache-") as folder:
        return timed(drctl("check", "--all"), env={"AIVO_DR_PLAN_CACHE": folder})


def base_worktree(ref: str) -> Path:
    folder = SCRATCH / f"base-{ref.replace('/', '_')}"
    if not folder.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median reported)")
    parser.add_argument("--checkov", help="a checkov executable (default: install one into a throw-away venv)")
    parser.add_argument("--example", help="the example's directory (default: clone terraform-aws-rds)")
    parser.add_argument("--base", help="a commit whose `drctl check --all` to time beside (e.g. the one before the plan cache)")
    args = parser.parse_args()
    checkov = ensure_checkov(args.checkov)
    example = ensure_example(args.example)
    plans = write_plans()
    warm = SCRATCH / "warm-cache"
    subprocess.run(drctl("check", "--all"), cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "AIVO_DR_PLAN_CACHE": str(warm)})
    base = base_worktree(args.base) if args.base else None
    cases = {
        "drctl check --all, cold cache": cold,
        "drctl check --all, warm cache": lambda: timed(drctl("check", "--all"), env={"AIVO_DR_PLAN_CACHE": str(warm)}),
        **({f"drctl check --all at {args.base}": lambda: timed(drctl("check", "--all"), cwd=base)} if base else {}),
        **({"drctl check --all, cold cache, one CPU": lambda: timed(["taskset", "-c", "0", *drctl("check", "--all", "--no-cache")])}
           if shutil.which("taskset") else {}),
        "checkov, terraform-aws-rds example": lambda: timed(checkov_command(checkov, example), ok=(0, 1)),
        "checkov, this project's four plans": lambda: timed(checkov_command(checkov, plans, "terraform_json"), ok=(0, 1)),
    }
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(args.runs):
        for label, run in cases.items():
            times[label].append(run())
    reference = statistics.median(times["checkov, this project's four plans"])
    print(f"| case | median s | min s | max s | ratio to checkov on the four plans |  ({args.runs} runs each, interleaved)")
    print("|---|---:|---:|---:|---:|")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"| {label} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | {median / reference:.2f} |")
    if base:
        ratio = statistics.median(times["drctl check --all, cold cache"]) / statistics.median(times[f"drctl check --all at {args.base}"])
        print(f"cold cache / {args.base}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
