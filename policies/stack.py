"""Stack-wide policies: data stores protected, and the relationships across resources that make recovery
work, which a scanner looking at one resource at a time cannot see."""

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
    BACKUP_PLAN,
    BACKUP_SELECTION,
    BACKUP_VAULT,
    CACHE_GROUP,
    KMS_KEY,
    KMS_REPLICA_KEY,
    RDS_BACKUPS_REPLICATION,
    RDS_INSTANCE,
    REGION_SCHEMA,
    ROUTE53_RECORD,
    S3_BUCKET,
    S3_LIFECYCLE,
    S3_REPLICATION,
    S3_VERSIONING,
    VELERO_LOCATION,
    UnknownAtPreview,
    arn_region,
    as_list,
    bucket_name,
    bucket_of,
    config,
    configs_by_bucket,
    get,
    items,
    of_type,
    per_resource,
    region_of,
    stack_reference_values,
)
from .dns import failover_type
from .storage import noncurrent_lifecycle, transient_buckets
from .velero import location_bucket

DEFAULT_DR_REGION = "us-west-2"
DR_REGION_SCHEMA = PolicyConfigSchema(
    properties={"drRegion": {**REGION_SCHEMA, "default": DEFAULT_DR_REGION, "description": "The DR region (runbook: us-west-2)."}}
)
DATA_STORES = frozenset({RDS_INSTANCE, S3_BUCKET, BACKUP_VAULT, CACHE_GROUP, KMS_KEY, KMS_REPLICA_KEY,
                         "aws:rds/cluster:Cluster", "aws:rds/globalCluster:GlobalCluster"})


def _protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in DATA_STORES and not args.opts.protect:
        report("protect must be true on a data store, so no `pulumi up` or `destroy` can delete or replace it", None)


data_stores_protected = ResourceValidationPolicy(
    name="data-stores-protected",
    description="Every data store (database, bucket, backup vault, cache, KMS key) has the Pulumi protect option. "
    "(retainOnDelete is not visible to policy packs; tests of the data part check it.)",
    validate=_protected,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["backup", "resilience"],
)


def _region(resource: PolicyResource) -> str | None:
    return region_of(resource.props, resource.provider)


def _bucket_by_arn(buckets: list[PolicyResource], arn: Any) -> PolicyResource | None:
    for bucket in buckets:
        if arn in (f"arn:aws:s3:::{bucket_name(bucket)}", bucket_name(bucket)):
            return bucket
    return None


def _replication_destinations(args: StackValidationArgs, report: ReportViolation) -> None:
    buckets = of_type(args, S3_BUCKET)
    versioning = configs_by_bucket(args, S3_VERSIONING, lambda *_: None)
    lifecycles = configs_by_bucket(args, S3_LIFECYCLE, lambda *_: None)

    def enabled(bucket: PolicyResource) -> bool:
        subs = versioning.get(bucket.urn, [])
        return bool(subs) and all(get(s.props, "versioningConfiguration.status") == "Enabled" for s in subs)

    def lifecycle(bucket: PolicyResource) -> tuple[int | None, int | None]:
        return noncurrent_lifecycle([rule for s in lifecycles.get(bucket.urn, []) for rule in items(s.props, "rules")])

    def check(config_: PolicyResource) -> None:
        source = bucket_of(config_, buckets)
        if source is None:
            report(f"{config_.name}: its source bucket is not declared in this stack", config_.urn)
            return
        dep_urns = {d.urn for d in config_.dependencies}
        for rule in items(config_.props, "rules"):
            arn = get(rule, "destination.bucket")
            destination = _bucket_by_arn(buckets, arn)
            if destination is None:
                report(f"{config_.name}: destination {arn} is not a bucket declared in this stack", config_.urn)
                continue
            if _region(destination) == _region(source):
                report(f"{config_.name}: destination {bucket_name(destination)} is in {_region(source)}, the source's region; it must be in another region", config_.urn)
            if not enabled(destination):
                report(f"{config_.name}: destination {bucket_name(destination)} must have versioning Enabled", config_.urn)
            if lifecycle(destination) != lifecycle(source):
                report(
                    f"{config_.name}: destination {bucket_name(destination)} must have the source's non-current lifecycle "
                    f"{lifecycle(source)} (has {lifecycle(destination)}); expirations are not replicated",
                    config_.urn,
                )
            for bucket in (source, destination):
                needed = {v.urn for v in versioning.get(bucket.urn, [])}
                if needed and not needed & dep_urns:
                    report(f"{config_.name}: must depend on the versioning of {bucket_name(bucket)} (replication requires it first)", config_.urn)

    per_resource(of_type(args, S3_REPLICATION), report, check)


replication_destination_valid = StackValidationPolicy(
    name="s3-replication-destination-versioned-in-other-region",
    description="Every S3 replication destination is a bucket of this stack in another region, versioned, with the source's lifecycle, and replication waits for both buckets' versioning.",
    validate=_replication_destinations,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "resilience"],
)


def _buckets_replicated(args: StackValidationArgs, report: ReportViolation) -> None:
    buckets = of_type(args, S3_BUCKET)
    sources: set[str] = set()
    destinations: set[str] = set()
    for config_ in of_type(args, S3_REPLICATION):
        try:
            source = bucket_of(config_, buckets)
            if source is not None:
                sources.add(source.urn)
            for rule in items(config_.props, "rules"):
                destination = _bucket_by_arn(buckets, get(rule, "destination.bucket"))
                if destination is not None:
                    destinations.add(destination.urn)
        except UnknownAtPreview as unknown:
            report(f"{config_.name}: {unknown.message}", config_.urn)
    excused = transient_buckets(args, report)
    for bucket in buckets:
        if bucket.urn not in sources | destinations | excused:
            report(f"bucket {bucket.name} is neither replicated to another region nor a replica", bucket.urn)


buckets_replicated = StackValidationPolicy(
    name="s3-bucket-replicated-or-replica",
    description="Every S3 bucket is either replicated to the other region or is itself the replica (runbook: cross-region replication enabled); "
    "only a bucket tagged data-class=transient whose lifecycle expires every object within 31 days is excused.",
    validate=_buckets_replicated,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["storage", "resilience"],
)

_RDS_DB_ARN = re.compile(r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):\d{12}:db:[A-Za-z0-9-]+$")


def _dr_databases(args: StackValidationArgs, report: ReportViolation) -> None:
    dr = str(config(args, "drRegion", DEFAULT_DR_REGION))
    in_dr = [i for i in of_type(args, RDS_INSTANCE) if _region(i) == dr]
    if not in_dr:
        return  # not the DR stack
    if any(not get(i.props, "replicateSourceDb") for i in in_dr):
        return  # failover: the DR database is the writer; its replica returns with the primary stack
    sources = {get(i.props, "replicateSourceDb"): i for i in in_dr}
    cross = {s: i for s, i in sources.items() if arn_region(s) not in (None, dr)}
    for source, replica in sources.items():
        if source not in cross:
            report(f"{replica.name}: replicateSourceDb {source} must be the ARN of a database in another region", replica.urn)
    peers = {v for v in stack_reference_values(args) if (m := _RDS_DB_ARN.match(v)) and m.group("region") != dr}
    for arn in sorted(peers - set(cross)):
        report(f"the writable database {arn} has no cross-region read replica in {dr}", None)
    replicated = {
        get(r.props, "sourceDbInstanceArn") for r in of_type(args, RDS_BACKUPS_REPLICATION) if _region(r) == dr
    }
    for source, replica in cross.items():
        if source not in replicated:
            report(f"{replica.name}: automated backups of {source} are not replicated into {dr}", replica.urn)


dr_databases_replicated = StackValidationPolicy(
    name="dr-database-replica-and-backup-replication",
    description="In the DR stack (standby), every writable database of the other region has a read replica here, and its automated backups are replicated here (point-in-time restore in the DR region).",
    validate=_dr_databases,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=DR_REGION_SCHEMA,
    tags=["database", "resilience"],
)


def is_weekly(schedule: Any) -> bool:
    """An AWS cron expression that fires on one day of the week: cron(min hour ? * DAY *)."""
    match = re.match(r"^cron\((.+)\)$", str(schedule or "").strip())
    if not match:
        return False
    fields = match.group(1).split()
    return len(fields) == 6 and fields[2] == "?" and fields[3] == "*" and re.fullmatch(r"[A-Z]{3}|[1-7]", fields[4]) is not None


def _weekly_copy(args: StackValidationArgs, report: ReportViolation) -> None:
    dr = str(config(args, "drRegion", DEFAULT_DR_REGION))
    writers = [i for i in of_type(args, RDS_INSTANCE) if not get(i.props, "replicateSourceDb") and _region(i) != dr]
    if not writers:
        return
    vaults = [(get(v.props, "name"), _region(v)) for v in of_type(args, BACKUP_VAULT)]
    copies_found = False
    good = False
    for plan in of_type(args, BACKUP_PLAN):
        here = _region(plan)
        for rule in items(plan.props, "rules"):
            if not is_weekly(get(rule, "schedule")):
                continue
            for copy in items(rule, "copyActions"):
                copies_found = True
                arn = get(copy, "destinationVaultArn")
                target = arn_region(arn)
                declared = any(isinstance(arn, str) and arn.endswith(f":backup-vault:{n}") and r == target for n, r in vaults)
                if target in (None, here):
                    report(f"{plan.name}: rule {get(rule, 'ruleName')} copies to {arn}, which is not in another region", plan.urn)
                elif not declared:
                    report(f"{plan.name}: rule {get(rule, 'ruleName')} copies to {arn}, which is not a vault declared in this stack", plan.urn)
                else:
                    good = True
    if not copies_found:
        report("no backup plan takes a weekly backup and copies it to a vault in the other region", None)
    if not good:
        return
    selected: set[str] = set()
    for selection in of_type(args, BACKUP_SELECTION):
        selected.update(str(r) for r in as_list(get(selection.props, "resources")))
    for writer in writers:
        arn = f"arn:aws:rds:{_region(writer)}:"
        ident = get(writer.props, "identifier")
        if not any(s.startswith(arn) and s.endswith(f":db:{ident}") for s in selected):
            report(f"{writer.name}: the database is not selected by any backup selection (weekly snapshots)", writer.urn)


weekly_backup_cross_region = StackValidationPolicy(
    name="weekly-backup-copied-to-other-region",
    description="A stack with a writable database in the primary region has a weekly backup plan that selects it and copies to a vault of this stack in the other region (runbook: weekly snapshots copied to us-west-2).",
    validate=_weekly_copy,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=DR_REGION_SCHEMA,
    tags=["backup", "resilience"],
)


def _failover_pairs(args: StackValidationArgs, report: ReportViolation) -> None:
    groups: dict[tuple[Any, Any, Any], list[tuple[str, PolicyResource]]] = {}

    def collect(record: PolicyResource) -> None:
        kind = failover_type(record.props)
        if kind:
            key = (get(record.props, "zoneId"), get(record.props, "name"), get(record.props, "type"))
            groups.setdefault(key, []).append((str(kind), record))

    per_resource(of_type(args, ROUTE53_RECORD), report, collect)
    for (zone, name, type_), members in sorted(groups.items(), key=lambda kv: str(kv[0])):
        kinds = sorted(kind for kind, _ in members)
        if kinds != ["PRIMARY", "SECONDARY"]:
            report(f"failover record set {name} {type_} in zone {zone} has {', '.join(kinds)}; it needs exactly one PRIMARY and one SECONDARY", members[0][1].urn)


failover_records_paired = StackValidationPolicy(
    name="route53-failover-records-paired",
    description="Every failover record set (zone, name, type) has exactly one PRIMARY and one SECONDARY record.",
    validate=_failover_pairs,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["dns", "resilience"],
)


def _velero_reads_replica(args: StackValidationArgs, report: ReportViolation) -> None:
    dr = str(config(args, "drRegion", DEFAULT_DR_REGION))
    buckets = of_type(args, S3_BUCKET)
    own = {bucket_name(b) for b in buckets}
    destinations: set[str] = set()
    for config_ in of_type(args, S3_REPLICATION):
        destinations.update(str(get(rule, "destination.bucket")) for rule in items(config_.props, "rules"))
    peer = stack_reference_values(args)

    def check(location: PolicyResource) -> None:
        if get(location.props, "spec.config.region") != dr:
            return
        bucket = location_bucket(location)
        if bucket in own:
            if f"arn:aws:s3:::{bucket}" not in destinations:
                report(f"{location.name}: bucket {bucket} in {dr} is not a replication destination", location.urn)
            return
        if bucket not in peer and f"arn:aws:s3:::{bucket}" not in peer:
            report(f"{location.name}: bucket {bucket} is not a replica this stack can see (not declared here, not among the primary stack's outputs)", location.urn)

    per_resource(of_type(args, VELERO_LOCATION), report, check)


velero_dr_location_reads_replica = StackValidationPolicy(
    name="velero-dr-location-reads-primary-replica",
    description="A Velero location in the DR region reads the replica of the primary's backup bucket: a replication destination declared here or published by the primary stack.",
    validate=_velero_reads_replica,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=DR_REGION_SCHEMA,
    tags=["velero", "resilience"],
)

POLICIES = [
    data_stores_protected,
    replication_destination_valid,
    buckets_replicated,
    dr_databases_replicated,
    weekly_backup_cross_region,
    failover_records_paired,
    velero_dr_location_reads_replica,
]
