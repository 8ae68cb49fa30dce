"""Referrals: the first purchase decides, once; the reward lands as points or stored value."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from loyalsheet.model import Member, MemberFile, Txn, TxnType
from loyalsheet.rules import ReferralStatus, RulesSettings, Source, evaluate, explain
from loyalsheet.rules.settings import ReferralSettings, SpendWay, TiersSettings

_rows = itertools.count(2)
P = TxnType.PURCHASE
NO_SPEND_TIERS = TiersSettings(spend=SpendWay(enabled=False))


def member(mid: str, **kw: Any) -> Member:
    return Member(row=next(_rows), member_id=mid, name=f"Name {mid}", joined=date(2025, 1, 1), **kw)


def txn(day: date, mid: str, amount: str) -> Txn:
    return Txn(row=next(_rows), day=day, member_id=mid, type=P, amount=Decimal(amount))


MEMBERS = (member("R"), member("N1", referred_by="R"), member("N2", referred_by="R"), member("N3", referred_by="R"))
TXNS = (
    txn(date(2026, 2, 1), "N1", "350"),  # first purchase reaches 300: R earns 300 points on 02-01
    txn(date(2026, 2, 9), "N1", "900"),  # a second purchase rewards nothing more
    txn(date(2026, 2, 3), "N2", "200"),  # below 300: no reward, ever
    txn(date(2026, 3, 3), "N2", "5000"),
)
MF = MemberFile(path="t.xlsx", members=MEMBERS, txns=TXNS)


def test_a_referral_is_rewarded_once_in_points() -> None:
    ev = evaluate(MF, RulesSettings(tiers=NO_SPEND_TIERS), date(2026, 3, 31))
    r = ev.members["R"]
    assert [(x.referred, x.status) for x in r.referrals] == [
        ("N1", ReferralStatus.REWARDED),
        ("N2", ReferralStatus.BELOW_THRESHOLD),
        ("N3", ReferralStatus.WAITING),
    ]
    assert [(lot.earned, lot.points, lot.source) for lot in r.points.lots] == [(date(2026, 2, 1), 300, Source.REFERRAL)]
    assert (r.points.bonus, r.points.balance) == (300, 300)
    assert explain(r.referrals[0].why, "en") == "N1's first purchase 350 on 2026-02-01 reached 300: 300 points to R"
    assert explain(r.referrals[1].why, "zh") == "N2 于 2026-02-03 首次消费 200，未达 300：R 无推荐奖励"
    assert ev.members["N1"].referred == r.referrals[0]
    # Before the first purchase, nothing yet.
    before = evaluate(MF, RulesSettings(tiers=NO_SPEND_TIERS), date(2026, 1, 31)).members["R"]
    assert before.points.balance == 0 and before.referrals[0].status is ReferralStatus.WAITING


def test_a_referral_reward_in_stored_value() -> None:
    settings = RulesSettings(referrals=ReferralSettings(reward="stored_value", stored_value=Decimal(50)))
    ev = evaluate(MF, settings, date(2026, 3, 31))
    wallet = ev.members["R"].wallet
    assert wallet is not None and (wallet.rewards, wallet.balance) == (Decimal("50.00"), Decimal("50.00"))
    assert ev.members["R"].points.balance == 0


def test_referrals_can_be_turned_off() -> None:
    ev = evaluate(MF, RulesSettings(referrals=ReferralSettings(enabled=False)), date(2026, 3, 31))
    assert ev.referrals == () and ev.members["R"].points.balance == 0
