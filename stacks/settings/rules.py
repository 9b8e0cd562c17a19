"""Rules across sections: settings that are valid one by one but not together.

They run when the settings are loaded, after each section has validated itself and before the program
declares anything, so a bad combination (a DNS name outside the zone during a failover, a setting that
would make two writers) stops `pulumi up` before the promotion is ever sent. Each rule returns the first
problem it finds as (key, value, allowed), the parts of a SettingsError.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import duration_minutes, weekly_overlaps_daily
from .cron import CronError, aws_max_gap_days, github_cron, velero_max_gap_days
from .database import aurora_problem, failback_replicates
from .fallback import effective_fallback, missing_fallback, uses_stack_reference
from .readiness import RPO_CAUSES, RTO_CAUSES
from .runner import ecr_image
from .stack import StackSettings
from .testing import FREQUENCY_DAYS, verification_schedule
from .tiers import TIER_NAME, duplicate_service, tier_slug
from .velero import ttl_hours

Problem = tuple[str, object, str]
Rule = Callable[[StackSettings], Problem | None]


def stack_problem(settings: StackSettings) -> Problem | None:
    """The stack's role, region and active region; the tier table; the database's windows."""
    expected = settings.regions.primary if settings.role == "primary" else settings.regions.dr
    if settings.region != expected:
        return ("region", settings.region, f"the {settings.role} stack's region, {expected} (aivo-dr:regions.{settings.role})")
    if settings.role == "primary" and settings.failover:
        return ("failover", True, "false on the primary stack; failover is set on the dr stack only")
    if settings.role == "dr" and settings.active_region is not None:
        return ("activeRegion", settings.active_region, "unset on the dr stack; the dr stack is made active with failover: true")
    if settings.active_region is not None and settings.active_region not in (settings.regions.primary, settings.regions.dr):
        return ("activeRegion", settings.active_region, f"{settings.regions.primary} or {settings.regions.dr}")
    for name, tier in settings.tiers.items():
        if tier.rpo_minutes > tier.rto_minutes:
            return (f"tiers.{name}.rpo", tier.rpo, f"no longer than the tier's RTO ({tier.rto})")
    database = settings.database
    if weekly_overlaps_daily(database.maintenance_window, database.backup_window):
        return ("database.maintenanceWindow", database.maintenance_window, f"a window outside the backupWindow {database.backup_window}")
    duplicate = duplicate_service(settings.tiers)
    if duplicate:
        service, first, second = duplicate
        return (f"tiers.{second}.services", service, f"a service in one tier only; {service} is already in {first}")
    return None


def database_problem(settings: StackSettings) -> Problem | None:
    """The engine version as RDS and the provider take it: the major only (minor upgrades are automatic), and
    the parameter group's family of that major."""
    db = settings.database
    major, _, minor = db.engine_version.partition(".")
    if minor:
        return ("database.engineVersion", db.engine_version,
                f'the major version only ("{major}"): RDS applies minor upgrades itself, and a pinned minor makes every later '
                "`pulumi up` a refused downgrade (terraform-provider-aws #39579)")
    if db.parameter_family != f"postgres{major}":
        return ("database.parameterFamily", db.parameter_family, f"postgres{major}, the family of engineVersion {major}")
    # Storage autoscaling: "the maximum storage threshold must be at least 10% greater than the current
    # allocated storage" (Amazon RDS User Guide, "Managing capacity automatically with Amazon RDS storage
    # autoscaling"); maxAllocatedStorage below that is refused by CreateDBInstance.
    least = -(-db.allocated_storage * 11 // 10)  # 10% above, rounded up
    if db.max_allocated_storage < least:
        return ("database.maxAllocatedStorage", db.max_allocated_storage,
                f"at least {least} (10% above allocatedStorage {db.allocated_storage}, as RDS storage autoscaling requires)")
    if db.storage_type in ("io1", "io2"):
        most = db.allocated_storage * (50 if db.storage_type == "io1" else 1000)  # RDS: IOPS per GiB, at most
        if db.iops is None:
            return ("database.iops", None, f"required with storageType {db.storage_type}: provisioned IOPS, from 1000 to {min(most, 256000)}")
        if db.iops > most:
            return ("database.iops", db.iops, f"at most {most} for {db.allocated_storage} GiB of {db.storage_type} "
                    f"({50 if db.storage_type == 'io1' else 1000} IOPS per GiB)")
    elif db.iops is not None:
        return ("database.iops", db.iops, "unset with storageType gp3 (its baseline IOPS), or storageType io1/io2")
    return None


def objectives_problem(settings: StackSettings) -> Problem | None:
    """The recovery objectives, consistent with themselves and with the tiers (docs/settings.md, "Objectives").

    - MTTR no longer than the platform RTO: a mean recovery time above the RTO misses the RTO on average.
    - No tier RPO below 5 minutes: RDS point-in-time recovery restores to at most 5 minutes ago (the latest
      restorable time, Amazon RDS User Guide, "Restoring a DB instance to a specified time").
    - Tier names that the program turns into resource names (tier_slug) must stay distinct.
    - No tier RTO above the platform RTO: the platform is recovered when its last tier is, and the failover
      runner waits that long (runner.timeoutMinutes >= objectives.rto).
    A tier's RPO above the platform's is not refused: the runbook's own Low tier has an RPO of 4 hours against
    a platform RPO of "< 1 hour" (docs/settings.md, "Objectives and tiers", says what that means).
    """
    o = settings.objectives
    if duration_minutes(o.mttr) > duration_minutes(o.rto):
        return ("objectives.mttr", o.mttr, f"no longer than objectives.rto ({o.rto}): a mean time to recover above the RTO misses it")
    slugs: dict[str, str] = {}
    for name, tier in settings.tiers.items():
        if not TIER_NAME.fullmatch(name):
            return (f"tiers.{name}", name, "a tier name of 1-40 letters, digits, ' ', '_', '.' or '-', a letter or digit first")
        slug = tier_slug(name)
        if slug in slugs:
            return (f"tiers.{name}", name, f"a tier name distinct from {slugs[slug]} once made a resource name ({slug})")
        slugs[slug] = name
        if tier.rpo_minutes < 5:
            return (f"tiers.{name}.rpo", tier.rpo, "at least 5 min: RDS point-in-time recovery restores to at most 5 minutes ago")
        if tier.rto_minutes > duration_minutes(o.rto):
            return (f"tiers.{name}.rto", tier.rto, f"no longer than objectives.rto ({o.rto}): the platform is recovered only "
                    "when its last tier is")
    return None


def windows_problem(settings: StackSettings) -> Problem | None:
    """ElastiCache: "The snapshot window and the maintenance window must not overlap" (CreateReplicationGroup
    SnapshotWindow); RDS's backup and maintenance windows are checked in stack_problem."""
    cache = settings.cache
    if weekly_overlaps_daily(cache.maintenance_window, cache.snapshot_window):
        return ("cache.maintenanceWindow", cache.maintenance_window, f"a window outside the snapshotWindow {cache.snapshot_window}")
    return None


def backup_plan_problem(settings: StackSettings) -> Problem | None:
    """AWS Backup's weekly rule: the completion window counts from the scheduled time, so it must outlast the
    start window by at least an hour; every snapshot lives until the next one is taken."""
    ws = settings.weekly_snapshots
    if ws.completion_window_minutes < ws.start_window_minutes + 60:
        return ("weeklySnapshots.completionWindowMinutes", ws.completion_window_minutes,
                f"at least startWindowMinutes + 60 ({ws.start_window_minutes + 60}): the completion window counts "
                "from the scheduled time, not from the start")
    gap = aws_max_gap_days(ws.schedule)
    if gap is not None:
        for key, days in (("retentionDays", ws.retention_days), ("copyRetentionDays", ws.copy_retention_days)):
            if days < gap:
                return (f"weeklySnapshots.{key}", days,
                        f"at least {gap} days, the longest time between two runs of {ws.schedule}: else there are days "
                        "with no snapshot to restore")
    return None


def cache_problem(settings: StackSettings) -> Problem | None:
    """ElastiCache cluster mode: at most 500 nodes per replication group (shards x (1 + replicas))."""
    for key, size in (("size", settings.cache.size), ("standbySize", settings.cache.standby_size)):
        nodes = size.num_node_groups * (1 + size.replicas_per_node_group)
        if nodes > 500:
            return (f"cache.{key}.numNodeGroups", size.num_node_groups,
                    f"a size of at most 500 nodes (numNodeGroups x (1 + replicasPerNodeGroup) is {nodes})")
    return None


def velero_problem(settings: StackSettings) -> Problem | None:
    """The runbook's Velero promises: a daily backup every day, a weekly one every week, each kept until the next
    one exists; schedule names that stay distinct Kubernetes names (and URNs) in both stacks."""
    v = settings.velero
    suffix = f"-{settings.regions.dr}"
    if v.daily.name == v.weekly.name:
        return ("velero.weekly.name", v.weekly.name, f"a name other than velero.daily.name ({v.daily.name}): one name is one Schedule")
    for key, schedule in (("daily", v.daily), ("weekly", v.weekly)):
        if len(schedule.name) + len(suffix) > 63:
            return (f"velero.{key}.name", schedule.name,
                    f"at most {63 - len(suffix)} characters: the dr stack's schedule is <name>{suffix}, a Kubernetes name of at most 63")
    for key, schedule, most in (("daily", v.daily, 1), ("weekly", v.weekly, 7)):
        gap = velero_max_gap_days(schedule.schedule)
        if gap > most:
            return (f"velero.{key}.schedule", schedule.schedule,
                    f"a schedule that runs at least every {'day' if most == 1 else f'{most} days'} (the runbook's {key} backup); "
                    f"this one leaves {gap} days between runs")
        if ttl_hours(schedule.ttl) < gap * 24:
            return (f"velero.{key}.ttl", schedule.ttl,
                    f"at least {gap * 24}h, the longest time between two runs of the {key} schedule: else there are hours "
                    "with no backup to restore")
    return None


def names_problem(settings: StackSettings) -> Problem | None:
    """Names the program derives from settings: the replica buckets (<bucket>-<dr region>) and the log buckets
    (<logBucketPrefix>-<region>) fit S3's 63 characters, the log replication role and the Enhanced Monitoring roles
    (<identifier>-monitoring) IAM's 64; the failover records are two names."""
    storage = settings.storage
    for key, bucket in (("assetsBucket", storage.assets_bucket), ("veleroBucket", storage.velero_bucket)):
        replica = storage.replica_name(bucket, settings.regions.dr)
        if len(replica) > 63:
            return (f"storage.{key}", bucket,
                    f"at most {63 - len(replica) + len(bucket)} characters: its replica {replica} must fit S3's 63")
    longest = max((storage.log_bucket(region) for region in (settings.regions.primary, settings.regions.dr)), key=len)
    if len(longest) > 63:
        return ("storage.logBucketPrefix", storage.log_bucket_prefix,
                f"at most {63 - len(longest) + len(storage.log_bucket_prefix)} characters: the log bucket {longest} must fit S3's 63")
    role = f"{storage.log_bucket(settings.regions.primary)}-replication"  # components/storage.py LogBuckets
    if len(role) > 64:
        return ("storage.logBucketPrefix", storage.log_bucket_prefix,
                f"at most {64 - len(role) + len(storage.log_bucket_prefix)} characters: the log replication role {role} must fit IAM's 64")
    database = settings.database
    for key, identifier in (("identifier", database.identifier), ("replicaIdentifier", database.replica_identifier)):
        if len(f"{identifier}-monitoring") > 64:
            return (f"database.{key}", identifier, "at most 53 characters: its Enhanced Monitoring role "
                    f"{identifier}-monitoring must fit IAM's 64")
    if settings.dns.api_name == settings.dns.app_name:
        return ("dns.appName", settings.dns.app_name, "a name other than dns.apiName: each is its own failover record set")
    return None


def runner_problem(settings: StackSettings) -> Problem | None:
    """The failover runs in the deploy runner: a build timeout shorter than the platform RTO would stop the
    failover before the time the runbook gives it to recover the platform."""
    if not settings.runner.enabled:
        return None
    rto = duration_minutes(settings.objectives.rto)
    if settings.runner.timeout_minutes < rto:
        return ("runner.timeoutMinutes", settings.runner.timeout_minutes,
                f"at least {rto}, the platform RTO (objectives.rto {settings.objectives.rto}): the failover build runs until "
                "the platform is recovered")
    return None


def runner_image_problem(settings: StackSettings) -> Problem | None:
    """The runner's image is in the repository its own stack declares, in its own account and region: a failover build
    pulls nothing from another region or account (and CodeBuild pulls it with the runner's role)."""
    if not settings.runner.enabled:
        return None
    key = f"site.runnerImages.{settings.region}"
    image = settings.site.runner_images.get(settings.region)
    repository = settings.runner.image_repository
    host = f"{settings.account_id}.dkr.ecr.{settings.region}.amazonaws.com"
    if image is None:
        return (key, None, f"required with runner.enabled: {type(settings.site).model_fields['runner_images'].description}")
    parts = ecr_image(image)
    if (parts.account, parts.region, parts.repository) != (settings.account_id, settings.region, repository):
        return (key, image, f"an image of {host}/{repository} (site.accountId, this stack's region, runner.imageRepository), "
                f"by digest: {host}/{repository}@sha256:<64 hex>")
    return None


def api_access_problem(settings: StackSettings) -> Problem | None:
    """The cluster's API is private: `pulumi up` reaches it from the deploy runner in the VPC, or from
    listed public CIDRs. A configuration where no declared path reaches it would fail every Kubernetes step."""
    if settings.runner.enabled:
        if settings.region not in settings.site.code_connection_arns:
            return (f"site.codeConnectionArns.{settings.region}", None,
                    f"required with runner.enabled: {type(settings.site).model_fields['code_connection_arns'].description}")
        return None
    if not settings.cluster.public_access_cidrs:
        return ("runner.enabled", False,
                "true, or cluster.publicAccessCidrs naming where `pulumi up` runs: the cluster API endpoint is private "
                "and nothing else reaches it")
    return None


def split_brain(settings: StackSettings) -> Problem | None:
    """A setting that would leave both regions' databases writable.

    - primary: the failback instance is promoted only once activeRegion is back to us-east-1; promoting it
      while us-west-2 is active would make a second writer.
    - dr: failover while the primary stack says its failback instance is already the writer (known from
      peer.fallback.databaseFailbackPromoted) would promote us-west-2 beside it. What the StackReference
      says is checked when it is read (stacks/data.py, promotion_guard).
    """
    s = settings
    if s.role == "primary" and s.active != s.regions.primary and s.database.failback_promoted:
        return (
            "database.failbackPromoted", True,
            f"false while activeRegion is {s.active}: promote the failback instance only after activeRegion "
            f"is back to {s.regions.primary}, or both regions take writes",
        )
    if s.role == "primary" and s.database.retire_original and not s.database.failback_promoted:
        return (
            "database.retireOriginal", True,
            "true only once database.failbackPromoted is true: the original writer is retired after the "
            "failback instance has become the writer",
        )
    if s.role == "dr" and s.failover and effective_fallback(s).get("databaseFailbackPromoted") == "true":
        return (
            "failover", True,
            "false once the primary stack's failback instance is the writer "
            "(peer.fallback.databaseFailbackPromoted is true), or both regions take writes",
        )
    return None


def restore_sources(settings: StackSettings) -> list[str]:
    """What `database.restore.source` may name: an instance of this stack's region, or (dr stack) the
    primary's automated backups replicated into us-west-2, named by the primary's identifier."""
    db = settings.database
    if settings.role == "dr":
        return [db.replica_identifier, db.identifier]
    local = [] if db.retire_original else [db.identifier]
    if failback_replicates(settings.active, settings.regions.primary, db.failback_promoted) is not None:
        local.append(db.failback_identifier)
    return sorted(local)


def restore_problem(settings: StackSettings) -> Problem | None:
    """Runbook "Database Point-in-Time Recovery": the source must exist in this stack's region."""
    restore = settings.database.restore
    if restore is None:
        return None
    allowed = restore_sources(settings)
    if restore.source not in allowed:
        return ("database.restore.source", restore.source, f"an instance of this stack's region: {' or '.join(allowed)}")
    return None


def peer_problem(settings: StackSettings) -> Problem | None:
    """Without a StackReference, the dr stack must find every peer value in `peer.fallback`."""
    if not settings.is_dr or uses_stack_reference(settings):
        return None
    missing = missing_fallback(settings)
    if missing:
        return (
            "peer.fallback", sorted(settings.peer.fallback),
            f"every key the dr stack reads when peer.useStackReference is false; missing: {', '.join(missing)}",
        )
    return None


def edge_problem(settings: StackSettings) -> Problem | None:
    """The DNS and CDN settings: an endpoint per region, names inside the zone, CDN names apart from the
    failover records."""
    dns, cdn, ingress = settings.dns, settings.cdn, settings.site.ingress
    pair = (settings.regions.primary, settings.regions.dr)
    missing = [region for region in pair if region not in ingress]
    if missing:
        return ("site.ingress", ingress, f"an ingress hostname for each region of the pair ({', '.join(pair)})")
    if ingress[pair[0]] == ingress[pair[1]]:
        return ("site.ingress", ingress, "a different ingress hostname per region (failover needs two targets)")
    for key, name in (("dns.apiName", dns.api_name), ("dns.appName", dns.app_name), *(("cdn.aliases", a) for a in cdn.aliases)):
        if not name.endswith("." + dns.zone_name):
            return (key, name, f"a name inside the zone {dns.zone_name} (dns.zoneName)")
    clash = sorted(set(cdn.aliases) & set(dns.failover_names.values()))
    if clash:
        return ("cdn.aliases", cdn.aliases, f"names other than the failover records {', '.join(sorted(dns.failover_names.values()))}")
    return None


def paging_problem(settings: StackSettings) -> Problem | None:
    """Every tier has an urgency when they are set (its PagerDuty service), and a replication alarm can fire within the
    strictest tier's RPO (otherwise data is lost before anyone is paged)."""
    tiers = list(settings.tiers)
    urgency = settings.paging.urgency
    if urgency and sorted(urgency) != sorted(tiers):
        return ("paging.urgency", dict(urgency), f"high or low for each tier, exactly: {', '.join(tiers)}")
    d = settings.detection
    fires = d.period_seconds * d.evaluation_periods + d.metric_delay_seconds
    strictest = min(settings.tiers.values(), key=lambda tier: tier.rpo_minutes)
    name = next(n for n, t in settings.tiers.items() if t is strictest)
    if fires >= strictest.rpo_minutes * 60:
        return ("detection.evaluationPeriods", d.evaluation_periods,
                f"few enough that an alarm fires within the {name} tier's RPO ({strictest.rpo}): periods of "
                f"{d.period_seconds} s plus {d.metric_delay_seconds} s of metric delay take {fires} s now")
    return None


def testing_problem(settings: StackSettings) -> Problem | None:
    """The Testing Schedule: the weekly verification runs after each weekly snapshot (so that schedule must be one
    that can be followed, by AWS Backup and by GitHub Actions), each scheduled experiment runs at least as often as
    its runbook row, and the pods experiment names a service of the tier table and runs only where FIS can reach the
    cluster's API (its public endpoint)."""
    t, ws = settings.testing, settings.weekly_snapshots
    try:
        github_cron(verification_schedule(ws))
    except CronError as error:
        return ("weeklySnapshots.schedule", ws.schedule, f"{error}: the restore test and the dr-verify workflow run "
                f"weeklySnapshots.completionWindowMinutes ({ws.completion_window_minutes}) after it")
    gap = aws_max_gap_days(ws.schedule)
    most = FREQUENCY_DAYS[t.frequency.backup_verification]
    if t.restore.enabled and gap is not None and gap > most:
        return ("weeklySnapshots.schedule", ws.schedule, f"a schedule that runs at least every {most} days (testing.frequency."
                f"backupVerification {t.frequency.backup_verification}: the restore test follows it); it leaves {gap} days")
    if t.experiments.service_pods.enabled and not settings.cluster.public_access_cidrs:
        return ("testing.experiments.servicePods.enabled", True,
                "false while cluster.publicAccessCidrs is empty: FIS's aws:eks:pod actions reach the cluster's Kubernetes API "
                "from outside the VPC, and a private-only endpoint answers only inside it (the FIS user guide documents no "
                "private path; docs/aws-contracts.md)")
    services = sorted(s for tier in settings.tiers.values() for s in tier.services)
    if t.experiments.service_pods.service is not None and t.experiments.service_pods.service not in services:
        return ("testing.experiments.servicePods.service", t.experiments.service_pods.service,
                "a service of the tier table: " + ", ".join(services))
    rows = (("databaseFailover", t.experiments.database_failover, "databaseFailover"),
            ("servicePods", t.experiments.service_pods, "singleServiceRecovery"),
            ("clusterNodes", t.experiments.cluster_nodes, "chaosEngineering"))
    for key, experiment, row in rows:
        if not (experiment.enabled and experiment.scheduled):
            continue
        frequency = getattr(t.frequency, {"databaseFailover": "database_failover", "singleServiceRecovery": "single_service_recovery",
                                          "chaosEngineering": "chaos_engineering"}[row])
        most = FREQUENCY_DAYS[frequency]
        gap = aws_max_gap_days(experiment.schedule)
        if gap is None or gap > most:
            return (f"testing.experiments.{key}.schedule", experiment.schedule,
                    f"a schedule that runs at least every {most} days (testing.frequency.{row} {frequency})"
                    + (f"; it leaves {gap} days" if gap is not None else "; it runs at most once"))
    return None


def uses_problem(settings: StackSettings) -> Problem | None:
    """Every service of every tier says what it uses (the readiness model's dependencies), and only those services."""
    for name, tier in settings.tiers.items():
        for service in tier.services:
            if service not in tier.uses:
                return (f"tiers.{name}.uses.{service}", None,
                        "required: what the service depends on, a list from database, cache, assets, volumes, or [stateless]")
        for service in tier.uses:
            if service not in tier.services:
                return (f"tiers.{name}.uses.{service}", tier.uses[service], f"only for a service of the tier: {', '.join(tier.services)}")
    return None


def readiness_problem(settings: StackSettings) -> Problem | None:
    """Accepted exceptions name a tier of the table and a cause that can break that objective, once each."""
    seen: set[tuple[str, str, str]] = set()
    for i, exception in enumerate(settings.readiness.exceptions):
        key = f"readiness.exceptions[{i}]"
        if exception.tier not in settings.tiers:
            return (f"{key}.tier", exception.tier, f"a tier of the table: {', '.join(settings.tiers)}")
        causes = RPO_CAUSES if exception.objective == "rpo" else RTO_CAUSES
        if exception.cause not in causes:
            return (f"{key}.cause", exception.cause, f"for objective {exception.objective}, one of {', '.join(causes)}")
        if (exception.tier, exception.objective, exception.cause) in seen:
            return (key, exception.cause, f"one exception per tier, objective and cause ({exception.tier} {exception.objective} "
                    f"{exception.cause} is listed twice)")
        seen.add((exception.tier, exception.objective, exception.cause))
    return None


def database_dr_mode_problem(settings: StackSettings) -> Problem | None:
    """database.drMode aurora-global: its settings, its RPO bound within the strictest tier (stacks/settings/database.py)."""
    name, tier = min(settings.tiers.items(), key=lambda item: (item[1].rpo_minutes, item[0]))
    return aurora_problem(settings.database, (name, tier.rpo_minutes))


# In the order they are checked: the first broken rule is the one reported.
RULES: tuple[Rule, ...] = (
    stack_problem, objectives_problem, database_problem, windows_problem, backup_plan_problem, cache_problem,
    velero_problem, names_problem, runner_problem, api_access_problem, runner_image_problem, split_brain, restore_problem,
    peer_problem, edge_problem, paging_problem, testing_problem, uses_problem, readiness_problem, database_dr_mode_problem,
)


def first_problem(settings: StackSettings) -> Problem | None:
    """The first rule across sections that these settings break, or None."""
    for rule in RULES:
        problem = rule(settings)
        if problem is not None:
            return problem
    return None
