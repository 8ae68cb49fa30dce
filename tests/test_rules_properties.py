"""Invariants over random histories: points never negative and always add up, stored value below zero
only with a problem, every tier change has a reason, and a day's answer never depends on later rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalsheet.model import Birthday, CourseCard, GiftCard, Member, MemberFile, PaidWith, Txn, TxnType
from loyalsheet.rules import Evaluation, RulesSettings, evaluate, explain
from loyalsheet.rules.settings import ExpirySettings, PointsSettings

START = date(2025, 1, 1)
IDS = ("M1", "M2", "M3", "M4")
MEMBERS = (
    Member(2, "M1", "One", START, birthday=Birthday(3, 1)),
    Member(3, "M2", "Two", START, family_of="M1", birthday=Birthday(8, 15, lunar=True)),
    Member(4, "M3", "Three", START, referred_by="M1"),
    Member(5, "M4", "Four", START, paid_until=date(2025, 9, 30)),
)
CARDS = (GiftCard(2, "G1", "M1", date(2025, 2, 1), Decimal(600)),)
COURSES = (CourseCard(2, "C1", "M3", "facial", 4, Decimal(800), date(2025, 1, 15), date(2025, 12, 31)),)
SETTINGS = (
    RulesSettings(),
    RulesSettings(
        points=PointsSettings(
            birthday_month_multiplier=Decimal(2),
            on_stored_value=True,
            on_gift_card=True,
            expiry=ExpirySettings(mode="fixed_date", month_day="06-30"),
        )
    ),
)

row_kinds = st.sampled_from(
    [TxnType.PURCHASE] * 5
    + [TxnType.TOP_UP, TxnType.REDEMPTION, TxnType.REFUND, TxnType.ADJUSTMENT, TxnType.ANNUAL_FEE, TxnType.SESSION]
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Txn, ...]:
    n = draw(st.integers(0, 40))
    txns = []
    for k in range(n):
        kind = draw(row_kinds)
        day = START + timedelta(days=draw(st.integers(0, 700)))
        mid = draw(st.sampled_from(IDS))
        amount = Decimal(draw(st.integers(1, 40000))) / (100 if draw(st.booleans()) else 1)
        paid_with = draw(st.sampled_from(list(PaidWith)))
        txns.append(
            Txn(
                row=k + 2,
                day=day,
                member_id=mid,
                type=kind,
                amount=None if kind in (TxnType.REDEMPTION, TxnType.ADJUSTMENT, TxnType.SESSION) else amount,
                points=draw(st.integers(-500, 2000)) if kind in (TxnType.REDEMPTION, TxnType.ADJUSTMENT) else None,
                paid_with=paid_with
                if kind in (TxnType.PURCHASE, TxnType.REFUND, TxnType.ANNUAL_FEE)
                else PaidWith.CASH,
                gift_card="G1" if paid_with is PaidWith.GIFT_CARD else None,
                course_card="C1" if kind is TxnType.SESSION else None,
                special_offer=draw(st.booleans()),
            )
        )
    if draw(st.booleans()):  # books are usually typed in day order
        txns.sort(key=lambda t: t.day)
        txns = [t._replace(row=k + 2) for k, t in enumerate(txns)]
    return tuple(txns)


def book(txns: tuple[Txn, ...]) -> MemberFile:
    return MemberFile(path="p.xlsx", members=MEMBERS, txns=txns, gift_cards=CARDS, course_cards=COURSES)


def _no_placeholders(text: str) -> bool:
    return re.search(r"\{[a-z_]+\}", text) is None


fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(histories(), st.integers(0, 800), st.sampled_from(SETTINGS))
def test_points_never_negative_and_always_add_up(txns: tuple[Txn, ...], offset: int, rules: RulesSettings) -> None:
    ev = evaluate(book(txns), rules, START + timedelta(days=offset))
    for result in ev.members.values():
        p = result.points
        assert p.balance >= 0
        assert p.earned + p.bonus + p.adjusted - p.redeemed - p.expired - p.refunded == p.balance
        assert sum(lot.points for lot in p.lots) == p.balance
        assert all(lot.points > 0 for lot in p.lots)
        assert [lot.expires for lot in p.lots] == sorted(lot.expires for lot in p.lots if lot.expires is not None) or (
            all(lot.expires is None for lot in p.lots)
        )


@fast
@given(histories(), st.integers(0, 800))
def test_stored_value_goes_below_zero_only_with_a_problem(txns: tuple[Txn, ...], offset: int) -> None:
    ev = evaluate(book(txns), RulesSettings(), START + timedelta(days=offset))
    overdrawn = {p.params["holder"] for p in ev.problems if p.code == "stored_value_overdrawn"}
    for holder, wallet in ev.wallets.items():
        if wallet.balance < 0:
            assert holder in overdrawn
        assert wallet.balance == wallet.topped_up - wallet.spent + wallet.refunded + wallet.rewards
    for card in ev.gift_cards.values():
        if card.balance < 0:
            assert any(p.code == "gift_card_overdrawn" and p.params["card_id"] == card.card_id for p in ev.problems)


@fast
@given(histories(), st.integers(0, 800))
def test_every_tier_change_says_why(txns: tuple[Txn, ...], offset: int) -> None:
    ev = evaluate(book(txns), RulesSettings(), START + timedelta(days=offset))
    for result in ev.members.values():
        tier = result.tier
        assert tier.history[0].day is None
        assert all(a.rank != b.rank for a, b in zip(tier.history, tier.history[1:], strict=False))
        assert [h.day for h in tier.history[1:]] == sorted(h.day for h in tier.history[1:] if h.day is not None)
        assert (tier.rank, tier.since) == (tier.history[-1].rank, tier.history[-1].day)
        for lang in ("en", "zh"):
            assert _no_placeholders(explain(tier.why, lang))
            for change in tier.history:
                assert _no_placeholders(explain(change.reason, lang))
                if change.cause is not None:
                    assert _no_placeholders(explain(change.cause, lang))


def _same_day_answer(ev: Evaluation) -> tuple[object, ...]:
    return (ev.members, ev.wallets, ev.gift_cards, ev.course_cards, ev.referrals, ev.problems, ev.gift_card_reminders)


@fast
@given(histories(), histories(), st.integers(0, 700), st.sampled_from(SETTINGS))
def test_later_rows_never_change_a_days_answer(
    txns: tuple[Txn, ...], later: tuple[Txn, ...], offset: int, rules: RulesSettings
) -> None:
    day = START + timedelta(days=offset)
    before = tuple(t for t in txns if t.day <= day)
    after = tuple(
        t._replace(row=t.row + 1000, day=day + timedelta(days=1 + (t.day - START).days)) for t in later
    )  # all dated after the day
    assert _same_day_answer(evaluate(book(before), rules, day)) == _same_day_answer(
        evaluate(book(before + after), rules, day)
    )
