"""Alarm forwarding: a region's alarm state changes and AWS Backup failures, sent to another region's event bus.

The primary stack's alarms live in us-east-1 (S3 replication metrics, Route53 health-check metrics exist only
there). They reach PagerDuty through the DR region, where the dr stack pages (components/paging.py
EventPaging), so paging depends on nothing in us-east-1 and the primary stack needs nothing of the dr stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import ALARM_PREFIX
from components.paging import FAILURES


@dataclass(frozen=True)
class ForwardingArgs:
    region: str  # where the events happen
    to_region: str  # whose default event bus receives them
    account_id: str
    tags: dict[str, str]


def bus_arn(region: str, account_id: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:event-bus/default"


class AlarmForwarding(pulumi.ComponentResource):
    """Rules (the project's alarm state changes; AWS Backup failures, of jobs and copies, of restores) whose target is
    the other region's bus."""

    def __init__(self, name: str, args: ForwardingArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:paging:AlarmForwarding", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        target = bus_arn(args.to_region, args.account_id)
        role = aws.iam.Role(
            f"{name}-role", description=f"EventBridge forwards {args.region} alarm events to {args.to_region}",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            tags=args.tags, opts=child)
        aws.iam.RolePolicy(f"{name}-role-policy", role=role.name, policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": target}]}),
            opts=child)
        patterns = {
            "alarms": {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                       "detail": {"alarmName": [{"prefix": ALARM_PREFIX}]}},
            **FAILURES,
        }
        for key, pattern in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{key}", description=f"Forward {key} to the {args.to_region} event bus, which pages",
                event_pattern=json.dumps(pattern, sort_keys=True), region=args.region, tags=args.tags, opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{key}", rule=rule.name, arn=target, role_arn=role.arn, region=args.region,
                                       opts=child)
        self.register_outputs({"targetBus": target})
