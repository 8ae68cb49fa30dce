"""Tiers: spend, paid and stored-value ways in, reviews with grace, lifetime, and the reasons given."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from loyalsheet.model import Member, MemberFile, Txn, TxnType
from loyalsheet.rules import RulesSettings, Way, evaluate, explain
from loyalsheet.rules.settings import EvaluationSettings, SpendWay, TiersSettings

_rows = itertools.count(2)


def member(mid: str, **kw: Any) -> Member:
    return Member(row=next(_rows), member_id=mid, name=f"Name {mid}", joined=date(2024, 12, 1), **kw)


def txn(day: date, mid: str, kind: TxnType, amount: str | None = None, **kw: Any) -> Txn:
    return Txn(
        row=next(_rows), day=day, member_id=mid, type=kind, amount=None if amount is None else Decimal(amount), **kw
    )


def book(members: list[Member], txns: list[Txn]) -> MemberFile:
    return MemberFile(path="test.xlsx", members=tuple(members), txns=tuple(txns))


P, R, F, TOP = TxnType.PURCHASE, TxnType.REFUND, TxnType.ANNUAL_FEE, TxnType.TOP_UP
DEFAULT = RulesSettings()


def tier_on(mf: MemberFile, day: date, mid: str = "M1", settings: RulesSettings = DEFAULT) -> Any:
    return evaluate(mf, settings, day).members[mid].tier


def test_spend_upgrade_at_once_with_its_reason() -> None:
    mf = book([member("M1")], [txn(date(2025, 12, 1), "M1", P, "20000"), txn(date(2026, 3, 2), "M1", P, "11200")])
    assert tier_on(mf, date(2026, 3, 1)).tier == "Silver"
    tier = tier_on(mf, date(2026, 3, 2))
    assert (tier.tier, tier.tier_zh, tier.way, tier.since, tier.discount) == (
        "Gold",
        "金卡",
        Way.SPEND,
        date(2026, 3, 2),
        Decimal("0.88"),
    )
    assert explain(tier.why, "en") == "Gold since 2026-03-02: rolling 12-month spend 31,200 >= 30,000"
    assert explain(tier.why, "zh") == "金卡（自 2026-03-02 起）：近 12 个月消费 31,200 ≥ 30,000"
    assert [(h.day, h.tier) for h in tier.history] == [
        (None, "Member"),
        (date(2025, 12, 1), "Silver"),
        (date(2026, 3, 2), "Gold"),
    ]


def test_hidden_benefits_are_marked() -> None:
    mf = book([member("M1")], [txn(date(2026, 3, 2), "M1", P, "30000")])
    tier = tier_on(mf, date(2026, 3, 2))
    hidden = [b.text for b in tier.benefits if b.hidden]
    assert hidden and not set(hidden) & set(tier.visible_benefits)


def test_downgrade_only_at_the_review_after_the_grace_period() -> None:
    txns = [txn(date(2025, 3, 2), "M1", P, "31000"), txn(date(2026, 6, 1), "M1", P, "6000")]
    mf = book([member("M1")], txns)
    # The 2026-01-01 review still sees 31,000 in the 12 months before it: no change.
    assert tier_on(mf, date(2026, 12, 31)).tier == "Gold"  # the spend left the window in March, but no review yet
    during_grace = tier_on(mf, date(2027, 1, 15))
    assert during_grace.tier == "Gold"
    assert during_grace.pending is not None
    assert (during_grace.pending.day, during_grace.pending.tier) == (date(2027, 1, 31), "Silver")
    after = tier_on(mf, date(2027, 1, 31))
    assert (after.tier, after.since) == ("Silver", date(2027, 1, 31))
    assert explain(after.why, "en") == (
        "Silver since 2027-01-31: at the review on 2027-01-01 spend was 6,000, below the 30,000 that keeps Gold; "
        "moved down on 2027-01-31 after 30 days' grace"
    )


def test_spend_during_the_grace_period_keeps_the_tier() -> None:
    txns = [
        txn(date(2025, 3, 2), "M1", P, "31000"),
        txn(date(2026, 6, 1), "M1", P, "6000"),
        txn(date(2027, 1, 20), "M1", P, "25000"),
    ]
    tier = tier_on(book([member("M1")], txns), date(2027, 3, 1))
    assert (tier.tier, tier.since, tier.pending) == ("Gold", date(2025, 3, 2), None)


def test_refunds_reduce_spend_and_a_review_can_then_move_down() -> None:
    settings = RulesSettings(
        tiers=TiersSettings(spend=SpendWay(window="cumulative"), evaluation=EvaluationSettings(grace_days=0))
    )
    mf = book([member("M1")], [txn(date(2026, 3, 1), "M1", P, "6000"), txn(date(2026, 3, 9), "M1", R, "2000")])
    assert tier_on(mf, date(2026, 12, 31), settings=settings).tier == "Silver"  # refunds do not downgrade at once
    tier = tier_on(mf, date(2027, 1, 1), settings=settings)
    assert (tier.tier, tier.since) == ("Member", date(2027, 1, 1))
    assert evaluate(mf, settings, date(2027, 1, 1)).members["M1"].spend.total == Decimal("4000.00")


def test_a_paid_member_whose_fee_lapses() -> None:
    mf = book([member("M1")], [txn(date(2025, 5, 10), "M1", F, "899")])
    on_last_day = tier_on(mf, date(2026, 5, 10))
    assert (on_last_day.tier, on_last_day.way, on_last_day.since) == ("Gold", Way.PAID, date(2025, 5, 10))
    assert (
        explain(on_last_day.reason, "en") == "annual fee 899 paid on 2025-05-10 (at least 899), good until 2026-05-10"
    )
    lapsed = tier_on(mf, date(2026, 5, 11))
    assert (lapsed.tier, lapsed.since) == ("Member", date(2026, 5, 11))
    assert lapsed.history[-1].cause is not None
    assert explain(lapsed.history[-1].cause, "en") == "the paid Gold ended on 2026-05-10"


def test_paid_until_on_the_member_row_ends_the_latest_fee_and_small_fees_buy_nothing() -> None:
    mf = book(
        [member("M1", paid_until=date(2026, 3, 31)), member("M2")],
        [txn(date(2025, 5, 10), "M1", F, "899"), txn(date(2025, 5, 10), "M2", F, "500")],
    )
    assert tier_on(mf, date(2026, 3, 31)).tier == "Gold"
    assert tier_on(mf, date(2026, 4, 1)).tier == "Member"
    assert tier_on(mf, date(2025, 6, 1), "M2").tier == "Member"


def test_a_large_top_up_buys_a_tier_for_twelve_months() -> None:
    mf = book([member("M1")], [txn(date(2026, 1, 15), "M1", TOP, "20000")])
    tier = tier_on(mf, date(2026, 1, 15))
    assert (tier.tier, tier.way) == ("Gold", Way.STORED_VALUE)
    assert explain(tier.reason, "zh") == "2026-01-15 单笔充值 20,000（不低于 20,000），有效期至 2027-01-15"
    assert tier_on(mf, date(2027, 1, 16)).tier == "Member"


def test_the_highest_way_wins_and_spend_outlasts_a_lapsed_fee() -> None:
    mf = book([member("M1")], [txn(date(2025, 5, 10), "M1", F, "899"), txn(date(2026, 1, 5), "M1", P, "6000")])
    assert tier_on(mf, date(2026, 1, 5)).tier == "Gold"
    after = tier_on(mf, date(2026, 5, 11))
    assert (after.tier, after.way, after.since) == ("Silver", Way.SPEND, date(2026, 5, 11))


def test_lifetime_keeps_the_tier() -> None:
    settings = RulesSettings(tiers=TiersSettings(lifetime={"M1": "Diamond", "M404": "Gold"}))
    ev = evaluate(book([member("M1")], []), settings, date(2030, 1, 1))
    tier = ev.members["M1"].tier
    assert (tier.tier, tier.way, tier.since) == ("Diamond", Way.LIFETIME, None)
    assert explain(tier.why, "en") == "Diamond: lifetime Diamond (config.yaml)"
    assert [p.code for p in ev.problems] == ["tier_lifetime_unknown_member"]


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="not a tier"):
        TiersSettings(lifetime={"M1": "Platinum"})
    with pytest.raises(ValidationError, match="grace_days"):
        EvaluationSettings(month_days=("01-01", "02-01"), grace_days=40)
    with pytest.raises(ValidationError, match=r"month-day|day of the year"):
        EvaluationSettings(month_days=("13-01",))
    with pytest.raises(ValidationError, match="extra"):
        RulesSettings.model_validate({"points": {"rte": 1}})
