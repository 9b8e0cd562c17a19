"""CloudWatch alarms from specs: each pages its tier's topic, and carries its tier and detection time as tags.

The specs are decided elsewhere (stacks/detection.py derives every threshold from the runbook's figures);
this component only declares them, in their region, with their actions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

ALARM_PREFIX = "aivo-"


def slug(tier: str) -> str:
    """A tier as it appears in alarm names (`aivo-<tier>-...`): how forwarded alarms are routed by tier."""
    return re.sub(r"[^a-z0-9]+", "-", tier.lower()).strip("-")[:40] or "tier"


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch alarm: what it watches, its threshold, and how long it takes to fire."""

    key: str  # what it watches, short (part of the name)
    tier: str  # the tier paged: the highest tier that depends on what it watches
    store: str  # the data store (or capacity) it watches: database, cache, assets, cluster-state
    tiers: tuple[str, ...]  # every tier that depends on what it watches (the tier paged first)
    watches: str  # in words, for people and the docs
    region: str
    namespace: str
    metric: str
    dimensions: Mapping[str, str]
    statistic: str
    comparison: str  # a CloudWatch comparison operator
    threshold: float
    period_seconds: int
    evaluation_periods: int
    treat_missing: str  # "breaching": silence is a failure (a replica that stopped replicating sends nothing)
    delay_seconds: int = 0  # how late the metric arrives
    extra_delay_seconds: int = 0  # how long the failure takes to show in the metric (a probe's interval, ...)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{ALARM_PREFIX}{slug(self.tier)}-{self.key}"

    @property
    def detection_seconds(self) -> int:
        """From the failure to the page: the breaching periods, the metric's delay, the measurement's own lag."""
        return self.period_seconds * self.evaluation_periods + self.delay_seconds + self.extra_delay_seconds


def alarm_tags(spec: AlarmSpec) -> dict[str, str]:
    """What a plan (the policies, readiness, the docs) reads off an alarm: its tier and how fast it fires."""
    return {"tier": spec.tier, "tiers": " ".join(spec.tiers), "store": spec.store,
            "detection-seconds": str(spec.detection_seconds), "watches": spec.watches[:250]}


@dataclass(frozen=True)
class AlarmsArgs:
    specs: list[AlarmSpec]
    actions: Mapping[str, pulumi.Input[str]]  # tier -> the paging topic's ARN in the alarms' region
    tags: dict[str, str]
    # Dimensions known only once other resources exist (a health check's id), by spec key.
    dimension_values: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)


class Alarms(pulumi.ComponentResource):
    """The alarms of one region; ALARM and OK both notify, so an incident resolves itself when the metric recovers."""

    names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:alarms:Alarms", name, None, opts)
        names = []
        for spec in args.specs:
            actions = [args.actions[spec.tier]] if spec.tier in args.actions else []
            alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                name=spec.name,
                alarm_description=f"{spec.watches}. Pages {spec.tier}; fires about {spec.detection_seconds} s after the failure.",
                namespace=spec.namespace,
                metric_name=spec.metric,
                dimensions={**spec.dimensions, **args.dimension_values.get(spec.key, {})},
                statistic=spec.statistic,
                comparison_operator=spec.comparison,
                threshold=spec.threshold,
                period=spec.period_seconds,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.evaluation_periods,
                treat_missing_data=spec.treat_missing,
                alarm_actions=actions,
                ok_actions=actions,
                region=spec.region,
                tags={**args.tags, **spec.tags, **alarm_tags(spec)},
                opts=pulumi.ResourceOptions(parent=self),
            )
            names.append(alarm.name)
        self.names = pulumi.Output.all(*names).apply(list)
        self.register_outputs({"names": self.names})
