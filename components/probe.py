"""The DR freshness probe: a scheduled Lambda in the DR region (code: components/probes/freshness.py) that
publishes what no native metric says (backup ages, Velero's newest backup, DR capacity) for the alarms.

Why a probe and not Velero's own metrics: those live inside the cluster they describe and need a Prometheus to
alarm on; what matters for recovery is what the DR region would restore from, the replicated bucket in
us-west-2, which the probe reads directly and which stays readable when us-east-1 is gone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.kms import KeyAccess, encrypted_log_group
from components.lambda_iam import LAMBDA_TRUST, put_metrics, write_logs
from components.probes.freshness import NAMESPACE

CODE = Path(__file__).resolve().parent / "probes" / "freshness.py"
AURORA_CODE = CODE.with_name("freshness_aurora.py")  # beside it in aurora-global mode (cluster_identifiers)


@dataclass(frozen=True)
class ProbeArgs:
    region: str
    name: str  # the function's name
    account_id: str
    rate_minutes: int
    environment: Mapping[str, str]  # components/probes/freshness.py Config.from_env
    # What it may read (the same in standby and failover: the flip changes its environment, never its role).
    database_identifiers: list[str]
    velero_bucket_arn: str
    velero_key_arn: pulumi.Input[str]
    cluster: str
    node_group: str
    cache: str
    tags: dict[str, str]
    keys: KeyAccess  # who administers its log group's key
    log_retention_days: int
    # database.drMode aurora-global: the regional clusters it describes instead (database_identifiers then empty).
    cluster_identifiers: tuple[str, ...] = ()


def role_policy(args: ProbeArgs, key_arn: str) -> str:
    r, a = args.region, args.account_id
    databases = ({"Sid": "Databases", "Effect": "Allow", "Action": ["rds:DescribeDBClusters"],
                  "Resource": [f"arn:aws:rds:{r}:{a}:cluster:{c}" for c in args.cluster_identifiers]} if args.cluster_identifiers else
                 {"Sid": "Databases", "Effect": "Allow", "Action": ["rds:DescribeDBInstances", "rds:DescribeDBInstanceAutomatedBackups"],
                  "Resource": [f"arn:aws:rds:{r}:{a}:db:{d}" for d in args.database_identifiers] + [f"arn:aws:rds:{r}:{a}:auto-backup:*"]})
    return json.dumps({"Version": "2012-10-17", "Statement": [
        databases,
        {"Sid": "VeleroBackups", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{args.velero_bucket_arn}/backups/*"]},
        {"Sid": "VeleroBucket", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [args.velero_bucket_arn]},
        {"Sid": "VeleroKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key_arn]},
        {"Sid": "Capacity", "Effect": "Allow", "Action": ["eks:DescribeCluster", "eks:DescribeNodegroup"],
         "Resource": [f"arn:aws:eks:{r}:{a}:cluster/{args.cluster}", f"arn:aws:eks:{r}:{a}:nodegroup/{args.cluster}/{args.node_group}/*"]},
        {"Sid": "Cache", "Effect": "Allow", "Action": ["elasticache:DescribeReplicationGroups"],
         "Resource": [f"arn:aws:elasticache:{r}:{a}:replicationgroup:{args.cache}"]},
        put_metrics(NAMESPACE),
        write_logs(r, a, f"/aws/lambda/{args.name}:*"),
    ]}, sort_keys=True)


class FreshnessProbe(pulumi.ComponentResource):
    """The function, its role, its log group and its schedule."""

    function_name: pulumi.Output[str]

    def __init__(self, name: str, args: ProbeArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:monitoring:FreshnessProbe", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", description=f"DR freshness probe {args.name}", assume_role_policy=LAMBDA_TRUST,
                            tags=args.tags, opts=child)
        aws.iam.RolePolicy(f"{name}-role-policy", role=role.name,
                           policy=pulumi.Output.from_input(args.velero_key_arn).apply(lambda key: role_policy(args, key)), opts=child)
        logs = encrypted_log_group(f"{name}-logs", f"/aws/lambda/{args.name}", args.region, args.log_retention_days, args.tags,
                                   args.keys, opts=child)
        files: dict[str, pulumi.Asset | pulumi.Archive] = {"freshness.py": pulumi.StringAsset(CODE.read_text())}
        if args.cluster_identifiers:
            files["freshness_aurora.py"] = pulumi.StringAsset(AURORA_CODE.read_text())
        function = aws.lambda_.Function(
            f"{name}-function", name=args.name, role=role.arn, runtime="python3.12",
            handler="freshness_aurora.handler" if args.cluster_identifiers else "freshness.handler",
            code=pulumi.AssetArchive(files),
            timeout=60, memory_size=256, environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(args.environment)),
            region=args.region, tags=args.tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]))
        schedule = aws.cloudwatch.EventRule(f"{name}-schedule", description=f"Run {args.name} every {args.rate_minutes} min",
                                            schedule_expression=f"rate({args.rate_minutes} minutes)", region=args.region,
                                            tags=args.tags, opts=child)
        aws.cloudwatch.EventTarget(f"{name}-schedule", rule=schedule.name, arn=function.arn, region=args.region, opts=child)
        aws.lambda_.Permission(f"{name}-schedule", function=function.name, action="lambda:InvokeFunction",
                               principal="events.amazonaws.com", source_arn=schedule.arn, region=args.region, opts=child)
        self.function_name = function.name
        self.register_outputs({"functionName": self.function_name})
