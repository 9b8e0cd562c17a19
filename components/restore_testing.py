"""AWS Backup restore testing with a data check: the runbook's weekly "Test restore" and "Validate data integrity".

A restore testing plan restores, on its schedule, the newest recovery point of the vault it names (the DR region's
vault: what a loss of the primary region leaves) into a small instance in an isolated security group; a selection
says what to restore (RDS, with instance class, subnet group and security group overrides) and for how long the
restored instance may live for its validation. The validation is a Lambda in the same VPC
(components/probes/restore_validator.py), started by EventBridge when a restore job of this plan completes; it
checks the data and reports SUCCESSFUL or FAILED to AWS Backup, which then deletes the instance.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.backups import BACKUP_POLICIES, BACKUP_TRUST
from components.kms import KeyAccess, encrypted_log_group
from components.lambda_iam import LAMBDA_TRUST, write_logs

PROBES = Path(__file__).resolve().parent / "probes"
POSTGRES = 5432
HTTPS = 443
# Shipped in the validator's archive, at the versions pinned in requirements.lock: the pure-Python PostgreSQL
# driver and what it imports, and boto3 with botocore and what they import. The SDK the Lambda runtime bundles
# cannot be relied on for PutRestoreValidationResult: AWS Backup's restore testing guide ("Restore testing
# validation") says it is not available through the Lambda SDK (docs/aws-contracts.md).
VENDORED = ("pg8000", "scramp", "asn1crypto", "python-dateutil", "six", "boto3", "botocore", "s3transfer", "jmespath", "urllib3")
# botocore's service models are most of its size: only those of the services the validator calls ship.
VALIDATOR_SERVICES = ("backup", "rds", "secretsmanager")
RESTORE_EVENT = "Restore Job State Change"


@functools.cache  # botocore's RECORD lists thousands of files: read once per process
def vendored_files(distributions: tuple[str, ...] = VENDORED) -> dict[str, str]:
    """archive path -> file on disk of every file the distributions installed (their modules and their dist-info,
    which scramp reads its version from), without bytecode and scripts."""
    found: dict[str, str] = {}
    for name in distributions:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            path = str(file)
            if "__pycache__" in path or path.startswith("..") or path.endswith((".pyc", "RECORD", "INSTALLER", "REQUESTED")):
                continue
            if not _validator_needs(path):
                continue
            found[path] = str(Path(str(distribution.locate_file(file))).resolve())
    return dict(sorted(found.items()))


def _validator_needs(path: str) -> bool:
    """botocore's data of the validator's services and its shared files only; none of boto3's resource models."""
    parts = path.split("/")
    if parts[:2] == ["botocore", "data"] and len(parts) > 3:
        return parts[2] in VALIDATOR_SERVICES
    return parts[:2] != ["boto3", "data"]


def code_archive() -> pulumi.AssetArchive:
    assets: dict[str, pulumi.Asset | pulumi.Archive] = {
        "restore_validator.py": pulumi.StringAsset((PROBES / "restore_validator.py").read_text()),
        "integrity.py": pulumi.StringAsset((PROBES / "integrity.py").read_text()),
    }
    assets.update({path: pulumi.FileAsset(source) for path, source in vendored_files().items()})
    return pulumi.AssetArchive(assets)


@dataclass(frozen=True)
class RestoreTestingArgs:
    region: str
    account_id: str
    plan_name: str  # letters, digits and underscores (RestoreTestingPlanName)
    selection_name: str
    schedule: str  # cron(...), UTC
    start_window_hours: int
    selection_window_days: int
    vault_arn: str  # the vault whose newest recovery point is restored
    instance_class: str  # the restored instance's class (small)
    subnet_group_name: pulumi.Input[str]  # where it lands: the region's private database subnets
    validation_window_hours: int
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]  # the validator's subnets (private, egress through NAT)
    role_name: str  # the role AWS Backup restores with
    validator_name: str  # the Lambda's name, and its role's
    secret_id: str  # the master credentials secret's name (its replica in this region)
    db_name: str
    expectations: Mapping[str, Mapping[str, object]]  # table -> {min_rows, checksum, checksum_query}
    protected_identifiers: list[str]  # production's instances: the validator never connects to them
    tags: dict[str, str]
    keys: KeyAccess  # who administers the validator's log group key


def plan_arn_prefix(args: RestoreTestingArgs) -> str:
    return f"arn:aws:backup:{args.region}:{args.account_id}:restore-testing-plan:{args.plan_name}"


def validator_environment(args: RestoreTestingArgs) -> dict[str, str]:
    """components/probes/restore_validator.py Config.from_env."""
    return {
        "RESTORE_TESTING_PLAN_ARN_PREFIX": plan_arn_prefix(args),
        "SECRET_ID": args.secret_id,
        "DB_NAME": args.db_name,
        "EXPECTATIONS": json.dumps({table: dict(spec) for table, spec in args.expectations.items()}, sort_keys=True),
        "PROTECTED_IDENTIFIERS": ",".join(args.protected_identifiers),
    }


def validator_policy(args: RestoreTestingArgs) -> str:
    """What the validator does and nothing else: find the restored instance, read the credentials, report the result,
    write its log, and run in the VPC (its network interfaces)."""
    r, a = args.region, args.account_id
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "RestoredInstance", "Effect": "Allow", "Action": ["rds:DescribeDBInstances"], "Resource": [f"arn:aws:rds:{r}:{a}:db:*"]},
        {"Sid": "Credentials", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": [f"arn:aws:secretsmanager:{r}:{a}:secret:{args.secret_id}-*"]},
        {"Sid": "CredentialsKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [f"arn:aws:kms:{r}:{a}:key/*"],
         "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{r}.amazonaws.com"}}},
        {"Sid": "Report", "Effect": "Allow", "Action": ["backup:PutRestoreValidationResult"], "Resource": "*"},
        write_logs(r, a, f"/aws/lambda/{args.validator_name}:*"),
        {"Sid": "VpcInterfaces", "Effect": "Allow",
         "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses"],
         "Resource": [f"arn:aws:ec2:{r}:{a}:network-interface/*", f"arn:aws:ec2:{r}:{a}:subnet/*",
                      f"arn:aws:ec2:{r}:{a}:security-group/*"]},
        {"Sid": "VpcDescribe", "Effect": "Allow", "Action": ["ec2:DescribeNetworkInterfaces"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": [r]}}},
    ]}, sort_keys=True)


def event_pattern(args: RestoreTestingArgs) -> str:
    """Completed restore jobs of this plan (its ARN starts with the plan's name)."""
    return json.dumps({
        "source": ["aws.backup"],
        "detail-type": [RESTORE_EVENT],
        "detail": {"status": ["COMPLETED"], "restoreTestingPlanArn": [{"prefix": plan_arn_prefix(args)}]},
    }, sort_keys=True)


class RestoreTesting(pulumi.ComponentResource):
    """The plan, its selection and role, the isolated security group, and the validation Lambda with its trigger."""

    plan_name: pulumi.Output[str]
    validator_name: pulumi.Output[str]

    def __init__(self, name: str, args: RestoreTestingArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:testing:RestoreTesting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # AWS Backup restores with this role: AWS's managed restore policy (backup's, like the backup role's).
        role = aws.iam.Role(f"{name}-role", name=args.role_name, assume_role_policy=BACKUP_TRUST,
                            description="AWS Backup restore testing: restores the DR vault's newest recovery point",
                            tags=args.tags, opts=child)
        attachment = aws.iam.RolePolicyAttachment(f"{name}-role-restores", role=role.name, policy_arn=BACKUP_POLICIES["restore"],
                                                  opts=child)
        validator_sg = aws.ec2.SecurityGroup(
            f"{name}-validator-sg", vpc_id=args.vpc_id, description=f"{args.validator_name}: PostgreSQL in the VPC, HTTPS out",
            egress=[aws.ec2.SecurityGroupEgressArgs(protocol="tcp", from_port=POSTGRES, to_port=POSTGRES, cidr_blocks=[args.vpc_cidr],
                                                    description="the restored instance"),
                    aws.ec2.SecurityGroupEgressArgs(protocol="tcp", from_port=HTTPS, to_port=HTTPS, cidr_blocks=["0.0.0.0/0"],
                                                    description="AWS APIs (RDS, Secrets Manager, Backup)")],
            region=args.region, tags={**args.tags, "Name": f"{args.validator_name}-sg"}, opts=child,
        )
        # Isolated: the restored instance answers the validator only, and has no other rule in or out.
        restored_sg = aws.ec2.SecurityGroup(
            f"{name}-restored-sg", vpc_id=args.vpc_id, description="Restore tests: PostgreSQL from the validator only",
            ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=POSTGRES, to_port=POSTGRES,
                                                      security_groups=[validator_sg.id], description="the restore validator")],
            egress=[], region=args.region, tags={**args.tags, "Name": f"{args.validator_name}-restored-sg"}, opts=child,
        )
        plan = aws.backup.RestoreTestingPlan(
            f"{name}-plan", name=args.plan_name, schedule_expression=args.schedule, schedule_expression_timezone="Etc/UTC",
            start_window_hours=args.start_window_hours,
            recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
                algorithm="LATEST_WITHIN_WINDOW", include_vaults=[args.vault_arn], recovery_point_types=["SNAPSHOT"],
                selection_window_days=args.selection_window_days,
            ),
            region=args.region, tags=args.tags, opts=child,
        )
        aws.backup.RestoreTestingSelection(
            f"{name}-selection", name=args.selection_name, restore_testing_plan_name=plan.name, protected_resource_type="RDS",
            # Every RDS recovery point of the plan's vault: the primary's weekly copies, and after a failover the
            # promoted database's own weekly snapshots (the same vault), with no change here.
            protected_resource_arns=["*"], iam_role_arn=role.arn, validation_window_hours=args.validation_window_hours,
            restore_metadata_overrides={
                "dbInstanceClass": args.instance_class, "dbSubnetGroupName": args.subnet_group_name,
                "vpcSecurityGroupIds": restored_sg.id.apply(lambda sg: json.dumps([sg])),
            },
            region=args.region, opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )
        validator_role = aws.iam.Role(f"{name}-validator-role", name=args.validator_name, assume_role_policy=LAMBDA_TRUST,
                                      description="Checks the data of restore tests and reports to AWS Backup", tags=args.tags,
                                      opts=child)
        policy = aws.iam.RolePolicy(f"{name}-validator-policy", role=validator_role.name, policy=validator_policy(args), opts=child)
        logs = encrypted_log_group(f"{name}-validator-logs", f"/aws/lambda/{args.validator_name}", args.region, 365, args.tags,
                                   args.keys, opts=child)
        function = aws.lambda_.Function(
            f"{name}-validator", name=args.validator_name, role=validator_role.arn, runtime="python3.12",
            handler="restore_validator.handler", code=code_archive(), timeout=300, memory_size=256,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=validator_environment(args)),
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(subnet_ids=args.subnet_ids, security_group_ids=[validator_sg.id]),
            region=args.region, tags=args.tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, policy]),
        )
        rule = aws.cloudwatch.EventRule(f"{name}-completed", description=f"Completed restore tests of {args.plan_name}",
                                        event_pattern=event_pattern(args), region=args.region, tags=args.tags, opts=child)
        aws.cloudwatch.EventTarget(f"{name}-completed", rule=rule.name, arn=function.arn, region=args.region, opts=child)
        aws.lambda_.Permission(f"{name}-completed", function=function.name, action="lambda:InvokeFunction",
                               principal="events.amazonaws.com", source_arn=rule.arn, region=args.region, opts=child)
        self.plan_name = plan.name
        self.validator_name = function.name
        self.register_outputs({"planName": self.plan_name, "validatorName": self.validator_name})
