"""Measure: how many public Pulumi AWS programs (pulumi/examples, `aws-py-*`) `drctl plan` plans.

    .venv/bin/python bench/examples.py --examples /path/to/pulumi-examples   # an existing checkout
    .venv/bin/python bench/examples.py --clone                               # clones it into a temp folder
    .venv/bin/python bench/examples.py --examples DIR --engine /other/checkout   # another checkout's engine

The programs are the Python AWS programs of pulumi/examples that need only the SDKs drctl installs
(pulumi, pulumi_aws 7, pulumi_eks, pulumi_kubernetes: no extra pip package, no Docker build), each with
the config its README or Pulumi.yaml template gives. Each is copied into a scratch folder outside this
repository, given a stack file of its own (`Pulumi.bench.yaml`, empty; the config is passed with
`--config`) and planned by a whole `drctl plan` process, as a user would run it. Nothing of the
examples is kept. Not a test and not a dependency: a measurement for the engine's changes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/pulumi/examples"
STACK = "bench"

# (directory in pulumi/examples, config as `--config` values). The first group is the twelve top-level
# `aws-py-*` programs whose requirements are only pulumi and pulumi-aws; the second, the programs nested in
# multi-project examples (or with a pyproject.toml) that need nothing more either.
ISSUE_SET: list[tuple[str, list[str]]] = [
    ("aws-py-apigateway-lambda-serverless", ["aws:region=us-east-2"]),
    ("aws-py-apigatewayv2-eventbridge", ["aws:region=us-west-2"]),
    ("aws-py-apigatewayv2-http-api-quickcreate", ["aws:region=us-east-2"]),
    ("aws-py-eks", ["aws:region=us-east-2"]),
    ("aws-py-redshift-glue-etl", [
        "aws:region=us-west-2", "clusterIdentifier=my-redshift-cluster", "clusterNodeType=ra3.xlplus",
        "clusterDBName=dev", "clusterDBUsername=admin", "clusterDBPassword=Bench-Passw0rd", "glueDBName=my-glue-db",
    ]),
    ("aws-py-resources", ["aws:region=us-east-2"]),
    ("aws-py-s3-folder", ["aws:region=us-west-2"]),
    ("aws-py-secrets-manager", ["aws:region=us-east-1"]),
    ("aws-py-serverless-raw", ["aws:region=us-east-2"]),
    ("aws-py-static-website", ["aws:region=us-west-2", "targetDomain=www.example.com", "pathToWebsiteContents=./www"]),
    ("aws-py-stepfunctions", ["aws:region=us-east-2"]),
    ("aws-py-webserver", ["aws:region=us-west-2"]),
]
NESTED_SET: list[tuple[str, list[str]]] = [
    ("aws-py-assume-role/create-role", ["aws:region=us-east-1", "unprivilegedUsername=somebody@pulumi.com"]),
    ("aws-py-assume-role/assume-role", [
        "aws:region=us-east-1", "roleToAssumeARN=arn:aws:iam::123456789012:role/preview-assume-role",
    ]),
    ("aws-py-ecs-instances-autoapi/py-ecs-instance", ["aws:region=us-east-1", "cfg:autoscalingGroupSize=3"]),
    ("aws-py-fargate", ["aws:region=us-east-1"]),
    ("aws-py-stackreference/company", ["companyName=ACME Widget Company"]),
    ("aws-py-stackreference/department", ["departmentName=E-Commerce"]),
    ("aws-py-stackreference/team", [
        "aws:region=us-west-2", "companyStack=organization/aws-py-stackreference-company/bench",
        "departmentStack=organization/aws-py-stackreference-department/bench", "teamName=Frontend Dev",
    ]),
]


def clone(target: Path) -> Path:
    """A sparse, shallow clone of pulumi/examples with only the programs measured here."""
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--filter=blob:none", "--sparse", REPOSITORY, str(target)],
                   check=True)
    folders = sorted({name.split("/")[0] for name, _ in ISSUE_SET + NESTED_SET})
    subprocess.run(["git", "-C", str(target), "sparse-checkout", "set", *folders], check=True)
    return target


def plan_one(source: Path, config: list[str], scratch: Path, engine: Path, timeout: float) -> tuple[bool, str, float]:
    """(planned, one line: resource count or the failure, seconds) for one program, as a whole `drctl plan`."""
    program = scratch / source.name
    shutil.copytree(source, program, ignore=shutil.ignore_patterns("venv", "node_modules", ".git"))
    (program / f"Pulumi.{STACK}.yaml").write_text("config: {}\n")
    out = scratch / f"{source.name}.json"
    command = [sys.executable, "-m", "drctl", "plan", "--stack", STACK, "--program", str(program), "--json", str(out)]
    for value in config:
        command += ["--config", value]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(engine)}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if done.returncode == 0:
        document = json.loads(out.read_text())
        custom = [r for r in document["resources"] if r["custom"] or r["remote"]]
        unknown = sum(1 for r in custom if "[unknown]" in json.dumps(r["inputs"]))
        regions = Counter(r["region"] or "global/none" for r in custom)
        where = ", ".join(f"{region} {count}" for region, count in sorted(regions.items()))
        return True, f"plans: {len(custom)} resources ({where}; {unknown} with unknown inputs)", seconds
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    reason = lines[-1] if lines else f"exit {done.returncode}"
    if len(lines) > 1:
        reason += f"  [{len(lines)} lines on stderr]"
    return False, f"exit {done.returncode}: {reason}", seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--examples", type=Path, help="an existing checkout of pulumi/examples")
    where.add_argument("--clone", action="store_true", help=f"clone {REPOSITORY} into a temp folder (needs network)")
    parser.add_argument("--engine", type=Path, default=ROOT, help="the checkout whose drctl plans (default: this one)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per program")
    parser.add_argument("--only", action="append", default=[], help="plan only these programs (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="drctl-examples-") as temp:
        scratch = Path(temp)
        examples = clone(scratch / "examples") if args.clone else args.examples.resolve()
        totals = []
        for label, programs in (("top-level aws-py programs", ISSUE_SET), ("nested aws-py programs", NESTED_SET)):
            planned = 0
            chosen = [(name, config) for name, config in programs if not args.only or name in args.only]
            if not chosen:
                continue
            print(f"## {label}")
            for name, config in chosen:
                source = examples / name
                if not (source / "Pulumi.yaml").is_file():
                    print(f"| {name} | missing from {examples} |")
                    continue
                work = scratch / "run" / name.replace("/", "+")
                work.mkdir(parents=True)
                ok, line, seconds = plan_one(source, config, work, args.engine.resolve(), args.timeout)
                planned += ok
                print(f"| {name} | {line} | {seconds:.1f} s |", flush=True)
            totals.append(f"{label}: {planned} of {len(chosen)} plan")
        print()
        print("; ".join(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
