"""ElastiCache Redis (cluster mode) in both regions."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import CACHE_GROUP, arn_region, arn_service, config, get, region_of, resource_policy, shown

DEFAULT_SNAPSHOT_DAYS = 1


def is_global_secondary(props: Any) -> bool:
    """A member of a global datastore inherits encryption from it (and may not set it)."""
    return bool(get(props, "globalReplicationGroupId"))


def _encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if is_global_secondary(props):
        return
    if get(props, "atRestEncryptionEnabled") is not True:
        report("atRestEncryptionEnabled must be true", None)
    if get(props, "transitEncryptionEnabled") is not True:
        report("transitEncryptionEnabled must be true", None)


cache_encrypted = ResourceValidationPolicy(
    name="elasticache-encrypted-at-rest-and-in-transit",
    description="ElastiCache replication groups encrypt data at rest and in transit.",
    validate=resource_policy(CACHE_GROUP)(_encrypted),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cache", "encryption"],
)


def _failover(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "automaticFailoverEnabled") is not True:
        report("automaticFailoverEnabled must be true", None)
    if get(props, "multiAzEnabled") is not True:
        report("multiAzEnabled must be true", None)


cache_automatic_failover = ResourceValidationPolicy(
    name="elasticache-automatic-failover-multi-az",
    description="ElastiCache replication groups fail over automatically to a replica in another availability zone.",
    validate=resource_policy(CACHE_GROUP)(_failover),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cache", "resilience"],
)


def _snapshots(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    minimum = int(config(args, "minimumSnapshotRetentionDays", DEFAULT_SNAPSHOT_DAYS))
    kept = get(props, "snapshotRetentionLimit")
    if kept is None or kept < minimum:
        report(f"snapshotRetentionLimit is {shown(kept)}; it must be at least {minimum} days", None)
    if not get(props, "snapshotWindow"):
        report("snapshotWindow must be set", None)


cache_snapshots = ResourceValidationPolicy(
    name="elasticache-snapshots-retained",
    description="ElastiCache replication groups take daily snapshots in a set window and keep them at least the minimum days.",
    validate=resource_policy(CACHE_GROUP)(_snapshots),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "minimumSnapshotRetentionDays": {
                "type": "integer", "minimum": 1, "maximum": 35, "default": DEFAULT_SNAPSHOT_DAYS,
                "description": "Shortest snapshot retention in days (0 turns snapshots off; ElastiCache allows up to 35).",
            }
        }
    ),
    tags=["cache", "backup"],
)

def _customer_key(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if is_global_secondary(props):
        return  # a global datastore's secondary takes its encryption from the global datastore
    key = get(props, "kmsKeyId")
    region = region_of(props, args.provider)
    if arn_service(key) != "kms" or arn_region(key) != region:
        report(f"kmsKeyId is {shown(key)}; it must be a customer-managed KMS key ARN in the group's region {region}", None)


cache_customer_key = ResourceValidationPolicy(
    name="elasticache-encrypted-with-customer-key",
    description="ElastiCache replication groups encrypt at rest with a customer-managed KMS key of their region (whose "
    "policy the pack reviews), not the AWS-owned default.",
    validate=resource_policy(CACHE_GROUP)(_customer_key),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cache", "encryption"],
)

POLICIES = [cache_encrypted, cache_automatic_failover, cache_snapshots, cache_customer_key]
