"""The runbook's figures and the flag checks every ops command shares; no AWS SDK here, so `drctl --help`
and `drctl plan` do not pay for importing boto3."""

from __future__ import annotations

import math
import re

from drctl.errors import UsageError
from stacks.settings.base import REGIONS
from stacks.settings.stack import StackSettings
from stacks.settings.storage import BUCKET_NAME, bucket_name_ok

DRILL_SCHEMA = "aivo-dr/drill@1"
SCENARIOS = ("region-failover", "database-pitr", "service-restore")


def runbook(stack: str = "dr") -> StackSettings:
    """The runbook's figures and the site, as the stack's settings hold them (Pulumi.<stack>.yaml)."""
    from drctl.stack_settings import stack_settings

    return stack_settings(stack)


def check_region(flag: str, value: str) -> str:
    if value not in REGIONS:
        raise UsageError(flag, value, "an AWS region code such as us-east-1 or us-west-2")
    return value


def check_distinct_regions(primary_flag: str, primary: str, dr_flag: str, dr: str) -> None:
    check_region(primary_flag, primary)
    check_region(dr_flag, dr)
    if primary == dr:
        raise UsageError(dr_flag, dr, f"a region other than {primary_flag} ({primary})")


_IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def check_identifier(flag: str, value: str) -> str:
    if not _IDENTIFIER.fullmatch(value) or value.endswith("-") or "--" in value:
        raise UsageError(flag, value, "an RDS identifier: a lowercase letter, then letters, digits or single hyphens (at most 63)")
    return value


def check_bucket(flag: str, value: str) -> str:
    """An S3 bucket name as S3 would accept it (the settings' own rule), refused before any AWS call."""
    if not bucket_name_ok(value):
        raise UsageError(flag, value, BUCKET_NAME)
    return value


_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")


def protected_identifiers() -> set[str]:
    db = runbook().database
    return {db.identifier, db.replica_identifier}


def check_throwaway(flag: str, value: str, prefix: str) -> str:
    """Only a throw-away identifier (prefix, never a production one) may be created and deleted by a test."""
    if value in protected_identifiers() or not re.fullmatch(rf"{re.escape(prefix)}(-[a-z0-9]+)*", value):
        raise UsageError(flag, value, f"a throw-away identifier starting with {prefix} (never {' or '.join(sorted(protected_identifiers()))})")
    return value


def check_instance_class(flag: str, value: str) -> str:
    if not _INSTANCE_CLASS.fullmatch(value):
        raise UsageError(flag, value, "an RDS instance class such as db.r6g.large")
    return value


def check_number(flag: str, text: str, low: float, high: float, unit: str) -> float:
    """A flag's number within [low, high]: zero, negative, NaN, infinite and out-of-range values are refused."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and low <= number <= high):
        raise UsageError(flag, text, f"a number of {unit} from {low:g} to {high:g}")
    return number


# The numeric flags of the ops commands: (low, high, unit). A poll faster than a second only spends the
# API's rate limit; a wait shorter than a minute cannot see an RDS instance restored or promoted.
TIMEOUT_MINUTES = (1.0, 24 * 60.0, "minutes")
POLL_SECONDS = (1.0, 600.0, "seconds")
