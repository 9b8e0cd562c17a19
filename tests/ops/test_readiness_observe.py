"""`drctl readiness --observe`: the observed replication lag (CloudWatch p99 over 14 days) against moto's server.

moto stores and filters the datapoints and validates the request, but computes no percentile (its
GetMetricStatistics answers ExtendedStatistics with no value): against it, what must hold is the request itself
(namespace, metric, dimensions from the plans, the 14-day window in one period) and that a missing p99 is reported
as not observed, never as zero. The p99 that CloudWatch returns is read through botocore's Stubber, which checks
both the request and the answer against CloudWatch's own service model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import Stubber

import drctl.readiness_observe as observe_module
from drctl.checking import stack_resources
from drctl.readiness_observe import WINDOW, metrics, observe
from policies.recovery import assess, load_figures, read_plan
from tests.helpers.planning import plan

NOW = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


def standby() -> dict:
    return {"primary": plan("primary"), "dr": plan("dr")}


def test_what_is_read_comes_from_the_plans():
    assert [(m.store, m.region, m.namespace, m.name, m.dimensions) for m in metrics(standby())] == [
        ("database", "us-west-2", "AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": "aivo-production-postgres-dr"}),
        ("assets", "us-east-1", "AWS/S3", "ReplicationLatency", {"SourceBucket": "aivo-production-assets",
                                                               "DestinationBucket": "aivo-production-assets-us-west-2",
                                                               "RuleId": "all-objects-to-dr"}),
    ]


def test_against_moto_a_missing_p99_is_not_observed(aws_env):
    cloudwatch = boto3.client("cloudwatch", region_name="us-west-2")
    cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "ReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "aivo-production-postgres-dr"}],
         "Timestamp": NOW - timedelta(days=1), "Value": 3.0, "Unit": "Seconds"}])
    observed, missing = observe(standby(), NOW)
    assert observed == {}
    assert missing == [
        "database: no p99 datapoint for ReplicaLag of aivo-production-postgres-dr, p99 over 14 days (CloudWatch AWS/RDS in us-west-2)",
        "assets: no p99 datapoint for ReplicationLatency of aivo-production-assets -> aivo-production-assets-us-west-2 "
        "(rule all-objects-to-dr), p99 over 14 days (CloudWatch AWS/S3 in us-east-1)"]


def stubbed(answers: dict[str, float | None]) -> dict[str, object]:
    clients = {}
    for metric in metrics(standby()):
        c = boto3.client("cloudwatch", region_name=metric.region, aws_access_key_id="x", aws_secret_access_key="x")
        stub = Stubber(c)
        value = answers[metric.store]
        stub.add_response("get_metric_statistics",
                          {"Label": metric.name, "Datapoints": [] if value is None else [
                              {"Timestamp": NOW - WINDOW, "ExtendedStatistics": {"p99": value}, "Unit": "Seconds"}]},
                          {"Namespace": metric.namespace, "MetricName": metric.name, "StartTime": NOW - WINDOW, "EndTime": NOW,
                           "Period": 14 * 86400, "ExtendedStatistics": ["p99"],
                           "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions.items()]})
        stub.activate()
        clients[metric.region] = c
    return clients


def test_an_observed_lag_replaces_the_time_to_notice_and_lifts_the_floor(monkeypatch):
    clients = stubbed({"database": 4.5, "assets": 38.0})
    monkeypatch.setattr(observe_module, "client", lambda service, region: clients[region])
    observed, missing = observe(standby(), NOW)
    assert missing == []
    figures = load_figures()
    facts = [read_plan(stack_resources(p), figures) for p in (plan("primary"), plan("dr"), plan("dr", "failover=true"))]
    before, after = assess(facts, figures), assess(facts, figures, observed)
    medium_before, medium_after = before.tiers[2].rpo, after.tiers[2].rpo
    assert (medium_before.computed, medium_before.kind) == (300, "notice")
    # 4.5 s observed: below the 5-minute floor the alarm's time to notice imposed.
    assert (medium_after.computed, medium_after.kind) == (4.5, "observed")
    # RTC is an enforced bound: it stands, the observation is shown beside it.
    assets = next(s for s in after.tiers[1].stores if s.store == "assets")
    assert (assets.seconds, assets.kind) == (900, "bound") and assets.source.endswith(
        "observed: ReplicationLatency of aivo-production-assets -> aivo-production-assets-us-west-2 (rule all-objects-to-dr), "
        "p99 over 14 days (CloudWatch AWS/S3 in us-east-1): 38 s")


def test_the_command_reports_what_it_could_not_observe_and_keeps_the_time_to_notice(aws_env, capsys, monkeypatch):
    import json

    from tests.helpers.cli import drctl

    result = drctl(capsys, "readiness", "--stack", "dr", "--observe", "--json", "-")
    doc = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert [n for n in doc["notes"] if n.startswith("not observed: ")] == [
        "not observed: database: no p99 datapoint for ReplicaLag of aivo-production-postgres-dr, p99 over 14 days (CloudWatch AWS/RDS in us-west-2)",
        "not observed: assets: no p99 datapoint for ReplicationLatency of aivo-production-assets -> aivo-production-assets-us-west-2 "
        "(rule all-objects-to-dr), p99 over 14 days (CloudWatch AWS/S3 in us-east-1)"]
    assert (doc["tiers"][2]["rpo"]["computedSeconds"], doc["tiers"][2]["rpo"]["kind"]) == (300, "notice")
