"""The Velero cadence: the quick answer for weekly-or-denser schedules equals the walk over the calendar."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stacks.settings import SettingsError, cron, validate
from tests.helpers.settings import raw


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


# ---- AWS Backup day-of-month: L (the last day) and NW (the weekday nearest day N, within its month) -------------

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("schedule", "days"), [
    ("cron(0 2 L * ? 2026)", ["2026-01-31", "2026-02-28", "2026-03-31"]),
    # 15th: a Thursday (kept), a Sunday (the Monday after), a Saturday (the Friday before)
    ("cron(0 2 15W 1,2,8 ? 2026)", ["2026-01-15", "2026-02-16", "2026-08-14"]),
    # the 1st on a Sunday: the Monday after; on a Saturday: the Monday after, never the month before
    ("cron(0 2 1W 2,8 ? 2026)", ["2026-02-02", "2026-08-03"]),
    ("cron(0 2 2W 5 ? 2026)", ["2026-05-01"]),  # the 2nd a Saturday: the Friday the 1st
    # no 31st in February or April: no run; the 31st a Saturday: Friday 30th; the last day a Sunday: Friday 29th
    ("cron(0 2 31W * ? 2026)", ["2026-01-30", "2026-03-31", "2026-05-29", "2026-07-31"]),
    ("cron(0 2 1,15 * ? 2026)", ["2026-01-01", "2026-01-15", "2026-02-01"]),
])
def test_aws_day_of_month_runs_on_the_days_aws_backup_picks(schedule: str, days: list[str]) -> None:
    fires = cron.aws_fire_times(schedule, START, len(days) + 1)
    assert [t.date().isoformat() for t in fires[:len(days)]] == days
    assert all((t.hour, t.minute) == (2, 0) for t in fires)


@pytest.mark.parametrize(("schedule", "problem"), [
    ("cron(0 2 32W * ? *)", "the day-of-month field takes 1-31 (32)"),
    ("cron(0 2 0W * ? *)", "the day-of-month field takes 1-31 (0)"),
    ("cron(0 2 32 * ? *)", "the day-of-month field takes 1-31 (32)"),
    ("cron(0 2 0 * ? *)", "the day-of-month field takes 1-31 (0)"),
    ("cron(0 2 LW * ? *)", 'L and NW stand alone in the day-of-month field ("L", "15W")'),
    ("cron(0 2 W * ? *)", 'L and NW stand alone in the day-of-month field ("L", "15W")'),
    ("cron(0 2 L-1 * ? *)", 'L and NW stand alone in the day-of-month field ("L", "15W")'),
    ("cron(0 2 1-3,5W * ? *)", 'L and NW stand alone in the day-of-month field ("L", "15W")'),
    ("cron(0 2 30W 2 ? *)", '"cron(0 2 30W 2 ? *)" matches no date (e.g. February 30th), so it never fires'),
])
def test_a_bad_aws_day_of_month_is_one_exact_line(schedule: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw("primary", weeklySnapshots=json.dumps({"schedule": schedule})), "primary")
    assert str(caught.value) == f"aivo-dr:weeklySnapshots.schedule = {json.dumps(schedule)}: {cron.AWS_EXAMPLE}; {problem}"


@pytest.mark.parametrize("schedule", ["cron(0 2 L * ? *)", "cron(0 2 L 2 ? *)", "cron(0 2 1W * ? *)", "cron(0 2 31W * ? *)",
                                      "cron(0 2 1 * ? *)", "cron(0 2 31 * ? *)", "cron(0 2 1-31 * ? *)"])
def test_aws_days_of_month_at_the_bounds_are_taken(schedule: str) -> None:
    assert cron.check_aws_backup_cron(schedule, datetime.date(2026, 1, 1)) == schedule


# ---- Velero: a schedule robfig/cron finds no next run for is refused; a stepped * is no longer a * ---------------

@pytest.mark.parametrize("schedule", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 2 * * ,"])  # , names no weekday
def test_a_velero_schedule_that_matches_no_date_is_one_exact_line(schedule: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw("primary", velero=json.dumps({"weekly": {"schedule": schedule}})), "primary")
    assert str(caught.value) == (f"aivo-dr:velero.weekly.schedule = {json.dumps(schedule)}: {cron.VELERO_EXAMPLE}; "
                                 f'"{schedule}" matches no date (e.g. February 31st), so it never fires')


@pytest.mark.parametrize(("schedule", "gap"), [
    ("0 0 29 2 *", 1461),  # February 29th: every 4 years, within robfig/cron's five
    ("0 2 1 * *", 31),
    ("0 2 */1 * *", 1),  # a step of 1 keeps the *: every day
    # robfig/cron v3 getRange: a step above 1 clears the star bit, so day-of-month and day-of-week are no longer
    # both required: */10 with a * day-of-week runs on the 1st, 11th, 21st and 31st; */2 with Mondays runs on
    # odd days or Mondays
    ("0 2 */10 * *", 10),
    ("0 2 */2 * 1", 2),
    ("0 2 * * */2", 2),
    ("0 2 * * 3/2", 5),  # Wednesdays and Fridays
    ("0 2 * * sun-sat/3", 3),
    ("0 2 * * ,0,", 7),
    ("0 2 * * +1", 7),
    ("0 2 * * ?", 1),
    ("0 2 1-31/2 * 0", 2),
    ("@weekly", 7),
    ("@monthly", 31),
])
def test_the_longest_gap_of_a_velero_schedule(schedule: str, gap: int) -> None:
    assert cron.check_velero_cron(schedule) == schedule
    assert cron.velero_max_gap_days(schedule) == walked_gap(schedule) == gap


def test_a_daily_velero_schedule_with_a_stepped_day_of_month_is_not_daily() -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw("primary", velero=json.dumps({"daily": {"schedule": "0 2 */2 * *"}})), "primary")
    assert str(caught.value) == ('aivo-dr:velero.daily.schedule = "0 2 */2 * *": a schedule that runs at least every day '
                                 "(the runbook's daily backup); this one leaves 2 days between runs")


@pytest.mark.parametrize(("schedule", "seconds"), [
    ("0 2,14 * * *", 12 * 3600), ("30 1 * * *", 86400), ("0 2 * * 1-5", 3 * 86400), ("0,30 2 * * *", 84600),
    ("@hourly", 3600), ("0 23 * * 0,1", 6 * 86400),
])
def test_the_longest_time_between_velero_runs(schedule: str, seconds: int) -> None:
    assert cron.velero_max_gap_seconds(schedule) == seconds


# ---- AWS Backup day-of-week (1 = SUN ... 7 = SAT; L, NL, N#k), and the other fields' lists, ranges and steps --------

@pytest.mark.parametrize(("schedule", "times"), [
    ("cron(0 2 ? * L 2026)", ["2026-01-03T02:00", "2026-01-10T02:00", "2026-01-17T02:00"]),  # L alone: Saturday
    ("cron(0 2 ? * 6L 2026)", ["2026-01-30T02:00", "2026-02-27T02:00", "2026-03-27T02:00"]),  # the last Friday
    ("cron(0 2 ? * FRIL 2026)", ["2026-01-30T02:00", "2026-02-27T02:00"]),
    ("cron(0 2 ? * 1L 2026)", ["2026-01-25T02:00", "2026-02-22T02:00"]),  # the last Sunday
    ("cron(0 2 ? * 2#1 2026)", ["2026-01-05T02:00", "2026-02-02T02:00", "2026-03-02T02:00"]),  # the first Monday
    ("cron(0 2 ? * sat#1 2026)", ["2026-01-03T02:00", "2026-02-07T02:00"]),
    ("cron(0 2 ? * MON#5 2026)", ["2026-03-30T02:00", "2026-06-29T02:00", "2026-08-31T02:00"]),  # months with five
    ("cron(0 2 ? * MON-FRI 2026)", ["2026-01-01T02:00", "2026-01-02T02:00", "2026-01-05T02:00"]),
    ("cron(0 2 ? * 1,7 2026)", ["2026-01-03T02:00", "2026-01-04T02:00", "2026-01-10T02:00"]),
    ("cron(0 2 ? 5/3 SUN 2026)", ["2026-05-03T02:00", "2026-05-10T02:00", "2026-05-17T02:00"]),
    ("cron(0 2 1 */4 ? 2026)", ["2026-01-01T02:00", "2026-05-01T02:00", "2026-09-01T02:00"]),
    ("cron(30 4,16 1 1 ? 2026-2028)", ["2026-01-01T04:30", "2026-01-01T16:30", "2027-01-01T04:30", "2027-01-01T16:30"]),
])
def test_aws_schedules_run_when_aws_runs_them(schedule: str, times: list[str]) -> None:
    assert [t.isoformat()[:16] for t in cron.aws_fire_times(schedule, START, len(times))] == times


@pytest.mark.parametrize(("schedule", "problem"), [
    ("cron(0 2 ? * 8#1 *)", "the day-of-week field takes 1-7 (8)"),
    ("cron(0 2 ? * 0#1 *)", "the day-of-week field takes 1-7 (0)"),
    ("cron(0 2 ? * 2#6 *)", "the day-of-week # field takes 1-5 (6)"),
    ("cron(0 2 ? * 2#0 *)", "the day-of-week # field takes 1-5 (0)"),
    ("cron(0 2 ? * # *)", 'the day-of-week field has "", not a number'),
    ("cron(0 2 ? * 8L *)", "the day-of-week field takes 1-7 (8)"),
    ("cron(0 2 ? * LL *)", 'the day-of-week field has "L", not a number'),
    ("cron(0 2 ? * 1-3L *)", 'the day-of-week field has "1-3", not a number'),
    ("cron(0 2 ? * L2 *)", 'L stands alone or after one day in the day-of-week field ("L", "6L")'),
    ("cron(0 2 ? * 1/2 *)", "no / in the day-of-week field"),
    ("cron(0 2 ? * 8 *)", "the day-of-week field takes 1-7 (8)"),
    ("cron(0 2 ? * MON-SUN *)", 'the day-of-week range "MON-SUN" begins after it ends'),
    ("cron(0 2 ? 1,,2 SUN *)", 'an empty item in the month field ("1,,2")'),
    ("cron(0 2 ? */0 SUN *)", "the month field takes 1-12 (0)"),
    ("cron(0 2 ? */13 SUN *)", "the month field takes 1-12 (13)"),
    ("cron(0 2 ? 10-2 SUN *)", 'the month range "10-2" begins after it ends'),
    ("cron(0 2 ? 13 SUN *)", "the month field takes 1-12 (13)"),
    ("cron(0 2 ? 0 SUN *)", "the month field takes 1-12 (0)"),
    ("cron(0 2 ? FOO SUN *)", 'the month field has "FOO", not a number'),
    ("cron(0  2 ? * SUN *)", "6 fields separated by single spaces"),
    ("cron(0 2 ? * ? *)", "exactly one of day-of-month and day-of-week is ?"),
    ("cron(0 2 1 * SUN *)", "exactly one of day-of-month and day-of-week is ?"),
    ("cron(0,30 2 ? * SUN *)", "one minute in the minutes field: AWS Backup runs a backup rule at most hourly"),
    ("cron(0 2 ? * SUN 2020)", '"cron(0 2 ? * SUN 2020)" names only past years, so it never fires'),
    ("cron(0 2 ? * SUN 1969)", "the year field takes 1970-2199 (1969)"),
    ("cron(0 2 ? * SUN 2200)", "the year field takes 1970-2199 (2200)"),
    ("cron(0 24 ? * SUN *)", "the hours field takes 0-23 (24)"),
    ("cron(60 2 ? * SUN *)", "the minutes field takes 0-59 (60)"),
    ("cron(x 2 ? * SUN *)", 'the minutes field has "x", not a number'),
])
def test_a_bad_aws_schedule_is_one_exact_line(schedule: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw("primary", weeklySnapshots=json.dumps({"schedule": schedule})), "primary")
    assert str(caught.value) == f"aivo-dr:weeklySnapshots.schedule = {json.dumps(schedule)}: {cron.AWS_EXAMPLE}; {problem}"


def test_an_aws_schedule_without_cron_brackets_is_refused_with_the_example() -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw("primary", weeklySnapshots=json.dumps({"schedule": "0 2 ? * SUN *"})), "primary")
    assert str(caught.value) == f'aivo-dr:weeklySnapshots.schedule = "0 2 ? * SUN *": {cron.AWS_EXAMPLE}'


@pytest.mark.parametrize(("schedule", "problem"), [
    ("", ""),
    ("TZ=UTC 0 2 * * 0", "; no TZ= prefix: the runbook's times are UTC"),
    ("CRON_TZ=UTC 0 2 * * 0", "; no TZ= prefix: the runbook's times are UTC"),
    ("@every 1h", "; not @every: it counts from the last backup, not a time of day"),
    ("@fortnightly", "; a descriptor is one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"),
    ("0 2 * * 7", '; the day-of-week field takes 0-6 ("7")'),
    ("0 2 * * 1-2-3", '; too many hyphens in "1-2-3"'),
    ("0 2 * * 1/2/3", '; too many slashes in "1/2/3"'),
    ("0 2 * * 5-1", '; the day-of-week range "5-1" begins after it ends'),
    ("0 2 * * */0", '; a step of 0 in "*/0"'),
    ("0 2 * * */-1", "; negative numbers are not allowed (-1)"),
    ("0 2 * * x", '; the day-of-week field has "x", not a number'),
    ("0 2 * * -1", '; the day-of-week field has "", not a number'),
    ("0 24 * * 0", '; the hour field takes 0-23 ("24")'),
    ("60 2 * * 0", '; the minute field takes 0-59 ("60")'),
    ("0 2 0 * 0", '; the day-of-month field takes 1-31 ("0")'),
    ("0 2 32 * 0", '; the day-of-month field takes 1-31 ("32")'),
    ("0 2 * 0 0", '; the month field takes 1-12 ("0")'),
    ("0 2 * 13 0", '; the month field takes 1-12 ("13")'),
    (", 2 * * 0", '; ", 2 * * 0" names no minute or no hour, so it never fires'),
    ("0 , * * 0", '; "0 , * * 0" names no minute or no hour, so it never fires'),
])
def test_a_bad_velero_schedule_is_one_exact_line(schedule: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        validate(raw("primary", velero=json.dumps({"weekly": {"schedule": schedule}})), "primary")
    assert str(caught.value) == f"aivo-dr:velero.weekly.schedule = {json.dumps(schedule)}: {cron.VELERO_EXAMPLE}{problem}"


@pytest.mark.parametrize("schedule", [
    "cron(0 2 ? * SUN 2026)",  # this year's Sundays are still to come
    "cron(0 2 1 1 ? 2026)",  # today, and only today
    "cron(0 2 2 1 ? 2026)",  # tomorrow, and only then
])
def test_an_aws_schedule_whose_only_runs_are_today_or_later_this_year_is_taken(schedule: str) -> None:
    assert cron.check_aws_backup_cron(schedule, datetime.date(2026, 1, 1)) == schedule


def test_an_aws_schedule_whose_runs_this_year_are_over_never_fires() -> None:
    with pytest.raises(cron.CronError) as caught:
        cron.check_aws_backup_cron("cron(0 2 1 1 ? 2026)", datetime.date(2026, 1, 2))
    assert str(caught.value) == f'{cron.AWS_EXAMPLE}; "cron(0 2 1 1 ? 2026)" matches no date (e.g. February 30th), so it never fires'


def test_aws_fire_times_are_strictly_after_and_as_many_as_asked() -> None:
    after = datetime.datetime(2026, 1, 1, 2, 0, tzinfo=datetime.UTC)  # exactly a run: not counted
    assert cron.aws_fire_times("cron(0 2 * * ? *)", after, 1) == [datetime.datetime(2026, 1, 2, 2, 0, tzinfo=datetime.UTC)]
    assert cron.aws_fire_times("cron(0 2 * * ? *)", after) == [datetime.datetime(2026, 1, 2, 2, 0, tzinfo=datetime.UTC)]  # the next one
    later = datetime.datetime(2026, 1, 1, 3, 0, tzinfo=datetime.UTC)
    assert cron.aws_fire_times("cron(0 2 * * ? *)", later, 1) == [datetime.datetime(2026, 1, 2, 2, 0, tzinfo=datetime.UTC)]
    assert cron.aws_fire_times("cron(30 4,16 * * ? *)", START, 1) == [datetime.datetime(2026, 1, 1, 4, 30, tzinfo=datetime.UTC)]
    # another zone's midnight is the previous UTC evening
    east = datetime.datetime(2026, 1, 2, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))
    assert cron.aws_fire_times("cron(0 21 * * ? *)", east, 1) == [datetime.datetime(2026, 1, 1, 21, 0, tzinfo=datetime.UTC)]


def test_aws_fire_times_look_six_years_ahead() -> None:
    assert cron.aws_fire_times("cron(0 2 1 1 ? 2032)", START, 1) == [datetime.datetime(2032, 1, 1, 2, 0, tzinfo=datetime.UTC)]
    assert cron.aws_fire_times("cron(0 2 1 1 ? 2033)", START, 1) == []
