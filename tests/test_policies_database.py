"""policies/database.py: each policy passes a compliant instance and fails one mutated field with its exact message."""

from __future__ import annotations

import pytest

from policies import database
from tests.helpers.policies import ACCOUNT, DELETE, EAST, UNKNOWN, WEST, mutate, res, violations

RDS = "aws:rds/instance:Instance"
SOURCE_ARN = f"arn:aws:rds:{EAST}:{ACCOUNT}:db:aivo-production-postgres"
WEST_KEY = f"arn:aws:kms:{WEST}:{ACCOUNT}:key/replica"
EAST_KEY = f"arn:aws:kms:{EAST}:{ACCOUNT}:key/primary"
PARAMS = "aws:rds/parameterGroup:ParameterGroup"
MONITORING = {"monitoringInterval": 60, "monitoringRoleArn": f"arn:aws:iam::{ACCOUNT}:role/aivo-production-postgres-monitoring"}
BASELINE = {"iamDatabaseAuthenticationEnabled": True, "performanceInsightsEnabled": True, "copyTagsToSnapshot": True,
            "enabledCloudwatchLogsExports": ["postgresql", "upgrade"]}


def compliant():
    writer = res(RDS, "writer", {
        "identifier": "aivo-production-postgres", "storageEncrypted": True, "kmsKeyId": EAST_KEY, "publiclyAccessible": False,
        "deletionProtection": True, "skipFinalSnapshot": False, "finalSnapshotIdentifier": "aivo-production-postgres-final",
        "backupRetentionPeriod": 30, "backupWindow": "03:00-06:00", "multiAz": True, "engine": "postgres",
        "engineVersion": "16", "autoMinorVersionUpgrade": True, **MONITORING,
        **BASELINE, "performanceInsightsKmsKeyId": EAST_KEY,
    }, region=EAST, protect=True)
    replica = res(RDS, "replica", {
        "identifier": "aivo-production-postgres-dr", "replicateSourceDb": SOURCE_ARN, "kmsKeyId": WEST_KEY,
        "publiclyAccessible": False, "deletionProtection": True, "skipFinalSnapshot": True, **MONITORING,
        **BASELINE, "performanceInsightsKmsKeyId": WEST_KEY,
    }, region=WEST, protect=True)
    backups = res(database.RDS_BACKUPS_REPLICATION, "pitr", {
        "sourceDbInstanceArn": SOURCE_ARN, "kmsKeyId": WEST_KEY, "retentionPeriod": 30,
    }, region=WEST)
    params = res(PARAMS, "params", {"family": "postgres16", "parameters": [
        {"name": "rds.force_ssl", "value": "1"}, {"name": "log_statement", "value": "ddl"},
        {"name": "log_min_duration_statement", "value": "1000"}]}, region=EAST)
    return [writer, replica, backups, params]


CASES = [
    (database.rds_engine_major_version_when_auto_upgrading, "writer", "engineVersion", "16.4",
     ["engineVersion is 16.4 with autoMinorVersionUpgrade on: declare the major version only (16); once AWS upgrades "
      "the minor, every later `pulumi up` is refused as a downgrade (terraform-provider-aws #39579)"]),
    (database.rds_storage_encrypted, "writer", "storageEncrypted", False,
     ["storageEncrypted must be true (encryption at rest cannot be added to an existing instance later)"]),
    (database.rds_storage_encrypted, "replica", "kmsKeyId", DELETE,
     ["storageEncrypted must be true (encryption at rest cannot be added to an existing instance later)"]),
    (database.rds_not_publicly_accessible, "writer", "publiclyAccessible", True,
     ["publiclyAccessible must not be true: the database is reached only from inside the VPC"]),
    (database.rds_deletion_protection, "replica", "deletionProtection", DELETE, ["deletionProtection must be true"]),
    (database.rds_final_snapshot, "writer", "skipFinalSnapshot", True, ["skipFinalSnapshot must not be true"]),
    (database.rds_final_snapshot, "writer", "finalSnapshotIdentifier", DELETE,
     ["finalSnapshotIdentifier must be set (without it the instance cannot be deleted with a final snapshot)"]),
    (database.rds_backup_retention, "writer", "backupRetentionPeriod", 7, ["backupRetentionPeriod is 7; it must be at least 30 days"]),
    # one day short of the runbook's 30 (the compliant writer keeps exactly 30)
    (database.rds_backup_retention, "writer", "backupRetentionPeriod", 29, ["backupRetentionPeriod is 29; it must be at least 30 days"]),
    (database.rds_backup_retention, "writer", "backupWindow", DELETE, ["backupWindow must be set (the runbook's window is 03:00-06:00 UTC)"]),
    (database.rds_multi_az_writer, "writer", "multiAz", False,
     ["multiAz must be true on the writable instance (runbook: Multi-AZ, 60-120 s automatic failover)"]),
    (database.rds_cross_region_replica_kms, "replica", "kmsKeyId", EAST_KEY,
     [f"kmsKeyId {EAST_KEY} must be a KMS key ARN in the replica's region {WEST}"]),
    (database.rds_cross_region_replica_kms, "replica", "kmsKeyId", DELETE,
     [f"kmsKeyId must be set on a cross-region replica (source in {EAST}, replica in {WEST})"]),
    (database.rds_backups_replication, "pitr", "kmsKeyId", EAST_KEY, [f"kmsKeyId {EAST_KEY} must be a KMS key ARN in the destination region {WEST}"]),
    (database.rds_backups_replication, "pitr", "retentionPeriod", 14, ["retentionPeriod is 14; it must be at least 30 days"]),
    (database.rds_enhanced_monitoring, "replica", "monitoringInterval", 0,
     ["monitoringInterval is 0; Enhanced Monitoring must be on, every 1, 5, 10, 15, 30, 60 seconds"]),
    (database.rds_enhanced_monitoring, "writer", "monitoringInterval", DELETE,
     ["monitoringInterval is None; Enhanced Monitoring must be on, every 1, 5, 10, 15, 30, 60 seconds"]),
    (database.rds_enhanced_monitoring, "writer", "monitoringRoleArn", DELETE,
     ["monitoringRoleArn is None; it must name the IAM role Enhanced Monitoring publishes with"]),
    (database.rds_postgres_logging, "params", "parameters.1.value", "none",
     ["log_statement is none; it must be ddl, mod or all, so that schema and role changes are on record"]),
    (database.rds_postgres_logging, "params", "parameters.2.value", "-1",
     ["log_min_duration_statement is -1; it must be 0-10000 ms, so that slow statements are on record"]),
    (database.rds_postgres_logging, "params", "parameters", [{"name": "rds.force_ssl", "value": "1"}],
     ["log_min_duration_statement is None; it must be 0-10000 ms, so that slow statements are on record",
      "log_statement is None; it must be ddl, mod or all, so that schema and role changes are on record"]),
    (database.rds_forces_tls, "params", "parameters.0.value", "0",
     ["rds.force_ssl is 0; it must be 1, so that the server refuses connections without TLS"]),
    (database.rds_iam_authentication, "replica", "iamDatabaseAuthenticationEnabled", False,
     ["iamDatabaseAuthenticationEnabled must be true (services sign in with their IAM role, not a stored password)"]),
    (database.rds_performance_insights, "writer", "performanceInsightsEnabled", DELETE, ["performanceInsightsEnabled must be true"]),
    (database.rds_performance_insights, "replica", "performanceInsightsKmsKeyId", EAST_KEY,
     [f"performanceInsightsKmsKeyId is {EAST_KEY}; it must be a customer-managed KMS key ARN in the instance's region "
      f"{WEST} (its statements' text is data)"]),
    (database.rds_performance_insights, "writer", "performanceInsightsKmsKeyId", DELETE,
     [f"performanceInsightsKmsKeyId is None; it must be a customer-managed KMS key ARN in the instance's region {EAST} "
      "(its statements' text is data)"]),
    (database.rds_logs_exported, "writer", "enabledCloudwatchLogsExports", ["upgrade"],
     ["enabledCloudwatchLogsExports is ['upgrade']; it must include postgresql (the server log, where the logging "
      "parameters write, outlives the instance only in CloudWatch)"]),
    (database.rds_minor_upgrades, "writer", "autoMinorVersionUpgrade", False,
     ["autoMinorVersionUpgrade is false; minor versions (security fixes) must be applied automatically in the maintenance window"]),
    (database.rds_copy_tags, "replica", "copyTagsToSnapshot", DELETE,
     ["copyTagsToSnapshot must be true (a snapshot without the instance's tags is nobody's: no owner, no tier)"]),
    (database.rds_ca_current, "writer", "caCertIdentifier", "rds-ca-2019",
     ["caCertIdentifier is rds-ca-2019; use one of rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1 (or leave it to "
      "RDS, whose default for new instances is rds-ca-rsa2048-g1)"]),
    (database.rds_backups_replication, "pitr", "sourceDbInstanceArn", f"arn:aws:rds:{WEST}:{ACCOUNT}:db:x",
     [f"sourceDbInstanceArn is in {WEST}, the same region: automated backups must be replicated to another region"]),
]


@pytest.mark.parametrize("policy", database.POLICIES, ids=lambda p: p.name)
def test_compliant_database_passes(policy):
    assert violations(policy, compliant()) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), CASES, ids=lambda c: getattr(c, "name", None))
def test_one_mutated_field_fails_with_the_exact_message(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


def test_replicas_are_exempt_from_writer_rules_until_promoted():
    promoted = mutate(compliant(), "replica", "replicateSourceDb", DELETE)
    assert violations(database.rds_multi_az_writer, promoted) == [
        "multiAz must be true on the writable instance (runbook: Multi-AZ, 60-120 s automatic failover)"
    ]
    assert violations(database.rds_backup_retention, promoted) == [
        "backupRetentionPeriod is None; it must be at least 30 days",
        "backupWindow must be set (the runbook's window is 03:00-06:00 UTC)",
    ]


def test_retention_minimum_is_configurable():
    assert violations(database.rds_backup_retention, compliant(), config={"minimumRetentionDays": 35}) == [
        "backupRetentionPeriod is 30; it must be at least 35 days"
    ]


def test_retention_schema_bounds_are_the_rds_limits():
    schema = database.rds_backup_retention.config_schema.properties["minimumRetentionDays"]
    assert (schema["minimum"], schema["maximum"], schema["default"]) == (1, 35, 30)


@pytest.mark.parametrize(("policy", "name", "path"), [
    (database.rds_storage_encrypted, "writer", "storageEncrypted"),
    (database.rds_cross_region_replica_kms, "replica", "kmsKeyId"),
    (database.rds_backup_retention, "writer", "backupRetentionPeriod"),
])
def test_an_unknown_value_is_a_violation_not_a_pass(policy, name, path):
    assert violations(policy, mutate(compliant(), name, path, UNKNOWN)) == [
        f"{path} is unknown at preview, so this cannot be verified; make it known at preview (e.g. build it from settings)"
    ]


def test_a_pinned_minor_is_fine_when_minor_upgrades_are_off():
    records = mutate(mutate(compliant(), "writer", "engineVersion", "16.4"), "writer", "autoMinorVersionUpgrade", False)
    assert violations(database.rds_engine_major_version_when_auto_upgrading, records) == []


def test_monitoring_interval_and_slow_statement_thresholds_are_tunable():
    assert violations(database.rds_enhanced_monitoring, compliant(), config={"maximumIntervalSeconds": 30}) == [
        "monitoringInterval is 60; Enhanced Monitoring must be on, every 1, 5, 10, 15, 30 seconds"] * 2
    assert violations(database.rds_postgres_logging, compliant(), config={"maximumMinDurationMs": 500}) == [
        "log_min_duration_statement is 1000; it must be 0-500 ms, so that slow statements are on record"]


def test_parameter_groups_of_other_engines_are_not_postgresql_logging_subjects():
    other = mutate(mutate(compliant(), "params", "family", "mysql8.0"), "params", "parameters", [])
    assert violations(database.rds_postgres_logging, other) == []


@pytest.mark.parametrize(("policy", "name", "path", "value", "expected"), [
    (database.rds_backups_replication, "pitr", "kmsKeyId", DELETE,
     ["kmsKeyId must be set: replicated automated backups of an encrypted instance need a key in the destination region"]),
    # a same-region replica names its source by identifier or ARN and inherits its key
    # RDS upgrades minor versions unless told not to
    (database.rds_engine_major_version_when_auto_upgrading, "writer", "autoMinorVersionUpgrade", DELETE, []),
    (database.rds_enhanced_monitoring, "writer", "monitoringRoleArn", f"arn:aws:sts::{ACCOUNT}:assumed-role/monitoring/x",
     [f"monitoringRoleArn is arn:aws:sts::{ACCOUNT}:assumed-role/monitoring/x; it must name the IAM role Enhanced Monitoring "
      "publishes with"]),
    # exactly the 10 s bound
    (database.rds_postgres_logging, "params", "parameters.2.value", "10000", []),
    (database.rds_postgres_logging, "params", "parameters.2.value", "10001",
     ["log_min_duration_statement is 10001; it must be 0-10000 ms, so that slow statements are on record"]),
])
def test_one_more_mutated_field(policy, name, path, value, expected):
    assert violations(policy, mutate(compliant(), name, path, value)) == expected


def test_a_pinned_minor_is_refused_when_minor_upgrades_are_left_to_their_default():
    records = mutate(mutate(compliant(), "writer", "engineVersion", "16.4"), "writer", "autoMinorVersionUpgrade", DELETE)
    assert violations(database.rds_engine_major_version_when_auto_upgrading, records) == [
        "engineVersion is 16.4 with autoMinorVersionUpgrade on: declare the major version only (16); once AWS upgrades "
        "the minor, every later `pulumi up` is refused as a downgrade (terraform-provider-aws #39579)"]


@pytest.mark.parametrize(("policy", "name", "key", "expected"), [
    (database.rds_cross_region_replica_kms, "kmsKeyId", EAST_KEY,
     [f"kmsKeyId {EAST_KEY} must be a KMS key ARN in the replica's region {WEST}"]),
    (database.rds_performance_insights, "performanceInsightsKmsKeyId", WEST_KEY, []),
])
def test_a_replicas_own_region_input_wins_over_its_providers(policy, name, key, expected):
    """pulumi-aws v7: a resource's `region` input places it, whatever region its provider has."""
    records = mutate(mutate(compliant(), "replica", "region", WEST), "replica", name, key)
    next(r for r in records if r.name == "replica").provider = records[0].provider  # us-east-1's
    assert violations(policy, records) == expected


def test_backup_replication_in_a_region_set_on_the_resource():
    records = mutate(compliant(), "pitr", "region", EAST)
    assert violations(database.rds_backups_replication, records) == [
        f"kmsKeyId {WEST_KEY} must be a KMS key ARN in the destination region {EAST}",
        f"sourceDbInstanceArn is in {EAST}, the same region: automated backups must be replicated to another region"]


def test_the_backup_replication_retention_minimum_is_configurable():
    assert violations(database.rds_backups_replication, compliant(), config={"minimumRetentionDays": 31}) == [
        "retentionPeriod is 30; it must be at least 31 days"]


def test_a_same_region_replica_named_by_arn_needs_no_key_of_its_own():
    records = mutate(mutate(compliant(), "replica", "replicateSourceDb", f"arn:aws:rds:{WEST}:{ACCOUNT}:db:aivo-other"),
                     "replica", "kmsKeyId", DELETE)
    assert violations(database.rds_cross_region_replica_kms, records) == []
