"""Checkov over the planned resources of both stacks in both states: the failed checks the coverage table does not explain.

    .venv/bin/python bench/checkov_gaps.py [--checkov /tmp/checkov-venv/bin/checkov] [--keep DIR]
    .venv/bin/python bench/checkov_gaps.py --write-list   # refresh policies/checkov_checks.json from `checkov --list`

Checkov is never a dependency of aivo-dr: install it into a throw-away virtualenv
(`python3 -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov==3.3.30`) and pass its path.
Each state's plan is written as Terraform JSON (drctl/terraform.py) and scanned with `--framework terraform_json`.
A failed check is explained when the table (policies/coverage.py) refuses it with a reason, or names the pack policy
that covers it together with why Checkov's reading differs (a link between resources it cannot see). Everything
else is printed, one line per (check, resource), and counted; the exit status is 0 either way (a measurement).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drctl.terraform import TERRAFORM_TYPES, terraform_json  # noqa: E402
from policies import coverage  # noqa: E402

DEFAULT_CHECKOV = "/tmp/checkov-venv/bin/checkov"
STATES = {"primary": ("primary", []), "primary-activeRegion=us-west-2": ("primary", ["activeRegion=us-west-2"]),
          "dr": ("dr", []), "dr-failover=true": ("dr", ["failover=true"])}
PROVIDERS = ("aws", "kubernetes", "pagerduty")
LIST_COMMAND = "checkov --list --framework terraform"


def checkov_env() -> dict[str, str]:
    # Offline: no Prisma Cloud mapping download (it only adds BC_* ids).
    return {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}


def parse_list(text: str) -> list[tuple[str, str, str, str]]:
    """(id, kind, entity, title) of every Terraform row of `checkov --list` (a Markdown table)."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 8 or not cells[2] or cells[2] == "Id" or set(cells[2]) <= {"-"} or cells[6] != "Terraform":
            continue
        rows.append((cells[2], cells[3], cells[4], cells[5]))
    return rows


def write_list(checkov: str) -> int:
    text = subprocess.run([checkov, "--list", "--framework", "terraform"], capture_output=True, text=True, check=True,
                          env=checkov_env()).stdout
    version = subprocess.run([checkov, "--version"], capture_output=True, text=True, check=True, env=checkov_env()).stdout.strip()
    rows = [r for r in parse_list(text) if r[1] in ("resource", "provider")]
    entities = set(TERRAFORM_TYPES.values()) | set(PROVIDERS)
    checks: dict[str, dict[str, object]] = {}
    for check_id, _kind, entity, title in rows:
        if entity in entities:
            entry = checks.setdefault(check_id, {"id": check_id, "title": title, "entities": []})
            entry["entities"].append(entity)  # type: ignore[union-attr]
    data = {
        "checkov_version": version,
        "command": f"{LIST_COMMAND}  (bench/checkov_gaps.py --write-list)",
        "note": "Every Checkov Terraform check of the entities drctl/terraform.py maps Pulumi types to; "
                "checked_entities lists every entity Checkov has a resource or provider check for.",
        "checks": sorted(checks.values(), key=lambda c: str(c["id"])),
        "checked_entities": sorted({r[2] for r in rows}),
    }
    coverage.CHECKS_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {coverage.CHECKS_FILE.relative_to(ROOT)}: {len(checks)} checks (Checkov {version})")
    return 0


def resource_type(address: str) -> str:
    return address.split(".")[-2] if address.count(".") >= 1 else address


def scan(checkov: str, folder: Path) -> list[tuple[str, str]]:
    """(check id, resource address) of every failed check in `folder`."""
    done = subprocess.run([checkov, "-d", str(folder), "--framework", "terraform_json", "--quiet", "--compact", "-o", "json"],
                          capture_output=True, text=True, env=checkov_env())
    report = json.loads(done.stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    return [(f["check_id"], f["resource"]) for r in reports for f in (r.get("results") or {}).get("failed_checks", [])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", default=DEFAULT_CHECKOV, help=f"a checkov executable (default {DEFAULT_CHECKOV})")
    parser.add_argument("--keep", help="write the Terraform JSON here instead of a temporary folder")
    parser.add_argument("--write-list", action="store_true", help="refresh policies/checkov_checks.json and stop")
    args = parser.parse_args(argv)
    if not Path(args.checkov).exists():
        print(f"checkov_gaps: no checkov at {args.checkov} (see the docstring for a throw-away install)", file=sys.stderr)
        return 2
    if args.write_list:
        return write_list(args.checkov)
    from drctl.engine import run_plan

    explained = coverage.explains()
    unexplained: set[tuple[str, str, str]] = set()
    failed: set[tuple[str, str, str]] = set()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(args.keep or scratch)
        for label, (stack, overrides) in STATES.items():
            folder = base / label
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "main.tf.json").write_text(json.dumps(terraform_json(run_plan(stack, overrides)), indent=1, default=str))
            for check_id, address in scan(args.checkov, folder):
                failed.add((label, check_id, address))
                if not explained.get(check_id):
                    unexplained.add((label, check_id, address))
    by_check: dict[tuple[str, str], list[str]] = {}
    for label, check_id, address in sorted(unexplained):
        by_check.setdefault((check_id, address), []).append(label)
    for (check_id, address), labels in sorted(by_check.items()):
        print(f"{check_id:<12} {address}  [{', '.join(labels)}]")
    distinct_failed = {(c, a) for _, c, a in failed}
    print(f"failed: {len(distinct_failed)} (check, resource) pairs over {len(STATES)} states; "
          f"unexplained by docs/policy-coverage.md: {len(by_check)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
