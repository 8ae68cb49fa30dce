"""The presentation layer: an owned sheet's Look written into the book and read back by openpyxl.

Autofilter, frozen panes, widths from content (Chinese counts double), wrapped text with row heights,
number formats with thousands separators and the currency, conditional formats, print set-up (one
page wide, landscape, the header row on every page, a footer), and the defined names the print
titles and the filter need, written only for owned sheets and stable from one write to the next.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from loyalsheet.workbook.look import Col, Look, text_width
from loyalsheet.workbook.writer import OwnedSheet, fingerprint, write_owned_sheets

FIXTURES = Path(__file__).parent / "fixtures"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TITLE = "会员状态 Member status"
LONG_WHY = "邀请参加“护肤讲座：换季保湿”（2026-12-12），请确认是否出席；积分 1,200 将于 2027-01-05 过期"
HEADER = ["会员编号\nMember ID", "姓名\nName", "等级\nTier", "原因\nWhy", "储值余额\nStored value", "积分\nPoints",
          "最近到店\nLast visit", "沉睡贵宾\nGone quiet"]
ROWS = [
    ["M0001", "王芳芳", "金卡", LONG_WHY, Decimal("138382.6"), 12000, date(2026, 11, 3), "是"],
    ["M0002", "Li Wei", "银卡", "short", Decimal("0"), 5, date(2026, 2, 11), None],
    ["M0003", "陈静", "会员", None, None, 0, None, None],
]
LOOK = Look(currency="¥", priority_rows=1, columns=(
    Col("id"), Col("name"), Col("choice", fills={"金卡": "FFE699", "银卡": "DDEBF7"}), Col("wrap", width=20),
    Col("money"), Col("int"), Col("date"), Col("flag", mark="FFC7CE"),
))


def _book(tmp_path: Path, name: str = "openpyxl_features.xlsx") -> Path:
    path = tmp_path / name
    shutil.copyfile(FIXTURES / name, path)
    return path


def _write(path: Path, *sheets: OwnedSheet) -> None:
    write_owned_sheets(path, sheets or [OwnedSheet(TITLE, HEADER, ROWS, look=LOOK)], expected=fingerprint(path),
                       backups=0)


def test_text_width_counts_chinese_double() -> None:
    assert text_width("Member") == 6
    assert text_width("会员编号") == 8
    assert text_width("王芳 Li") == 7


def test_openpyxl_reads_the_table_panes_formats_and_print_setup(tmp_path: Path) -> None:
    path = _book(tmp_path)
    _write(path)
    wb = load_workbook(path)
    ws = wb[TITLE]
    assert ws.auto_filter.ref == "A1:H4"
    assert ws.freeze_panes == "C2"  # the header row and the id and name columns
    # print set-up: one page wide, as many tall as needed, A4, the header row on every page, a footer
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1"
    assert ws.print_options.gridLines is True
    assert ws.oddFooter.left.text == "&A" and ws.oddFooter.center.text == "&D"
    assert ws.oddFooter.right.text == "&P / &N"
    assert ws.page_margins.left == pytest.approx(0.4)
    # number formats: the currency and thousands separators, whole counts, dates as dates
    assert ws["E2"].number_format == '"¥"#,##0.00' and ws["E2"].value == pytest.approx(138382.6)
    assert ws["F2"].number_format == "#,##0"
    assert ws["G2"].is_date and ws["G2"].number_format == "yyyy-mm-dd"
    # wrapped text, cells read from the top, a row tall enough for the long reason
    assert ws["D2"].alignment.wrap_text is True and ws["D2"].alignment.vertical == "top"
    assert ws.row_dimensions[2].height >= 4 * 16
    assert not ws.row_dimensions[3].height or ws.row_dimensions[3].height < 4 * 16
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDEBF7"
    # widths from content: the wrapped column as declared, a Chinese name wider than its letters count
    assert ws.column_dimensions["D"].width == 20
    assert ws.column_dimensions["B"].width >= text_width("王芳芳") + 1
    assert ws.column_dimensions["E"].width >= len("¥138,382.60")


def test_conditional_formats_colour_tiers_flags_and_the_first_rows(tmp_path: Path) -> None:
    path = _book(tmp_path)
    _write(path)
    wb = load_workbook(path)
    ws = wb[TITLE]
    rules = {str(cf.sqref): list(cf.rules) for cf in ws.conditional_formatting}
    tier = rules["C2:C4"]
    assert [(r.type, r.operator, r.formula) for r in tier] == [("cellIs", "equal", ['"金卡"']),
                                                                 ("cellIs", "equal", ['"银卡"'])]
    assert [r.dxf.fill.bgColor.rgb for r in tier] == ["FFFFE699", "FFDDEBF7"]
    flag = rules["H2:H4"][0]
    assert flag.type == "notContainsBlanks" and flag.dxf.font.b and flag.dxf.fill.bgColor.rgb == "FFFFC7CE"
    first = rules["A2:B2"][0]
    assert first.type == "expression" and first.formula == ["ROW()<=2"] and first.dxf.font.b


def test_rewriting_keeps_one_set_of_names_and_the_managers_names(tmp_path: Path) -> None:
    path = _book(tmp_path)
    with zipfile.ZipFile(path) as zf:
        before = etree.fromstring(zf.read("xl/workbook.xml")).findall(".//m:definedName", NS)
    _write(path)
    with zipfile.ZipFile(path) as zf:
        once = zf.read("xl/workbook.xml")
    _write(path)
    with zipfile.ZipFile(path) as zf:
        twice = zf.read("xl/workbook.xml")
    assert once == twice  # same names, no duplicates, and no recalculation asked for because of them
    names = etree.fromstring(twice).findall(".//m:definedName", NS)
    sheets = [s.get("name") for s in etree.fromstring(twice).iterfind(".//m:sheet", NS)]
    mine = [(n.get("name"), sheets[int(n.get("localSheetId"))], n.text) for n in names if n not in before
            and n.get("name", "").startswith("_xlnm.") and n.get("localSheetId") == str(sheets.index(TITLE))]
    assert sorted(mine) == [("_xlnm.Print_Titles", TITLE, f"'{TITLE}'!$1:$1"),
                            ("_xlnm._FilterDatabase", TITLE, f"'{TITLE}'!$A$1:$H$4")]
    kept = [(n.get("name"), n.get("localSheetId"), n.text) for n in names]
    for old in before:
        assert (old.get("name"), old.get("localSheetId"), old.text) in kept



def test_the_names_of_an_owned_sheet_ask_for_no_recalculation(tmp_path: Path) -> None:
    path = _book(tmp_path)  # no formula of the manager's names this sheet
    _write(path, OwnedSheet("Tidy", HEADER, ROWS, look=LOOK))
    _write(path, OwnedSheet("Tidy", HEADER, ROWS, look=LOOK))
    with zipfile.ZipFile(path) as zf:
        assert b"fullCalcOnLoad" not in zf.read("xl/workbook.xml")


def test_a_sheet_written_without_a_look_drops_its_names(tmp_path: Path) -> None:
    path = _book(tmp_path)
    _write(path)
    _write(path, OwnedSheet(TITLE, HEADER, ROWS))
    wb = load_workbook(path)
    ws = wb[TITLE]
    assert ws.print_title_rows is None and ws.auto_filter.ref is None
    assert not ws.conditional_formatting


def test_a_dashboard_look_prints_one_page_with_counts_and_money_apart(tmp_path: Path) -> None:
    path = _book(tmp_path)
    look = Look(currency="$", table=False, landscape=True, fit_height=1, gridlines=False, sections=True,
                columns=(Col("text", width=30), Col("auto", width=15)))
    rows = [["Members by tier", None], ["Gold", 1234], [None, None], ["Month", "Spend"], ["2026-11", Decimal("138382.6")]]
    _write(path, OwnedSheet("Dashboard", ["Dashboard as of 2026-12-06", ""], rows, look=look))
    ws = load_workbook(path)["Dashboard"]
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == ("landscape", 1, 1)
    assert ws.auto_filter.ref is None and ws.print_title_rows is None
    assert ws.sheet_view.showGridLines is False
    assert ws["B3"].number_format == "#,##0" and ws["B6"].number_format == '"$"#,##0.00'
    section = next(iter(ws.conditional_formatting))
    assert str(section.sqref) == "A2:B6" and section.rules[0].dxf.font.b


def test_portrait_when_narrow_landscape_when_wide(tmp_path: Path) -> None:
    path = _book(tmp_path)
    narrow = OwnedSheet("Narrow", ["Date", "Note"], [[date(2026, 1, 1), "x"]], look=Look(columns=(Col("date"),)))
    wide = OwnedSheet("Wide", [f"Column {i}" for i in range(12)], [["some text here"] * 12], look=Look())
    _write(path, narrow, wide)
    wb = load_workbook(path)
    assert wb["Narrow"].page_setup.orientation == "portrait"
    assert wb["Wide"].page_setup.orientation == "landscape"


def test_a_new_books_date_columns_are_wide_enough_and_it_prints_like_the_owned_sheets(tmp_path: Path) -> None:
    from loyalsheet.workbook.schema import SHEETS, bilingual_title, column_letter
    from loyalsheet.workbook.template import write_book

    path = tmp_path / "members.xlsx"
    write_book(path, header_style="zh-en", language="zh")
    wb = load_workbook(path)
    for sheet in SHEETS:
        ws = wb[bilingual_title(sheet, "zh-en")]
        for i, column in enumerate(sheet.columns):
            width = ws.column_dimensions[column_letter(i)].width
            if column.kind == "datetime":  # yyyy-mm-dd hh:mm: 16 characters, not "###"
                assert width >= 17.5, (sheet.key, column.key)
            elif column.kind in ("date", "birthday"):
                assert width >= 12, (sheet.key, column.key)
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == "$1:$1"
        assert ws.auto_filter.ref == f"A1:{column_letter(len(sheet.columns) - 1)}1"
        assert ws.oddFooter.left.text == "&A"


def test_libreoffice_reads_the_filter_formats_colours_and_print_setup(tmp_path: Path) -> None:
    """LibreOffice opens the book and saves its own copy (never the manager's book): what it read of
    the look is in that copy."""
    import subprocess
    import uuid

    from tests.helpers import soffice

    path = _book(tmp_path)
    _write(path)
    out = tmp_path / "lo"
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                        "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=240)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    ws = load_workbook(out / path.name)[TITLE]
    assert ws.auto_filter.ref == "A1:H4"
    assert ws.print_title_rows == "$1:$1"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert "¥" in ws["E2"].number_format and "#,##0.00" in ws["E2"].number_format
    assert ws["F2"].number_format == "#,##0" and ws["G2"].is_date
    assert ws["D2"].alignment.wrap_text is True
    rules = {str(cf.sqref): list(cf.rules) for cf in ws.conditional_formatting}
    assert [r.formula for r in rules["C2:C4"]] == [['"金卡"'], ['"银卡"']]
    assert rules["C2:C4"][0].dxf.fill is not None
    assert "H2:H4" in rules and "A2:B2" in rules
