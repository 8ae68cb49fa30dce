"""Calendar arithmetic the rules share: months forward and back, ends of months, days of the year."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (or earlier), kept within the month: 2026-01-31 + 1 -> 2026-02-28."""
    y, m0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m0 + 1, min(d.day, calendar.monthrange(y, m0 + 1)[1]))


def end_of_month(year: int, month: int) -> date:
    """The last day of ``month`` in ``year``; ``month`` may run past 12 (13 is January of next year)."""
    y, m0 = divmod(year * 12 + month - 1, 12)
    return date(y, m0 + 1, calendar.monthrange(y, m0 + 1)[1])


def day_in_year(year: int, month: int, day: int, feb29_to_mar1: bool = False) -> date:
    """``month``-``day`` in ``year``; 29 February in a common year becomes 28 February (or 1 March)."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 3, 1) if feb29_to_mar1 else date(year, 2, 28)
    return date(year, month, day)


def next_month_day(d: date, month: int, day: int) -> date:
    """The first ``month``-``day`` on or after ``d`` (29 February: 28 February in common years)."""
    this_year = day_in_year(d.year, month, day)
    return this_year if this_year >= d else day_in_year(d.year + 1, month, day)


def one_year_before(d: date) -> date:
    """The same day a year earlier (29 February -> 28 February)."""
    return add_months(d, -12)
