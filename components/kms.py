"""Customer-managed KMS keys, one per region and purpose, each with an explicit least-privilege key policy.

A key policy here names, and grants, exactly three kinds of access:
- its administrators (the stack's deploy runner and the on-call roles): manage the key, never use it;
- the AWS services that use it on the account's behalf (RDS, S3, Secrets Manager, ...), each only through that
  service in the key's own region (`kms:ViaService`) and only for this account (`kms:CallerAccount`); which role
  may use a service with the key is then up to the role's IAM policy, which names the key;
- service principals that use it as themselves (CloudWatch publishing to an encrypted SNS topic, CloudWatch Logs
  encrypting a log group), each bounded to this account or to this account's resources.
Nothing else: no `kms:*`, no `"*"` principal, and the account root only behind one of those conditions (so the key
is never delegated wholesale to IAM, as the default key policy does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

# Data stores and the keys that encrypt them survive a stray `pulumi destroy` (and a settings flip).
KEEP = pulumi.ResourceOptions(protect=True, retain_on_delete=True)

# What an administrator may do to a key: read it, tag it, change its policy, aliases and rotation, schedule or
# cancel its deletion. No cryptographic operation, and never DisableKeyRotation.
ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:EnableKey", "kms:EnableKeyRotation",
    "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListKeyPolicies",
    "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource",
    "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
)
# What a service does with a key on the account's behalf (envelope encryption), and the grants it makes for the
# resources it manages (an RDS instance, a cache, a cluster keep a grant on their key).
USE_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
GRANT_ACTIONS = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")


@dataclass(frozen=True)
class KeyAccess:
    """Who administers a stack's keys: the account, and the roles that may manage (never use) them."""

    account_id: str
    administrators: tuple[str, ...]  # role ARNs: the on-call roles and the stack's deploy runner


@dataclass(frozen=True)
class ServicePrincipalUse:
    """A service principal that uses the key as itself, with the condition that binds it to this account."""

    sid: str
    services: tuple[str, ...]  # e.g. ("cloudwatch.amazonaws.com",)
    actions: tuple[str, ...]
    condition: dict[str, Any]


def via(service: str, region: str) -> str:
    """The `kms:ViaService` value of an AWS service in a region (`s3` -> s3.us-east-1.amazonaws.com)."""
    return f"{service}.{region}.amazonaws.com"


def key_policy(access: KeyAccess, region: str, services: tuple[str, ...],
               principals: tuple[ServicePrincipalUse, ...] = ()) -> dict[str, Any]:
    """The key policy of a key in `region`: its administrators, the services that use it there, nothing else."""
    if not access.administrators:
        raise ValueError("a key needs at least one administrator, or nobody can ever change its policy")
    root = f"arn:aws:iam::{access.account_id}:root"
    statements: list[dict[str, Any]] = [{
        "Sid": "Administrators", "Effect": "Allow", "Principal": {"AWS": root}, "Action": list(ADMIN_ACTIONS),
        "Resource": "*", "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted(access.administrators)}},
    }]
    if services:
        through = {"kms:CallerAccount": access.account_id, "kms:ViaService": sorted(via(s, region) for s in services)}
        statements += [
            {"Sid": "UseThroughServices", "Effect": "Allow", "Principal": {"AWS": root}, "Action": list(USE_ACTIONS),
             "Resource": "*", "Condition": {"StringEquals": through}},
            {"Sid": "GrantsForServiceResources", "Effect": "Allow", "Principal": {"AWS": root}, "Action": list(GRANT_ACTIONS),
             "Resource": "*", "Condition": {"StringEquals": through, "Bool": {"kms:GrantIsForAWSResource": "true"}}},
        ]
    statements += [
        {"Sid": p.sid, "Effect": "Allow", "Principal": {"Service": sorted(p.services)}, "Action": list(p.actions),
         "Resource": "*", "Condition": p.condition}
        for p in principals
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def logs_principal(account_id: str, region: str, log_group: str = "*") -> ServicePrincipalUse:
    """CloudWatch Logs encrypting a log group of this account in `region` (default: any of them) (CloudWatch Logs
    user guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the encryption context names the log group)."""
    return ServicePrincipalUse(
        sid="LogsEncryptLogGroups", services=(f"logs.{region}.amazonaws.com",),
        actions=USE_ACTIONS,
        condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:{log_group}"}},
    )


@dataclass(frozen=True)
class KeyArgs:
    region: str
    alias: str  # without the "alias/" prefix
    description: str
    tags: dict[str, str]
    access: KeyAccess
    # AWS services that use the key on the account's behalf, by their endpoint prefix (s3, rds, secretsmanager, ...).
    services: tuple[str, ...] = ()
    principals: tuple[ServicePrincipalUse, ...] = field(default_factory=tuple)
    deletion_window_days: int = 30


class RegionalKey(pulumi.ComponentResource):
    """A symmetric KMS key with yearly rotation, an alias and an explicit key policy (`key_policy`), in one region.

    The policy is built from the arguments, so it is known at preview and reviewed by the pack
    (kms-key-policy-least-privilege).
    """

    def __init__(self, name: str, args: KeyArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:kms:RegionalKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            policy=json.dumps(key_policy(args.access, args.region, args.services, args.principals), sort_keys=True),
            # The longest window: a scheduled deletion can still be cancelled a month later.
            deletion_window_in_days=args.deletion_window_days,
            region=args.region,
            tags={**args.tags, "Name": args.alias},
            opts=pulumi.ResourceOptions.merge(child, KEEP),
        )
        alias = aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=key.key_id, region=args.region, opts=child)
        self.arn = key.arn
        self.key_id = key.key_id
        self.alias_name = alias.name
        self.register_outputs({"arn": self.arn, "keyId": self.key_id, "aliasName": self.alias_name})


def encrypted_log_group(name: str, group: str, region: str, retention_days: int, tags: dict[str, str], access: KeyAccess,
                        opts: pulumi.ResourceOptions) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with a key of its own, which only CloudWatch Logs may use, for that group alone.

    Declared with its key before whatever writes into it (a Lambda function, a CodeBuild project), so the service
    never creates the group itself, unencrypted and kept forever.
    """
    key = RegionalKey(f"{name}-kms", KeyArgs(region, f"logs{group.replace('/', '-')}", f"CloudWatch Logs {group}", tags, access,
                                             principals=(logs_principal(access.account_id, region, group),)), opts=opts)
    return aws.cloudwatch.LogGroup(name, name=group, retention_in_days=retention_days, kms_key_id=key.arn, region=region,
                                   tags=tags, opts=opts)

