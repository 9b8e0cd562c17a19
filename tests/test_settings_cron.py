"""The Velero cadence: the quick answer for weekly-or-denser schedules equals the walk over the calendar."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from stacks.settings import cron


def walked_gap(text: str) -> int:
    _minute, _hour, dom, month, dow = cron.parse_velero(text)
    days = [d for d in (cron._SPAN_START + datetime.timedelta(days=n) for n in range(cron._SPAN_DAYS))
            if d.month in month.values and cron._day_matches(dom, dow, d)]
    return max((b - a).days for a, b in zip(days, days[1:], strict=False))


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(days=st.sets(st.integers(min_value=0, max_value=6), min_size=1))
def test_the_quick_gap_of_a_weekday_schedule_is_the_calendars(days: set[int]) -> None:
    text = f"0 2 * * {','.join(str(d) for d in sorted(days))}"
    _minute, _hour, dom, month, dow = cron.parse_velero(text)
    assert cron._weekly_gap(dom, month, dow) == walked_gap(text)
    assert cron.velero_max_gap_days(text) == walked_gap(text)


def test_schedules_the_quick_path_does_not_cover_are_walked() -> None:
    assert cron.velero_max_gap_days("0 2 1 * *") == walked_gap("0 2 1 * *") == 31  # monthly: up to 31 days apart
    assert cron.velero_max_gap_days("0 2 * 1 *") == walked_gap("0 2 * 1 *")  # January only
