"""What the buttons of ``members.xlsm`` run: the same jobs as the command line, on the book open in Excel.

Each button's VBA Sub (``loyalsheet/vba/loyalsheet.bas``) calls xlwings' ``RunPython`` with
``import loyalsheet.excel; loyalsheet.excel.<entry point>()``. An entry point takes the calling book
(``xlwings.Book.caller()``), loads ``config.yaml`` from the book's folder, and runs the job of
:mod:`loyalsheet.usecases` the command runs, reading and writing the open book through :class:`XlwingsBook`:
the member file is read from the cells Excel holds (unsaved typing included), the owned sheets are
written as values into the live sheets (added at the end when missing), and nothing else is touched.
Saving is left to the manager, as with any change made in Excel; the surgical zip writer is never used
on an open book (Excel would keep the old one and overwrite it at the next save).

The outcome goes to the status cell of the Start sheet (the name ``LoyalsheetStatus``): one line with
the time, the counts and where to look. A problem that stops a job (no config.yaml, a missing sheet) goes
there too, with what to do. ``check_member_file`` lists the problems in the owned sheet 检查结果 Check.

xlwings is imported only inside Excel (``pip install "loyalsheet[excel]"``); this module imports anywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config import Config, load_config
from .errors import LoyalsheetError
from .i18n import has, t
from .model import MemberFile
from .sheet_looks import check_look
from .usecases.check import CheckResult, run_check
from .usecases.refresh import run_refresh
from .usecases.today import run_today
from .workbook.access import BookAccess
from .workbook.chain import open_chain, store_sheet_title
from .workbook.look import column_formats
from .workbook.macro_book import STATUS_NAME
from .workbook.reader import Progress, read_member_values
from .workbook.writer import CellValue, OwnedSheet

CHECK_SHEET = ("检查结果", "Check")
CHECK_ROWS = 1000  # at most this many problems go into the Check sheet (the status cell gives the totals)
_TEXT_PREFIX = "'"  # Excel keeps a value typed with a leading apostrophe as text, without the apostrophe


class XlwingsBook:
    """A :class:`~loyalsheet.workbook.access.BookAccess` over a book open in Excel, through xlwings.

    Uses only this part of xlwings' API: ``Book.fullname``, ``Book.sheets`` (iterate, ``add(name, after=)``),
    ``Sheet.name``, ``Sheet.used_range.last_cell.row|column``, ``Sheet.range(a, b)``, ``Sheet.clear_contents()``,
    ``Range.options(ndim=2).value``, ``Range.value = rows``, ``Range.number_format``, ``Range.column_width``.
    """

    def __init__(self, book: Any) -> None:
        self._book = book

    @property
    def path(self) -> Path:
        return Path(str(self._book.fullname))

    def _sheet(self, title: str) -> Any | None:
        key = title.casefold()
        return next((s for s in self._book.sheets if str(s.name).casefold() == key), None)

    def read_member_file(self, region: str, progress: Progress | None = None) -> MemberFile:
        return read_member_values(_LiveSheets(self._book), str(self.path), region=region, progress=progress)

    def read_owned_sheet(self, title: str) -> list[list[CellValue]]:
        sheet = self._sheet(title)
        if sheet is None:
            return []
        rows = [[_cell(v) for v in row] for row in sheet_values(sheet)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return rows

    def prefetch_owned_sheets(self, titles: Sequence[str]) -> None:
        """Nothing ahead of time: Excel is driven from one thread."""

    def write_owned_sheets(self, sheets: Sequence[OwnedSheet], backups: int) -> None:
        """Write each sheet's values into the live book (``backups`` is for files: Excel keeps its own)."""
        for owned in sheets:
            sheet = self._sheet(owned.title)
            if sheet is None:
                sheet = self._book.sheets.add(owned.title, after=list(self._book.sheets)[-1])
            try:
                _fill(sheet, owned)
            except Exception as exc:  # Excel refuses to write a protected sheet (a COM or AppleScript error)
                raise LoyalsheetError("excel.sheet_protected", sheet=owned.title, reason=str(exc)[:200]) from exc
        return None


class _LiveSheets(Mapping[str, Sequence[Sequence[Any]]]):
    """Sheet title -> values, read from Excel only for the sheets the reader asks for."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self._names = [str(s.name) for s in book.sheets]

    def __getitem__(self, title: str) -> Sequence[Sequence[Any]]:
        return sheet_values(self._book.sheets[title])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def sheet_values(sheet: Any) -> list[list[Any]]:
    """Every value from A1 to the last used cell, as rows (so cell positions stay those of the sheet)."""
    last = sheet.used_range.last_cell
    rows, cols = int(last.row), int(last.column)
    values = sheet.range((1, 1), (rows, cols)).options(ndim=2).value
    out = [list(row) for row in values or []]
    if rows == 1 and cols == 1 and out and out[0] == [None]:
        return []
    return out


def _cell(value: Any) -> CellValue:
    """A value as the file reader gives it: whole numbers as ints (Excel hands every number over as a float)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if value is None or isinstance(value, str | int | float | Decimal | bool | date):
        return value
    return str(value)


def to_excel(value: CellValue) -> Any:
    """A value to hand to Excel: text always as text (an apostrophe first, or Excel would read ``=1+1`` as a
    formula and ``0042`` or ``2026-05-03`` as numbers), money as a number, a date as a date-time."""
    if isinstance(value, str):
        return _TEXT_PREFIX + value if value else None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value


def _fill(sheet: Any, owned: OwnedSheet) -> None:
    sheet.clear_contents()
    rows: list[list[CellValue]] = [list(owned.header), *(list(r) for r in owned.rows)]
    width = max(len(r) for r in rows)
    grid = [[to_excel(v) for v in row] + [None] * (width - len(row)) for row in rows]
    if width:
        sheet.range((1, 1), (len(grid), width)).value = grid
    widths, formats = owned.widths, dict(owned.number_formats)
    if owned.look is not None:
        look_widths, look_formats, _decimals = column_formats(owned.header, owned.rows, owned.look)
        widths, formats = widths or look_widths, {**look_formats, **formats}
    for col, fmt in formats.items():
        if owned.rows:
            sheet.range((2, col + 1), (len(rows), col + 1)).number_format = fmt
    for col, w in enumerate(widths or ()):
        sheet.range((1, col + 1), (1, col + 1)).column_width = w


# -- the entry points ---------------------------------------------------------------------------------------


def _caller() -> Any:
    import xlwings  # only inside Excel; not needed to import this module

    return xlwings.Book.caller()


def _config(book: XlwingsBook) -> Config:
    path = book.path
    if not path.parent.is_dir() or not path.is_absolute():  # a new book never saved has no folder yet
        raise LoyalsheetError("excel.not_saved", file=path.name)
    return load_config(path.parent / "config.yaml")


def _today(config: Config) -> date:
    return datetime.now(ZoneInfo(config.default_store.timezone)).date()


def _when(config: Config) -> str:
    return datetime.now(ZoneInfo(config.default_store.timezone)).strftime("%Y-%m-%d %H:%M")


def set_status(book: Any, text: str) -> None:
    """Put ``text`` in the Start sheet's status cell (the name LoyalsheetStatus); nowhere when it is gone."""
    with contextlib.suppress(Exception):  # the manager deleted the name or the sheet: nothing to show it in
        book.names[STATUS_NAME].refers_to_range.value = to_excel(text)


def _fail(book: Any, exc: LoyalsheetError, lang: str, when: str) -> str:
    hint = t(exc.code + ".hint", lang, **exc.params) if has(exc.code + ".hint") else ""
    text = t("excel.failed", lang, when=when, message=t(exc.code, lang, **exc.params), hint=hint).strip()
    set_status(book, text)
    return text


def _guarded(book: Any, job: str, day: date | None, at: time | None = None) -> str:
    live = XlwingsBook(book)
    lang, when = "zh", datetime.now().strftime("%Y-%m-%d %H:%M")
    try:
        config = _config(live)
        lang, when = config.language, _when(config)
        # a chain's store that keeps its own book: the buttons there work for that store, and read the other
        # stores' books from disk (points, tiers and stored value count every store)
        store = config.store_of_book(live.path.resolve())
        access = open_chain(config.workbook_path, config.own_books, live, regions=config.regions)
        text = _JOBS[job](config, access, day or _today(config), lang, when, at, store)
    except LoyalsheetError as exc:
        return _fail(book, exc, lang, when)
    set_status(book, text)
    return text


def _check(config: Config, book: BookAccess, day: date, lang: str, when: str, at: time | None,
           store: str | None) -> str:
    result = run_check(config, book, day, lang, store=store)
    detail = ""
    if result.problems:
        sheet = check_sheet(result, config.header_style, lang)
        if store is not None:  # a store's own book: the sheet is the store's (and so written into its book)
            sheet = replace(sheet, title=store_sheet_title(sheet.title, store))
        book.write_owned_sheets([sheet], config.backups)
        detail = t("excel.done.check.sheet", lang, count=min(len(result.problems), CHECK_ROWS), sheet=sheet.title)
    return t("excel.done.check", lang, when=when, errors=result.errors, warnings=result.warnings, detail=detail).strip()


def _refresh(config: Config, book: BookAccess, day: date, lang: str, when: str, at: time | None,
             store: str | None) -> str:
    result = run_refresh(config, book, day, lang, store=store)
    return t("excel.done.refresh", lang, when=when, members=result.members, calls=result.plan.calls,
             moves=len(result.moves), sheets=", ".join(s.title for s in result.plan.sheets))


def _preview(config: Config, book: BookAccess, day: date, lang: str, when: str, at: time | None,
             store: str | None) -> str:
    result = run_today(config, book, day, lang, at=at, write_plan=True, store=store)
    detail = t("excel.done.preview.sheet", lang, sheet=result.plan_sheet) if result.plan_sheet else ""
    return t("excel.done.preview", lang, when=when, day=result.day.isoformat(), planned=len(result.planned),
             held=len(result.held), detail=detail).strip()


def _send(config: Config, book: BookAccess, day: date, lang: str, when: str, at: time | None,
          store: str | None) -> str:
    result = run_today(config, book, day, lang, at=at, send=True, store=store)
    assert result.report is not None
    summary = result.report.summary(lang)
    if result.log_problem:
        summary = f"{summary} {t('today.log_not_written', lang, detail=result.log_problem)}"
    result.report.raise_if_stopped()
    return t("excel.done.send", lang, when=when, summary=summary)


_JOBS: dict[str, Callable[[Config, BookAccess, date, str, str, time | None, str | None], str]] = {"check": _check, "refresh": _refresh, "preview": _preview, "send": _send}


def check_title(style: str) -> str:
    zh, en = CHECK_SHEET
    return {"zh": zh, "en": en, "en-zh": f"{en} {zh}"}.get(style, f"{zh} {en}")


def check_sheet(result: CheckResult, style: str, lang: str) -> OwnedSheet:
    """The problems ``check`` found, one a row: where, level, what is wrong, what to do."""
    def head(key: str) -> str:
        a, b = ("en", "zh") if style in ("en", "en-zh") else ("zh", "en")
        return t(key, a) if style in ("zh", "en") else f"{t(key, a)}\n{t(key, b)}"

    rows: list[list[CellValue]] = []
    for p in result.problems[:CHECK_ROWS]:
        where = f"{p.sheet}!{p.cell}" if p.sheet and p.cell else (p.sheet or p.file)
        rows.append([where, p.severity, p.message, p.hint or None])
    header = [head(k) for k in ("excel.problems.col.where", "excel.problems.col.level", "excel.problems.col.what",
                                "excel.problems.col.fix")]
    return OwnedSheet(check_title(style), header, rows, look=check_look())


def check_member_file(book: Any | None = None, *, day: date | None = None) -> str:
    """Button 检查会员档案 Check the member file: the problems go to the Check sheet, counts to Start."""
    return _guarded(book if book is not None else _caller(), "check", day)


def refresh_segments(book: Any | None = None, *, day: date | None = None) -> str:
    """Button 刷新分组 Refresh segments: ``loyalsheet refresh`` on the open book."""
    return _guarded(book if book is not None else _caller(), "refresh", day)


def preview_today(book: Any | None = None, *, day: date | None = None, at: time | None = None) -> str:
    """Button 预览今日消息 Preview today's messages: ``loyalsheet today --write-plan`` on the open book."""
    return _guarded(book if book is not None else _caller(), "preview", day, at)


def send_today(book: Any | None = None, *, day: date | None = None, at: time | None = None) -> str:
    """Button 发送今日消息 Send today's messages (the VBA asked first): ``loyalsheet today --send``."""
    return _guarded(book if book is not None else _caller(), "send", day, at)


__all__ = ["XlwingsBook", "check_member_file", "preview_today", "refresh_segments", "send_today"]
