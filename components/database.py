"""RDS PostgreSQL: the writer, its cross-region replica, its promotion, failback and point-in-time recovery.

One component per instance (`PostgresInstance`) over one placement per region (`DatabasePlacement`:
subnet group, security group, parameter group). What inputs an instance gets is its `InstanceShape`,
decided from the settings by stacks/database_shape.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.kms import KEEP


@dataclass(frozen=True)
class InstanceShape:
    """What an instance is: whether it replicates, and its inputs (snake_case aws.rds.Instance arguments).

    Decided from the settings by stacks/database_shape.py (`database_inputs`), so the promotion's
    single-update property is a property of one pure function, tested directly.
    """

    identifier: str  # the instance identifier (also its Name tag)
    replicates: bool  # True: a read replica of InstanceArgs.source_arn
    inputs: dict[str, Any]  # every other aws.rds.Instance input, by its Python name


@dataclass(frozen=True)
class PlacementArgs:
    region: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    subnet_group_name: str
    parameter_group_name: str
    parameter_family: str
    port: int
    tags: dict[str, str]
    # PostgreSQL parameters beside rds.force_ssl (the logging ones: log_statement, log_min_duration_statement). Both
    # are dynamic: changing them modifies the group in place and reaches the instances without a reboot.
    parameters: dict[str, str] = field(default_factory=dict)


class DatabasePlacement(pulumi.ComponentResource):
    """Where a region's instances live: a subnet group in the region's VPC, a security group admitting the
    PostgreSQL port from the VPC CIDR only, and a parameter group that refuses unencrypted connections and logs
    schema changes and slow statements."""


    def __init__(self, name: str, args: PlacementArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:Placement", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=args.subnet_group_name, subnet_ids=args.subnet_ids, region=args.region,
            description="AIVO PostgreSQL private subnets", tags=args.tags, opts=child,
        )
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description=f"PostgreSQL {args.port} from the VPC only",
            ingress=[aws.ec2.SecurityGroupIngressArgs(
                protocol="tcp", from_port=args.port, to_port=args.port, cidr_blocks=[args.vpc_cidr],
                description="PostgreSQL from inside the VPC",
            )],
            region=args.region,
            tags={**args.tags, "Name": f"{name}-sg"},
            opts=child,
        )
        params = aws.rds.ParameterGroup(
            f"{name}-params",
            name=args.parameter_group_name,
            family=args.parameter_family,
            description="AIVO PostgreSQL: TLS only",
            parameters=[aws.rds.ParameterGroupParameterArgs(name=key, value=value)
                        for key, value in {"rds.force_ssl": "1", **args.parameters}.items()],
            region=args.region,
            tags=args.tags,
            opts=child,
        )
        self.subnet_group_name = subnets.name
        self.security_group_id = sg.id
        self.parameter_group_name = params.name
        self.register_outputs({
            "subnetGroupName": self.subnet_group_name,
            "securityGroupId": self.security_group_id,
            "parameterGroupName": self.parameter_group_name,
        })


@dataclass(frozen=True)
class PitrSource:
    """Runbook "Database Point-in-Time Recovery": restore from an instance or from replicated backups."""

    instance_identifier: pulumi.Input[str] | None = None
    automated_backups_arn: pulumi.Input[str] | None = None
    time: str = "latest"


@dataclass(frozen=True)
class InstanceArgs:
    region: str
    shape: InstanceShape
    placement: DatabasePlacement
    kms_key_arn: pulumi.Input[str]
    tags: dict[str, str]
    monitoring_role_arn: pulumi.Input[str]  # the role Enhanced Monitoring publishes with (MonitoringRole, same stack)
    # Exactly one way of coming into being: a replica of `source_arn`, a PITR restore, or a new writer
    # whose password arrives write-only (`password_wo`, a Pulumi secret) at `password_version`.
    source_arn: pulumi.Input[str] | None = None
    restore: PitrSource | None = None
    password: pulumi.Input[str] | None = None
    password_version: int | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    # A check that must pass before the instance is registered (it resolves to the identifier, used as
    # the Name tag): the promotion waits for it, and a failing check stops it.
    guard: pulumi.Input[str] | None = None


class PostgresInstance(pulumi.ComponentResource):
    """One RDS PostgreSQL instance: protected, retained on delete, deletion-protected, final snapshot."""


    def __init__(self, name: str, args: InstanceArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:PostgresInstance", name, None, opts)
        inputs = dict(args.shape.inputs)
        if args.shape.replicates:
            if args.source_arn is None:
                raise ValueError(f"{name}: a replicating instance needs source_arn")
            inputs["replicate_source_db"] = args.source_arn
        if args.restore is not None:
            inputs["restore_to_point_in_time"] = aws.rds.InstanceRestoreToPointInTimeArgs(
                source_db_instance_identifier=args.restore.instance_identifier,
                source_db_instance_automated_backups_arn=args.restore.automated_backups_arn,
                use_latest_restorable_time=True if args.restore.time == "latest" else None,
                restore_time=None if args.restore.time == "latest" else args.restore.time,
            )
        if args.password is not None:
            inputs["password_wo"] = pulumi.Output.secret(args.password)
            inputs["password_wo_version"] = args.password_version
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            kms_key_id=args.kms_key_arn,
            performance_insights_kms_key_id=args.kms_key_arn,
            monitoring_role_arn=args.monitoring_role_arn,
            db_subnet_group_name=args.placement.subnet_group_name,
            vpc_security_group_ids=[args.placement.security_group_id],
            parameter_group_name=args.placement.parameter_group_name,
            region=args.region,
            tags={**args.tags, "Name": args.guard if args.guard is not None else args.shape.identifier},
            **inputs,
            opts=pulumi.ResourceOptions.merge(
                pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)), KEEP
            ),
        )
        self.arn = self.instance.arn
        self.address = self.instance.address
        self.identifier = self.instance.identifier
        self.register_outputs({"arn": self.arn, "address": self.address, "identifier": self.identifier})


MONITORING_TRUST = "monitoring.rds.amazonaws.com"
MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


def monitoring_trust_policy(account_id: str) -> str:
    """Enhanced Monitoring's service may assume the role for this account's instances only (confused deputy)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": MONITORING_TRUST}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]}, sort_keys=True)


class MonitoringRole(pulumi.ComponentResource):
    """The role RDS Enhanced Monitoring publishes OS metrics with (to CloudWatch Logs' RDSOSMetrics group), with AWS's
    managed policy for exactly that. IAM is global: one role per stack serves its instances in every region, and it
    is declared in every state, so neither a failover nor a failback creates IAM."""

    def __init__(self, name: str, role_name: str, account_id: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:MonitoringRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", name=role_name, assume_role_policy=monitoring_trust_policy(account_id),
                            description="RDS Enhanced Monitoring", tags=tags, opts=child)
        attachment = aws.iam.RolePolicyAttachment(f"{name}-policy", role=role.name, policy_arn=MONITORING_POLICY, opts=child)
        # Instances wait for the policy, not just the role: RDS checks the role can publish when it is set.
        self.arn = pulumi.Output.all(role.arn, attachment.id).apply(lambda a: a[0])
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True)
class CredentialsArgs:
    region: str
    replica_region: str
    name: str
    kms_key_arn: pulumi.Input[str]
    replica_kms_key_arn: pulumi.Input[str]
    username: str
    db_name: str
    port: int
    password_version: int
    tags: dict[str, str]


class MasterCredentials(pulumi.ComponentResource):
    """The master credentials: a password generated by Secrets Manager, held in a secret replicated to the DR region.

    Why not `manage_master_user_password`: RDS refuses to create a read replica of a source whose master
    password it manages in Secrets Manager (RDS user guide, "Limitations for Secrets Manager integration",
    every engine but SQL Server), and the cross-region replica is the heart of this project. Instead the
    password is generated by GetRandomPassword, handed to RDS write-only (`password_wo`: never
    in the provider's state or diffs; Pulumi keeps the input only as an encrypted secret)
    and stored in a secret this stack owns, encrypted with a key per region and replicated to us-west-2,
    where the DR cluster reads it after a failover. `password_version` rotates it: a new value goes to
    RDS and into a new secret version.
    """


    def __init__(self, name: str, args: CredentialsArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:MasterCredentials", name, None, opts)
        generated = aws.secretsmanager.get_random_password_output(
            password_length=40, exclude_punctuation=True, require_each_included_type=True, region=args.region,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.password: pulumi.Output[str] = pulumi.Output.secret(generated.random_password)  # type: ignore[arg-type]
        secret = aws.secretsmanager.Secret(
            f"{name}-secret",
            name=args.name,
            description="AIVO PostgreSQL master credentials (replicated to the DR region)",
            kms_key_id=args.kms_key_arn,
            replicas=[aws.secretsmanager.SecretReplicaArgs(region=args.replica_region, kms_key_id=args.replica_kms_key_arn)],
            recovery_window_in_days=30,
            region=args.region,
            tags=args.tags,
            opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), KEEP),
        )
        self._secret = secret
        self._args = args
        self.secret_arn = secret.arn
        self.replica_secret_arn = secret.arn.apply(
            lambda arn: arn.replace(f":{args.region}:", f":{args.replica_region}:", 1)
        )
        self.register_outputs({"secretArn": self.secret_arn, "replicaSecretArn": self.replica_secret_arn})

    def store(self, name: str, address: pulumi.Input[str]) -> aws.secretsmanager.SecretVersion:
        """Write the credentials (with the writer's address) as a version of the secret, once per password_version.

        The value is generated anew on every run, so later runs must not rewrite it: `secret_string` is
        ignored after creation, and a new `password_version` makes a new version resource.
        """
        args = self._args
        value: pulumi.Output[str] = pulumi.Output.all(self.password, address).apply(
            lambda a: json.dumps({"engine": "postgres", "host": a[1], "port": args.port, "username": args.username,
                                  "password": a[0], "dbname": args.db_name}, sort_keys=True)
        )
        return aws.secretsmanager.SecretVersion(
            f"{name}-v{args.password_version}",
            secret_id=self._secret.id,
            secret_string=pulumi.Output.secret(value),  # type: ignore[arg-type]
            region=args.region,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secretString"]),
        )


@dataclass(frozen=True)
class ReplicatedBackupsArgs:
    region: str
    source_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    retention_days: int


class ReplicatedBackups(pulumi.ComponentResource):
    """The primary's automated backups replicated into this region: point-in-time recovery in us-west-2."""


    def __init__(self, name: str, args: ReplicatedBackupsArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:database:ReplicatedBackups", name, None, opts)
        replication = aws.rds.InstanceAutomatedBackupsReplication(
            f"{name}-replication",
            source_db_instance_arn=args.source_arn,
            kms_key_id=args.kms_key_arn,
            retention_period=args.retention_days,
            region=args.region,
            opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), KEEP),
        )
        self.arn = replication.id  # the id of a replication is the replicated backups' ARN
        self.register_outputs({"arn": self.arn})
