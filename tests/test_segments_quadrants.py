"""Four quadrants: a confidant, a butterfly, a barnacle and a stranger, split at the medians or at settings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from loyalsheet.model import Member, Txn, TxnType
from loyalsheet.segments import MemberSegments, Quadrant, SegmentResult, SegmentSettings, segment
from loyalsheet.segments.quadrants import median
from loyalsheet.segments.settings import QuadrantSettings

TODAY = date(2026, 11, 22)


def member(mid: str) -> Member:
    return Member(row=2, member_id=mid, name=mid, joined=date(2020, 1, 1))


def visits(mid: str, n: int, spend: int, first: date = date(2026, 1, 5)) -> list[Txn]:
    """``n`` purchases a week apart adding up to ``spend``."""
    each = Decimal(spend) / n
    return [Txn(row=2, day=first + timedelta(weeks=k), member_id=mid, type=TxnType.PURCHASE, amount=each)
            for k in range(n)]


CAST = {  # member: (visits, spend) over the 12 months
    "confidant": (10, 5000),
    "butterfly": (2, 6000),
    "barnacle": (12, 600),
    "stranger": (1, 100),
    "middle": (5, 2000),  # on both medians: "more than the median" is needed, so a stranger
}


def run(settings: SegmentSettings | None = None) -> tuple[SegmentResult, dict[str, MemberSegments]]:
    ms = [member(m) for m in [*CAST, "gone"]]
    txns = [t for m, (n, s) in CAST.items() for t in visits(m, n, s)]
    txns += visits("gone", 3, 9000, first=date(2024, 1, 1))  # big spender, but nothing in the window
    result = segment(ms, txns, settings or SegmentSettings(), TODAY)
    return result, {x.member_id: x for x in result.members}


def test_medians_split_the_four() -> None:
    result, r = run()
    th = result.thresholds.quadrants
    assert (th.visits, th.spend, th.visits_from, th.spend_from, th.members) == (Decimal(5), Decimal(2000), "median", "median", 5)
    got = {m: r[m].quadrant for m in CAST}
    assert got == {
        "confidant": Quadrant.CONFIDANT,
        "butterfly": Quadrant.BUTTERFLY,
        "barnacle": Quadrant.BARNACLE,
        "stranger": Quadrant.STRANGER,
        "middle": Quadrant.STRANGER,
    }


def test_reasons_name_the_numbers_and_thresholds() -> None:
    _, r = run()
    assert r["confidant"].quadrant_reason.render("en") == (
        "confidant: 10 visits (> 5) and spend 5,000 (> 2,000) in the last 12 months"
    )
    assert r["butterfly"].quadrant_reason.render("zh") == (
        "蝴蝶：近12个月到店 2 次（不多于 5），但消费 6,000（高于 2,000）"
    )
    assert r["barnacle"].quadrant_reason.render("en").startswith("barnacle: 12 visits (> 5) but spend 600 (≤ 2,000)")


def test_no_visit_in_the_window_no_quadrant() -> None:
    gone = run()[1]["gone"]
    assert gone.quadrant is None
    assert gone.quadrant_reason.render("en") == "no quadrant: no visit in the last 12 months"


def test_thresholds_from_settings() -> None:
    s = SegmentSettings(quadrants=QuadrantSettings(visits_threshold=1, spend_threshold=Decimal(50)))
    result, r = run(s)
    th = result.thresholds.quadrants
    assert (th.visits, th.spend, th.visits_from, th.spend_from) == (Decimal(1), Decimal(50), "settings", "settings")
    assert r["stranger"].quadrant is Quadrant.BUTTERFLY  # 1 visit (not more than 1), spend 100 > 50
    assert r["middle"].quadrant is Quadrant.CONFIDANT


def test_one_threshold_set_the_other_median() -> None:
    s = SegmentSettings(quadrants=QuadrantSettings(spend_threshold=Decimal(10000)))
    th = run(s)[0].thresholds.quadrants
    assert (th.visits_from, th.spend_from, th.visits) == ("median", "settings", Decimal(5))


def test_median_exact_for_even_counts() -> None:
    assert median([]) == 0
    assert median([1, 2, 4]) == 2
    assert median([1, 2, 3, 4]) == Decimal("2.5")
    assert median([100, 101]) == Decimal("100.5")
    th = QuadrantSettings()
    assert th.visits_threshold is None and th.spend_threshold is None
