"""database.drMode aurora-global: both stacks in both states, the one-flip failover (a detach), the RPO bound, the
settings it refuses, and the runner's statement. The default (rds-replica) plans declare none of it."""

from __future__ import annotations

import copy
import json

import pytest

from drctl.checking import check_plan
from drctl.diffing import diff_plans
from drctl.engine.plan import SettingsProblem
from policies import catalog
from stacks.aurora_shape import cluster_shape
from stacks.settings.database import Database
from tests.helpers.planning import only, plan

AURORA = "database.drMode=aurora-global"
CLUSTER = "aws:rds/cluster:Cluster"
GLOBAL = "aws:rds/globalCluster:GlobalCluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMS = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
ACCOUNT = "123456789012"
STATES = [("primary", AURORA), ("primary", AURORA, "activeRegion=us-west-2"), ("dr", AURORA), ("dr", AURORA, "failover=true")]


def _params(p, name: str) -> dict[str, str]:
    return {x["name"]: x["value"] for x in only(p, PARAMS, name).inputs["parameters"]}


def test_the_default_plans_declare_no_aurora() -> None:
    for state in (("primary",), ("dr",), ("dr", "failover=true")):
        assert [r.name for r in plan(*state).resources if r.type in (CLUSTER, GLOBAL, INSTANCE, PARAMS)] == []
        assert "databaseGlobalRpoSeconds" not in plan(*state).outputs


def test_the_primary_stack_owns_the_global_cluster_and_the_us_east_1_writer() -> None:
    p = plan("primary", AURORA)
    assert [r.type for r in p.resources if r.type == "aws:rds/instance:Instance"] == []
    g = only(p, GLOBAL)
    assert (g.region, g.protect, g.retain_on_delete) == ("us-east-1", True, True)
    assert g.inputs == {"globalClusterIdentifier": "aivo-production-global", "engine": "aurora-postgresql",
                        "engineVersion": "16.6", "databaseName": "aivo", "storageEncrypted": True,
                        "deletionProtection": True, "region": "us-east-1"}
    c = only(p, CLUSTER, "primary-aurora")
    assert (c.region, c.protect, c.retain_on_delete) == ("us-east-1", True, True)
    assert c.ignore_changes == ["globalClusterIdentifier", "replicationSourceIdentifier"]
    i = c.inputs
    assert (i["clusterIdentifier"], i["engine"], i["engineVersion"], i["globalClusterIdentifier"]) == (
        "aivo-production-postgres", "aurora-postgresql", "16.6", "aivo-production-global")
    assert (i["backupRetentionPeriod"], i["preferredBackupWindow"], i["preferredMaintenanceWindow"]) == (
        30, "03:00-06:00", "sun:07:00-sun:08:00")
    assert (i["storageEncrypted"], i["deletionProtection"], i["skipFinalSnapshot"], i["finalSnapshotIdentifier"]) == (
        True, True, False, "aivo-production-postgres-final")
    assert (i["iamDatabaseAuthenticationEnabled"], i["enabledCloudwatchLogsExports"]) == (True, ["postgresql"])
    assert i["kmsKeyId"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    assert (i["masterUsername"], i["databaseName"], i["masterPasswordWoVersion"]) == ("aivo_admin", "aivo", 1)
    assert "replicationSourceIdentifier" not in i
    assert _params(p, "primary-aurora") == {"rds.force_ssl": "1", "log_statement": "ddl",
                                            "log_min_duration_statement": "1000", "rds.global_db_rpo": "60"}
    assert only(p, PARAMS, "primary-aurora").inputs["family"] == "aurora-postgresql16"
    assert p.outputs["databaseGlobalRpoSeconds"] == 60
    assert p.outputs["databaseGlobalClusterIdentifier"] == "aivo-production-global"
    assert p.outputs["databaseArn"] == f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:aivo-production-postgres"


@pytest.mark.parametrize("state", [("primary", AURORA), ("dr", AURORA), ("dr", AURORA, "failover=true")])
def test_each_cluster_has_a_writer_and_a_reader_in_two_zones(state: tuple[str, ...]) -> None:
    p = plan(*state)
    instances = sorted((r for r in p.resources if r.type == INSTANCE), key=lambda r: r.inputs["promotionTier"])
    assert [r.inputs["promotionTier"] for r in instances] == [0, 1]
    assert len({r.inputs["availabilityZone"] for r in instances}) == 2
    for r in instances:
        assert (r.inputs["instanceClass"], r.inputs["publiclyAccessible"], r.inputs["performanceInsightsEnabled"]) == (
            "db.r6g.large", False, True)
        assert r.inputs["performanceInsightsKmsKeyId"].startswith(f"arn:aws:kms:{r.region}:")


def test_the_dr_cluster_is_a_secondary_named_by_settings_with_its_own_key() -> None:
    p = plan("dr", AURORA)
    c = only(p, CLUSTER, "dr-aurora")
    assert (c.region, c.protect, c.retain_on_delete) == ("us-west-2", True, True)
    assert c.ignore_changes == ["globalClusterIdentifier", "replicationSourceIdentifier"]
    assert c.inputs["globalClusterIdentifier"] == "aivo-production-global"
    assert c.inputs["kmsKeyId"].startswith(f"arn:aws:kms:us-west-2:{ACCOUNT}:key/")
    for absent in ("replicationSourceIdentifier", "masterUsername", "databaseName", "masterPasswordWo"):
        assert absent not in c.inputs
    # Docs recommend the secondary keep the default RPO: it sets none (the primary's bound is the one enforced).
    assert "rds.global_db_rpo" not in _params(p, "dr-aurora")
    assert [r.name for r in p.resources if r.type == GLOBAL] == []
    assert "drReplicatedBackupsArn" not in p.outputs


def test_the_flip_detaches_the_dr_cluster_and_nothing_else_of_the_database() -> None:
    standby, failover = plan("dr", AURORA), plan("dr", AURORA, "failover=true")
    diff = diff_plans(standby, failover)
    cluster = next(c for c in diff.changes if c.type == CLUSTER)
    assert (cluster.name, cluster.action) == ("dr-aurora-cluster", "update")
    assert [(x.path, x.old, x.new, x.forces) for x in cluster.paths] == [
        ("globalClusterIdentifier", "aivo-production-global", None, None)]
    assert only(failover, CLUSTER, "dr-aurora").ignore_changes == ["replicationSourceIdentifier"]
    assert [c.name for c in diff.changes if c.data_store and c.action in ("replace", "delete")] == []
    assert [c.name for c in diff.changes if c.type in (INSTANCE, PARAMS, GLOBAL)] == []
    assert [c.name for c in diff.changes if c.type.startswith("aws:iam/")] == []
    assert [r.urn for r in failover.resources if r.region == "us-east-1"] == []
    assert [i.token for i in failover.invokes if i.region == "us-east-1"] == []
    # the promoted cluster is backed up in us-west-2 (the runbook's weekly plan)
    selection = only(failover, "aws:backup/selection:Selection", "dr-weekly-snapshots")
    assert selection.inputs["resources"] == [f"arn:aws:rds:us-west-2:{ACCOUNT}:cluster:aivo-production-postgres-dr"]


def test_the_secondary_already_carries_what_its_detached_self_has() -> None:
    db = Database.model_validate({"drMode": "aurora-global"})
    logging = {"log_statement": "ddl"}
    member, detached = cluster_shape("secondary", True, db, logging), cluster_shape("secondary", False, db, logging)
    assert member.inputs == detached.inputs and member.instance_inputs == detached.instance_inputs
    assert (member.member, detached.member) == (True, False)


@pytest.mark.parametrize("state", STATES, ids=" ".join)
def test_the_policy_pack_passes_every_aurora_state(state: tuple[str, ...]) -> None:
    assert [(v.policy, v.message) for v in check_plan(plan(*state), catalog.POLICIES) if v.level == "mandatory"] == []


@pytest.mark.parametrize(("stack", "overrides", "message"), [
    ("primary", ("database.auroraEngineVersion=16",),
     'aivo-dr:database.auroraEngineVersion = 16: an Aurora PostgreSQL version major.minor such as "16.6" '
     "(aws rds describe-db-engine-versions --engine aurora-postgresql)"),
    ("primary", ("database.auroraEngineVersion=10.21",),
     'aivo-dr:database.auroraEngineVersion = "10.21": an Aurora PostgreSQL major version 11 or later (Aurora PostgreSQL '
     "10 reached its end of life in January 2023)"),
    ("dr", ("database.auroraInstanceClass=db.t4g.medium",),
     'aivo-dr:database.auroraInstanceClass = "db.t4g.medium": a memory-optimized class (db.r5, db.r6g, db.r6i, db.r7g, '
     "db.r8g or db.x2g family): Aurora global databases do not run on burstable or general-purpose classes"),
    ("primary", ("database.globalRpoSeconds=301",),
     "aivo-dr:database.globalRpoSeconds = 301: 20 to 300: within the Critical tier's RPO (5 min), the strictest of the "
     "tier table"),
    ("primary", ("database.globalClusterIdentifier=aivo-production-postgres",),
     'aivo-dr:database.globalClusterIdentifier = "aivo-production-postgres": a name other than identifier and replicaIdentifier'),
    ("primary", ("activeRegion=us-west-2", "database.failbackPromoted=true"),
     "aivo-dr:database.failbackPromoted = true: false while activeRegion is us-west-2: promote the failback instance "
     "only after activeRegion is back to us-east-1, or both regions take writes"),
    ("primary", ("database.failbackPromoted=true",),
     "aivo-dr:database.failbackPromoted = true: false with database.drMode aurora-global: these steps name RDS "
     "instances; the Aurora failback is the procedure in docs/aurora-global.md"),
    ("dr", ("failover=true", 'peer={"fallback": {"databaseFailbackPromoted": "true"}}'),
     "aivo-dr:failover = true: false once the primary stack's failback instance is the writer "
     "(peer.fallback.databaseFailbackPromoted is true), or both regions take writes"),
    ("primary", ('database={"drMode": "aurora-global", "restore": {"source": "aivo-production-postgres", "identifier": "aivo-pitr"}}',),
     'aivo-dr:database.restore = "aivo-production-postgres": unset with database.drMode aurora-global (point-in-time '
     "recovery of an Aurora cluster is not declared by these stacks yet: aws rds restore-db-cluster-to-point-in-time)"),
])
def test_aurora_settings_are_refused_with_one_line(stack: str, overrides: tuple[str, ...], message: str) -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan(stack, AURORA, *overrides)
    assert str(caught.value) == message


@pytest.mark.parametrize("value", ["19", "2147483648"])
def test_the_rpo_is_bounded_as_aurora_reads_it(value: str) -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan("primary", AURORA, f"database.globalRpoSeconds={value}")
    assert str(caught.value).startswith(f"aivo-dr:database.globalRpoSeconds = {value}: ")


@pytest.mark.parametrize(("stack", "actions", "cluster"), [
    ("primary", ["rds:CreateGlobalCluster", "rds:ModifyGlobalCluster", "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
                 "rds:CreateDBCluster", "rds:RemoveFromGlobalCluster"],
     f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:aivo-production-postgres"),
    ("dr", ["rds:CreateDBCluster", "rds:RemoveFromGlobalCluster"], f"arn:aws:rds:us-west-2:{ACCOUNT}:cluster:aivo-production-postgres-dr"),
])
def test_the_runner_may_create_the_global_cluster_and_detach_the_dr_cluster(stack: str, actions: list[str], cluster: str) -> None:
    parts = json.loads(only(plan(stack, AURORA), "aws:iam/policy:Policy", f"{stack}-runner-parts-policy").inputs["policy"])
    assert [s for s in parts["Statement"] if s["Sid"] == "AuroraGlobalDatabase"] == [{
        "Sid": "AuroraGlobalDatabase", "Effect": "Allow", "Action": actions,
        "Resource": [f"arn:aws:rds::{ACCOUNT}:global-cluster:aivo-production-global", cluster],
        "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"] if stack == "primary" else ["us-west-2"]}},
    }]
    region = cluster.split(":")[3]
    assert [s for s in parts["Statement"] if s["Sid"] == "AuroraClusterParameters"] == [{
        "Sid": "AuroraClusterParameters", "Effect": "Allow", "Action": ["rds:ResetDBClusterParameterGroup"],
        "Resource": [f"arn:aws:rds:{region}:{ACCOUNT}:cluster-pg:{cluster.rsplit(':', 1)[1]}-aurora-postgresql16"],
        "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"] if stack == "primary" else ["us-west-2"]}},
    }]
    assert len(json.dumps(parts, separators=(",", ":"))) < 6144
    default = json.loads(only(plan(stack), "aws:iam/policy:Policy", f"{stack}-runner-parts-policy").inputs["policy"])
    assert [s for s in default["Statement"] if s["Sid"] == "AuroraGlobalDatabase"] == []


ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _alarms(p) -> dict[str, tuple[str, str, dict[str, str], float, str]]:
    return {r.inputs["name"]: (r.inputs["namespace"], r.inputs["metricName"], r.inputs.get("dimensions") or {},
                               r.inputs["threshold"], r.region) for r in p.resources if r.type == ALARM}


def test_aurora_alarms_watch_the_declared_clusters_as_aurora_publishes_them() -> None:
    standby, failover = plan("dr", AURORA), plan("dr", AURORA, "failover=true")
    clusters = {r.inputs["clusterIdentifier"] for r in standby.resources if r.type == CLUSTER}
    alarms = _alarms(standby)
    # Aurora's global lag metrics, in milliseconds, per secondary cluster, in its region; thresholds from the Critical
    # tier's RPO exactly as the rds-replica mode's ReplicaLag alarm (seconds) takes its own: 60 s there, 60,000 ms here.
    replica_lag = _alarms(plan("dr"))["aivo-critical-database-replica-lag"]
    assert replica_lag[:4] == ("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": "aivo-production-postgres-dr"}, 60)
    assert alarms["aivo-critical-database-replica-lag"] == (
        "AWS/RDS", "AuroraGlobalDBReplicationLag", {"DBClusterIdentifier": "aivo-production-postgres-dr"}, 60000, "us-west-2")
    assert alarms["aivo-critical-database-rpo-lag"] == (
        "AWS/RDS", "AuroraGlobalDBRPOLag", {"DBClusterIdentifier": "aivo-production-postgres-dr"}, 60000, "us-west-2")
    rds = {name: a for name, a in alarms.items() if a[0] == "AWS/RDS" or "DBClusterIdentifier" in a[2] or "DBInstanceIdentifier" in a[2]}
    assert sorted(rds) == ["aivo-critical-database-available", "aivo-critical-database-replica-lag", "aivo-critical-database-rpo-lag"]
    assert {a[2]["DBClusterIdentifier"] for a in rds.values()} <= clusters
    assert [n for n, a in _alarms(failover).items() if "DBInstanceIdentifier" in a[2]] == []
    assert [n for n, a in _alarms(failover).items() if a[1].startswith("AuroraGlobalDB")] == []
    assert [n for n, a in _alarms(plan("primary", AURORA, "activeRegion=us-west-2")).items() if "DBInstanceIdentifier" in a[2]] == []


def test_the_aurora_probe_describes_the_dr_cluster() -> None:
    fn = only(plan("dr", AURORA), "aws:lambda/function:Function", "freshness-probe")
    assert fn.inputs["handler"] == "freshness_aurora.handler"
    role = json.loads(only(plan("dr", AURORA), "aws:iam/rolePolicy:RolePolicy", "freshness-probe").inputs["policy"])
    assert [s for s in role["Statement"] if s["Sid"] == "Databases"] == [{
        "Sid": "Databases", "Effect": "Allow", "Action": ["rds:DescribeDBClusters"],
        "Resource": [f"arn:aws:rds:us-west-2:{ACCOUNT}:cluster:aivo-production-postgres-dr"]}]
    assert only(plan("dr"), "aws:lambda/function:Function", "freshness-probe").inputs["handler"] == "freshness.handler"


def test_aurora_lag_alarms_pass_the_alarm_policies_and_fail_on_one_mutated_field() -> None:
    from policies import alarms_exist
    from tests.helpers.policies import mutate, violations

    standby = copy.deepcopy(plan("dr", AURORA).resources)
    for policy in alarms_exist.POLICIES:
        assert violations(policy, standby) == [], policy.name
    # a cluster the stack does not declare (the primary's, another stack's)
    weak = mutate(standby, "dr-alarms-database-rpo-lag", "dimensions.DBClusterIdentifier", "aivo-production-postgres")
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-critical-database-rpo-lag: DBClusterIdentifier=aivo-production-postgres names no Aurora cluster "
        "(clusterIdentifier) this stack declares"]
    # the lag of a detached cluster: Aurora publishes none (the failover plan's cluster with the standby's alarm)
    detached = copy.deepcopy(plan("dr", AURORA, "failover=true").resources)
    weak = detached + [r for r in standby if r.name == "dr-alarms-database-rpo-lag"]
    assert violations(alarms_exist.alarm_dimensions_resolve, weak) == [
        "alarm aivo-critical-database-rpo-lag: AuroraGlobalDBRPOLag of aivo-production-postgres-dr, which is no member of "
        "a global database (no globalClusterIdentifier): Aurora publishes no global lag for it"]
    # the metric lives in the secondary's region
    weak = mutate(standby, "dr-alarms-database-replica-lag", "region", "us-east-1")
    assert violations(alarms_exist.alarm_in_metric_region, weak) == [
        "alarm aivo-critical-database-replica-lag: it is in us-east-1, but AWS/RDS AuroraGlobalDBReplicationLag is published "
        "in us-west-2 (the metric is published in the region of DBClusterIdentifier=aivo-production-postgres-dr): an alarm "
        "reads only its own region's metrics"]
    # a dimension Aurora does not publish the metric with
    weak = mutate(standby, "dr-alarms-database-rpo-lag", "dimensions", {"DBInstanceIdentifier": "aivo-production-postgres-dr-1"})
    assert violations(alarms_exist.alarm_metric_published, weak) == [
        "alarm aivo-critical-database-rpo-lag: AWS/RDS AuroraGlobalDBRPOLag with dimensions [DBInstanceIdentifier] is a "
        "series CloudWatch does not publish (it publishes AuroraGlobalDBRPOLag with [DBClusterIdentifier])"]


def test_the_detach_is_a_step_of_the_failover_and_the_declare_exception_is_aurora_only(tmp_path) -> None:
    from drctl.cli import main
    from stacks.settings.readiness import runbook_exceptions

    out = tmp_path / "readiness.json"
    assert main(["readiness", "--stack", "dr", "--config", AURORA, "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    # the detach (policies/recovery/steps.yaml aurora-detach: 3 min median, 10 min p95, assumed) is a step of the
    # failover's timeline, where it took no time before; Critical is ACCEPTED by the aurora-only declare exception
    assert [(s["p50Seconds"], s["p95Seconds"]) for s in doc["timeline"] if s["step"] == "promote"] == [(180.0, 600.0)]
    assert [(t["tier"], t["verdict"]) for t in doc["tiers"]] == [("Critical", "ACCEPTED"), ("High", "OK"), ("Medium", "OK"), ("Low", "OK")]

    assert [(e.tier, e.objective, e.cause, e.up_to) for e in runbook_exceptions()] == [
        ("Critical", "rpo", "cache", None), ("Critical", "rto", "promote", "55 min")]
    assert [(e.tier, e.objective, e.cause, e.up_to) for e in runbook_exceptions("aurora-global")] == [
        ("Critical", "rpo", "cache", None), ("Critical", "rto", "promote", "55 min"), ("Critical", "rto", "declare", "46 min")]


def test_the_restore_test_is_left_out_of_aurora_mode() -> None:
    # its selection takes RDS instance recovery points and its validator an instance endpoint (docs/aurora-global.md)
    def restore_testing(*state: str) -> list[str]:
        return sorted(r.type for r in plan(*state).resources if "restoreTesting" in r.type or r.name == "restore-testing-validator")

    assert restore_testing("dr", AURORA) == restore_testing("dr", AURORA, "failover=true") == []
    assert restore_testing("dr") == ["aws:backup/restoreTestingPlan:RestoreTestingPlan",
                                     "aws:backup/restoreTestingSelection:RestoreTestingSelection", "aws:lambda/function:Function"]
