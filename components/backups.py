"""AWS Backup: the runbook's weekly snapshots (Sunday 02:00 UTC, 90 days) copied to a vault in us-west-2."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kms import KEEP, KeyAccess, KeyArgs, RegionalKey

BACKUP_TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
    sort_keys=True,
)

# AWS's managed policies for AWS Backup's service role. Chosen over an inline policy because AWS Backup's
# needs change with the services it protects (RDS snapshot create/copy/tag/describe, KMS grants for
# encrypted snapshots, cross-region copy) and AWS keeps these in step; they grant backup and restore
# operations only, and are the policies AWS's own default service role uses.
BACKUP_POLICIES = {
    "backup": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "restore": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
}


@dataclass(frozen=True)
class VaultArgs:
    region: str
    name: str
    tags: dict[str, str]
    keys: KeyAccess  # who administers the vault's key


class BackupVault(pulumi.ComponentResource):
    """A backup vault encrypted with its own key in its region."""


    def __init__(self, name: str, args: VaultArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:backups:Vault", name, None, opts)
        # AWS Backup encrypts recovery points with it, and RDS copies snapshots into the vault's region with it.
        key = RegionalKey(f"{name}-kms", KeyArgs(args.region, f"{args.name}-vault", f"AWS Backup vault {args.name}", args.tags,
                                                 args.keys, services=("backup", "rds")),
                          opts=pulumi.ResourceOptions(parent=self))
        vault = aws.backup.Vault(
            f"{name}-vault", name=args.name, kms_key_arn=key.arn, force_destroy=False, region=args.region,
            tags=args.tags, opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(parent=self), KEEP),
        )
        self.arn, self.name, self.key_arn = vault.arn, vault.name, key.arn
        self.register_outputs({"arn": self.arn, "name": self.name, "keyArn": self.key_arn})


class BackupRole(pulumi.ComponentResource):
    """The role AWS Backup assumes. Declared in standby too, so that a failover creates no IAM resource."""


    def __init__(self, name: str, role_name: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:backups:Role", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", name=role_name, assume_role_policy=BACKUP_TRUST,
                            description="AWS Backup service role", tags=tags, opts=child)
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-{purpose}", role=role.name, policy_arn=arn, opts=child)
            for purpose, arn in BACKUP_POLICIES.items()
        ]
        # Consumers wait for the policies, not just the role: a selection made before them fails.
        self.arn = pulumi.Output.all(role.arn, *[a.id for a in attachments]).apply(lambda a: a[0])
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True)
class PlanArgs:
    region: str
    plan_name: str
    vault_name: pulumi.Input[str]
    schedule: str
    retention_days: int
    start_window_minutes: int
    completion_window_minutes: int
    role_arn: pulumi.Input[str]
    resources: list[pulumi.Input[str]]
    tags: dict[str, str]
    # The copy to another region's vault (None for the DR region's own plan during an outage).
    copy_vault_arn: pulumi.Input[str] | None = None
    copy_retention_days: int | None = None


class WeeklySnapshotPlan(pulumi.ComponentResource):
    """A backup plan with one weekly rule, its copy action, and the selection of the databases it protects."""


    def __init__(self, name: str, args: PlanArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:backups:WeeklySnapshotPlan", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        copy_actions = []
        if args.copy_vault_arn is not None:
            copy_actions.append(aws.backup.PlanRuleCopyActionArgs(
                destination_vault_arn=args.copy_vault_arn,
                lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=args.copy_retention_days),
            ))
        plan = aws.backup.Plan(
            f"{name}-plan",
            name=args.plan_name,
            rules=[aws.backup.PlanRuleArgs(
                rule_name="weekly-snapshots",
                target_vault_name=args.vault_name,
                schedule=args.schedule,
                schedule_expression_timezone="Etc/UTC",
                start_window=args.start_window_minutes,
                completion_window=args.completion_window_minutes,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days),
                copy_actions=copy_actions or None,
                recovery_point_tags=args.tags,
            )],
            region=args.region,
            tags=args.tags,
            opts=child,
        )
        aws.backup.Selection(
            f"{name}-selection", name=f"{args.plan_name}-databases", plan_id=plan.id, iam_role_arn=args.role_arn,
            resources=args.resources, region=args.region, opts=child,
        )
        self.plan_id = plan.id
        self.register_outputs({"planId": self.plan_id})
