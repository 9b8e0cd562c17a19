"""Every alarm watches something that exists: each policy of policies/alarms_exist.py passes the project's own plans
and fails on one mutated field, with the exact message; the held-back plain-pulumi_aws program
(tests/fixtures/policy_programs/foreign_faults_alarms) is refused for a rule id its bucket does not have; the data the
policies read is what the refresh script makes of the source."""

from __future__ import annotations

import copy
import gzip
import importlib.util
import json
from pathlib import Path

import pytest

from drctl.cli import main
from policies import alarms_exist
from tests.helpers.planning import plan
from tests.helpers.policies import UNKNOWN, WEST, mutate, res, violations, with_option

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "tests" / "fixtures" / "policy_programs" / "foreign_faults_alarms"
NAMES = {p.name for p in alarms_exist.POLICIES}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ASSETS_LATENCY = "primary-alarms-assets-replication-latency"


def records(*state: str) -> list:
    return copy.deepcopy(plan(*state).resources)


@pytest.mark.parametrize("state", [("primary",), ("primary", "activeRegion=us-west-2"), ("dr",), ("dr", "failover=true"),
                                   # a mode that adds alarms of its own: Aurora's global lag
                                   ("dr", "database.drMode=aurora-global"), ("primary", "database.drMode=aurora-global")],
                         ids=lambda s: " ".join(s))
def test_the_project_stacks_alarm_only_on_series_that_exist(state: tuple[str, ...]) -> None:
    for policy in alarms_exist.POLICIES:
        assert violations(policy, records(*state)) == [], policy.name


def test_the_global_datastore_lag_alarms_watch_series_that_exist() -> None:
    """cache.drMode global adds one lag alarm per shard, on the shard's first node (CacheClusterId)."""
    from tests.test_failover_flip import _primary_outputs, dr_plan_of

    assert _primary_outputs("global")["cacheGlobalGroupId"]
    standby = dr_plan_of((("cache.drMode", "global"), ("database.multiAz", "true"), ("database.restore", "none"),
                          ("database.storageType", "gp3"), ("peer.useStackReference", "true")), False)
    lag = [r for r in standby.resources if r.type == ALARM and r.inputs.get("metricName") == "GlobalDatastoreReplicationLag"]
    assert [r.inputs["dimensions"] for r in lag] == [{"CacheClusterId": f"aivo-production-redis-dr-{n:04d}-001"} for n in (1, 2, 3)]
    for policy in alarms_exist.POLICIES:
        assert violations(policy, copy.deepcopy(standby.resources)) == [], policy.name


# ---- dimensions name declared resources ---------------------------------------------------------------


def test_a_rule_id_the_source_buckets_replication_does_not_have_is_refused() -> None:
    # The defect of issue 19: the assets alarms watched RuleId to-dr; the assets rule is all-objects-to-dr.
    weak = mutate(records("primary"), ASSETS_LATENCY, "dimensions.RuleId", "to-dr")
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-high-assets-replication-latency: RuleId=to-dr is not a rule of aivo-production-assets's replication "
        "configuration (its enabled rules: all-objects-to-dr)"]


def test_a_destination_the_rule_does_not_replicate_to_is_refused() -> None:
    weak = mutate(records("primary"), ASSETS_LATENCY, "dimensions.DestinationBucket", "aivo-production-velero-us-west-2")
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-high-assets-replication-latency: DestinationBucket=aivo-production-velero-us-west-2 is not where rule "
        "all-objects-to-dr of aivo-production-assets replicates (arn:aws:s3:::aivo-production-assets-us-west-2)"]


def test_a_rule_without_replication_metrics_publishes_nothing_to_alarm_on() -> None:
    weak = records("primary")
    config = next(r for r in weak if r.type == "aws:s3/bucketReplicationConfig:BucketReplicationConfig" and r.name == "assets-replication")
    config.inputs["rules"][0]["destination"]["metrics"]["status"] = "Disabled"
    found = violations(alarms_exist.alarm_dimensions_resolve, weak)
    assert found == [f"alarm aivo-high-assets-{kind}: rule all-objects-to-dr of aivo-production-assets has no replication "
                     "metrics enabled (destination.metrics), so S3 publishes none for it" for kind in ("replication-failed", "replication-latency")]


def test_a_replica_lag_alarm_on_an_instance_nobody_declares_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-database-replica-lag", "dimensions.DBInstanceIdentifier", "aivo-production-postgres-d")
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-critical-database-replica-lag: DBInstanceIdentifier=aivo-production-postgres-d names no RDS instance "
        "(identifier) this stack declares"]


def test_replica_lag_of_an_instance_that_is_not_a_replica_is_refused() -> None:
    # After the flip the DR instance is promoted: a lag alarm left on it would watch a metric RDS stopped publishing.
    weak = records("dr", "failover=true") + [r for r in records("dr") if r.name == "dr-alarms-database-replica-lag"]
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-critical-database-replica-lag: ReplicaLag of aivo-production-postgres-dr, which is not a read replica "
        "(no replicateSourceDb): RDS publishes no lag for it"]


def test_a_dimension_unknown_at_preview_is_reported_not_passed() -> None:
    weak = mutate(records("dr"), "dr-alarms-ingress-health", "dimensions.CanaryName", UNKNOWN)
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-critical-ingress-health: dimensions.CanaryName is unknown at preview, so the resource it names cannot be "
        "verified; build it from settings"]


def test_a_health_check_id_that_comes_from_no_declared_health_check_is_refused() -> None:
    # A literal id (or one from another stack) cannot be checked against anything this stack declares.
    name = "primary-alarms-primary-ingress-health"
    weak = with_option(records("primary"), name, property_dependencies={})
    check_id = next(r for r in weak if r.name == name).inputs["dimensions"]["HealthCheckId"]
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        f"alarm aivo-critical-primary-ingress-health: HealthCheckId={check_id} does not come from a Route53 health check "
        "this stack declares (the alarm's dimensions depend on none)"]


def test_a_health_check_id_unknown_at_preview_resolves_by_the_health_check_it_comes_from() -> None:
    # At a real preview a new health check's id is unknown: the dependency names the one it will be.
    preview = mutate(records("primary"), "primary-alarms-primary-ingress-health", "dimensions.HealthCheckId", UNKNOWN)
    assert [violations(p, preview) for p in alarms_exist.POLICIES] == [[], [], []]


def test_a_custom_metric_on_a_value_its_publisher_does_not_measure_is_refused() -> None:
    # The probe measures the schedule it is configured with (VELERO_SCHEDULE); any other series never exists.
    weak = mutate(records("dr"), "dr-alarms-velero-backup-age", "dimensions.Schedule", "aivo-hourly")
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-critical-velero-backup-age: Schedule=aivo-hourly is not a value its publisher (aivo-dr-freshness-probe) "
        "is configured to measure (its environment), so no AIVO/DR VeleroNewestBackupAgeSeconds series carries it"]


GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def cache_alarm(node: str) -> list:
    group = res(GROUP, "cache", {"replicationGroupId": "grp", "numNodeGroups": 2, "replicasPerNodeGroup": 1}, region=WEST)
    alarm = res(ALARM, "lag", {"name": "lag", "namespace": "AWS/ElastiCache", "metricName": "GlobalDatastoreReplicationLag",
                               "dimensions": {"CacheClusterId": node}, "region": WEST}, region=WEST)
    return [group, alarm]


def test_cache_member_nodes_resolve_to_their_group_as_elasticache_names_them() -> None:
    assert [violations(p, cache_alarm("grp-0002-002")) for p in alarms_exist.POLICIES] == [[], [], []]
    assert violations(alarms_exist.alarm_dimensions_resolve, cache_alarm("grp-0003-001")) == [
        "alarm lag: CacheClusterId=grp-0003-001: grp has 2 shard(s), not 3"]
    assert violations(alarms_exist.alarm_dimensions_resolve, cache_alarm("grp-0001")) == [
        "alarm lag: CacheClusterId=grp-0001 is no member node of an ElastiCache replication group this stack declares "
        "(<group>-<node> or <group>-<shard>-<node>)"]


# ---- the metric and its dimension set are published ---------------------------------------------------


def test_a_metric_the_namespace_does_not_have_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-database-replica-lag", "metricName", "ReplicationLag")
    assert violations(alarms_exist.alarm_metric_published, weak) == [
        "alarm aivo-critical-database-replica-lag: CloudWatch publishes no metric ReplicationLag in AWS/RDS"]


def test_a_dimension_set_cloudwatch_does_not_publish_is_refused() -> None:
    weak = mutate(records("primary"), ASSETS_LATENCY, "dimensions", {"SourceBucket": "aivo-production-assets"})
    assert violations(alarms_exist.alarm_metric_published, weak) == [
        "alarm aivo-high-assets-replication-latency: AWS/S3 ReplicationLatency with dimensions [SourceBucket] is a series "
        "CloudWatch does not publish (it publishes ReplicationLatency with [DestinationBucket, RuleId, SourceBucket])"]


def test_a_custom_namespace_no_function_may_publish_to_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-dr-cluster", "namespace", "AIVO/Probe")
    assert violations(alarms_exist.alarm_metric_published, weak) == [
        "alarm aivo-critical-dr-cluster: namespace AIVO/Probe is neither one CloudWatch publishes "
        "(policies/data/cloudwatch_metrics.json) nor one a function of this stack may put metric data into "
        "(cloudwatch:PutMetricData conditioned on cloudwatch:namespace)"]


def test_a_probe_whose_role_may_not_write_the_namespace_publishes_nothing_there() -> None:
    plan_records = records("dr")
    policy = next(r for r in plan_records if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name.startswith("freshness-probe"))
    document = json.loads(policy.inputs["policy"])
    for statement in document["Statement"]:
        if statement.get("Sid") == "Metrics":
            statement["Condition"]["StringEquals"]["cloudwatch:namespace"] = "AIVO/Other"
    weak = mutate(plan_records, policy.name, "policy", json.dumps(document))
    found = violations(alarms_exist.alarm_metric_published, weak)
    assert len(found) == 7 and found[0] == (
        "alarm aivo-critical-database-available: namespace AIVO/DR is neither one CloudWatch publishes "
        "(policies/data/cloudwatch_metrics.json) nor one a function of this stack may put metric data into "
        "(cloudwatch:PutMetricData conditioned on cloudwatch:namespace)")


# ---- the alarm lives where the metric is published -----------------------------------------------------


def test_a_health_check_alarm_outside_us_east_1_is_refused() -> None:
    weak = mutate(records("primary"), "primary-alarms-primary-ingress-health", "region", "us-west-2")
    assert violations(alarms_exist.alarm_in_metric_region, weak) == [
        "alarm aivo-critical-primary-ingress-health: it is in us-west-2, but AWS/Route53 HealthCheckStatus is published in "
        "us-east-1 (AWS/Route53 metrics are published only there): an alarm reads only its own region's metrics"]


def test_a_replication_alarm_outside_the_source_buckets_region_is_refused() -> None:
    weak = mutate(records("primary"), ASSETS_LATENCY, "region", "us-west-2")
    assert violations(alarms_exist.alarm_in_metric_region, weak) == [
        "alarm aivo-high-assets-replication-latency: it is in us-west-2, but AWS/S3 ReplicationLatency is published in "
        "us-east-1 (the metric is published in the region of SourceBucket=aivo-production-assets): an alarm reads only its "
        "own region's metrics"]


def test_a_replica_lag_alarm_outside_the_replicas_region_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-database-replica-lag", "region", "us-east-1")
    assert violations(alarms_exist.alarm_in_metric_region, weak) == [
        "alarm aivo-critical-database-replica-lag: it is in us-east-1, but AWS/RDS ReplicaLag is published in us-west-2 "
        "(the metric is published in the region of DBInstanceIdentifier=aivo-production-postgres-dr): an alarm reads only "
        "its own region's metrics"]


def test_a_custom_metric_alarm_outside_its_publishers_region_is_refused() -> None:
    weak = mutate(records("dr"), "dr-alarms-dr-cache", "region", "us-east-1")
    assert violations(alarms_exist.alarm_in_metric_region, weak) == [
        "alarm aivo-critical-dr-cache: it is in us-east-1, but AIVO/DR CacheAvailable is published in us-west-2 (its "
        "publisher aivo-dr-freshness-probe runs there): an alarm reads only its own region's metrics"]


# ---- the held-back program -------------------------------------------------------------------------


def check_program(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[tuple[str, str, str]]]:
    status = main(["check", "--stack", "test", "--program", str(PROGRAM), "--json", "-", *extra])
    document = json.loads(capsys.readouterr().out)
    return status, sorted((v["policy"], v["resource"], v["message"]) for v in document["violations"] if v["policy"] in NAMES)


def test_the_held_back_program_is_refused_for_alarms_on_a_rule_its_bucket_does_not_have(capsys: pytest.CaptureFixture[str]) -> None:
    status, found = check_program(capsys)
    assert status == 1
    assert found == [
        (alarms_exist.alarm_dimensions_resolve.name, name, f"alarm foreign-alarms-{name}: RuleId=to-dr is not a rule of "
         "foreign-alarms-source's replication configuration (its enabled rules: replicate-everything)")
        for name in ("replication-failed", "replication-latency")]


def test_the_same_program_watching_its_real_rule_passes_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_program(capsys, "--config", "alarmRuleId=replicate-everything")[1] == []


# ---- the data ------------------------------------------------------------------------------------------


def refresh_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("refresh", ROOT / "scripts" / "refresh-cloudwatch-metrics.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_refresh_reads_metrics_and_their_dimension_sets_from_the_service_model(tmp_path: Path) -> None:
    # The service model's shape (db.json of @aws-cdk/aws-service-spec): metric and dimensionSet entities, joined by
    # usesDimensionSet; namespaces the data file does not list are left out.
    db = {"schema": {
        "metric": {"entities": [{"$id": "1", "name": "HealthCheckStatus", "namespace": "AWS/Route53"},
                                {"$id": "2", "name": "Invocations", "namespace": "AWS/Other"}]},
        "dimensionSet": {"entities": [{"$id": "9", "dimensions": [{"name": "HealthCheckId"}]},
                                      {"$id": "8", "dimensions": [{"name": "B"}, {"name": "A"}]}]},
        "usesDimensionSet": {"forward": {"1": [{"$id": "9"}], "2": [{"$id": "8"}]}},
    }}
    path = tmp_path / "db.json.gz"
    path.write_bytes(gzip.compress(json.dumps(db).encode()))
    script = refresh_script()
    model, digest = script.model(path)
    assert script.published(model, ["AWS/Route53", "AWS/S3"]) == {"AWS/Route53": {"HealthCheckStatus": [["HealthCheckId"]]},
                                                                 "AWS/S3": {}}
    assert len(digest) == 64


def test_the_data_names_its_source_and_every_supplement_and_region_rule_its_aws_page() -> None:
    data = alarms_exist.contracts()
    assert data["source"]["package"] == "@aws-cdk/aws-service-spec" and len(data["source"]["dbSha256"]) == 64
    assert set(data["published"]) == set(data["namespaces"])
    cited = [*data["supplement"]["metrics"], *data["regions"]["fixed"].values(), *data["regions"]["locatedBy"].values()]
    assert [c for c in cited if "https://docs.aws.amazon.com/" not in c["source"]] == []
    # What the stacks alarm on that the console's directory lacks comes from the supplement, nowhere else.
    assert "ReplicaLag" not in data["published"]["AWS/RDS"] and "ReplicationLatency" not in data["published"]["AWS/S3"]
    assert alarms_exist.published()["AWS/RDS"]["ReplicaLag"] == [("DBInstanceIdentifier",)]
