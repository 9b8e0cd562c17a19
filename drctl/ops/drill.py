"""Timed DR drills: the runbook's scenarios as steps with timestamps, run for real where they are API calls.

Each scenario is a list of steps in the runbook's order. An `api` step calls AWS (boto3) and records what
it did; a `manual` step is something a person does (declare the event, run a Velero restore, smoke-test):
the operator confirms it when done (Enter), or `--yes` records it as confirmed without waiting. Every step
has a phase (detect, respond, recover, cleanup), from which the runbook's Recovery Metrics are derived:
time to detect, time to respond, time to recover (the measured RTO). Cleanup is outside the RTO.

The region failover takes the real failover path: the settings flip and the one `pulumi up --stack dr`
through Pulumi's Automation API (`pulumi` steps, drctl/ops/failover_run.py), then one `engine` step per part of
the runbook's recovery (promote, scale, Velero, DNS, CDN), timed from the engine's events. PITR and a single
service's restore stay API steps: the runbook's procedure for them is API calls.

A region failover happens exactly when the primary region may be down, so the drill does not need it:
its preflight gate ignores checks that cannot reach the primary region, and an edge step (Route53 and
CloudFront: their control planes are in us-east-1) that fails is recorded as `unreachable` while the
regional steps go on (`pulumi up --continue-on-error`), as the README's "If Route53 or CloudFront APIs are
impaired" says. Such a drill ends `incomplete`, never PASSED.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from drctl.errors import EngineError
from drctl.ops.aws import client, describe, is_unreachable
from drctl.ops.checks import summary
from drctl.ops.failover_run import DR_STACK, FAILOVER_KEY, GROUPS, REST, judge, select_dr_stack
from drctl.ops.figures import DRILL_SCHEMA, runbook
from drctl.ops.preflight import LAG_WINDOW, REPLICA_LAG, blockers, preflight, unreachable_primary
from drctl.ops.progress import activity
from drctl.ops.restore import PURPOSE_TAG
from drctl.ops.waiting import wait_available
from drctl.output import console, text
from stacks.settings.stack import CLUSTER_NAMES
from stacks.settings.tiers import tier_of

SCHEMA = DRILL_SCHEMA
# The failover's update, exactly as the runbook's command runs it (stacks/deploy_runner.py FAILOVER_COMMAND).
UP_COMMAND = f"pulumi up --stack {DR_STACK} --yes --continue-on-error"
PHASES = ("detect", "respond", "recover", "cleanup")
# What the record says about the RPO until a step measures it (drctl.ops.report.RPO_SCENARIOS).
RPO_NOT_YET = {
    "region-failover": "not measured: the drill stopped before reading ReplicaLag",
    "database-pitr": "not measured: the drill stopped before choosing the recovery point",
    "service-restore": "not applicable: a service restore restores no data",
}


@dataclass
class DrillOptions:
    scenario: str
    primary: str
    dr: str
    yes: bool = False
    service: str | None = None
    restore_time: datetime | None = None
    instance_class: str | None = None
    subnet_group: str | None = None
    security_groups: tuple[str, ...] = ()
    keep: bool = False
    timeout_s: float = 3600.0
    poll_s: float = 30.0
    operator: str = "unknown"
    root_cause: str = ""
    preventive: str = ""


@dataclass
class StepRecord:
    key: str
    title: str
    kind: str
    phase: str
    command: str
    status: str = "not run"
    startedAt: str | None = None
    endedAt: str | None = None
    seconds: float | None = None
    detail: str = ""


@dataclass
class DrillContext:
    options: DrillOptions
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    kind: str  # api | manual | pulumi (the Automation API) | engine (what `pulumi up` did, from its events)
    phase: str
    command: str  # the runbook's command (what a person would type, with the region it needs), shown in the report
    action: Callable[[DrillContext], str] | None = None
    # An edge step (Route53: its API is in us-east-1) that cannot reach its API does not stop the drill:
    # health-check failover (Route53's data plane) already moves traffic, and nothing regional waits for it.
    edge: bool = False


class StepFailed(Exception):
    """An API step did not reach its goal (the message is the step's detail)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---- API steps ----------------------------------------------------------------------------------------


def _preflight(ctx: DrillContext) -> str:
    """A gate: a blocker that failed, or could not be read in the DR region, stops the drill. Checks that
    cannot reach the primary region block nothing (a failover is for when it does not answer), and replica
    lag does not either: the promotion goes ahead (the primary is gone) and what the lag costs is judged as
    the drill's measured RPO."""
    o = ctx.options
    checks = preflight(o.primary, o.dr)
    text = summary(checks)
    failed = blockers(checks, o.primary, allowed=(REPLICA_LAG,))
    if failed:
        raise StepFailed(f"{text}: {', '.join(c.check for c in failed)}")
    silent = unreachable_primary(checks, o.primary)
    if silent:
        text += f"; not blocking: {len(silent)} {'check' if len(silent) == 1 else 'checks'} could not reach {o.primary}"
    return text


def _measure_replica_lag(ctx: DrillContext) -> float | None:
    """The data a promotion loses: the replica's lag just before it (CloudWatch ReplicaLag, max over the window)."""
    s, o = runbook(), ctx.options
    now = datetime.now(UTC)
    points = client("cloudwatch", o.dr).get_metric_statistics(
        Namespace="AWS/RDS", MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": s.database.replica_identifier}],
        StartTime=now - LAG_WINDOW, EndTime=now + timedelta(minutes=1), Period=60, Statistics=["Maximum"],
    ).get("Datapoints", [])
    return max(p["Maximum"] for p in points) if points else None


def _flip(ctx: DrillContext) -> str:
    """The settings flip, after reading what the promotion will lose (the RPO): `pulumi config set failover true`
    in the dr stack, through the Automation API and the `pulumi` on PATH."""

    lag = _measure_replica_lag(ctx)
    ctx.facts["rpoSeconds"] = lag
    ctx.facts["rpoSource"] = "CloudWatch ReplicaLag before promotion" if lag is not None else "not measured: no ReplicaLag datapoints"
    try:
        from pulumi.automation import ConfigValue

        stack = select_dr_stack()
        stack.set_config(FAILOVER_KEY, ConfigValue(value="true"))
    except FileNotFoundError:
        raise StepFailed("no pulumi on PATH: install the Pulumi CLI the runner pins (runner.pulumiVersion)") from None
    except Exception as error:  # the Automation API's CommandError, InvalidVersionError: the CLI said no
        raise StepFailed(_first_line(error)) from None
    ctx.facts["stack"] = stack
    return f"{FAILOVER_KEY} = true in stack {DR_STACK}" + (f"; ReplicaLag {lag:.0f} s before promotion" if lag is not None else "")


def _first_line(error: BaseException) -> str:
    """What the CLI said, in one line: the first line of a CommandError's stderr (its text is the CommandResult:
    code, stdout, stderr), else the error itself."""
    text = str(error)
    _, found, stderr = text.partition("\n stderr: ")
    lines = [line.strip() for line in (stderr if found else text).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _exit_code(error: BaseException) -> int:
    found = re.search(r"^ code: (-?\d+)$", str(error), re.M)
    return int(found.group(1)) if found else 1


def _up(ctx: DrillContext) -> str:
    """The one `pulumi up` of the dr stack (--continue-on-error, as the runbook's command), its events recorded.
    Resource steps that failed are judged by the drill steps that follow; a run that failed before any resource
    step (the program, the backend, a policy) fails here."""
    from drctl.ops.failover_run import EngineTimeline

    timeline = EngineTimeline()
    ctx.facts["timeline"] = timeline
    stack = ctx.facts["stack"]
    try:
        stack.up(on_event=timeline.add, continue_on_error=True)
        code = 0
    except Exception as error:  # CommandError: the CLI exited non-zero
        if not timeline.failed():
            raise StepFailed(_first_line(error)) from None
        code = _exit_code(error)
    ctx.facts["upRan"] = True
    changed = len(timeline.steps)
    failed = len(timeline.failed())
    span = f" in {timeline.last - timeline.first} s" if timeline.first is not None and timeline.last is not None else ""
    text = f"{changed} resource {'change' if changed == 1 else 'changes'}{span}"
    return text + (f"; {failed} failed (exit code {code}): see the steps below" if failed else "")


def _scale(cluster: str, region_of: Callable[[DrillOptions], str]) -> Callable[[DrillContext], str]:
    def scale(ctx: DrillContext) -> str:
        s = runbook().cluster
        region = region_of(ctx.options)
        eks = client("eks", region)
        size = s.node_group
        eks.update_nodegroup_config(clusterName=cluster, nodegroupName=s.node_group_name,
                                    scalingConfig={"minSize": size.min_size, "maxSize": size.max_size, "desiredSize": size.desired_size})
        got = eks.describe_nodegroup(clusterName=cluster, nodegroupName=s.node_group_name)["nodegroup"]["scalingConfig"]
        if (got["minSize"], got["desiredSize"], got["maxSize"]) != (size.min_size, size.desired_size, size.max_size):
            raise StepFailed(f"{cluster}/{s.node_group_name} reports {got}")
        return f"{cluster}/{s.node_group_name} in {region}: min {got['minSize']}, desired {got['desiredSize']}, max {got['maxSize']}"

    return scale


def _assess_database(ctx: DrillContext) -> str:
    s, o = runbook(), ctx.options
    db = client("rds", o.primary).describe_db_instances(DBInstanceIdentifier=s.database.identifier)["DBInstances"][0]
    ctx.facts["latestRestorable"] = db.get("LatestRestorableTime")
    return f"{s.database.identifier} is {db['DBInstanceStatus']}; latest restorable time {db.get('LatestRestorableTime')}"


def _recovery_point(ctx: DrillContext) -> str:
    """RPO of a point-in-time recovery: how far before the incident the chosen restore point lies."""
    o = ctx.options
    latest = ctx.facts.get("latestRestorable")
    if latest is None:
        raise StepFailed("no latest restorable time: automated backups are off")
    point = o.restore_time or latest
    if point > latest:
        raise StepFailed(f"restore time {_iso(point)} is after the latest restorable time {_iso(latest)}")
    incident = parse_iso(ctx.facts["startedAt"])
    ctx.facts["restorePoint"] = point
    ctx.facts["rpoSeconds"] = max((incident - point).total_seconds(), 0.0)
    ctx.facts["rpoSource"] = "drill start minus the restore point"
    return f"restore point {_iso(point)} ({'latest restorable time' if o.restore_time is None else '--restore-time'})"


def _pitr(ctx: DrillContext) -> str:
    s, o = runbook(), ctx.options
    target = f"aivo-pitr-{parse_iso(ctx.facts['startedAt']):%Y%m%d%H%M}"
    rds = client("rds", o.primary)
    args: dict[str, Any] = {"RestoreTime": ctx.facts["restorePoint"]} if o.restore_time else {"UseLatestRestorableTime": True}
    # The runbook's PITR lands in production's subnet group (its VPC), not the account's default VPC.
    args["DBSubnetGroupName"] = o.subnet_group or s.database.subnet_group_name
    if o.security_groups:
        args["VpcSecurityGroupIds"] = list(o.security_groups)
    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=s.database.identifier, TargetDBInstanceIdentifier=target,
        DBInstanceClass=o.instance_class or s.database.instance_class, MultiAZ=False, PubliclyAccessible=False,
        Tags=[{"Key": PURPOSE_TAG, "Value": "drill"}], **args,
    )
    ctx.facts["pitrInstance"] = target
    ok, status, waited = wait_available(rds, target, o.timeout_s, o.poll_s, "restoring")
    if not ok:
        raise StepFailed(f"{target} is {status} after {waited:.0f} s")
    return f"{target} available after {waited:.1f} s"


def _cleanup_pitr(ctx: DrillContext) -> str:
    o = ctx.options
    target = ctx.facts.get("pitrInstance")
    if not target:
        return "nothing to clean up"
    if o.keep:
        return f"kept {target} (--keep)"
    rds = client("rds", o.primary)
    arn = rds.describe_db_instances(DBInstanceIdentifier=target)["DBInstances"][0]["DBInstanceArn"]
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=arn).get("TagList", [])}
    if tags.get(PURPOSE_TAG) != "drill":
        raise StepFailed(f"{target} lacks the tag {PURPOSE_TAG}=drill: not deleted")
    # No final snapshot: the drill's copy of production, tagged as such; production keeps its own backups.
    rds.delete_db_instance(DBInstanceIdentifier=target, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
    return f"deleting {target} (drill copy, no final snapshot)"


def _assess_cluster(ctx: DrillContext) -> str:
    s, o = runbook(), ctx.options
    name = CLUSTER_NAMES["primary"]
    eks = client("eks", o.primary)
    cluster = eks.describe_cluster(name=name)["cluster"]
    group = eks.describe_nodegroup(clusterName=name, nodegroupName=s.cluster.node_group_name)["nodegroup"]
    scaling = group["scalingConfig"]
    return f"{name} {cluster['status']}; {s.cluster.node_group_name} {group['status']} {scaling['minSize']}/{scaling['desiredSize']}/{scaling['maxSize']}"


# ---- scenarios --------------------------------------------------------------------------------------------


def scenario_steps(options: DrillOptions) -> list[Step]:
    """The runbook's procedure for the scenario, step by step."""
    s = runbook()
    primary_cluster = CLUSTER_NAMES["primary"]
    detect = Step("detect", "Detect the failure (alert fired, on-call paged)", "manual", "detect", "PagerDuty alert acknowledged")
    if options.scenario == "region-failover":
        return [
            detect,
            Step("declare", "Declare the DR event (approval, incident, status page)", "manual", "respond",
                 "notify on-call manager; create PagerDuty incident; update status page"),
            Step("preflight", "Check the DR region is ready", "api", "respond", f"drctl preflight --dr-region {options.dr}", _preflight),
            Step("flip", "Set failover true in the dr stack", "pulumi", "recover", f"pulumi config set {FAILOVER_KEY} true --stack {DR_STACK}",
                 _flip),
            Step("up", "Run the failover (one pulumi up of the dr stack)", "pulumi", "recover", UP_COMMAND, _up),
            # What the `pulumi up` did, step by step, timed from its events (drctl/ops/failover_run.py GROUPS).
            *[Step(g.key, g.title, "engine", "recover", UP_COMMAND, edge=g.edge) for g in (*GROUPS, REST)],
            Step("verify", "Verify services (smoke tests)", "manual", "recover",
                 f"./scripts/smoke-tests.sh production-dr; curl -sf https://{s.dns.api_name}/health; curl -sf https://{s.dns.app_name}"),
        ]
    if options.scenario == "database-pitr":
        return [
            detect,
            Step("assess", "Check RDS status", "api", "respond",
                 f"aws rds describe-db-instances --db-instance-identifier {s.database.identifier} --region {options.primary}", _assess_database),
            Step("recovery-point", "Identify the recovery point", "api", "respond",
                 f"aws rds describe-db-instance-automated-backups --db-instance-identifier {s.database.identifier} --region {options.primary}",
                 _recovery_point),
            Step("restore", "Point-in-time recovery to a new instance", "api", "recover",
                 f"aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier {s.database.identifier} "
                 f"--target-db-instance-identifier aivo-pitr-$(date +%Y%m%d%H%M) --region {options.primary}", _pitr),
            Step("reconfigure", "Update connection strings and restart services", "manual", "recover",
                 f"kubectl create secret generic database-credentials ... -n {s.velero.app_namespace}; kubectl rollout restart deployment -n {s.velero.app_namespace}"),
            Step("integrity", "Verify data integrity", "manual", "recover",
                 'psql -h <new-endpoint> -U aivo_admin -d aivo -c "SELECT COUNT(*) FROM users;" (or drctl restore-test --expect)'),
            Step("cleanup", "Delete the drill's recovered instance", "api", "cleanup",
                 f"aws rds delete-db-instance --db-instance-identifier aivo-pitr-<YYYYmmddHHMM> --skip-final-snapshot --region {options.primary}",
                 _cleanup_pitr),
        ]
    service = options.service or "api-gateway"
    ns = s.velero.app_namespace
    return [
        detect,
        Step("assess", "Assess the cluster and node group", "api", "respond",
             f"aws eks describe-cluster --name {primary_cluster} --region {options.primary}", _assess_cluster),
        Step("scale", "Scale the node group", "api", "recover",
             f"aws eks update-nodegroup-config --cluster-name {primary_cluster} --nodegroup-name {s.cluster.node_group_name} "
             f"--scaling-config minSize={s.cluster.node_group.min_size},maxSize={s.cluster.node_group.max_size},desiredSize={s.cluster.node_group.desired_size} "
             f"--region {options.primary}",
             _scale(primary_cluster, lambda o: o.primary)),
        Step("rollback", f"Roll back or restart {service}", "manual", "recover", f"kubectl rollout undo deployment/{service} -n {ns}"),
        Step("verify", f"Verify {service}", "manual", "recover", f"kubectl rollout status deployment/{service} -n {ns}"),
    ]


# ---- running ----------------------------------------------------------------------------------------------


def _confirm(step: Step, index: int, total: int, yes: bool) -> tuple[str, str]:
    """A manual step: wait for the operator (Enter = done, `skip`, `abort`), or record --yes."""
    if yes:
        return "confirmed", "confirmed non-interactively (--yes): duration not measured"
    err = console(stderr=True)
    err.print(text(f"[{index}/{total}] MANUAL {step.title}", *(f"      {line}" for line in step.command.splitlines())))
    err.print("      press Enter when done, or type skip or abort: ", end="", markup=False, highlight=False)
    answer = sys.stdin.readline().strip().lower()
    if answer == "abort":
        return "aborted", "aborted by the operator"
    if answer == "skip":
        return "skipped", "skipped by the operator"
    return "done", "confirmed by the operator"


def _run_api_step(step: Step, ctx: DrillContext) -> tuple[str, str]:
    """(status, detail) of an API step: done; failed (the step's goal not reached, or AWS said no); or, for an
    edge step whose API did not answer, unreachable (the drill goes on)."""
    try:
        return "done", step.action(ctx) if step.action else ""
    except StepFailed as failure:
        return "failed", str(failure)
    except (ClientError, BotoCoreError) as error:
        if step.edge and is_unreachable(error):
            return "unreachable", f"{describe(error)}; health-check failover still moves traffic, re-run when the API answers: {step.command}"
        return "failed", describe(error)
    except EngineError as error:
        return "failed", str(error)


def _engine_step(step: Step, record: StepRecord, ctx: DrillContext) -> None:
    """A step of the failover's `pulumi up`, as its events timed it (no change: no time, nothing to judge)."""
    group = next(g for g in (*GROUPS, REST) if g.key == step.key)
    result = judge(group, ctx.facts["timeline"], UP_COMMAND)
    record.status, record.detail = result.status, result.detail
    record.startedAt = _iso(result.started) if result.started else None
    record.endedAt = _iso(result.ended) if result.ended else None
    if result.started and result.ended:
        record.seconds = round((result.ended - result.started).total_seconds(), 3)


def run_drill(options: DrillOptions) -> dict[str, Any]:
    """Run every step in order; stop at the first failed or aborted one. Returns the drill record."""
    if options.scenario == "service-restore" and options.service:
        tier = tier_of(runbook().tiers, options.service)
    else:
        tier = None
    steps = scenario_steps(options)
    started = datetime.now(UTC)
    ctx = DrillContext(options, facts={"startedAt": _iso(started), "rpoSeconds": None, "rpoSource": RPO_NOT_YET[options.scenario]})
    records = [StepRecord(s.key, s.title, s.kind, s.phase, s.command) for s in steps]
    err = console(stderr=True)
    outcome = "completed"
    for index, (step, record) in enumerate(zip(steps, records, strict=True), start=1):
        # What one `pulumi up` did is reported whole, even after one of its steps failed (it ran --continue-on-error).
        if outcome not in ("completed", "incomplete") and not (step.kind == "engine" and ctx.facts.get("upRan")):
            break
        begin = datetime.now(UTC)
        record.startedAt = _iso(begin)
        if step.kind == "manual":
            record.status, record.detail = _confirm(step, index, len(steps), options.yes)
        elif step.kind == "engine":
            _engine_step(step, record, ctx)
        else:
            with activity(f"[{index}/{len(steps)}] {step.title}"):
                record.status, record.detail = _run_api_step(step, ctx)
        if step.kind != "engine":
            end = datetime.now(UTC)
            record.endedAt, record.seconds = _iso(end), round((end - begin).total_seconds(), 3)
        took = f" in {record.seconds:.1f} s" if record.seconds is not None else ""
        err.print(f"[{index}/{len(steps)}] {step.title}: {record.status}{took}" + (f" - {record.detail}" if record.detail else ""),
                  markup=False, highlight=False)
        if record.status in ("failed", "aborted"):
            outcome = record.status
        elif record.status == "unreachable":
            outcome = "incomplete"
    ended = datetime.now(UTC)
    rpo = ctx.facts.get("rpoSeconds")
    return {
        "schema": SCHEMA,
        "scenario": options.scenario,
        "service": options.service if options.scenario == "service-restore" else None,
        "tier": tier,
        "primaryRegion": options.primary,
        "drRegion": options.dr,
        "operator": options.operator,
        "startedAt": _iso(started),
        "endedAt": _iso(ended),
        "outcome": outcome,
        "rpoSeconds": None if rpo is None else round(rpo, 3),
        "rpoSource": ctx.facts.get("rpoSource"),
        "rootCause": options.root_cause or f"drill: simulated {options.scenario}",
        "preventiveMeasures": options.preventive,
        "steps": [asdict(r) for r in records],
    }
