"""The deploy runners hold the keys to a region's estate: lock them down like the keys they are, and make
sure every cluster API is reachable from where `pulumi up` runs."""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import (
    EKS_CLUSTER,
    IAM_ATTACHMENT,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    as_list,
    get,
    items,
    of_type,
    per_resource,
    policy_document,
    region_of,
    resource_policy,
    role_documents,
)
from .iam import DEFAULT_WILDCARD_RESOURCE_ACTIONS

CODEBUILD_PROJECT = "aws:codebuild/project:Project"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
TAGS = ["runner", "exposure"]

# A variable whose name says it carries a secret must come from Secrets Manager or Parameter Store.
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE|CREDENTIAL|ACCESS_KEY", re.IGNORECASE)
# Shell lines that print the environment (and with it every secret it holds) into the build log.
LEAKS = re.compile(r"(^\s*|[;&|]\s*)(set\s+-[a-z]*x|printenv|env\s*$|export\s+-p)", re.MULTILINE)
# What a runner's role must refuse whatever its stack says: deleting a data store or a key.
DATA_DELETIONS = ("rds:DeleteDBInstance", "elasticache:DeleteReplicationGroup", "s3:DeleteBucket",
                  "backup:DeleteBackupVault", "kms:ScheduleKeyDeletion")


def _buildspec_variables(buildspec: str) -> list[str]:
    """Names of the plaintext variables a buildspec declares (env.variables), JSON or YAML."""
    try:
        spec = json.loads(buildspec)
        return sorted((spec.get("env") or {}).get("variables") or {})
    except (ValueError, AttributeError):
        names, inside = [], False
        for line in buildspec.splitlines():
            if re.match(r"^\s{2,4}variables:\s*$", line):
                inside = True
            elif inside and re.match(r"^\s{4,8}([A-Za-z_][A-Za-z0-9_]*):", line):
                names.append(re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*):", line).group(1))  # type: ignore[union-attr]
            elif inside and line.strip() and not line.startswith(" " * 4):
                inside = False
        return names


def _commands(buildspec: str) -> str:
    """The shell a buildspec runs, one command per line (JSON buildspecs parsed; YAML read as text)."""
    try:
        phases = json.loads(buildspec).get("phases") or {}
    except (ValueError, AttributeError):
        return buildspec
    return "\n".join(str(c) for phase in phases.values() if isinstance(phase, dict) for c in phase.get("commands") or [])


def _locked_down(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    buildspec = get(props, "source.buildspec")
    if not isinstance(buildspec, str) or "phases" not in buildspec:
        report("source.buildspec must be the build definition itself (inline): a buildspec file in the repository "
               "would let any commit change what the runner runs", None)
    if get(props, "environment.privilegedMode") is True:
        report("environment.privilegedMode must not be true (a runner builds no container images)", None)
    if get(props, "concurrentBuildLimit") != 1:
        report(f"concurrentBuildLimit is {get(props, 'concurrentBuildLimit')}; it must be 1: two runs must never race on one stack", None)
    if not as_list(get(props, "vpcConfig.subnets")) or not as_list(get(props, "vpcConfig.securityGroupIds")):
        report("vpcConfig with subnets and a security group is required: the runner runs inside the stack's VPC", None)
    for variable in items(props, "environment.environmentVariables"):
        name, kind = str(get(variable, "name")), get(variable, "type", "PLAINTEXT")
        if SECRET_NAME.search(name) and kind == "PLAINTEXT":
            report(f"environment variable {name} is plaintext; a secret comes from SECRETS_MANAGER or PARAMETER_STORE", None)
    if isinstance(buildspec, str):
        for name in _buildspec_variables(buildspec):
            if SECRET_NAME.search(name):
                report(f"buildspec variable {name} is plaintext; a secret comes from env.secrets-manager", None)
        if LEAKS.search(_commands(buildspec)):
            report("the buildspec prints the environment (set -x, printenv, env): secrets would reach the build log", None)


runner_locked_down = ResourceValidationPolicy(
    name="runner-locked-down",
    description="A deploy runner (CodeBuild project) runs an inline build definition, one run at a time, inside the VPC, unprivileged, with no plaintext secret and nothing that prints the environment into its log.",
    validate=resource_policy(CODEBUILD_PROJECT)(_locked_down),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _regions(args: StackValidationArgs) -> set[str]:
    """The regions the stack's AWS resources live in (through their providers or their own `region`)."""
    return {str(region) for r in args.resources if r.resource_type.startswith("aws:")
            and (region := region_of(r.props, r.provider))}


def _bounded(statement: dict[str, Any], regions: set[str]) -> bool:
    """An Allow on Resource "*" is bounded by its stack's regions or its stack's tags."""
    condition = statement.get("Condition") or {}
    keys = {key: value for block in condition.values() if isinstance(block, dict) for key, value in block.items()}
    if any(k.startswith(("aws:ResourceTag/", "aws:RequestTag/")) for k in keys):
        return True
    requested = keys.get("aws:RequestedRegion")
    return requested is not None and set(as_list(requested)) <= regions


def _role_bounded(args: StackValidationArgs, report: ReportViolation) -> None:
    roles = of_type(args, IAM_ROLE)
    regions = _regions(args)

    def check(project: PolicyResource) -> None:
        arn = str(get(project.props, "serviceRole"))
        role = next((r for r in roles if arn.endswith(f":role/{get(r.props, 'name')}") or r in project.dependencies), None)
        if role is None:
            report(f"{project.name}: its service role is not declared by this stack, so its permissions cannot be reviewed", project.urn)
            return
        documents = role_documents(role, args)
        statements = [s for d in documents for s in as_list(d.get("Statement")) if isinstance(s, dict)]
        denies = [s for s in statements if s.get("Effect") == "Deny"]
        denied = {str(a) for s in denies for a in as_list(s.get("Action"))}
        self_denied = [s for s in denies if {"codebuild:*", "iam:*"} <= {str(a) for a in as_list(s.get("Action"))}]
        if not self_denied:
            report(f"{project.name}: its role must deny itself codebuild:* and iam:* on its own project and role (a runner never changes itself)", project.urn)
        missing = [a for a in DATA_DELETIONS if a not in denied]
        if missing:
            report(f"{project.name}: its role must deny deleting data stores and keys ({', '.join(missing)})", project.urn)
        for index, statement in enumerate(s for s in statements if s.get("Effect", "Allow") == "Allow"):
            label = statement.get("Sid") or f"statement {index}"
            actions = [str(a) for a in as_list(statement.get("Action"))]
            if any(a == "*" or a in ("iam:*", "codebuild:*", "sts:*") for a in actions):
                report(f"{project.name}: {label} allows {', '.join(actions)}", project.urn)
            if "*" in [str(r) for r in as_list(statement.get("Resource"))] and not _bounded(statement, regions) \
                    and not all(a in DEFAULT_WILDCARD_RESOURCE_ACTIONS for a in actions):
                report(f"{project.name}: {label} on Resource * is bounded neither by the stack's regions "
                       f"({', '.join(sorted(regions))}) nor by its tags", project.urn)

    per_resource(of_type(args, CODEBUILD_PROJECT), report, check)


runner_role_bounded = StackValidationPolicy(
    name="runner-role-bounded-to-its-stack",
    description="A deploy runner's role manages what its stack declares and nothing else: bounded to the stack's regions or tags, never deleting a data store or a key, never changing itself.",
    validate=_role_bounded,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _grants_start(document: dict[str, Any], project_names: set[str]) -> bool:
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        actions = {str(a) for a in as_list(statement.get("Action"))}
        resources = {str(r) for r in as_list(statement.get("Resource"))}
        named = any(r.endswith(f":project/{n}") for r in resources for n in project_names)
        if actions & {"codebuild:StartBuild", "codebuild:*", "*"} and (named or "*" in resources):
            return True
    return False


def _started_by_on_call(args: StackValidationArgs, report: ReportViolation) -> None:
    projects = of_type(args, CODEBUILD_PROJECT)
    if not projects:
        return
    names = {str(get(p.props, "name")) for p in projects}
    declared_roles = {str(get(r.props, "name")) for r in of_type(args, IAM_ROLE)}
    attachments = of_type(args, IAM_ATTACHMENT)

    def check(resource: PolicyResource) -> None:
        document = policy_document(get(resource.props, "policy"))
        if not _grants_start(document, names):
            return
        if resource.resource_type != IAM_POLICY:
            report(f"{resource.name}: grants starting a deploy runner; only the runner's operators policy may, attached to the on-call roles", resource.urn)
            return
        targets = [a for a in attachments if resource in a.dependencies]
        inside = sorted(str(get(a.props, "role")) for a in targets if str(get(a.props, "role")) in declared_roles)
        if not targets:
            report(f"{resource.name}: attached to no role; attach it to the on-call roles (site.onCallRoleArns)", resource.urn)
        if inside:
            report(f"{resource.name}: attached to {', '.join(inside)}, a role of this stack; only the on-call roles may start a runner", resource.urn)

    per_resource(of_type(args, IAM_POLICY, IAM_ROLE_POLICY), report, check)


runner_started_by_on_call = StackValidationPolicy(
    name="runner-started-by-on-call-only",
    description="Only the runner's operators policy grants starting a deploy runner, and it is attached to roles outside the stack (the on-call roles), never to a role the stack declares.",
    validate=_started_by_on_call,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _api_reachable(args: StackValidationArgs, report: ReportViolation) -> None:
    projects = of_type(args, CODEBUILD_PROJECT)
    groups = of_type(args, SECURITY_GROUP)
    rules = [r for r in of_type(args, SECURITY_GROUP_RULE) if get(r.props, "type") == "ingress"
             and get(r.props, "fromPort", 0) <= 443 <= get(r.props, "toPort", 0)]

    def check(cluster: PolicyResource) -> None:
        if get(cluster.props, "endpointPublicAccess") is True and as_list(get(cluster.props, "publicAccessCidrs")):
            return
        for rule in rules:
            if cluster not in rule.dependencies:
                continue
            sources = {g.urn for g in groups if g in rule.dependencies}
            if any(sources & {g.urn for g in p.dependencies if g.resource_type == SECURITY_GROUP} for p in projects):
                return
        report(f"{cluster.name}: no declared path reaches its API: its endpoint is private, and no deploy runner in its "
               "VPC is admitted to it (nor are public CIDRs listed)", cluster.urn)

    per_resource(of_type(args, EKS_CLUSTER), report, check)


cluster_api_reachable = StackValidationPolicy(
    name="cluster-api-reachable",
    description="Every cluster's API is reachable from where `pulumi up` runs: a deploy runner in its VPC admitted on 443, or listed public CIDRs.",
    validate=_api_reachable,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["cluster", "deployability"],
)

POLICIES = [runner_locked_down, runner_role_bounded, runner_started_by_on_call, cluster_api_reachable]
