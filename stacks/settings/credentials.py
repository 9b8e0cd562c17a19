"""Credentials the program hands a provider: never in plain text in a file, a plan or the state.

The PagerDuty token reaches the provider one of two ways: the PAGERDUTY_TOKEN environment variable, which
the provider reads itself (the deploy runner sets it from Secrets Manager; nothing of it enters the program
or the state), or `pagerduty:token` set with `pulumi config set --secret` (encrypted in the stack file and in
state). A plain-text `pagerduty:token` is refused before anything is declared.
"""

from __future__ import annotations

import pulumi
import pulumi.runtime

from .errors import SettingsError

PAGERDUTY_TOKEN = "pagerduty:token"


def pagerduty_token() -> pulumi.Output[str] | None:
    """The token from stack config as a secret Output, or None (the provider then reads PAGERDUTY_TOKEN)."""
    if PAGERDUTY_TOKEN not in pulumi.runtime.get_config_env():
        return None
    if not pulumi.runtime.is_config_secret(PAGERDUTY_TOKEN):
        raise SettingsError(PAGERDUTY_TOKEN, "[plain text]", "a secret: `pulumi config set --secret pagerduty:token` "
                            "(or leave it unset and export PAGERDUTY_TOKEN)")
    return pulumi.Config("pagerduty").require_secret("token")
