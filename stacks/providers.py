"""Explicit AWS providers, one per region a stack touches. No resource uses a default provider."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from stacks.settings import StackSettings


def stack_regions(settings: StackSettings) -> list[str]:
    """Regions a stack declares resources in.

    The primary stack owns the us-east-1 estate and the us-west-2 landing zones its replication writes
    into (replica buckets, the DR backup vault, their keys), so that stacks come up primary then dr
    with no cycle. The dr stack touches only its own region: a failover never needs us-east-1.
    """
    if settings.role == "primary":
        return [settings.regions.primary, settings.regions.dr]
    return [settings.regions.dr]


def regional_providers(settings: StackSettings) -> dict[str, aws.Provider]:
    """One `aws` provider per region, pinned to the account so stray credentials cannot apply elsewhere."""
    return {
        region: aws.Provider(
            f"aws-{region}",
            region=region,
            allowed_account_ids=[settings.account_id],
            opts=pulumi.ResourceOptions(),
        )
        for region in stack_regions(settings)
    }
