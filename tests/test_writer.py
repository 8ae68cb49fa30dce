"""The surgical writer: owned sheets replaced, every other part of the book left byte for byte.

Fixture books (tests/fixtures/, made by make_fixtures.py) come from openpyxl, LibreOffice and a
hand-written .xlsm with a VBA project and buttons. Results are opened again with zipfile, openpyxl,
python-calamine and (tests marked ``libreoffice``) LibreOffice headless.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from loyalsheet.errors import WorkbookError
from loyalsheet.i18n import t
from loyalsheet.workbook import ooxml
from loyalsheet.workbook.look import Col, Look
from loyalsheet.workbook.writer import (
    BACKUP_DIR_NAME,
    CellValue,
    ChartSeries,
    ChartSpec,
    Fingerprint,
    OwnedSheet,
    WriteResult,
    _host,
    check_writable,
    excel_lock_file,
    fingerprint,
    libreoffice_lock_file,
    list_backups,
    read_owned_sheet,
    write_owned_sheets,
)
from tests.helpers import soffice as soffice_executable

FIXTURES = Path(__file__).parent / "fixtures"
BOOKS = ["openpyxl_features.xlsx", "libreoffice.xlsx", "macro.xlsm"]
LISTING = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
NS = {"m": ooxml.NS_MAIN, "r": ooxml.NS_R}

STATUS = "会员状态 Member status"
DASHBOARD = "看板 Dashboard"
CALLS = "回访名单 Call list"

STATUS_HEADER = ["会员编号\nMember ID", "姓名\nName", "积分\nPoints", "余额\nStored value", "最近到店\nLast visit",
                 "下次回访\nNext call", "生日会员\nBirthday", "鲸鱼\nWhale", "备注\nNote"]
STATUS_ROWS: list[list[CellValue]] = [
    ["M0001", "王芳", 1200, Decimal("350.50"), date(2026, 5, 1), datetime(2026, 11, 23, 16, 30), True, "yes", None],
    ["M0002", "Li Wei", 0, Decimal("0"), date(2026, 2, 11), None, False, "no", "=1+1"],
    ["M0003", "陈静", 87, Decimal("1234567.89"), date(1999, 12, 31), datetime(2026, 1, 1, 0, 0), False, "yes",
     "+86 138 0013 8000"],
    ["M0004", "张小明", -5, 12.25, None, None, None, None, "-5 points / @SUM(A1) & <b>"],
]
FORMULA_LIKE = ["=1+1", "+86 138 0013 8000", "-5 points / @SUM(A1) & <b>", "@SUM(A1)", "=HYPERLINK(\"x\")"]


def owned_sheets(extra_rows: int = 0) -> list[OwnedSheet]:
    extra: list[list[CellValue]] = [[f"M{9000 + i}", f"extra {i}", i] for i in range(extra_rows)]
    rows = [*STATUS_ROWS, *extra]
    return [
        OwnedSheet(STATUS, STATUS_HEADER, rows, widths=[12, 14, 8, 12, 12, 16, 8, 8, 30],
                   number_formats={3: "#,##0.00", 5: "yyyy-mm-dd hh:mm"}),
        OwnedSheet(
            DASHBOARD, ["层级 Tier", "人数 Members", "消费 Spend"],
            [["Gold", 3, 1200.5], ["Silver", 5, 800], ["Bronze", 9, 300]],
            widths=[12, 10, 10],
            charts=[
                ChartSpec("column", "Members by tier", [ChartSeries("B2:B4", "Members")], categories="A2:A4",
                          anchor="E2"),
                ChartSpec("pie", "Share", [ChartSeries("B2:B4")], categories="A2:A4", anchor="E20"),
                ChartSpec("line", "Spend", [ChartSeries("C2:C4", "Spend")], categories="A2:A4", anchor="N2"),
            ],
        ),
        OwnedSheet(CALLS, ["会员编号\nMember ID", "原因\nWhy", "结果\nOutcome"],
                   [["M0001", "gone quiet", None], ["M0003", "=birthday", None]],
                   look=Look(priority_rows=1, columns=(Col("id"), Col("wrap", fills={"gone quiet": "FFC7CE"}),
                                                       Col("write")))),
    ]


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def infos(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: i for i in zf.infolist()}


def copy_fixture(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def write(path: Path, sheets: Sequence[OwnedSheet] | None = None, **kwargs: Any) -> WriteResult:
    return write_owned_sheets(path, owned_sheets() if sheets is None else sheets, expected=fingerprint(path),
                              **kwargs)


def owned_part_names(result: WriteResult) -> set[str]:
    """Parts the writer may own: worksheets, their rels, drawings, charts (never the listing parts)."""
    return {p for p in (*result.replaced, *result.added, *result.removed) if p not in LISTING}


def sheet_part(path: Path, title: str) -> str:
    data = parts(path)
    wb = etree.fromstring(data["xl/workbook.xml"])
    rels = etree.fromstring(data["xl/_rels/workbook.xml.rels"])
    rid = next(s.get(f"{{{ooxml.NS_R}}}id") for s in wb.iterfind(".//m:sheet", NS) if s.get("name") == title)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return ooxml.resolve_target("xl/workbook.xml", target)


def expected_values(sheet: OwnedSheet) -> list[list[Any]]:
    return [list(sheet.header), *[list(r) for r in sheet.rows]]


def _same(got: Any, want: Any) -> bool:
    if want is None or want == "":
        return got is None or got == ""
    if isinstance(want, bool):
        return got is want or got == int(want)
    if isinstance(want, datetime):
        if type(got) is date:  # calamine gives a date for a date-time at midnight
            return want.time() == datetime.min.time() and got == want.date()
        return isinstance(got, datetime) and abs((got - want).total_seconds()) < 0.001
    if isinstance(want, date):
        return got == want or (isinstance(got, datetime) and got.date() == want and got.time() == datetime.min.time())
    if isinstance(want, int | float | Decimal):
        return isinstance(got, int | float) and abs(float(got) - float(want)) < 1e-9
    return bool(got == want)


def assert_rows(got: Sequence[Sequence[Any]], want: Sequence[Sequence[Any]]) -> None:
    assert len(got) == len(want), (len(got), len(want))
    for r, (g_row, w_row) in enumerate(zip(got, want, strict=True)):
        width = max(len(g_row), len(w_row))
        g = list(g_row) + [None] * (width - len(g_row))
        w = list(w_row) + [None] * (width - len(w_row))
        for c in range(width):
            assert _same(g[c], w[c]), f"row {r + 1} column {c + 1}: {g[c]!r} != {w[c]!r}"


# -- every other part byte for byte ---------------------------------------------------------------------------


@pytest.mark.parametrize("book", BOOKS)
def test_parts_not_owned_are_byte_identical(tmp_path: Path, book: str) -> None:
    path = copy_fixture(tmp_path, book)
    before, before_info = parts(path), infos(path)
    result = write(path)
    after, after_info = parts(path), infos(path)

    owned = owned_part_names(result)
    assert set(result.replaced) <= LISTING | owned
    assert not set(result.removed) & LISTING
    assert set(after) == (set(before) - set(result.removed)) | set(result.added)
    for name, data in before.items():
        if name in LISTING or name in owned:
            continue
        assert after[name] == data, f"{name} changed"
        # copied as stored: same compression and the same compressed bytes (CRC and sizes)
        b, a = before_info[name], after_info[name]
        assert (a.compress_type, a.compress_size, a.CRC) == (b.compress_type, b.compress_size, b.CRC), name
    # zip order kept for every part that was there before; new parts come after them
    kept = [n for n in before if n in after]
    assert [n for n in after if n in before] == kept
    assert list(after)[len(kept):] == list(result.added)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None


def _children(part: bytes, tag: str | None = None) -> list[tuple[Any, ...]]:
    root = etree.fromstring(part)
    if tag is not None:
        found = root.find(f"m:{tag}", NS)
        if found is None:
            return []
        root = found
    return [ooxml.canonical(el) for el in root if isinstance(el.tag, str)]


@pytest.mark.parametrize("book", BOOKS)
def test_listing_parts_only_gain_entries(tmp_path: Path, book: str) -> None:
    path = copy_fixture(tmp_path, book)
    before = parts(path)
    result = write(path)
    after = parts(path)
    removed = {"/" + r for r in result.removed}

    for name in LISTING:
        decl = before[name][: before[name].find(b"?>") + 2] if before[name].startswith(b"<?xml") else b""
        assert after[name].startswith(decl), f"{name}: XML declaration changed"
        assert etree.fromstring(after[name]).nsmap == etree.fromstring(before[name]).nsmap, name

    # workbook.xml: the manager's sheets unchanged and in order, new sheets at the end, nothing else touched
    old_sheets = _children(before["xl/workbook.xml"], "sheets")
    new_sheets = _children(after["xl/workbook.xml"], "sheets")
    assert new_sheets[: len(old_sheets)] == old_sheets
    assert [dict(s[1])["name"] for s in new_sheets[len(old_sheets):]] == [
        s.title for s in owned_sheets() if s.title not in {dict(o[1])["name"] for o in old_sheets}
    ]
    skip = ("}sheets", "}calcPr", "}definedNames")
    old_other = [c for c in _children(before["xl/workbook.xml"]) if not str(c[0]).endswith(skip)]
    new_other = [c for c in _children(after["xl/workbook.xml"]) if not str(c[0]).endswith(skip)]
    assert new_other == old_other
    # defined names: the manager's all kept; the only new ones are an owned sheet's print titles and filter
    old_names = _children(before["xl/workbook.xml"], "definedNames")
    new_names = _children(after["xl/workbook.xml"], "definedNames")
    assert new_names[: len(old_names)] == old_names
    titles = [dict(s[1])["name"] for s in new_sheets]
    owned = {str(titles.index(s.title)) for s in owned_sheets() if s.look is not None}
    added = [dict(n[1]) for n in new_names[len(old_names):]]
    assert {(a["name"], a["localSheetId"]) for a in added} == {
        (name, index) for name in ("_xlnm.Print_Titles", "_xlnm._FilterDatabase") for index in owned}

    # relationships and content types: every old entry still there, as it was (unless its part was removed)
    old_rels = _children(before["xl/_rels/workbook.xml.rels"])
    new_rels = _children(after["xl/_rels/workbook.xml.rels"])
    assert new_rels[: len(old_rels)] == old_rels
    old_types = [c for c in _children(before["[Content_Types].xml"]) if dict(c[1]).get("PartName") not in removed]
    new_types = _children(after["[Content_Types].xml"])
    assert new_types[: len(old_types)] == old_types

    # styles: every list keeps its entries at the same indexes; new ones are appended
    for tag in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs"):
        old = _children(before["xl/styles.xml"], tag)
        new = _children(after["xl/styles.xml"], tag)
        assert new[: len(old)] == old, tag


@pytest.mark.parametrize("book", BOOKS)
def test_second_write_changes_only_owned_parts(tmp_path: Path, book: str) -> None:
    path = copy_fixture(tmp_path, book)
    first = write(path)
    after_first, info_first = parts(path), infos(path)
    second = write(path, owned_sheets(extra_rows=25))
    after_second = parts(path)

    assert set(after_second) == set(after_first)
    changed = {n for n in after_first if after_first[n] != after_second[n]}
    assert changed, "the owned sheets have new rows"
    assert changed <= owned_part_names(first)
    assert not changed & LISTING
    assert not second.added and not second.removed
    assert second.fingerprint == fingerprint(path)
    assert first.fingerprint != second.fingerprint
    assert [i.filename for i in infos(path).values()] == list(info_first)


def test_same_write_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    write(path)
    once = path.read_bytes()
    write(path)
    assert path.read_bytes() == once


# -- values read back -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("book", BOOKS)
def test_openpyxl_opens_the_result_and_reads_owned_values(tmp_path: Path, book: str) -> None:
    path = copy_fixture(tmp_path, book)
    original = openpyxl.load_workbook(FIXTURES / book)
    write(path)
    wb = openpyxl.load_workbook(path)
    old_names = original.sheetnames
    assert wb.sheetnames[: len(old_names)] == old_names
    assert set(wb.sheetnames) == set(old_names) | {STATUS, DASHBOARD, CALLS}
    for sheet in owned_sheets():
        ws = wb[sheet.title]
        assert_rows(list(ws.iter_rows(values_only=True)), expected_values(sheet))
        assert ws.freeze_panes == ("B2" if sheet.look is not None else "A2")  # the id column too, with a look
        assert ws["A1"].font.b
    status = wb[STATUS]
    assert status.column_dimensions["B"].width == 14
    assert status["D2"].number_format == "#,##0.00"
    assert status["E2"].is_date and status["E2"].number_format == "yyyy-mm-dd"
    assert status["F2"].number_format == "yyyy-mm-dd hh:mm"
    assert len(wb[DASHBOARD]._charts) == 3
    for title in old_names:  # the manager's sheets read as before
        if title in (STATUS, DASHBOARD):
            continue
        assert [[c for c in r] for r in wb[title].iter_rows(values_only=True)] == [
            [c for c in r] for r in original[title].iter_rows(values_only=True)]
        assert wb[title].sheet_state == original[title].sheet_state


@pytest.mark.parametrize("book", BOOKS)
def test_calamine_reads_owned_values(tmp_path: Path, book: str) -> None:
    path = copy_fixture(tmp_path, book)
    write(path)
    for sheet in owned_sheets():
        assert_rows(read_owned_sheet(path, sheet.title), expected_values(sheet))
    assert read_owned_sheet(path, STATUS.upper()) == read_owned_sheet(path, STATUS)
    assert read_owned_sheet(path, "no such sheet") == []


def test_replaces_an_existing_owned_sheet_in_place(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "openpyxl_features.xlsx")
    before = parts(path)
    wb_before = etree.fromstring(before["xl/workbook.xml"])
    old = {s.get("name"): (s.get("sheetId"), s.get(f"{{{ooxml.NS_R}}}id")) for s in wb_before.iterfind(".//m:sheet", NS)}
    status_part, dash_part = sheet_part(path, STATUS), sheet_part(path, DASHBOARD)
    result = write(path)
    wb_after = etree.fromstring(parts(path)["xl/workbook.xml"])
    new = {s.get("name"): (s.get("sheetId"), s.get(f"{{{ooxml.NS_R}}}id")) for s in wb_after.iterfind(".//m:sheet", NS)}
    assert new[STATUS] == old[STATUS] and new[DASHBOARD] == old[DASHBOARD]
    assert sheet_part(path, STATUS) == status_part and sheet_part(path, DASHBOARD) == dash_part
    assert status_part in result.replaced and dash_part in result.replaced
    # the old dashboard's pie chart is gone: its drawing now holds our three charts
    after = parts(path)
    old_pie = next(data for name, data in before.items() if name.startswith("xl/charts/") and b"pieChart" in data)
    assert old_pie not in after.values()
    drawing = next(n for n in after if n.startswith("xl/drawings/drawing") and b"Members by tier" in after[n])
    assert after[drawing].count(b"<xdr:graphicFrame") == 3
    charts = [data for name, data in after.items() if name.startswith("xl/charts/")]
    assert sum(f"'{DASHBOARD}'!".encode() in data for data in charts) == 3
    # the manager's chart (Summary) and image are untouched
    assert any(b"Spend by store" in data for data in charts)
    assert after["xl/media/image1.png"] == before["xl/media/image1.png"]


def test_sheet_xml_is_well_formed_and_ordered(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    write(path)
    root = etree.fromstring(parts(path)[sheet_part(path, STATUS)])
    assert root.find("m:dimension", NS).get("ref") == "A1:I5"
    pane = root.find("m:sheetViews/m:sheetView/m:pane", NS)
    assert (pane.get("ySplit"), pane.get("state"), pane.get("topLeftCell")) == ("1", "frozen", "A2")
    rows = root.findall("m:sheetData/m:row", NS)
    assert [int(r.get("r")) for r in rows] == [1, 2, 3, 4, 5]
    for row in rows:
        cols = [ooxml.parse_cell(c.get("r"))[1] for c in row.findall("m:c", NS)]
        assert cols == sorted(cols) and len(set(cols)) == len(cols)
        assert all(ooxml.parse_cell(c.get("r"))[0] == int(row.get("r")) for c in row.findall("m:c", NS))
    assert root.find(".//m:f", NS) is None
    assert [c.get("width") for c in root.findall("m:cols/m:col", NS)][:2] == ["12", "14"]
    header_row = rows[0]
    assert header_row.get("customHeight") == "1"  # two-line headers get a taller row


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    sheet = OwnedSheet("Texts", ["Value"], [[v] for v in FORMULA_LIKE])
    write(path, [sheet])
    root = etree.fromstring(parts(path)[sheet_part(path, "Texts")])
    cells = root.findall("m:sheetData/m:row/m:c", NS)[1:]
    assert [c.get("t") for c in cells] == ["inlineStr"] * len(FORMULA_LIKE)
    assert root.find(".//m:f", NS) is None
    ws = openpyxl.load_workbook(path)["Texts"]
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [(v, "s") for v in FORMULA_LIKE]
    assert [r[0] for r in read_owned_sheet(path, "Texts")[1:]] == FORMULA_LIKE


def test_control_characters_and_escapes(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    texts = ["bell\x07tab\tnew\nline\rcr", "_x0041_ stays literal", "  padded  ", "emoji 🎉 & <tag>", "x" * 40000]
    write(path, [OwnedSheet("Texts", ["Value"], [[v] for v in texts])])
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
    got = [r[0] for r in read_owned_sheet(path, "Texts")[1:]]
    assert got[:4] == texts[:4]
    assert got[4] == "x" * ooxml.MAX_CELL_TEXT  # Excel's limit for one cell
    ws = openpyxl.load_workbook(path)["Texts"]
    assert ws["A4"].value == "  padded  "
    assert ws["A5"].value == "emoji 🎉 & <tag>"


def test_numbers_dates_and_odd_values(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "libreoffice.xlsx")
    row: list[CellValue] = [float("nan"), float("inf"), 10**20, Decimal("0.1"), date(1899, 1, 1), date(1900, 1, 1),
                            date(1900, 2, 28), date(1900, 3, 1), -0.0, 1e-9]
    write(path, [OwnedSheet("Odd", [f"c{i}" for i in range(len(row))], [row])])
    ws = openpyxl.load_workbook(path)["Odd"]
    values = [c.value for c in ws[2]]
    assert values[0] == "#NUM!" and values[1] == "#NUM!"
    assert values[2] == pytest.approx(1e20)
    assert values[3] == pytest.approx(0.1)
    assert values[4] == "1899-01-01"  # before Excel's calendar: kept as text
    assert [v.date() for v in values[5:8]] == [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1)]
    root = etree.fromstring(parts(path)[sheet_part(path, "Odd")])
    serials = [c.findtext("m:v", namespaces=NS) for c in root.findall("m:sheetData/m:row[2]/m:c", NS)][5:8]
    assert serials == ["1", "59", "61"]  # Excel's serials, with its 29 February 1900


def test_1904_date_system(tmp_path: Path) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.title = "Members"
    wb.active["A1"] = date(2026, 5, 1)
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    write(path, [OwnedSheet("Dates", ["When"], [[date(2026, 5, 1)], [datetime(2026, 5, 1, 12, 0)]])])
    ws = openpyxl.load_workbook(path)["Dates"]
    assert ws["A2"].value == datetime(2026, 5, 1)
    assert ws["A3"].value == datetime(2026, 5, 1, 12, 0)
    assert read_owned_sheet(path, "Dates")[1][0] in (date(2026, 5, 1), datetime(2026, 5, 1))


# -- recalculation ----------------------------------------------------------------------------------------------------


def _calc_pr(path: Path) -> etree._Element | None:
    return etree.fromstring(parts(path)["xl/workbook.xml"]).find("m:calcPr", NS)


def test_full_calc_on_load_when_a_manager_formula_refers_to_an_owned_sheet(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "openpyxl_features.xlsx")
    assert _calc_pr(path).get("fullCalcOnLoad") is None  # Summary!B3 counts '会员状态 Member status'!H:H
    result = write(path)
    assert result.full_calc_on_load
    calc = _calc_pr(path)
    assert calc.get("fullCalcOnLoad") == "1" and calc.get("calcId") == "124519"
    assert not write(path).full_calc_on_load  # already set: left alone


@pytest.mark.parametrize("book", ["libreoffice.xlsx", "macro.xlsm"])
def test_calc_pr_left_alone_without_such_formulas(tmp_path: Path, book: str) -> None:
    path = copy_fixture(tmp_path, book)
    before = _calc_pr(path)
    result = write(path)
    assert not result.full_calc_on_load
    after = _calc_pr(path)
    assert (None if before is None else ooxml.canonical(before)) == (None if after is None else ooxml.canonical(after))


def test_full_calc_on_load_for_a_defined_name(tmp_path: Path) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    wb.active.title = "Members"
    wb.defined_names["Whales"] = DefinedName("Whales", attr_text=f"'{DASHBOARD}'!$B$2:$B$4")
    path = tmp_path / "names.xlsx"
    wb.save(path)
    _strip_full_calc(path)
    assert write(path, [owned_sheets()[1]]).full_calc_on_load
    assert _calc_pr(path).get("fullCalcOnLoad") == "1"


def _book_with_formula(tmp_path: Path, formula: str, *, character_references: bool = False) -> Path:
    """A book whose Summary!A1 holds ``formula``, without fullCalcOnLoad; its non-ASCII characters
    written as character references (&#NNNN;), as some programs do, with ``character_references``."""
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active["A1"] = formula
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    data = parts(path)
    data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    if character_references:
        sheet = data["xl/worksheets/sheet1.xml"].decode("utf-8")
        data["xl/worksheets/sheet1.xml"] = "".join(c if c.isascii() else f"&#{ord(c)};" for c in sheet).encode()
    _rezip(path, data)
    return path


@pytest.mark.parametrize("formula", [f"=COUNTA('{STATUS}'!A:A)", f"=COUNTA('{STATUS.upper()}'!A:A)",
                                     f"=SUM('{DASHBOARD}'!B2:B4)+1"])
@pytest.mark.parametrize("character_references", [False, True])
def test_full_calc_on_load_whatever_case_or_characters_a_formula_uses(tmp_path: Path, formula: str,
                                                                     character_references: bool) -> None:
    path = _book_with_formula(tmp_path, formula, character_references=character_references)
    assert write(path).full_calc_on_load
    assert _calc_pr(path).get("fullCalcOnLoad") == "1"


def test_no_full_calc_on_load_for_a_formula_naming_other_sheets(tmp_path: Path) -> None:
    path = _book_with_formula(tmp_path, "=COUNTA('Member status archive'!A:A)&\"Call list\"")
    assert not write(path).full_calc_on_load
    assert _calc_pr(path).get("fullCalcOnLoad") is None


def test_a_book_that_recalculates_on_opening_has_its_sheets_left_unread(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy_fixture(tmp_path, "openpyxl_features.xlsx")
    write(path)  # a manager formula names an owned sheet: fullCalcOnLoad is set
    workbook_xml = parts(path)["xl/workbook.xml"]

    def unexpected(*args: object) -> bool:
        raise AssertionError("a sheet was scanned for formulas")

    monkeypatch.setattr(ooxml, "scan_chunks", unexpected)
    result = write(path)
    assert not result.full_calc_on_load
    assert parts(path)["xl/workbook.xml"] == workbook_xml


def _strip_full_calc(path: Path) -> None:
    data = parts(path)
    data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    _rezip(path, data)


def _rezip(path: Path, data: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in data.items():
            zf.writestr(name, content)


def test_calc_chain_listing_a_replaced_sheet_is_dropped(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "openpyxl_features.xlsx")
    data = parts(path)
    status_id = next(s.get("sheetId") for s in etree.fromstring(data["xl/workbook.xml"]).iterfind(".//m:sheet", NS)
                     if s.get("name") == STATUS)
    data["xl/calcChain.xml"] = (f'<calcChain xmlns="{ooxml.NS_MAIN}"><c r="B1" i="3"/><c r="B2"/>'
                                f'<c r="A1" i="{status_id}"/></calcChain>').encode()
    data["xl/_rels/workbook.xml.rels"] = data["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rId99" Type="{ooxml.REL_CALC_CHAIN}" Target="calcChain.xml"/></Relationships>'.encode())
    data["[Content_Types].xml"] = data["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    _rezip(path, data)
    result = write(path)
    assert "xl/calcChain.xml" in result.removed
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in after["[Content_Types].xml"]
    openpyxl.load_workbook(path)


# -- .xlsm ------------------------------------------------------------------------------------------------------------


def test_xlsm_keeps_vba_project_buttons_and_content_type(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    before = parts(path)
    write(path)
    after = parts(path)
    for name in ("xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml", "xl/ctrlProps/ctrlProp1.xml",
                 "xl/drawings/drawing1.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/_rels/sheet3.xml.rels",
                 "xl/sharedStrings.xml"):
        assert after[name] == before[name], name
    types = ooxml.ContentTypes(ooxml.XmlPart(ooxml.CONTENT_TYPES, after["[Content_Types].xml"]))
    assert types.of("xl/workbook.xml") == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    assert types.of("xl/vbaProject.bin") == "application/vnd.ms-office.vbaProject"
    assert types.of("xl/ctrlProps/ctrlProp1.xml") == "application/vnd.ms-excel.controlproperties+xml"
    assert b"vbaProject" in after["xl/_rels/workbook.xml.rels"]
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.vba_archive is not None and "xl/vbaProject.bin" in wb.vba_archive.namelist()


# -- refusals: nothing written ----------------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name == BACKUP_DIR_NAME)


@pytest.mark.parametrize(("lock", "code"), [(excel_lock_file, "file_locked_excel"),
                                            (libreoffice_lock_file, "file_locked_libreoffice")])
def test_lock_file_refused(tmp_path: Path, lock: Any, code: str) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    fp = fingerprint(path)
    lock(path).write_text(",Wang Fang,shop-pc,22.11.2026 10:15,file:///home/wang/.config/libreoffice/4;")
    data = path.read_bytes()
    with pytest.raises(WorkbookError) as err:
        write_owned_sheets(path, owned_sheets(), expected=fp)
    assert err.value.code == code
    assert err.value.params["file"] == "macro.xlsm"
    assert err.value.params["lock"] == lock(path).name
    assert path.read_bytes() == data
    assert _leftovers(tmp_path) == []
    for lang in ("en", "zh"):
        assert "macro.xlsm" in t(code, lang, **err.value.params)
        assert lock(path).name in t(code + ".hint", lang, **err.value.params)
    if code == "file_locked_libreoffice":
        assert err.value.params["user"] == "Wang Fang"


def test_changed_file_refused(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    fp = fingerprint(path)
    shutil.copyfile(FIXTURES / "libreoffice.xlsx", path)  # someone saved another version meanwhile
    data = path.read_bytes()
    with pytest.raises(WorkbookError) as err:
        write_owned_sheets(path, owned_sheets(), expected=fp)
    assert err.value.code == "file_changed"
    assert path.read_bytes() == data
    assert _leftovers(tmp_path) == []
    with pytest.raises(WorkbookError):
        check_writable(path, Fingerprint(fp.size, fp.mtime_ns, "0" * 64))


def test_same_size_edit_refused_but_a_touch_is_fine(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    fp = fingerprint(path)
    os.utime(path, ns=(fp.mtime_ns + 10**9, fp.mtime_ns + 10**9))  # a sync tool touched it: same bytes
    check_writable(path, fp)
    data = bytearray(path.read_bytes())
    data[-30] ^= 0xFF  # same size, other content, mtime put back
    path.write_bytes(bytes(data))
    os.utime(path, ns=(fp.mtime_ns, fp.mtime_ns))
    with pytest.raises(WorkbookError) as err:
        check_writable(path, fp)
    assert err.value.code == "file_changed"


def test_missing_and_broken_files(tmp_path: Path) -> None:
    missing = tmp_path / "gone.xlsx"
    with pytest.raises(WorkbookError) as err:
        check_writable(missing, Fingerprint(1, 1, "x"))
    assert err.value.code == "write_file_missing"
    text = tmp_path / "notes.xlsx"
    text.write_text("not a zip")
    with pytest.raises(WorkbookError) as err:
        write(text)
    assert err.value.code == "write_not_a_workbook"
    ole = tmp_path / "secret.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(WorkbookError) as err:
        write(ole)
    assert err.value.code == "write_encrypted"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("title", ["", "a" * 32, "Bad/name", "what?", "'quoted'", "History"])
def test_bad_sheet_titles_refused(tmp_path: Path, title: str) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    data = path.read_bytes()
    with pytest.raises(WorkbookError) as err:
        write(path, [OwnedSheet(title, ["a"], [])])
    assert err.value.code == "write_bad_sheet_title"
    assert path.read_bytes() == data


def test_other_refusals(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    with pytest.raises(WorkbookError) as err:
        write(path, [OwnedSheet("Dup", ["a"], []), OwnedSheet("dup", ["a"], [])])
    assert err.value.code == "write_duplicate_sheet"
    with pytest.raises(WorkbookError) as err:
        write(path, [OwnedSheet("Wide", ["a"] * (ooxml.MAX_COLS + 1), [])])
    assert err.value.code == "write_too_large"
    with pytest.raises(WorkbookError) as err:
        write(path, [OwnedSheet("Chart", ["a"], [[1]], charts=[ChartSpec("bar", "x", [ChartSeries("B0:Z")])])])
    assert err.value.code == "write_bad_chart"
    assert path.read_bytes() == (FIXTURES / "macro.xlsm").read_bytes()


# -- temp files and backups -------------------------------------------------------------------------------------------


def test_backups_are_dated_and_pruned(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    versions = []
    for n in range(4):
        versions.append(path.read_bytes())
        result = write(path, owned_sheets(extra_rows=n), backups=2, now=datetime(2026, 11, 22, 10, 15, n))
        assert result.backup is not None and result.backup.read_bytes() == versions[-1]
    backups = list_backups(path)
    assert [b.name for b in backups] == ["macro.2026-11-22T101502.xlsm", "macro.2026-11-22T101503.xlsm"]
    assert [b.read_bytes() for b in backups] == versions[2:]
    # same second twice: a second name, sorted after the first
    write(path, backups=5, now=datetime(2026, 11, 22, 10, 15, 3))
    assert [b.name for b in list_backups(path)][-2:] == ["macro.2026-11-22T101503.xlsm",
                                                         "macro.2026-11-22T101503-2.xlsm"]


def test_backup_dir_and_no_backups(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    elsewhere = tmp_path / "kept"
    result = write(path, backup_dir=elsewhere)
    assert result.backup is not None and result.backup.parent == elsewhere
    result = write(path, backups=0)
    assert result.backup is None
    assert not (tmp_path / BACKUP_DIR_NAME).exists()


def test_leftover_temp_files_are_cleaned(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    dead_pid = _dead_pid()
    host = _host()
    stale = tmp_path / f".macro.xlsm.loyalsheet-{host}-{dead_pid}-abc123.tmp"
    stale.write_bytes(b"PK half a zip")
    alive = tmp_path / f".macro.xlsm.loyalsheet-{host}-{os.getppid()}-def456.tmp"
    alive.write_bytes(b"another writer, still running")
    other = tmp_path / ".other.xlsx.loyalsheet-x-1-zzz.tmp"
    other.write_bytes(b"not ours")
    write(path)
    assert not stale.exists()
    assert alive.exists() and other.exists()


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_chart_sheet_with_an_owned_title_is_refused(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart

    wb = openpyxl.Workbook()
    wb.active.title = "Members"
    cs = wb.create_chartsheet(DASHBOARD)
    cs.add_chart(BarChart())
    path = tmp_path / "chartsheet.xlsx"
    wb.save(path)
    data = path.read_bytes()
    with pytest.raises(WorkbookError) as err:
        write(path, [owned_sheets()[1]])
    assert err.value.code == "write_sheet_not_worksheet"
    assert err.value.params == {"sheet": DASHBOARD, "file": "chartsheet.xlsx"}
    assert path.read_bytes() == data and _leftovers(tmp_path) == []


def test_book_without_styles_gets_one(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    data = parts(path)
    del data["xl/styles.xml"]
    data["xl/_rels/workbook.xml.rels"] = data["xl/_rels/workbook.xml.rels"].replace(
        b'<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        b'Target="styles.xml"/>', b"")
    data["[Content_Types].xml"] = data["[Content_Types].xml"].replace(
        b'<Override PartName="/xl/styles.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>', b"")
    assert b"styles" not in data["xl/_rels/workbook.xml.rels"]
    _rezip(path, data)
    result = write(path)
    assert "xl/styles.xml" in result.added
    wb = openpyxl.load_workbook(path)
    assert wb[STATUS]["A1"].font.b and wb[STATUS]["E2"].is_date


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    path.chmod(0o640)
    write(path)
    assert path.stat().st_mode & 0o777 == 0o640


# -- property: any values round-trip, every other part unchanged ------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_value = st.one_of(
    st.none(), _text, st.sampled_from(["=A1", "+1", "-x", "@y", "_x0041_", " lead", "trail "]),
    st.integers(-(10**14), 10**14), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e14, max_value=1e14),
    st.booleans(), st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)).map(lambda d: d.replace(microsecond=0)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_value, min_size=1, max_size=6), min_size=0, max_size=8))
def test_any_values_round_trip(tmp_path: Path, rows: list[list[CellValue]]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.xlsm"
    shutil.copyfile(FIXTURES / "macro.xlsm", path)
    before = parts(path)
    result = write(path, [OwnedSheet("Prop", ["a", "b", "c", "d", "e", "f"], rows)], backups=0)
    after = parts(path)
    for name, data in before.items():
        if name not in LISTING:
            assert after[name] == data
    got = read_owned_sheet(path, "Prop")
    want = [["a", "b", "c", "d", "e", "f"], *rows]
    while len(want) > 1 and all(v is None or v == "" for v in want[-1]):
        want.pop()
    assert_rows(got, [[_calamine_view(v) for v in r] for r in want])
    assert result.fingerprint == fingerprint(path)
    path.unlink()


def _calamine_view(value: CellValue) -> CellValue:
    if isinstance(value, str):
        return value[: ooxml.MAX_CELL_TEXT] or None
    return value


# -- LibreOffice --------------------------------------------------------------------------------------------------------


def soffice(tmp_path: Path, args: list[str]) -> None:
    exe = soffice_executable()  # fails the test (scripts/test installs LibreOffice) rather than skipping it
    profile = tmp_path / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *args],
                   check=True, capture_output=True, timeout=180)


CSV_ALL_SHEETS = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'


def read_csv(path: Path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.libreoffice
def test_libreoffice_reads_every_sheet(tmp_path: Path) -> None:
    books = []
    for book in BOOKS:
        original = tmp_path / f"orig_{book}"
        shutil.copyfile(FIXTURES / book, original)
        written = copy_fixture(tmp_path, book)
        write(written)
        books += [original, written]
    out = tmp_path / "csv"
    soffice(tmp_path, ["--convert-to", CSV_ALL_SHEETS, "--outdir", str(out), *map(str, books)])
    for book in BOOKS:
        stem = Path(book).stem
        status = read_csv(out / f"{stem}-{STATUS}.csv")
        assert status[0] == STATUS_HEADER
        assert status[1][:5] == ["M0001", "王芳", "1200", "350.5", "2026-05-01"]
        assert status[2][8] == "=1+1" and status[3][8] == "+86 138 0013 8000"
        assert status[4][8] == "-5 points / @SUM(A1) & <b>"
        assert read_csv(out / f"{stem}-{DASHBOARD}.csv")[1:] == [["Gold", "3", "1200.5"], ["Silver", "5", "800"],
                                                                ["Bronze", "9", "300"]]
        assert read_csv(out / f"{stem}-{CALLS}.csv")[2][:2] == ["M0003", "=birthday"]
        for orig_csv in out.glob(f"orig_{stem}-*.csv"):
            sheet = orig_csv.name[len(f"orig_{stem}-"):-4]
            if sheet in (STATUS, DASHBOARD) or sheet == "Summary":
                continue
            assert read_csv(out / f"{stem}-{sheet}.csv") == read_csv(orig_csv), sheet
    # Summary!B3 counts the whales in the owned sheet: LibreOffice recalculated it on load
    summary = read_csv(out / "openpyxl_features-Summary.csv")
    assert summary[2] == ["Whales (from the tool)", "2"]


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_charts(tmp_path: Path) -> None:
    path = copy_fixture(tmp_path, "macro.xlsm")
    write(path)
    out = tmp_path / "resaved"
    soffice(tmp_path, ["--convert-to", "xlsx", "--outdir", str(out), str(path)])
    resaved = parts(out / "macro.xlsx")
    charts = [data for name, data in resaved.items() if name.startswith("xl/charts/chart")]
    kinds = sorted(k for data in charts for k in ("barChart", "pieChart", "lineChart") if f"<c:{k}>".encode() in data)
    assert kinds == ["barChart", "lineChart", "pieChart"]
