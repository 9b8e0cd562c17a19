"""ElastiCache Redis in cluster mode: encrypted at rest and in transit, RBAC with IAM auth, Multi-AZ, snapshots."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kms import KEEP, KeyAccess, KeyArgs, RegionalKey

REDIS_PORT = 6379


@dataclass(frozen=True)
class CacheShape:
    """How large a replication group is (cluster mode: shards x replicas)."""

    node_type: str  # e.g. cache.r7g.large
    num_node_groups: int  # shards
    replicas_per_node_group: int  # replicas of each shard's primary


@dataclass(frozen=True)
class CacheArgs:
    region: str  # where the replication group lives
    replication_group_id: str  # its name in ElastiCache
    engine_version: str  # Redis engine version, e.g. "7.1" (the parameter group family follows its major)
    # None: a Global Datastore secondary, which takes engine, version, node type and shards from its group.
    size: CacheShape | None
    snapshot_retention_days: int  # daily snapshots kept
    snapshot_window: str  # "HH:MM-HH:MM" UTC
    maintenance_window: str  # "ddd:HH:MM-ddd:HH:MM" UTC
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]  # the only source the security group admits
    subnet_ids: pulumi.Input[list[str]]  # private subnets
    tags: dict[str, str]
    apply_immediately: bool  # changes at once (a failover cannot wait for the maintenance window)
    keys: KeyAccess  # who administers the cache's key
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
        gid = args.replication_group_id
        key = RegionalKey(f"{name}-kms", KeyArgs(args.region, gid, f"ElastiCache {gid}", args.tags, args.keys,
                                                 services=("elasticache",)), opts=child)
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
            # A secondary inherits engine, version, node type, shards and encryption settings from the global
            # group, but its KMS key and its RBAC user group are its region's own (the provider sends both on
            # create: terraform-provider-aws resourceReplicationGroupCreate): without them IAM auth as the
            # app user cannot work after the Global Datastore fails over to this region.
            shape = {"global_replication_group_id": args.global_group_id, "kms_key_id": key.arn,
                     "user_group_ids": [users.user_group_id]}
            if args.size is not None:
                shape["replicas_per_node_group"] = args.size.replicas_per_node_group
        else:
            if args.size is None:
                raise ValueError(f"{name}: a replication group that is not a Global Datastore secondary needs a size")
            size = args.size
            shape = {
                "engine": "redis",
                "engine_version": args.engine_version,
                "node_type": size.node_type,
                "num_node_groups": size.num_node_groups,
                "replicas_per_node_group": size.replicas_per_node_group,
                "parameter_group_name": f"default.redis{args.engine_version.split('.')[0]}.cluster.on",
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
            snapshot_retention_limit=args.snapshot_retention_days,
            snapshot_window=args.snapshot_window,
            maintenance_window=args.maintenance_window,
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
