"""The freshness probe in database.drMode aurora-global: the DR database is a cluster, not an instance.

Shipped beside freshness.py (whose measurements it reuses unchanged) only in that mode, with the handler
freshness_aurora.handler. DatabaseAvailable and, after the detach, RestorableAgeSeconds are measured on the secondary
cluster (DescribeDBClusters, dimension DBClusterIdentifier). The primary's replicated instance backups are not
measured: in this mode no instance backups replicate into this region (the secondary cluster is the copy), so that
part is left out, with its alarm (stacks/detection.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import freshness  # type: ignore[import-not-found]  # the sibling module in the function's archive
from freshness import Clients, Config, Metric, capacity, publish, velero_backups  # type: ignore[import-not-found]


def cluster_age(config: Config, clients: Clients, now: datetime) -> Iterator[Metric]:
    cluster = clients("rds").describe_db_clusters(DBClusterIdentifier=config.dr_database)["DBClusters"][0]
    dims = {"DBClusterIdentifier": config.dr_database}
    yield Metric("DatabaseAvailable", dims, 1.0 if cluster.get("Status") == "available" else 0.0)
    if config.mode == "failover" and cluster.get("LatestRestorableTime"):
        yield Metric("RestorableAgeSeconds", dims, max((now - cluster["LatestRestorableTime"]).total_seconds(), 0.0))


MEASUREMENTS = (cluster_age, velero_backups, capacity, freshness.cache)


def measure(config: Config, clients: Clients, now: datetime) -> tuple[list[Metric], list[str]]:
    """freshness.measure over this mode's measurements."""
    saved = freshness.MEASUREMENTS
    freshness.MEASUREMENTS = MEASUREMENTS
    try:
        return freshness.measure(config, clients, now)  # type: ignore[no-any-return]
    finally:
        freshness.MEASUREMENTS = saved


def handler(event: Any, context: Any) -> dict[str, Any]:
    import boto3

    config = Config.from_env(os.environ)
    now = datetime.now(UTC)
    metrics, problems = measure(config, lambda service: boto3.client(service, region_name=config.region), now)
    publish(metrics, boto3.client("cloudwatch", region_name=config.region), now)
    for problem in problems:
        print(f"probe: {problem}")
    return {"published": len(metrics), "problems": problems}
