"""Birthdays, solar or Chinese lunar: this year's day, age, and the gift budget from last year's spend.

A lunar birthday is celebrated on the solar day its lunar month-day falls on in the lunar year;
the lunar year that starts in (late January or February of) solar year Y is "lunar year Y", so a
12th-month lunar birthday of lunar year 2026 falls in January 2027. Conversions use lunar-python.

- A lunar birthday in a leap month is celebrated in the normal month of the same number
  (``model.Birthday`` has no leap flag, so every lunar birthday is taken as the normal month).
- Day 30 of a lunar month that has only 29 days in a given year is celebrated on day 29.
- 29 February (solar) in a common year: 28 February, or 1 March (``birthdays.feb29``).
- When the year of birth is known it is the lunar year of birth for a lunar birthday.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from lunar_python import LunarYear, Solar

from ..model import Birthday
from .days import day_in_year
from .explain import Reason
from .money import cents, money
from .settings import BirthdaySettings


@lru_cache(maxsize=1024)
def _lunar_months(lunar_year: int) -> dict[int, tuple[date, int]]:
    """Normal (non-leap) months of a lunar year: month -> (solar day of its 1st day, days in it)."""
    try:
        months = LunarYear.fromYear(lunar_year).getMonthsInYear()
        table = {}
        for lm in months:
            if lm.getYear() == lunar_year and lm.getMonth() > 0:
                first = Solar.fromJulianDay(lm.getFirstJulianDay())
                table[lm.getMonth()] = (date(first.getYear(), first.getMonth(), first.getDay()), lm.getDayCount())
    except Exception as exc:  # lunar-python raises plain Exception outside the years it knows
        raise ValueError(f"lunar year {lunar_year}: {exc}") from None
    if len(table) != 12:
        raise ValueError(f"lunar year {lunar_year} is outside the calendar's range")
    return table


@lru_cache(maxsize=65536)
def lunar_to_solar(lunar_year: int, month: int, day: int) -> date:
    """The solar day of lunar ``month``-``day`` (normal month, day 30 -> 29 when the month is short)."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"lunar {month}-{day} is not a lunar month-day")
    first, count = _lunar_months(lunar_year)[month]
    return first + timedelta(days=min(day, count) - 1)


def birthday_in_year(b: Birthday, year: int, feb29_to_mar1: bool = False) -> date:
    """The solar day of ``b`` in ``year`` (for a lunar birthday: in lunar year ``year``).

    Raises ``ValueError`` when ``b`` is not a day of the year (e.g. 4-31, lunar 13-1).
    """
    if b.lunar:
        return lunar_to_solar(year, b.month, b.day)
    if b.month == 2 and b.day == 29:
        return day_in_year(year, 2, 29, feb29_to_mar1)
    return date(year, b.month, b.day)


def check_birthday(b: Birthday) -> bool:
    """Whether ``b`` names a day that exists (in some year, for 29 February and lunar day 30)."""
    if b.lunar:
        return 1 <= b.month <= 12 and 1 <= b.day <= 30
    try:
        date(2000, b.month, b.day)
    except ValueError:
        return False
    return True


def birthdays_in(b: Birthday, year: int, month: int, feb29_to_mar1: bool = False) -> tuple[tuple[date, int], ...]:
    """The solar days of ``b`` in ``month`` of ``year``, each with the (lunar, for a lunar birthday) year it
    belongs to. A lunar birthday may fall twice in a solar month range, or not at all."""
    if not b.lunar:
        d = birthday_in_year(b, year, feb29_to_mar1)
        return ((d, year),) if d.month == month else ()
    found = []
    for lunar_year in (year - 1, year):
        d = lunar_to_solar(lunar_year, b.month, b.day)
        if d.year == year and d.month == month:
            found.append((d, lunar_year))
    return tuple(found)


def next_birthday(b: Birthday, today: date, feb29_to_mar1: bool = False) -> tuple[date, int]:
    """The first birthday on or after ``today`` and the (lunar, for a lunar birthday) year it belongs to."""
    # A lunar birthday of last lunar year may still be ahead in January or February.
    for year in (today.year - 1, today.year) if b.lunar else (today.year,):
        d = birthday_in_year(b, year, feb29_to_mar1)
        if d >= today:
            return d, year
    return birthday_in_year(b, today.year + 1, feb29_to_mar1), today.year + 1


def age_on(b: Birthday, day: date, feb29_to_mar1: bool = False) -> int | None:
    """Completed years on ``day``, when the year of birth is known; None otherwise or before birth."""
    if b.year is None:
        return None
    k = day.year - b.year
    while k >= 0 and birthday_in_year(b, b.year + k, feb29_to_mar1) > day:
        k -= 1
    return k if k >= 0 else None


class BudgetRule:
    """``budget_rate`` of a year's spend, kept between ``budget_min`` and ``budget_max``, rounded half up to the cent."""

    def __init__(self, settings: BirthdaySettings) -> None:
        f = Fraction(settings.budget_rate)
        self.num, self.den = f.numerator, f.denominator
        self.low = cents(settings.budget_min)
        self.high = None if settings.budget_max is None else cents(settings.budget_max)
        self.rate = settings.budget_rate

    def of(self, spend_cents: int) -> int:
        budget = (2 * max(spend_cents, 0) * self.num + self.den) // (2 * self.den)
        budget = max(budget, self.low)
        return budget if self.high is None else min(budget, self.high)


def budget_reason(b: Birthday, day: date, year: int, spend: Decimal, rate: Decimal, budget: Decimal,
                  holder: str | None = None, household: tuple[str, ...] = ()) -> Reason:
    """Rendered: birthday 2026-09-25 (lunar 8-15): 0.5% of 2025 spend 12,000 = 60. A family card's
    household: the holder's budget counts everyone's spend; a family member's is the holder's. A budget
    kept at budget_min or budget_max says so, not a sum that does not add up."""
    params = {
        "day": day,
        "month": b.month,
        "mday": b.day,
        "year": str(year),
        "spend": spend,
        "percent": (rate * 100).normalize(),
        "budget": budget,
    }
    by_rate = money(cents(spend * rate))  # rounded as BudgetRule rounds
    key = "why.birthday_budget_lunar" if b.lunar else "why.birthday_budget"
    if budget != by_rate:
        key = "why.birthday_budget_floor" if budget > by_rate else "why.birthday_budget_ceiling"
    if holder is None and not household:
        return Reason(key, params)
    when = Reason("why.birthday_day_lunar" if b.lunar else "why.birthday_day", params)
    if holder is not None:
        return Reason("why.birthday_family", {"when": when, "holder": holder})
    return Reason("why.birthday_household", {**params, "when": when, "members": ", ".join(household)})


def household_spend(year: int, holder: str | None, spend_by_year: Sequence[Mapping[int, int]]) -> int:
    """The spend (cents) of ``year`` a birthday budget counts: a household is one unit, so a card
    holder's counts everyone on the card (``spend_by_year``: the holder's then each family member's),
    and a family member (``holder`` set) has none of their own: it is in the holder's."""
    if holder is not None:
        return 0
    return sum(by_year.get(year, 0) for by_year in spend_by_year)


_new = tuple.__new__


class BirthdayResult(NamedTuple):
    """A member's coming birthday (on or after the evaluation day) and its gift budget."""

    birthday: Birthday
    next: date  # solar day of the next birthday, on or after the evaluation day
    year: int  # the (lunar, for a lunar birthday) year that birthday belongs to
    age: int | None  # completed years on the evaluation day
    turning: int | None  # age reached on ``next``
    budget: Decimal
    budget_year: int  # the calendar year whose spend the budget comes from (year of ``next`` - 1)
    budget_spend: Decimal
    rate: Decimal
    holder: str | None = None  # a family member: the card holder whose household budget counts their spend
    household: tuple[str, ...] = ()  # a card holder with family: everyone whose spend the budget counts

    @property
    def why(self) -> Reason:
        return budget_reason(self.birthday, self.next, self.budget_year, self.budget_spend, self.rate, self.budget,
                             self.holder, self.household)


class BirthdayRules:
    """Birthday settings compiled once per evaluation day, with the next birthday of each month-day cached."""

    def __init__(self, settings: BirthdaySettings, today: date) -> None:
        self.mar1 = settings.feb29 == "mar1"
        self.today = today
        self.budget = BudgetRule(settings)
        self._next: dict[tuple[int, int, bool], tuple[date, int]] = {}

    def result(self, b: Birthday, spend_by_year: Mapping[int, int], holder: str | None = None,
               household: tuple[str, ...] = (), family_by_year: Sequence[Mapping[int, int]] = ()) -> BirthdayResult:
        """``b``'s next birthday from today, the age, and the budget from the spend (cents by year) before it:
        a card holder's counts ``family_by_year`` too (``household``: who), a family member's (``holder``) none."""
        key = (b.month, b.day, b.lunar)
        found = self._next.get(key)
        if found is None:
            found = self._next[key] = next_birthday(b, self.today, self.mar1)
        nxt, year = found
        age = turning = None
        if b.year is not None:
            turning = year - b.year
            age = turning if nxt == self.today else turning - 1  # the birthday before the next one
            if age < 0:
                age = None
        if holder is None and not family_by_year:
            spend = spend_by_year.get(nxt.year - 1, 0)
            budget = self.budget.of(spend)
        else:
            spend = household_spend(nxt.year - 1, holder, (spend_by_year, *family_by_year))
            budget = 0 if holder is not None else self.budget.of(spend)
        # (positional, in field order: birthday, next, year, age, turning, budget, budget_year, budget_spend, rate,
        # holder, household)
        return _new(
            BirthdayResult,
            (b, nxt, year, age, turning, money(budget), nxt.year - 1, money(spend), self.budget.rate, holder, household),
        )


@dataclass(frozen=True, slots=True)
class BirthdayEntry:
    """One line of a month's birthday list: who, which day, which age, and the gift budget."""

    member_id: str
    name: str
    birthday: Birthday
    day: date  # solar day in the listed month
    turning: int | None
    budget: Decimal
    budget_year: int
    budget_spend: Decimal
    rate: Decimal
    holder: str | None = None
    household: tuple[str, ...] = ()

    @property
    def why(self) -> Reason:
        return budget_reason(self.birthday, self.day, self.budget_year, self.budget_spend, self.rate, self.budget,
                             self.holder, self.household)
