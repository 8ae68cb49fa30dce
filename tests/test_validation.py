"""Checks across rows: each problem is found at its row and column, and only there."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loyalsheet.model import (
    CallNote,
    CourseCard,
    GiftCard,
    Member,
    MemberFile,
    Membership,
    OptOut,
    PaidWith,
    Problem,
    Severity,
    Txn,
    TxnType,
)
from loyalsheet.validation import Context, validate

TODAY = date(2026, 11, 22)
CTX = Context(today=TODAY, stores=frozenset({"旗舰店", "Harbour City"}))


def member(row: int, mid: str, **kw: object) -> Member:
    base: dict[str, object] = {"name": "Li", "joined": date(2025, 1, 1), "phone": "+8613812345678"}
    base.update(kw)
    return Member(row=row, member_id=mid, **base)  # type: ignore[arg-type]


def found(problems: list[Problem]) -> set[tuple[str | None, int | None, str | None, str]]:
    return {(p.sheet, p.row, p.column, p.code) for p in problems}


def test_clean_file_has_no_problems() -> None:
    mf = MemberFile(
        path="m.xlsx",
        members=(member(2, "M1", store="旗舰店"), member(3, "M2", family_of="M1", referred_by="M1", store="harbour city")),
        txns=(Txn(2, date(2026, 1, 1), "M1", TxnType.PURCHASE, Decimal(100), store="旗舰店"),
              Txn(3, date(2026, 1, 2), "M2", TxnType.REDEMPTION, None, points=100),
              Txn(4, date(2026, 1, 3), "M2", TxnType.ADJUSTMENT, None, points=-20),
              Txn(5, date(2026, 1, 4), "M1", TxnType.PURCHASE, Decimal(50), paid_with=PaidWith.GIFT_CARD, gift_card="G1"),
              Txn(6, date(2026, 1, 5), "M1", TxnType.SESSION, None, course_card="C1")),
        gift_cards=(GiftCard(2, "G1", "M1", date(2026, 1, 1), Decimal(600)),),
        course_cards=(CourseCard(2, "C1", "M1", "facial", 10, Decimal(1000), date(2026, 1, 1)),),
    )
    assert validate(mf, CTX) == []


def test_member_problems() -> None:
    mf = MemberFile(
        path="m.xlsx",
        members=(
            member(2, "M1"),
            member(3, "M1"),
            member(4, "M3", phone=None),
            member(5, "M4", family_of="M4"),
            member(6, "M5", family_of="M404"),
            member(7, "M6", family_of="M7"),
            member(8, "M7", family_of="M6"),
            member(9, "M8", referred_by="M999"),
            member(10, "M9", joined=date(2027, 1, 1), store="总店"),
            member(11, "M10", membership=Membership.PAID),
        ),
    )
    problems = validate(mf, CTX)
    assert found(problems) == {
        ("members", 3, "member_id", "duplicate_member_id"),
        ("members", 4, "phone", "contact_missing"),
        ("members", 5, "family_of", "family_self"),
        ("members", 6, "family_of", "family_unknown"),
        ("members", 7, "family_of", "family_cycle"),
        ("members", 8, "family_of", "family_cycle"),
        ("members", 9, "referred_by", "referrer_unknown"),
        ("members", 10, "joined", "future_date"),
        ("members", 10, "store", "store_unknown"),
        ("members", 11, "paid_until", "paid_until_missing"),
    }
    dup = next(p for p in problems if p.code == "duplicate_member_id")
    assert dup.params["first_row"] == 2
    warning = next(p for p in problems if p.code == "paid_until_missing")
    assert warning.severity is Severity.WARNING


def test_transaction_problems() -> None:
    mf = MemberFile(
        path="m.xlsx",
        members=(member(2, "M1"),),
        txns=(
            Txn(2, TODAY, "M404", TxnType.PURCHASE, Decimal(10)),
            Txn(3, date(2026, 12, 1), "M1", TxnType.PURCHASE, Decimal(10)),
            Txn(4, TODAY, "M1", TxnType.PURCHASE, Decimal(-120)),
            Txn(5, TODAY, "M1", TxnType.PURCHASE, None),
            Txn(6, TODAY, "M1", TxnType.REDEMPTION, None, points=None),
            Txn(7, TODAY, "M1", TxnType.PURCHASE, Decimal(10), paid_with=PaidWith.GIFT_CARD, gift_card="G9"),
            Txn(8, TODAY, "M1", TxnType.PURCHASE, Decimal(10), paid_with=PaidWith.GIFT_CARD),
            Txn(9, TODAY, "M1", TxnType.SESSION, None),
            Txn(10, TODAY, "M1", TxnType.SESSION, None, course_card="C9"),
            Txn(11, TODAY, "M1", TxnType.ADJUSTMENT, None),
            Txn(12, TODAY, "M1", TxnType.PURCHASE, Decimal(5), store="总店"),
        ),
        gift_cards=(GiftCard(2, "G1", "M404", date(2026, 12, 25), Decimal(600)),),
        course_cards=(CourseCard(2, "C1", "M1", "facial", 0, None, TODAY), CourseCard(3, "C1", "M1", "x", 1, None, TODAY)),
        call_notes=(CallNote(2, TODAY, "M404"),),
        opt_outs=(OptOut(2, TODAY, "M404"),),
    )
    assert found(validate(mf, CTX)) == {
        ("transactions", 2, "member_id", "unknown_member"),
        ("transactions", 3, "date", "future_date"),
        ("transactions", 4, "amount", "negative_amount"),
        ("transactions", 5, "amount", "amount_missing"),
        ("transactions", 6, "points", "redemption_no_points"),
        ("transactions", 7, "gift_card", "gift_card_unknown"),
        ("transactions", 8, "gift_card", "gift_card_missing"),
        ("transactions", 9, "course_card", "course_card_missing"),
        ("transactions", 10, "course_card", "course_card_unknown"),
        ("transactions", 11, "points", "adjustment_no_points"),
        ("transactions", 12, "store", "store_unknown"),
        ("gift_cards", 2, "member_id", "unknown_member"),
        ("gift_cards", 2, "issued", "future_date"),
        ("course_cards", 2, "sessions", "sessions_not_positive"),
        ("course_cards", 3, "card_id", "duplicate_card_id"),
        ("call_notes", 2, "member_id", "unknown_member"),
        ("opt_outs", 2, "member_id", "unknown_member"),
    }


def test_a_cell_already_reported_is_not_reported_twice() -> None:
    unreadable = Problem(Severity.ERROR, "money_unreadable", "transactions", 2, "amount", "一百")
    mf = MemberFile(
        path="m.xlsx", members=(member(2, "M1"),),
        txns=(Txn(2, TODAY, "M1", TxnType.PURCHASE, None),), problems=(unreadable,),
    )
    assert validate(mf, CTX) == [unreadable]
