"""Aurora PostgreSQL Global Database (database.drMode aurora-global): docs/aurora-global.md."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import arn_region, arn_service, config, get, items, of_type, per_resource, region_of, resource_policy, shown
from .database import DEFAULT_MINIMUM_RETENTION_DAYS  # the runbook's 30-day PITR, one figure for both engines

RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
TAGS = ["database", "resilience"]
# What provider drift on a global member would act on: a detach, or a promotion (components/aurora.py MEMBER_IGNORED).
MEMBER_IGNORED = ("globalClusterIdentifier", "replicationSourceIdentifier")
# rds.global_db_rpo as Aurora accepts it (Aurora User Guide, "Managing RPOs for Aurora PostgreSQL-based global
# databases": 20 seconds up to 2,147,483,647); the default bound is the runbook's Critical tier RPO, 5 min.
RPO_FLOOR, RPO_CEILING = 20, 2147483647
DEFAULT_MAXIMUM_RPO_SECONDS = 300


def _member_drift_ignored(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if not get(props, "globalClusterIdentifier"):
        return
    ignored = list(args.opts.ignore_changes or [])
    missing = [path for path in MEMBER_IGNORED if path not in ignored]
    if missing:
        report(f"ignoreChanges is {ignored}; a member of a global database must ignore {', '.join(missing)}: provider "
               "drift on them detaches or promotes the cluster (cloudposse/terraform-aws-rds-cluster #281, "
               "terraform-provider-aws #40921); only the failover flip may drop globalClusterIdentifier", None)


aurora_member_drift_ignored = ResourceValidationPolicy(
    name="aurora-global-member-ignores-drift",
    description="A regional cluster in a global database ignores changes to globalClusterIdentifier and "
    "replicationSourceIdentifier, so that provider drift can never detach or promote it; the failover flip drops the field.",
    validate=resource_policy(RDS_CLUSTER)(_member_drift_ignored),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _encrypted_own_key(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "storageEncrypted") is not True:
        report("storageEncrypted must be true (encryption at rest cannot be added to an existing cluster later)", None)
    if args.resource_type == RDS_GLOBAL_CLUSTER:
        return  # its members carry the keys, one per region
    key = get(props, "kmsKeyId")
    here = region_of(props, args.provider)
    if arn_service(key) != "kms" or arn_region(key) != here:
        report(f"kmsKeyId is {shown(key)}; it must be a customer-managed KMS key ARN in the cluster's region {here}", None)


aurora_encrypted_own_key = ResourceValidationPolicy(
    name="aurora-encrypted-with-own-region-key",
    description="The global cluster is encrypted, and each regional cluster with a customer-managed KMS key of its own region.",
    validate=resource_policy(RDS_CLUSTER, RDS_GLOBAL_CLUSTER)(_encrypted_own_key),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "encryption"],
)


def _deletion_protected(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "deletionProtection") is not True:
        report("deletionProtection must be true", None)
    if args.resource_type == RDS_GLOBAL_CLUSTER:
        return
    if get(props, "skipFinalSnapshot") is True:
        report("skipFinalSnapshot must not be true", None)
    elif not get(props, "finalSnapshotIdentifier"):
        report("finalSnapshotIdentifier must be set (without it the cluster cannot be deleted with a final snapshot)", None)
    retention = get(props, "backupRetentionPeriod")
    minimum = int(config(args, "minimumRetentionDays", DEFAULT_MINIMUM_RETENTION_DAYS))
    if not isinstance(retention, (int, float)) or retention < minimum:
        report(f"backupRetentionPeriod is {shown(retention)}; it must be at least {minimum} days", None)


aurora_deletion_protected = ResourceValidationPolicy(
    name="aurora-deletion-protected-with-backups",
    description="The global cluster and each regional cluster are deletion-protected; regional clusters take a final "
    "snapshot and keep automated backups at least the minimum days (runbook: 30).",
    validate=resource_policy(RDS_CLUSTER, RDS_GLOBAL_CLUSTER)(_deletion_protected),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": DEFAULT_MINIMUM_RETENTION_DAYS,
                                 "description": "Shortest automated-backup retention allowed, in days (runbook: 30)."},
    }),
    tags=TAGS,
)


def _validate_rpo(args: StackValidationArgs, report: ReportViolation) -> None:
    most = int(config(args, "maximumRpoSeconds", DEFAULT_MAXIMUM_RPO_SECONDS))
    groups = {get(g.props, "name"): g for g in of_type(args, RDS_CLUSTER_PARAMETER_GROUP)}
    # The primary member creates the database (it names its master user); secondaries inherit it.
    primaries = [c for c in of_type(args, RDS_CLUSTER) if get(c.props, "globalClusterIdentifier") and get(c.props, "masterUsername")]

    def check(cluster: PolicyResource) -> None:
        group = groups.get(get(cluster.props, "dbClusterParameterGroupName"))
        values = {get(p, "name"): get(p, "value") for p in items(group.props, "parameters")} if group else {}
        value = values.get("rds.global_db_rpo")
        seconds = int(value) if isinstance(value, str) and value.isdigit() else None
        if seconds is None or not RPO_FLOOR <= seconds <= most:
            report(f"{cluster.name}: rds.global_db_rpo is {shown(value)} in its cluster parameter group; it must be "
                   f"{RPO_FLOOR}-{most} seconds, so that commits wait rather than let the RPO grow past the tier's", cluster.urn)

    per_resource(primaries, report, check)


aurora_global_rpo = StackValidationPolicy(
    name="aurora-global-rpo-enforced",
    description="The primary cluster of a global database sets rds.global_db_rpo in its cluster parameter group, within "
    "the strictest tier's RPO: Aurora then holds commits when every secondary lags more (the RPO is enforced, not hoped for).",
    validate=_validate_rpo,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "maximumRpoSeconds": {"type": "integer", "minimum": RPO_FLOOR, "maximum": RPO_CEILING,
                              "default": DEFAULT_MAXIMUM_RPO_SECONDS,
                              "description": "Highest rds.global_db_rpo allowed, in seconds (runbook Critical tier: 5 min)."},
    }),
    tags=TAGS,
)


def _instance_private_observed(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "publiclyAccessible") is not False:
        report(f"publiclyAccessible is {shown(get(props, 'publiclyAccessible'))}; it must be false: the database is reached "
               "only from inside the VPC", None)
    key = get(props, "performanceInsightsKmsKeyId")
    here = region_of(props, args.provider)
    if get(props, "performanceInsightsEnabled") is not True or arn_service(key) != "kms" or arn_region(key) != here:
        report(f"performanceInsightsKmsKeyId is {shown(key)}; Performance Insights must be on, encrypted with a "
               f"customer-managed KMS key ARN in the instance's region {here} (its statements' text is data)", None)


aurora_instance_private_observed = ResourceValidationPolicy(
    name="aurora-instances-private-with-encrypted-insights",
    description="Every Aurora cluster instance is private (publiclyAccessible false) and has Performance Insights on, "
    "encrypted with a customer-managed key of its own region.",
    validate=resource_policy(RDS_CLUSTER_INSTANCE)(_instance_private_observed),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["database", "exposure", "encryption"],
)


POLICIES = [aurora_instance_private_observed, aurora_member_drift_ignored, aurora_encrypted_own_key, aurora_deletion_protected, aurora_global_rpo]
