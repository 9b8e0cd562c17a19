"""What every part of the program is handed: validated settings, one AWS provider per region, the network."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kms import KeyAccess
from components.network import Network
from stacks.contracts import LogsRef
from stacks.settings import StackSettings


def key_access(settings: StackSettings) -> KeyAccess:
    """Who administers the stack's KMS keys: the on-call roles and the stack's deploy runner (manage, never use).

    They are named through `aws:PrincipalArn` (components/kms.py), so the runner's role need not exist before the
    keys do; KMS refuses a key whose policy would lock out its creator, so the first `pulumi up` runs as one of them.
    """
    from stacks.deploy_runner import runner_arns

    runner = [runner_arns(settings)[1]] if settings.runner.enabled else []
    return KeyAccess(account_id=settings.account_id, administrators=tuple(sorted({*settings.site.on_call_role_arns, *runner})))


@dataclass(frozen=True)
class StackContext:
    settings: StackSettings
    providers: Mapping[str, aws.Provider]  # one per region the stack touches (stacks/providers.py)
    network: Network  # the stack's own region's network
    keys: KeyAccess  # who administers the stack's KMS keys (every key's policy names them)
    logs: LogsRef  # the log buckets by region (declared first by the primary stack; the dr stack delivers into them)
    # A secret `pagerduty:token`, or None: the PagerDuty provider then reads PAGERDUTY_TOKEN itself.
    pagerduty_token: pulumi.Output[str] | None = None

    def provider(self, region: str) -> aws.Provider:
        """The explicit provider of a region; asking for an undeclared region is a programming error."""
        return self.providers[region]

    def opts(self, region: str | None = None) -> pulumi.ResourceOptions:
        """Resource options binding a component to the provider of `region` (default: the stack's region)."""
        return pulumi.ResourceOptions(provider=self.provider(region or self.settings.region))
