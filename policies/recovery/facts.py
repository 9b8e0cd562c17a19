"""What one plan says about recovery: its declared objectives, the RPO of the data stores it replicates, how fast
it detects an outage, and (a failover plan) the graph of the failover's `pulumi up`.

Pure reading of the resources a policy sees (PolicyResource: props, provider, dependencies); `drctl readiness`
builds the very same objects from its plans (drctl/checking.py stack_resources), so both read the same facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from .._common import RDS_BACKUPS_REPLICATION, RDS_INSTANCE, S3_BUCKET, S3_REPLICATION, UnknownAtPreview, get, items, region_of
from .figures import Figures

RDS_CLUSTER = "aws:rds/cluster:Cluster"

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
RESTORE = "kubernetes:velero.io/v1:Restore"
SCHEDULE = "kubernetes:velero.io/v1:Schedule"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
RECORD = "aws:route53/record:Record"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
OBJECTIVES_NAME = "aivo-dr-objectives"
OBJECTIVES_KEY = "objectives.json"
OBJECTIVES_SCHEMA = "aivo-dr/objectives@1"
TIER_ANNOTATION = "aivo.edu/tier"
INTERVAL_ANNOTATION = "aivo.edu/max-interval-seconds"
STORES = ("database", "cache", "assets", "volumes")


@dataclass(frozen=True)
class TierObjectives:
    name: str
    rto_seconds: int
    rpo_seconds: int
    rto: str
    rpo: str
    services: dict[str, list[str]]

    def uses(self, store: str) -> bool:
        return any(store in uses for uses in self.services.values())


@dataclass(frozen=True)
class AcceptedException:
    tier: str
    objective: str
    cause: str
    up_to_seconds: int | None
    up_to: str | None
    reason: str


@dataclass(frozen=True)
class Objectives:
    tiers: list[TierObjectives]  # in restore order
    primary_region: str
    dr_region: str
    declaration_seconds: int
    declaration_source: str
    restore_schedule: str
    buckets: dict[str, str]
    exceptions: list[AcceptedException]
    # The Route53 health checks the failover records use (requestInterval s, failureThreshold), from the settings
    # they are made of: the failover plan references them by id only (they are the primary stack's).
    health_check: tuple[int, int] | None = None

    def tier(self, name: str) -> TierObjectives:
        return next(t for t in self.tiers if t.name == name)


@dataclass(frozen=True)
class StoreRpo:
    """What a data store can lose in a failover: seconds, or None (unbounded or lost), and why."""

    store: str
    seconds: float | None
    source: str
    lost: bool = False
    # What the figure is: "bound" (enforced: an SLA, a schedule), "observed" (a measured lag percentile),
    # "notice" (the alarm's time to notice a lag past its threshold: not a bound), "typical" (a published typical
    # figure), "lost", "unbounded".
    kind: str = "bound"


Term = tuple[str, "str | None", float]  # (figure key, variant or None, factor): factor x the figure's duration


@dataclass(frozen=True)
class Node:
    urn: str
    name: str
    step: str | None  # the model's step kind (promote, scale, cache, restore, dns, cdn), None for the rest
    seconds: float  # the median (every figure at its p50): the deterministic view
    deps: tuple[str, ...]
    tier: str | None = None
    figure: str | None = None  # the key of its figure in steps.yaml (for measured/estimated)
    detail: str = ""
    terms: tuple[Term, ...] = ()  # its duration: the sum of these figures (each a distribution) ...
    constant: float = 0.0  # ... plus this, read off the plan (a record's TTL)
    backup_window: tuple[int, int] | None = None  # promote: the instance's daily backup window (UTC seconds of the day)


@dataclass
class PlanFacts:
    objectives: Objectives | None = None
    failover: bool = False
    stores: dict[str, StoreRpo] = field(default_factory=dict)
    detection_seconds: int | None = None
    detection_source: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    # Recovery points a failover does not use but a person could (the replica lost): shown, never judged.
    fallbacks: list[StoreRpo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be read (unknown at preview, bad document)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _annotation(resource: PolicyResource, key: str) -> Any:
    return _mapping(get(resource.props, "metadata.annotations")).get(key)


def _region(resource: PolicyResource) -> str | None:
    return region_of(resource.props, resource.provider)


def _tags(resource: PolicyResource) -> Mapping[str, Any]:
    return _mapping(get(resource.props, "tags"))


# ---- objectives -------------------------------------------------------------------------------------------


def read_objectives(resources: Iterable[PolicyResource]) -> tuple[Objectives | None, list[str]]:
    for resource in resources:
        if resource.resource_type != CONFIG_MAP or get(resource.props, "metadata.name") != OBJECTIVES_NAME:
            continue
        text = _mapping(get(resource.props, "data")).get(OBJECTIVES_KEY)
        try:
            doc = json.loads(str(text))
            if doc.get("schema") != OBJECTIVES_SCHEMA:
                raise ValueError(doc.get("schema"))
            tiers = [TierObjectives(t["name"], int(t["rtoSeconds"]), int(t["rpoSeconds"]), t["rto"], t["rpo"],
                                    {s: list(u) for s, u in t["services"].items()}) for t in doc["tiers"]]
            exceptions = [AcceptedException(e["tier"], e["objective"], e["cause"], e.get("upToSeconds"), e.get("upTo"), e["reason"])
                          for e in doc.get("exceptions", [])]
            check = doc.get("healthCheck")
            return Objectives(tiers, doc["regions"]["primary"], doc["regions"]["dr"], int(doc["declaration"]["seconds"]),
                              doc["declaration"]["source"], doc["restoreSchedule"], dict(doc["buckets"]), exceptions,
                              (int(check["requestIntervalSeconds"]), int(check["failureThreshold"])) if check else None), []
        except (ValueError, KeyError, TypeError) as error:
            return None, [f"{resource.name}: the objectives document is not {OBJECTIVES_SCHEMA} ({error})"]
    return None, []


# ---- RPO per data store (a standby plan) ---------------------------------------------------------------------


def _alarm_bound(alarms: list[PolicyResource], metric: str, dimension: str, value: str, region: str) -> tuple[float, PolicyResource] | None:
    """The worst threshold + detection time of the alarms on `metric` for one resource, or None."""
    found = []
    for alarm in alarms:
        if get(alarm.props, "metricName") != metric or _region(alarm) != region:
            continue
        if str(_mapping(get(alarm.props, "dimensions")).get(dimension)) != value:
            continue
        detection = float(_tags(alarm).get("detection-seconds") or 0)
        found.append((float(get(alarm.props, "threshold", 0)) + detection, alarm))
    return max(found, key=lambda f: f[0]) if found else None


def _replication_rpo(resources: list[PolicyResource], bucket: str, figures: Figures) -> tuple[float | None, str] | None:
    """The replication bound of a bucket declared in this plan: RTC minutes, unbounded, or not replicated; None when
    the bucket is not this plan's."""
    configs = [r for r in resources if r.resource_type == S3_REPLICATION and get(r.props, "bucket") == bucket]
    if not configs:
        if not any(r.resource_type == S3_BUCKET and get(r.props, "bucket") == bucket for r in resources):
            return None
        return None, f"{bucket} is not replicated to the DR region"
    minutes: list[float] = []
    for config in configs:
        for rule in items(config.props, "rules"):
            if get(rule, "status", "Enabled") != "Enabled":
                continue
            if get(rule, "destination.replicationTime.status") == "Enabled":
                minutes.append(float(get(rule, "destination.replicationTime.time.minutes", 15)))
            else:
                return None, f"{bucket} replicates without Replication Time Control: {figures.rpo['no-rtc']['source']}"
    if not minutes:
        return None, f"{bucket} has no enabled replication rule"
    return max(minutes) * 60, f"{bucket} replicates with RTC, {max(minutes):g} min ({figures.rpo['rtc']['source']})"


def read_stores(resources: list[PolicyResource], objectives: Objectives, figures: Figures) -> dict[str, StoreRpo]:
    """The RPO of each data store whose replication this plan declares (the others are another stack's)."""
    dr = objectives.dr_region
    alarms = [r for r in resources if r.resource_type == METRIC_ALARM]
    stores: dict[str, StoreRpo] = {}
    # database: the DR read replica, bounded by its lag alarm (threshold + the alarm's detection time)
    replicas = [r for r in resources if r.resource_type == RDS_INSTANCE and _region(r) == dr and get(r.props, "replicateSourceDb")]
    if replicas:
        worst: StoreRpo | None = None
        for replica in replicas:
            ident = str(get(replica.props, "identifier"))
            bound = _alarm_bound(alarms, "ReplicaLag", "DBInstanceIdentifier", ident, dr)
            rpo = (StoreRpo("database", None, f"replica {ident} has no ReplicaLag alarm: nothing notices its lag; "
                            f"{figures.rpo['replica']['source']}", kind="unbounded") if bound is None else
                   StoreRpo("database", bound[0], f"time to notice, not a bound: replica {ident}: ReplicaLag alarm {bound[1].name} "
                            f"threshold {float(get(bound[1].props, 'threshold', 0)):g} s + detection {_tags(bound[1]).get('detection-seconds')} s; "
                            f"{figures.rpo['replica']['source']} (drctl readiness --observe reads the observed lag)", kind="notice"))
            if worst is None or rpo.seconds is None or (worst.seconds is not None and rpo.seconds > worst.seconds):
                worst = rpo
        assert worst is not None
        stores["database"] = worst
    elif any(r.resource_type == RDS_BACKUPS_REPLICATION and _region(r) == dr for r in resources):
        stores["database"] = StoreRpo("database", float(figures.rpo["pitr"]["seconds"]),
                                      f"point-in-time restore of the automated backups replicated into {dr}: {figures.rpo['pitr']['source']}",
                                      kind="typical")
    # cache: the DR replication group, warm (lost) or a Global Datastore secondary
    groups = [r for r in resources if r.resource_type == CACHE_GROUP and _region(r) == dr]
    for group in groups:
        ident = str(get(group.props, "replicationGroupId"))
        if get(group.props, "globalReplicationGroupId"):
            lag = [float(get(a.props, "threshold", 0)) + float(_tags(a).get("detection-seconds") or 0) for a in alarms
                   if get(a.props, "metricName") == "GlobalDatastoreReplicationLag" and _region(a) == dr]
            stores["cache"] = (StoreRpo("cache", max(lag), f"{ident}: Global Datastore secondary; its lag alarms notice a lag "
                                        f"past their threshold in {max(lag):g} s (threshold + detection; not a bound)", kind="notice") if lag else
                               StoreRpo("cache", float(figures.rpo["global-datastore"]["seconds"]),
                                        f"{ident}: Global Datastore secondary: {figures.rpo['global-datastore']['source']}", kind="typical"))
        else:
            stores["cache"] = StoreRpo("cache", None, f"{ident}: {figures.rpo['warm-cache']['source']}", lost=True, kind="lost")
    # assets: the assets bucket's replication (the primary stack declares it)
    assets = _replication_rpo(resources, objectives.buckets["assets"], figures)
    if assets is not None:
        stores["assets"] = StoreRpo("assets", assets[0], assets[1], kind="bound" if assets[0] is not None else "unbounded")
    # volumes (and Kubernetes state): the interval of the schedule the restores use, plus the Velero bucket's replication
    schedules = [r for r in resources if r.resource_type == SCHEDULE and get(r.props, "metadata.name") == objectives.restore_schedule]
    for schedule in schedules:
        interval = _annotation(schedule, INTERVAL_ANNOTATION)
        replication = _replication_rpo(resources, objectives.buckets["volumes"], figures)
        if interval is None:
            stores["volumes"] = StoreRpo("volumes", None, f"schedule {objectives.restore_schedule} has no {INTERVAL_ANNOTATION} annotation",
                                         kind="unbounded")
        elif replication is not None and replication[0] is None:
            stores["volumes"] = StoreRpo("volumes", None, f"schedule {objectives.restore_schedule} every {int(interval) / 3600:g} h, but {replication[1]}",
                                         kind="unbounded")
        else:
            extra = replication[0] if replication else 0.0
            stores["volumes"] = StoreRpo("volumes", float(interval) + (extra or 0.0),
                                         f"Velero schedule {objectives.restore_schedule} ({get(schedule.props, 'spec.schedule')}): "
                                         f"at most {int(interval) / 3600:g} h between backups" + (f", then {replication[1]}" if replication else ""))
    return stores


_DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}


def aws_backup_interval(schedule: str) -> float | None:
    """Seconds between two runs of the shapes an AWS Backup rule takes here: cron(M H ? * DAY *) weekly, cron(M H * * ? *)
    daily, rate(N hours|days); None for any other expression (reported as unknown, never guessed)."""
    text = schedule.strip()
    if text.startswith("rate(") and text.endswith(")"):
        number, _, unit = text[5:-1].partition(" ")
        factor = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}.get(unit)
        return float(number) * factor if number.isdigit() and factor else None
    if not (text.startswith("cron(") and text.endswith(")")):
        return None
    fields = text[5:-1].split()
    if len(fields) != 6 or not fields[0].isdigit() or not fields[1].isdigit() or fields[3] != "*" or fields[5] != "*":
        return None
    if fields[2] == "?" and fields[4].upper() in _DAYS:
        return 7 * 86400.0
    if fields[2] == "*" and fields[4] == "?":
        return 86400.0
    return None


def read_fallbacks(resources: list[PolicyResource], objectives: Objectives, figures: Figures) -> list[StoreRpo]:
    """The database's other recovery points in the DR region: AWS Backup copies (the plan's interval) and replicated
    automated backups (point-in-time restore), when a plan declares them beside the replica or on its own."""
    dr = objectives.dr_region
    found = []
    for plan in (r for r in resources if r.resource_type == "aws:backup/plan:Plan"):
        for rule in items(plan.props, "rules"):
            copies = [c for c in items(rule, "copyActions") if f":{dr}:" in str(get(c, "destinationVaultArn", ""))]
            if copies:
                schedule = str(get(rule, "schedule", ""))
                interval = aws_backup_interval(schedule)
                found.append(StoreRpo("database", interval, f"AWS Backup copies to {dr} (plan {get(plan.props, 'name')}, "
                                      f"{schedule}: " + (f"every {interval / 86400:g} days)" if interval else "interval not read)")))
    if any(r.resource_type == RDS_BACKUPS_REPLICATION and _region(r) == dr for r in resources):
        found.append(StoreRpo("database", float(figures.rpo["pitr"]["seconds"]),
                              f"point-in-time restore of the automated backups replicated into {dr}: {figures.rpo['pitr']['source']}",
                              kind="typical"))
    return found


# ---- detection ---------------------------------------------------------------------------------------------


def read_detection(resources: list[PolicyResource], objectives: Objectives) -> tuple[int | None, str]:
    """The first alarm in the DR region to page on the outage of the active region's ingress (its detection-seconds:
    periods x evaluation periods + metric delay + the probe's interval). An alarm in us-east-1 goes dark with it."""
    found = [(int(float(_tags(r).get("detection-seconds", 0))), r) for r in resources
             if r.resource_type == METRIC_ALARM and _tags(r).get("store") == "ingress" and _region(r) == objectives.dr_region]
    if not found:
        return None, f"no alarm in {objectives.dr_region} watches the ingress: nothing pages on the outage"
    seconds, alarm = min(found, key=lambda f: f[0])
    return seconds, f"alarm {alarm.name}: detection {seconds} s (period x evaluation periods + metric delay + probe interval)"


# ---- the failover graph (a failover plan) -------------------------------------------------------------------------


def _deps(resource: PolicyResource) -> tuple[str, ...]:
    urns = {d.urn for d in resource.dependencies}
    for targets in resource.property_dependencies.values():
        urns.update(d.urn for d in targets)
    if resource.provider is not None:
        urns.add(resource.provider.urn)
    return tuple(sorted(urns))


def _restore_node(resource: PolicyResource, objectives: Objectives, figures: Figures) -> Node:
    tier = str(_annotation(resource, TIER_ANNOTATION) or "")
    selected: list[str] = []
    for expression in items(resource.props, "spec.labelSelector.matchExpressions"):
        selected.extend(str(v) for v in items(expression, "values"))
    services = next((t.services for t in objectives.tiers if t.name == tier), {})
    with_volumes = [s for s in selected if "volumes" in services.get(s, [])]
    terms: tuple[Term, ...]
    if figures.is_measured("restore"):
        # A drill restores the whole namespace at once (drctl drill's velero step): each tier gets its services' share.
        total = sum(len(t.services) for t in objectives.tiers) or 1
        terms = (("restore", None, len(selected) / total),)
    else:
        terms = (("restore", None, 1.0), ("restore", "perService", float(len(selected))),
                 ("restore", "perVolumeService", float(len(with_volumes))))
    return _node(resource, "restore", terms, figures, tier=tier or None, figure="restore",
                 detail=f"{len(selected)} services" + (f", {len(with_volumes)} with volumes" if with_volumes else ""))


def _node(resource: PolicyResource, step: str, terms: tuple[Term, ...], figures: Figures, constant: float = 0.0, **extra: Any) -> Node:
    median = sum(figures.seconds(key, variant) * factor for key, variant, factor in terms) + constant
    return Node(resource.urn, resource.name, step, median, _deps(resource), terms=terms, constant=constant, **extra)


def _window(text: Any) -> tuple[int, int] | None:
    """A daily "HH:MM-HH:MM" UTC window as seconds of the day (the end past midnight when it wraps), or None."""
    try:
        start, end = (int(h) * 3600 + int(m) * 60 for h, m in (part.split(":") for part in str(text).split("-")))
    except ValueError:
        return None
    return (start, end if end > start else end + 86400)


def classify(resource: PolicyResource, objectives: Objectives, figures: Figures) -> Node:
    """A resource of the failover plan as a step of its `pulumi up`: the flip's steps take their figure's time, every
    other resource none (it is unchanged, or changes in seconds and nothing recovers through it)."""
    t, dr = resource.resource_type, objectives.dr_region
    deps = _deps(resource)
    if t == RESTORE:
        return _restore_node(resource, objectives, figures)
    if t == RDS_INSTANCE and _region(resource) == dr and not get(resource.props, "replicateSourceDb"):
        window = _window(get(resource.props, "backupWindow")) if int(get(resource.props, "backupRetentionPeriod", 0) or 0) > 0 else None
        return _node(resource, "promote", (("promote", None, 1.0),), figures, figure="promote", backup_window=window,
                     detail=f"backup window {get(resource.props, 'backupWindow')} UTC" if window else "")
    if t == RDS_CLUSTER and _region(resource) == dr and not get(resource.props, "globalClusterIdentifier"):
        # database.drMode aurora-global: the failover's detach makes the secondary a writer (docs/aurora-global.md).
        return _node(resource, "promote", (("aurora-detach", None, 1.0),), figures, figure="aurora-detach")
    if t == NODE_GROUP and _region(resource) == dr:
        size = get(resource.props, "scalingConfig.desiredSize")
        return _node(resource, "scale", (("scale", None, 1.0),), figures, figure="scale", detail=f"desired {size}")
    if t == CACHE_GROUP and _region(resource) == dr:
        key = "cache-global-failover" if get(resource.props, "globalReplicationGroupId") else "cache-resize"
        return _node(resource, "cache", ((key, None, 1.0),), figures, figure=key)
    if t == RECORD and items(resource.props, "failoverRoutingPolicies"):
        ttl = float(get(resource.props, "ttl") or 0)
        return _node(resource, "dns", (("dns-propagation", None, 1.0),), figures, constant=ttl, figure="dns-propagation",
                     detail=f"propagation + TTL {ttl:g} s")
    if t == DISTRIBUTION:
        waits = get(resource.props, "waitForDeployment", True) is not False
        return _node(resource, "cdn", (("cdn", "waitingForDeployment" if waits else None, 1.0),), figures, figure="cdn")
    return Node(resource.urn, resource.name, None, 0.0, deps)


# ---- one plan ------------------------------------------------------------------------------------------------


def read_plan(resources: list[PolicyResource], figures: Figures) -> PlanFacts:
    facts = PlanFacts()
    try:
        facts.objectives, facts.problems = read_objectives(resources)
    except UnknownAtPreview as unknown:
        facts.problems.append(f"objectives: {unknown.message}")
    facts.failover = any(r.resource_type == RESTORE for r in resources)
    objectives = facts.objectives
    if objectives is None:
        return facts
    try:
        facts.detection_seconds, facts.detection_source = read_detection(resources, objectives)
        if facts.failover:
            facts.nodes = {r.urn: classify(r, objectives, figures) for r in resources}
        else:
            facts.stores = read_stores(resources, objectives, figures)
            facts.fallbacks = read_fallbacks(resources, objectives, figures)
    except UnknownAtPreview as unknown:
        facts.problems.append(unknown.message)
    return facts
