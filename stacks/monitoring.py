"""The monitoring part: the alarms of each stack, and (dr stack) the paging that reaches people.

Who owns what, and why:
- PagerDuty (rotations, escalation path, a service per tier) and the paging topics are the dr stack's: paging
  then depends on nothing in us-east-1, and the same objects are declared in standby and in failover, so a
  failover changes none of them. The token comes from PAGERDUTY_TOKEN or a secret `pagerduty:token`
  (stacks/settings/credentials.py), never from a file in plain text.
- The primary stack's alarms live in us-east-1 (S3 replication and Route53 health-check metrics exist only
  there) and reach PagerDuty through the us-west-2 event bus, where the dr stack pages: the primary stack needs
  nothing of the dr stack.
- The primary region's outage is detected from us-west-2 too (a canary probing its ingress), so an outage of
  us-east-1's CloudWatch does not silence it.
"""

from __future__ import annotations

import pulumi
import pulumi_pagerduty as pagerduty

from components.alarms import Alarms, AlarmsArgs
from components.canary import CanaryArgs, IngressCanary
from components.forwarding import AlarmForwarding, ForwardingArgs
from components.paging import (
    EscalationRule,
    EventPaging,
    EventPagingArgs,
    OnCall,
    OnCallArgs,
    PagingTopics,
    PagingTopicsArgs,
    Rotation,
)
from components.probe import FreshnessProbe, ProbeArgs
from stacks.context import StackContext
from stacks.contracts import ComputeParts, DataParts, EdgeParts, Exports, MonitoringParts
from stacks.detection import PROBE_NAME, canary_bucket, canary_name, dr_alarms, highest_tier, primary_alarms
from stacks.settings import StackSettings
from stacks.settings.stack import tags_for

CANARY_RUNTIME = "syn-nodejs-puppeteer-9.1"


def rotations(s: StackSettings) -> list[Rotation]:
    """The runbook's "On-Call Rotation": each role's primary and secondary shift, with the site's people."""
    people = s.site.pagerduty
    return [Rotation(f"{role}-{shift}", list(getattr(getattr(people, attr), shift)))
            for role, attr in (("platform-engineer", "platform_engineer"), ("database-admin", "database_admin"),
                               ("security", "security"))
            for shift in ("primary", "secondary")]


def escalation_rules(s: StackSettings) -> list[EscalationRule]:
    """The runbook's "Escalation Path" with its delays: L1 the on-call engineers (platform engineer and database
    admin, primary shift), L2 the team lead with the secondary shift, L3 the engineering manager, L4 the VP."""
    people = s.site.pagerduty
    targets = {
        "on-call engineer": (["platform-engineer-primary", "database-admin-primary"], []),
        "team lead": (["platform-engineer-secondary"], [people.team_lead]),
        "engineering manager": ([], [people.engineering_manager]),
        "VP Engineering": ([], [people.vp_engineering]),
    }
    return [EscalationRule(delay, schedules=targets[level.who][0], users=targets[level.who][1])
            for level, delay in zip(s.paging.escalation, s.paging.delays_minutes(), strict=True)]


def probe_environment(s: StackSettings) -> dict[str, str]:
    """What the freshness probe measures (components/probes/freshness.py Config): the DR side, in either mode."""
    west = s.regions.dr
    return {
        "PROBE_REGION": west, "PROBE_MODE": "failover" if s.failover else "standby",
        "SOURCE_DATABASE": s.database.identifier, "DR_DATABASE": s.database.replica_identifier,
        "VELERO_BUCKET": s.storage.replica_name(s.storage.velero_bucket, west),
        "VELERO_SCHEDULE": f"{s.velero.daily.name}-{west}" if s.failover else s.velero.daily.name,
        "CLUSTER": s.cluster_name, "NODE_GROUP": s.cluster.node_group_name, "CACHE": s.cache.dr_group_id,
    }


def build(ctx: StackContext, data: DataParts, compute: ComputeParts, edge: EdgeParts) -> MonitoringParts:
    s = ctx.settings
    return _primary(ctx, edge) if s.role == "primary" else _dr(ctx, data)


def _primary(ctx: StackContext, edge: EdgeParts) -> MonitoringParts:
    s = ctx.settings
    east = s.regions.primary
    tags = tags_for(s, "monitoring")
    alarms = Alarms("primary-alarms", AlarmsArgs(
        specs=primary_alarms(s), actions={}, tags=tags,
        dimension_values={"primary-ingress-health": {"HealthCheckId": edge.health_check_ids[east]}},
    ), opts=ctx.opts(east))
    AlarmForwarding("primary-alarm-forwarding", ForwardingArgs(region=east, to_region=s.regions.dr, account_id=s.account_id,
                                                              tags=tags), opts=ctx.opts(east))
    exports: Exports = {"alarmNames": alarms.names}
    return MonitoringParts(exports=exports, alarms=alarms)


def _dr(ctx: StackContext, data: DataParts) -> MonitoringParts:
    s = ctx.settings
    west = s.regions.dr
    tags = tags_for(s, "monitoring")
    paging = pagerduty.Provider("pagerduty", token=ctx.pagerduty_token)
    on_call = OnCall("paging", OnCallArgs(
        rotations=rotations(s), escalation=escalation_rules(s), repeats=s.paging.repeats, urgency=s.paging.urgencies({name: tier.rto_minutes for name, tier in s.tiers.items()}),
        rotation_start=s.paging.rotation_start, rotation_seconds=s.paging.rotation_days * 86400,
    ), opts=pulumi.ResourceOptions(provider=paging))
    topics = PagingTopics("paging-topics", PagingTopicsArgs(region=west, account_id=s.account_id,
                                                            endpoints=on_call.cloudwatch_urls, tags=tags, keys=ctx.keys),
                          opts=ctx.opts(west))
    EventPaging("paging-events", EventPagingArgs(region=west, forwarded_from=[s.regions.primary], routing_keys=on_call.routing_keys,
                                                 backup_tier=highest_tier(s, "database"), tags=tags), opts=ctx.opts(west))
    IngressCanary("outage-canary", CanaryArgs(
        region=west, name=canary_name(s), account_id=s.account_id, target_host=s.site.ingress[s.active],
        target_path=s.dns.health_check.path, rate_minutes=s.detection.canary_rate_minutes, runtime_version=CANARY_RUNTIME,
        bucket=canary_bucket(s), tags=tags, keys=ctx.keys, log_bucket=ctx.logs.buckets[west],
    ), opts=ctx.opts(west))
    assert data.primary is not None
    velero_bucket = s.storage.replica_name(s.storage.velero_bucket, west)
    aurora = s.database.dr_mode == "aurora-global"
    probe = FreshnessProbe("freshness-probe", ProbeArgs(
        region=west, name=PROBE_NAME, account_id=s.account_id, rate_minutes=s.detection.probe_rate_minutes,
        environment=probe_environment(s),
        database_identifiers=[] if aurora else [s.database.identifier, s.database.replica_identifier],
        cluster_identifiers=(s.database.replica_identifier,) if aurora else (),
        velero_bucket_arn=f"arn:aws:s3:::{velero_bucket}", velero_key_arn=data.primary.velero_replica_kms_key_arn,
        cluster=s.cluster_name, node_group=s.cluster.node_group_name, cache=s.cache.dr_group_id, tags=tags,
        keys=ctx.keys, log_retention_days=s.detection.probe_log_retention_days,
    ), opts=ctx.opts(west))
    alarms = Alarms("dr-alarms", AlarmsArgs(specs=dr_alarms(s), actions=topics.arns, tags=tags), opts=ctx.opts(west))
    exports: Exports = {
        "alarmNames": alarms.names,
        "pagingTopicArns": topics.arns,
        "pagerdutyServiceIds": on_call.service_ids,
        "probeFunction": probe.function_name,
        "canaryName": canary_name(s),
    }
    return MonitoringParts(exports=exports, alarms=alarms)
