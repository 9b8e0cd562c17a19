"""Doctor rows "site values" and "account": no example value left, and the caller is in the stack's account."""

from __future__ import annotations

from drctl.ops.aws import client
from drctl.ops.checks import FAIL, PASS, WARN, Check
from drctl.ops.doctor_context import Context
from stacks.settings.site import Site

SITE_VALUES = "site values"
ACCOUNT = "account"


def site_labels(ctx: Context) -> list[str]:
    return [f"site.{key}" for key in sorted_examples(ctx)] or [SITE_VALUES]


def sorted_examples(ctx: Context) -> list[str]:
    """The example keys in the order the site block lists them."""
    return [key for key in _descriptions() if key in ctx.examples]


def _descriptions() -> dict[str, str]:
    return {(field.alias or name): str(field.description) for name, field in Site.model_fields.items()}


def site_rows(ctx: Context) -> list[Check]:
    """One FAIL per site key that still holds the example value, saying what to put there (offline)."""
    if not ctx.examples:
        return [Check(SITE_VALUES, PASS, f"no example value among the {len(_descriptions())} site keys of {ctx.stack_file.name}")]
    descriptions = _descriptions()
    return [Check(f"site.{key}", FAIL, f"example value: replace it with your account's: {descriptions[key]}") for key in sorted_examples(ctx)]


def account_row(ctx: Context) -> Check:
    """`sts get-caller-identity` (the stack's regional endpoint) names the stack's account."""
    identity = client("sts", ctx.region).get_caller_identity()
    caller, arn = str(identity.get("Account")), identity.get("Arn")
    if "accountId" in ctx.examples:
        return Check(ACCOUNT, WARN, f"not checked: site.accountId is an example value; the caller {arn} is in account {caller}")
    wanted = ctx.settings.account_id
    if caller != wanted:
        return Check(ACCOUNT, FAIL, f"the caller {arn} is in account {caller}, but the stack deploys into {wanted} (site.accountId): "
                                    f"use credentials for {wanted}")
    return Check(ACCOUNT, PASS, f"the caller {arn} is in {caller}, the stack's account (site.accountId)")
