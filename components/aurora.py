"""Aurora PostgreSQL Global Database: the global cluster and a regional cluster (writer + reader in two AZs) per region.

What a cluster's inputs are is its `ClusterShape`, decided from the settings by stacks/aurora_shape.py; this module
declares what it is given. docs/aurora-global.md says why the failover is a detach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.kms import KEEP

# While a cluster is a member of a global database, the provider must never act on these two inputs by itself:
# - globalClusterIdentifier: a read that misses the membership shows "-> null", and applying it detaches the cluster
#   (cloudposse/terraform-aws-rds-cluster #281);
# - replicationSourceIdentifier: DescribeDBClusters reports the primary's ARN on a secondary, and an input without it
#   makes the provider call PromoteReadReplicaDBCluster (terraform-provider-aws #40921).
MEMBER_IGNORED = ["globalClusterIdentifier", "replicationSourceIdentifier"]
# Detached (promoted) clusters keep ignoring the source the provider last read: the detach is the only promotion.
DETACHED_IGNORED = ["replicationSourceIdentifier"]


@dataclass(frozen=True)
class ClusterShape:
    """A regional cluster: its identifier, whether it is a member of the global database now, its aws.rds.Cluster
    inputs and its instances' inputs (snake_case Python names)."""

    identifier: str
    member: bool
    inputs: dict[str, Any]
    instance_inputs: dict[str, Any]
    parameters: dict[str, str]  # its cluster parameter group's (rds.force_ssl, logging; rds.global_db_rpo on the primary)
    parameter_family: str


@dataclass(frozen=True)
class GlobalArgs:
    region: str
    identifier: str
    engine_version: str
    database_name: str


class GlobalDatabase(pulumi.ComponentResource):
    """The global cluster, owned by the primary stack: aurora-postgresql, encrypted, deletion-protected, protected."""

    def __init__(self, name: str, args: GlobalArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:GlobalDatabase", name, None, opts)
        cluster = aws.rds.GlobalCluster(
            f"{name}-global",
            global_cluster_identifier=args.identifier,
            engine="aurora-postgresql",
            engine_version=args.engine_version,
            database_name=args.database_name,
            storage_encrypted=True,
            deletion_protection=True,
            region=args.region,
            opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), KEEP),
        )
        self.identifier = cluster.global_cluster_identifier
        self.arn = cluster.arn
        self.register_outputs({"identifier": self.identifier, "arn": self.arn})


@dataclass(frozen=True)
class ClusterArgs:
    region: str
    shape: ClusterShape
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    subnet_group_name: str
    port: int
    kms_key_arn: pulumi.Input[str]
    monitoring_role_arn: pulumi.Input[str]
    tags: dict[str, str]
    global_cluster_identifier: pulumi.Input[str] | None = None
    password: pulumi.Input[str] | None = None  # the primary's master password, sent write-only
    password_version: int | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    guard: pulumi.Input[str] | None = None  # resolves to the identifier (the Name tag) once a pre-flight check passed


class AuroraCluster(pulumi.ComponentResource):
    """One regional cluster: subnet group, security group (the port from the VPC only), cluster parameter group, the
    cluster (protected, retained on delete) and two instances, writer and reader, in two availability zones."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:AuroraCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        shape = args.shape
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=args.subnet_group_name, subnet_ids=args.subnet_ids, region=args.region,
            description="AIVO Aurora PostgreSQL private subnets", tags=args.tags, opts=child,
        )
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"Aurora PostgreSQL {args.port} from the VPC only",
            ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=args.port, to_port=args.port,
                                                      cidr_blocks=[args.vpc_cidr], description="PostgreSQL from inside the VPC")],
            region=args.region, tags={**args.tags, "Name": f"{name}-sg"}, opts=child,
        )
        params = aws.rds.ClusterParameterGroup(
            f"{name}-params", name=f"{shape.identifier}-{shape.parameter_family}", family=shape.parameter_family,
            description="AIVO Aurora PostgreSQL: TLS only, logging, managed RPO",
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(name=k, value=v) for k, v in shape.parameters.items()],
            region=args.region, tags=args.tags, opts=child,
        )
        inputs = dict(shape.inputs)
        if shape.member:
            inputs["global_cluster_identifier"] = args.global_cluster_identifier
        if args.password is not None:
            inputs["master_password_wo"] = pulumi.Output.secret(args.password)
            inputs["master_password_wo_version"] = args.password_version
        self.cluster = aws.rds.Cluster(
            f"{name}-cluster",
            kms_key_id=args.kms_key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[sg.id],
            db_cluster_parameter_group_name=params.name,
            region=args.region,
            tags={**args.tags, "Name": args.guard if args.guard is not None else shape.identifier},
            **inputs,
            opts=pulumi.ResourceOptions.merge(
                pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on),
                                       ignore_changes=MEMBER_IGNORED if shape.member else DETACHED_IGNORED),
                KEEP,
            ),
        )
        zones = aws.get_availability_zones_output(state="available", region=args.region,
                                                  opts=pulumi.InvokeOutputOptions(parent=self))
        # Writer first (promotion tier 0), reader second, each in its own zone: losing a zone is an in-region failover.
        for index in range(2):
            aws.rds.ClusterInstance(
                f"{name}-{index + 1}",
                identifier=f"{shape.identifier}-{index + 1}",
                cluster_identifier=self.cluster.id,
                availability_zone=zones.names.apply(lambda names, i=index: names[i]),  # type: ignore[misc]
                promotion_tier=index,
                db_subnet_group_name=subnets.name,
                performance_insights_kms_key_id=args.kms_key_arn,
                monitoring_role_arn=args.monitoring_role_arn,
                region=args.region,
                tags={**args.tags, "Name": f"{shape.identifier}-{index + 1}"},
                **shape.instance_inputs,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]),
            )
        self.instance = self.cluster  # what waits on this database (stacks/data.py database_ready)
        self.arn = self.cluster.arn
        self.address = self.cluster.endpoint
        self.identifier = self.cluster.cluster_identifier
        self.register_outputs({"arn": self.arn, "address": self.address, "identifier": self.identifier})
