"""Issue 19's policies on the stacks before the fixes and after: each must fail before and pass after.

    .venv/bin/python bench/policies_before_after.py [--before da434cf] [--policy NAME ...]

Before: a throw-away worktree of --before (the stacks as they were), with this checkout's whole `policies/` folder
copied over it (the pack as it is now: its modules, data and sample events), checked with `drctl check --all` from
that tree (its own program, its own drctl, this venv). After: `drctl check --all` here. Printed: per policy, the
mandatory violations in each of the four states, before and after, and the first message before.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ISSUE_19 = ["service-roles-cover-their-services", "runner-covers-declared-types", "iam-actions-and-condition-keys-exist",
            "alarm-metric-published", "alarm-dimensions-name-declared-resources", "alarm-in-metric-region",
            "event-rules-match-their-events", "runner-builds-offline", "runner-image-in-its-region"]


def check_all(tree: Path, scratch: Path, label: str) -> dict:
    out = scratch / f"{label}.json"
    env = {**os.environ, "AIVO_DR_PLAN_CACHE": str(scratch / f"cache-{label}"), "NO_COLOR": "1"}
    subprocess.run([sys.executable, "-m", "drctl", "check", "--all", "--json", str(out)], cwd=tree, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not out.exists():
        raise SystemExit(f"bench: drctl check --all wrote no document in {tree}")
    return json.loads(out.read_text())


def counts(document: dict, policy: str) -> tuple[list[int], str]:
    per_state, first = [], ""
    for state in document["states"]:
        found = [v for v in state["violations"] if v["policy"] == policy and v["level"] == "mandatory"]
        per_state.append(len(found))
        first = first or (found[0]["message"] if found else "")
    return per_state, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="da434cf", help="the commit before issue 19's fixes")
    parser.add_argument("--policy", action="append", default=[], help="a policy to report (default: issue 19's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aivo-dr-before-after-") as folder:
        scratch = Path(folder)
        before_tree = scratch / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before_tree), args.before], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            shutil.rmtree(before_tree / "policies")
            shutil.copytree(ROOT / "policies", before_tree / "policies", ignore=shutil.ignore_patterns("__pycache__"))
            before = check_all(before_tree, scratch, "before")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before_tree)], check=False)
        after = check_all(ROOT, scratch, "after")
    states = [s["state"] for s in after["states"]]
    print(f"states: {', '.join(states)} (mandatory violations per state)")
    print("| policy | before | after | fails before, passes after | first message before |")
    print("|---|---|---|---|---|")
    ok = True
    for policy in args.policy or ISSUE_19:
        b, message = counts(before, policy)
        a, _ = counts(after, policy)
        good = sum(b) > 0 and sum(a) == 0
        ok &= good
        print(f"| {policy} | {'/'.join(map(str, b))} | {'/'.join(map(str, a))} | {'yes' if good else 'NO'} | {message[:160]} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
