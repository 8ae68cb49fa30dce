"""Birthdays: lunar dates against known festivals 1930-2100, leap and short months, 29 February, budgets.

The festival dates below agree with lunar-python and with the Chinese lunisolar tables of the
`holidays` package (checked for every year 1930-2100: Spring Festival, Dragon Boat, Mid-Autumn);
they are also the published dates (e.g. Spring Festival 2024-02-10, 2026-02-17).
"""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal

import pytest
from lunar_python import Lunar, LunarMonth

from loyalsheet.model import Birthday, Member, MemberFile, Txn, TxnType
from loyalsheet.rules import RulesSettings, birthday_in_year, birthdays_in_month, evaluate, explain, lunar_to_solar
from loyalsheet.rules.settings import BirthdaySettings

SPRING_FESTIVAL = {
    1930: date(1930, 1, 30),
    1950: date(1950, 2, 17),
    2000: date(2000, 2, 5),
    2024: date(2024, 2, 10),
    2026: date(2026, 2, 17),
    2050: date(2050, 1, 23),
    2100: date(2100, 2, 9),
}
MID_AUTUMN = {
    1930: date(1930, 10, 6),
    1950: date(1950, 9, 26),
    2000: date(2000, 9, 12),
    2024: date(2024, 9, 17),
    2026: date(2026, 9, 25),
    2050: date(2050, 9, 30),
    2100: date(2100, 9, 18),
}


@pytest.mark.parametrize("year", sorted(SPRING_FESTIVAL))
def test_known_festivals(year: int) -> None:
    assert lunar_to_solar(year, 1, 1) == SPRING_FESTIVAL[year]
    assert lunar_to_solar(year, 8, 15) == MID_AUTUMN[year]
    assert birthday_in_year(Birthday(8, 15, lunar=True), year) == MID_AUTUMN[year]


def test_agrees_with_lunar_python_day_by_day_conversion() -> None:
    rng = random.Random(1930)
    for _ in range(60):
        y, m, d = rng.randint(1930, 2100), rng.randint(1, 12), rng.randint(1, 30)
        days = LunarMonth.fromYm(y, m).getDayCount()
        solar = Lunar.fromYmd(y, m, min(d, days)).getSolar()
        assert lunar_to_solar(y, m, d) == date(solar.getYear(), solar.getMonth(), solar.getDay()), (y, m, d)


def test_leap_months_short_months_and_the_new_year() -> None:
    # 2023 has a leap 2nd month: a 2-10 birthday is kept in the normal 2nd month (2023-03-01, not 03-31).
    assert lunar_to_solar(2023, 2, 10) == date(2023, 3, 1)
    # The 2nd month of 2026 has 29 days: a 2-30 birthday falls on 2-29.
    assert lunar_to_solar(2026, 2, 30) == lunar_to_solar(2026, 2, 29) == date(2026, 4, 16)
    # A 12th-month birthday of lunar year 2026 falls in January 2027.
    assert birthday_in_year(Birthday(12, 20, lunar=True), 2026) == date(2027, 1, 27)
    with pytest.raises(ValueError):
        lunar_to_solar(2026, 13, 1)


def test_29_february() -> None:
    b = Birthday(2, 29, 2000)
    assert birthday_in_year(b, 2024) == date(2024, 2, 29)
    assert birthday_in_year(b, 2026) == date(2026, 2, 28)
    assert birthday_in_year(b, 2026, feb29_to_mar1=True) == date(2026, 3, 1)


_rows = itertools.count(2)


def member(mid: str, birthday: Birthday) -> Member:
    return Member(row=next(_rows), member_id=mid, name=f"Name {mid}", joined=date(2020, 1, 1), birthday=birthday)


def purchase(day: date, mid: str, amount: str) -> Txn:
    return Txn(row=next(_rows), day=day, member_id=mid, type=TxnType.PURCHASE, amount=Decimal(amount))


MEMBERS = (
    member("S", Birthday(12, 5, 1990)),
    member("L", Birthday(10, 16, 1985, lunar=True)),  # lunar 10-16 of 2026 = 2026-11-24
    member("F", Birthday(2, 29)),
    member("J", Birthday(11, 20, lunar=True)),  # lunar 11-20 of 2026 = 2026-12-28
)
TXNS = (
    purchase(date(2025, 3, 1), "S", "12000"),
    purchase(date(2025, 7, 1), "S", "345.67"),
    purchase(date(2026, 1, 1), "S", "999"),  # this year's spend does not count for this year's budget
    purchase(date(2025, 5, 1), "L", "8000"),
)
MF = MemberFile(path="t.xlsx", members=MEMBERS, txns=TXNS)


def test_each_member_gets_the_next_birthday_age_and_budget() -> None:
    ev = evaluate(MF, RulesSettings(), date(2026, 11, 20))
    s = ev.members["S"].birthday
    assert s is not None
    assert (s.next, s.age, s.turning, s.budget_year, s.budget_spend, s.budget) == (
        date(2026, 12, 5),
        35,
        36,
        2025,
        Decimal("12345.67"),
        Decimal("61.73"),
    )
    assert explain(s.why, "en") == "birthday 2026-12-05: gift budget 0.5% of 2025 spend 12,345.67 = 61.73"
    lunar = ev.members["L"].birthday
    assert lunar is not None and (lunar.next, lunar.age, lunar.turning, lunar.budget) == (
        date(2026, 11, 24),
        40,
        41,
        Decimal("40.00"),
    )
    assert explain(lunar.why, "zh") == "生日 2026-11-24（农历10月16日）：礼品预算为 2025 年消费 8,000 的 0.5% = 40"
    feb29 = ev.members["F"].birthday
    assert feb29 is not None and (feb29.next, feb29.age) == (date(2027, 2, 28), None)


def test_the_birthday_list_of_a_month() -> None:
    ev = evaluate(MF, RulesSettings(birthdays=BirthdaySettings(budget_min=Decimal(20))), date(2026, 11, 20))
    december = birthdays_in_month(ev, 2026, 12)
    assert [(e.member_id, e.day, e.turning, e.budget) for e in december] == [
        ("S", date(2026, 12, 5), 36, Decimal("61.73")),
        ("J", date(2026, 12, 28), None, Decimal("20.00")),
    ]
    assert [e.member_id for e in birthdays_in_month(ev, 2026, 11)] == ["L"]
    assert [e.day for e in birthdays_in_month(ev, 2027, 2)] == [date(2027, 2, 28)]
