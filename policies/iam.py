"""IAM: the replication, backup and Velero roles (and every other policy document) name exact actions and resources."""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import (
    IAM_ATTACHMENT,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    as_list,
    config,
    get,
    items,
    policy_document,
    resource_policy,
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
    # Creating VPC flow logs (and other vended logs) into S3: granted "on all resources" (CloudWatch Logs user guide).
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
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


@resource_policy(IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE, IAM_ATTACHMENT)
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
    validate=_least_privilege,
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


@resource_policy(IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE)
def _within_quota(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    limit = MANAGED_LIMIT if args.resource_type == IAM_POLICY else INLINE_LIMIT
    sizes = [policy_size(policy_document(value, path)) for path, value in _documents(args.resource_type, props)]
    if sum(sizes) > limit:
        report(f"the policy is {sum(sizes)} characters; IAM refuses more than {limit} (split it, or narrow it)", None)


iam_within_quota = ResourceValidationPolicy(
    name="iam-policy-within-size-quota",
    description="Every IAM policy document fits IAM's size quota (10,240 characters of inline policy per role, 6,144 per "
    "managed policy, whitespace excluded): a larger one passes preview and fails `pulumi up` halfway.",
    validate=_within_quota,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["iam", "resilience"],
)

def trust_findings(document: dict[str, Any]) -> list[str]:
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


@resource_policy(IAM_ROLE)
def _trust_named(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    for finding in trust_findings(policy_document(get(props, "assumeRolePolicy"), "assumeRolePolicy")):
        report(finding, None)


iam_trust_named = ResourceValidationPolicy(
    name="iam-role-trust-names-principals",
    description="Every IAM role's trust policy names who may assume it (a service, an account, an identity provider): no "
    "`*` principal of any kind.",
    validate=_trust_named,
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["iam", "exposure"],
)

POLICIES = [iam_no_wildcards, iam_within_quota, iam_trust_named]
