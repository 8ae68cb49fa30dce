"""Points: a member's year worked out by hand, then the settings that change earning and expiry."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from loyalsheet.model import Birthday, Member, MemberFile, PaidWith, Severity, Txn, TxnType
from loyalsheet.rules import RulesSettings, Source, evaluate, explain
from loyalsheet.rules.settings import ExpirySettings, PointsSettings, SpendWay, TiersSettings

_rows = itertools.count(2)


def member(mid: str, **kw: Any) -> Member:
    return Member(row=next(_rows), member_id=mid, name=f"Name {mid}", joined=date(2024, 12, 1), **kw)


def txn(day: date, mid: str, kind: TxnType, amount: str | None = None, **kw: Any) -> Txn:
    return Txn(
        row=next(_rows), day=day, member_id=mid, type=kind, amount=None if amount is None else Decimal(amount), **kw
    )


def book(members: list[Member], txns: list[Txn]) -> MemberFile:
    return MemberFile(path="test.xlsx", members=tuple(members), txns=tuple(txns))


P, R, F, TOP, RED, ADJ = (
    TxnType.PURCHASE,
    TxnType.REFUND,
    TxnType.ANNUAL_FEE,
    TxnType.TOP_UP,
    TxnType.REDEMPTION,
    TxnType.ADJUSTMENT,
)
NO_SPEND_TIERS = RulesSettings(tiers=TiersSettings(spend=SpendWay(enabled=False)))

# A year of one member, typed as a shop would.
YEAR = [
    txn(date(2025, 1, 10), "M1", P, "300"),  # lot A: 300, good through 2026-01-31
    txn(date(2025, 2, 15), "M1", P, "450.80"),  # lot B: 450 (rounded down), through 2026-02-28
    txn(date(2025, 3, 1), "M1", TOP, "1000"),  # top-ups earn nothing
    txn(date(2025, 3, 20), "M1", P, "200", paid_with=PaidWith.STORED_VALUE),  # nor stored-value purchases
    txn(date(2025, 4, 5), "M1", RED, points=500),  # A 300 + B 200, oldest first
    txn(date(2025, 6, 30), "M1", P, "1000"),  # lot C: 1000, through 2026-06-30
    txn(date(2025, 7, 15), "M1", R, "500"),  # takes back 1750 * 500 / 1750.80 = 499 points, from C
    txn(date(2025, 9, 1), "M1", ADJ, points=100),  # lot D: 100, through 2026-09-30
    txn(date(2025, 12, 20), "M1", P, "88"),  # lot E: 88, through 2026-12-31
    txn(date(2026, 3, 10), "M1", RED, points=2000),  # B lapsed (250) on 03-01; only 689 left to redeem
]
EXPECTED_BALANCE = {
    date(2025, 1, 31): 300,
    date(2025, 2, 28): 750,
    date(2025, 3, 31): 750,
    date(2025, 4, 30): 250,
    date(2025, 5, 31): 250,
    date(2025, 6, 30): 1250,
    date(2025, 7, 31): 751,
    date(2025, 8, 31): 751,
    date(2025, 9, 30): 851,
    date(2025, 10, 31): 851,
    date(2025, 11, 30): 851,
    date(2025, 12, 31): 939,
    date(2026, 1, 31): 939,  # lot A would lapse now, but it was all spent
    date(2026, 2, 28): 939,  # lot B is still good on its last day
    date(2026, 3, 31): 0,
}


def test_a_year_month_by_month() -> None:
    mf = book([member("M1")], YEAR)
    for day, balance in EXPECTED_BALANCE.items():
        pts = evaluate(mf, NO_SPEND_TIERS, day).members["M1"].points
        assert pts.balance == balance, day
        assert pts.earned + pts.bonus + pts.adjusted - pts.redeemed - pts.expired - pts.refunded == pts.balance


def test_the_lots_before_and_after_the_lapse() -> None:
    mf = book([member("M1")], YEAR)
    pts = evaluate(mf, NO_SPEND_TIERS, date(2026, 2, 28)).members["M1"].points
    assert [(lot.earned, lot.points, lot.expires, lot.source) for lot in pts.lots] == [
        (date(2025, 2, 15), 250, date(2026, 2, 28), Source.PURCHASE),
        (date(2025, 6, 30), 501, date(2026, 6, 30), Source.PURCHASE),
        (date(2025, 9, 1), 100, date(2026, 9, 30), Source.ADJUSTMENT),
        (date(2025, 12, 20), 88, date(2026, 12, 31), Source.PURCHASE),
    ]
    assert (pts.next_expiry, pts.next_expiry_points, pts.expiring_soon) == (date(2026, 2, 28), 250, 250)
    assert explain(pts.expiry_why, "en") == "250 points lapse after 2026-02-28"  # type: ignore[arg-type]

    ev = evaluate(mf, NO_SPEND_TIERS, date(2026, 3, 31))
    pts = ev.members["M1"].points
    assert (pts.earned, pts.adjusted, pts.redeemed, pts.expired, pts.refunded, pts.balance) == (
        1838,
        100,
        1189,
        250,
        499,
        0,
    )
    assert pts.lots == ()
    assert explain(pts.why, "en") == (
        "earned 1,838 + referral bonus 0 + adjustments 100 - redeemed 1,189 - expired 250 "
        "- taken back by refunds 499 = 0"
    )
    (problem,) = [p for p in ev.problems if p.code == "points_overdrawn"]
    assert (problem.severity, problem.sheet, problem.row, problem.column) == (
        Severity.ERROR,
        "transactions",
        YEAR[-1].row,
        "points",
    )
    assert problem.params["balance"] == 689 and problem.params["points"] == 2000


def test_a_refund_after_the_points_were_spent_is_a_warning_and_the_balance_stays_at_zero() -> None:
    mf = book(
        [member("M1")],
        [
            txn(date(2026, 1, 5), "M1", P, "1000"),
            txn(date(2026, 1, 6), "M1", RED, points=900),
            txn(date(2026, 1, 7), "M1", R, "1000"),
        ],
    )
    ev = evaluate(mf, NO_SPEND_TIERS, date(2026, 1, 31))
    pts = ev.members["M1"].points
    assert (pts.balance, pts.refunded) == (0, 100)
    (problem,) = ev.problems
    assert (problem.code, problem.severity, problem.column) == ("points_refund_short", Severity.WARNING, "amount")
    assert problem.params["points"] == 1000 and problem.params["balance"] == 100


def test_a_negative_adjustment_removes_oldest_points_and_never_goes_below_zero() -> None:
    mf = book(
        [member("M1")],
        [
            txn(date(2026, 1, 5), "M1", P, "100"),
            txn(date(2026, 2, 5), "M1", P, "100"),
            txn(date(2026, 3, 5), "M1", ADJ, points=-150),
            txn(date(2026, 3, 6), "M1", ADJ, points=-80),
        ],
    )
    ev = evaluate(mf, NO_SPEND_TIERS, date(2026, 3, 31))
    pts = ev.members["M1"].points
    assert (pts.balance, pts.adjusted) == (0, -200)
    assert [p.code for p in ev.problems] == ["points_adjustment_overdrawn"]


def test_tier_multiplier_applies_from_the_day_of_the_upgrade() -> None:
    # Silver (x1.2) at 5,000 of spend in 12 months: the purchase that reaches it earns at Silver.
    mf = book(
        [member("M1")],
        [
            txn(date(2026, 1, 5), "M1", P, "4000"),
            txn(date(2026, 2, 5), "M1", P, "1000"),
            txn(date(2026, 3, 5), "M1", P, "100"),
        ],
    )
    result = evaluate(mf, RulesSettings(), date(2026, 3, 31)).members["M1"]
    assert result.tier.tier == "Silver"
    assert [lot.points for lot in result.points.lots] == [4000, 1200, 120]


def test_birthday_month_multiplier() -> None:
    settings = RulesSettings(
        points=PointsSettings(birthday_month_multiplier=Decimal(2)), tiers=TiersSettings(spend=SpendWay(enabled=False))
    )
    mf = book(
        [member("M1", birthday=Birthday(3, 15)), member("M2", birthday=Birthday(2, 1, lunar=True))],
        [
            txn(date(2026, 3, 1), "M1", P, "100"),  # March: birthday month
            txn(date(2026, 4, 1), "M1", P, "100"),
            txn(date(2026, 3, 20), "M2", P, "100"),  # lunar 2-1 of 2026 is 2026-03-19
            txn(date(2026, 2, 20), "M2", P, "100"),
        ],
    )
    ev = evaluate(mf, settings, date(2026, 4, 30))
    assert [lot.points for lot in ev.members["M1"].points.lots] == [200, 100]
    assert sorted(lot.points for lot in ev.members["M2"].points.lots) == [100, 200]


def test_fixed_date_expiry_and_never() -> None:
    txns = [txn(date(2025, 6, 1), "M1", P, "100"), txn(date(2025, 12, 31), "M1", P, "50")]
    mf = book([member("M1")], txns)
    fixed = RulesSettings(
        points=PointsSettings(expiry=ExpirySettings(mode="fixed_date", month_day="12-31")),
        tiers=TiersSettings(spend=SpendWay(enabled=False)),
    )
    assert evaluate(mf, fixed, date(2025, 12, 31)).members["M1"].points.balance == 150
    after = evaluate(mf, fixed, date(2026, 1, 1)).members["M1"].points
    assert (after.balance, after.expired) == (0, 150)

    never = RulesSettings(
        points=PointsSettings(expiry=ExpirySettings(mode="never")), tiers=TiersSettings(spend=SpendWay(enabled=False))
    )
    kept = evaluate(mf, never, date(2030, 1, 1)).members["M1"].points
    assert (kept.balance, kept.next_expiry, kept.lots[0].expires) == (150, None, None)


def test_settings_can_earn_on_stored_value_top_ups_and_fees() -> None:
    settings = RulesSettings(
        points=PointsSettings(on_stored_value=True, on_top_ups=True, on_annual_fees=True, rate=Decimal("0.1")),
        tiers=TiersSettings(spend=SpendWay(enabled=False)),
    )
    mf = book(
        [member("M1")],
        [
            txn(date(2026, 1, 1), "M1", TOP, "1000"),
            txn(date(2026, 1, 2), "M1", P, "209", paid_with=PaidWith.STORED_VALUE),
            txn(date(2026, 1, 3), "M1", F, "899", paid_with=PaidWith.CARD),
        ],
    )
    pts = evaluate(mf, settings, date(2026, 1, 31)).members["M1"].points
    assert [(lot.points, lot.source) for lot in pts.lots] == [
        (100, Source.TOP_UP),
        (20, Source.PURCHASE),
        (134, Source.ANNUAL_FEE),  # the fee buys Gold from that day (x1.5): 89.9 x 1.5 = 134.85
    ]


def test_rows_are_taken_in_day_and_time_order_whatever_the_row_order() -> None:
    earlier = txn(date(2026, 1, 5), "M1", RED, points=100, at=datetime(2026, 1, 5, 18, 0))
    later_row = txn(date(2026, 1, 5), "M1", P, "500", at=datetime(2026, 1, 5, 9, 30))  # typed below, bought first
    same_day = evaluate(book([member("M1")], [earlier, later_row]), NO_SPEND_TIERS, date(2026, 1, 31))
    assert same_day.problems == () and same_day.members["M1"].points.balance == 400
    back_dated = txn(date(2026, 1, 2), "M1", P, "200")  # typed last, dated first
    ev = evaluate(book([member("M1")], [earlier, later_row, back_dated]), NO_SPEND_TIERS, date(2026, 1, 31))
    assert ev.problems == ()
    assert ev.members["M1"].points.balance == 600
