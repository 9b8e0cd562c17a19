#!/usr/bin/env python3
"""Regenerate policies/data/cloudwatch_metrics.json: the metrics CloudWatch publishes for the namespaces the stacks alarm on.

Source: the CloudWatch console's service directory (the metric templates CloudWatch's own console uses), as AWS's CDK
team imports it into its service model: the npm package @aws-cdk/aws-service-spec ships that model as db.json.gz,
with a `metric` entity per (namespace, metric) and a `dimensionSet` entity per dimension set it is published with.
The script fetches the package with `npm pack` (or reads a tarball or db.json.gz given with --from), keeps the
namespaces the data file lists, and rewrites only its `source` and `published` parts: the cited `supplement` (what
AWS documents but the directory lacks) and the `regions` rules are edited by hand in the data file and kept as they are.

    scripts/refresh-cloudwatch-metrics.py                  # the version the data file names
    scripts/refresh-cloudwatch-metrics.py --version latest # a newer model (review the diff)
    scripts/refresh-cloudwatch-metrics.py --from aws-cdk-aws-service-spec-0.1.216.tgz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@aws-cdk/aws-service-spec"
DATA = Path(__file__).resolve().parents[1] / "policies" / "data" / "cloudwatch_metrics.json"
MAX_DB_BYTES = 200 * 1024 * 1024  # the unpacked model is about 60 MB


def fail(message: str) -> None:
    print(f"refresh-cloudwatch-metrics: {message}", file=sys.stderr)
    raise SystemExit(2)


def packed(version: str, workdir: Path) -> tuple[Path, str]:
    """`npm pack` the package into workdir: (tarball, exact version)."""
    spec = f"{PACKAGE}@{version}"
    run = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(workdir)], capture_output=True, text=True,
                         timeout=600, check=False)
    if run.returncode != 0:
        fail(f"npm pack {spec} failed: {run.stderr.strip().splitlines()[-1:] or run.returncode}")
    info = json.loads(run.stdout)[0]
    return workdir / info["filename"], str(info["version"])


def model(path: Path) -> tuple[dict[str, Any], str]:
    """The service model (db.json) from a package tarball or a db.json.gz, and the sha256 of db.json.gz."""
    if path.name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(path) as tar:
            member = tar.extractfile("package/db.json.gz")
            if member is None:
                fail(f"{path} has no package/db.json.gz")
            raw = member.read()
    else:
        raw = path.read_bytes()
    with gzip.open(io.BytesIO(raw)) as stream:
        text = stream.read(MAX_DB_BYTES + 1)
    if len(text) > MAX_DB_BYTES:
        fail(f"{path}: db.json is larger than {MAX_DB_BYTES} bytes")
    return json.loads(text), hashlib.sha256(raw).hexdigest()


def published(db: dict[str, Any], namespaces: list[str]) -> dict[str, dict[str, list[list[str]]]]:
    """namespace -> metric -> its dimension sets (each sorted), for the wanted namespaces."""
    schema = db["schema"]
    sets = {e["$id"]: sorted(d["name"] for d in e["dimensions"]) for e in schema["dimensionSet"]["entities"]}
    uses = schema["usesDimensionSet"]["forward"]
    found: dict[str, dict[str, list[list[str]]]] = {ns: {} for ns in namespaces}
    for metric in schema["metric"]["entities"]:
        if metric["namespace"] not in found:
            continue
        dims = found[metric["namespace"]].setdefault(metric["name"], [])
        for ref in uses.get(metric["$id"], []):
            if sets[ref["$id"]] not in dims:
                dims.append(sets[ref["$id"]])
    return {ns: {m: sorted(d) for m, d in sorted(metrics.items())} for ns, metrics in found.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help=f"the {PACKAGE} version (default: the one the data file names)")
    parser.add_argument("--from", dest="source", type=Path, help="a package tarball or db.json.gz already on disk")
    args = parser.parse_args(argv)
    data = json.loads(DATA.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        if args.source:
            path, version = args.source, args.version or data["source"]["version"]
        else:
            path, version = packed(args.version or data["source"]["version"], Path(tmp))
        db, digest = model(path)
    data["source"] = {**data["source"], "version": version, "dbSha256": digest}
    data["published"] = published(db, data["namespaces"])
    absent = [ns for ns, metrics in data["published"].items() if not metrics]
    DATA.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"wrote {DATA.name}: {PACKAGE}@{version}, {sum(len(m) for m in data['published'].values())} metrics in "
          f"{len(data['namespaces']) - len(absent)} namespaces" + (f"; not in the source: {', '.join(absent)}" if absent else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
