"""The region-failover drill's recovery the way a real failover runs it: the settings flip and the one `pulumi up`
of the dr stack (stacks/deploy_runner.py FAILOVER_COMMAND), through Pulumi's Automation API, timed from the engine.

The drill used to promote the replica and move DNS with API calls: that left the stacks' state behind and tested a
path no failover takes. Here the Automation API runs the `pulumi` CLI on PATH in this repository, exactly as an
on-call engineer would (`pulumi config set failover true --stack dr`, then `pulumi up --stack dr --yes
--continue-on-error`), and every resource step's start and end are read from the engine's events; the drill's
recovery steps (promote, scale, Velero, DNS, CDN) are those events grouped by resource type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from drctl.engine.project import REPOSITORY

DR_STACK = "dr"
FAILOVER_KEY = "failover"
# Automation API options as the on-call command has them; --continue-on-error needs Pulumi CLI 3.114 or later.
MINIMUM_CLI = (3, 114, 0)
# Resource steps that do not change anything: not part of any drill step's time.
UNCHANGED = {"same", "read", "refresh"}


@dataclass(frozen=True)
class Group:
    """A drill step made of the `pulumi up`'s resource steps of some resource types."""

    key: str
    title: str
    types: frozenset[str]
    required: bool = False  # a failover that does not change these did not fail over
    edge: bool = False  # Route53 / CloudFront: control planes in us-east-1 (see drctl/ops/drill.py)


# The runbook's recovery steps, in its order; REST collects what none of them names (alarms, backup plans, probes).
# The keys are the readiness model's drill keys (policies/recovery/steps.yaml): `drctl readiness --calibrate` reads them.
GROUPS = (
    Group("promote", "Promote the RDS read replica", frozenset({"aws:rds/instance:Instance"}), required=True),
    Group("scale", "Scale the DR node group", frozenset({"aws:eks/nodeGroup:NodeGroup"})),
    Group("cache", "Resize the DR cache to production size", frozenset({"aws:elasticache/replicationGroup:ReplicationGroup"})),
    Group("velero", "Restore Kubernetes state from Velero",
          frozenset({"kubernetes:velero.io/v1:Restore", "kubernetes:velero.io/v1:Schedule", "kubernetes:velero.io/v1:BackupStorageLocation"})),
    Group("dns", "Point api/app at the DR region (Route53)", frozenset({"aws:route53/record:Record"}), edge=True),
    Group("cdn", "Update the CDN origin (CloudFront)", frozenset({"aws:cloudfront/distribution:Distribution"}), edge=True),
)
REST = Group("rest", "The dr stack's other changes (alarms, backups, probes)", frozenset())


@dataclass
class ResourceStep:
    urn: str
    type: str
    op: str
    started: int  # the engine's event timestamps (Unix seconds)
    ended: int | None = None
    error: str | None = None


@dataclass
class EngineTimeline:
    """What the engine reported, resource by resource (Automation API `on_event`)."""

    steps: dict[str, ResourceStep] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # urn -> the first error diagnostic
    first: int | None = None
    last: int | None = None

    def add(self, event: Any) -> None:
        stamp = int(event.timestamp or 0)
        if stamp:
            self.first = stamp if self.first is None else min(self.first, stamp)
            self.last = stamp if self.last is None else max(self.last, stamp)
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            if meta.op.value not in UNCHANGED:
                self.steps[meta.urn] = ResourceStep(meta.urn, meta.type, meta.op.value, stamp)
        elif event.res_outputs_event is not None:
            found = self.steps.get(event.res_outputs_event.metadata.urn)
            if found is not None:
                found.ended = stamp
        elif event.res_op_failed_event is not None:
            found = self.steps.get(event.res_op_failed_event.metadata.urn)
            if found is not None:
                found.ended = stamp
                found.error = self.errors.get(found.urn, "the engine reported the step failed")
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error" and event.diagnostic_event.urn:
            message = " ".join(event.diagnostic_event.message.split())
            self.errors.setdefault(event.diagnostic_event.urn, message)
            if event.diagnostic_event.urn in self.steps and self.steps[event.diagnostic_event.urn].error:
                self.steps[event.diagnostic_event.urn].error = self.errors[event.diagnostic_event.urn]

    def failed(self) -> list[ResourceStep]:
        return [s for s in self.steps.values() if s.error is not None]


def group_of(type_: str) -> Group:
    return next((g for g in GROUPS if type_ in g.types), REST)


@dataclass(frozen=True)
class GroupResult:
    status: str  # done | failed | unreachable | no change
    detail: str
    started: datetime | None
    ended: datetime | None


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def judge(group: Group, timeline: EngineTimeline, rerun: str) -> GroupResult:
    """A drill step from its resource steps: timed from the first one's start to the last one's end."""
    mine = [s for s in timeline.steps.values() if group_of(s.type) is group]
    if not mine:
        if group.required:
            return GroupResult("failed", f"pulumi up changed no {', '.join(sorted(group.types))}: the dr stack did not fail over "
                               "(was failover already true?)", None, None)
        return GroupResult("no change", "pulumi up changed nothing of this step", None, None)
    started = min(s.started for s in mine)
    ended = max((s.ended for s in mine if s.ended is not None), default=None)
    changed = ", ".join(f"{s.op} {_name(s.urn)}" for s in sorted(mine, key=lambda s: _name(s.urn)))
    when = (datetime.fromtimestamp(started, UTC), datetime.fromtimestamp(ended, UTC) if ended is not None else None)
    failed = [s for s in mine if s.error is not None]
    if failed:
        why = "; ".join(f"{_name(s.urn)}: {s.error}" for s in failed)
        if group.edge:
            return GroupResult("unreachable", f"{why}; health-check failover still moves traffic, re-run when the API answers: {rerun}", *when)
        return GroupResult("failed", why, *when)
    if ended is None or any(s.ended is None for s in mine):
        return GroupResult("failed", f"{changed}: the engine never reported the end of every step", *when)
    return GroupResult("done", changed, *when)


def select_dr_stack() -> Any:
    """The dr stack in this repository, through the Automation API and the `pulumi` on PATH (the CLI the on-call
    engineer has): its version is checked first, so a missing or too old CLI stops here, before any change."""
    from pulumi.automation import LocalWorkspaceOptions, PulumiCommand, select_stack
    from semver import VersionInfo

    command = PulumiCommand(version=VersionInfo(*MINIMUM_CLI))
    return select_stack(stack_name=DR_STACK, work_dir=str(REPOSITORY), opts=LocalWorkspaceOptions(pulumi_command=command))
