"""KMS: every key that encrypts the estate's data is rotated, enabled, and has an explicit least-privilege key policy.

A key without a policy of its own gets AWS's default, which gives the account root `kms:*`: every IAM principal
whose policy says so may then use, re-key or schedule the deletion of the key that protects a database. The
stacks' keys name their administrators (who may manage, never use, the key), the AWS services that use the key
on the account's behalf (through `kms:ViaService`), and service principals bound to this account, nothing else.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import KMS_KEY, KMS_REPLICA_KEY, as_list, get, policy_document, resource_policy

TAGS = ["encryption", "exposure"]
# Operations that use the key material (encrypt, decrypt, re-key, make data keys, sign, MAC).
CRYPTOGRAPHIC = re.compile(r"^kms:(Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|Sign|Verify|GenerateMac|VerifyMac|CreateGrant)$")
ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$")
# Conditions that bound a grant to the account root to named principals, to a service, or to this account's resources.
BOUNDING_KEYS = ("aws:PrincipalArn", "kms:ViaService", "kms:CallerAccount", "kms:EncryptionContext:")
# Conditions that bind a service principal to this account (or to its resources).
SERVICE_BINDING_KEYS = ("aws:SourceAccount", "aws:SourceArn", "kms:EncryptionContext:", "kms:CallerAccount")


def _condition_keys(statement: dict[str, Any]) -> list[str]:
    condition = statement.get("Condition") or {}
    return [key for block in condition.values() if isinstance(block, dict) for key in block]


def _principals(statement: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    """(AWS principals, service principals, whether it is everyone)."""
    principal = statement.get("Principal")
    if principal == "*":
        return [], [], True
    if not isinstance(principal, dict):
        return [], [], False
    aws = [str(p) for p in as_list(principal.get("AWS"))]
    return aws, [str(p) for p in as_list(principal.get("Service"))], "*" in aws


def key_policy_findings(document: dict[str, Any]) -> list[str]:
    """What in a key policy grants more than its administrators, services and bound service principals need."""
    findings: list[str] = []
    statements = [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]
    allows = [s for s in statements if s.get("Effect", "Allow") == "Allow"]
    for index, statement in enumerate(allows):
        label = statement.get("Sid") or f"statement {index}"
        actions = [str(a) for a in as_list(statement.get("Action"))]
        keys = _condition_keys(statement)
        aws, services, everyone = _principals(statement)
        if everyone:
            findings.append(f"{label} allows principal *: name the administrators, the services and the roles instead")
        broad = [a for a in actions if a in ("*", "kms:*")]
        if broad or "NotAction" in statement:
            findings.append(f"{label} allows {', '.join(broad) or 'NotAction'}: list the actions each principal needs")
        bounded = any(k.startswith(BOUNDING_KEYS) for k in keys)
        if any(ROOT.match(p) for p in aws) and not bounded:
            findings.append(f"{label} grants the account root without a condition: that delegates the key to every IAM "
                            "principal of the account (bound it with aws:PrincipalArn or kms:ViaService)")
        crypto = [a for a in actions if CRYPTOGRAPHIC.match(a)]
        if aws and crypto and not any(k == "kms:ViaService" for k in keys):
            findings.append(f"{label} lets AWS principals use the key ({', '.join(crypto)}) other than through a service "
                            "(kms:ViaService)")
        if services and not any(k.startswith(SERVICE_BINDING_KEYS) for k in keys):
            findings.append(f"{label} lets {', '.join(services)} use the key for any account: bind it with aws:SourceAccount or aws:SourceArn")
    if not any({"kms:PutKeyPolicy", "kms:Put*", "kms:*", "*"} & {str(a) for a in as_list(s.get("Action"))} for s in allows):
        findings.append("no statement lets an administrator change the key policy (kms:PutKeyPolicy): the key could never be changed again")
    return findings


def _least_privilege(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    value = get(props, "policy")
    if not value:
        report("policy must be set: without one AWS applies its default key policy, which delegates every use of the key to IAM", None)
        return
    for finding in key_policy_findings(policy_document(value)):
        report(finding, None)


kms_key_policy_least_privilege = ResourceValidationPolicy(
    name="kms-key-policy-least-privilege",
    description="Every KMS key has an explicit key policy that grants its administrators (manage, never use), the AWS services "
    "that use it on the account's behalf (kms:ViaService) and service principals bound to this account, and nothing else: "
    "no principal *, no kms:*, no unconditioned account root.",
    validate=resource_policy(KMS_KEY, KMS_REPLICA_KEY)(_least_privilege),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)


def _rotated_and_enabled(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    spec = get(props, "customerMasterKeySpec") or get(props, "keySpec") or "SYMMETRIC_DEFAULT"
    if spec == "SYMMETRIC_DEFAULT" and get(props, "enableKeyRotation") is not True:
        report("enableKeyRotation must be true: the key material is then rotated every year", None)
    if get(props, "isEnabled") is False:
        report("isEnabled must not be false: a disabled key makes everything it encrypts unreadable", None)


kms_key_rotated_and_enabled = ResourceValidationPolicy(
    name="kms-key-rotated-and-enabled",
    description="Every symmetric KMS key rotates its key material yearly and is enabled (a disabled key makes its data unreadable).",
    validate=resource_policy(KMS_KEY)(_rotated_and_enabled),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=TAGS,
)

POLICIES = [kms_key_policy_least_privilege, kms_key_rotated_and_enabled]
