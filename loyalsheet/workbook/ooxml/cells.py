"""Cell values as they go in the XML: escaped text, Excel's date serials, numbers, and A1 cell and range
references.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from ..schema import column_letter
from .parts import MAX_CELL_TEXT, MAX_COLS, MAX_ROWS

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _escape_match(match: re.Match[str]) -> str:
    s = match.group(0)
    if len(s) > 1:  # a literal "_x0041_" in the text: escape its underscore so Excel does not decode it
        return "_x005F" + s
    entity = _ENTITIES.get(s)
    if entity is not None:
        return entity
    return f"_x{ord(s):04X}_"


def cell_text(value: str) -> str:
    """Text for an inline-string cell: XML-escaped, control characters as Excel's ``_xHHHH_`` escapes."""
    if len(value) > MAX_CELL_TEXT:
        value = value[:MAX_CELL_TEXT]
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return _NEEDS_ESCAPE.sub(_escape_match, value)


def plain_text(value: str) -> str:
    """Text for drawing and chart parts: XML-escaped, characters XML cannot hold dropped."""
    value = _ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_LEAP_BUG_END = date(1900, 3, 1)
_FIRST_1900 = date(1900, 1, 1)


def excel_serial(value: date, date1904: bool) -> str | None:
    """A date or date-time as Excel's serial number text, or ``None`` when Excel cannot show it."""
    day = value.date() if isinstance(value, datetime) else value
    if date1904:
        days = (day - _EPOCH_1904).days
        if days < 0:
            return None
    else:
        if day < _FIRST_1900:
            return None
        days = (day - _EPOCH_1900).days
        if day < _LEAP_BUG_END:
            days -= 1  # Excel counts a 29 February 1900 that never was
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        if seconds:
            return repr(days + seconds / 86400)
    return str(days)


def number_text(value: float | Decimal) -> str | None:
    """A number as it goes in ``<v>``; ``None`` for NaN and infinities (written as ``#NUM!``)."""
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return None
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def parse_cell(ref: str) -> tuple[int, int]:
    """``"B3"`` -> (row 3, column index 1)."""
    match = _CELL_REF.match(ref.strip())
    if match is None:
        raise ValueError(ref)
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    row = int(match.group(2))
    if not (1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
        raise ValueError(ref)
    return row, col - 1


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"A2:B9"`` -> (first row, first column, last row, last column); rows 1-based, columns 0-based."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def absolute_range(title: str, ref: str) -> str:
    r1, c1, r2, c2 = parse_range(ref)
    return f"{quote_sheet(title)}!${column_letter(c1)}${r1}:${column_letter(c2)}${r2}"
