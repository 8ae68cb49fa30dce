"""The owned sheets of the 600-member demo on paper: LibreOffice prints the book to PDF and each
page is read back (poppler's pdftotext), told apart by its footer (the sheet's name).

Every owned sheet prints one page wide (every column's header on its first page), repeats its
header row on every page, the Call list of 40 members fits on two pages and the Dashboard on one
(two at most). The Dashboard's charts are read from their parts: values on the pie, the current
month left out of the monthly charts, thousands separators on the axes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from loyalsheet.calls.sheet import CALL_COLUMNS, CALL_LOG, CALL_LOG_COLUMNS, CALLS
from loyalsheet.refresh import DASHBOARD, STATUS, STATUS_COLUMNS, sheet_title
from tests.helpers import run_cli, soffice

DAY = "2026-12-06"
NS_C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
COLUMNS = {sheet_title(STATUS): STATUS_COLUMNS, sheet_title(CALLS): CALL_COLUMNS,
           sheet_title(CALL_LOG): CALL_LOG_COLUMNS}


def pdftotext() -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.fail("pdftotext is not installed: run scripts/test, which installs poppler-utils")
    return exe


def print_to_pdf(book: Path, outdir: Path) -> Path:
    """LibreOffice headless prints ``book`` to a PDF in ``outdir``."""
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(outdir), str(book)], check=True, capture_output=True, timeout=300)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return outdir / (book.stem + ".pdf")


def pages_by_sheet(pdf: Path, titles: list[str]) -> dict[str, list[str]]:
    """The text of each page, by the owned sheet its footer names (the manager's sheets have none)."""
    text = subprocess.run([pdftotext(), "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    found: dict[str, list[str]] = {title: [] for title in titles}
    for page in text.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        if not lines:
            continue
        footer = lines[-1]
        for title in titles:
            if footer.strip().startswith(title):
                assert re.search(r"\d+ / \d+\s*$", footer), f"no page number in the footer: {footer!r}"
                assert re.search(r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}", footer), f"no date in {footer!r}"
                found[title].append(page)
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    folder = tmp_path_factory.mktemp("print")
    shop = folder / "shop"
    assert run_cli("demo", str(shop), "--members", "600", "--date", DAY).code == 0
    config = shop / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\ncall_list:\n  max_rows: 40\n", encoding="utf-8")
    result = run_cli("refresh", "--config", str(config), "--date", DAY)
    assert result.code == 0, result.output
    book = shop / "members.xlsx"
    pdf = print_to_pdf(book, folder)
    titles = [sheet_title(names) for names in (STATUS, CALLS, CALL_LOG, DASHBOARD)]
    return book, pages_by_sheet(pdf, titles)


def test_the_call_list_of_40_members_prints_on_two_pages_at_most(printed: tuple[Path, dict[str, list[str]]]) -> None:
    book, pages = printed
    calls = load_workbook(book, read_only=True)[sheet_title(CALLS)]
    numbered = [r[0] for r in calls.iter_rows(min_row=2, values_only=True) if isinstance(r[0], int)]
    assert numbered == list(range(1, 41))  # 40 members to phone (who waits is listed below, not printed)
    assert 1 <= len(pages[sheet_title(CALLS)]) <= 2


def test_the_dashboard_prints_on_two_pages_at_most(printed: tuple[Path, dict[str, list[str]]]) -> None:
    _book, pages = printed
    assert 1 <= len(pages[sheet_title(DASHBOARD)]) <= 2


@pytest.mark.parametrize("title", list(COLUMNS))
def test_every_column_on_the_page_width_and_the_header_on_every_page(
    printed: tuple[Path, dict[str, list[str]]], title: str,
) -> None:
    _book, pages = printed
    sheet_pages = pages[title]
    assert sheet_pages, f"{title} was not printed"
    words = [en.split()[0] for _zh, en in COLUMNS[title]]
    first = sheet_pages[0]
    missing = [w for w in words if w not in first]
    assert not missing, f"{title}: columns {missing} are not on the first page"
    for n, page in enumerate(sheet_pages, start=1):
        # the header row repeats: the first and the last column's headers are on every page
        assert words[0] in page and words[-1] in page, f"{title}: page {n} has no header row"


def test_member_status_prints_one_page_wide(printed: tuple[Path, dict[str, list[str]]]) -> None:
    book, pages = printed
    rows = load_workbook(book, read_only=True)[sheet_title(STATUS)].max_row - 1
    status = pages[sheet_title(STATUS)]
    # every page holds rows of members (none is a strip of columns cut off the right of another)
    assert all(re.search(r"M\d{5}", page) for page in status)
    assert len(status) < rows / 10


def _chart_parts(book: Path) -> list[etree._Element]:
    with zipfile.ZipFile(book) as zf:
        return [etree.fromstring(zf.read(n)) for n in sorted(zf.namelist()) if re.match(r"xl/charts/chart\d+\.xml$", n)]


def test_the_dashboards_charts(printed: tuple[Path, dict[str, list[str]]]) -> None:
    book, _pages = printed
    charts = _chart_parts(book)
    titles = ["".join(c.xpath(".//c:title//text()", namespaces=NS_C)[:1]) for c in charts]
    assert len(charts) == 6, titles  # tiers, quadrants, lifecycle, spend, visits, messages and calls
    pie = next(c for c in charts if c.find(".//c:pieChart", NS_C) is not None)
    assert pie.find(".//c:dLbls/c:showVal", NS_C).get("val") == "1"
    assert pie.find(".//c:dLbls/c:showPercent", NS_C).get("val") == "1"
    ws = load_workbook(book)[sheet_title(DASHBOARD)]
    partial = next(r for r in range(2, ws.max_row + 1) if "2026-12" in str(ws.cell(r, 1).value or ""))
    assert "本月至今" in ws.cell(partial, 1).value  # the current month is marked partial...
    monthly = [c for c in charts if "每月" in "".join(c.xpath(".//c:title//text()", namespaces=NS_C))]
    assert len(monthly) == 2
    for chart in monthly:  # ...and left out of the monthly charts
        ref = chart.find(".//c:cat//c:f", NS_C).text
        assert ref.endswith(f"$A${partial - 1}"), ref
        assert chart.find(".//c:valAx/c:numFmt", NS_C).get("formatCode").endswith("#,##0")
    # money with the currency and thousands separators in the table
    assert ws.cell(partial - 1, 2).number_format == '"¥"#,##0.00'
    assert ws.cell(3, 2).number_format == "#,##0"


def test_the_message_log_written_by_today_gets_the_same_look(printed: tuple[Path, dict[str, list[str]]],
                                                             tmp_path: Path) -> None:
    book, _pages = printed
    shop = tmp_path / "shop"
    shutil.copytree(book.parent, shop)
    result = run_cli("today", "--send", "--config", str(shop / "config.yaml"), "--date", DAY)
    assert result.code in (0, 1), result.output
    ws = load_workbook(shop / "members.xlsx")["发送记录 Message log"]
    assert ws.max_row > 1, "the demo sends messages on its day"
    assert ws.auto_filter.ref == f"A1:J{ws.max_row}"
    assert ws.freeze_panes == "A2"
    assert ws.print_title_rows == "$1:$1"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.orientation == "landscape"
    assert ws["A2"].is_date and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws.oddFooter.right.text == "&P / &N"
