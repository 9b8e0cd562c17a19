"""Paging: the runbook's Contacts section in PagerDuty, and the ways alarms and events reach it.

- `OnCall`: the rotations (one schedule per role and shift), the escalation path, a service per tier
  (its urgency), and per service two integrations: "Amazon CloudWatch" (alarms through SNS) and
  "Events API V2" (events routed by EventBridge).
- `PagingTopics`: per tier an SNS topic in one region, encrypted with that region's key; only CloudWatch,
  EventBridge and AWS Backup may publish; subscribed to the tier's CloudWatch integration.
- `EventPaging`: EventBridge rules on a region's default bus that page through the Events API: alarm state
  changes forwarded from another region (routed by the tier in the alarm's name) and AWS Backup failures (jobs
  and copies; restores and restore tests).

Integration keys are secrets: they never appear in a plan or in state in plain text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_pagerduty as pagerduty

from components.alarms import ALARM_PREFIX, slug
from components.kms import KeyAccess, KeyArgs, RegionalKey, ServicePrincipalUse

EVENTS_API = "https://events.pagerduty.com/v2/enqueue"
PAGERDUTY_DESTINATION = "aivo-dr-pagerduty"  # the EventBridge connection's and API destination's name
CLOUDWATCH_URL = "https://events.pagerduty.com/integration/{key}/enqueue"
PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com")
# AWS Backup's failures, one pattern per field that carries the outcome: backup and copy jobs report
# `detail.state`, restore jobs (restore tests too) `detail.status` (AWS Backup developer guide, "Monitoring AWS
# Backup events using EventBridge"; its sample events are policies/sample_events/aws.backup.json, which the
# policy event-rules-match-their-events runs every rule against).
BACKUP_FAILURES = {
    "source": ["aws.backup"],
    "detail-type": ["Backup Job State Change", "Copy Job State Change"],
    "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"]},
}
RESTORE_FAILURES = {
    "source": ["aws.backup"],
    "detail-type": ["Restore Job State Change"],
    "detail": {"status": ["FAILED", "ABORTED"]},  # RestoreJobStatus: PENDING RUNNING COMPLETED ABORTED FAILED
}
FAILURES = {"backup-failures": BACKUP_FAILURES, "restore-failures": RESTORE_FAILURES}


@dataclass(frozen=True)
class Rotation:
    key: str  # e.g. "platform-engineer-primary"
    user_ids: list[str]


@dataclass(frozen=True)
class EscalationRule:
    delay_minutes: int  # how long this level is paged before the next
    schedules: list[str] = field(default_factory=list)  # rotation keys
    users: list[str] = field(default_factory=list)  # PagerDuty user ids


@dataclass(frozen=True)
class OnCallArgs:
    rotations: list[Rotation]
    escalation: list[EscalationRule]
    repeats: int  # times the whole path is repeated after the last level
    urgency: Mapping[str, str]  # tier -> high | low
    rotation_start: str
    rotation_seconds: int


class OnCall(pulumi.ComponentResource):
    """PagerDuty: schedules, the escalation policy, a service per tier with its two integrations."""

    service_ids: dict[str, pulumi.Output[str]]
    cloudwatch_urls: dict[str, pulumi.Output[str]]  # secret
    routing_keys: dict[str, pulumi.Output[str]]  # secret (Events API v2)

    def __init__(self, name: str, args: OnCallArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:paging:OnCall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        schedules = {
            r.key: pagerduty.Schedule(
                f"{name}-{r.key}", name=f"aivo {r.key}", time_zone="UTC",
                description="aivo-dr: the runbook's on-call rotation",
                layers=[pagerduty.ScheduleLayerArgs(
                    name=r.key, start=args.rotation_start, rotation_virtual_start=args.rotation_start,
                    rotation_turn_length_seconds=args.rotation_seconds, users=list(r.user_ids),
                )],
                opts=child,
            )
            for r in args.rotations
        }
        policy = pagerduty.EscalationPolicy(
            f"{name}-escalation", name="aivo DR escalation path", num_loops=args.repeats,
            description="The runbook's escalation path: L1 on-call engineer, L2 team lead, L3 engineering manager, L4 VP Engineering",
            rules=[
                pagerduty.EscalationPolicyRuleArgs(
                    escalation_delay_in_minutes=rule.delay_minutes,
                    targets=[pagerduty.EscalationPolicyRuleTargetArgs(type="schedule_reference", id=schedules[s].id)
                             for s in rule.schedules]
                    + [pagerduty.EscalationPolicyRuleTargetArgs(type="user_reference", id=u) for u in rule.users],
                )
                for rule in args.escalation
            ],
            opts=child,
        )
        cloudwatch = pagerduty.get_vendor_output(name="Amazon CloudWatch", opts=pulumi.InvokeOutputOptions(parent=self))
        self.service_ids, self.cloudwatch_urls, self.routing_keys = {}, {}, {}
        for tier, urgency in args.urgency.items():
            service = pagerduty.Service(
                f"{name}-{slug(tier)}", name=f"aivo {tier}", escalation_policy=policy.id,
                description=f"AIVO {tier} tier: alarms on what its services depend on",
                alert_creation="create_alerts_and_incidents", auto_resolve_timeout="null", acknowledgement_timeout="null",
                incident_urgency_rule=pagerduty.ServiceIncidentUrgencyRuleArgs(type="constant", urgency=urgency),
                opts=child,
            )
            by_cloudwatch = pagerduty.ServiceIntegration(
                f"{name}-{slug(tier)}-cloudwatch", name="Amazon CloudWatch", service=service.id, vendor=cloudwatch.id,
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["integrationKey"]),
            )
            by_events = pagerduty.ServiceIntegration(  # the Events API v2 is an integration type, not a vendor
                f"{name}-{slug(tier)}-events", name="Amazon EventBridge (Events API v2)", service=service.id,
                type="events_api_v2_inbound_integration",
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["integrationKey"]),
            )
            self.service_ids[tier] = service.id
            self.cloudwatch_urls[tier] = pulumi.Output.secret(
                by_cloudwatch.integration_key.apply(lambda key: CLOUDWATCH_URL.format(key=key)))  # type: ignore[arg-type]
            self.routing_keys[tier] = pulumi.Output.secret(by_events.integration_key)  # type: ignore[arg-type]
        self.register_outputs({"serviceIds": self.service_ids})


def topic_policy(topic_arn: str, account_id: str) -> str:
    """Only CloudWatch, EventBridge and AWS Backup of this account may publish; nobody else, not even IAM users."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ServicesOfThisAccountPublish", "Effect": "Allow", "Principal": {"Service": list(PUBLISHERS)},
             "Action": "sns:Publish", "Resource": topic_arn, "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
            {"Sid": "NobodyElsePublishes", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": topic_arn,
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalServiceName": list(PUBLISHERS)}}},
        ],
    }, sort_keys=True)


def publishers(account_id: str) -> ServicePrincipalUse:
    """The paging key's users: the services that publish to the topics, for this account only (SNS encrypts each
    message with a data key of the topic's key, on behalf of its publisher)."""
    return ServicePrincipalUse(sid="PublishersEncrypt", services=PUBLISHERS, actions=("kms:Decrypt", "kms:GenerateDataKey*"),
                               condition={"StringEquals": {"aws:SourceAccount": account_id}})


@dataclass(frozen=True)
class PagingTopicsArgs:
    region: str
    account_id: str
    endpoints: Mapping[str, pulumi.Input[str]]  # tier -> the CloudWatch integration URL (secret)
    tags: dict[str, str]
    keys: KeyAccess  # who administers the paging key


def topic_name(tier: str) -> str:
    return f"aivo-dr-page-{slug(tier)}"


class PagingTopics(pulumi.ComponentResource):
    """Per tier, an encrypted SNS topic that pages the tier's PagerDuty service."""

    arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: PagingTopicsArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:paging:Topics", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = RegionalKey(f"{name}-kms", KeyArgs(args.region, "aivo-dr-paging", "Paging topics (SNS)", args.tags, args.keys,
                                                 principals=(publishers(args.account_id),)), opts=child)
        self.arns = {}
        for tier, endpoint in args.endpoints.items():
            topic = aws.sns.Topic(f"{name}-{slug(tier)}", name=topic_name(tier), kms_master_key_id=key.arn,
                                  region=args.region, tags={**args.tags, "tier": tier}, opts=child)
            aws.sns.TopicPolicy(f"{name}-{slug(tier)}-policy", arn=topic.arn,
                                policy=topic.arn.apply(lambda arn: topic_policy(arn, args.account_id)), region=args.region,
                                opts=child)
            aws.sns.TopicSubscription(f"{name}-{slug(tier)}-pagerduty", topic=topic.arn, protocol="https", endpoint=endpoint,
                                      endpoint_auto_confirms=True, region=args.region, opts=child)
            self.arns[tier] = topic.arn
        self.register_outputs({"arns": self.arns})


def events_v2_template(routing_key: str, action: str, severity: str) -> str:
    """An Events API v2 body from an EventBridge event (the values in <...> are filled by the input paths)."""
    body = {"routing_key": routing_key, "event_action": action, "dedup_key": "<dedup>",
            "payload": {"summary": "<summary> (<region>)", "source": "<source>", "severity": severity,
                        "custom_details": {"event": "<event>"}}}
    return json.dumps(body).replace('"<event>"', "<event>")


@dataclass(frozen=True)
class EventPagingArgs:
    region: str
    forwarded_from: list[str]  # regions whose alarm state changes arrive on this region's bus
    routing_keys: Mapping[str, pulumi.Input[str]]  # tier -> Events API v2 routing key (secret)
    backup_tier: str  # the tier AWS Backup failures page (the highest tier using the databases)
    tags: dict[str, str]


class EventPaging(pulumi.ComponentResource):
    """EventBridge rules that page through PagerDuty's Events API: forwarded alarms by tier, Backup failures."""

    def __init__(self, name: str, args: EventPagingArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:paging:EventPaging", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # EventBridge connections need an authorization; PagerDuty's Events API reads the routing key in the body.
        connection = aws.cloudwatch.EventConnection(
            f"{name}-connection", name=PAGERDUTY_DESTINATION, authorization_type="API_KEY",
            description="PagerDuty Events API v2 (the routing key travels in each event's body)",
            auth_parameters=aws.cloudwatch.EventConnectionAuthParametersArgs(
                api_key=aws.cloudwatch.EventConnectionAuthParametersApiKeyArgs(key="X-Aivo-Dr", value="pagerduty")),
            region=args.region, opts=child)
        destination = aws.cloudwatch.EventApiDestination(
            f"{name}-destination", name=PAGERDUTY_DESTINATION, connection_arn=connection.arn, invocation_endpoint=EVENTS_API,
            http_method="POST", invocation_rate_limit_per_second=10, region=args.region, opts=child)
        role = aws.iam.Role(
            f"{name}-role", description="EventBridge invokes the PagerDuty API destination",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            tags=args.tags, opts=child)
        aws.iam.RolePolicy(f"{name}-role-policy", role=role.name, policy=destination.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "events:InvokeApiDestination",
                                                    "Resource": arn}]})), opts=child)
        paths = {"summary": "$.detail.alarmName", "dedup": "$.detail.alarmName", "region": "$.region", "source": "$.source",
                 "event": "$.detail"}
        for tier, routing_key in args.routing_keys.items():
            for state, action in (("ALARM", "trigger"), ("OK", "resolve")):
                rule = aws.cloudwatch.EventRule(
                    f"{name}-{slug(tier)}-{state.lower()}",
                    description=f"Alarms of the {tier} tier forwarded from {', '.join(args.forwarded_from)}: {state} pages",
                    event_pattern=json.dumps({
                        "source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                        "region": list(args.forwarded_from),
                        "detail": {"alarmName": [{"prefix": f"{ALARM_PREFIX}{slug(tier)}-"}], "state": {"value": [state]}},
                    }, sort_keys=True),
                    region=args.region, tags=args.tags, opts=child)
                self._target(f"{name}-{slug(tier)}-{state.lower()}", rule, destination, role, routing_key, action, paths,
                             args.region, "critical" if state == "ALARM" else "info")
        backup_paths = {"summary": "$.detail-type", "dedup": "$.id", "region": "$.region", "source": "$.source", "event": "$.detail"}
        for key, (pattern, what) in {"backup-failures": (BACKUP_FAILURES, "AWS Backup jobs and copies"),
                                     "restore-failures": (RESTORE_FAILURES, "AWS Backup restores and restore tests")}.items():
            failures = aws.cloudwatch.EventRule(
                f"{name}-{key}", description=f"{what} that failed (this region and forwarded)",
                event_pattern=json.dumps(pattern, sort_keys=True), region=args.region, tags=args.tags, opts=child)
            self._target(f"{name}-{key}", failures, destination, role, args.routing_keys[args.backup_tier], "trigger",
                         backup_paths, args.region, "error")
        self.register_outputs({})

    def _target(self, name: str, rule: aws.cloudwatch.EventRule, destination: aws.cloudwatch.EventApiDestination,
                role: aws.iam.Role, routing_key: pulumi.Input[str], action: str, paths: dict[str, str], region: str,
                severity: str) -> None:
        aws.cloudwatch.EventTarget(
            name, rule=rule.name, arn=destination.arn, role_arn=role.arn, region=region,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=paths,
                input_template=pulumi.Output.secret(pulumi.Output.from_input(routing_key).apply(
                    lambda key: events_v2_template(key, action, severity))),
            ),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(maximum_event_age_in_seconds=3600, maximum_retry_attempts=10),
            opts=pulumi.ResourceOptions(parent=self),
        )
