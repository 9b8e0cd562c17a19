"""`drctl preflight` against moto: the Scenario 4 prerequisites, ready and not ready."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from drctl.cli import main
from drctl.ops.checks import FAIL, PASS, WARN
from drctl.ops.figures import runbook
from drctl.ops.preflight import replica_check, replica_lag_check, source_region
from tests.ops.conftest import table_rows


def test_ready_dr_region_passes(aws_unchanged, capsys) -> None:
    code = main(["preflight", "--primary-region", "us-east-1", "--dr-region", "us-west-2"])
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert code == 0, out
    assert rows == [
        ("dr read replica", PASS, "aivo-production-postgres-dr available in us-west-2, replicating from aivo-production-postgres (us-east-1)"),
        ("replica lag", WARN, "not verifiable here: no ReplicaLag datapoints in the last 15 min"),
        ("automated backup replication", WARN, "not verifiable here: no backups of aivo-production-postgres replicated into us-west-2; "
                                               "the endpoint may lack start_db_instance_automated_backups_replication (moto does)"),
        ("s3 aivo-production-assets replication", PASS, "rule to-dr to aivo-production-assets-us-west-2 (us-west-2), RTC 15 min"),
        ("s3 aivo-production-velero replication", PASS, "rule to-dr to aivo-production-velero-us-west-2 (us-west-2), RTC 15 min"),
        # moto reports every health check as Success: these rows prove the checks exist, not that the endpoints are up.
        ("health check us-east-1", PASS, "https://ingress.us-east-1.example.com/health: 1/1 checkers report Success"),
        ("health check us-west-2", PASS, "https://ingress.us-west-2.example.com/health: 1/1 checkers report Success"),
        ("dns api.aivo.edu", PASS, "PRIMARY and SECONDARY -> ingress.us-west-2.example.com (health-checked)"),
        ("dns app.aivo.edu", PASS, "PRIMARY and SECONDARY -> ingress.us-west-2.example.com (health-checked)"),
        ("dr eks cluster", PASS, rows[9][2]),
        ("node group general", PASS, "ACTIVE, min 1/desired 2/max 20; failover target 3/5/20"),
        ("velero aivo-daily", PASS, rows[11][2]),
        ("velero aivo-weekly", PASS, rows[12][2]),
    ]
    assert rows[9][2].startswith("aivo-dr-eks ACTIVE")
    assert "- ready to fail over" in out


def test_lag_datapoints_are_judged_against_the_strictest_rpo(aws, capsys) -> None:
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "ReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "aivo-production-postgres-dr"}],
        "Timestamp": datetime.now(UTC), "Value": 420.0, "Unit": "Seconds"}])
    assert main(["preflight", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    lag = next(c for c in doc["checks"] if c["check"] == "replica lag")
    assert lag == {"check": "replica lag", "status": FAIL, "detail": "max 420 s over 15 min (limit: Critical RPO 5 min)"}


def test_missing_replica_replication_and_node_group_fail(aws, capsys) -> None:
    s = runbook()
    boto3.client("s3", region_name="us-east-1").delete_bucket_replication(Bucket=s.storage.velero_bucket)
    boto3.client("s3", region_name="us-west-2").put_bucket_versioning(
        Bucket=s.storage.replica_name(s.storage.assets_bucket, "us-west-2"), VersioningConfiguration={"Status": "Suspended"})
    boto3.client("eks", region_name="us-west-2").delete_nodegroup(clusterName="aivo-dr-eks", nodegroupName="general")
    assert main(["preflight", "--replica-identifier", "aivo-production-postgres-dr2"]) == 1
    rows = {r[0]: r[1:] for r in table_rows(capsys.readouterr().out)}
    assert rows["dr read replica"] == (FAIL, "aivo-production-postgres-dr2 not found in us-west-2")
    assert "replica lag" not in rows
    assert rows["s3 aivo-production-velero replication"] == (FAIL, "no replication configuration")
    assert rows["node group general"][0] == FAIL
    assert rows["s3 aivo-production-assets replication"] == (FAIL, "replica aivo-production-assets-us-west-2 has versioning Suspended")


def test_a_promoted_or_foreign_replica_is_not_ready() -> None:
    arn = "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres"
    base = {"DBInstanceStatus": "available", "ReadReplicaSourceDBInstanceIdentifier": arn}
    assert source_region(arn) == "us-east-1"
    assert replica_check(base, "r", "aivo-production-postgres", "us-east-1", "us-west-2").status == PASS
    promoted = replica_check({"DBInstanceStatus": "available"}, "r", "aivo-production-postgres", "us-east-1", "us-west-2")
    assert (promoted.status, promoted.detail) == (FAIL, "r (available) has no replication source: already promoted?")
    foreign = {**base, "ReadReplicaSourceDBInstanceIdentifier": arn.replace("us-east-1", "eu-west-1")}
    assert replica_check(foreign, "r", "aivo-production-postgres", "us-east-1", "us-west-2").status == FAIL
    modifying = {**base, "DBInstanceStatus": "modifying"}
    assert replica_check(modifying, "r", "aivo-production-postgres", "us-east-1", "us-west-2").detail == "r is modifying, not available"
    tiers = runbook().tiers
    assert replica_lag_check(300.0, tiers).status == PASS and replica_lag_check(301.0, tiers).status == FAIL


@pytest.mark.parametrize(("args", "message"), [
    (["--dr-region", "us-east-1"], "--dr-region = us-east-1: a region other than --primary-region (us-east-1)"),
    (["--primary-region", "mars-1"], "--primary-region = mars-1: an AWS region code such as us-east-1 or us-west-2"),
])
def test_bad_input_is_one_line_exit_2(args, message, capsys) -> None:
    assert main(["preflight", *args]) == 2
    assert capsys.readouterr().err == f"drctl: error: {message}\n"
