"""The compute part: the stack's EKS cluster and Velero, and on failover the tier-by-tier restores.

Every decision that depends on the stack's role or on `failover` is a pure function of the settings
below, so the difference between standby and failover is visible (and tested) in one place:

| decision                    | primary (active) | dr standby        | dr failover                       |
|-----------------------------|------------------|-------------------|-----------------------------------|
| node group `general`        | nodeGroup 3/5/20 | standbyNodeGroup  | nodeGroup 3/5/20 (same resource)  |
| Velero location access mode | ReadWrite        | ReadOnly          | ReadWrite                         |
| Velero schedules            | aivo-daily/weekly| none              | aivo-daily-us-west-2/weekly-...   |
| restores                    | none             | none              | one per tier, Critical first      |
| IAM (Velero role, nodes)    | same inputs in every column of a stack: a failover touches no IAM    |
"""

from __future__ import annotations

import json
import os
import re

import pulumi

from components.cluster import ClusterArgs, EksCluster, NodeGroupSpec
from components.objectives import DeclaredObjectives, ObjectivesArgs
from components.runner import DeployRunner, RunnerArgs
from components.runner_image import RunnerImageArgs, RunnerImageRepository
from components.velero import LocationSpec, ScheduleSpec, Velero, VeleroArgs
from components.velero_restores import TierRestore, TierRestores, TierRestoresArgs
from stacks.context import StackContext
from stacks.contracts import ComputeParts, DataParts, Exports
from stacks.deploy_runner import buildspec, declared_types_policy, parts_policy, runner_arns, runner_policy
from stacks.readiness import objectives_document
from stacks.settings import StackSettings
from stacks.settings.cluster import NodeGroupSize
from stacks.settings.cron import velero_max_gap_seconds
from stacks.settings.runner import local_chart
from stacks.settings.stack import tags_for
from stacks.settings.tiers import restore_order

# ---- decisions ----------------------------------------------------------------------------------


def node_group_size(settings: StackSettings) -> NodeGroupSize:
    """The `general` node group's size: production (runbook 3/5/20) where the region is active, the
    small warm-standby size where it is not. A failover raises the same node group in place."""
    return settings.cluster.node_group if settings.is_active else settings.cluster.standby_node_group


def location_access_mode(settings: StackSettings) -> str:
    """ReadWrite only in the active region. A standby cluster reads the replicated backups but can never
    delete or rewrite them (Velero's garbage collection skips ReadOnly locations)."""
    return "ReadWrite" if settings.is_active else "ReadOnly"


def location_name(settings: StackSettings) -> str:
    """One location per cluster, named for the region of the bucket it uses."""
    return f"aivo-{settings.region}"


def schedule_name(settings: StackSettings, base: str) -> str:
    """The runbook's names (aivo-daily, aivo-weekly) in the primary; region-suffixed names in the dr stack.

    Distinct names matter: a failover restores the latest backup of the primary's `aivo-daily`
    (Restore.scheduleName). Were the DR schedule also called aivo-daily, its own backups (of a cluster
    still being restored) would compete for "latest aivo-daily" in the same bucket.
    """
    return base if settings.role == "primary" else f"{base}-{settings.region}"


def velero_schedules(settings: StackSettings) -> list[ScheduleSpec]:
    """Schedules that run in this stack's cluster: the runbook's daily and weekly, in the active region only."""
    if not settings.is_active:
        return []
    v = settings.velero
    return [
        ScheduleSpec(
            name=schedule_name(settings, s.name),
            schedule=s.schedule,
            ttl=s.ttl,
            included_namespaces=list(s.included_namespaces),
            include_cluster_resources=s.include_cluster_resources,
            fs_backup=v.fs_backup,
            # DR schedules start mid-restore: their first backup waits for the cron time.
            skip_immediately=settings.is_dr,
            max_interval_seconds=velero_max_gap_seconds(s.schedule),
        )
        for s in (v.daily, v.weekly)
    ]


def tier_slug(tier: str) -> str:
    """A tier name as a DNS label (resource names, label values)."""
    return re.sub(r"[^a-z0-9]+", "-", tier.lower()).strip("-")[:40] or "tier"


def tier_selectors(settings: StackSettings) -> dict[str, list[str]]:
    """Services per tier, in restore order: each tier's `app.kubernetes.io/name In [...]` selector."""
    return {tier: list(settings.tiers[tier].services) for tier in restore_order(settings.tiers)}


# A restore is given at least this long, even when its tier's RTO equals the one before it.
MIN_RESTORE_SECONDS = 300


def restore_budgets(settings: StackSettings) -> dict[str, int]:
    """Seconds each tier's restore may run. RTOs count from the start of the failover and the restores run one
    after another, so a tier gets what is left of its RTO once the tier before it had its own: the chain then
    ends within the longest RTO (4 hours), not the sum of them (7.5 hours), and within the runner's timeout."""
    budgets, before = {}, 0
    for tier in restore_order(settings.tiers):
        rto = settings.tiers[tier].rto_minutes * 60
        budgets[tier] = max(rto - before, MIN_RESTORE_SECONDS)
        before = max(rto, before + budgets[tier])
    return budgets


def tier_restores(settings: StackSettings) -> list[TierRestore]:
    """The failover's Restores, one per tier in restore order (Critical first), from the primary's daily
    schedule; none unless the dr stack is failing over. Each may run for what is left of its tier's RTO."""
    if not (settings.is_dr and settings.failover):
        return []
    v = settings.velero
    budgets = restore_budgets(settings)
    return [
        TierRestore(
            tier=tier,
            key=tier_slug(tier),
            name=f"aivo-failover-{tier_slug(tier)}",
            services=services,
            schedule_name=v.daily.name,
            namespaces=[v.app_namespace],
            restore_pvs=v.restore_pvs,
            existing_resource_policy=v.existing_resource_policy,
            timeout_seconds=budgets[tier],
        )
        for tier, services in tier_selectors(settings).items()
    ]


# ---- the part -----------------------------------------------------------------------------------


def deploy_runner(ctx: StackContext) -> DeployRunner | None:
    """The stack's deploy runner in its own region's VPC (settings: runner), or None when disabled."""
    s = ctx.settings
    if not s.runner.enabled:
        return None
    r = s.runner
    return DeployRunner(
        f"{s.role}-runner",
        RunnerArgs(
            region=s.region, name=s.runner_name, account_id=s.account_id, repository=s.site.repository, branch=r.branch,
            connection_arn=s.site.code_connection_arns[s.region], buildspec=buildspec(s), image=s.site.runner_images[s.region],
            compute_type=r.compute_type, timeout_minutes=r.timeout_minutes, log_retention_days=r.log_retention_days,
            vpc_id=ctx.network.vpc_id, subnet_ids=ctx.network.private_subnet_ids,
            operator_role_arns=list(s.site.on_call_role_arns), role_policy=json.dumps(runner_policy(s), sort_keys=True),
            parts_policy=json.dumps(parts_policy(s), sort_keys=True),
            types_policy=json.dumps(declared_types_policy(s), sort_keys=True),
            tags=tags_for(s, "runner"), keys=ctx.keys,
            secret_environment={"PAGERDUTY_TOKEN": r.pagerduty_token_secret} if s.role == "dr" else {},
        ),
        opts=ctx.opts(s.region),
    )


def runner_image_repository(ctx: StackContext, runner: DeployRunner) -> RunnerImageRepository:
    """The ECR repository of the runner's image in the runner's region. The dr stack's replicates into the primary's
    region, where the primary stack declares the same repository for its runner: one image, one digest, each runner
    pulling in its own region (a primary build never depends on us-west-2's ECR, a failover build never on us-east-1)."""
    s = ctx.settings
    return RunnerImageRepository(
        f"{s.role}-runner-image",
        RunnerImageArgs(region=s.region, account_id=s.account_id, name=s.runner.image_repository,
                        puller_role_arns=(runner_arns(s)[1],), keys=ctx.keys, tags=tags_for(s, "runner"),
                        replicate_to=(s.regions.primary,) if s.is_dr else (), depends_on=(runner.role,)),
        opts=ctx.opts(s.region),
    )


def build(ctx: StackContext, data: DataParts) -> ComputeParts:
    s = ctx.settings
    size = node_group_size(s)
    runner = deploy_runner(ctx)
    admins: list[pulumi.Input[str]] = [*s.site.on_call_role_arns, *([runner.role_arn] if runner else [])]
    cluster = EksCluster(
        f"{s.role}-cluster",
        ClusterArgs(
            cluster_name=s.cluster_name,
            region=s.region,
            version=s.cluster.version,
            vpc_id=ctx.network.vpc_id,
            private_subnet_ids=ctx.network.private_subnet_ids,
            node_group=NodeGroupSpec(
                name=s.cluster.node_group_name,
                instance_types=list(s.cluster.instance_types),
                min_size=size.min_size,
                desired_size=size.desired_size,
                max_size=size.max_size,
            ),
            log_types=list(s.cluster.log_types),
            tags=tags_for(s, "eks"),
            kms_deletion_window_days=s.cluster.kms_deletion_window_days,
            keys=ctx.keys,
            public_access_cidrs=list(s.cluster.public_access_cidrs),
            admin_role_arns=admins,
            api_client_security_group_ids=[runner.security_group_id] if runner else [],
        ),
        opts=ctx.opts(s.region),
    )
    v = s.velero
    velero = Velero(
        f"{s.role}-velero",
        VeleroArgs(
            region=s.region,
            namespace=v.namespace,
            chart_version=v.chart_version,
            app_version=v.app_version,
            chart_repository=v.chart_repository,
            aws_plugin_image=v.aws_plugin_image,
            fs_backup=v.fs_backup,
            location=LocationSpec(
                name=location_name(s), bucket=data.velero_bucket, access_mode=location_access_mode(s)
            ),
            schedules=velero_schedules(s),
            oidc_provider_arn=cluster.oidc_provider_arn,
            oidc_issuer=cluster.oidc_issuer,
            kubernetes_provider=cluster.kubernetes_provider,
            tags=tags_for(s, "velero"),
            cluster_name=s.cluster_name,
            chart_archive=local_chart("velero", v.chart_version, os.environ),
        ),
        opts=ctx.opts(s.region),
    )
    # The objectives this stack was declared against, for the readiness model (policies/recovery) and for people.
    DeclaredObjectives(
        f"{s.role}-objectives",
        ObjectivesArgs(namespace=v.namespace, document=objectives_document(s), kubernetes_provider=cluster.kubernetes_provider,
                       depends_on=[velero.release]),
        opts=ctx.opts(s.region),
    )
    restores = tier_restores(s)
    restore_resources: tuple[pulumi.Resource, ...] = ()
    outputs: dict[str, pulumi.Input[object]] = {
        "clusterName": cluster.cluster_name,
        "nodeGroupName": cluster.node_group_name,
        "veleroRoleArn": velero.role_arn,
        "veleroLocation": velero.location_name,
    }
    if runner is not None:
        outputs["runnerProject"] = runner.project_name
        outputs["runnerLogGroup"] = runner.log_group_name
        outputs["runnerImageRepository"] = runner_image_repository(ctx, runner).repository_url
    if restores:
        chain = TierRestores(
            f"{s.role}-failover-restores",
            TierRestoresArgs(
                namespace=v.namespace,
                restores=restores,
                kubernetes_provider=cluster.kubernetes_provider,
                # Regional prerequisites only (never DNS or CDN): Velero, its location, the promoted database.
                first_depends_on=[velero.release, velero.location, *data.database_ready],
            ),
            opts=ctx.opts(s.region),
        )
        outputs["veleroRestores"] = chain.names
        restore_resources = tuple(chain.resources)
    exports: Exports = outputs
    return ComputeParts(
        cluster_name=cluster.cluster_name,
        region=s.region,
        kubernetes_provider=cluster.kubernetes_provider,
        app_namespace=v.app_namespace,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer=cluster.oidc_issuer,
        restores=restore_resources,
        node_group_arn=cluster.node_group_arn,
        exports=exports,
    )
