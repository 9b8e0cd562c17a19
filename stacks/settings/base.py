"""Shared building blocks for settings sections: strict camelCase models and value validators."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from .cron import check_aws_backup_cron, check_velero_cron


class Section(BaseModel):
    """A settings section: unknown keys are refused, keys are camelCase as in the stack files."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _strict_scalars(cls, value: Any, info: ValidationInfo) -> Any:
        """Booleans are true or false, integers are integers: pydantic's lax mode would take "yes", "on" or 1
        for a bool and true for an integer, so `failover: 1` would fail over."""
        field = cls.model_fields[info.field_name] if info.field_name else None
        if field is None:
            return value
        kind = _scalar_kind(field.annotation)
        if kind is bool and not (isinstance(value, bool) or value in ("true", "false")):
            raise ValueError("true or false")
        if kind is int and isinstance(value, bool):
            raise ValueError(integer_text(field.metadata))
        return value


def _scalar_kind(annotation: Any) -> type | None:
    """bool or int for a field of that type (or an optional one), else None."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    args = [a for a in typing.get_args(annotation) if a is not type(None)] if union else [annotation]
    if len(args) == 1 and args[0] in (bool, int):
        return typing.cast(type, args[0])
    return None


def integer_text(metadata: list[Any]) -> str:
    """What an integer field allows, in the words of its bounds: "an integer from 1 to 35"."""
    low = next((m.ge for m in metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in metadata if getattr(m, "le", None) is not None), None)
    if low is not None and high is not None:
        return f"an integer from {low} to {high}" if low != high else f"exactly {low}"
    return "an integer"


def refused(allowed: str) -> Callable[[Any], Any]:
    """A validator that refuses with `allowed` when its check returns False."""

    def decorator(check: Callable[[Any], bool]) -> Callable[[Any], Any]:
        def validate(value: Any) -> Any:
            if not check(value):
                raise ValueError(allowed)
            return value

        validate.__doc__ = allowed
        return validate

    return decorator


def matching(pattern: str, allowed: str) -> Any:
    """The validator of a string that must match `pattern` (full match), refused with `allowed`:
    `Annotated[str, matching(...)]`."""
    compiled = re.compile(pattern, re.ASCII)  # \d and \w as AWS reads them: ASCII digits and letters only
    return AfterValidator(refused(allowed)(lambda text: bool(compiled.fullmatch(str(text)))))


def quoted_text(example: str) -> Callable[[Any], Any]:
    """A before-validator for a version-like string written as a YAML number (`1.30` reads as 1.3): refused
    with how to quote it."""

    def check(value: Any) -> Any:
        if isinstance(value, bool) or isinstance(value, (int, float)):
            raise ValueError(f"a string: quote it, {example} (a YAML number loses digits: 1.30 reads as 1.3)")
        return value

    return check


# ---- durations ("30 min", "1 hour", "720h") --------------------------------------------------

_DURATION = re.compile(r" *([0-9]+) *(m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days) *", re.ASCII)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def duration_minutes(text: str) -> int:
    """Minutes in a runbook-style duration such as "30 min", "1 hour" or "4h"."""
    match = _DURATION.fullmatch(str(text))
    if not match:
        raise ValueError('a duration such as "30 min", "1 hour" or "4h"')
    return int(match.group(1)) * _UNIT_MINUTES[match.group(2)[0]]


def _check_duration(text: str) -> str:
    if duration_minutes(text) == 0:
        raise ValueError('a duration above zero, such as "5 min" (no recovery takes no time or loses no data)')
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]


# ---- cron (stacks/settings/cron.py: each dialect as its consumer parses it) ----------------------


def _check_cron(text: str) -> str:
    """A Velero schedule: five fields as robfig/cron v3 ParseStandard reads them, in UTC, that fires."""
    return check_velero_cron(str(text))


Cron = Annotated[str, AfterValidator(_check_cron)]


def _check_aws_cron(text: str) -> str:
    """An AWS Backup rule's schedule: cron(min hour day-of-month month day-of-week year), at most hourly, that fires."""
    return check_aws_backup_cron(str(text))


AwsCron = Annotated[str, AfterValidator(_check_aws_cron)]


# ---- time windows (AWS's formats: hh24:mi-hh24:mi and ddd:hh24:mi-ddd:hh24:mi, UTC) ----------------

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _daily_text(minimum: int) -> str:
    return f'a daily UTC window "HH:MM-HH:MM" of at least {minimum} minutes, e.g. "03:00-06:00"'


def _weekly_text(minimum: int) -> str:
    return f'a weekly UTC window "ddd:HH:MM-ddd:HH:MM" of at least {minimum} minutes, e.g. "sun:07:00-sun:08:00"'


def daily_window_minutes(text: str, minimum: int = 30) -> tuple[int, int]:
    """(start, end) minutes after midnight UTC of an "HH:MM-HH:MM" window; end may wrap past midnight."""
    match = _WINDOW.fullmatch(str(text))
    if not match:
        raise ValueError(_daily_text(minimum))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if (end - start) % 1440 < minimum:
        raise ValueError(_daily_text(minimum))
    return start, end


def weekly_window_minutes(text: str, minimum: int = 30) -> tuple[int, int]:
    """(start, end) minutes after Monday 00:00 UTC of a "ddd:HH:MM-ddd:HH:MM" window."""
    match = _WEEKLY_WINDOW.fullmatch(str(text))
    if not match:
        raise ValueError(_weekly_text(minimum))
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = _DAYS.index(d1) * 1440 + int(h1) * 60 + int(m1)
    end = _DAYS.index(d2) * 1440 + int(h2) * 60 + int(m2)
    if (end - start) % (7 * 1440) < minimum:
        raise ValueError(_weekly_text(minimum))
    return start, end


def _daily(minimum: int) -> Any:
    def check(text: str) -> str:
        daily_window_minutes(text, minimum)
        return text

    return AfterValidator(check)


def _weekly(minimum: int) -> Any:
    def check(text: str) -> str:
        weekly_window_minutes(text, minimum)
        return text

    return AfterValidator(check)


# RDS (CreateDBInstance PreferredBackupWindow / PreferredMaintenanceWindow): "Must be at least 30 minutes".
DailyWindow = Annotated[str, _daily(30)]
WeeklyWindow = Annotated[str, _weekly(30)]
# ElastiCache (CreateReplicationGroup): a snapshot window of at least 60 minutes ("Snapshot window must be at
# least 60 minutes", InvalidParameterValue, terraform-provider-aws #2153) and "The minimum maintenance window is
# a 60 minute period".
DailyWindow60 = Annotated[str, _daily(60)]
WeeklyWindow60 = Annotated[str, _weekly(60)]


def weekly_overlaps_daily(weekly: str, daily: str) -> bool:
    """Whether a weekly window intersects a daily window on any day."""
    w_start, w_end = weekly_window_minutes(weekly, 0)
    d_start, d_end = daily_window_minutes(daily, 0)
    week = 7 * 1440
    w_len = (w_end - w_start) % week
    d_len = (d_end - d_start) % 1440
    weekly_minutes = {(w_start + i) % week for i in range(w_len)}
    return any(((day * 1440 + d_start + i) % week) in weekly_minutes for day in range(7) for i in range(d_len))


# ---- names ---------------------------------------------------------------------------------

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _check_label(text: str) -> str:
    if not _DNS_LABEL.fullmatch(str(text)):
        raise ValueError("a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)")
    return text


Label = Annotated[str, AfterValidator(_check_label)]

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
    "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-south-1", "sa-east-1",
)


def _check_region(text: str) -> str:
    if text not in REGIONS:
        raise ValueError("an AWS region code such as us-east-1 or us-west-2")
    return text


Region = Annotated[str, AfterValidator(_check_region)]


# ---- cloud names ---------------------------------------------------------------------------------

# RDS DB instance identifier (CreateDBInstance DBInstanceIdentifier): 1-63 letters, digits or hyphens, a
# letter first, no two consecutive hyphens, no hyphen last. Lowercase: RDS stores it lowercase, so an
# uppercase one would show as a change on every `pulumi up`.
DbIdentifier = Annotated[str, matching(
    r"[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)",
    "an RDS instance identifier: 1-63 lowercase letters, digits or hyphens, a letter first, no '--', no '-' last",
)]


def _check_hostname(text: str) -> str:
    if not re.fullmatch(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", str(text), re.ASCII):
        raise ValueError("a lowercase DNS name, e.g. api.aivo.edu")
    return text


DnsName = Annotated[str, AfterValidator(_check_hostname)]




def distinct(items: list[Any]) -> list[Any]:
    """The first item listed twice, or []."""
    seen: list[Any] = []
    for item in items:
        if item in seen:
            return [item]
        seen.append(item)
    return []


def no_repeats(what: str) -> Any:
    """An after-validator for a list: refused when an item is listed twice."""

    def check(values: list[Any]) -> list[Any]:
        if not isinstance(values, list):
            raise ValueError(f"a list of {what}, each listed once")
        twice = distinct(values)
        if twice:
            raise ValueError(f"{what}, each listed once ({twice[0]} is listed twice)")
        return values

    return AfterValidator(check)
