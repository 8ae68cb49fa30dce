"""Gift cards and course cards: balances, lapses, the uses that are problems, and reminder lists."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from loyalsheet.model import CourseCard, GiftCard, Member, MemberFile, PaidWith, Severity, Txn, TxnType
from loyalsheet.rules import CardStatus, CourseStatus, ReminderKind, RulesSettings, evaluate, explain
from loyalsheet.rules.settings import GiftCardSettings

_rows = itertools.count(2)
GC = PaidWith.GIFT_CARD


def member(mid: str, **kw: Any) -> Member:
    return Member(row=next(_rows), member_id=mid, name=f"Name {mid}", joined=date(2025, 1, 1), **kw)


def txn(day: date, mid: str, kind: TxnType, amount: str | None = None, **kw: Any) -> Txn:
    return Txn(
        row=next(_rows), day=day, member_id=mid, type=kind, amount=None if amount is None else Decimal(amount), **kw
    )


def gift(card_id: str, giver: str, issued: date, **kw: Any) -> GiftCard:
    return GiftCard(row=next(_rows), card_id=card_id, member_id=giver, issued=issued, value=Decimal(600), **kw)


def course(card_id: str, owner: str, **kw: Any) -> CourseCard:
    defaults: dict[str, Any] = {"service": "facial", "sessions": 3, "price": Decimal(900), "bought": date(2026, 1, 1)}
    return CourseCard(row=next(_rows), card_id=card_id, member_id=owner, **{**defaults, **kw})


def test_a_gift_card_used_on_a_special_offer_after_it_lapsed_and_beyond_its_balance() -> None:
    settings = RulesSettings(gift_cards=GiftCardSettings(excluded_categories=("Implant",)))
    card = gift("G1", "M1", date(2026, 1, 10))  # good through 2026-04-10
    uses = [
        txn(date(2026, 2, 1), "M2", TxnType.PURCHASE, "200", paid_with=GC, gift_card="G1"),
        txn(date(2026, 2, 5), "M2", TxnType.PURCHASE, "100", paid_with=GC, gift_card="G1", special_offer=True),
        txn(date(2026, 2, 6), "M2", TxnType.PURCHASE, "50", paid_with=GC, gift_card="G1", category="implant "),
        txn(date(2026, 2, 7), "M2", TxnType.REFUND, "50", paid_with=GC, gift_card="G1"),
        txn(date(2026, 4, 11), "M2", TxnType.PURCHASE, "400", paid_with=GC, gift_card="G1"),
    ]
    mf = MemberFile(path="t.xlsx", members=(member("M1"), member("M2")), txns=tuple(uses), gift_cards=(card,))
    ev = evaluate(mf, settings, date(2026, 4, 30))
    found = [(p.code, p.row, p.column) for p in ev.problems]
    assert found == [
        ("gift_card_special_offer", uses[1].row, "special_offer"),
        ("gift_card_excluded_category", uses[2].row, "category"),
        ("gift_card_overdrawn", uses[4].row, "amount"),
        ("gift_card_lapsed", uses[4].row, "gift_card"),
    ]
    state = ev.gift_cards["G1"]
    assert (state.status, state.balance, state.used, state.uses, state.expires) == (
        CardStatus.USED_UP,
        Decimal("-100.00"),
        Decimal("700.00"),
        4,
        date(2026, 4, 10),
    )
    assert ev.members["M1"].gift_cards == (state,)
    assert ev.members["M2"].spend.total == 0  # gift-card payments are not the friend's spend (by default)


def test_gift_card_states_and_the_lapsing_list() -> None:
    cards = (
        gift("G1", "M1", date(2026, 1, 10)),  # good through 04-10, unused: listed on 2026-04-01
        gift("G2", "M1", date(2026, 1, 10), friend_registered=True),  # registered friend: never lapses
        gift("G3", "M1", date(2025, 6, 1)),  # lapsed
        gift("G4", "M1", date(2026, 3, 1), valid_months=12),  # good through 2027-03-01
        gift("G5", "M1", date(2026, 5, 1)),  # not issued yet on 2026-04-01
    )
    mf = MemberFile(path="t.xlsx", members=(member("M1"),), gift_cards=cards)
    ev = evaluate(mf, RulesSettings(), date(2026, 4, 1))
    assert [(r.card.card_id, r.days_left) for r in ev.gift_card_reminders] == [("G1", 9)]
    assert (
        explain(ev.gift_card_reminders[0].why, "en")
        == "gift card G1 has 600 left and lapses after 2026-04-10 (in 9 days)"
    )
    assert ev.gift_cards["G2"].expires is None and ev.gift_cards["G2"].status is CardStatus.ACTIVE
    assert explain(ev.gift_cards["G2"].why, "en").endswith("the friend has registered, so it does not lapse")
    assert ev.gift_cards["G3"].status is CardStatus.LAPSED
    assert ev.gift_cards["G4"].expires == date(2027, 3, 1)
    assert "G5" not in ev.gift_cards
    unlapsing = RulesSettings(gift_cards=GiftCardSettings(registered_keeps_valid=False))
    assert evaluate(mf, unlapsing, date(2026, 4, 11)).gift_cards["G2"].status is CardStatus.LAPSED


def test_a_course_card_used_past_expiry_and_beyond_its_sessions() -> None:
    card = course("C1", "M1", sessions=3, valid_until=date(2026, 6, 30))
    sessions = [
        txn(date(2025, 12, 31), "M1", TxnType.SESSION, course_card="C1"),  # before it was bought
        txn(date(2026, 2, 1), "M1", TxnType.SESSION, course_card="C1"),
        txn(date(2026, 3, 1), "F1", TxnType.SESSION, course_card="C1"),  # family may share
        txn(date(2026, 3, 2), "M2", TxnType.SESSION, course_card="C1"),  # someone else: a warning
        txn(date(2026, 7, 1), "M1", TxnType.SESSION, course_card="C1"),  # past expiry, and the fifth of three
    ]
    members = (member("M1"), member("F1", family_of="M1"), member("M2"))
    mf = MemberFile(path="t.xlsx", members=members, txns=tuple(sessions), course_cards=(card,))
    ev = evaluate(mf, RulesSettings(), date(2026, 7, 31))
    found = [(p.code, p.severity, p.row, p.column) for p in ev.problems]
    assert found == [
        ("course_card_not_yet_bought", Severity.ERROR, sessions[0].row, "course_card"),
        ("course_card_other_member", Severity.WARNING, sessions[3].row, "course_card"),
        ("course_card_used_up", Severity.ERROR, sessions[3].row, "course_card"),
        ("course_card_expired", Severity.ERROR, sessions[4].row, "course_card"),
        ("course_card_used_up", Severity.ERROR, sessions[4].row, "course_card"),
    ]
    state = ev.course_cards["C1"]
    assert (state.used, state.left, state.status, state.last_used) == (5, 0, CourseStatus.USED_UP, date(2026, 7, 1))
    assert ev.members["M1"].course_cards == (state,)
    assert ev.members["M1"].spend.visits == 3  # 2025-12-31, 02-01, 07-01


def test_course_card_reminders() -> None:
    cards = (
        course("C1", "M1", sessions=10, valid_until=date(2026, 4, 20)),  # expires in 19 days
        course("C2", "M1", sessions=10, bought=date(2026, 1, 1)),  # last used 2026-02-01: idle 8 weeks
        course("C3", "M1", sessions=10, valid_until=date(2026, 12, 31)),  # used last week
        course("C4", "M1", sessions=1),  # used up
    )
    txns = (
        txn(date(2026, 2, 1), "M1", TxnType.SESSION, course_card="C2"),
        txn(date(2026, 3, 25), "M1", TxnType.SESSION, course_card="C3"),
        txn(date(2026, 1, 5), "M1", TxnType.SESSION, course_card="C4"),
    )
    mf = MemberFile(path="t.xlsx", members=(member("M1"),), txns=txns, course_cards=cards)
    ev = evaluate(mf, RulesSettings(), date(2026, 4, 1))
    assert [(r.card.card_id, r.kind, r.days) for r in ev.course_card_reminders] == [
        ("C1", ReminderKind.EXPIRING, 19),
        ("C2", ReminderKind.IDLE, 59),
    ]
    assert explain(ev.course_card_reminders[1].why, "en") == (
        "facial card C2: 9 sessions left, none used for 8 weeks (since 2026-02-01)"
    )
    assert (
        explain(ev.course_cards["C3"].why, "zh") == "facial疗程卡 C3：共 10 次，已用 1 次，剩 9 次，有效期至 2026-12-31"
    )
