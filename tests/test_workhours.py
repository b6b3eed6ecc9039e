"""Working hours, exactly: 08:00–16:00 Europe/Oslo on Norwegian working days. Every boundary (08:00,
16:00, a minute before), weekends, the moving holidays of 2026–2028, both clock changes, custom hours, a
clock change inside a working day (Cairo), invalid input, and a seeded random sample checking that
`between` undoes `add` and that both only ever move forward. Pure: no database, no mocks, no sleeps.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zoneinfo

import pytest

from registry.workhours import WorkingHours

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
CAIRO = zoneinfo.ZoneInfo("Africa/Cairo")
HOURS = WorkingHours()
TOLERANCE_H = 1e-6


def osl(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=OSLO)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def add(moment: dt.datetime, hours: float, working: WorkingHours = HOURS) -> dt.datetime:
    """`working.add`, checking on the way that the answer is in UTC."""
    deadline = working.add(moment, hours)
    assert deadline.tzinfo is dt.UTC
    return deadline


# -- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.time(16, 0), dt.time(8, 0)), (dt.time(8, 0), dt.time(8, 0))],
    ids=["reversed", "empty"],
)
def test_start_must_be_before_end(start: dt.time, end: dt.time) -> None:
    with pytest.raises(ValueError, match=r"^working time must start before it ends"):
        WorkingHours(start=start, end=end)


def test_a_minute_of_working_time_is_allowed() -> None:
    working = WorkingHours(start=dt.time(8, 0), end=dt.time(8, 1))
    assert working.between(osl(2027, 3, 1), osl(2027, 3, 2)) == pytest.approx(1 / 60)


@pytest.mark.parametrize("which", ["start", "end"])
def test_start_and_end_are_wall_clock_times_without_zone(which: str) -> None:
    aware = {which: dt.time(12, 0, tzinfo=dt.UTC)}
    other = {"end": dt.time(16, 0)} if which == "start" else {"start": dt.time(8, 0)}
    with pytest.raises(ValueError, match=r"^start and end are local wall-clock times"):
        WorkingHours(**aware, **other)


@pytest.mark.parametrize("zone", ["Europe/Nowhere", "europe/oslo", "../etc/passwd", ""])
def test_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown time zone"):
        WorkingHours(timezone=zone)


@pytest.mark.parametrize("country", ["XX", "no", "utils", ""])
def test_unknown_country_is_refused(country: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown country code"):
        WorkingHours(country=country)


def test_naive_moments_are_refused() -> None:
    naive = dt.datetime(2027, 3, 1, 9, 0)
    aware = osl(2027, 3, 1, 9)
    with pytest.raises(ValueError, match=r"^moment must be a timezone-aware datetime, got naive 2027"):
        HOURS.add(naive, 1)
    with pytest.raises(ValueError, match=r"^a must be a timezone-aware"):
        HOURS.between(naive, aware)
    with pytest.raises(ValueError, match=r"^b must be a timezone-aware"):
        HOURS.between(aware, naive)


@pytest.mark.parametrize("hours", [-1.0, -1e-9, math.nan, math.inf, -math.inf])
def test_hours_must_be_finite_and_not_negative(hours: float) -> None:
    with pytest.raises(ValueError, match=r"^hours must be a finite number >= 0, got"):
        HOURS.add(osl(2027, 3, 1, 9), hours)


# -- working days and holiday names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2027, 3, 1), True),  # Monday
        (dt.date(2027, 3, 5), True),  # Friday
        (dt.date(2027, 3, 6), False),  # Saturday
        (dt.date(2027, 3, 7), False),  # Sunday
        (dt.date(2027, 1, 1), False),  # New Year's Day, a Friday
        (dt.date(2027, 1, 4), True),
        (dt.date(2027, 3, 24), True),  # the Wednesday before Easter
        (dt.date(2027, 3, 25), False),  # Maundy Thursday
        (dt.date(2027, 3, 26), False),  # Good Friday
        (dt.date(2027, 3, 29), False),  # Easter Monday
        (dt.date(2027, 3, 30), True),
        (dt.date(2026, 5, 1), False),  # Labour Day, a Friday
        (dt.date(2027, 5, 6), False),  # Ascension Day
        (dt.date(2027, 5, 17), False),  # Constitution Day and Whit Monday at once
        (dt.date(2026, 5, 25), False),  # Whit Monday
        (dt.date(2026, 5, 26), True),
        (dt.date(2028, 12, 22), True),  # Friday before Christmas
        (dt.date(2028, 12, 25), False),  # Christmas Day, a Monday
        (dt.date(2028, 12, 26), False),  # Boxing Day, a Tuesday
        (dt.date(2027, 12, 24), True),  # Christmas Eve is no public holiday (by law; many close early)
        (dt.date(2027, 12, 31), True),  # nor is New Year's Eve
    ],
)
def test_is_working_day(day: dt.date, working: bool) -> None:
    assert HOURS.is_working_day(day) is working


def test_a_year_of_working_days() -> None:
    """2027 has 261 weekdays, 6 of them holidays; 2028 has 260, 9 of them holidays."""
    year_2027 = [dt.date(2027, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    assert sum(HOURS.is_working_day(day) for day in year_2027) == 255
    assert HOURS.between(osl(2027, 1, 1), osl(2028, 1, 1)) == 255 * 8
    assert HOURS.between(osl(2027, 1, 1), osl(2029, 1, 1)) == (255 + 251) * 8


def test_holiday_names_in_norwegian_and_english() -> None:
    assert HOURS.holiday_name(dt.date(2026, 5, 17)) == "Grunnlovsdag"  # a Sunday, and a holiday
    assert HOURS.holiday_name(dt.date(2026, 5, 17), language="en_US") == "Constitution Day"
    assert HOURS.holiday_name(dt.date(2027, 3, 26)) == "Langfredag"
    assert HOURS.holiday_name(dt.date(2027, 3, 28)) == "Første påskedag"
    assert HOURS.holiday_name(dt.date(2027, 5, 17), language="en_US") == "Constitution Day; Pentecost Monday"


def test_no_name_on_ordinary_days() -> None:
    assert HOURS.holiday_name(dt.date(2027, 1, 3)) is None  # an ordinary Sunday is no holiday
    assert HOURS.holiday_name(dt.date(2027, 1, 2)) is None  # nor is a Saturday
    assert HOURS.holiday_name(dt.date(2027, 3, 1)) is None
    assert WorkingHours(country="SE").holiday_name(dt.date(2027, 1, 3)) is None


def test_another_country_without_the_sunday_option() -> None:
    denmark = WorkingHours(country="DK")
    assert denmark.holiday_name(dt.date(2027, 12, 25), language="en_US") == "Christmas Day"
    assert denmark.holiday_name(dt.date(2027, 1, 3)) is None
    assert not denmark.is_working_day(dt.date(2027, 3, 25))  # Maundy Thursday in Denmark too
    assert denmark.is_working_day(dt.date(2027, 3, 24))


# -- add: the deadline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "hours", "deadline"),
    [
        # zero hours: the moment itself in working time, else the next working start
        (osl(2027, 3, 1, 8), 0, osl(2027, 3, 1, 8)),
        (osl(2027, 3, 1, 7, 59), 0, osl(2027, 3, 1, 8)),
        (osl(2027, 3, 1, 15, 59), 0, osl(2027, 3, 1, 15, 59)),
        (osl(2027, 3, 1, 16), 0, osl(2027, 3, 2, 8)),
        (osl(2027, 3, 5, 16), 0, osl(2027, 3, 8, 8)),  # Friday 16:00 → Monday 08:00
        (osl(2027, 3, 6, 12), 0, osl(2027, 3, 8, 8)),
        # inside one day; a deadline at 16:00 is 16:00, not the next morning
        (osl(2027, 3, 1, 8), 1, osl(2027, 3, 1, 9)),
        (osl(2027, 3, 1, 8), 8, osl(2027, 3, 1, 16)),
        (osl(2027, 3, 1, 15), 1, osl(2027, 3, 1, 16)),
        (osl(2027, 3, 1, 15, 59), 1 / 60, osl(2027, 3, 1, 16)),
        (osl(2027, 3, 1, 9, 30), 0.25, osl(2027, 3, 1, 9, 45)),
        # outside working time: the clock starts at the next 08:00
        (osl(2027, 3, 1, 6), 2, osl(2027, 3, 1, 10)),
        (osl(2027, 3, 1, 0, 30), 1, osl(2027, 3, 1, 9)),
        (osl(2027, 3, 1, 20), 2, osl(2027, 3, 2, 10)),
        (osl(2027, 3, 1, 16), 1, osl(2027, 3, 2, 9)),
        # over the end of the day
        (osl(2027, 3, 1, 15), 1.5, osl(2027, 3, 2, 8, 30)),
        (osl(2027, 3, 1, 8), 8 + 1 / 3600, osl(2027, 3, 2, 8, 0, 1)),
        (osl(2027, 3, 1, 8), 16, osl(2027, 3, 2, 16)),
        (osl(2027, 3, 1, 8), 40, osl(2027, 3, 5, 16)),  # a working week
        (osl(2027, 3, 1, 8), 40.5, osl(2027, 3, 8, 8, 30)),
        # weekends
        (osl(2027, 3, 5, 15), 2, osl(2027, 3, 8, 9)),  # Friday 15:00 + 2 h → Monday 09:00
        (osl(2027, 3, 6, 12), 1, osl(2027, 3, 8, 9)),
        (osl(2027, 3, 7, 23, 59), 16, osl(2027, 3, 9, 16)),
    ],
)
def test_add(moment: dt.datetime, hours: float, deadline: dt.datetime) -> None:
    assert add(moment, hours) == deadline


@pytest.mark.parametrize(
    ("moment", "hours", "deadline"),
    [
        # New Year's Day 2027 (Friday), across the turn of the year
        (osl(2026, 12, 31, 15), 2, osl(2027, 1, 4, 9)),
        # Easter 2027: Maundy Thursday, Good Friday, the weekend (clocks go forward) and Easter Monday
        (osl(2027, 3, 24, 15), 2, osl(2027, 3, 30, 9)),
        (osl(2027, 3, 24, 12), 16, osl(2027, 3, 31, 12)),
        (osl(2027, 3, 25, 10), 0, osl(2027, 3, 30, 8)),  # a moment on a holiday waits for the next day
        (osl(2027, 3, 29, 15), 2, osl(2027, 3, 30, 10)),
        # Labour Day 2026, a Friday
        (osl(2026, 4, 30, 15), 2, osl(2026, 5, 4, 9)),
        # Ascension Day 2027 (Thursday 6 May)
        (osl(2027, 5, 5, 15), 2, osl(2027, 5, 7, 9)),
        # 17 May 2027 (Monday; also Whit Monday): Friday 14 May → Tuesday 18 May
        (osl(2027, 5, 14, 15), 2, osl(2027, 5, 18, 9)),
        # Whit Monday 2026 (25 May; 17 May was a Sunday)
        (osl(2026, 5, 22, 15), 2, osl(2026, 5, 26, 9)),
        # Christmas 2028: Saturday, Sunday, Christmas Day (Monday), Boxing Day (Tuesday)
        (osl(2028, 12, 22, 15), 2, osl(2028, 12, 27, 9)),
    ],
)
def test_add_over_holidays(moment: dt.datetime, hours: float, deadline: dt.datetime) -> None:
    assert add(moment, hours) == deadline


def test_add_answers_in_utc_whatever_zone_the_moment_is_in() -> None:
    deadline = add(utc(2027, 3, 1, 7), 1)  # 08:00 in Oslo (winter, UTC+1)
    assert deadline == utc(2027, 3, 1, 8)  # 09:00 in Oslo
    assert deadline.utcoffset() == dt.timedelta(0)
    new_york = dt.datetime(2027, 3, 1, 2, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))  # 08:00 Oslo
    assert add(new_york, 1) == utc(2027, 3, 1, 8)


# -- daylight saving time --------------------------------------------------------------------------------


def test_working_hours_are_wall_clock_in_winter_and_summer() -> None:
    assert add(osl(2027, 3, 1, 16), 0) == utc(2027, 3, 2, 7)  # 08:00 CET
    assert add(osl(2027, 6, 1, 16), 0) == utc(2027, 6, 2, 6)  # 08:00 CEST
    assert add(osl(2027, 6, 1, 8), 8) == utc(2027, 6, 1, 14)  # 16:00 CEST


def test_spring_forward_over_a_plain_weekend() -> None:
    """29 March 2026: clocks go from 02:00 to 03:00; Friday 15:00 CET + 2 h is Monday 09:00 CEST."""
    friday = osl(2026, 3, 27, 15)
    assert friday == utc(2026, 3, 27, 14)
    monday = add(friday, 2)
    assert monday == utc(2026, 3, 30, 7)
    assert HOURS.between(friday, monday) == 2.0


def test_spring_forward_over_easter_2027() -> None:
    """28 March 2027 (Easter Sunday): Wednesday 24 March 15:00 CET + 2 h is Tuesday 30 March 09:00 CEST."""
    deadline = add(osl(2027, 3, 24, 15), 2)
    assert deadline == utc(2027, 3, 30, 7)
    assert HOURS.between(osl(2027, 3, 24, 8), osl(2027, 3, 30, 16)) == 16.0


def test_fall_back_2027() -> None:
    """31 October 2027: clocks go from 03:00 back to 02:00; Friday 15:00 CEST + 2 h is Monday 09:00 CET."""
    friday = osl(2027, 10, 29, 15)
    assert friday == utc(2027, 10, 29, 13)
    monday = add(friday, 2)
    assert monday == utc(2027, 11, 1, 8)
    assert add(osl(2027, 10, 29, 16), 0) == utc(2027, 11, 1, 7)
    assert HOURS.between(osl(2027, 10, 29, 8), osl(2027, 11, 1, 16)) == 16.0
    assert HOURS.between(friday, monday) == 2.0


def test_moments_in_the_repeated_hour_of_the_autumn_night() -> None:
    first = dt.datetime(2027, 10, 31, 2, 30, tzinfo=OSLO, fold=0)
    second = dt.datetime(2027, 10, 31, 2, 30, tzinfo=OSLO, fold=1)
    assert second.astimezone(dt.UTC) - first.astimezone(dt.UTC) == dt.timedelta(hours=1)
    assert add(first, 1) == add(second, 1) == osl(2027, 11, 1, 9)
    assert HOURS.between(first, second) == 0.0


def test_a_clock_change_inside_working_time_counts_real_time() -> None:
    """Cairo moved its clocks from 00:00 to 01:00 on Friday 26 April 2024. With working time 00:00–02:00
    that Friday has one real hour of it; the days around it have two."""
    night = WorkingHours(start=dt.time(0, 0), end=dt.time(2, 0), timezone="Africa/Cairo")
    thursday = dt.datetime(2024, 4, 25, 12, 0, tzinfo=CAIRO)
    saturday = dt.datetime(2024, 4, 27, 12, 0, tzinfo=CAIRO)
    assert night.between(thursday, saturday) == 1.0
    assert night.between(dt.datetime(2024, 4, 24, 12, 0, tzinfo=CAIRO), thursday) == 2.0
    friday_start = utc(2024, 4, 25, 22)  # the Friday's 00:00, read before the change (UTC+2)
    assert add(thursday, 0, night) == friday_start
    assert add(thursday, 1, night) == utc(2024, 4, 25, 23)  # 02:00, UTC+3
    assert add(thursday, 1.5, night) == dt.datetime(2024, 4, 29, 0, 30, tzinfo=CAIRO)


def test_a_working_time_the_clock_change_empties_is_none() -> None:
    """00:30 does not exist that Friday in Cairo; read as UTC+2 it is 22:30 UTC, after 01:00 (22:00 UTC):
    the day has no working time at all."""
    half_hour = WorkingHours(start=dt.time(0, 30), end=dt.time(1, 0), timezone="Africa/Cairo")
    thursday = dt.datetime(2024, 4, 25, 12, 0, tzinfo=CAIRO)
    assert half_hour.between(thursday, dt.datetime(2024, 4, 28, 12, 0, tzinfo=CAIRO)) == 0.0
    assert add(thursday, 0, half_hour) == dt.datetime(2024, 4, 29, 0, 30, tzinfo=CAIRO)
    assert add(thursday, 0.5, half_hour) == dt.datetime(2024, 4, 29, 1, 0, tzinfo=CAIRO)


# -- between ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (osl(2027, 3, 1, 9), osl(2027, 3, 1, 9), 0.0),
        (osl(2027, 3, 1, 10), osl(2027, 3, 1, 9), 0.0),  # backwards: nothing
        (osl(2027, 3, 1, 7), osl(2027, 3, 1, 9), 1.0),
        (osl(2027, 3, 1, 8), osl(2027, 3, 1, 9), 1.0),
        (osl(2027, 3, 1, 15), osl(2027, 3, 1, 17), 1.0),
        (osl(2027, 3, 1, 15, 59), osl(2027, 3, 1, 16), 1 / 60),
        (osl(2027, 3, 1, 9), osl(2027, 3, 1, 10, 30), 1.5),
        (osl(2027, 3, 1, 16), osl(2027, 3, 2, 8), 0.0),
        (osl(2027, 3, 1, 0), osl(2027, 3, 2, 0), 8.0),
        (osl(2027, 3, 1, 12), osl(2027, 3, 2, 12), 8.0),
        (osl(2027, 3, 1, 7), osl(2027, 3, 5, 17), 40.0),
        (osl(2027, 3, 5, 15), osl(2027, 3, 8, 9), 2.0),  # Friday 15:00 → Monday 09:00
        (osl(2027, 3, 6, 0), osl(2027, 3, 8, 0), 0.0),  # a weekend
        (osl(2027, 3, 25, 0), osl(2027, 3, 30, 0), 0.0),  # Easter, Thursday to Monday
        # a weekend and 17 May: Thursday 12:00 → Tuesday 12:00 is 4 + 8 + 0 + 4 hours
        (osl(2027, 5, 13, 12), osl(2027, 5, 18, 12), 16.0),
        (utc(2027, 3, 1, 7), utc(2027, 3, 1, 8), 1.0),  # 08:00–09:00 in Oslo
        (utc(2027, 3, 1, 6), osl(2027, 3, 1, 9), 1.0),
    ],
)
def test_between(a: dt.datetime, b: dt.datetime, hours: float) -> None:
    elapsed = HOURS.between(a, b)
    assert isinstance(elapsed, float)
    assert elapsed == pytest.approx(hours, abs=1e-9)


def test_between_over_two_years_of_the_current_rules() -> None:
    """2027 and 2028, day by day: 506 working days."""
    assert HOURS.between(osl(2026, 12, 31, 16), osl(2028, 12, 31, 8)) == 506 * 8.0


# -- custom hours ------------------------------------------------------------------------------------------


def test_custom_hours_nine_to_three() -> None:
    short = WorkingHours(start=dt.time(9, 0), end=dt.time(15, 0))
    assert add(osl(2027, 3, 1, 8, 30), 0, short) == osl(2027, 3, 1, 9)
    assert add(osl(2027, 3, 1, 8, 59), 1, short) == osl(2027, 3, 1, 10)
    assert add(osl(2027, 3, 1, 14), 1, short) == osl(2027, 3, 1, 15)
    assert add(osl(2027, 3, 1, 14), 2, short) == osl(2027, 3, 2, 10)
    assert add(osl(2027, 3, 1, 15), 0, short) == osl(2027, 3, 2, 9)
    assert add(osl(2027, 3, 5, 14), 2, short) == osl(2027, 3, 8, 10)
    assert short.between(osl(2027, 3, 1), osl(2027, 3, 2)) == 6.0
    assert short.between(osl(2027, 3, 1, 8), osl(2027, 3, 1, 9, 30)) == 0.5
    assert short.between(osl(2027, 3, 1, 14, 30), osl(2027, 3, 1, 16)) == 0.5


def test_evening_hours_in_new_york_cross_midnight_in_utc() -> None:
    """17:00–23:00 in New York is 22:00–04:00 UTC: a day's working time is found from its local date."""
    new_york = zoneinfo.ZoneInfo("America/New_York")
    evening = WorkingHours(start=dt.time(17, 0), end=dt.time(23, 0), timezone="America/New_York")
    monday_20 = dt.datetime(2027, 3, 1, 20, 0, tzinfo=new_york)  # Tuesday 01:00 UTC
    assert add(monday_20, 0, evening) == monday_20
    assert add(monday_20, 2, evening) == dt.datetime(2027, 3, 1, 22, 0, tzinfo=new_york)
    assert add(monday_20, 3.5, evening) == dt.datetime(2027, 3, 2, 17, 30, tzinfo=new_york)
    assert evening.between(monday_20, dt.datetime(2027, 3, 1, 23, 30, tzinfo=new_york)) == 3.0


def test_custom_hours_in_another_zone() -> None:
    tokyo = WorkingHours(timezone="Asia/Tokyo")
    assert add(utc(2027, 3, 1, 0), 0, tokyo) == utc(2027, 3, 1, 0)  # 09:00 JST is working time
    assert add(utc(2027, 3, 1, 7), 0, tokyo) == utc(2027, 3, 1, 23)  # 16:00 JST → 08:00 JST next day
    assert add(utc(2027, 3, 1, 6), 1, tokyo) == utc(2027, 3, 1, 7)


# -- properties over a seeded random sample ----------------------------------------------------------------


ZONES = [dt.UTC, OSLO, zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Asia/Tokyo")]
FIRST = utc(2026, 1, 1)
SPAN_S = int((utc(2029, 1, 1) - FIRST).total_seconds())


def _sample(rng: random.Random) -> tuple[dt.datetime, float]:
    moment = FIRST + dt.timedelta(seconds=rng.randrange(SPAN_S), microseconds=rng.randrange(1_000_000))
    moment = moment.astimezone(rng.choice(ZONES))
    kind = rng.randrange(4)
    if kind == 0:
        hours = 0.0
    elif kind == 1:
        hours = float(rng.randrange(1, 200))
    elif kind == 2:
        hours = rng.uniform(0, 48)
    else:
        hours = rng.randrange(1, 60) / 60  # whole minutes
    return moment, hours


def _in_working_time(moment: dt.datetime, working: WorkingHours, end_included: bool) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(working.timezone))
    clock = local.time().replace(tzinfo=None)
    last_ok = clock <= working.end if end_included else clock < working.end
    return working.is_working_day(local.date()) and working.start <= clock and last_ok


@pytest.mark.parametrize("working", [HOURS, WorkingHours(start=dt.time(9, 0), end=dt.time(15, 0))])
def test_between_undoes_add_and_both_move_forward(working: WorkingHours) -> None:
    rng = random.Random(20270328)
    for _ in range(400):
        moment, hours = _sample(rng)
        deadline = working.add(moment, hours)
        assert abs(working.between(moment, deadline) - hours) < TOLERANCE_H, (moment, hours)
        assert deadline >= moment
        # the first such instant: a second earlier, not all the hours have passed
        if hours > 0:
            assert working.between(moment, deadline - dt.timedelta(seconds=1)) < hours
            assert _in_working_time(deadline, working, end_included=True)
        else:
            assert _in_working_time(deadline, working, end_included=False)
        # more hours, later deadline; a later start, a later deadline
        more = hours + rng.uniform(0, 20)
        assert working.add(moment, more) >= deadline
        later = moment + dt.timedelta(minutes=rng.randrange(0, 5000))
        assert working.add(later, hours) >= deadline
        # between adds up over any point in between, and never exceeds real time
        middle = moment + (deadline - moment) * rng.random()
        assert working.between(moment, middle) + working.between(middle, deadline) == pytest.approx(
            working.between(moment, deadline), abs=TOLERANCE_H
        )
        assert working.between(moment, deadline) <= (deadline - moment) / dt.timedelta(hours=1) + TOLERANCE_H
