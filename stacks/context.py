"""What every part of the program is handed: validated settings, one AWS provider per region, the network."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.network import Network
from stacks.settings import StackSettings


@dataclass(frozen=True)
class StackContext:
    settings: StackSettings
    providers: Mapping[str, aws.Provider]  # one per region the stack touches (stacks/providers.py)
    network: Network  # the stack's own region's network
    # A secret `pagerduty:token`, or None: the PagerDuty provider then reads PAGERDUTY_TOKEN itself.
    pagerduty_token: pulumi.Output[str] | None = None

    def provider(self, region: str) -> aws.Provider:
        """The explicit provider of a region; asking for an undeclared region is a programming error."""
        return self.providers[region]

    def opts(self, region: str | None = None) -> pulumi.ResourceOptions:
        """Resource options binding a component to the provider of `region` (default: the stack's region)."""
        return pulumi.ResourceOptions(provider=self.provider(region or self.settings.region))
