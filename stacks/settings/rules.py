"""Rules across sections: settings that are valid one by one but not together.

They run when the settings are loaded, after each section has validated itself and before the program
declares anything, so a bad combination (a DNS name outside the zone during a failover, a setting that
would make two writers) stops `pulumi up` before the promotion is ever sent. Each rule returns the first
problem it finds as (key, value, allowed), the parts of a SettingsError.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import weekly_overlaps_daily
from .database import failback_replicates
from .fallback import effective_fallback, missing_fallback, uses_stack_reference
from .stack import StackSettings
from .tiers import duplicate_service

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


# In the order they are checked: the first broken rule is the one reported.
RULES: tuple[Rule, ...] = (stack_problem, database_problem, api_access_problem, split_brain, restore_problem, peer_problem,
                           edge_problem, paging_problem)


def first_problem(settings: StackSettings) -> Problem | None:
    """The first rule across sections that these settings break, or None."""
    for rule in RULES:
        problem = rule(settings)
        if problem is not None:
            return problem
    return None
