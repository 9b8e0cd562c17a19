"""RDS PostgreSQL: the runbook's "Database Backups" and the DR read replica."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import RDS_BACKUPS_REPLICATION, RDS_INSTANCE, arn_region, config, get, region_of, resource_policy, shown

TAGS = ["database", "backup", "resilience"]
DEFAULT_MINIMUM_RETENTION_DAYS = 30
RETENTION_SCHEMA = PolicyConfigSchema(
    properties={
        "minimumRetentionDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 35,
            "default": DEFAULT_MINIMUM_RETENTION_DAYS,
            "description": "Shortest automated-backup (PITR) retention allowed, in days (runbook: 30; RDS allows 1-35).",
        }
    }
)


def is_replica(props: Any) -> bool:
    """A read replica (it has a source): not writable, so backup and Multi-AZ rules apply once promoted."""
    return bool(get(props, "replicateSourceDb"))


@resource_policy(RDS_INSTANCE)
def _storage_encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    # A cross-region replica is encrypted by its kmsKeyId (storageEncrypted is ignored there).
    if is_replica(props) and get(props, "kmsKeyId"):
        return
    if get(props, "storageEncrypted") is not True:
        report("storageEncrypted must be true (encryption at rest cannot be added to an existing instance later)", None)


rds_storage_encrypted = ResourceValidationPolicy(
    name="rds-storage-encrypted",
    description="RDS instances are encrypted at rest (storageEncrypted, or a KMS key on a cross-region replica).",
    validate=_storage_encrypted,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


@resource_policy(RDS_INSTANCE)
def _not_public(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "publiclyAccessible") is True:
        report("publiclyAccessible must not be true: the database is reached only from inside the VPC", None)


rds_not_publicly_accessible = ResourceValidationPolicy(
    name="rds-not-publicly-accessible",
    description="RDS instances are not publicly accessible.",
    validate=_not_public,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "exposure"],
)


@resource_policy(RDS_INSTANCE)
def _password_write_only(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    # Replicas and promoted replicas carry their source's password; a writer created here sets one write-only.
    if get(props, "password"):
        report("password must not be set: it would sit in the state and in every diff; send it write-only (passwordWo) "
               "with passwordWoVersion", None)
    if get(props, "passwordWo") and not get(props, "passwordWoVersion"):
        report("passwordWo needs passwordWoVersion: the version is how the password is rotated (a new version sends a new one)", None)


rds_password_write_only = ResourceValidationPolicy(
    name="rds-master-password-write-only-versioned",
    description="An RDS master password is never an ordinary input: it is sent write-only (passwordWo) with a "
    "passwordWoVersion, the rotation mechanism (a new database.passwordVersion sends a new password and stores a new secret version).",
    validate=_password_write_only,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "exposure"],
)


@resource_policy(RDS_INSTANCE)
def _deletion_protection(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "deletionProtection") is not True:
        report("deletionProtection must be true", None)


rds_deletion_protection = ResourceValidationPolicy(
    name="rds-deletion-protection-enabled",
    description="RDS instances have deletion protection, so neither a stray `pulumi destroy` nor the console can drop them.",
    validate=_deletion_protection,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


@resource_policy(RDS_INSTANCE)
def _final_snapshot(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    # AWS refuses a final snapshot when deleting a read replica; the rule applies once it is writable.
    if is_replica(props):
        return
    if get(props, "skipFinalSnapshot") is True:
        report("skipFinalSnapshot must not be true", None)
    elif not get(props, "finalSnapshotIdentifier"):
        report("finalSnapshotIdentifier must be set (without it the instance cannot be deleted with a final snapshot)", None)


rds_final_snapshot = ResourceValidationPolicy(
    name="rds-final-snapshot-on-delete",
    description="Writable RDS instances take a final snapshot when deleted (skipFinalSnapshot false, finalSnapshotIdentifier set).",
    validate=_final_snapshot,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


@resource_policy(RDS_INSTANCE)
def _backup_retention(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if is_replica(props):
        return
    minimum = int(config(args, "minimumRetentionDays", DEFAULT_MINIMUM_RETENTION_DAYS))
    retention = get(props, "backupRetentionPeriod")
    if not isinstance(retention, (int, float)) or retention < minimum:
        report(f"backupRetentionPeriod is {shown(retention)}; it must be at least {minimum} days", None)
    if not get(props, "backupWindow"):
        report("backupWindow must be set (the runbook's window is 03:00-06:00 UTC)", None)


rds_backup_retention = ResourceValidationPolicy(
    name="rds-backup-retention-at-least-minimum",
    description="Writable RDS instances keep automated backups (point-in-time recovery) for at least the minimum days, in a set backup window.",
    validate=_backup_retention,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=RETENTION_SCHEMA,
    tags=TAGS,
)


@resource_policy(RDS_INSTANCE)
def _multi_az(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if is_replica(props):
        return
    if get(props, "multiAz") is not True:
        report("multiAz must be true on the writable instance (runbook: Multi-AZ, 60-120 s automatic failover)", None)


rds_multi_az_writer = ResourceValidationPolicy(
    name="rds-writable-instance-multi-az",
    description="The writable RDS instance is Multi-AZ, so losing an availability zone costs a 60-120 s failover, not a restore.",
    validate=_multi_az,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "resilience"],
)


@resource_policy(RDS_INSTANCE)
def _replica_key_in_region(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    source = get(props, "replicateSourceDb")
    if not source:
        return
    here = region_of(props, args.provider)
    source_region = arn_region(source)
    if source_region is None or source_region == here:
        return  # same-region replicas name their source by identifier and inherit its key
    key = get(props, "kmsKeyId")
    if not key:
        report(f"kmsKeyId must be set on a cross-region replica (source in {source_region}, replica in {here})", None)
        return
    key_region = arn_region(key)
    if key_region != here:
        report(f"kmsKeyId {key} must be a KMS key ARN in the replica's region {here}", None)


rds_cross_region_replica_kms = ResourceValidationPolicy(
    name="rds-cross-region-replica-key-in-own-region",
    description="A cross-region read replica is encrypted with a KMS key of its own region (AWS refuses a key from the source region).",
    validate=_replica_key_in_region,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "resilience"],
)


@resource_policy(RDS_BACKUPS_REPLICATION)
def _backups_replication(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    here = region_of(props, args.provider)
    key = get(props, "kmsKeyId")
    if not key:
        report("kmsKeyId must be set: replicated automated backups of an encrypted instance need a key in the destination region", None)
    elif arn_region(key) != here:
        report(f"kmsKeyId {key} must be a KMS key ARN in the destination region {here}", None)
    source_region = arn_region(get(props, "sourceDbInstanceArn"))
    if source_region == here:
        report(f"sourceDbInstanceArn is in {here}, the same region: automated backups must be replicated to another region", None)
    minimum = int(config(args, "minimumRetentionDays", DEFAULT_MINIMUM_RETENTION_DAYS))
    retention = get(props, "retentionPeriod")
    if not isinstance(retention, (int, float)) or retention < minimum:
        report(f"retentionPeriod is {shown(retention)}; it must be at least {minimum} days", None)


rds_backups_replication = ResourceValidationPolicy(
    name="rds-backup-replication-encrypted-and-retained",
    description="Automated-backup replication into the DR region uses a KMS key of that region, comes from another region, and keeps backups at least the minimum days.",
    validate=_backups_replication,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=RETENTION_SCHEMA,
    tags=TAGS,
)

@resource_policy(RDS_INSTANCE)
def _major_version_when_auto_upgrading(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    version = get(props, "engineVersion")
    # RDS upgrades minor versions itself unless told not to (autoMinorVersionUpgrade defaults to true).
    if version is None or get(props, "autoMinorVersionUpgrade", True) is not True:
        return
    text = str(version)
    if "." in text:
        report(
            f"engineVersion is {text} with autoMinorVersionUpgrade on: declare the major version only "
            f"({text.split('.')[0]}); once AWS upgrades the minor, every later `pulumi up` is refused as a downgrade "
            "(terraform-provider-aws #39579)",
            None,
        )


rds_engine_major_version_when_auto_upgrading = ResourceValidationPolicy(
    name="rds-engine-major-version-when-auto-upgrading",
    description="An RDS instance that takes automatic minor upgrades declares its engine's major version only.",
    validate=_major_version_when_auto_upgrading,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "deployability"],
)


POLICIES = [
    rds_password_write_only,
    rds_storage_encrypted,
    rds_not_publicly_accessible,
    rds_deletion_protection,
    rds_final_snapshot,
    rds_backup_retention,
    rds_multi_az_writer,
    rds_cross_region_replica_kms,
    rds_backups_replication,
    rds_engine_major_version_when_auto_upgrading,
]
