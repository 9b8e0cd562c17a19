"""When a five-field UTC cron schedule last fired: what a backup's age is judged against."""

from __future__ import annotations

from datetime import datetime, timedelta

_NAMES = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _field(text: str, low: int, high: int) -> set[int]:
    for name, number in _NAMES.items():
        text = text.upper().replace(name, str(number))
    values: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = int(base)
            end = high if step else start
        values.update(range(start, end + 1, int(step) if step else 1))
    return values


def previous_fire(cron: str, before: datetime) -> datetime:
    """The latest time at or before `before` (UTC, minute precision) that `cron` fires.

    Day-of-month and day-of-week follow cron's rule: when both are restricted, either one matching is enough.
    """
    fields = cron.split()
    minute, hour, dom, month, dow = (_field(f, lo, hi) for f, (lo, hi) in zip(fields, _RANGES, strict=True))
    if 7 in dow:
        dow.add(0)
    dom_any, dow_any = fields[2] == "*", fields[4] == "*"
    moment = before.replace(second=0, microsecond=0)
    # A year back covers every schedule Velero accepts that fires at all.
    for _ in range(366 * 24):
        day_ok_dom = moment.day in dom
        day_ok_dow = (moment.isoweekday() % 7) in dow
        day_ok = (day_ok_dom and day_ok_dow) if (dom_any or dow_any) else (day_ok_dom or day_ok_dow)
        if moment.month in month and day_ok and moment.hour in hour:
            candidates = [m for m in minute if m <= moment.minute]
            if candidates:
                return moment.replace(minute=max(candidates))
        moment = moment.replace(minute=59) - timedelta(hours=1)
    raise ValueError(f"cron {cron!r} does not fire within a year")
