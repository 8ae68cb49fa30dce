"""The buttons' entry points (loyalsheet.excel) on a real .xlsm, against the CLI on a copy of the same book.

Excel cannot run here (xlwings' engines need Windows or macOS Excel), so the live book is
:class:`OpenpyxlBook` below: an ADAPTER with exactly the part of xlwings' Book/Sheet/Range API that
loyalsheet.excel uses, holding a real members.xlsm loaded with openpyxl. It behaves as Excel does where
that matters: numbers come back as floats, dates as datetimes, a string written with a leading
apostrophe is stored as text without it, and a string starting with "=" would become a formula (the
adapter refuses it, so a test fails if loyalsheet ever hands Excel one).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from loyalsheet import excel
from loyalsheet.config import load_config
from loyalsheet.demo import config_text, generate
from loyalsheet.usecases.check import run_check
from loyalsheet.usecases.refresh import run_refresh
from loyalsheet.workbook.access import FileBook
from loyalsheet.workbook.macro_book import STATUS_NAME, write_macro_book
from loyalsheet.workbook.schema import SHEETS
from tests.helpers import Result

DAY = date(2026, 11, 23)
AT = "10:00"


class _Cell:
    def __init__(self, row: int, column: int) -> None:
        self.row, self.column = row, column


class OpenpyxlRange:
    def __init__(self, ws: Any, first: tuple[int, int], last: tuple[int, int]) -> None:
        self.ws, self.first, self.last = ws, first, last

    def options(self, ndim: int = 2) -> OpenpyxlRange:
        assert ndim == 2
        return self

    def _cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                yield r, c

    @property
    def value(self) -> list[list[Any]]:
        def excel_value(v: Any) -> Any:
            if isinstance(v, bool) or v is None or isinstance(v, str | datetime):
                return v
            if isinstance(v, int | float):
                return float(v)  # Excel hands every number over as a float
            if isinstance(v, date):
                return datetime.combine(v, time())
            return v

        return [[excel_value(self.ws.cell(r, c).value) for c in range(self.first[1], self.last[1] + 1)]
                for r in range(self.first[0], self.last[0] + 1)]

    @value.setter
    def value(self, rows: Any) -> None:
        if not isinstance(rows, list):
            rows = [[rows]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, str):
                    if v.startswith("'"):
                        v = v[1:]
                    elif v.startswith("=") or v.lstrip("-+").replace(".", "", 1).isdigit():
                        raise AssertionError(f"Excel would not keep {v!r} as text")
                self.ws.cell(self.first[0] + i, self.first[1] + j).value = v

    @property
    def number_format(self) -> str:
        return str(self.ws.cell(*self.first).number_format)

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        for r, c in self._cells():
            self.ws.cell(r, c).number_format = fmt

    @property
    def column_width(self) -> float:
        return float(self.ws.column_dimensions[openpyxl.utils.get_column_letter(self.first[1])].width)

    @column_width.setter
    def column_width(self, width: float) -> None:
        for c in range(self.first[1], self.last[1] + 1):
            self.ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = width


class _UsedRange:
    def __init__(self, ws: Any) -> None:
        self.last_cell = _Cell(ws.max_row, ws.max_column)


class OpenpyxlSheet:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @property
    def name(self) -> str:
        return str(self.ws.title)

    @property
    def used_range(self) -> _UsedRange:
        return _UsedRange(self.ws)

    def range(self, first: tuple[int, int], last: tuple[int, int] | None = None) -> OpenpyxlRange:
        return OpenpyxlRange(self.ws, first, last or first)

    def clear_contents(self) -> None:
        for row in self.ws.iter_rows():
            for cell in row:
                cell.value = None


class OpenpyxlSheets:
    def __init__(self, wb: Any) -> None:
        self.wb = wb

    def __iter__(self) -> Iterator[OpenpyxlSheet]:
        return iter([OpenpyxlSheet(ws) for ws in self.wb.worksheets])

    def __getitem__(self, name: str) -> OpenpyxlSheet:
        return OpenpyxlSheet(self.wb[name])

    def add(self, name: str, after: OpenpyxlSheet | None = None) -> OpenpyxlSheet:
        index = self.wb.worksheets.index(after.ws) + 1 if after is not None else 0
        return OpenpyxlSheet(self.wb.create_sheet(name, index))


class _Name:
    def __init__(self, wb: Any, name: str) -> None:
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        col, row = openpyxl.utils.cell.coordinate_from_string(ref.replace("$", ""))
        self.refers_to_range = OpenpyxlRange(wb[sheet], (row, openpyxl.utils.column_index_from_string(col)),
                                             (row, openpyxl.utils.column_index_from_string(col)))


class OpenpyxlBook:
    """A book "open in Excel": the .xlsm's cells in memory. It is never saved back (openpyxl would lose
    the buttons); tests read its cells directly, as Excel's window would show them."""

    def __init__(self, path: Path) -> None:
        self.fullname = str(path)
        self.wb = openpyxl.load_workbook(path, keep_vba=True, data_only=True)
        self.sheets = OpenpyxlSheets(self.wb)

    @property
    def names(self) -> dict[str, _Name]:
        return {n: _Name(self.wb, n) for n in self.wb.defined_names}


# -- a demo store in a macro book ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_xlsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    book = generate(members=80, years=1, today=DAY)
    write_macro_book(folder / "members.xlsm", book.rows)
    (folder / "config.yaml").write_text(config_text("members.xlsm"), encoding="utf-8")
    return folder


def _copy(demo: Path, to: Path) -> Path:
    shutil.copytree(demo, to)
    return to / "members.xlsm"


def values_in_file(path: Path, title: str) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True)[title]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def values_live(book: OpenpyxlBook, title: str) -> list[list[Any]]:
    ws = book.wb[title]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def _norm(rows: list[list[Any]]) -> list[list[Any]]:
    def one(v: Any) -> Any:
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return round(float(v), 9)
        if isinstance(v, datetime):
            return v.replace(microsecond=0)
        return v

    width = max((len(r) for r in rows), default=0)
    out = [[one(v) for v in r] + [None] * (width - len(r)) for r in rows]
    while width and out and all(r[-1] is None for r in out):
        out = [r[:-1] for r in out]
        width -= 1
    return out


def test_refresh_button_writes_what_the_cli_writes(demo_xlsm: Path, tmp_path: Path,
                                                    cli: Callable[..., Result]) -> None:
    cli_book = _copy(demo_xlsm, tmp_path / "cli")
    live_path = _copy(demo_xlsm, tmp_path / "live")
    result = cli("refresh", "--date", DAY.isoformat(), "--json", cwd=cli_book.parent)
    assert result.code == 0, result.err
    summary = json.loads(result.out)

    live = OpenpyxlBook(live_path)
    status = excel.refresh_segments(live, day=DAY)
    assert str(summary["members"]) in status and str(summary["calls"]) in status, status
    for title in summary["sheets"]:
        assert len(values_live(live, title)) > 1 or title == "回访日志 Call log", title
        assert _norm(values_live(live, title)) == _norm(values_in_file(cli_book, title)), title
    assert values_live(live, _start(live))[16][4] == status  # the status cell on Start (E17)

    # the job over the live book gives the CLI's --json, but for the file and backup
    again = run_refresh(load_config(cli_book.parent / "config.yaml"), excel.XlwingsBook(OpenpyxlBook(live_path)), DAY,
                        "zh", dry_run=True).as_json()
    cli_again = json.loads(cli("refresh", "--date", DAY.isoformat(), "--json", "--dry-run",
                               cwd=cli_book.parent).out)
    for key in ("members", "calls", "errors", "counts", "sheets"):
        assert again[key] == cli_again[key], key


def _start(book: OpenpyxlBook) -> str:
    return str(book.wb.worksheets[0].title)


def test_preview_button_writes_the_plan_the_cli_writes(demo_xlsm: Path, tmp_path: Path,
                                                       cli: Callable[..., Result]) -> None:
    cli_book = _copy(demo_xlsm, tmp_path / "cli")
    live_path = _copy(demo_xlsm, tmp_path / "live")
    result = cli("today", "--write-plan", "--date", DAY.isoformat(), "--at", AT, "--json", cwd=cli_book.parent)
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan["planned"], "the demo day should have messages"

    live = OpenpyxlBook(live_path)
    status = excel.preview_today(live, day=DAY, at=time(10, 0))
    assert f"{len(plan['planned'])}" in status and f"{len(plan['held'])}" in status, status
    title = plan["approval_sheet"]
    assert _norm(values_live(live, title)) == _norm(values_in_file(cli_book, title))
    assert not (live_path.parent / "members.ledger.sqlite").exists()  # a preview sends nothing


def test_check_button_counts_what_the_cli_finds(tmp_path: Path, cli: Callable[..., Result]) -> None:
    book = generate(members=60, years=1, today=DAY, with_mistakes=True)
    write_macro_book(tmp_path / "members.xlsm", book.rows)
    (tmp_path / "config.yaml").write_text(config_text("members.xlsm"), encoding="utf-8")
    result = cli("check", "--date", DAY.isoformat(), "--json", cwd=tmp_path)
    found = json.loads(result.out)
    assert found["errors"] > 0

    live = OpenpyxlBook(tmp_path / "members.xlsm")
    as_json = run_check(load_config(tmp_path / "config.yaml"), excel.XlwingsBook(live), DAY, "zh").as_json()
    assert as_json == found
    status = excel.check_member_file(live, day=DAY)
    assert f"{found['errors']} 个错误" in status, status
    rows = values_live(live, excel.check_title("zh-en"))
    assert len(rows) == 1 + len(found["problems"])
    assert [r[0] for r in rows[1:]] == [f"{p['sheet']}!{p['cell']}" if p["cell"] else p["sheet"] or p["file"]
                                        for p in found["problems"]]
    assert FileBook(tmp_path / "members.xlsm").read_owned_sheet(excel.check_title("zh-en")) == []  # file untouched


def test_send_button_sends_what_the_cli_sends(demo_xlsm: Path, tmp_path: Path, cli: Callable[..., Result]) -> None:
    cli_book = _copy(demo_xlsm, tmp_path / "cli")
    live_path = _copy(demo_xlsm, tmp_path / "live")
    sent = cli("today", "--send", "--date", DAY.isoformat(), "--at", AT, "--json", cwd=cli_book.parent)
    assert sent.code == 0, sent.err
    outcome = json.loads(sent.out)

    live = OpenpyxlBook(live_path)
    status = excel.send_today(live, day=DAY, at=time(10, 0))
    assert outcome["result"]["summary"] in status, status
    logs = [json.loads(cli("log", "--json", cwd=p.parent).out)["messages"] for p in (cli_book, live_path)]
    assert [(m["key"], m["state"]) for m in logs[0]] == [(m["key"], m["state"]) for m in logs[1]]
    title = outcome["log_sheet"]
    assert len(values_live(live, title)) == len(values_in_file(cli_book, title))
    # pressing it again sends nothing twice
    excel.send_today(live, day=DAY, at=time(10, 0))
    again = json.loads(cli("log", "--json", cwd=live_path.parent).out)["messages"]
    assert len(again) == len(logs[1])


def test_a_job_that_cannot_run_says_why_in_the_status_cell(tmp_path: Path) -> None:
    write_macro_book(tmp_path / "members.xlsm")
    live = OpenpyxlBook(tmp_path / "members.xlsm")  # no config.yaml beside it
    sheets = len(live.wb.worksheets)
    status = excel.refresh_segments(live, day=DAY)
    assert "config.yaml" in status
    assert live.names[STATUS_NAME].refers_to_range.value == [[status]]
    assert len(live.wb.worksheets) == sheets == 1 + len(SHEETS)  # the Start sheet and the member file's: nothing written


def test_text_that_looks_like_a_number_or_formula_stays_text() -> None:
    assert excel.to_excel("=1+1") == "'=1+1"
    assert excel.to_excel("0042") == "'0042"
    assert excel.to_excel("") is None
    assert excel.to_excel(date(2026, 5, 3)) == datetime(2026, 5, 3)


def test_buttons_in_a_stores_own_book_work_for_that_store(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """A chain whose second store keeps its own macro book: its Refresh button writes that store's sheets
    into the open book, counting the other stores' books (read from disk) as the CLI's --store does."""
    from loyalsheet.demo import demo_stores
    from loyalsheet.workbook.chain import store_sheet_title
    from loyalsheet.workbook.template import write_book
    from tests.test_chain import split_by_store

    stores = demo_stores(3)
    rows = generate(members=90, years=1, seed=5, today=DAY, stores=stores).rows
    split = split_by_store(rows)
    for folder in (tmp_path / "cli", tmp_path / "live"):
        folder.mkdir()
        write_book(folder / "members.xlsx", split[stores[0]])
        write_macro_book(folder / "east.xlsm", split[stores[1]])
        write_book(folder / "west.xlsx", split[stores[2]])
        text = config_text("members.xlsx", stores)
        for store, file in ((stores[1], "east.xlsm"), (stores[2], "west.xlsx")):
            text = text.replace(f'  - name: "{store}"\n', f'  - name: "{store}"\n    workbook: {file}\n')
        (folder / "config.yaml").write_text(text, encoding="utf-8")
    result = cli("refresh", "--date", DAY.isoformat(), "--store", stores[1], "--json", cwd=tmp_path / "cli")
    assert result.code == 0, result.err
    titles = json.loads(result.out)["sheets"]
    assert titles == [store_sheet_title(t, stores[1]) for t in ("回访名单 Call list", "回访日志 Call log", "看板 Dashboard")]
    before = {p.name: p.read_bytes() for p in (tmp_path / "live").iterdir() if p.is_file()}
    live = OpenpyxlBook(tmp_path / "live" / "east.xlsm")
    status = excel.refresh_segments(live, day=DAY)
    assert stores[1] in status
    for title in titles:
        assert _norm(values_live(live, title)) == _norm(values_in_file(tmp_path / "cli" / "east.xlsm", title)), title
    after = {p.name: p.read_bytes() for p in (tmp_path / "live").iterdir() if p.is_file()}
    assert after == before  # the other books are read, not written; the open book is left to Excel to save
