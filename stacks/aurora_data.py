"""The data part's Aurora Global Database (database.drMode aurora-global): the primary stack's global cluster and
us-east-1 cluster, the dr stack's us-west-2 cluster. stacks/data.py calls these in place of its RDS instances."""

from __future__ import annotations

import pulumi

from components.aurora import AuroraCluster, ClusterArgs, GlobalArgs, GlobalDatabase
from components.database import MasterCredentials, MonitoringRole
from components.kms import RegionalKey
from stacks.aurora_shape import cluster_shape, dr_member
from stacks.context import StackContext
from stacks.settings.stack import tags_for


def primary_cluster(ctx: StackContext, key: RegionalKey, monitoring: MonitoringRole, credentials: MasterCredentials,
                    logging: dict[str, str]) -> AuroraCluster:
    """The global database and its us-east-1 writer cluster (created as the global database's primary member)."""
    s = ctx.settings
    db = s.database
    east = s.regions.primary
    global_db = GlobalDatabase("primary-database-global", GlobalArgs(east, db.global_cluster_identifier,
                                                                     db.aurora_engine_version, db.db_name),
                               opts=ctx.opts(east))
    return AuroraCluster(
        "primary-aurora",
        ClusterArgs(region=east, shape=cluster_shape("primary", True, db, logging), vpc_id=ctx.network.vpc_id,
                    vpc_cidr=ctx.network.vpc_cidr, subnet_ids=ctx.network.private_subnet_ids,
                    subnet_group_name=db.subnet_group_name, port=db.port, kms_key_arn=key.arn,
                    monitoring_role_arn=monitoring.arn, tags=tags_for(s, "postgres"),
                    global_cluster_identifier=global_db.identifier, password=credentials.password,
                    password_version=db.password_version),
        opts=ctx.opts(east),
    )


def dr_cluster(ctx: StackContext, key: RegionalKey, monitoring: MonitoringRole, guard: pulumi.Input[str],
               logging: dict[str, str]) -> AuroraCluster:
    """The us-west-2 cluster: a secondary of the global database named in the settings (nothing read from us-east-1),
    detached from it, hence a standalone writer, on failover. Same logical name in both states."""
    s = ctx.settings
    db = s.database
    west = s.regions.dr
    return AuroraCluster(
        "dr-aurora",
        ClusterArgs(region=west, shape=cluster_shape("secondary", dr_member(s.failover), db, logging),
                    vpc_id=ctx.network.vpc_id, vpc_cidr=ctx.network.vpc_cidr, subnet_ids=ctx.network.private_subnet_ids,
                    subnet_group_name=db.subnet_group_name, port=db.port, kms_key_arn=key.arn,
                    monitoring_role_arn=monitoring.arn, tags=tags_for(s, "postgres"),
                    global_cluster_identifier=db.global_cluster_identifier, guard=guard),
        opts=ctx.opts(west),
    )
