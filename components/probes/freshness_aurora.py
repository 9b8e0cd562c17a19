"""The freshness probe in database.drMode aurora-global: the DR database is a cluster, not an instance.

Shipped beside freshness.py (whose measurements it reuses unchanged) only in that mode, with the handler
freshness_aurora.handler. DatabaseAvailable and, after the detach, RestorableAgeSeconds are measured on the secondary
cluster (DescribeDBClusters, dimension DBClusterIdentifier). The primary's replicated instance backups are not
measured: in this mode no instance backups replicate into this region (the secondary cluster is the copy), so that
part is left out, with its alarm (stacks/detection.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import freshness  # type: ignore[import-not-found]  # the sibling module in the function's archive
from freshness import Clients, Config, Metric, capacity, velero_backups  # type: ignore[import-not-found]


def cluster_age(config: Config, clients: Clients, now: datetime) -> Iterator[Metric]:
    cluster = clients("rds").describe_db_clusters(DBClusterIdentifier=config.dr_database)["DBClusters"][0]
    dims = {"DBClusterIdentifier": config.dr_database}
    yield Metric("DatabaseAvailable", dims, 1.0 if cluster.get("Status") == "available" else 0.0)
    if config.mode == "failover" and cluster.get("LatestRestorableTime"):
        yield Metric("RestorableAgeSeconds", dims, max((now - cluster["LatestRestorableTime"]).total_seconds(), 0.0))


MEASUREMENTS = (cluster_age, velero_backups, capacity, freshness.cache)


def measure(config: Config, clients: Clients, now: datetime) -> tuple[list[Metric], list[str]]:
    """freshness.measure over this mode's measurements."""
    return freshness.measure(config, clients, now, MEASUREMENTS)  # type: ignore[no-any-return]


def handler(event: Any, context: Any) -> dict[str, Any]:
    return freshness.serve(MEASUREMENTS)  # type: ignore[no-any-return]
