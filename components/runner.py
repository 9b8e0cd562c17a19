"""A deploy runner: a CodeBuild project in a region's VPC that runs this repository's `pulumi` for one stack.

It exists in standby, with its role, so that starting it needs nothing new (no IAM change during a
failover). It runs from the VPC's private subnets, the only place the cluster's private API endpoint is
reached from, and its build definition is inline, so a change in the repository cannot change what it
runs. Who may start it: the on-call roles, through the operator policy attached to them here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.kms import KeyAccess, encrypted_log_group

HTTPS = 443
CODEBUILD_TRUST = "codebuild.amazonaws.com"


@dataclass(frozen=True)
class RunnerArgs:
    region: str
    name: str  # the project's and the role's name (the role is created first: the cluster admits it)
    account_id: str
    repository: str  # https://github.com/<owner>/<name>
    branch: str
    connection_arn: str  # CodeConnections connection to GitHub in `region`
    buildspec: str  # inline build definition
    image: str  # the runner image by digest, in this stack's ECR repository in `region`
    compute_type: str
    timeout_minutes: int
    log_retention_days: int
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]  # private subnets (egress through NAT)
    operator_role_arns: list[str]  # the on-call roles: the only ones given the right to start it
    role_policy: str  # what the runner may do (JSON, known at preview: built from the settings)
    tags: dict[str, str]
    keys: KeyAccess  # who administers its log group's key
    # More of what it may do, as a customer managed policy attached to its role: IAM counts at most 10,240 characters
    # of inline policy per role, and the runner manages a whole stack.
    parts_policy: str | None = None
    # And what AWS's published handler permissions of the declared types need beyond both (another managed policy).
    types_policy: str | None = None
    # Environment variables read from Secrets Manager at build start (name -> secret name): the value is never
    # in the project's definition, the state or the log.
    secret_environment: dict[str, str] = field(default_factory=dict)


def trust_policy(account_id: str, region: str, name: str) -> str:
    """CodeBuild may assume the role, for this project in this account only (confused-deputy conditions)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": CODEBUILD_TRUST},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:aws:codebuild:{region}:{account_id}:project/{name}"},
            },
        }],
    }, sort_keys=True)


def operator_policy(project_arn: str, log_group_arn: str) -> str:
    """What an on-call engineer needs to run the runner and follow its log, on this runner only."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "RunIt", "Effect": "Allow",
             "Action": ["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds", "codebuild:ListBuildsForProject"],
             "Resource": [project_arn]},
            {"Sid": "FollowItsLog", "Effect": "Allow", "Action": ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartLiveTail"],
             "Resource": [log_group_arn, f"{log_group_arn}:*"]},
        ],
    }, sort_keys=True)


def connection_arns(connection_arn: str) -> list[str]:
    """A CodeConnections connection under both of its service prefixes: IAM authorizes CodeBuild's use of it as
    codeconnections or as codestar-connections (the service's former name), depending on how it was created."""
    tail = connection_arn.split(":", 3)[3]
    return [f"arn:aws:codeconnections:{tail}", f"arn:aws:codestar-connections:{tail}"]


def build_policy(region: str, account_id: str, name: str, connection_arn: str, subnet_arns: list[str],
                 security_group_arns: list[str]) -> str:
    """What CodeBuild itself does with the role to run a build (CodeBuild User Guide: "Allow CodeBuild to interact
    with other AWS services" (the service role's log permissions), "Use CodeBuild with Amazon VPC" (the ENI
    permissions), "GitHub App connections" (the connection permissions)).

    CodeBuild creates the build's network interface with no tags and sends no request tags, so none of these
    is conditioned on tags (a tag-conditioned grant never matches): the interfaces are held to the project's
    subnets and security group by resource, and the interface permission to CodeBuild and those subnets by the
    keys CodeBuild does send (ec2:AuthorizedService, ec2:Subnet)."""
    group = f"arn:aws:logs:{region}:{account_id}:log-group:/aws/codebuild/{name}"
    in_region = {"StringEquals": {"aws:RequestedRegion": [region]}}
    interfaces = f"arn:aws:ec2:{region}:{account_id}:network-interface/*"
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "BuildLogs", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [group, f"{group}:*"]},
            {"Sid": "SourceConnection", "Effect": "Allow",
             "Action": ["codeconnections:GetConnection", "codeconnections:GetConnectionToken",
                        "codestar-connections:GetConnection", "codestar-connections:GetConnectionToken"],
             "Resource": connection_arns(connection_arn)},
            {"Sid": "VpcDescribe", "Effect": "Allow",
             "Action": ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets", "ec2:DescribeVpcs"],
             "Resource": "*", "Condition": in_region},
            {"Sid": "VpcNetworkInterfaces", "Effect": "Allow", "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
             "Resource": [interfaces, *sorted(subnet_arns), *security_group_arns]},
            {"Sid": "VpcNetworkInterfacePermission", "Effect": "Allow", "Action": ["ec2:CreateNetworkInterfacePermission"],
             "Resource": [interfaces],
             "Condition": {"StringEquals": {"ec2:AuthorizedService": CODEBUILD_TRUST, "ec2:Subnet": sorted(subnet_arns)}}},
        ],
    }, sort_keys=True)


def ec2_arn(region: str, account_id: str, kind: str, resource_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account_id}:{kind}/{resource_id}"


def role_name(arn: str) -> str:
    """The name of an IAM role from its ARN (the last path segment)."""
    return arn.rsplit("/", 1)[-1]


class DeployRunner(pulumi.ComponentResource):
    """The runner's role, security group, log group and CodeBuild project, and its operators' policy."""

    role: aws.iam.Role
    role_arn: pulumi.Output[str]
    project_name: pulumi.Output[str]
    project_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: RunnerArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:runner:DeployRunner", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role", name=args.name, description=f"The deploy runner {args.name} (CodeBuild)",
            assume_role_policy=trust_policy(args.account_id, args.region, args.name), tags=args.tags, opts=child,
        )
        self.role_arn = self.role.arn
        aws.iam.RolePolicy(f"{name}-role-policy", role=self.role.name, policy=args.role_policy, opts=child)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{args.name}: HTTPS out only (cluster API, AWS APIs, GitHub)",
            egress=[aws.ec2.SecurityGroupEgressArgs(protocol="tcp", from_port=HTTPS, to_port=HTTPS, cidr_blocks=["0.0.0.0/0"],
                                                    description="HTTPS to the cluster API, AWS APIs and the repository")],
            region=args.region, tags={**args.tags, "Name": f"{args.name}-sg"}, opts=child,
        )
        # What CodeBuild needs to run any build of this project (a managed policy: the inline one is at IAM's quota).
        build = aws.iam.Policy(
            f"{name}-build-policy", name=f"{args.name}-build",
            description=f"The deploy runner {args.name}: what CodeBuild needs to run its builds (logs, source connection, VPC)",
            policy=pulumi.Output.all(args.subnet_ids, sg.id).apply(lambda v: build_policy(
                args.region, args.account_id, args.name, args.connection_arn,
                [ec2_arn(args.region, args.account_id, "subnet", i) for i in v[0]],
                [ec2_arn(args.region, args.account_id, "security-group", v[1])])),
            tags=args.tags, opts=child)
        build_attached = aws.iam.RolePolicyAttachment(f"{name}-build-policy", role=self.role.name, policy_arn=build.arn,
                                                      opts=child)
        if args.parts_policy is not None:
            parts = aws.iam.Policy(f"{name}-parts-policy", name=f"{args.name}-parts",
                                   description=f"The deploy runner {args.name}: what its stack's monitoring and testing parts declare",
                                   policy=args.parts_policy, tags=args.tags, opts=child)
            aws.iam.RolePolicyAttachment(f"{name}-parts-policy", role=self.role.name, policy_arn=parts.arn, opts=child)
        if args.types_policy is not None:
            types = aws.iam.Policy(f"{name}-types-policy", name=f"{args.name}-types",
                                   description=f"The deploy runner {args.name}: what the declared types' published handler permissions need",
                                   policy=args.types_policy, tags=args.tags, opts=child)
            aws.iam.RolePolicyAttachment(f"{name}-types-policy", role=self.role.name, policy_arn=types.arn, opts=child)
        logs = encrypted_log_group(f"{name}-logs", f"/aws/codebuild/{args.name}", args.region, args.log_retention_days,
                                   args.tags, args.keys, opts=child)
        project = aws.codebuild.Project(
            f"{name}-project",
            name=args.name,
            description="aivo-dr deploy runner: runs this repository's pulumi for one stack, from inside its VPC",
            service_role=self.role.arn,
            source=aws.codebuild.ProjectSourceArgs(
                type="GITHUB", location=args.repository, git_clone_depth=1, buildspec=args.buildspec,
                auth=aws.codebuild.ProjectSourceAuthArgs(type="CODECONNECTIONS", resource=args.connection_arn),
            ),
            source_version=args.branch,
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                type="LINUX_CONTAINER", compute_type=args.compute_type, image=args.image, privileged_mode=False,
                # The image is in this stack's ECR repository: CodeBuild pulls it with the runner's role (which the
                # repository's policy alone admits), not with CodeBuild's own identity.
                image_pull_credentials_type="SERVICE_ROLE",
                environment_variables=[aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                    name=key, type="SECRETS_MANAGER", value=secret) for key, secret in sorted(args.secret_environment.items())],
            ),
            vpc_config=aws.codebuild.ProjectVpcConfigArgs(vpc_id=args.vpc_id, subnets=args.subnet_ids, security_group_ids=[sg.id]),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(group_name=logs.name, status="ENABLED"),
            ),
            build_timeout=args.timeout_minutes,
            queued_timeout=60,
            # One run at a time: two failovers (or a failover and an up) must never race on one stack.
            concurrent_build_limit=1,
            region=args.region,
            tags=args.tags,
            # CodeBuild checks the role's VPC permissions when the project is created: attach them first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, build_attached]),
        )
        operators = aws.iam.Policy(
            f"{name}-operators",
            name=f"{args.name}-operators",
            description=f"Start and follow the deploy runner {args.name}; attached to the on-call roles only",
            policy=pulumi.Output.all(project.arn, logs.arn).apply(lambda v: operator_policy(v[0], v[1])),
            tags=args.tags,
            opts=child,
        )
        for index, arn in enumerate(args.operator_role_arns):
            aws.iam.RolePolicyAttachment(f"{name}-operator-{index}", role=role_name(arn), policy_arn=operators.arn, opts=child)
        self.project_name = project.name
        self.project_arn = project.arn
        self.security_group_id = sg.id
        self.log_group_name = logs.name
        self.register_outputs({"roleArn": self.role_arn, "projectName": self.project_name, "projectArn": self.project_arn,
                               "securityGroupId": self.security_group_id, "logGroupName": self.log_group_name})
