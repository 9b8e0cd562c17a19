"""AWS Backup: the runbook's weekly snapshots (Sunday 02:00 UTC, kept 90 days, copied to us-west-2)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from ._common import BACKUP_PLAN, BACKUP_VAULT, arn_region, config, get, items, region_of, resource_policy, shown

DEFAULT_MINIMUM_DAYS = 90


def _plan_retention(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    minimum = int(config(args, "minimumRetentionDays", DEFAULT_MINIMUM_DAYS))
    rules = items(props, "rules")
    if not rules:
        report("the backup plan has no rules", None)
    for rule in rules:
        name = get(rule, "ruleName")
        kept = get(rule, "lifecycle.deleteAfter")
        if kept is None or kept < minimum:
            report(f"rule {name}: recovery points must be kept at least {minimum} days (lifecycle.deleteAfter is {shown(kept)})", None)
        for copy in items(rule, "copyActions"):
            copied = get(copy, "lifecycle.deleteAfter")
            if copied is None or copied < minimum:
                report(f"rule {name}: copies must be kept at least {minimum} days (copyActions lifecycle.deleteAfter is {shown(copied)})", None)


backup_plan_retention = ResourceValidationPolicy(
    name="backup-plan-keeps-recovery-points",
    description="Every backup plan rule, and each of its cross-region copies, keeps recovery points at least the minimum days (runbook: 90).",
    validate=resource_policy(BACKUP_PLAN)(_plan_retention),
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "minimumRetentionDays": {
                "type": "integer", "minimum": 1, "maximum": 36500, "default": DEFAULT_MINIMUM_DAYS,
                "description": "Shortest retention of a weekly snapshot and of its copy, in days (runbook: 90).",
            }
        }
    ),
    tags=["backup", "resilience"],
)


def _vault_encrypted(args: ResourceValidationArgs, props: Any, report: ReportViolation) -> None:
    key = get(props, "kmsKeyArn")
    here = region_of(props, args.provider)
    if not key:
        report("kmsKeyArn must name a customer-managed KMS key", None)
    elif arn_region(key) not in (here, None):
        report(f"kmsKeyArn {key} must be a key in the vault's region {here}", None)


backup_vault_encrypted = ResourceValidationPolicy(
    name="backup-vault-encrypted-with-own-region-key",
    description="Every backup vault is encrypted with a customer-managed KMS key of its own region.",
    validate=resource_policy(BACKUP_VAULT)(_vault_encrypted),
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["backup", "encryption"],
)

POLICIES = [backup_plan_retention, backup_vault_encrypted]
