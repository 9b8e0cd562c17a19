"""IAM: the replication, backup and Velero roles (and every other policy document) name exact actions and resources."""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ._common import (
    IAM_ATTACHMENT,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    allowed_actions,
    as_list,
    config,
    get,
    items,
    of_type,
    per_resource,
    policy_document,
    resource_policy,
    role_attachments,
    role_documents,
)

# Actions AWS only authorizes on "*" (no resource-level permissions): the only ones that may name it.
DEFAULT_WILDCARD_RESOURCE_ACTIONS = [
    "ec2:DescribeVolumes",
    "ec2:DescribeSnapshots",
    "ec2:DescribeInstances",
    "s3:ListAllMyBuckets",
    "kms:ListAliases",
    "backup:ListBackupVaults",
    "sts:GetCallerIdentity",
    "secretsmanager:GetRandomPassword",
    "route53:CreateHostedZone",
    "route53:ListHostedZones",
    "route53:ListHostedZonesByName",
    "route53:CreateHealthCheck",
    "route53:ListHealthChecks",
    "ec2:DescribeVpcs",
    # A restore test's validation reports on a restore job: AWS Backup grants it on "*" (no restore-job resource
    # type to name; components/restore_testing.py, not verified against an account here).
    "backup:PutRestoreValidationResult",
    # FIS resolves targets named by tags through the Resource Groups Tagging API, which has no resource types.
    "tag:GetResources",
    # Creating VPC flow logs (and other vended logs) into S3: granted "on all resources" (CloudWatch Logs user guide).
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    # ECR's registry-wide replication settings: the registry has no resource type to name (Service Authorization
    # Reference, Amazon ECR: PutReplicationConfiguration lists none).
    "ecr:PutReplicationConfiguration",
    # A CloudFront response headers policy is created before it has an ARN: the Service Authorization Reference lists no
    # resource type for the call (policies/data/service_reference.json).
    "cloudfront:CreateResponseHeadersPolicy",
]
# Conditions that bound a statement on Resource "*" to the stack's own resources (its tags), and the verbs
# of actions that only read, which may instead be bounded to the stack's regions.
OWN_RESOURCE_CONDITION_KEYS = ("aws:ResourceTag/managed-by", "aws:RequestTag/managed-by")
# Actions with no resource-level permissions that a service condition key bounds instead.
BOUNDING_CONDITION_KEYS = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}
READ_VERBS = ("Describe", "List", "Get", "BatchGet")
# AWS managed policies the pack accepts without seeing their document (service roles AWS maintains).
DEFAULT_MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController",
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
]


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    condition = statement.get("Condition") or {}
    return {key for block in condition.values() if isinstance(block, dict) for key in block}


def _reads(action: str) -> bool:
    verb = action.split(":", 1)[-1]
    return verb.startswith(READ_VERBS)


def wildcard_findings(document: dict[str, Any], allowed_star_resource: list[str]) -> list[str]:
    """What in a policy document grants a wildcard: each finding one sentence. Deny statements may be broad.

    Resource "*" is accepted for actions AWS grants only on "*", and where a condition bounds the statement
    to the stack's own resources: its tags (any action), its regions (read-only actions), or the service's
    own condition key for actions without resource-level permissions (PutMetricData by namespace).
    """
    findings = []
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        label = statement.get("Sid") or f"statement {index}"
        if "NotAction" in statement or "NotResource" in statement:
            findings.append(f"{label} uses NotAction/NotResource, which grants everything not listed")
        actions = [str(a) for a in as_list(statement.get("Action"))]
        broad = [a for a in actions if a == "*" or a.endswith(":*")]
        if broad:
            findings.append(f"{label} allows wildcard actions {', '.join(broad)}")
        resources = [str(r) for r in as_list(statement.get("Resource"))]
        if "*" in resources:
            keys = _condition_keys(statement)
            owned = any(key in keys for key in OWN_RESOURCE_CONDITION_KEYS)
            in_regions = "aws:RequestedRegion" in keys
            needing = [a for a in actions if a not in allowed_star_resource and not owned and not (in_regions and _reads(a))
                       and BOUNDING_CONDITION_KEYS.get(a) not in keys]
            if needing:
                findings.append(f"{label} allows {', '.join(needing)} on Resource *")
    return findings


def _documents(type_: str, props: Any) -> list[tuple[str, Any]]:
    if type_ in (IAM_ROLE_POLICY, IAM_POLICY):
        return [("policy", get(props, "policy"))]
    if type_ == IAM_ROLE:
        return [(f"inlinePolicies.{i}.policy", get(p, "policy")) for i, p in enumerate(items(props, "inlinePolicies"))]
    return []


def _least_privilege(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    allowed = list(config(args, "actionsAllowingWildcardResource", DEFAULT_WILDCARD_RESOURCE_ACTIONS))
    managed = list(config(args, "allowedManagedPolicyArns", DEFAULT_MANAGED_POLICIES))
    for path, value in _documents(args.resource_type, props):
        for finding in wildcard_findings(policy_document(value, path), allowed):
            report(finding, None)
    arns = [get(props, "policyArn")] if args.resource_type == IAM_ATTACHMENT else as_list(get(props, "managedPolicyArns"))
    for arn in arns:
        if isinstance(arn, str) and arn.startswith("arn:aws:iam::aws:policy/") and arn not in managed:
            report(f"AWS managed policy {arn} is not on the reviewed list; attach a policy that names exact actions and resources", None)


iam_no_wildcards = ResourceValidationPolicy(
    name="iam-no-wildcard-actions-or-resources",
    description="IAM policies (replication, backup, Velero, the deploy runners and every other role) allow named actions on named resources: no `*` or `service:*` actions, no Resource `*` except for actions AWS only grants on `*`, reads bounded to the stack's regions, or changes bounded to the stack's own tags.",
    validate=resource_policy(IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE, IAM_ATTACHMENT)(_least_privilege),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "actionsAllowingWildcardResource": {
                "type": "array", "items": {"type": "string", "pattern": "^[a-z0-9-]+:[A-Za-z0-9]+$"}, "uniqueItems": True,
                "default": DEFAULT_WILDCARD_RESOURCE_ACTIONS,
                "description": "Exact actions that may use Resource * because AWS has no resource-level permission for them.",
            },
            "allowedManagedPolicyArns": {
                "type": "array", "items": {"type": "string", "pattern": "^arn:aws:iam::aws:policy/"}, "uniqueItems": True,
                "default": DEFAULT_MANAGED_POLICIES,
                "description": "AWS managed policies accepted without review of their document.",
            },
        }
    ),
    tags=["iam", "exposure"],
)

# IAM's quotas, counted without whitespace: a role's inline policies together, and one managed policy.
INLINE_LIMIT = 10240
MANAGED_LIMIT = 6144


def policy_size(document: dict[str, Any]) -> int:
    """Characters IAM counts against its quota: the document without whitespace outside strings."""
    return len(json.dumps(document, separators=(",", ":")))


def _within_quota(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    limit = MANAGED_LIMIT if args.resource_type == IAM_POLICY else INLINE_LIMIT
    sizes = [policy_size(policy_document(value, path)) for path, value in _documents(args.resource_type, props)]
    if sum(sizes) > limit:
        report(f"the policy is {sum(sizes)} characters; IAM refuses more than {limit} (split it, or narrow it)", None)


iam_within_quota = ResourceValidationPolicy(
    name="iam-policy-within-size-quota",
    description="Every IAM policy document fits IAM's size quota (10,240 characters of inline policy per role, 6,144 per "
    "managed policy, whitespace excluded): a larger one passes preview and fails `pulumi up` halfway.",
    validate=resource_policy(IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE)(_within_quota),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["iam", "resilience"],
)

def anyone_trust_findings(document: dict[str, Any]) -> list[str]:
    """Who a role's trust policy lets assume it that is nobody in particular: a `*` principal, of any kind."""
    findings = []
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        label = statement.get("Sid") or f"statement {index}"
        principal = statement.get("Principal")
        kinds = {"*": ["*"]} if principal == "*" else (principal if isinstance(principal, dict) else {})
        anyone = sorted(kind for kind, values in kinds.items() if "*" in as_list(values))
        if anyone:
            findings.append(f"{label} lets {' and '.join('any ' + (k if k != '*' else 'principal') for k in anyone)} assume "
                            "the role; name the service, account or identity provider")
    return findings


def _trust_named(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    for finding in anyone_trust_findings(policy_document(get(props, "assumeRolePolicy"), "assumeRolePolicy")):
        report(finding, None)


iam_trust_named = ResourceValidationPolicy(
    name="iam-role-trust-names-principals",
    description="Every IAM role's trust policy names who may assume it (a service, an account, an identity provider): no "
    "`*` principal of any kind.",
    validate=resource_policy(IAM_ROLE)(_trust_named),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["iam", "exposure"],
)



# ---- the verification workflow's role (GitHub OIDC) ---------------------------------------------------------

GITHUB_OIDC = "token.actions.githubusercontent.com"
# `drctl backups verify` and `drctl preflight`: their read calls as IAM actions (stacks/verification.py VERIFY_CALLS;
# a test keeps the two lists equal), and decrypting the SSE-KMS objects S3 returns.
DEFAULT_CI_ACTIONS = [
    "backup:DescribeBackupVault", "backup:GetBackupPlan", "backup:ListBackupPlans", "backup:ListRecoveryPointsByBackupVault",
    "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricStatistics", "eks:DescribeCluster", "eks:DescribeNodegroup", "kms:Decrypt",
    "rds:DescribeDBInstanceAutomatedBackups", "rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "route53:GetHealthCheckStatus",
    "route53:ListHealthChecks", "route53:ListHostedZonesByName", "route53:ListResourceRecordSets", "s3:GetBucketLocation",
    "s3:GetBucketVersioning", "s3:GetLifecycleConfiguration", "s3:GetObject", "s3:GetReplicationConfiguration", "s3:ListBucket",
]
# GitHub's subject claim of a run on one branch of one repository: no wildcard can widen it.
DEFAULT_BRANCH_SUBJECT = re.compile(r"^repo:[\w.-]+/[\w.-]+:ref:refs/heads/[\w./-]+$")


def _github_trust(role: PolicyResource) -> list[dict[str, Any]]:
    """The trust statements of a role that name GitHub's OIDC provider (empty for any other role)."""
    document = policy_document(get(role.props, "assumeRolePolicy"), "assumeRolePolicy")
    return [st for st in as_list(document.get("Statement")) if isinstance(st, dict)
            and any(str(p).endswith(f"oidc-provider/{GITHUB_OIDC}") for p in as_list((st.get("Principal") or {}).get("Federated")))]


def trust_findings(statements: list[dict[str, Any]]) -> list[str]:
    """What widens a GitHub OIDC trust beyond STS and one branch of one repository."""
    findings = []
    for st in statements:
        equals = (st.get("Condition") or {}).get("StringEquals") or {}
        likes = {k for block, keys in (st.get("Condition") or {}).items() if block != "StringEquals" and isinstance(keys, dict) for k in keys}
        if equals.get(f"{GITHUB_OIDC}:aud") != "sts.amazonaws.com":
            findings.append(f"its trust must require {GITHUB_OIDC}:aud = sts.amazonaws.com (StringEquals)")
        subjects = as_list(equals.get(f"{GITHUB_OIDC}:sub"))
        if f"{GITHUB_OIDC}:sub" in likes or not subjects or not all(DEFAULT_BRANCH_SUBJECT.match(str(v)) for v in subjects):
            findings.append(f"its trust must require {GITHUB_OIDC}:sub = repo:<owner>/<name>:ref:refs/heads/<default branch> "
                            "exactly (StringEquals, no wildcard): any other subject lets other repositories, branches or pull requests in")
    return findings


def _ci_role_read_only(args: StackValidationArgs, report: ReportViolation) -> None:
    allowed = set(config(args, "allowedActions", DEFAULT_CI_ACTIONS))

    def check(role: PolicyResource) -> None:
        statements = _github_trust(role)
        if not statements:
            return
        for finding in trust_findings(statements):
            report(f"{role.name}: {finding}", role.urn)
        extra = sorted(allowed_actions(role_documents(role, args)) - allowed)
        if extra:
            report(f"{role.name}: allows {', '.join(extra)}; a role GitHub Actions assumes may allow only the read calls of "
                   "drctl backups verify and drctl preflight", role.urn)
        for attachment in role_attachments(role, args):
            report(f"{role.name}: has the managed policy {get(attachment.props, 'policyArn')} attached; it may hold only its own "
                   "read-only policy", role.urn)

    per_resource(of_type(args, IAM_ROLE), report, check)


ci_role_read_only = StackValidationPolicy(
    name="ci-role-read-only",
    description="A role GitHub Actions assumes through OIDC trusts only this repository's default branch (sub exactly "
    "repo:<owner>/<name>:ref:refs/heads/<branch>, aud sts.amazonaws.com) and allows only the read calls of drctl backups "
    "verify and drctl preflight, with no managed policy.",
    validate=_ci_role_read_only,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "allowedActions": {
            "type": "array", "items": {"type": "string", "pattern": "^[a-z0-9-]+:[A-Za-z0-9]+$"}, "uniqueItems": True,
            "default": DEFAULT_CI_ACTIONS,
            "description": "The IAM actions a GitHub Actions role may allow (the verification workflow's read calls).",
        },
    }),
    tags=["iam", "exposure"],
)


# ---- the fault-injection role ------------------------------------------------------------------------------

FIS_TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
# What each FIS action needs of its role (components/experiments.py FIS_PERMISSIONS; a test keeps them equal).
DEFAULT_FIS_PERMISSIONS = {
    "aws:rds:reboot-db-instances": ["rds:RebootDBInstance", "rds:DescribeDBInstances"],
    "aws:eks:pod-delete": ["eks:DescribeCluster"],
    "aws:eks:terminate-nodegroup-instances": ["eks:DescribeNodegroup", "ec2:TerminateInstances", "ec2:DescribeInstances"],
}


def _fis_role_only_its_templates(args: StackValidationArgs, report: ReportViolation) -> None:
    permissions = dict(config(args, "actionPermissions", DEFAULT_FIS_PERMISSIONS))
    roles = {get(r.props, "name"): r for r in of_type(args, IAM_ROLE)}
    needs: dict[str, set[str]] = {}
    for template in of_type(args, FIS_TEMPLATE):
        role_name = str(get(template.props, "roleArn") or "").rsplit("/", 1)[-1]
        for action in items(template.props, "actions"):
            action_id = str(get(action, "actionId"))
            if action_id not in permissions:
                report(f"{template.name}: action {action_id} has no reviewed permissions (policy config actionPermissions)", template.urn)
                continue
            needs.setdefault(role_name, set()).update(permissions[action_id])

    def check(role: PolicyResource) -> None:
        name = get(role.props, "name")
        if name not in needs:
            return
        extra = sorted(allowed_actions(role_documents(role, args)) - needs[name])
        if extra:
            report(f"{role.name}: allows {', '.join(extra)}, which its experiment templates' actions do not need", role.urn)
        for attachment in role_attachments(role, args):
            report(f"{role.name}: has the managed policy {get(attachment.props, 'policyArn')} attached; an experiment role holds "
                   "only what its templates need", role.urn)

    per_resource([r for n, r in roles.items() if n in needs], report, check)


fis_role_only_its_templates = StackValidationPolicy(
    name="fis-role-only-its-templates",
    description="The role of AWS FIS experiment templates allows only the IAM actions its templates' fault actions need "
    "(and no managed policy): an experiment on production can do what it says and nothing else.",
    validate=_fis_role_only_its_templates,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={
        "actionPermissions": {
            "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "default": DEFAULT_FIS_PERMISSIONS,
            "description": "Per FIS action id, the IAM actions its experiment role may allow.",
        },
    }),
    tags=["iam", "resilience"],
)

POLICIES = [iam_no_wildcards, iam_within_quota, iam_trust_named, ci_role_read_only, fis_role_only_its_templates]
