"""Lifecycle: one member moves from new to growing to lapsed as the day moves; a declining regular; edges."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from loyalsheet.model import Member, Txn, TxnType
from loyalsheet.segments import MemberSegments, SegmentSettings, Stage, segment
from loyalsheet.segments.settings import LifecycleSettings


def member(mid: str, joined: date | None = date(2020, 1, 1)) -> Member:
    return Member(row=2, member_id=mid, name=mid, joined=joined)


def buy(mid: str, day: date, typ: TxnType = TxnType.PURCHASE, amount: str | None = "200") -> Txn:
    return Txn(row=2, day=day, member_id=mid, type=typ, amount=None if amount is None else Decimal(amount))


def every(mid: str, first: date, last: date, days: int) -> list[Txn]:
    out, d = [], first
    while d <= last:
        out.append(buy(mid, d))
        d += timedelta(days=days)
    return out


def one(
    txns: list[Txn], today: date, m: Member | None = None, settings: SegmentSettings | None = None
) -> MemberSegments:
    result = segment([m or member("A")], txns, settings or SegmentSettings(), today)
    return result.members[0]


# Joined in January 2026, first visit on 1 February, then every two weeks until 21 June.
NEWCOMER = every("A", date(2026, 2, 1), date(2026, 7, 1), 14)


def test_new_then_growing_then_lapsed_as_the_day_moves() -> None:
    assert NEWCOMER[-1].day == date(2026, 6, 21) and len(NEWCOMER) == 11

    early = one(NEWCOMER, date(2026, 3, 1))
    assert early.stage is Stage.NEW
    assert early.stage_reason.render("en") == "new: first visit on 2026-02-01, 28 days ago (≤ 90)"

    later = one(NEWCOMER, date(2026, 6, 25))
    assert later.stage is Stage.GROWING  # 11 visits but less than a year since the first
    assert later.stage_reason.render("en") == (
        "growing: 11 visits since 2026-02-01 (144 days; mature from 6 visits and 365 days)"
    )

    gone = one(NEWCOMER, date(2027, 1, 22))
    assert gone.stage is Stage.LAPSED
    assert gone.stage_reason.render("en") == "lapsed: no visit for 215 days (> 180)"
    assert gone.stage_reason.render("zh") == "流失：已 215 天没有到店（超过 180 天）"


def test_lapsed_and_new_boundaries() -> None:
    last = date(2026, 1, 1)
    txns = [buy("A", date(2025, 1, 1)), buy("A", last)]
    assert one(txns, last + timedelta(days=180)).stage is not Stage.LAPSED
    assert one(txns, last + timedelta(days=181)).stage is Stage.LAPSED
    assert one([buy("A", last)], last + timedelta(days=90)).stage is Stage.NEW
    assert one([buy("A", last)], last + timedelta(days=91)).stage is Stage.GROWING


def test_potential_registered_without_purchase() -> None:
    today = date(2026, 11, 22)
    joined = member("A", joined=date(2026, 10, 1))
    only_top_up = one([buy("A", date(2026, 10, 2), TxnType.TOP_UP, "1000")], today, joined)
    assert only_top_up.stage is Stage.POTENTIAL
    assert only_top_up.stage_reason.render("en") == "potential: registered on 2026-10-01, no purchase yet"
    assert one([], today, member("A", joined=None)).stage_reason.render("zh") == "潜在：已登记，尚未消费"
    # a purchase after the day does not count yet
    assert one([buy("A", date(2026, 12, 1))], today, joined).stage is Stage.POTENTIAL


TODAY = date(2026, 11, 22)  # window halves: 2025-11-23..2026-05-23 and 2026-05-24..2026-11-22


def regular(mid: str) -> list[Txn]:
    """A regular since 2023, every two weeks up to the middle of the window."""
    return every(mid, date(2023, 1, 7), date(2026, 5, 23), 14)


def test_declining_regular() -> None:
    txns = [*regular("A"), buy("A", date(2026, 6, 20)), buy("A", date(2026, 9, 1))]
    ms = one(txns, TODAY)
    assert ms.activity.earlier_visits == 13 and ms.activity.recent_visits == 2
    assert ms.stage is Stage.DECLINING
    assert ms.stage_reason.render("en") == (
        "declining: 2 visits in the last 6 months against 13 in the 6 months before (< 50%)"
    )
    assert ms.stage_reason.render("zh") == "衰退：近6个月到店 2 次，之前6个月 13 次（不到 50%）"


def test_steady_regular_is_mature() -> None:
    ms = one(every("A", date(2023, 1, 7), TODAY, 14), TODAY)
    assert ms.stage is Stage.MATURE
    assert ms.stage_reason.render("en").startswith("mature: 102 visits since 2023-01-07 (1,415 days;")


@pytest.mark.parametrize(("recent", "stage"), [(6, Stage.MATURE), (7, Stage.MATURE), (5, Stage.DECLINING)])
def test_declining_share_edge(recent: int, stage: Stage) -> None:
    # 12 visits in the earlier half; declining below 50% of that = fewer than 6
    earlier = every("A", date(2025, 12, 1), date(2026, 5, 20), 14)[:12]
    later = [buy("A", date(2026, 6, 1) + timedelta(days=7 * k)) for k in range(recent)]
    old = every("A", date(2024, 1, 1), date(2024, 12, 1), 30)
    assert one([*old, *earlier, *later], TODAY).stage is stage


def test_too_few_earlier_visits_to_judge_a_decline() -> None:
    txns = [buy("A", date(2024, 1, 1) + timedelta(days=30 * k)) for k in range(8)]
    txns += [buy("A", date(2026, d, 1)) for d in (3, 4, 5, 7)]  # 3 in the earlier half, 1 in the recent
    assert one(txns, TODAY).stage is Stage.MATURE
    strict = SegmentSettings(lifecycle=LifecycleSettings(declining_min_visits=3))
    assert one(txns, TODAY, settings=strict).stage is Stage.DECLINING
