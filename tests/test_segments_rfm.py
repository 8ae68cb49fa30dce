"""RFM: quintile cut points (nearest rank), ties share a score, 5 is best, the group map."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from loyalsheet.model import Member, Txn, TxnType
from loyalsheet.segments import RfmGroup, SegmentSettings, segment
from loyalsheet.segments.rfm import GRID, cut_points, group_of, higher_better
from loyalsheet.segments.settings import RfmSettings

TODAY = date(2026, 11, 22)


def test_cut_points_nearest_rank() -> None:
    assert cut_points([]) == ()
    assert cut_points([10, 20, 30, 40, 50]) == (10, 20, 30, 40)
    assert cut_points([1, 2, 3, 4, 5, 6, 7]) == (2, 3, 5, 6)  # positions ceil(1.4, 2.8, 4.2, 5.6) = 2, 3, 5, 6
    assert cut_points([7]) == (7, 7, 7, 7)


def test_ties_share_the_lower_score_and_some_scores_go_unused() -> None:
    values = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]  # most members visited once
    cuts = cut_points(values)
    assert cuts == (1, 1, 1, 3)
    assert [higher_better(v, cuts) for v in values] == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


@pytest.mark.parametrize(
    ("rfm", "group"),
    [
        ((5, 5, 5), RfmGroup.CHAMPIONS),
        ((5, 1, 1), RfmGroup.NEW),
        ((4, 1, 2), RfmGroup.POTENTIAL_LOYALISTS),  # FM = (1 + 2) / 2 rounded half up = 2
        ((4, 1, 1), RfmGroup.PROMISING),
        ((3, 3, 3), RfmGroup.NEED_ATTENTION),
        ((3, 4, 5), RfmGroup.LOYAL),
        ((3, 1, 2), RfmGroup.ABOUT_TO_SLEEP),
        ((2, 3, 4), RfmGroup.AT_RISK),
        ((1, 5, 5), RfmGroup.CANT_LOSE),
        ((2, 2, 1), RfmGroup.HIBERNATING),
        ((1, 1, 1), RfmGroup.LOST),
    ],
)
def test_group_map(rfm: tuple[int, int, int], group: RfmGroup) -> None:
    assert group_of(*rfm) is group


def test_every_group_is_on_the_grid() -> None:
    assert {g for row in GRID for g in row} == set(RfmGroup)


def member(mid: str) -> Member:
    return Member(row=2, member_id=mid, name=mid, joined=date(2020, 1, 1))


def history(mid: str, last_days_ago: int, n: int, each: int) -> list[Txn]:
    return [Txn(row=2, day=TODAY - timedelta(days=last_days_ago + 3 * k), member_id=mid, type=TxnType.PURCHASE,
                amount=Decimal(each)) for k in range(n)]


def test_worked_example_through_segment() -> None:
    # five kinds of member, each kind twice (ties), each kind better than the one before on all three
    kinds = {"a": (400, 1, 100), "b": (200, 2, 150), "c": (90, 3, 200), "d": (30, 4, 250), "e": (2, 20, 500)}
    txns = [t for k, spec in kinds.items() for mid in (k, k + "2") for t in history(mid, *spec)]
    ids = [mid for k in kinds for mid in (k, k + "2")] + ["g"]  # g: registered, no visit
    result = segment([member(m) for m in ids], txns, SegmentSettings(), TODAY)
    by = result.by_id
    cuts = result.thresholds.rfm
    assert cuts.recency_days == (400, 200, 90, 30)  # descending: R2 needs fewer days than 400
    assert cuts.frequency == (1, 2, 3, 4)
    assert cuts.monetary == (Decimal(100), Decimal(300), Decimal(600), Decimal(1000))
    assert cuts.members == 10
    codes = {m: (x.code if (x := by[m].rfm) else None) for m in ids}
    assert codes == {
        "a": "111", "a2": "111", "b": "222", "b2": "222", "c": "333", "c2": "333",
        "d": "444", "d2": "444", "e": "555", "e2": "555", "g": None,
    }
    groups = [x.group for m in "abcde" if (x := by[m].rfm)]
    assert groups == [
        RfmGroup.LOST, RfmGroup.HIBERNATING, RfmGroup.NEED_ATTENTION, RfmGroup.LOYAL, RfmGroup.CHAMPIONS
    ]
    assert by["e"].rfm_reason.render("en") == (
        "champions: R5 F5 M5 (last visit 2 days ago; 20 visits and spend 10,000 to date)"
    )
    assert by["e"].rfm_reason.render("zh") == "冠军客户：R5 F5 M5（最近一次到店在 2 天前；累计到店 20 次，消费 10,000）"
    assert by["g"].rfm_reason.render("en") == "no RFM score: no visit yet"


def test_window_basis_scores_only_members_with_a_visit_in_the_window() -> None:
    txns = [*history("a", 400, 5, 1000), *history("b", 10, 2, 10)]
    s = SegmentSettings(rfm=RfmSettings(basis="window"))
    by = segment([member("a"), member("b")], txns, s, TODAY).by_id
    assert by["a"].rfm is None and by["a"].rfm_reason.render("en") == "no RFM score: no visit in the last 12 months"
    assert by["b"].rfm is not None
    assert by["b"].rfm_reason.render("en").endswith("2 visits and spend 20 in the last 12 months)")
