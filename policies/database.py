"""RDS PostgreSQL: the runbook's "Database Backups" and the DR read replica."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import (
    RDS_BACKUPS_REPLICATION,
    RDS_INSTANCE,
    RDS_PARAMETER_GROUP,
    arn_region,
    arn_service,
    config,
    get,
    items,
    region_of,
    resource_policy,
    shown,
)

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


def _storage_encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    # A cross-region replica is encrypted by its kmsKeyId (storageEncrypted is ignored there).
    if is_replica(props) and get(props, "kmsKeyId"):
        return
    if get(props, "storageEncrypted") is not True:
        report("storageEncrypted must be true (encryption at rest cannot be added to an existing instance later)", None)


rds_storage_encrypted = ResourceValidationPolicy(
    name="rds-storage-encrypted",
    description="RDS instances are encrypted at rest (storageEncrypted, or a KMS key on a cross-region replica).",
    validate=resource_policy(RDS_INSTANCE)(_storage_encrypted),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _not_public(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "publiclyAccessible") is True:
        report("publiclyAccessible must not be true: the database is reached only from inside the VPC", None)


rds_not_publicly_accessible = ResourceValidationPolicy(
    name="rds-not-publicly-accessible",
    description="RDS instances are not publicly accessible.",
    validate=resource_policy(RDS_INSTANCE)(_not_public),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "exposure"],
)


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
    validate=resource_policy(RDS_INSTANCE)(_password_write_only),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "exposure"],
)


def _deletion_protection(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "deletionProtection") is not True:
        report("deletionProtection must be true", None)


rds_deletion_protection = ResourceValidationPolicy(
    name="rds-deletion-protection-enabled",
    description="RDS instances have deletion protection, so neither a stray `pulumi destroy` nor the console can drop them.",
    validate=resource_policy(RDS_INSTANCE)(_deletion_protection),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


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
    validate=resource_policy(RDS_INSTANCE)(_final_snapshot),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


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
    validate=resource_policy(RDS_INSTANCE)(_backup_retention),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=RETENTION_SCHEMA,
    tags=TAGS,
)


def _multi_az(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if is_replica(props):
        return
    if get(props, "multiAz") is not True:
        report("multiAz must be true on the writable instance (runbook: Multi-AZ, 60-120 s automatic failover)", None)


rds_multi_az_writer = ResourceValidationPolicy(
    name="rds-writable-instance-multi-az",
    description="The writable RDS instance is Multi-AZ, so losing an availability zone costs a 60-120 s failover, not a restore.",
    validate=resource_policy(RDS_INSTANCE)(_multi_az),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "resilience"],
)


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
    validate=resource_policy(RDS_INSTANCE)(_replica_key_in_region),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "resilience"],
)


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
    validate=resource_policy(RDS_BACKUPS_REPLICATION)(_backups_replication),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=RETENTION_SCHEMA,
    tags=TAGS,
)

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
    validate=resource_policy(RDS_INSTANCE)(_major_version_when_auto_upgrading),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "deployability"],
)


MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)  # what RDS accepts, 0 (off) excepted
DEFAULT_MAXIMUM_MONITORING_INTERVAL = 60


def _enhanced_monitoring(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    most = int(config(args, "maximumIntervalSeconds", DEFAULT_MAXIMUM_MONITORING_INTERVAL))
    interval = get(props, "monitoringInterval")
    if interval not in MONITORING_INTERVALS or interval > most:
        allowed = ", ".join(str(i) for i in MONITORING_INTERVALS if i <= most)
        report(f"monitoringInterval is {shown(interval)}; Enhanced Monitoring must be on, every {allowed} seconds", None)
    role = get(props, "monitoringRoleArn")
    if arn_service(role) != "iam":
        report(f"monitoringRoleArn is {shown(role)}; it must name the IAM role Enhanced Monitoring publishes with", None)


rds_enhanced_monitoring = ResourceValidationPolicy(
    name="rds-enhanced-monitoring-enabled",
    description="Every RDS instance, replicas included, has Enhanced Monitoring on (OS metrics every minute or more often) "
    "with a named role, so that a promoted replica keeps it and a failover creates no IAM.",
    validate=resource_policy(RDS_INSTANCE)(_enhanced_monitoring),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "maximumIntervalSeconds": {"type": "integer", "minimum": 1, "maximum": 60, "default": DEFAULT_MAXIMUM_MONITORING_INTERVAL,
                                   "description": "Longest Enhanced Monitoring interval allowed, in seconds (RDS: 1-60)."},
    }),
    tags=["database", "observability"],
)

STATEMENT_LOGGING = ("ddl", "mod", "all")  # each logs schema and role changes; mod adds writes, all every statement
DEFAULT_MAXIMUM_MIN_DURATION_MS = 10000


def _logging_parameters(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if not str(get(props, "family") or "").startswith("postgres"):
        return
    most = int(config(args, "maximumMinDurationMs", DEFAULT_MAXIMUM_MIN_DURATION_MS))
    values = {get(p, "name"): get(p, "value") for p in items(props, "parameters")}
    statement = values.get("log_statement")
    if statement not in STATEMENT_LOGGING:
        report(f"log_statement is {shown(statement)}; it must be ddl, mod or all, so that schema and role changes are on record",
               None)
    duration = values.get("log_min_duration_statement")
    if not (isinstance(duration, str) and duration.isdigit() and int(duration) <= most):
        report(f"log_min_duration_statement is {shown(duration)}; it must be 0-{most} ms, so that slow statements are on record",
               None)


rds_postgres_logging = ResourceValidationPolicy(
    name="rds-postgres-logging-parameters",
    description="Every PostgreSQL parameter group logs schema and role changes (log_statement ddl, mod or all) and slow "
    "statements (log_min_duration_statement at most 10 s), into the log the instances export to CloudWatch.",
    validate=resource_policy(RDS_PARAMETER_GROUP)(_logging_parameters),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "maximumMinDurationMs": {"type": "integer", "minimum": 0, "maximum": 600000, "default": DEFAULT_MAXIMUM_MIN_DURATION_MS,
                                 "description": "Highest log_min_duration_statement allowed, in milliseconds."},
    }),
    tags=["database", "audit"],
)


def _forces_tls(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if not str(get(props, "family") or "").startswith("postgres"):
        return
    value = {get(p, "name"): get(p, "value") for p in items(props, "parameters")}.get("rds.force_ssl")
    if value != "1":
        report(f"rds.force_ssl is {shown(value)}; it must be 1, so that the server refuses connections without TLS", None)


rds_forces_tls = ResourceValidationPolicy(
    name="rds-parameter-group-forces-tls",
    description="Every PostgreSQL parameter group sets rds.force_ssl to 1: the database refuses connections without TLS.",
    validate=resource_policy(RDS_PARAMETER_GROUP)(_forces_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "encryption"],
)


def _iam_authentication(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "iamDatabaseAuthenticationEnabled") is not True:
        report("iamDatabaseAuthenticationEnabled must be true (services sign in with their IAM role, not a stored password)",
               None)


rds_iam_authentication = ResourceValidationPolicy(
    name="rds-iam-authentication-enabled",
    description="Every RDS instance accepts IAM database authentication, so that services can sign in with short-lived "
    "tokens of their role instead of a stored password.",
    validate=resource_policy(RDS_INSTANCE)(_iam_authentication),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "identity"],
)


def _performance_insights(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "performanceInsightsEnabled") is not True:
        report("performanceInsightsEnabled must be true", None)
        return
    key = get(props, "performanceInsightsKmsKeyId")
    region = region_of(props, args.provider)
    if arn_service(key) != "kms" or arn_region(key) != region:
        report(f"performanceInsightsKmsKeyId is {shown(key)}; it must be a customer-managed KMS key ARN in the instance's "
               f"region {region} (its statements' text is data)", None)


rds_performance_insights = ResourceValidationPolicy(
    name="rds-performance-insights-encrypted-with-kms",
    description="Every RDS instance has Performance Insights on, encrypted with a customer-managed key of its own region "
    "(the statements it samples are data).",
    validate=resource_policy(RDS_INSTANCE)(_performance_insights),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "encryption", "observability"],
)

REQUIRED_LOG_EXPORTS = ("postgresql",)


def _logs_exported(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    exported = [str(x) for x in (get(props, "enabledCloudwatchLogsExports") or [])]
    missing = [log for log in REQUIRED_LOG_EXPORTS if log not in exported]
    if missing:
        report(f"enabledCloudwatchLogsExports is {exported}; it must include {', '.join(missing)} (the server log, where "
               "the logging parameters write, outlives the instance only in CloudWatch)", None)


rds_logs_exported = ResourceValidationPolicy(
    name="rds-logs-exported-to-cloudwatch",
    description="Every RDS PostgreSQL instance exports its server log to CloudWatch Logs, where statement logs and errors "
    "outlive the instance and can be searched after an incident.",
    validate=resource_policy(RDS_INSTANCE)(_logs_exported),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "audit"],
)


def _minor_upgrades(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "autoMinorVersionUpgrade") is False:
        report("autoMinorVersionUpgrade is false; minor versions (security fixes) must be applied automatically in the "
               "maintenance window", None)


rds_minor_upgrades = ResourceValidationPolicy(
    name="rds-minor-versions-upgraded-automatically",
    description="Every RDS instance takes minor engine versions (security fixes) automatically in its maintenance window.",
    validate=resource_policy(RDS_INSTANCE)(_minor_upgrades),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "patching"],
)


def _copy_tags(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "copyTagsToSnapshot") is not True:
        report("copyTagsToSnapshot must be true (a snapshot without the instance's tags is nobody's: no owner, no tier)", None)


rds_copy_tags = ResourceValidationPolicy(
    name="rds-copy-tags-to-snapshots",
    description="Every RDS instance copies its tags to its snapshots, so that a snapshot names its service, tier and owner.",
    validate=resource_policy(RDS_INSTANCE)(_copy_tags),
    # Hygiene: a snapshot without tags restores the same data.
    enforcement_level=EnforcementLevel.ADVISORY,
    tags=["database", "tagging"],
)


# RDS's current certificate authorities (RDS user guide, "Certificate authorities"); rds-ca-2019 expired in 2024.
CURRENT_CAS = ("rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1")


def _ca_current(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    ca = get(props, "caCertIdentifier")
    if ca is not None and ca not in CURRENT_CAS:
        report(f"caCertIdentifier is {ca}; use one of {', '.join(CURRENT_CAS)} (or leave it to RDS, whose default for new "
               "instances is rds-ca-rsa2048-g1)", None)


rds_ca_current = ResourceValidationPolicy(
    name="rds-ca-certificate-current",
    description="No RDS instance pins an expired or retiring certificate authority: clients verify the server's TLS "
    "certificate against a current RDS CA.",
    validate=resource_policy(RDS_INSTANCE)(_ca_current),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "encryption"],
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
    rds_enhanced_monitoring,
    rds_postgres_logging,
    rds_forces_tls,
    rds_iam_authentication,
    rds_performance_insights,
    rds_logs_exported,
    rds_minor_upgrades,
    rds_copy_tags,
    rds_ca_current,
]
