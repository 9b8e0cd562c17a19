"""Customer-managed KMS keys, one per region and purpose: data at rest is never under an AWS-owned key."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

# Data stores and the keys that encrypt them survive a stray `pulumi destroy` (and a settings flip).
KEEP = pulumi.ResourceOptions(protect=True, retain_on_delete=True)


@dataclass(frozen=True)
class KeyArgs:
    region: str
    alias: str  # without the "alias/" prefix
    description: str
    tags: dict[str, str]
    deletion_window_days: int = 30
    # The key policy (JSON); None keeps AWS's default, which delegates to IAM. Keys that AWS services must use
    # on the account's behalf (SNS publishers, ...) need a policy that names them.
    policy: str | None = None


class RegionalKey(pulumi.ComponentResource):
    """A symmetric KMS key with yearly rotation and an alias, in one region.

    The key policy is the account default: it delegates to IAM, so each role's policy names exactly the
    keys it may use (the replication role, the backup role, ...) and nothing else.
    """


    def __init__(self, name: str, args: KeyArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__("aivo:kms:RegionalKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            policy=args.policy,
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
