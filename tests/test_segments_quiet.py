"""Valued members gone quiet (against their own rhythm) and whales (the top spenders, ties included)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from loyalsheet.model import Member, Txn, TxnType
from loyalsheet.segments import MemberSegments, SegmentResult, SegmentSettings, segment
from loyalsheet.segments.quiet import top_cut
from loyalsheet.segments.settings import QuietSettings, WhaleSettings

TODAY = date(2026, 11, 22)


def member(mid: str) -> Member:
    return Member(row=2, member_id=mid, name=mid, joined=date(2020, 1, 1))


def visits(mid: str, days_ago: list[int], amount: int) -> list[Txn]:
    return [Txn(row=2, day=TODAY - timedelta(days=d), member_id=mid, type=TxnType.PURCHASE, amount=Decimal(amount))
            for d in days_ago]


def run(txns: list[Txn], settings: SegmentSettings | None = None) -> tuple[SegmentResult, dict[str, MemberSegments]]:
    ids = sorted({t.member_id for t in txns})
    result = segment([member(i) for i in ids], txns, settings or SegmentSettings(), TODAY)
    return result, {x.member_id: x for x in result.members}


SMALL = [t for k in range(8) for t in visits(f"small{k}", [10 + k, 40 + k, 70 + k], 50)]  # 150 each
QUIET = visits("quiet", [95 + 21 * k for k in range(11)], 800)  # every 21 days, last 95 days ago: 8,800
RHYTHM = visits("rhythm", [120, 210, 300, 390, 480, 570], 5000)  # every 90 days, last 120 ago: 15,000 in the window


def test_valued_member_gone_quiet_against_their_rhythm() -> None:
    result, r = run([*SMALL, *QUIET, *RHYTHM])
    valued = result.thresholds.valued
    assert (valued.population, valued.members, valued.cut) == (10, 2, Decimal(8800))  # top 20% of 10
    q = r["quiet"]
    assert q.gone_quiet and q.activity.usual_interval == 21
    assert q.quiet_reason.render("en") == "gone quiet: no visit for 95 days, usually every 21 days (> 2x)"
    assert q.quiet_reason.render("zh") == "沉默：已 95 天没有到店，平时约每 21 天来一次（超过 2 倍）"


def test_big_spender_with_a_long_natural_rhythm_is_not_flagged() -> None:
    _, r = run([*SMALL, *QUIET, *RHYTHM])
    slow = r["rhythm"]
    assert not slow.gone_quiet and slow.activity.usual_interval == 90
    assert slow.quiet_reason.render("en") == "in rhythm: last visit 120 days ago, usually every 90 days (≤ 2x)"


def test_not_valued_members_are_not_watched() -> None:
    _, r = run([*SMALL[:-3], *QUIET, *RHYTHM, *visits("lost_small", [200, 230, 260], 30)])  # still 10 members
    lost = r["lost_small"]
    assert not lost.gone_quiet
    assert lost.quiet_reason.render("en") == (
        "not among the valued members: the top 20% by spend in the last 12 months start at 8,800"
    )


def test_too_soon_and_unknown_rhythm() -> None:
    weekly = visits("weekly", [20, 27, 34, 41, 48], 5000)  # every 7 days, 20 days ago: over 2x but under 30 days
    twice = visits("twice", [100, 300], 9000)  # valued, but two visits say nothing of a rhythm
    _, r = run([*SMALL, *weekly, *twice])
    assert not r["weekly"].gone_quiet
    assert r["weekly"].quiet_reason.render("en") == (
        "not quiet yet: last visit 20 days ago, usually every 7 days; quiet from 30 days"
    )
    assert not r["twice"].gone_quiet
    assert r["twice"].quiet_reason.render("en") == "rhythm unknown: fewer than 3 visits"
    loose = SegmentSettings(quiet=QuietSettings(min_visits=2, min_days=0))
    _, r = run([*SMALL, *weekly, *twice], loose)
    assert r["weekly"].gone_quiet and not r["twice"].gone_quiet  # 100 days < 2 x 200


def test_lifetime_basis_keeps_old_big_spenders_valued() -> None:
    old = visits("old", [400, 430, 460, 490], 20000)  # nothing in the window
    _, r = run([*SMALL, *QUIET, *old])
    assert not r["old"].gone_quiet and r["old"].quiet_reason.render("en") == "no spend in the last 12 months"
    _, r = run([*SMALL, *QUIET, *old], SegmentSettings(quiet=QuietSettings(basis="lifetime")))
    assert r["old"].gone_quiet
    assert r["old"].quiet_reason.render("en") == "gone quiet: no visit for 400 days, usually every 30 days (> 2x)"


def test_whales_top_share_with_ties() -> None:
    result, r = run([*SMALL, *QUIET, *RHYTHM])
    whales = result.thresholds.whales
    assert (whales.members, whales.cut) == (1, Decimal(15000))  # ceil(5% of 10) = 1
    assert r["rhythm"].whale and not r["quiet"].whale
    assert r["rhythm"].whale_reason.render("en") == (
        "whale: spend 15,000 in the last 12 months, in the top 5% (from 15,000)"
    )
    assert r["quiet"].whale_reason.render("en") == (
        "not a whale: the top 5% by spend in the last 12 months start at 15,000"
    )
    twin = visits("twin", [5, 6, 7], 5000)  # ties with the top: both are whales
    result, r = run([*SMALL, *QUIET, *RHYTHM, *twin])
    assert r["rhythm"].whale and r["twin"].whale and result.thresholds.whales.members == 2


def test_top_cut_rules() -> None:
    _, r = run([*SMALL, *QUIET, *RHYTHM])
    acts = [x.activity for x in r.values()]
    assert top_cut(acts, "window", Decimal("0.2")).cut == Decimal(8800)
    assert top_cut(acts, "window", Decimal(1)).cut == Decimal(150)  # everyone with positive spend
    assert top_cut([], "window", Decimal("0.05")).cut is None
    bigger = SegmentSettings(whales=WhaleSettings(top_share=Decimal("0.3")))
    result, _ = run([*SMALL, *QUIET, *RHYTHM], bigger)
    assert result.thresholds.whales.members == 10  # ceil(3) = 3rd is 150: all the tied smalls come in


def test_no_spend_reason_for_negative_or_zero_spend() -> None:
    refunded = [*visits("r", [10], 100), Txn(row=2, day=TODAY, member_id="r", type=TxnType.REFUND, amount=Decimal(100))]
    _, r = run([*SMALL, *refunded])
    assert not r["r"].whale and r["r"].whale_reason.render("en") == "no spend in the last 12 months"
