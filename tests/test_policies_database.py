"""policies/database.py: each policy passes a compliant instance and fails one mutated field with its exact message."""

from __future__ import annotations

import pytest

from policies import database
from tests.helpers.policies import ACCOUNT, DELETE, EAST, UNKNOWN, WEST, mutate, res, violations

RDS = "aws:rds/instance:Instance"
SOURCE_ARN = f"arn:aws:rds:{EAST}:{ACCOUNT}:db:aivo-production-postgres"
WEST_KEY = f"arn:aws:kms:{WEST}:{ACCOUNT}:key/replica"
EAST_KEY = f"arn:aws:kms:{EAST}:{ACCOUNT}:key/primary"


def compliant():
    writer = res(RDS, "writer", {
        "identifier": "aivo-production-postgres", "storageEncrypted": True, "kmsKeyId": EAST_KEY, "publiclyAccessible": False,
        "deletionProtection": True, "skipFinalSnapshot": False, "finalSnapshotIdentifier": "aivo-production-postgres-final",
        "backupRetentionPeriod": 30, "backupWindow": "03:00-06:00", "multiAz": True, "engine": "postgres",
        "engineVersion": "16", "autoMinorVersionUpgrade": True,
    }, region=EAST, protect=True)
    replica = res(RDS, "replica", {
        "identifier": "aivo-production-postgres-dr", "replicateSourceDb": SOURCE_ARN, "kmsKeyId": WEST_KEY,
        "publiclyAccessible": False, "deletionProtection": True, "skipFinalSnapshot": True,
    }, region=WEST, protect=True)
    backups = res(database.RDS_BACKUPS_REPLICATION, "pitr", {
        "sourceDbInstanceArn": SOURCE_ARN, "kmsKeyId": WEST_KEY, "retentionPeriod": 30,
    }, region=WEST)
    return [writer, replica, backups]


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
    (database.rds_backup_retention, "writer", "backupWindow", DELETE, ["backupWindow must be set (the runbook's window is 03:00-06:00 UTC)"]),
    (database.rds_multi_az_writer, "writer", "multiAz", False,
     ["multiAz must be true on the writable instance (runbook: Multi-AZ, 60-120 s automatic failover)"]),
    (database.rds_cross_region_replica_kms, "replica", "kmsKeyId", EAST_KEY,
     [f"kmsKeyId {EAST_KEY} must be a KMS key ARN in the replica's region {WEST}"]),
    (database.rds_cross_region_replica_kms, "replica", "kmsKeyId", DELETE,
     [f"kmsKeyId must be set on a cross-region replica (source in {EAST}, replica in {WEST})"]),
    (database.rds_backups_replication, "pitr", "kmsKeyId", EAST_KEY, [f"kmsKeyId {EAST_KEY} must be a KMS key ARN in the destination region {WEST}"]),
    (database.rds_backups_replication, "pitr", "retentionPeriod", 14, ["retentionPeriod is 14; it must be at least 30 days"]),
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
