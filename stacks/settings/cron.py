"""Cron expressions, read exactly as their consumers read them, and refused when they would never fire.

Two dialects, two consumers:

- Velero `Schedule.spec.schedule`: Velero's schedule controller validates it with robfig/cron v3
  `cron.ParseStandard` (vmware-tanzu/velero pkg/controller/schedule_controller.go, parseCronSchedule) and a
  schedule that does not parse is left in phase FailedValidation: no backup is ever taken. The rules below
  are robfig/cron v3 parser.go (`Parse`, `getField`, `getRange`, `parseIntOrName`, `mustParseInt`) and
  spec.go (`bounds`: day-of-week is 0-6, so the 7 many crons take for Sunday is refused; `dayMatches`: when
  day-of-month or day-of-week starts with `*` or `?`, both must match, else either).
- AWS Backup `ScheduleExpression`: `cron(minutes hours day-of-month month day-of-week year)` with the
  EventBridge rules ("Schedule expressions for rules", Amazon EventBridge User Guide): day-of-week 1-7
  (1 = SUN), exactly one of day-of-month and day-of-week is `?`, `L`/`W` in day-of-month, `L`/`#` in
  day-of-week, no `/` in day-of-week, year 1970-2199. AWS Backup runs snapshot backups "as frequently as
  hourly" at most (AWS Backup Developer Guide, "Backup plan options and configuration", Backup frequency),
  so the minutes field must name one minute.

"Never fires": both parsers accept `0 0 31 2 *` (February 31st); robfig/cron's `Next` then searches five
years, finds nothing and returns the zero time. Such a schedule is refused here, as is one that fires less
than once in five years (robfig/cron gives up after five years), and an AWS schedule whose years are over.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass

# ---- Velero: robfig/cron v3, ParseStandard ----------------------------------------------------------

VELERO_EXAMPLE = 'a five-field cron expression in UTC as Velero reads it, e.g. "0 2 * * *"'

_MONTH_NAMES = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DOW_NAMES = {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


@dataclass(frozen=True)
class _Bounds:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


# robfig/cron v3 spec.go: minutes, hours, dom, months, dow.
_ROBFIG_FIELDS = (
    _Bounds("minute", 0, 59),
    _Bounds("hour", 0, 23),
    _Bounds("day-of-month", 1, 31),
    _Bounds("month", 1, 12, _MONTH_NAMES),
    _Bounds("day-of-week", 0, 6, _DOW_NAMES),
)

# ParseStandard's descriptors. `@every` is refused (below), the others are fixed UTC times.
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}


class CronError(ValueError):
    """Why an expression is refused, as the end of a settings message."""


@dataclass(frozen=True)
class _Field:
    values: frozenset[int]
    star: bool  # starts with * or ? (robfig's starBit)


def _go_atoi(text: str, field: _Bounds) -> int:
    """strconv.Atoi then robfig's mustParseInt: an optional sign, decimal digits, not negative."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise CronError(f'{VELERO_EXAMPLE}; the {field.name} field has "{text}", not a number')
    number = int(text)
    if number < 0:
        raise CronError(f"{VELERO_EXAMPLE}; negative numbers are not allowed ({text})")
    return number


def _int_or_name(text: str, field: _Bounds) -> int:
    if field.names is not None and text.lower() in field.names:
        return field.names[text.lower()]
    return _go_atoi(text, field)


def _robfig_range(expr: str, field: _Bounds) -> _Field:
    """robfig/cron v3 getRange: number | number "-" number [ "/" number ], or * / ? [ "/" number ]."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    star = low_and_high[0] in ("*", "?")
    if star:
        start, end = field.low, field.high
    else:
        start = _int_or_name(low_and_high[0], field)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], field)
        else:
            raise CronError(f'{VELERO_EXAMPLE}; too many hyphens in "{expr}"')
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _go_atoi(range_and_step[1], field)
        if len(low_and_high) == 1:  # "N/step" means "N-max/step"
            end = field.high
        if step > 1:  # robfig/cron v3: "*/2" is no longer every day (parser.go getRange clears the star bit)
            star = False
    else:
        raise CronError(f'{VELERO_EXAMPLE}; too many slashes in "{expr}"')
    if start < field.low or end > field.high:
        raise CronError(f'{VELERO_EXAMPLE}; the {field.name} field takes {field.low}-{field.high} ("{expr}")')
    if start > end:
        raise CronError(f'{VELERO_EXAMPLE}; the {field.name} range "{expr}" begins after it ends')
    if step == 0:
        raise CronError(f'{VELERO_EXAMPLE}; a step of 0 in "{expr}"')
    return _Field(frozenset(range(start, end + 1, step)), star)


def _robfig_field(text: str, field: _Bounds) -> _Field:
    """robfig/cron v3 getField: ranges separated by commas (empty parts are skipped, as strings.FieldsFunc does)."""
    values: set[int] = set()
    star = False
    for expr in (part for part in text.split(",") if part):
        parsed = _robfig_range(expr, field)
        values |= parsed.values
        star = star or parsed.star
    return _Field(frozenset(values), star)


def parse_velero(text: str) -> tuple[_Field, ...]:
    """The five fields of a Velero schedule, parsed as robfig/cron v3 ParseStandard parses them."""
    spec = str(text)
    if not spec:
        raise CronError(VELERO_EXAMPLE)
    if spec.startswith(("TZ=", "CRON_TZ=")):
        raise CronError(f"{VELERO_EXAMPLE}; no TZ= prefix: the runbook's times are UTC")
    if spec.startswith("@"):
        if spec.startswith("@every"):
            raise CronError(f"{VELERO_EXAMPLE}; not @every: it counts from the last backup, not a time of day")
        if spec not in _DESCRIPTORS:
            raise CronError(f"{VELERO_EXAMPLE}; a descriptor is one of {', '.join(_DESCRIPTORS)}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"{VELERO_EXAMPLE}; exactly 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}")
    parsed = tuple(_robfig_field(f, b) for f, b in zip(fields, _ROBFIG_FIELDS, strict=True))
    if not parsed[0].values or not parsed[1].values:
        raise CronError(f'{VELERO_EXAMPLE}; "{text}" names no minute or no hour, so it never fires')
    return parsed


def _day_matches(dom: _Field, dow: _Field, day: datetime.date) -> bool:
    """robfig/cron v3 spec.go dayMatches (Go's Weekday: Sunday is 0)."""
    dom_match = day.day in dom.values
    dow_match = (day.isoweekday() % 7) in dow.values
    if dom.star or dow.star:
        return dom_match and dow_match
    return dom_match or dow_match


# Every weekday/leap-year combination repeats within 28 years; a 29-year span also covers the gap across its end.
_SPAN_START = datetime.date(2001, 1, 1)
_SPAN_DAYS = (datetime.date(2058, 1, 1) - _SPAN_START).days


def _fires_every_five_years(matches: list[datetime.date]) -> bool:
    if not matches:
        return False
    gaps = [(b - a).days for a, b in zip(matches, matches[1:], strict=False)]
    return max(gaps, default=0) <= 5 * 365


def _weekly_gap(dom: _Field, month: _Field, dow: _Field) -> int | None:
    """The longest gap in days, without walking the calendar, for the schedules the runbook uses: every month and
    every day of the month (robfig: a `*` day-of-month leaves the day-of-week alone to decide). None otherwise."""
    if len(month.values) != 12 or not dom.star or not dow.values:
        return None
    days = sorted(dow.values)
    return max(b - a for a, b in zip(days, [*days[1:], days[0] + 7], strict=True))


def check_velero_cron(text: str) -> str:
    """`text` if Velero takes it and it fires; else CronError with what is allowed."""
    _minute, _hour, dom, month, dow = parse_velero(text)
    if _weekly_gap(dom, month, dow) is not None:
        return text  # fires at least weekly
    matches = [
        day for day in (_SPAN_START + datetime.timedelta(days=n) for n in range(_SPAN_DAYS))
        if day.month in month.values and _day_matches(dom, dow, day)
    ]
    if not matches:
        raise CronError(f'{VELERO_EXAMPLE}; "{text}" matches no date (e.g. February 31st), so it never fires')
    if not _fires_every_five_years(matches):
        raise CronError(f'{VELERO_EXAMPLE}; "{text}" fires less than once in 5 years, which robfig/cron treats as never')
    return text


check_velero_cron = functools.cache(check_velero_cron)  # wrapped here, not decorated: mutmut mutates check_velero_cron (docs/testing.md)


def velero_max_gap_days(text: str) -> int:
    """The longest run of days, over a full 28-year cycle, from one day a valid Velero schedule fires on to the next."""
    _minute, _hour, dom, month, dow = parse_velero(text)
    quick = _weekly_gap(dom, month, dow)
    if quick is not None:
        return quick
    matches = [
        day for day in (_SPAN_START + datetime.timedelta(days=n) for n in range(_SPAN_DAYS))
        if day.month in month.values and _day_matches(dom, dow, day)
    ]
    return max((b - a).days for a, b in zip(matches, matches[1:], strict=False))


velero_max_gap_days = functools.lru_cache(maxsize=64)(velero_max_gap_days)  # wrapped here, not decorated: mutmut mutates velero_max_gap_days (docs/testing.md)


def velero_max_gap_seconds(text: str) -> int:
    """The longest time, over a full 28-year cycle, between two consecutive runs of a valid Velero schedule: what
    the newest backup can be behind when a failover restores it (the RPO of what it restores)."""
    minute, hour, dom, month, dow = parse_velero(text)
    times = sorted(h * 60 + m for h in hour.values for m in minute.values)
    inside = max((b - a for a, b in zip(times, times[1:], strict=False)), default=0)
    days = [day for day in (_SPAN_START + datetime.timedelta(days=n) for n in range(_SPAN_DAYS))
            if day.month in month.values and _day_matches(dom, dow, day)]
    across = max(((b - a).days * 1440 + times[0] - times[-1] for a, b in zip(days, days[1:], strict=False)), default=0)
    return max(inside, across) * 60


velero_max_gap_seconds = functools.cache(velero_max_gap_seconds)  # wrapped here, not decorated: mutmut mutates velero_max_gap_seconds (docs/testing.md)


# ---- AWS Backup: cron(minutes hours day-of-month month day-of-week year) ------------------------------

AWS_EXAMPLE = 'an AWS cron expression "cron(minutes hours day-of-month month day-of-week year)" in UTC, e.g. "cron(0 2 ? * SUN *)"'

_AWS_CRON = re.compile(r"^cron\(([^()]*)\)$")
_AWS_DOW_NAMES = {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"], start=1)}
_AWS_MIN_YEAR, _AWS_MAX_YEAR = 1970, 2199


def _aws_error(detail: str) -> CronError:
    return CronError(f"{AWS_EXAMPLE}; {detail}")


def _aws_number(text: str, field: str, low: int, high: int, names: dict[str, int] | None = None) -> int:
    if names is not None and text.lower() in names:
        return names[text.lower()]
    if not re.fullmatch(r"[0-9]+", text):
        raise _aws_error(f'the {field} field has "{text}", not a number')
    number = int(text)
    if not low <= number <= high:
        raise _aws_error(f"the {field} field takes {low}-{high} ({text})")
    return number


def _aws_simple(text: str, field: str, low: int, high: int, names: dict[str, int] | None = None,
                steps: bool = True) -> set[int]:
    """A comma list of *, N, N-M, and (where the field allows /) */S, N/S, N-M/S."""
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise _aws_error(f'an empty item in the {field} field ("{text}")')
        base, slash, step_text = part.partition("/")
        if slash and not steps:
            raise _aws_error(f"no / in the {field} field")
        step = _aws_number(step_text, field, 1, high) if slash else 1
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _aws_number(first, field, low, high, names), _aws_number(last, field, low, high, names)
            if start > end:
                raise _aws_error(f'the {field} range "{base}" begins after it ends')
        else:
            start = _aws_number(base, field, low, high, names)
            end = high if slash else start
        values |= set(range(start, end + 1, step))
    return values


@dataclass(frozen=True)
class AwsCronSpec:
    minutes: set[int]
    hours: set[int]
    dom: str  # the raw field; matched per date (L, W)
    months: set[int]
    dow: str  # the raw field; matched per date (L, #)
    years: set[int]


def parse_aws(text: str) -> AwsCronSpec:
    match = _AWS_CRON.match(str(text))
    if not match:
        raise CronError(AWS_EXAMPLE)
    fields = match.group(1).split(" ")
    if len(fields) != 6 or not all(fields):
        raise _aws_error("6 fields separated by single spaces")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise _aws_error("exactly one of day-of-month and day-of-week is ?")
    months = _aws_simple(month, "month", 1, 12, _MONTH_NAMES)
    years = _aws_simple(year, "year", _AWS_MIN_YEAR, _AWS_MAX_YEAR)
    if dom != "?":
        _check_aws_dom(dom)
    if dow != "?":
        _check_aws_dow(dow)
    minutes = _aws_simple(minute, "minutes", 0, 59)
    hours = _aws_simple(hour, "hours", 0, 23)
    return AwsCronSpec(minutes, hours, dom, months, dow, years)


def _check_aws_dom(dom: str) -> None:
    if dom == "L" or re.fullmatch(r"[0-9]+W", dom):
        if dom != "L":
            _aws_number(dom[:-1], "day-of-month", 1, 31)
        return
    if "L" in dom or "W" in dom:
        raise _aws_error('L and NW stand alone in the day-of-month field ("L", "15W")')
    _aws_simple(dom, "day-of-month", 1, 31)


def _check_aws_dow(dow: str) -> None:
    if dow == "L":
        return
    if "#" in dow:
        day, _, nth = dow.partition("#")
        _aws_number(day, "day-of-week", 1, 7, _AWS_DOW_NAMES)
        _aws_number(nth, "day-of-week #", 1, 5)
        return
    if dow.endswith("L") and len(dow) > 1:
        _aws_number(dow[:-1], "day-of-week", 1, 7, _AWS_DOW_NAMES)
        return
    if "L" in dow.upper():  # no day name has an L
        raise _aws_error('L stands alone or after one day in the day-of-week field ("L", "6L")')
    _aws_simple(dow, "day-of-week", 1, 7, _AWS_DOW_NAMES, steps=False)


def _aws_dom_matches(dom: str, day: datetime.date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if dom == "L":
        return day.day == last
    if dom.endswith("W"):
        target = int(dom[:-1])
        if target > last:
            return False
        nearest = datetime.date(day.year, day.month, target)
        if nearest.weekday() == 5:  # Saturday: the Friday before, or the Monday after on the 1st
            nearest += datetime.timedelta(days=-1 if target > 1 else 2)
        elif nearest.weekday() == 6:  # Sunday: the Monday after, or the Friday before on the last day
            nearest += datetime.timedelta(days=1 if target < last else -2)
        return day == nearest
    return day.day in _aws_simple(dom, "day-of-month", 1, 31)


def _aws_dow_matches(dow: str, day: datetime.date) -> bool:
    weekday = day.isoweekday() % 7 + 1  # AWS: 1 = SUN ... 7 = SAT
    last = calendar.monthrange(day.year, day.month)[1]
    if dow == "L":
        return weekday == 7
    if "#" in dow:
        name, _, nth = dow.partition("#")
        return weekday == _aws_number(name, "day-of-week", 1, 7, _AWS_DOW_NAMES) and (day.day - 1) // 7 + 1 == int(nth)
    if dow.endswith("L"):
        return weekday == _aws_number(dow[:-1], "day-of-week", 1, 7, _AWS_DOW_NAMES) and day.day + 7 > last
    return weekday in _aws_simple(dow, "day-of-week", 1, 7, _AWS_DOW_NAMES, steps=False)


def check_aws_backup_cron(text: str, today: datetime.date | None = None) -> str:
    """`text` if AWS Backup takes it as a backup rule's schedule and it fires; else CronError."""
    spec = parse_aws(text)
    if len(spec.minutes) != 1:
        raise _aws_error("one minute in the minutes field: AWS Backup runs a backup rule at most hourly")
    today = today or datetime.date.today()
    years = sorted(y for y in spec.years if y >= today.year)
    if not years:
        raise _aws_error(f'"{text}" names only past years, so it never fires')
    for year in years[:6]:
        day = datetime.date(year, 1, 1)
        while day.year == year:
            if day >= today and day.month in spec.months and (
                _aws_dom_matches(spec.dom, day) if spec.dom != "?" else _aws_dow_matches(spec.dow, day)
            ):
                return text
            day += datetime.timedelta(days=1)
    raise _aws_error(f'"{text}" matches no date (e.g. February 30th), so it never fires')


def aws_max_gap_days(text: str, today: datetime.date | None = None) -> int | None:
    """The longest run of days between two days a valid AWS schedule fires on, over the next 3 years of its
    year field; None when it fires on fewer than two days."""
    spec = parse_aws(text)
    today = today or datetime.date.today()
    matches = []
    day = today
    while day.year < today.year + 3:
        if day.year in spec.years and day.month in spec.months and (
            _aws_dom_matches(spec.dom, day) if spec.dom != "?" else _aws_dow_matches(spec.dow, day)
        ):
            matches.append(day)
        day += datetime.timedelta(days=1)
    if len(matches) < 2:
        return None
    return max((b - a).days for a, b in zip(matches, matches[1:], strict=False))


# ---- derived schedules: a time after another, the next run, the same time for GitHub Actions ---------------

_AWS_DOW_ORDER = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def _plain_days(dow: str) -> list[int]:
    """The days (1 = SUN ... 7 = SAT) of a day-of-week field made of days, lists and ranges only (no L, #)."""
    if dow == "?" or "L" in dow.upper() or "#" in dow:
        raise _aws_error(f'a day-of-week field of days, lists and ranges only (it has "{dow}")')
    return sorted(_aws_simple(dow, "day-of-week", 1, 7, _AWS_DOW_NAMES, steps=False))


def shift_aws_cron(text: str, minutes: int) -> str:
    """The schedule that fires `minutes` after each run of `text` (a valid AWS cron at one time of day).

    Used for what must follow a backup: the restore test and the verification workflow run once the weekly
    snapshot's completion window has passed. Only a schedule at one time of day can be shifted exactly;
    crossing midnight moves its days of the week, which needs a day-of-week schedule with plain days and
    every year (`*`). Anything else is refused (CronError) rather than approximated.
    """
    spec = parse_aws(text)
    fields = _AWS_CRON.match(text).group(1).split(" ")  # type: ignore[union-attr]
    if len(spec.minutes) != 1 or len(spec.hours) != 1:
        raise _aws_error("one minute and one hour (a schedule at one time of day) to run something after it")
    start = next(iter(spec.hours)) * 60 + next(iter(spec.minutes))
    total = start + minutes
    days, at = divmod(total, 1440)
    hour, minute = divmod(at, 60)
    dom, dow, year = fields[2], fields[4], fields[5]
    if days:
        if dom != "?" or fields[3] != "*" or year != "*":
            raise _aws_error("a day-of-week schedule for every month and year (day-of-month ?, month and year *) to run "
                             "something on the day after it")
        dow = ",".join(_AWS_DOW_ORDER[(day - 1 + days) % 7] for day in _plain_days(dow))
    return f"cron({minute} {hour} {dom} {fields[3]} {dow} {year})"


def aws_fire_times(text: str, after: datetime.datetime, count: int = 1) -> list[datetime.datetime]:
    """The next `count` times (UTC) an AWS cron schedule fires strictly after `after`, over the next six years."""
    spec = parse_aws(text)
    found: list[datetime.datetime] = []
    after = after.astimezone(datetime.UTC)
    day = after.date()
    while len(found) < count and day.year <= after.year + 6:
        if day.year in spec.years and day.month in spec.months and (
            _aws_dom_matches(spec.dom, day) if spec.dom != "?" else _aws_dow_matches(spec.dow, day)
        ):
            for hour in sorted(spec.hours):
                for minute in sorted(spec.minutes):
                    moment = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=datetime.UTC)
                    if moment > after and len(found) < count:
                        found.append(moment)
        day += datetime.timedelta(days=1)
    return found


def github_cron(text: str) -> str:
    """The same schedule for GitHub Actions (`on.schedule.cron`, POSIX five fields, UTC): AWS's day-of-week 1-7
    (SUN = 1) becomes 0-6 (SUN = 0), `?` becomes `*`. GitHub runs no L, W or # and no year: refused."""
    spec = parse_aws(text)
    fields = _AWS_CRON.match(text).group(1).split(" ")  # type: ignore[union-attr]
    minute, hour, dom, month, dow, year = fields
    if year != "*":
        raise _aws_error("every year (*): a GitHub Actions schedule has no year field")
    if "L" in dom.upper() or "W" in dom.upper():
        raise _aws_error("no L or W in day-of-month: GitHub Actions (POSIX cron) has neither")
    months = ",".join(str(m) for m in sorted(spec.months)) if month != "*" else "*"
    days = "*" if dow in ("?", "*") else ",".join(str(d - 1) for d in _plain_days(dow))
    return f"{minute} {hour} {'*' if dom == '?' else dom} {months} {days}"
