"""Stored value shared by a family: one card spent down, overdrawn, and a family grown too large."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from loyalsheet.model import Member, MemberFile, PaidWith, Severity, Txn, TxnType
from loyalsheet.rules import RulesSettings, evaluate, explain

_rows = itertools.count(2)
SV = PaidWith.STORED_VALUE
P, R, F, TOP = TxnType.PURCHASE, TxnType.REFUND, TxnType.ANNUAL_FEE, TxnType.TOP_UP


def member(mid: str, **kw: Any) -> Member:
    return Member(row=next(_rows), member_id=mid, name=f"Name {mid}", joined=date(2025, 1, 1), **kw)


def txn(day: date, mid: str, kind: TxnType, amount: str, **kw: Any) -> Txn:
    return Txn(row=next(_rows), day=day, member_id=mid, type=kind, amount=Decimal(amount), **kw)


def test_a_family_spends_one_card_down_and_overdraws_it() -> None:
    members = [
        member("H"),
        member("F1", family_of="H"),
        member("F2", family_of="H"),
        member("F3", family_of="H"),
        member("F4", family_of="H"),  # the fourth: one too many (family_max 3)
    ]
    txns = [
        txn(date(2026, 1, 2), "H", F, "899"),  # the holder is Gold (88折)
        txn(date(2026, 1, 3), "H", TOP, "1000"),
        txn(date(2026, 1, 4), "F1", P, "300", paid_with=SV),
        txn(date(2026, 1, 5), "F2", P, "500", paid_with=SV),
        txn(date(2026, 1, 6), "H", R, "100", paid_with=SV),  # refunded to stored value
        txn(date(2026, 1, 7), "F1", P, "700", paid_with=SV),  # 300 left: overdrawn by 400
        txn(date(2026, 1, 8), "F4", P, "50", paid_with=SV),  # not bound: F4's own (empty) wallet
    ]
    mf = MemberFile(path="t.xlsx", members=tuple(members), txns=tuple(txns))
    ev = evaluate(mf, RulesSettings(), date(2026, 1, 31))

    wallet = ev.wallets["H"]
    assert wallet.family == ("F1", "F2", "F3")
    assert (wallet.topped_up, wallet.spent, wallet.refunded, wallet.balance) == (
        Decimal("1000.00"),
        Decimal("1500.00"),
        Decimal("100.00"),
        Decimal("-400.00"),
    )
    assert wallet.spent_by == {"F1": Decimal("1000.00"), "F2": Decimal("500.00")}
    assert explain(wallet.why, "en") == "top-ups 1,000 - spent 1,500 + refunds 100 + rewards 0 = -400"
    for mid in ("F1", "F2", "F3"):
        result = ev.members[mid]
        assert result.wallet is wallet and result.family_holder == "H"
        assert result.tier.tier == "Member" and result.discount.factor == Decimal("0.88")
        assert explain(result.discount.why, "zh") == "享主卡 H 的金卡折扣：8.8折"
    assert ev.members["H"].family == ("F1", "F2", "F3")
    assert ev.members["F4"].family_holder is None and ev.members["F4"].discount.factor == Decimal(1)

    problems = {(p.code, p.sheet, p.row, p.column) for p in ev.problems}
    assert ("stored_value_overdrawn", "transactions", txns[5].row, "amount") in problems
    assert ("stored_value_overdrawn", "transactions", txns[6].row, "amount") in problems
    assert ("family_too_many", "members", members[4].row, "family_of") in problems
    overdrawn = next(p for p in ev.problems if p.row == txns[5].row)
    assert overdrawn.severity is Severity.ERROR
    assert (overdrawn.params["balance"], overdrawn.params["short"]) == (Decimal("300.00"), Decimal("400.00"))


def test_a_member_with_no_stored_value_and_no_family_has_no_wallet() -> None:
    mf = MemberFile(path="t.xlsx", members=(member("M1"),), txns=(txn(date(2026, 1, 2), "M1", P, "10"),))
    assert evaluate(mf, RulesSettings(), date(2026, 1, 31)).members["M1"].wallet is None
