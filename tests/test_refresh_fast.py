"""The refresh's shortcuts give what the plain row-by-row way gives, for any transactions.

A Transactions sheet is usually typed in date order, and the refresh takes shortcuts then (slices of
the date-ordered list, sums and distinct counts done in C). These properties pin each shortcut to
the row-by-row way it replaces, which still runs when the rows are out of order.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalsheet.ahead import _monthly_by_row, first_purchases, monthly_figures
from loyalsheet.model import Txn, TxnType
from loyalsheet.refresh import previous_standing
from loyalsheet.segments import Quadrant, RfmGroup, Stage, label
from loyalsheet.workbook.writer import CellValue

TODAY = date(2026, 11, 29)
MONTHS = [(2025, 12), *((2026, m) for m in range(1, 12))]

amount_st = st.one_of(
    st.none(),
    st.integers(-50_000, 500_000).map(lambda c: Decimal(c).scaleb(-2)),
    st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("12.5"), Decimal("12.50"), Decimal("1E+3"),
                     Decimal("0.001"), Decimal("123456789.123456789")]),
)
txn_st = st.builds(
    lambda mid, offset, typ, amount: Txn(row=2, day=TODAY + timedelta(days=offset), member_id=mid, type=typ,
                                         amount=amount),
    st.sampled_from(["M1", "M2", "M3", "M4", "M5", "stranger"]),
    st.integers(-420, 20),
    st.sampled_from(list(TxnType)),
    amount_st,
)


def _first_purchases_by_row(txns: list[Txn], today: date) -> dict[str, date]:
    first: dict[str, date] = {}
    for txn in txns:
        if txn.type is TxnType.PURCHASE and txn.day <= today:
            held = first.get(txn.member_id)
            if held is None or txn.day < held:
                first[txn.member_id] = txn.day
    return first


@settings(max_examples=300, deadline=None)
@given(st.lists(txn_st, max_size=80), st.randoms(use_true_random=False))
def test_first_purchases_in_date_order_or_not(txns: list[Txn], rnd: random.Random) -> None:
    in_order = sorted(txns, key=lambda x: x.day)  # (stable: same-day rows keep their order)
    want = _first_purchases_by_row(in_order, TODAY)
    assert first_purchases(tuple(in_order), TODAY) == want
    shuffled = list(txns)
    rnd.shuffle(shuffled)
    assert first_purchases(tuple(shuffled), TODAY) == want


@settings(max_examples=300, deadline=None)
@given(st.lists(txn_st, max_size=80))
def test_monthly_spend_and_visits_in_date_order(txns: list[Txn]) -> None:
    in_order = tuple(sorted(txns, key=lambda x: x.day))
    got = monthly_figures(in_order, MONTHS, TODAY)
    want = _monthly_by_row(in_order, MONTHS, date(2025, 12, 1), TODAY)
    assert repr(got) == repr(want)  # the same Decimals, down to their exponents


def test_monthly_out_of_order_is_counted_row_by_row() -> None:
    txns = (Txn(2, date(2026, 11, 3), "M1", TxnType.PURCHASE, Decimal("10.50")),
            Txn(3, date(2026, 10, 3), "M1", TxnType.PURCHASE, Decimal("5")),
            Txn(4, date(2026, 11, 3), "M1", TxnType.SESSION),
            Txn(5, date(2026, 11, 4), "M2", TxnType.REFUND, Decimal("-2.25")))
    got = monthly_figures(txns, MONTHS, TODAY)
    assert got[-1] == (Decimal("8.25"), 1) and got[-2] == (Decimal("5"), 1)
    assert got == _monthly_by_row(txns, MONTHS, date(2025, 12, 1), TODAY)


cell_st = st.one_of(st.none(), st.sampled_from(["", " ", "1", "true"]), st.integers(0, 2), st.floats(0, 2),
                    st.booleans(),
                    st.sampled_from([label(v, lang) for v in [*Quadrant, *Stage, *RfmGroup] for lang in ("zh", "en")]),
                    st.sampled_from([v.value for v in [*Quadrant, *Stage, *RfmGroup]]).map(lambda s: f" {s.upper()} "))


def _previous_standing_by_row(rows: list[list[CellValue]]) -> dict[str, tuple[object, object, object]]:
    from loyalsheet.refresh import _REVERSE, _norm

    out: dict[str, tuple[object, object, object]] = {}
    for row in rows[1:]:
        member_id = row[0] if row else None
        if member_id is None:
            continue
        q, s, r = (_REVERSE.get(_norm(row[i] if i < len(row) else None)) for i in (8, 11, 10))
        out[str(member_id)] = (q if isinstance(q, Quadrant) else None, s if isinstance(s, Stage) else None,
                               r if isinstance(r, RfmGroup) else None)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["M1", "M2", 3, None]), st.lists(cell_st, min_size=0, max_size=12)),
                max_size=30))
def test_previous_standing_reads_each_text_as_before(rows: list[tuple[CellValue, list[CellValue]]]) -> None:
    head: list[CellValue] = ["Member ID", *([None] * 7), "Quadrant", "RFM", "RFM group", "Lifecycle"]
    sheet: list[list[CellValue]] = [head, *([member_id, *cells] for member_id, cells in rows)]
    got = {k: (v.quadrant, v.stage, v.rfm) for k, v in previous_standing(sheet).items()}
    assert got == _previous_standing_by_row(sheet)
