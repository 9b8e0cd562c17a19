"""What every part of the program is handed: validated settings, one AWS provider per region, the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.network import Network
from stacks.settings import StackSettings


@dataclass
class StackContext:
    settings: StackSettings
    providers: dict[str, aws.Provider]
    network: Network
    # Typed results of earlier parts (data, compute, ...) by part name, for later parts to use.
    parts: dict[str, Any] = field(default_factory=dict)

    def provider(self, region: str) -> aws.Provider:
        """The explicit provider of a region; asking for an undeclared region is a programming error."""
        return self.providers[region]

    def opts(self, region: str | None = None, **extra: Any) -> pulumi.ResourceOptions:
        """Resource options binding a component to the provider of `region` (default: the stack's region)."""
        return pulumi.ResourceOptions(provider=self.provider(region or self.settings.region), **extra)
