"""Segments, step one: visits and spend per member, counted as the docs say."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loyalsheet.model import Member, PaidWith, Txn, TxnType
from loyalsheet.segments.activity import UNCATEGORISED, Window, activities

TODAY = date(2026, 11, 22)
WINDOW = Window.of(TODAY, 12)  # 2025-11-22 < day <= 2026-11-22, mid 2026-05-23


def member(mid: str, joined: date = date(2020, 1, 1), **kw: Any) -> Member:
    return Member(row=2, member_id=mid, name=mid, joined=joined, **kw)


def txn(mid: str, day: date, typ: TxnType = TxnType.PURCHASE, amount: str | None = "100", **kw: Any) -> Txn:
    return Txn(row=2, day=day, member_id=mid, type=typ, amount=None if amount is None else Decimal(amount), **kw)


def one(txns: list[Txn], mid: str = "A") -> Any:
    (a,) = activities([member(mid)], txns, TODAY, WINDOW)
    return a


def test_window_and_halves() -> None:
    assert WINDOW.start == date(2025, 11, 22) and WINDOW.mid == date(2026, 5, 23)


def test_purchases_and_sessions_are_visits_one_per_day() -> None:
    a = one([
        txn("A", date(2026, 11, 1), amount="100"),
        txn("A", date(2026, 11, 1), amount="50.50"),  # same day: one visit
        txn("A", date(2026, 11, 10), TxnType.SESSION, None),  # a visit without spend
        txn("A", date(2026, 11, 12), TxnType.TOP_UP, "1000"),  # neither visit nor spend
        txn("A", date(2026, 11, 13), TxnType.ANNUAL_FEE, "899"),
        txn("A", date(2026, 11, 14), TxnType.REDEMPTION, None, points=100),
        txn("A", date(2026, 11, 15), TxnType.ADJUSTMENT, None, points=5),
        txn("A", date(2026, 11, 16), TxnType.REFUND, "30"),  # spend, not a visit
    ])
    assert a.visits == 2 and a.lifetime_visits == 2
    assert a.spend == Decimal("120.50") and isinstance(a.spend, Decimal)
    assert a.first_visit == date(2026, 11, 1) and a.last_visit == date(2026, 11, 10)
    assert a.days_since_last_visit == 12
    assert a.usual_interval == 9


def test_window_edges_and_future() -> None:
    a = one([
        txn("A", date(2025, 11, 22), amount="1"),  # exactly 12 months back: outside
        txn("A", date(2025, 11, 23), amount="10"),  # first day inside
        txn("A", TODAY, amount="100"),  # the day itself counts
        txn("A", TODAY + timedelta(days=1), amount="1000"),  # after the day: ignored everywhere
    ])
    assert (a.visits, a.spend, a.lifetime_visits, a.lifetime_spend) == (2, Decimal(110), 3, Decimal(111))
    assert a.last_visit == TODAY and a.days_since_last_visit == 0


def test_halves_split_at_mid() -> None:
    a = one([txn("A", WINDOW.mid), txn("A", WINDOW.mid + timedelta(days=1)), txn("A", date(2025, 11, 23))])
    assert (a.earlier_visits, a.recent_visits) == (2, 1)


def test_usual_interval_is_the_median_gap_rounded_half_up() -> None:
    base = date(2026, 1, 1)
    odd = one([txn("A", base + timedelta(days=d)) for d in (0, 10, 30, 31)])  # gaps 10, 20, 1 -> 10
    even = one([txn("A", base + timedelta(days=d)) for d in (0, 10, 31)])  # gaps 10, 21 -> 15.5 -> 16
    single = one([txn("A", base)])
    assert (odd.usual_interval, even.usual_interval, single.usual_interval) == (10, 16, None)


def test_categories_net_of_refunds_in_the_window_only() -> None:
    a = one([
        txn("A", date(2026, 6, 1), amount="300", category="skincare"),
        txn("A", date(2026, 6, 2), TxnType.REFUND, "100", category="skincare"),
        txn("A", date(2026, 6, 3), amount="50", category="makeup"),
        txn("A", date(2026, 6, 4), amount="20"),
        txn("A", date(2024, 6, 4), amount="999", category="hair"),  # before the window
    ])
    assert a.categories == {"skincare": Decimal(200), "makeup": Decimal(50), UNCATEGORISED: Decimal(20)}
    assert list(a.categories) == ["skincare", "makeup", UNCATEGORISED]  # largest first


def test_refund_larger_than_purchases_makes_negative_spend() -> None:
    a = one([txn("A", date(2026, 6, 1), amount="100"), txn("A", date(2026, 6, 2), TxnType.REFUND, "150")])
    assert a.spend == Decimal(-50) and a.visits == 1


def test_half_cents_round_half_up_as_the_rules_do() -> None:
    assert one([txn("A", date(2026, 6, 1), amount="0.005")]).spend == Decimal("0.01")


def test_unknown_members_skipped_and_repeated_ids_share_one_activity() -> None:
    ms = [member("A"), member("B"), member("A")]
    acts = activities(ms, [txn("A", date(2026, 6, 1)), txn("Z", date(2026, 6, 1))], TODAY, WINDOW)
    assert [a.member_id for a in acts] == ["A", "B", "A"]
    assert acts[0] is acts[2] and acts[0].visits == 1 and acts[1].visits == 0


def test_member_without_anything() -> None:
    a = one([])
    assert (a.visits, a.spend, a.first_visit, a.last_visit, a.days_since_last_visit) == (0, 0, None, None, None)
    assert a.categories == {} and a.usual_interval is None


def test_gift_card_spend_counts_only_as_config_says_but_is_a_visit() -> None:
    """As the rules' spend (tiers.spend.include_gift_card): the giver paid, so by default it is not spend."""
    txns = [txn("A", date(2026, 6, 1), amount="5000"),
            txn("A", date(2026, 6, 15), amount="250", paid_with=PaidWith.GIFT_CARD, gift_card="GC2"),
            txn("A", date(2026, 6, 20), TxnType.REFUND, "50", paid_with=PaidWith.GIFT_CARD, gift_card="GC2")]
    (without,) = activities([member("A")], txns, TODAY, WINDOW, include_gift_card=False)
    (with_them,) = activities([member("A")], txns, TODAY, WINDOW, include_gift_card=True)
    assert (without.spend, without.lifetime_spend, without.visits) == (Decimal(5000), Decimal(5000), 2)
    assert (with_them.spend, with_them.visits) == (Decimal(5200), 2)
