"""Reading owned sheets back (:func:`read_owned_sheet`), with python-calamine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

from ...errors import WorkbookError
from .sheets import CellValue


def read_owned_sheet(path: Path, title: str) -> list[list[CellValue]]:
    """The values of sheet ``title`` (matched ignoring case), header row first; ``[]`` when there is
    no such sheet. Empty cells are ``None``; numbers come back as floats or ints as stored."""
    return read_owned_sheets(path, [title])[title]


def read_owned_sheets(path: Path, titles: Sequence[str]) -> dict[str, list[list[CellValue]]]:
    """:func:`read_owned_sheet` for each of ``titles``, the book opened once (opening a big book reads
    its whole shared-strings table)."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.exists():
        raise WorkbookError("write_file_missing", file=path.name, path=str(path))
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        raise WorkbookError("write_not_a_workbook", file=path.name, path=str(path), reason=str(exc)) from exc
    found: dict[str, list[list[CellValue]]] = {}
    try:
        for title in titles:
            name = next((n for n in book.sheet_names if str(n).casefold() == title.casefold()), None)
            out = [] if name is None else _as_cells(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            while out and all(v is None for v in out[-1]):
                out.pop()
            found[title] = out
    finally:
        book.close()
    return found


_AS_THEY_ARE = frozenset({str, int, float, bool, date, datetime, Decimal, type(None)})


def _as_cells(rows: Sequence[list[Any]]) -> list[list[CellValue]]:
    """calamine's rows as cell values: ``""`` (an empty cell) as None, times as text. When every value
    is one a cell holds as it is (the usual case: 1.9 million of them for 100,000 members), only the
    rows with an empty cell are copied, and no value goes through a function."""
    if set(map(type, chain.from_iterable(rows))) <= _AS_THEY_ARE:
        return [[None if v == "" else v for v in row] if "" in row else row for row in rows]
    return [[None if v == "" else _as_cell(v) for v in row] for row in rows]


def _as_cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | Decimal | date):
        return value
    return str(value)  # calamine gives a time or a timedelta for time-only cells
