"""Invariants of the segments, for any shop hypothesis can make up."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalsheet.model import Member, Txn, TxnType
from loyalsheet.segments import SegmentResult, SegmentSettings, segment
from loyalsheet.segments.quadrants import Quadrant
from loyalsheet.segments.rfm import group_of
from loyalsheet.segments.settings import QuadrantSettings

BASE = date(2026, 6, 30)
IDS = [f"M{k}" for k in range(12)]
SETTINGS = SegmentSettings()

txn_st = st.builds(
    lambda mid, offset, typ, cents, cat: Txn(
        row=2,
        day=BASE + timedelta(days=offset),
        member_id=mid,
        type=typ,
        amount=None if cents is None else Decimal(cents).scaleb(-2),
        category=cat,
    ),
    st.sampled_from([*IDS, "stranger-id"]),
    st.integers(-900, 120),
    st.sampled_from(list(TxnType)),
    st.one_of(st.none(), st.integers(0, 500_000)),
    st.sampled_from([None, "skincare", "makeup", "hair"]),
)
shop_st = st.tuples(
    st.integers(1, len(IDS)),
    st.lists(txn_st, max_size=60),
    st.integers(-200, 100),
)


def members(n: int) -> list[Member]:
    return [Member(row=k + 2, member_id=IDS[k], name=IDS[k], joined=date(2023, 1, 1)) for k in range(n)]


def run(n: int, txns: list[Txn], offset: int, s: SegmentSettings = SETTINGS) -> tuple[date, SegmentResult]:
    today = BASE + timedelta(days=offset)
    return today, segment(members(n), txns, s, today)


@settings(max_examples=150, deadline=None)
@given(shop_st)
def test_every_member_with_visits_has_exactly_one_quadrant(shop: tuple[int, list[Txn], int]) -> None:
    _, result = run(*shop)
    th = result.thresholds.quadrants
    for ms in result.members:
        a = ms.activity
        if a.visits == 0:
            assert ms.quadrant is None
            continue
        assert ms.quadrant in set(Quadrant)
        many, high = a.visits > th.visits, a.spend > th.spend
        expected = {(True, True): Quadrant.CONFIDANT, (False, True): Quadrant.BUTTERFLY,
                    (True, False): Quadrant.BARNACLE, (False, False): Quadrant.STRANGER}[(many, high)]
        assert ms.quadrant is expected


@settings(max_examples=150, deadline=None)
@given(shop_st)
def test_rfm_scores_within_one_to_five(shop: tuple[int, list[Txn], int]) -> None:
    _, result = run(*shop)
    scored = [ms for ms in result.members if ms.rfm is not None]
    assert len(scored) == sum(1 for ms in result.members if ms.activity.lifetime_visits > 0)
    for ms in scored:
        rfm = ms.rfm
        assert rfm is not None
        assert {rfm.r, rfm.f, rfm.m} <= {1, 2, 3, 4, 5}
        assert rfm.group is group_of(rfm.r, rfm.f, rfm.m)
    # equal values, equal scores; better values, no worse scores
    for x in scored:
        for y in scored:
            ax, ay = x.activity, y.activity
            assert x.rfm is not None and y.rfm is not None
            if ax.lifetime_visits >= ay.lifetime_visits:
                assert x.rfm.f >= y.rfm.f
            if ax.lifetime_spend_cents >= ay.lifetime_spend_cents:
                assert x.rfm.m >= y.rfm.m
            assert ax.days_since_last_visit is not None and ay.days_since_last_visit is not None
            if ax.days_since_last_visit <= ay.days_since_last_visit:
                assert x.rfm.r >= y.rfm.r


@settings(max_examples=150, deadline=None)
@given(shop_st)
def test_transactions_after_the_day_are_ignored(shop: tuple[int, list[Txn], int]) -> None:
    n, txns, offset = shop
    today, result = run(n, txns, offset)
    _, without_future = run(n, [t for t in txns if t.day <= today], offset)
    assert result == without_future
    _, reversed_order = run(n, txns[::-1], offset)
    assert result == reversed_order


@settings(max_examples=150, deadline=None)
@given(shop_st)
def test_medians_are_used_when_settings_give_none(shop: tuple[int, list[Txn], int]) -> None:
    _, result = run(*shop)
    th = result.thresholds.quadrants
    active = [ms.activity for ms in result.members if ms.activity.visits > 0]
    assert th.visits_from == th.spend_from == "median" and th.members == len(active)
    if active:
        assert Fraction(th.visits) == Fraction(statistics.median([a.visits for a in active]))
        assert Fraction(th.spend) == Fraction(statistics.median([Fraction(a.spend) for a in active]))
    fixed = SegmentSettings(quadrants=QuadrantSettings(visits_threshold=3, spend_threshold=Decimal(1000)))
    _, r2 = run(*shop, s=fixed)
    assert (r2.thresholds.quadrants.visits, r2.thresholds.quadrants.spend) == (Decimal(3), Decimal(1000))


@settings(max_examples=150, deadline=None)
@given(shop_st)
def test_activity_matches_a_plain_recount(shop: tuple[int, list[Txn], int]) -> None:
    n, txns, offset = shop
    today, result = run(n, txns, offset)
    start = result.thresholds.window.start
    for ms in result.members:
        mine = [t for t in txns if t.member_id == ms.member_id and t.day <= today]
        visit_days = {t.day for t in mine if t.type in (TxnType.PURCHASE, TxnType.SESSION)}
        spend = sum(
            ((t.amount or 0) if t.type is TxnType.PURCHASE else -(t.amount or 0))
            for t in mine
            if t.type in (TxnType.PURCHASE, TxnType.REFUND) and t.day > start
        )
        a = ms.activity
        assert a.lifetime_visits == len(visit_days)
        assert a.visits == sum(1 for d in visit_days if d > start)
        assert a.spend == spend
        assert a.last_visit == (max(visit_days) if visit_days else None)
        assert sum(a.categories.values(), Decimal(0)) == spend


@settings(max_examples=100, deadline=None)
@given(shop_st)
def test_flags_and_stages_are_consistent(shop: tuple[int, list[Txn], int]) -> None:
    _, result = run(*shop)
    whales = result.thresholds.whales
    positive = [ms for ms in result.members if ms.activity.spend_cents > 0]
    assert whales.population == len(positive)
    flagged = [ms for ms in result.members if ms.whale]
    assert len(flagged) == whales.members >= (math.ceil(Decimal("0.05") * len(positive)) if positive else 0)
    for ms in result.members:
        assert (ms.stage == "potential") == (ms.activity.lifetime_visits == 0)
        if ms.whale:
            assert whales.cut is not None and ms.activity.spend >= whales.cut > 0
        if ms.gone_quiet:
            a = ms.activity
            assert a.usual_interval is not None and a.days_since_last_visit is not None
            assert a.days_since_last_visit > 2 * a.usual_interval and a.days_since_last_visit >= 30
