"""The schedules the Testing Schedule derives from the weekly snapshot schedule: shifted by a delay, run next,
and the same times for GitHub Actions. Each a pure function, checked on the space of weekly schedules."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacks.settings.backups import WeeklySnapshots
from stacks.settings.cron import CronError, aws_fire_times, github_cron, shift_aws_cron
from stacks.settings.testing import selection_window_days, verification_schedule

DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
START = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


def posix_fires(expression: str, after: datetime.datetime, count: int) -> list[datetime.datetime]:
    """What GitHub Actions would run: a POSIX cron with a plain minute, hour and day-of-week list, read here."""
    minute, hour, dom, month, dow = expression.split()
    assert (dom, month) == ("*", "*")
    days = {int(d) for d in dow.split(",")} if dow != "*" else set(range(7))
    found, moment = [], after.replace(second=0, microsecond=0)
    while len(found) < count:
        moment += datetime.timedelta(minutes=1)
        if moment.minute == int(minute) and moment.hour == int(hour) and (moment.isoweekday() % 7) in days:
            found.append(moment)
    return found


@settings(max_examples=60, deadline=None, derandomize=True)
@given(minute=st.integers(0, 59), hour=st.integers(0, 23), days=st.sets(st.sampled_from(DAYS), min_size=1, max_size=7),
       delay=st.integers(0, 10080))
def test_a_shifted_schedule_fires_exactly_delay_after_each_run(minute: int, hour: int, days: set[str], delay: int) -> None:
    weekly = f"cron({minute} {hour} ? * {','.join(sorted(days, key=DAYS.index))} *)"
    shifted = shift_aws_cron(weekly, delay)
    runs = aws_fire_times(weekly, START, 8)
    assert aws_fire_times(shifted, runs[0] + datetime.timedelta(minutes=delay) - datetime.timedelta(seconds=1), 8) == [
        run + datetime.timedelta(minutes=delay) for run in runs]
    # GitHub Actions runs the shifted schedule at the very same times.
    assert posix_fires(github_cron(shifted), START, 8) == aws_fire_times(shifted, START, 8)


def test_the_runbook_schedule_gives_sunday_08_00_and_an_eight_day_window() -> None:
    weekly = WeeklySnapshots()
    assert verification_schedule(weekly) == "cron(0 8 ? * SUN *)"
    assert github_cron(verification_schedule(weekly)) == "0 8 * * 0"
    assert selection_window_days(weekly) == 8
    later = WeeklySnapshots(schedule="cron(30 22 ? * SAT *)", completion_window_minutes=240)
    assert verification_schedule(later) == "cron(30 2 ? * SUN *)"
    assert aws_fire_times("cron(0 8 ? * SUN *)", START, 2) == [datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC),
                                                            datetime.datetime(2026, 3, 8, 8, 0, tzinfo=datetime.UTC)]


@pytest.mark.parametrize(("expression", "delay", "message"), [
    ("cron(0 */6 ? * SUN *)", 60, "one minute and one hour (a schedule at one time of day) to run something after it"),
    ("cron(0 22 1 * ? *)", 180, "a day-of-week schedule for every month and year (day-of-month ?, month and year *) to run "
                                "something on the day after it"),
    ("cron(0 22 ? * SUN 2027)", 180, "a day-of-week schedule for every month and year"),
    ("cron(0 22 ? * SUN#1 *)", 180, 'a day-of-week field of days, lists and ranges only (it has "SUN#1")'),
])
def test_what_cannot_be_followed_exactly_is_refused(expression: str, delay: int, message: str) -> None:
    with pytest.raises(CronError) as refused:
        shift_aws_cron(expression, delay)
    assert message in str(refused.value)


def test_github_runs_no_years_or_nth_weekdays() -> None:
    with pytest.raises(CronError, match="a GitHub Actions schedule has no year field"):
        github_cron("cron(0 8 ? * SUN 2027)")
    with pytest.raises(CronError, match="SUN#2"):
        github_cron("cron(0 8 ? * SUN#2 *)")
    assert github_cron("cron(15 4 1,15 * ? *)") == "15 4 1,15 * *"
