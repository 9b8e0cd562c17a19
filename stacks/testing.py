"""The testing part: what the runbook's Testing Schedule needs declared (stacks/settings/testing.py).

| stack   | declares                                                                                           |
|---------|----------------------------------------------------------------------------------------------------|
| dr      | AWS Backup restore testing of the us-west-2 vault with its validation Lambda (weekly), and the     |
|         | read-only role the dr-verify workflow assumes through GitHub OIDC                                   |
| primary | the FIS experiment templates on production (us-east-1), their role, and their schedules when set;   |
|         | the account's GitHub OIDC provider (testing.verification.oidcProvider)                              |

Nothing here depends on `failover`: the flip changes none of it and creates no IAM (tests/test_failover_flip.py).
The restore test restores whatever is newest in the us-west-2 vault: the primary's weekly copies in standby, the
promoted database's own weekly snapshots after a failover (the same vault).
"""

from __future__ import annotations

import json

import pulumi

from components.ci_access import GithubOidcProvider, ReadOnlyRole, ReadOnlyRoleArgs
from components.experiments import FIS_SERVICE_ACCOUNT, ExperimentsArgs, ExperimentSpec, FaultExperiments, PodAccess, Statement
from components.restore_testing import RestoreTesting, RestoreTestingArgs
from stacks.context import StackContext
from stacks.contracts import ComputeParts, DataParts, Exports, MonitoringParts, TestingParts
from stacks.detection import primary_alarms
from stacks.settings import StackSettings
from stacks.settings.database import failback_replicates
from stacks.settings.stack import tags_for
from stacks.settings.testing import experiment_service, selection_window_days, verification_schedule
from stacks.testing_names import FIS_ROLE, RESTORE_PLAN, RESTORE_ROLE, RESTORE_SELECTION, VALIDATOR
from stacks.verification import role_policy, trust_policy

# The alarm that stops every experiment: users failing to reach the us-east-1 ingress (Route53's health check).
STOP_ALARM_KEYS = ("primary-ingress-health",)


def vault_arn(settings: StackSettings, region: str) -> str:
    """The weekly snapshots' vault in a region, by name (the primary stack declares both)."""
    return f"arn:aws:backup:{region}:{settings.account_id}:backup-vault:{settings.weekly_snapshots.vault_name}"


def restore_testing_args(ctx: StackContext) -> RestoreTestingArgs:
    """The weekly restore test in the DR region, after each weekly snapshot has had its completion window."""
    s = ctx.settings
    west, db, rt = s.regions.dr, s.database, s.testing.restore
    return RestoreTestingArgs(
        region=west, account_id=s.account_id, plan_name=RESTORE_PLAN, selection_name=RESTORE_SELECTION,
        schedule=verification_schedule(s.weekly_snapshots), start_window_hours=rt.start_window_hours,
        selection_window_days=selection_window_days(s.weekly_snapshots), vault_arn=vault_arn(s, west),
        instance_class=rt.instance_class, subnet_group_name=db.subnet_group_name,
        validation_window_hours=rt.validation_window_hours, vpc_id=ctx.network.vpc_id, vpc_cidr=ctx.network.vpc_cidr,
        subnet_ids=ctx.network.private_subnet_ids, role_name=RESTORE_ROLE, validator_name=VALIDATOR,
        secret_id=f"{db.identifier}/master", db_name=db.db_name,
        expectations={table: want.model_dump(exclude_none=True) for table, want in rt.expectations.items()},
        protected_identifiers=sorted({db.identifier, db.replica_identifier, db.failback_identifier}),
        tags=tags_for(s, "restore-testing"), keys=ctx.keys,
    )


def writer_identifier(settings: StackSettings) -> str:
    """The primary region's current writer: the original instance, or the failback instance once it is promoted."""
    db = settings.database
    promoted = failback_replicates(settings.active, settings.regions.primary, db.failback_promoted) is False
    return db.failback_identifier if promoted else db.identifier


def stop_alarm_arns(settings: StackSettings) -> list[str]:
    """The detection alarms (stacks/detection.py) that stop an experiment, as ARNs in the primary region."""
    east = settings.regions.primary
    return [f"arn:aws:cloudwatch:{east}:{settings.account_id}:alarm:{spec.name}"
            for spec in primary_alarms(settings) if spec.key in STOP_ALARM_KEYS]


def experiment_specs(settings: StackSettings, node_group_arn: pulumi.Input[str]) -> list[ExperimentSpec]:
    """The runbook's scenarios as FIS experiments on production (us-east-1), as the settings enable them. A
    scheduled experiment's schedule is disabled while the region is not the active one (during a failback)."""
    s = settings
    r, a, x = s.regions.primary, s.account_id, s.testing.experiments
    cluster, group = s.cluster_name, s.cluster.node_group_name
    specs = []

    def schedule(experiment: object) -> str | None:
        return experiment.schedule if experiment.scheduled else None  # type: ignore[attr-defined]

    if x.database_failover.enabled and s.database.multi_az:
        db_arn = f"arn:aws:rds:{r}:{a}:db:{writer_identifier(s)}"
        specs.append(ExperimentSpec(
            key="databaseFailover", description="Runbook Scenario 2: Multi-AZ failover of the production database (60-120 s)",
            action_id="aws:rds:reboot-db-instances", action_parameters={"forceFailover": "true"}, target_key="DBInstances",
            resource_type="aws:rds:db", selection_mode="ALL", resource_arns=[db_arn],
            permissions=(Statement(("rds:RebootDBInstance", "rds:DescribeDBInstances"), (db_arn,)),),
            schedule=schedule(x.database_failover), schedule_enabled=s.is_active))
    if x.service_pods.enabled:
        service = experiment_service(x.service_pods.service, s.tiers)
        specs.append(ExperimentSpec(
            key="servicePods", description=f"Runbook Scenario 1: {x.service_pods.pods_percent}% of the pods of {service} deleted",
            action_id="aws:eks:pod-delete", action_parameters={"kubernetesServiceAccount": FIS_SERVICE_ACCOUNT}, target_key="Pods",
            resource_type="aws:eks:pod", selection_mode=f"PERCENT({x.service_pods.pods_percent})",
            target_parameters={"clusterIdentifier": cluster, "namespace": s.velero.app_namespace, "selectorType": "labelSelector",
                               "selectorValue": f"app.kubernetes.io/name={service}"},
            permissions=(Statement(("eks:DescribeCluster",), (f"arn:aws:eks:{r}:{a}:cluster/{cluster}",)),),
            schedule=schedule(x.service_pods), schedule_enabled=s.is_active))
    if x.cluster_nodes.enabled:
        specs.append(ExperimentSpec(
            key="clusterNodes", description=f"Runbook Scenario 3: {x.cluster_nodes.nodes_percent}% of the nodes of {cluster}/{group} terminated",
            action_id="aws:eks:terminate-nodegroup-instances",
            action_parameters={"instanceTerminationPercentage": str(x.cluster_nodes.nodes_percent)}, target_key="Nodegroups",
            resource_type="aws:eks:nodegroup", selection_mode="ALL", resource_arns=[node_group_arn],
            permissions=(
                Statement(("eks:DescribeNodegroup",), (f"arn:aws:eks:{r}:{a}:nodegroup/{cluster}/{group}/*",)),
                Statement(("ec2:TerminateInstances",), (f"arn:aws:ec2:{r}:{a}:instance/*",),
                          {"StringEquals": {"aws:ResourceTag/eks:cluster-name": cluster, "aws:ResourceTag/eks:nodegroup-name": group}}),
                Statement(("ec2:DescribeInstances",), ("*",)),
            ),
            schedule=schedule(x.cluster_nodes), schedule_enabled=s.is_active))
    return specs


def verification_access(ctx: StackContext) -> dict[str, object]:
    """The GitHub OIDC provider (in the stack testing.verification.oidcProvider names) and, in the dr stack, the
    read-only role the dr-verify workflow assumes. Neither depends on `failover`: the flip changes no IAM."""
    s = ctx.settings
    v = s.testing.verification
    provider = None
    if v.oidc_provider == s.role:
        provider = GithubOidcProvider("github-oidc", tags_for(s, "verification"), opts=ctx.opts(s.region))
    if not s.is_dr:
        return {"githubOidcProviderArn": provider.arn} if provider is not None else {}
    role = ReadOnlyRole("verify-role", ReadOnlyRoleArgs(
        role_name=v.role_name, trust_policy=json.dumps(trust_policy(s), sort_keys=True), policy=json.dumps(role_policy(s), sort_keys=True),
        description="dr-verify workflow (GitHub Actions, default branch): drctl backups verify and drctl preflight, read only",
        tags=tags_for(s, "verification"), provider=provider,
    ), opts=ctx.opts(s.region))
    return {"verifyRoleArn": role.arn}


def build(ctx: StackContext, data: DataParts, compute: ComputeParts, monitoring: MonitoringParts) -> TestingParts:
    s = ctx.settings
    exports: dict[str, object] = dict(verification_access(ctx))
    # database.drMode aurora-global: no restore test (docs/aurora-global.md). Its selection takes RDS instance
    # recovery points and the validator reads an instance's endpoint; the vault then holds Aurora cluster snapshots,
    # so it would test nothing and report nothing. Left out rather than declared idle.
    if s.is_dr and s.testing.restore.enabled and s.database.dr_mode != "aurora-global":
        testing = RestoreTesting("restore-testing", restore_testing_args(ctx), opts=ctx.opts(s.regions.dr))
        exports["restoreTestingPlan"] = testing.plan_name
        exports["restoreValidator"] = testing.validator_name
    if s.role == "primary":
        specs = experiment_specs(s, compute.node_group_arn)
        if specs:
            east = s.regions.primary
            experiments = FaultExperiments("fault-injection", ExperimentsArgs(
                region=east, account_id=s.account_id, role_name=FIS_ROLE, experiments=specs, stop_alarm_arns=stop_alarm_arns(s),
                tags=tags_for(s, "fault-injection"),
                pod_access=PodAccess(cluster_name=s.cluster_name, namespace=compute.app_namespace,
                                     kubernetes_provider=compute.kubernetes_provider),
                depends_on=[monitoring.alarms] if monitoring.alarms is not None else [],
            ), opts=ctx.opts(east))
            exports["faultExperimentTemplates"] = experiments.template_ids
    result: Exports = exports  # type: ignore[assignment]
    return TestingParts(exports=result)
