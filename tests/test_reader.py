"""Reading real member files: headers any way people type them, and bad files with one clear line."""

from __future__ import annotations

import gc
import random
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from loyalsheet.errors import WorkbookError
from loyalsheet.model import MemberFile, PaidWith, TxnType
from loyalsheet.workbook import reader as R
from loyalsheet.workbook.reader import read_member_file
from loyalsheet.workbook.schema import SHEETS
from tests.helpers import Result, write_book


def test_headers_any_language_order_case_and_width(tmp_path: Path) -> None:
    path = write_book(tmp_path / "m.xlsx", {
        "会员 Members": [
            ["我的备注列", "ＮＡＭＥ", "member_id", "手机", "入会日期", "E-Mail", "家庭主卡\nFamily of"],
            ["VIP", "王丽", "M1", "13812345678", "2025-01-05", "wl@qq.com", None],
            [None, "Tom", "M2", "+852 6123 4567", date(2025, 3, 1), None, "M1"],
        ],
        "消费记录": [
            ["金额", "类型", "会员编号", "日期", "支付方式", "Extra"],
            ["¥1,200.50", "消费", "M1", datetime(2026, 1, 2, 15, 30), "储值", "x"],
            [300, "Top-up", "M2", "2026/1/3", None, None],
        ],
    })
    mf = read_member_file(path, region="CN")
    assert [m.member_id for m in mf.members] == ["M1", "M2"]
    m1, m2 = mf.members
    assert m1.name == "王丽" and m1.phone == "+8613812345678" and m1.email == "wl@qq.com"
    assert m1.joined == date(2025, 1, 5) and m2.family_of == "M1" and m2.phone == "+85261234567"
    t1, t2 = mf.txns
    assert t1.amount == Decimal("1200.50") and t1.type is TxnType.PURCHASE and t1.paid_with is PaidWith.STORED_VALUE
    assert t1.day == date(2026, 1, 2) and t1.at == datetime(2026, 1, 2, 15, 30)
    assert t2.type is TxnType.TOP_UP and t2.day == date(2026, 1, 3)
    members = mf.layouts["members"]
    assert members.columns["member_id"] == "C" and members.columns["name"] == "B"
    assert "我的备注列" in members.extra_headers
    assert mf.layouts["transactions"].extra_headers == ("Extra",)
    assert mf.problems == ()


def test_header_row_below_a_title_and_problems_point_at_cells(tmp_path: Path) -> None:
    path = write_book(tmp_path / "m.xlsx", {
        "Members": [
            ["美丽店会员名单 2026"],
            [],
            ["Member ID", "Name", "Phone", "Joined", "Birthday"],
            ["M1", "Li", "138-0013", "2025-01-05", "1990-02-30"],
        ],
        "Transactions": [["Date", "Member ID", "Type", "Amount"], ["next week", "M1", "buy stuff", "一百"]],
    })
    mf = read_member_file(path)
    assert mf.layouts["members"].header_row == 3
    found = {(p.sheet, p.row, p.column, p.code) for p in mf.problems}
    assert ("members", 4, "phone", "phone_unreadable") in found
    assert ("members", 4, "birthday", "date_impossible") in found
    assert ("transactions", 2, "date", "date_unreadable") in found
    assert ("transactions", 2, "type", "choice_unknown") in found
    assert ("transactions", 2, "amount", "money_unreadable") in found


def test_empty_rows_and_columns_above_and_left_of_the_header_keep_cells_where_they_are(tmp_path: Path) -> None:
    # calamine's used area then starts below row 1 and right of column A: cells must still be named as typed
    path = write_book(tmp_path / "m.xlsx", {
        "Members": [
            [],
            [],
            [None, "Member ID", "Name", "Phone", "Joined"],
            [None, "M1", "Li", "138-0013", "2025-01-05"],
        ],
        "Transactions": [[], [None, None, "Date", "Member ID", "Type", "Amount"],
                         [None, None, "2026-01-02", "M1", "purchase", "一百"]],
    })
    mf = read_member_file(path)
    members, txns = mf.layouts["members"], mf.layouts["transactions"]
    assert (members.header_row, members.columns["member_id"], members.columns["phone"]) == (3, "B", "D")
    assert (txns.header_row, txns.columns["date"], txns.columns["amount"]) == (2, "C", "F")
    assert mf.members[0].row == 4
    found = {(p.sheet, p.row, p.column, p.code) for p in mf.problems}
    assert found == {("members", 4, "phone", "phone_unreadable"), ("transactions", 3, "amount", "money_unreadable")}


def _expect(path: Path, code: str) -> WorkbookError:
    with pytest.raises(WorkbookError) as exc:
        read_member_file(path)
    assert exc.value.code == code, exc.value.params
    return exc.value


def test_missing_file_and_folder(tmp_path: Path) -> None:
    _expect(tmp_path / "nope.xlsx", "workbook_missing")
    _expect(tmp_path, "workbook_is_folder")


def test_xls_csv_and_other_formats(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    _expect(tmp_path / "old.xls", "workbook_xls")
    (tmp_path / "renamed.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    _expect(tmp_path / "renamed.xlsx", "workbook_xls")
    (tmp_path / "m.csv").write_text("Member ID,Name\nM1,Li\n")
    _expect(tmp_path / "m.csv", "workbook_csv")
    (tmp_path / "m.ods").write_bytes(b"PK\x03\x04")
    _expect(tmp_path / "m.ods", "workbook_other_format")


def test_corrupt_files(tmp_path: Path, book: Callable[..., Path]) -> None:
    (tmp_path / "junk.xlsx").write_bytes(b"this is not a workbook")
    _expect(tmp_path / "junk.xlsx", "workbook_corrupt")
    good = book([["M1", "Li", "13812345678", None, "2025-01-01"]])
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _expect(truncated, "workbook_corrupt")
    # a valid zip whose worksheet part is garbage
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, b"<not xml" if item.filename.startswith("xl/worksheets/") else data)
    _expect(broken, "workbook_corrupt")


def test_password_protected(tmp_path: Path, book: Callable[..., Path]) -> None:
    plain = book([["M1", "Li", "13812345678", None, "2025-01-01"]])
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        office = OOXMLFile(src)
        office.encrypt("secret", dst)
    _expect(locked, "workbook_encrypted")


def test_missing_sheet_and_renamed_header(tmp_path: Path) -> None:
    no_txns = write_book(tmp_path / "a.xlsx", {"Members": [["Member ID", "Name", "Joined"]]})
    err = _expect(no_txns, "sheet_missing")
    assert "Transactions" in err.params["sheet"] and "Members" in err.params["found"]
    renamed = write_book(tmp_path / "b.xlsx", {
        "Members": [["Customer code", "Name", "Joined"], ["M1", "Li", "2025-01-01"]],
        "Transactions": [["Date", "Member ID", "Type"]],
    })
    err = _expect(renamed, "header_missing")
    assert "Member ID" in err.params["columns"] and "Customer code" in err.params["found"]
    assert err.params["sheet"] == "Members"


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["--workbook", "nope.xlsx"], 2, "no such file"),
        (["--workbook", "."], 2, "is a folder"),
        (["--workbook", "m.csv"], 2, "CSV"),
        (["--config", "missing.yaml"], 2, "missing.yaml: no such file"),
    ],
)
def test_cli_bad_files_one_clear_line_exit_2(tmp_path: Path, cli: Callable[..., Result], args: list[str], code: int,
                                             text: str) -> None:
    (tmp_path / "m.csv").write_text("a,b\n")
    result = cli("check", "--lang", "en", *args, cwd=tmp_path)
    assert result.code == code
    assert text in result.err
    assert "What to do:" in result.err
    assert result.out == ""


# --- column-wise reading gives what row-by-row reading gives ------------------------------------------


def _messy_book(path: Path, seed: int, rows: int = 120) -> Path:
    """Members, transactions, gift cards and opt-outs with every kind of mistake, blank, boolean and type."""
    rng = random.Random(seed)

    def cell(good: object, *bad: object) -> object:
        r = rng.random()
        if r < 0.06:
            return rng.choice([None, "", "   ", True, False, 0, 1, 1.0, 0.0])
        return rng.choice(bad) if bad and r < 0.2 else good

    ids = [f"M{i:03d}" for i in range(1, 40)]
    members: list[list[object]] = [["Member ID", "Name", "Phone", "Email", "Birthday", "Lunar birthday", "Joined",
                                    "Membership", "Family of", "SMS consent", "Notes", "Phone"],
                                   ["M001", "Li", "13812345678", None, "12/31", "是", date(2025, 1, 5), None, None,
                                    None, None, None]]
    for n in range(rows):
        if n % 37 == 5:
            members.append([])
            continue
        members.append([
            cell(rng.choice(ids), "Ｍ００１", 1001.0, " M002 "), cell("王丽", 12.0, "  "),
            cell(rng.choice(["13812345678", 13912345678.0, "+852 6123 4567", "+86 138-1234-5678"]),
                 "138-0013", "call me", "+0086 13812345678", "010 1234 5678"),
            cell("li@qq.com", "Li.Na@QQ.com", "bad@@qq.com", "info@163.com"),
            cell(date(1990, 8, 15), "5月3日", "2/30", "12/31", date(1985, 1, 31)),
            cell("否", "是", "maybe"),
            cell(date(2025, 1, 5), datetime(2025, 3, 4, 10, 30), "2025-02-30", "3/5/2026", 45000),
            cell("消费型", "储值型", "vip"), cell(None, rng.choice(ids), "  "), cell("是", "否", "√", 2),
            cell(None, "VIP", 0), cell(None, "13812345678"),
        ])
    txns: list[list[object]] = [["Date", "Member ID", "Type", "Amount", "Points", "Paid with", "Special offer",
                                 "Staff", "Extra"]]
    for n in range(rows * 4):
        if n % 53 == 7:
            txns.append([])
            continue
        txns.append([
            cell(datetime(2026, 1, 2, 10, rng.randrange(60)), date(2026, 1, 3), datetime(2026, 1, 4), "2026/1/5",
                 "2026-02-30", "next week", 46000.5),
            cell(rng.choice(ids), "Ｍ００２", 1001),
            cell("消费", "充值", "Top Up", "买东西"),
            cell(rng.choice([100.0, 99.5, 1200.0]), "¥1,200.50", "一百", 1, 0, -120),
            cell(None, 500.0, "300分", 2.5),
            cell(None, "储值", "刷卡", "bitcoin"),
            cell(None, "是", "否", "maybe"),
            cell("小李", 7.0, " Lily "),
            cell(None, "x"),
        ])
    opt_outs = [["Date", "Member ID", "Phone", "Email", "Channel"]] + [
        [cell(date(2025, 10, 21)), cell(None, rng.choice(ids)), cell(None, "15645110857", "bad"), None,
         cell("sms", "fax")] for _ in range(rows // 4)
    ]
    gift_cards = [["Card", "Given by", "Issued", "Value", "Friend phone", "Friend registered"]] + [
        [cell(f"G{n:03d}", None), cell(rng.choice(ids)), cell(date(2025, 1, 1), "soon"), cell(600.0, "lots"),
         cell("19348291904", 13883310934.0, "123"), cell("否", "是")] for n in range(rows // 4)
    ]
    return write_book(path, {"Members": members, "Transactions": txns, "Opt-outs": opt_outs,
                             "Gift cards": gift_cards})


def _row_by_row(self: R._SheetReader, chunk: list[list[Any]], first_row_number: int,
                build: Callable[[R._SheetReader, Any], Any], records: list[Any]) -> None:
    """The reader before it read column-wise: every row through _SheetReader.parse and its builder."""
    for i, row in enumerate(chunk):
        values = self.parse(row, first_row_number + i)
        if values is not None:
            record = build(self, values)
            if record is not None:
                records.append(record)


def _read_all(path: Path, region: str = "CN") -> tuple[MemberFile, list[tuple[str, int, int]]]:
    calls: list[tuple[str, int, int]] = []
    mf = read_member_file(path, region=region, progress=lambda *call: calls.append(call))
    return mf, calls


def _same(a: MemberFile, b: MemberFile) -> None:
    assert a == b
    for name in ("members", "txns", "gift_cards", "opt_outs", "problems"):  # == alone: "purchase" == TxnType.PURCHASE
        assert [repr(x) for x in getattr(a, name)] == [repr(x) for x in getattr(b, name)], name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_column_wise_reading_matches_row_by_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    path = _messy_book(tmp_path / "m.xlsx", seed)
    with monkeypatch.context() as m:
        m.setattr(R._SheetReader, "read_chunk", _row_by_row)
        expected, expected_calls = _read_all(path)
    assert len(expected.problems) > 50 and len(expected.txns) > 200 and expected.members
    assert {p.code for p in expected.problems} >= {"required_missing", "phone_unreadable", "money_unreadable",
                                                   "date_impossible", "choice_unknown", "lunar_day_impossible",
                                                   "optout_no_contact", "header_duplicate"}
    for chunk in (1, 2, 7, 20_000):  # chunk edges anywhere, blank rows and bad cells on them
        monkeypatch.setattr(R, "_CHUNK", chunk)
        got, calls = _read_all(path)
        _same(got, expected)
        assert calls == expected_calls


def test_problems_come_in_row_then_column_order(tmp_path: Path) -> None:
    mf = read_member_file(_messy_book(tmp_path / "m.xlsx", 4))
    order = {s.key: {c.key: i for i, c in enumerate(s.columns)} for s in SHEETS}
    for sheet in ("members", "transactions"):
        cells = [(p.row, order[sheet][p.column or ""]) for p in mf.problems if p.sheet == sheet]
        assert cells == sorted(cells) and len(cells) > 10


def test_booleans_are_not_read_as_the_numbers_they_equal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(R, "_CHUNK", 1)  # the second row then meets what the first left in the cache
    for first, second in ((1, True), (True, 1)):  # whichever the cache sees first
        path = write_book(tmp_path / "m.xlsx", {
            "Members": [["Member ID", "Name", "Joined"], ["M1", "Li", "2025-01-01"]],
            "Transactions": [["Date", "Member ID", "Type", "Amount", "Points", "Staff"],
                             ["2026-01-02", "M1", "消费", first, 0, first],
                             ["2026-01-03", "M1", "消费", second, False, second]],
        })
        mf = read_member_file(path)
        by_row = {t.row: t for t in mf.txns}
        number_row, bool_row = (2, 3) if first == 1 and first is not True else (3, 2)
        assert by_row[number_row].amount == Decimal(1) and by_row[number_row].staff == "1"
        assert by_row[bool_row].amount is None and by_row[bool_row].staff == "True"
        assert {(p.row, p.column, p.code) for p in mf.problems} == {(bool_row, "amount", "money_unreadable"),
                                                                    (3, "points", "int_unreadable")}


def test_progress_is_reported_as_rows_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = [["Member ID", "Name", "Joined"]] + [[f"M{i}", "Li", "2025-01-01"] for i in range(30)]
    path = write_book(tmp_path / "m.xlsx", {"Members": members, "Transactions": [["Date", "Member ID", "Type"]]})
    monkeypatch.setattr(R, "_PROGRESS_EVERY", 4)
    monkeypatch.setattr(R, "_CHUNK", 3)
    _, calls = _read_all(path)
    # every 4th row after the ten rows scanned for the header, then the end
    assert [c for c in calls if c[0] == "members"] == [("members", k, 31) for k in (12, 16, 20, 24, 28, 31)]
    assert [c for c in calls if c[0] == "transactions"] == [("transactions", 1, 1)]


def test_reading_makes_no_reference_cycles_and_puts_the_collector_back(tmp_path: Path) -> None:
    path = _messy_book(tmp_path / "m.xlsx", 5, rows=40)
    assert gc.isenabled()
    read_member_file(path)
    assert gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        mf = read_member_file(path)
        assert not gc.isenabled()  # left as it was
        assert mf.problems
        # cached CellErrors hold no traceback (a cycle through the reading frames): nothing for the
        # collector to find, which is what makes running a command with the collector off (cli.main) safe
        cyclic = gc.collect()
    finally:
        gc.enable()
    assert cyclic == 0
    with pytest.raises(WorkbookError):
        read_member_file(write_book(tmp_path / "bad.xlsx", {"Members": [["Name"]], "Transactions": [["Date"]]}))
    assert gc.isenabled()


def test_a_damaged_later_sheet_is_named(tmp_path: Path, book: Callable[..., Path]) -> None:
    """Sheets after the first are parsed on another thread; what goes wrong there is reported the same."""
    good = book([["M1", "Li", "13812345678", None, "2025-01-01"]], [["2026-01-02", "M1", "消费", 100]])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, b"<not xml" if item.filename == "xl/worksheets/sheet2.xml" else data)
    err = _expect(broken, "workbook_corrupt")
    assert err.params["detail"].startswith("Transactions: ")
    # and a header missing in the first sheet is reported while the others are still being parsed
    no_id = write_book(tmp_path / "no_id.xlsx", {"Members": [["Name", "Joined"]],
                                                 "Transactions": [["Date", "Member ID", "Type"]] * 3})
    assert _expect(no_id, "header_missing").params["sheet"] == "Members"
