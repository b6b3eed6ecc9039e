"""The time, injected: services ask a clock instead of calling `datetime.now()`, so tests move time.

The app holds one clock (`app.state.clock`); commands use the system clock. Tests give a `FixedClock`
and call `advance()` — never sleep.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until told to move (tests, demos)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        start = start or dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware start")
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self._now += delta
        return self._now

    def set(self, moment: dt.datetime) -> None:
        self._now = moment


REGION_TIMEZONE = "Europe/Oslo"


def local_text(moment: dt.datetime | str | None, timezone: str = REGION_TIMEZONE, *, empty: str = "—") -> str:
    """A stored moment as people in the region read it, "2027-05-18 10:00" (ISO text accepted too)."""
    if moment is None:
        return empty
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def local_date(clock: Clock, timezone: str = REGION_TIMEZONE) -> dt.date:
    """The clock's date in the region (a moment at 00:30 Oslo time is that day, not the day before)."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()
