"""Working hours on Norwegian working days: the clock a kommune's first-response promise runs on.

A kommune promises, say, 16 working hours for its first answer to an inquiry. Working time is 08:00–16:00
Europe/Oslo wall-clock time on working days: Monday to Friday, except public holidays (from the maintained
`holidays` package: New Year, Maundy Thursday, Good Friday, Easter Monday, 1 May, 17 May, Ascension Day,
Whit Monday, Christmas Day, Boxing Day). Pure: no database, no clock; the caller gives the moments.

    hours = WorkingHours()                      # 08:00–16:00 Europe/Oslo, Norway's holidays
    hours.is_working_day(day) -> bool
    hours.add(moment, 16.0) -> datetime         # the deadline, aware UTC
    hours.between(a, b) -> float                # working hours elapsed from a to b (0.0 if b <= a)
    hours.holiday_name(day, language="no") -> str | None   # "Grunnlovsdag"; "en_US" for English

The rules, precisely:

* A working day's working time is the half-open interval [start, end) of local wall-clock time. The
  bounds are wall-clock (08:00 is 08:00 in winter and in summer); the time inside them is measured as
  real elapsed time. In Norway clocks change on Sunday nights, so a working day always has exactly
  end - start of it. Should a (custom) zone change its clocks inside a working day, that day has the
  real length of its interval; a wall-clock time that does not exist, or exists twice, is read as PEP 495
  ``fold=0`` (the offset before the change), and an interval that comes out empty counts as no working
  time at all.
* `add(moment, hours)` is the first instant by which `hours` working hours have passed since `moment`.
  A moment outside working time counts from the next working start. A deadline that falls exactly at
  the end of a working day is that end (Monday 15:00 + 1 h is Monday 16:00, not Tuesday 08:00). With
  ``hours == 0`` the answer is the moment itself if it lies in working time, else the next working start
  (Friday 16:00 + 0 h is Monday 08:00): the first instant at which the clock is running.
* `between(a, b)` is the working time inside [a, b). It is the inverse of `add`:
  ``between(a, add(a, h)) == h`` up to a microsecond, for every aware `a` and every h >= 0.
* Moments must be timezone-aware (naive datetimes raise ValueError); `add` answers in UTC.
* Both walk day by day (a two-year span is some 730 steps); holidays are computed once per
  (country, year, language) and cached.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import math
import zoneinfo
from dataclasses import dataclass

import holidays

__all__ = ["WorkingHours"]

_SATURDAY = 5  # dt.date.weekday(): Monday is 0
_ONE_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


@functools.cache
def _holiday_names(country: str, year: int, language: str) -> dict[dt.date, str]:
    """The public holidays of one country and year, by date, named in `language`. Sundays are only
    listed when they are holidays in their own right (Easter Sunday): the Norwegian and Swedish
    calendars list every Sunday in older releases of the package (an option, off by default since), which
    says nothing about working time and is not a holiday's name."""
    entity = getattr(holidays, country)
    options: dict[str, bool] = {}
    if "include_sundays" in inspect.signature(entity).parameters:  # Norway, Sweden; others refuse it
        options["include_sundays"] = False
    calendar = entity(years=year, language=language, **options)
    return dict(calendar.items())


def _utc(moment: dt.datetime, name: str) -> dt.datetime:
    """`moment` in UTC (arithmetic on it is then real time); naive datetimes are refused."""
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class WorkingHours:
    """Working time: `start`–`end` local wall-clock time in `timezone`, Monday to Friday, except the
    public holidays of `country` (an ISO 3166 code the `holidays` package knows)."""

    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(16, 0)
    timezone: str = "Europe/Oslo"
    country: str = "NO"

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("start and end are local wall-clock times: give them without tzinfo")
        if not self.start < self.end:
            raise ValueError(f"working time must start before it ends: {self.start} – {self.end}")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone: {self.timezone!r}") from None
        if self.country not in holidays.list_supported_countries():
            raise ValueError(f"unknown country code for holidays: {self.country!r}")

    @property
    def _zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    # -- days -------------------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a public holiday."""
        return day.weekday() < _SATURDAY and self.holiday_name(day) is None

    def holiday_name(self, day: dt.date, language: str = "no") -> str | None:
        """The public holiday on `day` ("Grunnlovsdag"; two holidays on one day are joined by "; "), or
        None. `language`: "no" (bokmål, the default) or "en_US", or any the `holidays` package has for
        the country (others fall back to its original language). An ordinary Sunday is no holiday."""
        return _holiday_names(self.country, day.year, language).get(day)

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working time of `day` as a UTC interval [opens, closes), or None on a day off. (If a
        clock change inside the day empties the interval, closes <= opens: both callers then see no
        working time in it.)"""
        if not self.is_working_day(day):
            return None
        zone = self._zone
        opens = dt.datetime.combine(day, self.start, tzinfo=zone).astimezone(dt.UTC)
        closes = dt.datetime.combine(day, self.end, tzinfo=zone).astimezone(dt.UTC)
        return opens, closes

    def _local_day(self, moment: dt.datetime) -> dt.date:
        """The local date of `moment`: no earlier day's working time reaches into it."""
        return moment.astimezone(self._zone).date()

    # -- time -------------------------------------------------------------------------------------

    def add(self, moment: dt.datetime, hours: float) -> dt.datetime:
        """The deadline: the first instant by which `hours` working hours have passed since `moment`
        (aware; the answer is in UTC). `hours` must be finite and >= 0; see the module for 0."""
        at = _utc(moment, "moment")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
        remaining = dt.timedelta(hours=hours)
        day = self._local_day(moment)
        while True:
            window = self._window(day)
            if window is not None:
                opens, closes = window
                begin = max(opens, at)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += _ONE_DAY

    def between(self, a: dt.datetime, b: dt.datetime) -> float:
        """The working hours in [a, b): 0.0 if b <= a. Both must be aware."""
        a_utc = _utc(a, "a")
        b_utc = _utc(b, "b")
        total = _ZERO  # stays zero if b <= a: no window overlaps [a, b) then
        day = self._local_day(a)
        last = self._local_day(b)
        while day <= last:
            window = self._window(day)
            if window is not None:
                opens, closes = window
                total += max(_ZERO, min(closes, b_utc) - max(opens, a_utc))
            day += _ONE_DAY
        return total / dt.timedelta(hours=1)
