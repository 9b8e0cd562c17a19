#!/usr/bin/env python3
"""Regenerate stacks/settings/data/versions.json: the EKS Kubernetes versions and RDS PostgreSQL majors AWS offers.

botocore's service models carry no version enums, so the list comes from the APIs themselves:

    aws eks describe-cluster-versions --region us-east-1 > eks.json
    aws rds describe-db-engine-versions --engine postgres --region us-east-1 > rds.json
    python scripts/refresh_versions.py --eks eks.json --rds rds.json

or straight from boto3 with credentials (`--live`). Versions past their end of extended support are dropped
(EKS refuses to create them); the file records where it came from and when.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "stacks" / "settings" / "data" / "versions.json"


def _day(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d")
    return str(value)[:10]


def eks_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for v in document.get("clusterVersions", []):
        if (v.get("versionStatus") or v.get("status", "")).upper().replace("-", "_") == "UNSUPPORTED":
            continue
        rows.append({"clusterVersion": str(v["clusterVersion"]), "releaseDate": _day(v.get("releaseDate")),
                     "endOfStandardSupportDate": _day(v.get("endOfStandardSupportDate")),
                     "endOfExtendedSupportDate": _day(v.get("endOfExtendedSupportDate"))})
    return sorted(rows, key=lambda r: tuple(int(p) for p in r["clusterVersion"].split(".")))


def postgres_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    majors: dict[str, str] = {}
    for v in document.get("DBEngineVersions", []):
        if v.get("Engine") != "postgres" or v.get("Status", "available") != "available":
            continue
        major = str(v.get("MajorEngineVersion") or str(v["EngineVersion"]).split(".")[0])
        majors[major] = str(v.get("DBParameterGroupFamily") or f"postgres{major}")
    return [{"majorEngineVersion": m, "dbParameterGroupFamily": majors[m]} for m in sorted(majors, key=int)]


def live() -> tuple[dict[str, Any], dict[str, Any]]:
    import boto3

    eks = boto3.client("eks", region_name="us-east-1")
    clusters: list[Any] = []
    for page in eks.get_paginator("describe_cluster_versions").paginate():
        clusters += page["clusterVersions"]
    rds = boto3.client("rds", region_name="us-east-1")
    engines: list[Any] = []
    for page in rds.get_paginator("describe_db_engine_versions").paginate(Engine="postgres"):
        engines += page["DBEngineVersions"]
    return {"clusterVersions": clusters}, {"DBEngineVersions": engines}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eks", type=Path, help="saved output of aws eks describe-cluster-versions")
    parser.add_argument("--rds", type=Path, help="saved output of aws rds describe-db-engine-versions --engine postgres")
    parser.add_argument("--live", action="store_true", help="call the APIs with boto3 instead")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.live:
        eks, rds = live()
        how = "boto3 eks.describe_cluster_versions and rds.describe_db_engine_versions(Engine=postgres), us-east-1"
    elif args.eks and args.rds:
        eks, rds = (json.loads(p.read_text(encoding="utf-8")) for p in (args.eks, args.rds))
        how = f"saved output of aws eks describe-cluster-versions ({args.eks.name}) and aws rds describe-db-engine-versions ({args.rds.name})"
    else:
        parser.error("--eks FILE and --rds FILE, or --live")
    document = {"source": how, "retrieved": datetime.now(UTC).strftime("%Y-%m-%d"),
                "eks": eks_rows(eks), "postgres": postgres_rows(rds)}
    if not document["eks"] or not document["postgres"]:
        print("refresh_versions: no versions found; the file is unchanged", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(document['eks'])} EKS versions, {len(document['postgres'])} PostgreSQL majors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
