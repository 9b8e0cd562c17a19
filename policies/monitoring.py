"""Detection and paging: replication is watched within the RPO, every alarm reaches PagerDuty, and an outage of
the primary region is seen from outside it.

A DR plan most often fails silently, months before the outage (a replica that stopped replicating, a rule
that fails every object): these stack policies refuse a stack whose replicated data nobody watches, or
whose alarms page nobody.
"""

from __future__ import annotations

import json
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
    CACHE_GROUP,
    METRIC_ALARM,
    RDS_BACKUPS_REPLICATION,
    RDS_INSTANCE,
    REGION_SCHEMA,
    S3_BUCKET,
    S3_REPLICATION,
    UnknownAtPreview,
    arn_region,
    arn_service,
    as_list,
    bucket_name,
    bucket_of,
    config,
    get,
    items,
    of_type,
    policy_document,
    region_of,
    resource_policy,
    shown,
)

SNS_TOPIC = "aws:sns/topic:Topic"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
API_DESTINATION = "aws:cloudwatch/eventApiDestination:EventApiDestination"
PD_INTEGRATION = "pagerduty:index/serviceIntegration:ServiceIntegration"
PD_SERVICE = "pagerduty:index/service:Service"
CANARY = "aws:synthetics/canary:Canary"
PAGERDUTY_HOSTS = ("https://events.pagerduty.com/", "https://events.eu.pagerduty.com/")
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

# The runbook's tiers and their RPOs; the platform RPO bounds the age of replicated backups (the path a
# point-in-time restore takes when the replica itself is lost).
DEFAULT_TIER_RPO_MINUTES = {"Critical": 5, "High": 15, "Medium": 60, "Low": 240}
DEFAULT_BACKUP_RPO_MINUTES = 60
DEFAULT_BACKUP_AGE_METRICS = ["AIVO/DR:RestorableAgeSeconds"]
DEFAULT_PRIMARY_REGION = "us-east-1"
TAGS = ["monitoring", "resilience"]


def _tags(alarm: PolicyResource) -> dict[str, Any]:
    return dict(get(alarm.props, "tags") or {})


def _dims(alarm: PolicyResource) -> dict[str, Any]:
    try:
        return dict(get(alarm.props, "dimensions") or {})
    except UnknownAtPreview:
        return {}


def _metric(alarm: PolicyResource) -> tuple[str, str]:
    return str(get(alarm.props, "namespace") or ""), str(get(alarm.props, "metricName") or "")


def _fires_after(alarm: PolicyResource) -> int:
    """Seconds from a failure to the alarm: its periods, or the detection time it declares if longer."""
    periods = int(get(alarm.props, "period", 0) or 0) * int(get(alarm.props, "evaluationPeriods", 0) or 0)
    declared = str(_tags(alarm).get("detection-seconds") or "0")
    return max(periods, int(declared) if declared.isdigit() else 0)


# ---- which stores replicate, and the alarm each needs -----------------------------------------------


class Watch:
    """A replication a stack declares, and how to recognise the alarms that watch it."""

    def __init__(self, resource: PolicyResource, what: str, region: str | None, metrics: list[tuple[str, str]],
                 dimension: str, value: str, prefix: bool = False, backup: bool = False) -> None:
        self.resource, self.what, self.region, self.metrics = resource, what, region, metrics
        self.dimension, self.value, self.prefix, self.backup = dimension, value, prefix, backup

    def matches(self, alarm: PolicyResource, metric: tuple[str, str]) -> bool:
        if _metric(alarm) != metric:
            return False
        found = str(_dims(alarm).get(self.dimension) or "")
        return found.startswith(self.value) if self.prefix else found == self.value


def _watches(args: StackValidationArgs, backup_metrics: list[tuple[str, str]]) -> list[Watch]:
    watches: list[Watch] = []
    buckets = of_type(args, S3_BUCKET)
    for config_ in of_type(args, S3_REPLICATION):
        source = bucket_of(config_, buckets)
        if source is None or not any(get(rule, "status") == "Enabled" for rule in items(config_.props, "rules")):
            continue
        name = bucket_name(source) or source.name
        watches.append(Watch(source, f"bucket {name} replicates", region_of(source.props, source.provider),
                             [("AWS/S3", "ReplicationLatency"), ("AWS/S3", "OperationsFailedReplication")], "SourceBucket", name))
    for db in of_type(args, RDS_INSTANCE):
        if get(db.props, "replicateSourceDb"):
            ident = str(get(db.props, "identifier") or db.name)
            watches.append(Watch(db, f"replica {ident} replicates", region_of(db.props, db.provider),
                                 [("AWS/RDS", "ReplicaLag")], "DBInstanceIdentifier", ident))
    for replication in of_type(args, RDS_BACKUPS_REPLICATION):
        source_arn = str(get(replication.props, "sourceDbInstanceArn") or "")
        ident = source_arn.rsplit(":", 1)[-1]
        watches.append(Watch(replication, f"automated backups of {ident} replicate", region_of(replication.props, replication.provider),
                             backup_metrics, "DBInstanceIdentifier", ident, backup=True))
    for group in of_type(args, CACHE_GROUP):
        if get(group.props, "globalReplicationGroupId"):
            ident = str(get(group.props, "replicationGroupId") or group.name)
            watches.append(Watch(group, f"cache {ident} replicates (Global Datastore)", region_of(group.props, group.provider),
                                 [("AWS/ElastiCache", "GlobalDatastoreReplicationLag")], "CacheClusterId", f"{ident}-", prefix=True))
    return watches


def _within_rpo(alarm: PolicyResource, limits: dict[str, int], backup_limit: int, watch: Watch) -> str | None:
    """Why an alarm on lag or age cannot page within the RPO it protects (None when it can)."""
    if get(alarm.props, "treatMissingData") != "breaching":
        return "treatMissingData must be breaching (a replication that stopped sends no data at all)"
    if watch.backup:
        limit, whose = backup_limit, "the platform RPO"
    else:
        tiers = str(_tags(alarm).get("tiers") or "").split()
        known = [t for t in tiers if t in limits]
        if not known:
            return "it has no `tiers` tag naming the tiers whose data it watches, so its RPO is unknown"
        strictest = min(known, key=lambda t: limits[t])
        limit, whose = limits[strictest], f"the {strictest} tier's RPO"
    threshold = float(get(alarm.props, "threshold", 0) or 0)
    fires = _fires_after(alarm)
    if threshold + fires > limit:
        return (f"threshold {shown(threshold)} s plus {fires} s to fire is later than {whose} ({limit // 60} min)")
    return None


def _replication_alarmed(args: StackValidationArgs, report: ReportViolation) -> None:
    limits = {tier: int(minutes) * 60 for tier, minutes in dict(config(args, "tierRpoMinutes", DEFAULT_TIER_RPO_MINUTES)).items()}
    backup_limit = int(config(args, "backupRpoMinutes", DEFAULT_BACKUP_RPO_MINUTES)) * 60
    backup_metrics = [tuple(m.split(":", 1)) for m in config(args, "backupAgeMetrics", DEFAULT_BACKUP_AGE_METRICS)]
    alarms = of_type(args, METRIC_ALARM)
    covered: set[str] = set()
    watches = _watches(args, backup_metrics)  # type: ignore[arg-type]
    for watch in watches:
        for metric in watch.metrics:
            found = [a for a in alarms if watch.matches(a, metric) and region_of(a.props, a.provider) == watch.region]
            if not found:
                if metric[1] != "OperationsFailedReplication" or not watch.backup:
                    report(f"{watch.what} but no alarm in {watch.region} watches {metric[0]} {metric[1]} with "
                           f"{watch.dimension}={watch.value}{'*' if watch.prefix else ''}", watch.resource.urn)
                continue
            for alarm in found:
                covered.update(str(_tags(alarm).get("tiers") or "").split())
                if metric[1] == "OperationsFailedReplication":
                    continue  # a count: any failure pages, missing data means none failed
                problem = _within_rpo(alarm, limits, backup_limit, watch)
                if problem:
                    report(f"alarm {get(alarm.props, 'name') or alarm.name} on {watch.what.split(' ', 2)[1]}: {problem}", alarm.urn)
    if watches:
        for tier in limits:
            if tier not in covered:
                report(f"tier {tier}: no alarm on the replication of its data names it (alarm tag `tiers`)", None)


replication_alarmed = StackValidationPolicy(
    name="replication-health-alarmed-within-rpo",
    description="Every replicating data store (S3 replication, RDS read replica, replicated automated backups, a Global Datastore "
    "secondary) has an alarm on its replication health in its region, treating missing data as breaching, whose threshold plus "
    "detection time is within the RPO of the tiers using it; every tier's data is watched by at least one such alarm.",
    validate=_replication_alarmed,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "tierRpoMinutes": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 10080},
                           "default": DEFAULT_TIER_RPO_MINUTES, "description": "Each tier's RPO in minutes (the runbook's table)."},
        "backupRpoMinutes": {"type": "integer", "minimum": 1, "maximum": 1440, "default": DEFAULT_BACKUP_RPO_MINUTES,
                             "description": "How old replicated automated backups may get (the runbook's RPO target: 1 hour)."},
        "backupAgeMetrics": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_BACKUP_AGE_METRICS,
                             "description": "namespace:metric of the age of replicated automated backups (CloudWatch has none)."},
    }),
    tags=TAGS,
)


# ---- every alarm reaches PagerDuty ----------------------------------------------------------------


def _deps(resource: PolicyResource, prop: str, type_: str) -> list[PolicyResource]:
    return [d for d in resource.property_dependencies.get(prop, []) if d.resource_type == type_]


def _paging_topics(args: StackValidationArgs) -> dict[str, PolicyResource]:
    """Topics (by URN) with an HTTPS subscription to PagerDuty: a PagerDuty URL, or an integration's key."""
    topics = of_type(args, SNS_TOPIC)
    paging: dict[str, PolicyResource] = {}
    for sub in of_type(args, SNS_SUBSCRIPTION):
        if get(sub.props, "protocol") != "https":
            continue
        try:
            endpoint = get(sub.props, "endpoint")
        except UnknownAtPreview:
            endpoint = None
        to_pagerduty = (isinstance(endpoint, str) and endpoint.startswith(PAGERDUTY_HOSTS)) or bool(_deps(sub, "endpoint", PD_INTEGRATION))
        if not to_pagerduty:
            continue
        try:
            arn = get(sub.props, "topic")
        except UnknownAtPreview:
            arn = None
        for topic in topics:
            if _is_topic(arn, topic) or (arn is None and topic in _deps(sub, "topic", SNS_TOPIC)):
                paging[topic.urn] = topic
    return paging


def _is_topic(arn: Any, topic: PolicyResource) -> bool:
    """Whether an ARN names this topic: policies see inputs only, and a topic's ARN ends with its name."""
    try:
        name = get(topic.props, "name")
    except UnknownAtPreview:
        return False
    return (isinstance(arn, str) and isinstance(name, str) and arn.startswith("arn:aws") and arn.split(":")[-1] == name
            and arn_region(arn) == region_of(topic.props, topic.provider))


def _topics_in(resource: PolicyResource, prop: str, paging: dict[str, PolicyResource]) -> bool:
    """Whether `prop` (a list of topic ARNs) names a paging topic: by value when known at preview, else by
    the resources its value came from."""
    try:
        actions = [str(a) for a in items(resource.props, prop)]
    except UnknownAtPreview:
        return any(t.urn in paging for t in _deps(resource, prop, SNS_TOPIC))
    return any(_is_topic(a, t) for a in actions for t in paging.values())


def _pages_directly(alarm: PolicyResource, paging: dict[str, PolicyResource]) -> bool:
    return _topics_in(alarm, "alarmActions", paging)


def _pattern(rule: PolicyResource) -> dict[str, Any]:
    text = get(rule.props, "eventPattern")
    try:
        return json.loads(text) if isinstance(text, str) else {}
    except json.JSONDecodeError:
        return {}


def _rule_matches_alarm(pattern: dict[str, Any], alarm_name: str, region: str | None) -> bool:
    """Whether an EventBridge pattern matches the state changes of this alarm (an event's region is the alarm's)."""
    if "aws.cloudwatch" not in (pattern.get("source") or []) or ALARM_STATE_CHANGE not in (pattern.get("detail-type") or []):
        return False
    if "region" in pattern and region not in (pattern.get("region") or []):
        return False
    names = (pattern.get("detail") or {}).get("alarmName")
    if names is None:
        return True
    for entry in names:
        if entry == alarm_name or (isinstance(entry, dict) and alarm_name.startswith(str(entry.get("prefix", "\0")))):
            return True
    return False


def _targets(args: StackValidationArgs, rule: PolicyResource) -> list[PolicyResource]:
    name = get(rule.props, "name")
    return [t for t in of_type(args, EVENT_TARGET) if rule in _deps(t, "rule", EVENT_RULE) or (name and get(t.props, "rule") == name)]


def _to_pagerduty(target: PolicyResource) -> bool:
    for destination in _deps(target, "arn", API_DESTINATION):
        endpoint = get(destination.props, "invocationEndpoint")
        if isinstance(endpoint, str) and endpoint.startswith(PAGERDUTY_HOSTS):
            return True
    return False


def _forwarded(args: StackValidationArgs, alarm: PolicyResource, region: str | None) -> str | None:
    """Where an alarm with no action of its own goes: another region's bus, or PagerDuty's Events API."""
    name = str(get(alarm.props, "name") or "")
    for rule in of_type(args, EVENT_RULE):
        if region_of(rule.props, rule.provider) != region or not _rule_matches_alarm(_pattern(rule), name, region):
            continue
        for target in _targets(args, rule):
            arn = get(target.props, "arn")
            if isinstance(arn, str) and ":event-bus/" in arn and arn_region(arn) not in (region, None):
                return f"the {arn_region(arn)} event bus"
            if _to_pagerduty(target):
                return "PagerDuty's Events API"
    return None


def _alarms_page(args: StackValidationArgs, report: ReportViolation) -> None:
    paging = _paging_topics(args)
    for alarm in of_type(args, METRIC_ALARM):
        try:
            if _pages_directly(alarm, paging):
                if not _topics_in(alarm, "okActions", paging):
                    report(f"alarm {get(alarm.props, 'name') or alarm.name}: okActions must page too, so incidents resolve "
                           "when the metric recovers", alarm.urn)
                continue
            if _forwarded(args, alarm, region_of(alarm.props, alarm.provider)):
                continue
        except UnknownAtPreview as unknown:
            report(f"{alarm.name}: {unknown.message}", alarm.urn)
            continue
        report(f"alarm {get(alarm.props, 'name') or alarm.name} reaches nobody: no action is an SNS topic subscribed to "
               "PagerDuty, and no EventBridge rule of its region forwards its state changes to PagerDuty or another "
               "region's bus", alarm.urn)


alarms_page = StackValidationPolicy(
    name="alarms-reach-pagerduty",
    description="Every CloudWatch alarm reaches PagerDuty: its actions (ALARM and OK) publish to an SNS topic with an HTTPS "
    "subscription to a PagerDuty integration, or an EventBridge rule of its region sends its state changes to PagerDuty's "
    "Events API or to another region's bus (where the paging stack routes them).",
    validate=_alarms_page,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


# ---- an outage of the primary region is seen from outside it -----------------------------------


def _outside(args: StackValidationArgs, report: ReportViolation) -> None:
    if not of_type(args, PD_SERVICE):
        return  # only the stack that pages owns the outage detection
    primary = str(config(args, "primaryRegion", DEFAULT_PRIMARY_REGION))
    paging = _paging_topics(args)
    canaries = {(str(get(c.props, "name")), region_of(c.props, c.provider)) for c in of_type(args, CANARY)}
    for alarm in of_type(args, METRIC_ALARM):
        region = region_of(alarm.props, alarm.provider)
        if region == primary or _metric(alarm) != ("CloudWatchSynthetics", "SuccessPercent"):
            continue
        if (str(_dims(alarm).get("CanaryName")), region) not in canaries:
            continue
        if get(alarm.props, "treatMissingData") == "breaching" and _pages_directly(alarm, paging):
            return
    report(f"no alarm outside {primary} pages on a canary probing the ingress from outside it: an outage of {primary} would "
           f"take its own CloudWatch (and Route53's health-check metrics) with it. Declare a Synthetics canary in another "
           "region, alarm on its SuccessPercent there (missing data breaching) and page through a topic of that region", None)


outage_detected_outside = StackValidationPolicy(
    name="outage-detected-outside-primary-region",
    description="The stack that pages detects an outage of the primary region from another region: a Synthetics canary there, "
    "and an alarm there on its SuccessPercent that treats missing data as breaching and pages through a topic of that region.",
    validate=_outside,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "primaryRegion": {**REGION_SCHEMA, "default": DEFAULT_PRIMARY_REGION, "description": "The primary region (runbook: us-east-1)."},
    }),
    tags=TAGS,
)


SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"


def _topic_encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    key = get(props, "kmsMasterKeyId")
    region = region_of(props, args.provider)
    if arn_service(key) != "kms" or arn_region(key) != region:
        report(f"kmsMasterKeyId is {shown(key)}; it must be a customer-managed KMS key ARN in the topic's region {region} "
               "(alias/aws/sns cannot be granted to the services that publish)", None)


sns_topic_encrypted = ResourceValidationPolicy(
    name="sns-topic-encrypted-with-kms",
    description="Every SNS topic encrypts its messages at rest with a customer-managed key of its region, whose policy "
    "admits the services that publish to it (AWS's own alias/aws/sns key cannot).",
    validate=resource_policy(SNS_TOPIC)(_topic_encrypted),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["monitoring", "encryption"],
)


def _topic_policy_private(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    account = str(get(props, "arn") or "").split(":")[4:5]
    for index, statement in enumerate(as_list(policy_document(get(props, "policy")).get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        label = statement.get("Sid") or f"statement {index}"
        principal = statement.get("Principal")
        aws_principals = [str(p) for p in as_list(principal.get("AWS"))] if isinstance(principal, dict) else []
        if principal == "*" or "*" in aws_principals:
            report(f"{label} allows everyone (Principal *); name the services or roles that publish", None)
        others = [p for p in aws_principals if p != "*" and account and (p.split(":")[4:5] or [p]) != account]
        if others:
            report(f"{label} allows {', '.join(others)}, of another account than the topic's", None)


sns_topic_policy_private = ResourceValidationPolicy(
    name="sns-topic-policy-not-public-nor-cross-account",
    description="No SNS topic policy allows everyone (Principal *) or a principal of another account: only this account's "
    "services and roles publish to the paging topics.",
    validate=resource_policy(SNS_TOPIC_POLICY)(_topic_policy_private),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["monitoring", "exposure"],
)


def _alarm_actions_enabled(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    if get(props, "actionsEnabled") is False:
        report("actionsEnabled is false: the alarm changes state and pages nobody", None)


alarm_actions_enabled = ResourceValidationPolicy(
    name="alarm-actions-enabled",
    description="No CloudWatch alarm has its actions disabled: an alarm that cannot act pages nobody, silently.",
    validate=resource_policy(METRIC_ALARM)(_alarm_actions_enabled),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["monitoring", "resilience"],
)

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
DEFAULT_MINIMUM_LOG_DAYS = 365


def _log_group_encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    key = get(props, "kmsKeyId")
    region = region_of(props, args.provider)
    if arn_service(key) != "kms" or arn_region(key) != region:
        report(f"kmsKeyId is {shown(key)}; it must be a customer-managed KMS key ARN in the log group's region {region} "
               "(build logs and probe output name resources and errors)", None)


log_group_encrypted = ResourceValidationPolicy(
    name="cloudwatch-log-groups-encrypted-with-kms",
    description="Every CloudWatch Logs log group is encrypted with a customer-managed key of its region, which only "
    "CloudWatch Logs may use, for that group.",
    validate=resource_policy(LOG_GROUP)(_log_group_encrypted),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["monitoring", "encryption"],
)


def _log_group_retained(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    least = int(config(args, "minimumDays", DEFAULT_MINIMUM_LOG_DAYS))
    days = get(props, "retentionInDays")
    if not isinstance(days, (int, float)) or days < least:  # 0 is also "never expire"
        shown_days = "unset (kept forever, billed forever)" if days is None else shown(days)
        report(f"retentionInDays is {shown_days}; keep logs at least {least} days, and say how long", None)


log_group_retained = ResourceValidationPolicy(
    name="cloudwatch-log-groups-retained",
    description="Every CloudWatch Logs log group sets its retention, of at least a year: long enough to look back across "
    "an incident and its review, and never the unbounded default.",
    validate=resource_policy(LOG_GROUP)(_log_group_retained),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "minimumDays": {"type": "integer", "minimum": 1, "maximum": 3653, "default": DEFAULT_MINIMUM_LOG_DAYS,
                        "description": "Fewest days a log group keeps its events."},
    }),
    tags=["monitoring", "audit"],
)

POLICIES = [replication_alarmed, alarms_page, outage_detected_outside, sns_topic_encrypted, sns_topic_policy_private,
            alarm_actions_enabled, log_group_encrypted, log_group_retained]
