"""Vouchers: their sheet read from a real workbook, each voucher rule on a hand-computed book, and
every problem `check` reports at its cell (nothing of the manager's file changed)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loyalsheet.model import Txn, TxnType, Voucher, VoucherKind
from loyalsheet.rules.vouchers import (
    VoucherState,
    open_vouchers,
    voucher_status,
    voucher_statuses,
    voucher_use_problems,
)
from loyalsheet.workbook import parse as P
from loyalsheet.workbook.reader import read_member_file
from tests.helpers import MEMBER_HEADER, Result

TODAY = date(2026, 11, 22)


def v(row: int, vid: str, member: str = "M1", *, issued: date = date(2026, 10, 1), until: date | None = None,
      kind: VoucherKind = VoucherKind.CASH, value: Decimal | None = Decimal(50)) -> Voucher:
    return Voucher(row, vid, member, kind, issued, value, None, until)


def used(row: int, day: date, vid: str, member: str = "M1") -> Txn:
    return Txn(row, day, member, TxnType.PURCHASE, Decimal(300), voucher=vid)


def test_states_on_a_hand_computed_book() -> None:
    vouchers = [
        v(2, "V1", until=date(2026, 12, 31)),                                 # open, 39 days left
        v(3, "V2", until=date(2026, 11, 30)),                                 # used on 11-05
        v(4, "V3", until=date(2026, 11, 1)),                                  # lapsed on 11-01, never used
        v(5, "V4", issued=date(2026, 12, 1)),                                 # issued after today
        v(6, "V5"),                                                           # no end: open
        v(7, "V6", until=date(2026, 11, 22)),                                 # its last day is today: open, 0 left
        v(8, "V7", until=date(2026, 10, 31)),                                 # used after it lapsed: not a use
        v(9, "V8", until=date(2026, 12, 31)),                                 # used tomorrow: still open today
    ]
    txns = [used(2, date(2026, 11, 5), "V2"), used(3, date(2026, 11, 3), "V7"), used(4, date(2026, 11, 23), "V8")]
    by_member = voucher_statuses(vouchers, txns, TODAY)
    states = {s.voucher.voucher_id: s.state for s in by_member["M1"]}
    assert states == {"V1": VoucherState.OPEN, "V2": VoucherState.USED, "V3": VoucherState.EXPIRED,
                      "V4": VoucherState.NOT_YET, "V5": VoucherState.OPEN, "V6": VoucherState.OPEN,
                      "V7": VoucherState.EXPIRED, "V8": VoucherState.OPEN}
    v2 = next(s for s in by_member["M1"] if s.voucher.voucher_id == "V2")
    assert (v2.used_on, v2.used_row) == (date(2026, 11, 5), 2)
    assert [(s.voucher.voucher_id, s.days_left(TODAY)) for s in open_vouchers(by_member["M1"])] == [
        ("V6", 0), ("V1", 39), ("V8", 39), ("V5", None)]


def test_a_use_before_issue_does_not_use_it_and_the_first_good_use_does() -> None:
    voucher = v(2, "V1", issued=date(2026, 11, 10), until=date(2026, 11, 30))
    early, good, second = used(2, date(2026, 11, 9), "V1"), used(3, date(2026, 11, 12), "V1"), \
        used(4, date(2026, 11, 14), "V1")
    assert voucher_status(voucher, [early], TODAY).state is VoucherState.OPEN
    status = voucher_status(voucher, [early, good, second], TODAY)
    assert (status.state, status.used_row) == (VoucherState.USED, 3)


def test_use_problems_each_at_its_row() -> None:
    vouchers = [v(2, "V1", issued=date(2026, 11, 10), until=date(2026, 11, 30)), v(3, "V2", member="M2")]
    txns = [used(5, date(2026, 11, 9), "V1"), used(6, date(2026, 11, 12), "V1"), used(7, date(2026, 11, 14), "V1"),
            used(8, date(2026, 12, 1), "V1"), used(9, date(2026, 11, 1), "V9"), used(10, date(2026, 11, 1), "V2"),
            Txn(11, date(2026, 11, 1), "M1", TxnType.PURCHASE, Decimal(10))]
    found = [(p.row, p.code, p.severity.value, dict(p.params)) for p in voucher_use_problems(vouchers, txns)]
    assert found == [
        (5, "voucher_used_early", "error", {"issued": date(2026, 11, 10)}),
        (7, "voucher_used_twice", "error", {"first_row": 6, "first_day": date(2026, 11, 12)}),
        (8, "voucher_used_expired", "error", {"valid_until": date(2026, 11, 30)}),
        (9, "voucher_unknown", "error", {}),
        (10, "voucher_other_member", "warning", {"holder": "M2"}),
    ]


@pytest.mark.parametrize(("raw", "off"), [("10%", Decimal(10)), (12, Decimal(12)), (0.15, Decimal(15)),
                                          ("88折", Decimal(12)), ("9折", Decimal(10)), ("8.5折", Decimal(15)),
                                          ("７５折", Decimal(25))])
def test_percent_off_as_managers_write_it(raw: object, off: Decimal) -> None:
    assert P.parse_percent_off(raw) == off


@pytest.mark.parametrize("raw", ["half", "100%", "0", "12折扣", True])
def test_percent_off_that_is_not_one(raw: object) -> None:
    with pytest.raises(P.CellError):
        P.parse_percent_off(raw)


VOUCHER_HEADER = ["券号\nVoucher", "会员编号\nMember ID", "类型\nKind", "面值\nValue", "发放日期\nIssued",
                  "有效期至\nValid until", "来源\nSource", "备注\nNote"]


def _book(book: Callable[..., Path]) -> Path:
    members = [["M1", "Li", "13812345678", None, "2025-01-01", "walk-in", "招商银行"],
               ["M2", "Wang", "13812345679", None, "2025-01-01", "王店员", None]]
    txns = [
        ["2026-11-05", "M1", "消费", 300, None, None, "V1"],    # row 2: a good use
        ["2026-11-06", "M1", "消费", 200, None, None, "V1"],    # row 3: a second use
        ["2026-11-07", "M1", "消费", 200, None, None, "V2"],    # row 4: after V2 lapsed
        ["2026-09-01", "M2", "消费", 200, None, None, "V3"],    # row 5: before V3 was issued
        ["2026-11-08", "M2", "消费", 200, None, None, "V404"],  # row 6: no such voucher
    ]
    vouchers = [
        ["V1", "M1", "代金", "¥50", "2026-10-01", "2026-12-31", "积分兑换", None],   # row 2
        ["V2", "M1", "折扣", "88折", "2026-10-01", "2026-10-31", "生日", None],      # row 3
        ["V3", "M2", "礼品", "护手霜", "2026-10-01", None, "活动", None],             # row 4
        ["V1", "M2", "cash", 20, "2026-10-01", None, "other", None],                # row 5: duplicate id
        ["V5", "M9", "cash", 20, "2026-10-01", None, None, None],                   # row 6: unknown member
        ["V6", "M1", "percent", "half", "2026-10-01", None, None, None],           # row 7: value unreadable
        ["V7", "M1", "gift", "面膜", "2026-10-01", "2026-09-01", None, None],        # row 8: ends before issued
    ]
    attendance = [["活动编号", "会员编号", "到场", "备注"],
                  ["E1", "M1", "是", None], ["E9", "M2", "yes", None], ["E1", "M8", "no", None]]
    events = [["Event", "Title", "Date"], ["E1", "春季沙龙", "2026-10-20"]]
    return book(members, txns, member_header=[*MEMBER_HEADER, "来源", "Partner card"],
                txn_header=["Date", "Member ID", "Type", "Amount", "Points", "Paid with", "优惠券号"],
                extra={"优惠券 Vouchers": [VOUCHER_HEADER, *vouchers], "活动签到 Event attendance": attendance,
                       "活动 Events": events})


def test_the_sheets_read_from_a_workbook(book: Callable[..., Path]) -> None:
    mf = read_member_file(_book(book))
    assert [(m.source, m.partner) for m in mf.members] == [("walk-in", "招商银行"), ("王店员", None)]
    assert [t.voucher for t in mf.txns] == ["V1", "V1", "V2", "V3", "V404"]
    got = [(x.row, x.voucher_id, x.kind.value, x.value, x.gift, x.valid_until, x.source) for x in mf.vouchers]
    assert got == [
        (2, "V1", "cash", Decimal(50), None, date(2026, 12, 31), "points"),
        (3, "V2", "percent", Decimal(12), None, date(2026, 10, 31), "birthday"),
        (4, "V3", "gift", None, "护手霜", None, "event"),
        (5, "V1", "cash", Decimal(20), None, None, "other"),
        (6, "V5", "cash", Decimal(20), None, None, None),
        (8, "V7", "gift", None, "面膜", date(2026, 9, 1), None),
    ]
    assert [(a.row, a.event_id, a.member_id, a.came) for a in mf.attendance] == [
        (2, "E1", "M1", True), (3, "E9", "M2", True), (4, "E1", "M8", False)]
    assert [(p.sheet, p.row, p.column, p.code) for p in mf.problems] == [("vouchers", 7, "value", "percent_unreadable")]


def test_check_finds_each_problem_at_its_cell_and_changes_nothing(book: Callable[..., Path], tmp_path: Path,
                                                                   cli: Callable[..., Result]) -> None:
    path = _book(book)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("check", "--workbook", str(path), "--json", "--date", TODAY.isoformat(), "--lang", "en", cwd=tmp_path)
    assert result.code == 1, result.err
    problems = {(p["cell"], p["code"]) for p in json.loads(result.out)["problems"]}
    assert problems == {
        ("Transactions!G3", "voucher_used_twice"),
        ("Transactions!G4", "voucher_used_expired"),
        ("Transactions!G5", "voucher_used_early"),
        ("Transactions!G6", "voucher_unknown"),
        ("优惠券 Vouchers!A5", "duplicate_voucher_id"),
        ("优惠券 Vouchers!B6", "unknown_member"),
        ("优惠券 Vouchers!D7", "percent_unreadable"),
        ("优惠券 Vouchers!F8", "voucher_ends_before_issue"),
        ("活动签到 Event attendance!A3", "unknown_event"),
        ("活动签到 Event attendance!B4", "unknown_member"),
    }
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    zh = cli("check", "--workbook", str(path), "--date", TODAY.isoformat(), "--lang", "zh", cwd=tmp_path)
    assert "这张券已在第 2 行" in zh.out and "优惠券已于 2026-10-31 过期后仍被使用" in zh.out


def test_the_demo_has_vouchers_attendance_source_and_partner_and_checks_clean(tmp_path: Path,
                                                                                cli: Callable[..., Result]) -> None:
    made = cli("demo", str(tmp_path / "shop"), "--members", "200", "--date", TODAY.isoformat(), "--lang", "en")
    assert made.code == 0, made.err
    mf = read_member_file(tmp_path / "shop" / "members.xlsx")
    assert len(mf.vouchers) >= 10 and {v.kind for v in mf.vouchers} == set(VoucherKind)
    used = {t.voucher for t in mf.txns if t.voucher}
    assert used and used < {v.voucher_id for v in mf.vouchers}
    assert mf.attendance and {a.came for a in mf.attendance} == {True, False}
    assert any(m.source for m in mf.members) and any(m.partner for m in mf.members)
    statuses = voucher_statuses(mf.vouchers, mf.txns, TODAY)
    assert {s.state for ss in statuses.values() for s in ss} >= {VoucherState.OPEN, VoucherState.USED,
                                                                  VoucherState.EXPIRED}
    checked = cli("check", "--config", str(tmp_path / "shop" / "config.yaml"), "--json", "--date", TODAY.isoformat())
    assert checked.code == 0 and json.loads(checked.out)["errors"] == 0, checked.out
