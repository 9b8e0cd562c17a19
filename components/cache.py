"""ElastiCache Redis in cluster mode: encrypted at rest and in transit, RBAC with IAM auth, Multi-AZ, snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.kms import KEEP, KeyArgs, RegionalKey
from stacks.settings.cache import Cache as CacheSettings
from stacks.settings.cache import CacheSize

Mode = Literal["warm", "global"]
REDIS_PORT = 6379


def cache_size(role: str, mode: Mode, failover: bool, cache: CacheSettings) -> CacheSize | None:
    """The size a region's cache is declared at; None where it is not ours to size.

    primary: production size. dr, warm: the standby size, production size on failover (online resharding
    and replica changes: an in-place update, no replacement). dr, global: a Global Datastore secondary
    takes its shape from the global group (the provider refuses num_node_groups on a secondary).
    """
    if role == "primary":
        return cache.size
    if mode == "global":
        return None
    return cache.size if failover else cache.standby_size


@dataclass(frozen=True)
class CacheArgs:
    region: str
    replication_group_id: str
    settings: CacheSettings
    size: CacheSize | None
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    tags: dict[str, str]
    apply_immediately: bool
    # Global mode: the primary creates the global group; the dr stack joins it as a secondary.
    create_global_group: bool = False
    global_group_id: pulumi.Input[str] | None = None


class RedisCluster(pulumi.ComponentResource):
    """One region's Redis replication group in cluster mode.

    Authentication is RBAC with IAM: the application user authenticates with a short-lived IAM token
    (elasticache:Connect), so no password or auth token exists anywhere, in config, state or plan. The
    mandatory `default` user is switched off (`off`), so nobody can connect without IAM.
    """


    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:cache:RedisCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        s = args.settings
        gid = args.replication_group_id
        key = RegionalKey(f"{name}-kms", KeyArgs(args.region, gid, f"ElastiCache {gid}", args.tags), opts=child)
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", name=f"{gid}-subnets", subnet_ids=args.subnet_ids, region=args.region,
            description="AIVO Redis private subnets", tags=args.tags, opts=child,
        )
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"Redis {REDIS_PORT} from the VPC only",
            ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=REDIS_PORT, to_port=REDIS_PORT,
                                                      cidr_blocks=[args.vpc_cidr], description="Redis from inside the VPC")],
            region=args.region, tags={**args.tags, "Name": f"{name}-sg"}, opts=child,
        )
        default_user = aws.elasticache.User(
            f"{name}-default-user", user_id=f"{gid}-default", user_name="default", engine="redis",
            access_string="off -@all", authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="no-password-required"),
            region=args.region, tags=args.tags, opts=child,
        )
        app_user = aws.elasticache.User(
            f"{name}-app-user", user_id=f"{gid}-app", user_name=f"{gid}-app", engine="redis",
            access_string="on ~* +@all -@dangerous",
            authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="iam"),
            region=args.region, tags=args.tags, opts=child,
        )
        users = aws.elasticache.UserGroup(
            f"{name}-users", user_group_id=f"{gid}-users", engine="redis",
            user_ids=[default_user.user_id, app_user.user_id], region=args.region, tags=args.tags, opts=child,
        )
        shape: dict[str, object] = {}
        if args.global_group_id is not None:
            # A secondary inherits engine, version, node type and shard count from the global group.
            shape = {"global_replication_group_id": args.global_group_id}
            if args.size is not None:
                shape["replicas_per_node_group"] = args.size.replicas_per_node_group
        else:
            size = args.size or s.size
            shape = {
                "engine": "redis",
                "engine_version": s.engine_version,
                "node_type": size.node_type,
                "num_node_groups": size.num_node_groups,
                "replicas_per_node_group": size.replicas_per_node_group,
                "parameter_group_name": f"default.redis{s.engine_version.split('.')[0]}.cluster.on",
                "at_rest_encryption_enabled": True,
                "kms_key_id": key.arn,
                "transit_encryption_enabled": True,
                "user_group_ids": [users.user_group_id],
            }
        group = aws.elasticache.ReplicationGroup(  # type: ignore[call-overload]
            f"{name}-group",
            replication_group_id=gid,
            description=f"AIVO Redis ({args.region})",
            port=REDIS_PORT,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            subnet_group_name=subnets.name,
            security_group_ids=[sg.id],
            snapshot_retention_limit=s.snapshot_retention_days,
            snapshot_window=s.snapshot_window,
            maintenance_window=s.maintenance_window,
            final_snapshot_identifier=f"{gid}-final",
            auto_minor_version_upgrade=True,
            apply_immediately=args.apply_immediately,
            region=args.region,
            tags={**args.tags, "Name": gid},
            **shape,  # type: ignore[arg-type]
            opts=pulumi.ResourceOptions.merge(child, KEEP),
        )
        self.global_group_id = None
        if args.create_global_group:
            global_group = aws.elasticache.GlobalReplicationGroup(
                f"{name}-global", global_replication_group_id_suffix=gid, primary_replication_group_id=group.id,
                global_replication_group_description="AIVO Redis Global Datastore", region=args.region,
                opts=pulumi.ResourceOptions.merge(child, KEEP),
            )
            self.global_group_id = global_group.global_replication_group_id
        self.endpoint = group.configuration_endpoint_address
        self.replication_group_id = group.replication_group_id
        self.app_user_id = app_user.user_id
        outputs: dict[str, object] = {"endpoint": self.endpoint, "replicationGroupId": self.replication_group_id,
                                      "appUserId": self.app_user_id}
        if self.global_group_id is not None:
            outputs["globalGroupId"] = self.global_group_id
        self.register_outputs(outputs)
