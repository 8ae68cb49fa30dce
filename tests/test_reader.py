"""Reading real member files: headers any way people type them, and bad files with one clear line."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from loyalsheet.errors import WorkbookError
from loyalsheet.model import PaidWith, TxnType
from loyalsheet.workbook.reader import read_member_file
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
