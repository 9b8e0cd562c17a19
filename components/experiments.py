"""AWS FIS experiment templates for the runbook's failure scenarios, a role that can run exactly them, and (when
set) the EventBridge Scheduler schedules that start them.

Each experiment stops when one of its stop-condition alarms fires (the stacks' own detection alarms, in the
experiment's region): an experiment that hurts users more than it should ends itself. The role's policy is built
from the experiments' actions (FIS_PERMISSIONS), so it can do what the templates do and nothing else; a policy of
the pack checks the same (policies/iam.py `fis-role-only-its-templates`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

# The IAM actions each FIS action needs of its role, by the resources they act on (AWS FIS User Guide, actions
# reference and the AWSFaultInjectionSimulator*Access managed policies): `resources` are filled per experiment.
FIS_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "aws:rds:reboot-db-instances": ("rds:RebootDBInstance", "rds:DescribeDBInstances"),
    "aws:eks:pod-delete": ("eks:DescribeCluster",),
    "aws:eks:terminate-nodegroup-instances": ("eks:DescribeNodegroup", "ec2:TerminateInstances", "ec2:DescribeInstances"),
}
START_EXPERIMENT = "arn:aws:scheduler:::aws-sdk:fis:startExperiment"
# The Kubernetes identity the FIS role is mapped to (an EKS access entry), and the service account FIS's pod runs as.
FIS_USER = "aivo-fis-experiment"
FIS_SERVICE_ACCOUNT = "aivo-fis"


@dataclass(frozen=True)
class Statement:
    """Part of the role's policy: IAM actions on resources (optionally bounded by a condition)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ExperimentSpec:
    key: str  # databaseFailover, servicePods, clusterNodes: the template's Name tag and child names
    description: str
    action_id: str  # a key of FIS_PERMISSIONS
    action_parameters: Mapping[str, str]
    target_key: str  # the action's target key (DBInstances, Pods, Nodegroups)
    resource_type: str  # aws:rds:db, aws:eks:pod, aws:eks:nodegroup
    selection_mode: str  # ALL, COUNT(n), PERCENT(n)
    permissions: tuple[Statement, ...]  # what the role needs for this experiment, resource by resource
    resource_arns: Sequence[pulumi.Input[str]] | None = None
    target_parameters: Mapping[str, str] | None = None
    schedule: str | None = None  # cron(...): started by EventBridge Scheduler; None: started by a person
    schedule_enabled: bool = True  # DISABLED keeps the schedule but starts nothing (the region is not active)


@dataclass(frozen=True)
class PodAccess:
    """What FIS's pod actions need in the cluster: an access entry for the role, a service account and RBAC."""

    cluster_name: str
    namespace: str
    kubernetes_provider: pulumi.ProviderResource


@dataclass(frozen=True)
class ExperimentsArgs:
    region: str
    account_id: str
    role_name: str
    experiments: Sequence[ExperimentSpec]
    stop_alarm_arns: Sequence[str]  # CloudWatch alarms in `region`: any of them in ALARM stops every experiment
    tags: dict[str, str]
    pod_access: PodAccess | None = None
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)  # the stop alarms must exist first


def trust_policy(service: str, account_id: str, region: str, source_arn: str) -> str:
    """A service may assume the role for this account's resources only (confused-deputy conditions)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": source_arn}},
    }]}, sort_keys=True)


def required_actions(experiments: Sequence[ExperimentSpec]) -> list[str]:
    """Every IAM action the experiments' FIS actions need: what the role may do, exactly."""
    return sorted({action for e in experiments for action in FIS_PERMISSIONS[e.action_id]})


def role_policy(experiments: Sequence[ExperimentSpec]) -> str:
    """One statement per experiment and resource set; a statement for an action FIS_PERMISSIONS does not list for
    the experiment's action is a programming error."""
    statements = []
    for e in experiments:
        allowed = set(FIS_PERMISSIONS[e.action_id])
        for index, s in enumerate(e.permissions):
            unexpected = sorted(set(s.actions) - allowed)
            if unexpected:
                raise ValueError(f"{e.key}: {', '.join(unexpected)} is not an action of {e.action_id}")
            statement: dict[str, Any] = {"Sid": f"{e.key[0].upper()}{e.key[1:]}{index}", "Effect": "Allow",
                                         "Action": list(s.actions), "Resource": list(s.resources)}
            if s.condition:
                statement["Condition"] = dict(s.condition)
            statements.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def scheduler_policy(region: str, account_id: str, fis_role_arn: str) -> str:
    """What the scheduler may do: start this stack's experiment templates (by tag), passing their role to FIS."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "StartThisStacksExperiments", "Effect": "Allow", "Action": ["fis:StartExperiment"],
         "Resource": [f"arn:aws:fis:{region}:{account_id}:experiment-template/*"],
         "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "aivo-dr"}}},
        {"Sid": "TheExperiments", "Effect": "Allow", "Action": ["fis:StartExperiment"],
         "Resource": [f"arn:aws:fis:{region}:{account_id}:experiment/*"]},
        {"Sid": "PassTheExperimentRole", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": [fis_role_arn],
         "Condition": {"StringEquals": {"iam:PassedToService": "fis.amazonaws.com"}}},
    ]}, sort_keys=True)


# What FIS's pod needs in the namespace (AWS FIS User Guide, "Use the aws:eks:pod actions": the Role for the
# experiment's service account and Kubernetes user).
POD_RULES = [
    k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=["configmaps"], verbs=["get", "create", "patch", "delete"]),
    k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=["pods"], verbs=["create", "list", "get", "delete", "deletecollection"]),
    k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=["pods/ephemeralcontainers"], verbs=["update"]),
    k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=["pods/exec"], verbs=["create"]),
    k8s.rbac.v1.PolicyRuleArgs(api_groups=["apps"], resources=["deployments"], verbs=["get"]),
]


class FaultExperiments(pulumi.ComponentResource):
    """The experiment role, one template per experiment, their schedules, and (for pod actions) cluster access."""

    template_ids: pulumi.Output[dict[str, str]]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ExperimentsArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:testing:FaultExperiments", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        r, a = args.region, args.account_id
        role = aws.iam.Role(f"{name}-role", name=args.role_name, description="AWS FIS: runs this stack's experiment templates only",
                            assume_role_policy=trust_policy("fis.amazonaws.com", a, r, f"arn:aws:fis:{r}:{a}:experiment/*"),
                            tags=args.tags, opts=child)
        policy = aws.iam.RolePolicy(f"{name}-role-policy", role=role.name, policy=role_policy(args.experiments), opts=child)
        waits: list[pulumi.Resource] = [policy, *args.depends_on]
        if args.pod_access is not None and any(e.action_id.startswith("aws:eks:pod") for e in args.experiments):
            waits += self._pod_access(name, args, role)
        stops = [aws.fis.ExperimentTemplateStopConditionArgs(source="aws:cloudwatch:alarm", value=arn) for arn in args.stop_alarm_arns]
        ids: dict[str, pulumi.Output[str]] = {}
        scheduled = [e for e in args.experiments if e.schedule]
        scheduler_role = None
        if scheduled:
            scheduler_role = aws.iam.Role(
                f"{name}-scheduler-role", name=f"{args.role_name}-scheduler", description="EventBridge Scheduler: starts the FIS experiments",
                assume_role_policy=trust_policy("scheduler.amazonaws.com", a, r, f"arn:aws:scheduler:{r}:{a}:schedule/default/*"),
                tags=args.tags, opts=child)
            aws.iam.RolePolicy(f"{name}-scheduler-role-policy", role=scheduler_role.name,
                               policy=scheduler_policy(r, a, f"arn:aws:iam::{a}:role/{args.role_name}"), opts=child)
        for e in args.experiments:
            template = aws.fis.ExperimentTemplate(
                f"{name}-{e.key}",
                description=e.description,
                role_arn=role.arn,
                actions=[aws.fis.ExperimentTemplateActionArgs(
                    name=e.key, action_id=e.action_id,
                    parameters=[aws.fis.ExperimentTemplateActionParameterArgs(key=k, value=v) for k, v in sorted(e.action_parameters.items())]
                    or None,
                    target=aws.fis.ExperimentTemplateActionTargetArgs(key=e.target_key, value=e.key),
                )],
                targets=[aws.fis.ExperimentTemplateTargetArgs(
                    name=e.key, resource_type=e.resource_type, selection_mode=e.selection_mode,
                    resource_arns=list(e.resource_arns) if e.resource_arns else None,
                    parameters=dict(e.target_parameters) if e.target_parameters else None,
                )],
                stop_conditions=stops or [aws.fis.ExperimentTemplateStopConditionArgs(source="none")],
                region=r,
                tags={**args.tags, "Name": e.key},
                opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
            )
            ids[e.key] = template.id
            if e.schedule and scheduler_role is not None:
                aws.scheduler.Schedule(
                    f"{name}-{e.key}-schedule",
                    name=f"aivo-dr-{e.key}",
                    description=f"Starts the FIS experiment {e.key} ({e.description})",
                    schedule_expression=e.schedule,
                    schedule_expression_timezone="Etc/UTC",
                    flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                    state="ENABLED" if e.schedule_enabled else "DISABLED",
                    target=aws.scheduler.ScheduleTargetArgs(
                        arn=START_EXPERIMENT, role_arn=scheduler_role.arn,
                        input=template.id.apply(lambda template_id: json.dumps(
                            {"ClientToken": "<aws.scheduler.execution-id>", "ExperimentTemplateId": template_id}, sort_keys=True)),
                        retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(maximum_retry_attempts=0),
                    ),
                    region=r,
                    opts=child,
                )
        self.role_arn = role.arn
        self.template_ids = pulumi.Output.all(**ids).apply(lambda found: dict(found))  # type: ignore[arg-type]
        self.register_outputs({"roleArn": self.role_arn, "templateIds": self.template_ids})

    def _pod_access(self, name: str, args: ExperimentsArgs, role: aws.iam.Role) -> list[pulumi.Resource]:
        """The FIS role as a Kubernetes user (an access entry, no access policy: RBAC alone), and the namespace's
        service account and Role that FIS's pod runs with, bound to both."""
        access = args.pod_access
        assert access is not None
        entry = aws.eks.AccessEntry(f"{name}-access", cluster_name=access.cluster_name, principal_arn=role.arn, type="STANDARD",
                                    user_name=FIS_USER, region=args.region, tags=args.tags, opts=pulumi.ResourceOptions(parent=self))
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=access.kubernetes_provider)
        meta = k8s.meta.v1.ObjectMetaArgs(name=FIS_SERVICE_ACCOUNT, namespace=access.namespace,
                                          labels={"app.kubernetes.io/managed-by": "aivo-dr"})
        account = k8s.core.v1.ServiceAccount(f"{name}-service-account", metadata=meta, opts=k8s_opts)
        k8s_role = k8s.rbac.v1.Role(f"{name}-k8s-role", metadata=meta, rules=POD_RULES, opts=k8s_opts)
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-k8s-binding", metadata=meta,
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=FIS_SERVICE_ACCOUNT),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=FIS_SERVICE_ACCOUNT, namespace=access.namespace),
                      k8s.rbac.v1.SubjectArgs(kind="User", name=FIS_USER, api_group="rbac.authorization.k8s.io")],
            opts=pulumi.ResourceOptions(parent=self, provider=access.kubernetes_provider, depends_on=[k8s_role, account]),
        )
        return [entry, binding]
