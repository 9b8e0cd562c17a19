"""The freshness probe in database.drMode aurora-global (components/probes/freshness_aurora.py) against moto's
server: it describes the DR cluster (not an instance), publishes DatabaseAvailable per DBClusterIdentifier (the
dimension its alarm watches), after the detach the cluster's own restorable age, and nothing about instance backups
(none replicate in this mode)."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from drctl.ops.figures import runbook
from stacks.detection import dr_alarms
from stacks.monitoring import probe_environment

PROBES = Path(__file__).resolve().parents[2] / "components" / "probes"


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """freshness_aurora as the function's archive lays it out: beside freshness.py, imported by its bare name."""
    monkeypatch.syspath_prepend(str(PROBES))
    for name in ("freshness", "freshness_aurora"):
        sys.modules.pop(name, None)
    yield importlib.import_module("freshness_aurora")
    for name in ("freshness", "freshness_aurora"):
        sys.modules.pop(name, None)


def settings(failover: bool):  # type: ignore[no-untyped-def]
    s = runbook("dr")
    return s.model_copy(update={"failover": failover, "database": s.database.model_copy(update={"dr_mode": "aurora-global"})})


def clients(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, region_name="us-west-2")


@pytest.mark.parametrize("failover", [False, True])
def test_the_aurora_probe_measures_the_dr_cluster_its_alarms_watch(aws, probe, failover: bool) -> None:  # type: ignore[no-untyped-def]
    s = settings(failover)
    cluster = s.database.replica_identifier
    clients("rds").create_db_cluster(DBClusterIdentifier=cluster, Engine="aurora-postgresql", MasterUsername="aivo_admin",
                                     MasterUserPassword="not-a-secret-1", StorageEncrypted=True)
    config = probe.Config.from_env(probe_environment(s))
    now = datetime.now(UTC)
    metrics, problems = probe.measure(config, clients, now)
    db = [(m.name, m.dimensions) for m in metrics if "DBClusterIdentifier" in m.dimensions or "DBInstanceIdentifier" in m.dimensions]
    # moto reports a new cluster available, with a latest restorable time (now): the detached writer's own backups
    assert db == [("DatabaseAvailable", {"DBClusterIdentifier": cluster})] + (
        [("RestorableAgeSeconds", {"DBClusterIdentifier": cluster})] if failover else [])
    assert [m.value for m in metrics if m.name == "DatabaseAvailable"] == [1.0]
    assert all(m.value < 120 for m in metrics if m.name == "RestorableAgeSeconds")
    assert not any(p.startswith("cluster_age: ") for p in problems)
    # every probe alarm on the database watches exactly what the probe publishes
    watched = sorted((a.metric, tuple(a.dimensions.items())) for a in dr_alarms(s) if a.namespace == probe.freshness.NAMESPACE
                     and ("DBClusterIdentifier" in a.dimensions or "DBInstanceIdentifier" in a.dimensions))
    assert watched == sorted([("DatabaseAvailable", (("DBClusterIdentifier", cluster),))]
                             + ([("RestorableAgeSeconds", (("DBClusterIdentifier", cluster),))] if failover else []))


def test_a_missing_cluster_is_a_problem_line_not_a_made_up_value(aws, probe) -> None:  # type: ignore[no-untyped-def]
    config = probe.Config.from_env(probe_environment(settings(False)))
    metrics, problems = probe.measure(config, clients, datetime.now(UTC))
    assert [m.name for m in metrics if m.name == "DatabaseAvailable"] == []
    assert [p.split(":")[0] for p in problems if p.startswith("cluster_age")] == ["cluster_age"]
    assert "DBClusterNotFound" in next(p for p in problems if p.startswith("cluster_age"))
