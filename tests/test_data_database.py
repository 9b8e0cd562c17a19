"""The database tier: the runbook's figures on the declared instances, the replica's relationships to the
primary, promotion without replacement, failback, point-in-time recovery and the split-brain refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drctl.diffing import diff_plans
from drctl.engine.plan import SettingsProblem
from drctl.output import dump_json
from stacks.database_shape import database_inputs, dr_replicates
from stacks.settings.database import Database, failback_replicates
from tests.helpers.planning import by_urn, only, plan, policy_json

REPOSITORY = Path(__file__).resolve().parent.parent
INSTANCE = "aws:rds/instance:Instance"
KEY = "aws:kms/key:Key"


def declared_key(p, arn: str):
    """The KMS key declared in plan `p` whose ARN is `arn`."""
    keys = [r for r in p.resources if r.type == KEY]
    region = arn.split(":")[3]
    matching = [k for k in keys if k.region == region and k.urn in _arn_index(p).get(arn, set())]
    assert len(matching) == 1, (arn, [k.name for k in keys])
    return matching[0]


def _arn_index(p):
    """Key URN by ARN, from the outputs the engine gave each key (ids derive from the URN)."""
    from drctl.engine.outputs import mock_outputs

    index: dict[str, set[str]] = {}
    for k in (r for r in p.resources if r.type == KEY):
        _, out = mock_outputs(k.type, k.name, {}, k.region, k.urn)
        index.setdefault(out["arn"], set()).add(k.urn)
    return index


# ---- the primary's writer -------------------------------------------------------------------------


def test_primary_writer_carries_the_runbook_backup_figures() -> None:
    db = only(plan("primary"), INSTANCE, "primary-database-instance").inputs
    assert db["identifier"] == "aivo-production-postgres"
    assert db["backupRetentionPeriod"] == 30
    assert db["backupWindow"] == "03:00-06:00"
    assert db["maintenanceWindow"] == "sun:07:00-sun:08:00"
    assert (db["engine"], db["multiAz"], db["publiclyAccessible"]) == ("postgres", True, False)
    assert db["deletionProtection"] is True and db["skipFinalSnapshot"] is False
    assert db["finalSnapshotIdentifier"] == "aivo-production-postgres-final"
    assert db["storageEncrypted"] is True and db["region"] == "us-east-1"
    assert "replicateSourceDb" not in db and "manageMasterUserPassword" not in db


def test_primary_writer_is_encrypted_with_a_rotating_us_east_1_key_it_declares() -> None:
    p = plan("primary")
    db = only(p, INSTANCE, "primary-database-instance")
    key = declared_key(p, db.inputs["kmsKeyId"])
    assert key.region == "us-east-1" and key.inputs["enableKeyRotation"] is True
    assert key.protect and key.retain_on_delete


def test_primary_writer_lives_in_its_vpc_behind_5432_from_the_vpc_cidr_only() -> None:
    p = plan("primary")
    db = only(p, INSTANCE, "primary-database-instance").inputs
    group = only(p, "aws:rds/subnetGroup:SubnetGroup", "primary-database-placement")
    assert db["dbSubnetGroupName"] == group.inputs["name"] == "aivo-production-db-subnet"
    assert group.inputs["subnetIds"] == p.outputs["privateSubnetIds"]
    sg = only(p, "aws:ec2/securityGroup:SecurityGroup", "primary-database-placement")
    assert sg.inputs["vpcId"] == p.outputs["vpcId"]
    assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in sg.inputs["ingress"]] == [(5432, 5432, ["10.10.0.0/16"])]
    params = only(p, "aws:rds/parameterGroup:ParameterGroup", "primary-database-placement")
    assert db["parameterGroupName"] == params.inputs["name"]
    assert params.inputs["family"] == "postgres16"
    assert [(x["name"], x["value"]) for x in params.inputs["parameters"]][0] == ("rds.force_ssl", "1")


def test_master_password_is_write_only_and_secret_and_its_secret_is_replicated_to_us_west_2() -> None:
    p = plan("primary")
    db = only(p, INSTANCE, "primary-database-instance").inputs
    assert db["passwordWo"] == "[secret]" and db["passwordWoVersion"] == 1
    assert "password" not in db
    secret = only(p, "aws:secretsmanager/secret:Secret")
    assert secret.protect and secret.retain_on_delete
    assert declared_key(p, secret.inputs["kmsKeyId"]).region == "us-east-1"
    (replica,) = secret.inputs["replicas"]
    assert replica["region"] == "us-west-2"
    replica_key = declared_key(p, replica["kmsKeyId"])
    assert replica_key.region == "us-west-2" and replica_key.name == "primary-database-secret-dr-kms-key"
    version = only(p, "aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == "[secret]" and version.ignore_changes == ["secretString"]
    assert p.outputs["databaseSecretArnDr"] == secret_arn_in(p, "us-west-2")


def secret_arn_in(p, region: str) -> str:
    return p.outputs["databaseSecretArn"].replace(":us-east-1:", f":{region}:")


@pytest.mark.parametrize(("stack", "overrides"), [("primary", ()), ("dr", ()), ("dr", ("failover=true",)),
                                                  ("primary", ("activeRegion=us-west-2",))])
def test_no_password_reaches_the_plan_in_plain_text(stack: str, overrides: tuple[str, ...]) -> None:
    p = plan(stack, *overrides)
    assert "MockPassw0rd" not in dump_json(p.document())  # the mock GetRandomPassword value
    for r in p.resources:
        for key, value in r.inputs.items():
            if key in ("passwordWo", "password", "secretString", "authToken", "passwords"):
                assert value == "[secret]", f"{r.urn} {key}"


# ---- the DR replica -------------------------------------------------------------------------------------


def test_dr_replica_replicates_the_primarys_arn_with_a_us_west_2_key_and_subnet_group() -> None:
    primary, dr = plan("primary"), plan("dr")
    replica = only(dr, INSTANCE, "dr-database-instance")
    assert replica.inputs["replicateSourceDb"] == primary.outputs["databaseArn"]
    assert primary.outputs["databaseArn"] == "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres"
    key = declared_key(dr, replica.inputs["kmsKeyId"])
    assert key.region == replica.region == "us-west-2" and key.inputs["enableKeyRotation"] is True
    group = only(dr, "aws:rds/subnetGroup:SubnetGroup", "dr-database-placement")
    assert replica.inputs["dbSubnetGroupName"] == group.inputs["name"] and group.region == "us-west-2"
    assert group.inputs["subnetIds"] == dr.outputs["privateSubnetIds"]
    assert replica.inputs["multiAz"] is True and replica.protect and replica.retain_on_delete
    assert replica.inputs["deletionProtection"] is True
    for absent in ("username", "dbName", "engine", "engineVersion", "allocatedStorage", "passwordWo"):
        assert absent not in replica.inputs


def test_dr_replicates_the_primarys_automated_backups_for_30_days_with_its_key() -> None:
    primary, dr = plan("primary"), plan("dr")
    replication = only(dr, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    assert replication.inputs["sourceDbInstanceArn"] == primary.outputs["databaseArn"]
    assert replication.inputs["retentionPeriod"] == 30
    assert replication.region == "us-west-2"
    assert replication.inputs["kmsKeyId"] == only(dr, INSTANCE, "dr-database-instance").inputs["kmsKeyId"]
    assert replication.protect and replication.retain_on_delete


# ---- promotion ---------------------------------------------------------------------------------------------


def test_failover_promotes_the_same_instance_by_removing_only_the_source() -> None:
    standby = only(plan("dr"), INSTANCE, "dr-database-instance")
    promoted = only(plan("dr", "failover=true"), INSTANCE, "dr-database-instance")
    assert promoted.urn == standby.urn
    assert promoted.inputs["identifier"] == standby.inputs["identifier"] == "aivo-production-postgres-dr"
    changed = {k for k in set(standby.inputs) | set(promoted.inputs) if standby.inputs.get(k) != promoted.inputs.get(k)}
    assert changed == {"replicateSourceDb"}
    assert "replicateSourceDb" not in promoted.inputs
    assert (promoted.inputs["multiAz"], promoted.inputs["backupRetentionPeriod"], promoted.inputs["backupWindow"]) == (
        True, 30, "03:00-06:00")
    assert promoted.protect and promoted.retain_on_delete and promoted.inputs["deletionProtection"] is True
    assert (promoted.delete_before_replace, promoted.replace_on_changes) == (False, [])


def test_failover_changes_no_data_store_other_than_the_promotion() -> None:
    before, after = by_urn(plan("dr")), by_urn(plan("dr", "failover=true"))
    data_types = (INSTANCE, KEY, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    for urn, record in before.items():
        if record.type in data_types:
            assert urn in after, f"{urn} would be deleted"
            if record.type != INSTANCE:
                assert after[urn].inputs == record.inputs


@given(
    retention=st.integers(1, 35),
    multi_az=st.booleans(),
    window=st.sampled_from(["03:00-06:00", "01:00-02:00", "22:30-23:30"]),
    instance_class=st.sampled_from(["db.r6g.large", "db.r6g.xlarge"]),
)
def test_standby_and_promoted_inputs_differ_only_in_replication(retention, multi_az, window, instance_class) -> None:
    db = Database(backup_retention_days=retention, multi_az=multi_az, backup_window=window, instance_class=instance_class,
                  maintenance_window="sun:12:00-sun:13:00")
    standby = database_inputs("dr", dr_replicates(False), db)
    promoted = database_inputs("dr", dr_replicates(True), db)
    assert (standby.replicates, promoted.replicates) == (True, False)
    assert standby.inputs == promoted.inputs
    assert standby.inputs["backup_retention_period"] == retention and standby.inputs["backup_window"] == window


def test_a_writer_never_replicates_and_a_replica_declares_nothing_it_inherits() -> None:
    db = Database()
    writer = database_inputs("writer", True, db)
    assert writer.replicates is False and writer.inputs["username"] == "aivo_admin"
    for kind in ("dr", "failback"):
        shape = database_inputs(kind, True, db)
        assert not {"engine", "engine_version", "username", "db_name", "allocated_storage"} & set(shape.inputs)


# ---- failback -----------------------------------------------------------------------------------------------


def test_failback_declares_a_new_replica_of_us_west_2_and_leaves_the_old_writer_untouched() -> None:
    normal, failback = plan("primary"), plan("primary", "activeRegion=us-west-2")
    old = only(normal, INSTANCE, "primary-database-instance")
    kept = only(failback, INSTANCE, "primary-database-instance")
    assert (kept.urn, kept.inputs, kept.protect, kept.retain_on_delete) == (old.urn, old.inputs, True, True)
    new = only(failback, INSTANCE, "primary-failback-database")
    assert new.inputs["identifier"] == "aivo-production-postgres-fb"
    dr_instance = only(plan("dr"), INSTANCE, "dr-database-instance")
    assert new.inputs["replicateSourceDb"] == f"arn:aws:rds:us-west-2:123456789012:db:{dr_instance.inputs['identifier']}"
    assert new.region == "us-east-1" and new.inputs["multiAz"] is True and new.protect and new.retain_on_delete
    assert new.inputs["kmsKeyId"] == old.inputs["kmsKeyId"]
    assert not [r for r in normal.resources if r.name.startswith("primary-failback")]


def test_failback_instance_is_promoted_in_place_once_us_east_1_is_active_again() -> None:
    replica = only(plan("primary", "activeRegion=us-west-2"), INSTANCE, "primary-failback-database")
    promoted = only(plan("primary", "database.failbackPromoted=true"), INSTANCE, "primary-failback-database")
    assert promoted.urn == replica.urn
    assert {k for k in set(replica.inputs) | set(promoted.inputs) if replica.inputs.get(k) != promoted.inputs.get(k)} == {
        "replicateSourceDb"}


def test_failback_decision() -> None:
    assert failback_replicates("us-east-1", "us-east-1", False) is None
    assert failback_replicates("us-west-2", "us-east-1", False) is True
    assert failback_replicates("us-east-1", "us-east-1", True) is False


@pytest.mark.parametrize(
    ("stack", "overrides", "message"),
    [
        ("primary", ("activeRegion=us-west-2", "database.failbackPromoted=true"),
         "aivo-dr:database.failbackPromoted = true: false while activeRegion is us-west-2: promote the failback "
         "instance only after activeRegion is back to us-east-1, or both regions take writes"),
        ("dr", ("failover=true", 'peer={"fallback": {"databaseFailbackPromoted": "true"}}'),
         "aivo-dr:failover = true: false once the primary stack's failback instance is the writer "
         "(peer.fallback.databaseFailbackPromoted is true), or both regions take writes"),
        ("primary", ('database={"failbackIdentifier": "aivo-production-postgres"}',),
         None),
    ],
)
def test_split_brain_settings_are_refused_with_one_line(stack: str, overrides: tuple[str, ...], message: str | None) -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan(stack, *overrides)
    text = str(caught.value)
    assert "\n" not in text
    if message is not None:
        assert text == message
    else:
        assert text.startswith("aivo-dr:database = ") and text.endswith(
            "identifier, replicaIdentifier and failbackIdentifier all different")


# ---- point-in-time recovery -------------------------------------------------------------------------------


def test_restore_declares_a_recovered_instance_beside_the_original() -> None:
    restore = 'database={"restore": {"source": "aivo-production-postgres", "time": "2024-01-15T10:30:00Z", "identifier": "aivo-pitr-202401151030"}}'
    normal, restored = plan("primary"), plan("primary", restore)
    original = only(restored, INSTANCE, "primary-database-instance")
    assert original.inputs == only(normal, INSTANCE, "primary-database-instance").inputs
    new = only(restored, INSTANCE, "primary-restored-database")
    assert new.inputs["identifier"] == "aivo-pitr-202401151030"
    assert new.inputs["restoreToPointInTime"] == {"restoreTime": "2024-01-15T10:30:00Z",
                                                  "sourceDbInstanceIdentifier": "aivo-production-postgres"}
    assert new.inputs["backupRetentionPeriod"] == 30 and new.inputs["deletionProtection"] is True
    assert new.protect and new.retain_on_delete and original.urn in new.depends_on


def test_restore_in_us_west_2_uses_the_replicated_backups_of_the_primary() -> None:
    restore = 'database={"restore": {"source": "aivo-production-postgres", "identifier": "aivo-pitr-dr"}}'
    p = plan("dr", restore)
    replication = only(p, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
    new = only(p, INSTANCE, "dr-restored-database")
    pitr = new.inputs["restoreToPointInTime"]
    assert pitr["useLatestRestorableTime"] is True
    assert pitr["sourceDbInstanceAutomatedBackupsArn"].startswith("arn:aws:rds:us-west-2:123456789012:auto-backup:")
    assert new.region == "us-west-2" and replication.region == "us-west-2"


def test_restore_from_an_unknown_source_is_refused() -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan("primary", 'database={"restore": {"source": "nope", "identifier": "aivo-pitr-x"}}')
    assert str(caught.value) == 'aivo-dr:database.restore.source = "nope": an instance of this stack\'s region: aivo-production-postgres'


def test_database_settings_keep_the_runbook_defaults() -> None:
    db = Database()
    assert (db.backup_retention_days, db.backup_window, db.failback_identifier) == (30, "03:00-06:00", "aivo-production-postgres-fb")
    assert (db.password_version, db.failback_promoted) == (1, False)


def test_a_bad_failback_identifier_is_one_line() -> None:
    with pytest.raises(SettingsProblem) as caught:
        plan("primary", "database.failbackIdentifier=Fail_Back")
    assert str(caught.value).startswith('aivo-dr:database.failbackIdentifier = "Fail_Back": ')


def test_failover_stops_before_promotion_when_the_primary_reports_its_failback_writer() -> None:
    from drctl.engine import run_plan

    outputs = dict(plan("primary", "database.failbackPromoted=true").outputs)
    peers = {"organization/aivo-dr/primary": outputs}
    assert only(run_plan("dr", [], peer_outputs=peers), INSTANCE, "dr-database").inputs["tags"]["Name"] == \
        "aivo-production-postgres-dr"
    with pytest.raises(SettingsProblem) as caught:
        run_plan("dr", ["failover=true"], peer_outputs=peers)
    assert str(caught.value) == (
        "aivo-dr:failover = true: false once the primary stack's failback instance is the writer "
        "(its output databaseFailbackPromoted is true), or both regions take writes"
    )


MONITORING_ROLE = "aws:iam/role:Role"
ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@pytest.mark.parametrize(("state", "role_name", "instances"), [
    (("primary",), "aivo-production-postgres-monitoring", ["primary-database-instance"]),
    (("primary", "activeRegion=us-west-2"), "aivo-production-postgres-monitoring",
     ["primary-database-instance", "primary-failback-database-instance"]),
    (("dr",), "aivo-production-postgres-dr-monitoring", ["dr-database-instance"]),
    (("dr", "failover=true"), "aivo-production-postgres-dr-monitoring", ["dr-database-instance"]),
])
def test_every_instance_has_enhanced_monitoring_with_its_stacks_role(state: tuple[str, ...], role_name: str,
                                                                     instances: list[str]) -> None:
    p = plan(*state)
    role = only(p, MONITORING_ROLE, "database-monitoring")
    assert role.inputs["name"] == role_name
    assert policy_json(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]
    attachment = only(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "database-monitoring")
    assert attachment.inputs["policyArn"] == ENHANCED_MONITORING_POLICY
    declared = sorted(r.name for r in p.by_type(INSTANCE))
    assert declared == instances
    for name in instances:
        instance = only(p, INSTANCE, name)
        assert instance.inputs["monitoringInterval"] == 60
        assert instance.inputs["monitoringRoleArn"] == f"arn:aws:iam::123456789012:role/{role_name}"
        # The instance waits for the policy attachment, not just the role.
        assert attachment.urn in instance.depends_on


def test_the_failover_keeps_the_monitoring_role_and_changes_no_iam() -> None:
    before, after = by_urn(plan("dr")), by_urn(plan("dr", "failover=true"))
    iam = {urn: r.inputs for urn, r in before.items() if r.type.startswith("aws:iam/")}
    assert iam and iam == {urn: r.inputs for urn, r in after.items() if r.type.startswith("aws:iam/")}


@pytest.mark.parametrize(("stack", "region"), [("primary", "us-east-1"), ("dr", "us-west-2")])
def test_every_parameter_group_forces_tls_and_logs_schema_changes_and_slow_statements(stack: str, region: str) -> None:
    group = only(plan(stack), "aws:rds/parameterGroup:ParameterGroup")
    assert (group.region, group.inputs["family"]) == (region, "postgres16")
    # Dynamic parameters, applied immediately: no reboot, no replacement of an instance.
    assert group.inputs["parameters"] == [
        {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"},
        {"name": "log_statement", "value": "ddl", "applyMethod": "immediate"},
        {"name": "log_min_duration_statement", "value": "1000", "applyMethod": "immediate"}]


def test_logging_parameters_follow_the_settings_and_change_the_group_in_place() -> None:
    group = only(plan("dr", "database.logStatement=mod", "database.logMinDurationStatementMs=250"),
                 "aws:rds/parameterGroup:ParameterGroup")
    assert [(x["name"], x["value"]) for x in group.inputs["parameters"][1:]] == [
        ("log_statement", "mod"), ("log_min_duration_statement", "250")]
    diff = diff_plans(plan("dr"), plan("dr", "database.logStatement=mod", "database.logMinDurationStatementMs=250"))
    assert [(c.action, c.urn) for c in diff.changes] == [("update", group.urn)]


def test_an_identifier_too_long_for_its_monitoring_role_is_refused_in_one_line() -> None:
    identifier = "a" * 54
    with pytest.raises(SettingsProblem) as caught:
        plan("primary", f"database.identifier={identifier}")
    assert str(caught.value) == (f'aivo-dr:database.identifier = "{identifier}": at most 53 characters: its Enhanced Monitoring role '
                                 f"{identifier}-monitoring must fit IAM's 64")
