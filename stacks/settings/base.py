"""Shared building blocks for settings sections: strict camelCase models and value validators."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Section(BaseModel):
    """A settings section: unknown keys are refused, keys are camelCase as in the stack files."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )


# ---- durations ("30 min", "1 hour", "720h") --------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)\s*$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def duration_minutes(text: str) -> int:
    """Minutes in a runbook-style duration such as "30 min", "1 hour" or "4h"."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError('a duration such as "30 min", "1 hour" or "4h"')
    return int(match.group(1)) * _UNIT_MINUTES[match.group(2)[0]]


def _check_duration(text: str) -> str:
    duration_minutes(text)
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]


# ---- cron --------------------------------------------------------------------------------------

_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_DOW_NAMES = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _field_ok(field: str, low: int, high: int) -> bool:
    for name, number in _DOW_NAMES.items():
        field = field.replace(name, str(number))
    if not _CRON_FIELD.match(field):
        return False
    numbers = [int(n) for n in re.findall(r"\d+", re.sub(r"/\d+", "", field))]
    return all(low <= n <= high for n in numbers)


def _check_cron(text: str) -> str:
    """A five-field UTC cron expression as Velero and Kubernetes read it."""
    fields = str(text).split()
    if len(fields) != 5 or not all(_field_ok(f, lo, hi) for f, (lo, hi) in zip(fields, _CRON_RANGES, strict=True)):
        raise ValueError('a five-field cron expression in UTC, e.g. "0 2 * * *"')
    return text


Cron = Annotated[str, AfterValidator(_check_cron)]

_AWS_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")


def _check_aws_cron(text: str) -> str:
    """An AWS schedule expression cron(min hour day-of-month month day-of-week year)."""
    match = _AWS_CRON.match(str(text))
    problem = 'an AWS cron expression, e.g. "cron(0 2 ? * SUN *)"'
    if not match:
        raise ValueError(problem)
    minute, hour, dom, month, dow, _year = match.groups()
    if (dom == "?") == (dow == "?"):
        raise ValueError(problem + " with exactly one of day-of-month and day-of-week set to ?")
    checks = [(minute, 0, 59), (hour, 0, 23), (month, 1, 12)]
    if dom != "?":
        checks.append((dom, 1, 31))
    if dow != "?":
        checks.append((dow.upper(), 0, 7))
    if not all(_field_ok(f, lo, hi) for f, lo, hi in checks):
        raise ValueError(problem)
    return text


AwsCron = Annotated[str, AfterValidator(_check_aws_cron)]


# ---- time windows --------------------------------------------------------------------------

_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def daily_window_minutes(text: str) -> tuple[int, int]:
    """(start, end) minutes after midnight UTC of an "HH:MM-HH:MM" window; end may wrap past midnight."""
    match = _WINDOW.match(str(text))
    if not match:
        raise ValueError('a daily UTC window "HH:MM-HH:MM" of at least 30 minutes, e.g. "03:00-06:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if (end - start) % 1440 < 30:
        raise ValueError('a daily UTC window "HH:MM-HH:MM" of at least 30 minutes, e.g. "03:00-06:00"')
    return start, end


def weekly_window_minutes(text: str) -> tuple[int, int]:
    """(start, end) minutes after Monday 00:00 UTC of a "ddd:HH:MM-ddd:HH:MM" window."""
    match = _WEEKLY_WINDOW.match(str(text))
    if not match:
        raise ValueError('a weekly UTC window "ddd:HH:MM-ddd:HH:MM" of at least 30 minutes, e.g. "sun:07:00-sun:08:00"')
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = _DAYS.index(d1) * 1440 + int(h1) * 60 + int(m1)
    end = _DAYS.index(d2) * 1440 + int(h2) * 60 + int(m2)
    if (end - start) % (7 * 1440) < 30:
        raise ValueError('a weekly UTC window "ddd:HH:MM-ddd:HH:MM" of at least 30 minutes, e.g. "sun:07:00-sun:08:00"')
    return start, end


def _check_daily(text: str) -> str:
    daily_window_minutes(text)
    return text


def _check_weekly(text: str) -> str:
    weekly_window_minutes(text)
    return text


DailyWindow = Annotated[str, AfterValidator(_check_daily)]
WeeklyWindow = Annotated[str, AfterValidator(_check_weekly)]


def weekly_overlaps_daily(weekly: str, daily: str) -> bool:
    """Whether a weekly window intersects a daily window on any day."""
    w_start, w_end = weekly_window_minutes(weekly)
    d_start, d_end = daily_window_minutes(daily)
    week = 7 * 1440
    w_len = (w_end - w_start) % week
    d_len = (d_end - d_start) % 1440
    weekly_minutes = {(w_start + i) % week for i in range(w_len)}
    return any(((day * 1440 + d_start + i) % week) in weekly_minutes for day in range(7) for i in range(d_len))


# ---- names ---------------------------------------------------------------------------------

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _check_label(text: str) -> str:
    if not _DNS_LABEL.match(str(text)):
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
