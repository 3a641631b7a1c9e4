"""Deadlines in Norwegian working days: a time limit that ends on a Saturday, a Sunday or a Norwegian
public holiday runs to the next working day, as time limits in Norwegian law do. The holidays come
from the ``holidays`` package, not a hand-kept list."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _norwegian_holidays(year: int) -> holidays.HolidayBase:
    # Norway's calendar in the package counts every Sunday as a holiday when include_sundays is on;
    # weekends are handled below, so only the named public holidays are taken from it.
    return holidays.Norway(years=year, include_sundays=False)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _norwegian_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def deadline_after(received: dt.date, *, weeks: int) -> dt.date:
    """The last day of a time limit of ``weeks`` weeks from ``received`` (fvl. §§ 29–30)."""
    return next_working_day(received + dt.timedelta(weeks=weeks))
