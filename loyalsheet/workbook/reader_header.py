"""Finding what a member file holds: the file check before opening it, each sheet by its title, and
each sheet's header row (which column is which).

:mod:`loyalsheet.workbook.reader` reads the file with these.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WorkbookError
from . import parse as P
from .schema import Sheet, header_names, normalize_header, sheet_names

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
_HEADER_SCAN_ROWS = 10


def _open_error(code: str, path: Path, **params: Any) -> WorkbookError:
    return WorkbookError(code, file=str(path), **params)


def check_file(path: Path) -> None:
    """Raise a clear :class:`WorkbookError` when ``path`` is not a readable .xlsx/.xlsm file."""
    if not path.exists():
        raise _open_error("workbook_missing", path)
    if path.is_dir():
        raise _open_error("workbook_is_folder", path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise _open_error("workbook_xls", path)
    if suffix in (".csv", ".txt", ".tsv"):
        raise _open_error("workbook_csv", path)
    if suffix in (".ods", ".numbers", ".et", ".wps"):
        raise _open_error("workbook_other_format", path, suffix=suffix)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head == _OLE_MAGIC:
                fh.seek(0)
                blob = fh.read(4 * 1024 * 1024)
                if _ENCRYPTION_MARK in blob:
                    raise _open_error("workbook_encrypted", path)
                raise _open_error("workbook_xls", path)
    except OSError as exc:
        raise _open_error("workbook_unreadable", path, detail=exc.strerror or str(exc)) from None
    if suffix not in (".xlsx", ".xlsm"):
        raise _open_error("workbook_other_format", path, suffix=suffix or "(none)")
    if not zipfile.is_zipfile(path):
        raise _open_error("workbook_corrupt", path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        raise _open_error("workbook_corrupt", path) from None
    if "xl/workbook.xml" not in names:
        raise _open_error("workbook_corrupt", path)


def _find_sheet(titles: Sequence[str], sheet: Sheet) -> str | None:
    wanted = {normalize_header(n) for n in sheet_names(sheet)}
    for title in titles:
        if normalize_header(title) in wanted:
            return title
    return None


def _header_lookup(sheet: Sheet) -> dict[str, str]:
    lookup: dict[str, str] = {}
    # Canonical names first, so an alias never shadows another column's real name.
    for column in sheet.columns:
        for name in (column.en, column.zh, column.key):
            lookup.setdefault(normalize_header(name), column.key)
    for column in sheet.columns:
        for name in header_names(column):
            lookup.setdefault(normalize_header(name), column.key)
    return lookup


def _match_header_cell(cell: Any, lookup: dict[str, str]) -> str | None:
    if P.is_blank(cell):
        return None
    text = str(cell)
    key = lookup.get(normalize_header(text))
    if key is not None:
        return key
    for part in text.replace("/", "\n").replace("|", "\n").splitlines():
        key = lookup.get(normalize_header(part))
        if key is not None:
            return key
    return None


@dataclass
class _Header:
    row_index: int  # 0-based index into the rows iterated
    index: dict[str, int]  # column key -> 0-based column index
    texts: dict[str, str]
    extras: list[str]
    duplicates: list[tuple[str, int]]


def _locate_header(rows: list[list[Any]], sheet: Sheet) -> _Header:
    lookup = _header_lookup(sheet)
    best: _Header | None = None
    best_score = 0
    for r, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        index: dict[str, int] = {}
        texts: dict[str, str] = {}
        extras: list[str] = []
        duplicates: list[tuple[str, int]] = []
        for c, cell in enumerate(row):
            key = _match_header_cell(cell, lookup)
            if key is None:
                if not P.is_blank(cell):
                    extras.append(str(cell))
            elif key in index:
                duplicates.append((key, c))
            else:
                index[key] = c
                texts[key] = str(cell).replace("\n", " / ")
        score = len(index) + sum(1 for col in sheet.columns if col.required and col.key in index)
        if score > best_score:
            best, best_score = _Header(r, index, texts, extras, duplicates), score
    if best is None:
        first = rows[0] if rows else []
        return _Header(0, {}, {}, [str(c) for c in first if not P.is_blank(c)], [])
    return best
