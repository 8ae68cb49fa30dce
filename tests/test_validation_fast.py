"""The column-wise fast paths of validation find exactly what a plain row-by-row check finds, in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalsheet.model import (
    CourseCard,
    GiftCard,
    Member,
    MemberFile,
    PaidWith,
    Problem,
    Severity,
    Txn,
    TxnType,
)
from loyalsheet.validation import Context, check_stores, check_transactions

TODAY = date(2026, 11, 22)
CTX = Context(today=TODAY, stores=frozenset({"旗舰店", "Harbour City"}))
_AMOUNT_NEEDED = {TxnType.PURCHASE, TxnType.TOP_UP, TxnType.REFUND, TxnType.ANNUAL_FEE}


def _err(code: str, row: int, column: str, value: object = None, **params: object) -> Problem:
    return Problem(Severity.ERROR, code, "transactions", row, column, value, params)


def plain_check_transactions(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    """The check as it read before the fast path: every row, one by one."""
    ids = {m.member_id for m in mf.members}
    gift_cards = {g.card_id for g in mf.gift_cards}
    course_cards = {c.card_id for c in mf.course_cards}
    bad = {(p.sheet, p.row, p.column) for p in mf.problems}
    for t in mf.txns:
        row = t.row
        if t.member_id not in ids:
            yield _err("unknown_member", row, "member_id", t.member_id)
        if t.day > ctx.today:
            yield _err("future_date", row, "date", t.day, today=ctx.today.isoformat())
        kind = t.type
        if t.amount is None:
            if kind in _AMOUNT_NEEDED and ("transactions", row, "amount") not in bad:
                yield _err("amount_missing", row, "amount", type=kind.value)
        elif t.amount < 0 and kind is not TxnType.ADJUSTMENT:
            yield _err("negative_amount", row, "amount", t.amount, type=kind.value)
        if kind is TxnType.REDEMPTION and (t.points is None or t.points <= 0):
            if ("transactions", row, "points") not in bad:
                yield _err("redemption_no_points", row, "points", t.points)
        elif kind is TxnType.ADJUSTMENT and t.points is None and ("transactions", row, "points") not in bad:
            yield _err("adjustment_no_points", row, "points")
        if t.paid_with is PaidWith.GIFT_CARD:
            if t.gift_card is None:
                yield _err("gift_card_missing", row, "gift_card")
            elif t.gift_card not in gift_cards:
                yield _err("gift_card_unknown", row, "gift_card", t.gift_card)
        if kind is TxnType.SESSION:
            if t.course_card is None:
                yield _err("course_card_missing", row, "course_card")
            elif t.course_card not in course_cards:
                yield _err("course_card_unknown", row, "course_card", t.course_card)


txn_fields = st.tuples(
    st.integers(-3, 3).map(lambda k: TODAY + timedelta(days=k)),
    st.sampled_from(["M1", "M2", "M9"]),
    st.sampled_from(list(TxnType)),
    st.sampled_from([None, Decimal(0), Decimal("12.50"), Decimal(-5), Decimal("-0.01")]),
    st.sampled_from([None, -10, 0, 10]),
    st.sampled_from(list(PaidWith)),
    st.sampled_from([None, "G1", "G9"]),
    st.sampled_from([None, "C1", "C9"]),
    st.sampled_from([None, "旗舰店", "harbour city", "Elsewhere"]),
)
bad_cells = st.lists(st.tuples(st.integers(2, 30), st.sampled_from(["amount", "points"])), max_size=5)


def book(rows: list[tuple[object, ...]], bad: list[tuple[int, str]]) -> MemberFile:
    txns = tuple(
        Txn(i + 2, day, mid, kind, amount, points, paid, gift_card=gc, course_card=cc, store=store)  # type: ignore[arg-type]
        for i, (day, mid, kind, amount, points, paid, gc, cc, store) in enumerate(rows)
    )
    return MemberFile(
        path="m.xlsx",
        members=(
            Member(2, "M1", "Li", None, store="旗舰店"),
            Member(3, "M2", "Wang", None, store="Nowhere"),
        ),
        txns=txns,
        gift_cards=(GiftCard(2, "G1", "M1", date(2026, 1, 1), Decimal(600)),),
        course_cards=(CourseCard(2, "C1", "M1", "facial", 10, Decimal(1000), date(2026, 1, 1)),),
        problems=tuple(Problem(Severity.ERROR, "x", "transactions", r, c) for r, c in bad),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(txn_fields, max_size=30), bad_cells)
def test_transactions_checked_as_row_by_row(rows: list[tuple[object, ...]], bad: list[tuple[int, str]]) -> None:
    mf = book(rows, bad)
    assert list(check_transactions(mf, CTX)) == list(plain_check_transactions(mf, CTX))


@settings(max_examples=200, deadline=None)
@given(st.lists(txn_fields, max_size=30))
def test_stores_checked_as_row_by_row(rows: list[tuple[object, ...]]) -> None:
    mf = book(rows, [])
    known = {"旗舰店", "harbour city"}
    expected = [
        (sheet, r.row, r.store)
        for sheet, records in (("members", mf.members), ("transactions", mf.txns))
        for r in records
        if r.store is not None and r.store.casefold() not in known
    ]
    assert [(p.sheet, p.row, p.value) for p in check_stores(mf, CTX)] == expected
