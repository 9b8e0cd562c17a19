"""Velero (Kubernetes custom resources): the runbook's "Kubernetes State (Velero)"."""

from __future__ import annotations

import re
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

from ._common import (
    RDS_INSTANCE,
    REGION_SCHEMA,
    S3_BUCKET,
    VELERO_LOCATION,
    VELERO_SCHEDULE,
    UnknownAtPreview,
    bucket_name,
    config,
    get,
    of_type,
    per_resource,
    region_of,
    resource_policy,
)

DEFAULT_MINIMUM_TTL_HOURS = 720
DEFAULT_DR_REGION = "us-west-2"
_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


def ttl_hours(ttl: Any) -> float | None:
    """A Go duration as Velero takes it (`720h`, `720h0m0s`) in hours; None when not one."""
    if not isinstance(ttl, str) or not ttl:
        return None
    match = _DURATION.match(ttl)
    if not match or not any(match.groupdict().values()):
        return None
    h, m, s = (int(match.group(k) or 0) for k in ("h", "m", "s"))
    return h + m / 60 + s / 3600


def _schedule(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    minimum = int(config(args, "minimumTtlHours", DEFAULT_MINIMUM_TTL_HOURS))
    ttl = get(props, "spec.template.ttl")
    hours = ttl_hours(ttl)
    if hours is None:
        report(f"spec.template.ttl is {ttl}; it must be a duration such as 720h0m0s", None)
    elif hours < minimum:
        report(f"spec.template.ttl is {ttl}; backups must be kept at least {minimum}h", None)
    if get(props, "spec.useOwnerReferencesInBackup") is not False:
        report("spec.useOwnerReferencesInBackup must be false (owner references break syncing backups into the DR cluster)", None)


velero_schedule_ttl = ResourceValidationPolicy(
    name="velero-schedule-ttl-without-owner-references",
    description="Velero schedules keep backups for a set TTL (at least 30 days) and set useOwnerReferencesInBackup: false, so backups survive in, and sync into, another cluster.",
    validate=resource_policy(VELERO_SCHEDULE)(_schedule),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "minimumTtlHours": {
                "type": "integer", "minimum": 1, "maximum": 87600, "default": DEFAULT_MINIMUM_TTL_HOURS,
                "description": "Shortest backup TTL in hours (runbook: daily backups kept 30 days = 720h).",
            }
        }
    ),
    tags=["velero", "backup"],
)


def location_bucket(location: PolicyResource) -> Any:
    return get(location.props, "spec.objectStorage.bucket")


def is_standby_location(location: PolicyResource, own_buckets: set[str], dr_region: str) -> bool:
    """A location in the DR region on a bucket this stack does not own: the primary's replica, read-only."""
    return get(location.props, "spec.config.region") == dr_region and location_bucket(location) not in own_buckets


def failed_over(args: StackValidationArgs, dr_region: str) -> bool:
    """Whether this stack has failed over: it declares a writable (promoted) database in the DR region.

    Scenario 4 promotes the replica first; from then on the DR cluster is the one taking backups.
    """
    for instance in of_type(args, RDS_INSTANCE):
        if region_of(instance.props, instance.provider) == dr_region and not get(instance.props, "replicateSourceDb"):
            return True
    # database.drMode aurora-global: the DR cluster detached from the global database is the writer.
    for cluster in of_type(args, "aws:rds/cluster:Cluster"):
        if region_of(cluster.props, cluster.provider) == dr_region and not get(cluster.props, "globalClusterIdentifier"):
            return True
    return False


def _standby_read_only(args: StackValidationArgs, report: ReportViolation) -> None:
    dr_region = str(config(args, "drRegion", DEFAULT_DR_REGION))
    own = {name for name in (bucket_name(b) for b in of_type(args, S3_BUCKET)) if name}
    try:
        if failed_over(args, dr_region):
            return
    except UnknownAtPreview as unknown:
        report(unknown.message, None)
        return

    def check(location: PolicyResource) -> None:
        if is_standby_location(location, own, dr_region) and get(location.props, "spec.accessMode") != "ReadOnly":
            report(
                f"{location.name}: the standby location on {location_bucket(location)} must have spec.accessMode ReadOnly, "
                "so the DR cluster never deletes or overwrites replicated backups",
                location.urn,
            )

    per_resource(of_type(args, VELERO_LOCATION), report, check)


velero_standby_location_read_only = StackValidationPolicy(
    name="velero-standby-location-read-only",
    description="In standby (the DR database is still a replica), a Velero backup location in the DR region on a bucket the stack does not own (the replica of the primary's bucket) is ReadOnly.",
    validate=_standby_read_only,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={"drRegion": {**REGION_SCHEMA, "default": DEFAULT_DR_REGION, "description": "The DR region."}}),
    tags=["velero", "backup", "resilience"],
)

POLICIES = [velero_schedule_ttl, velero_standby_location_read_only]
