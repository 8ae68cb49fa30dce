"""How an owned sheet reads on screen and on paper, worked out from what its columns hold.

An owned sheet declares a :class:`Look`: the kind of each column (an id, a name, text that wraps,
money, a date, a flag...), the colours that mark values worth a decision, and how it prints. The
writer turns that into the worksheet's parts (:func:`plan_look`): an autofilter over the rows,
the header row and the id/name columns frozen, column widths from the content (a Chinese character
counts as two), wrapped text with row heights, number formats with thousands separators and the
store's currency, conditional formats, and the print set-up (landscape when wide, one page wide,
the header row on every page, a footer with the sheet's name, the date and the page number).

Any owned sheet gets all of it by declaring its columns' kinds; nothing here knows which sheet it is.
Widths are measured on a sample of the rows, and row heights come from a per-text cache, so a sheet
of 100,000 members costs one dictionary look-up per wrapped cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, Literal, Protocol

from .schema import column_letter

Kind = Literal["id", "name", "text", "wrap", "money", "int", "number", "percent", "date", "datetime", "flag",
               "choice", "write", "auto"]

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
COUNT_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.##"
PERCENT_FORMAT = "0%"
HEADER_FILL = "DDEBF7"
PRIORITY_FILL = "FFD966"
SECTION_FILL = "DDEBF7"
LINE_HEIGHT = 16.0  # points per line of wrapped text (11 pt, with room for Chinese fonts' taller lines)
MAX_HEADER_LINES = 4
_SAMPLE = 400  # rows measured for the widths: the first ones and the last ones
_LANDSCAPE_WIDTH = 100.0  # characters: wider than this does not read on a portrait page

# (narrowest, widest) of each kind, in characters of the default font
_BOUNDS: dict[str, tuple[float, float]] = {
    "id": (6, 16), "name": (6, 18), "text": (4, 28), "wrap": (14, 44), "money": (8, 16), "int": (5, 12),
    "number": (5, 14), "percent": (6, 8), "date": (11, 11), "datetime": (16.5, 16.5), "flag": (4, 10),
    "choice": (4, 16), "write": (8, 30), "auto": (6, 18),
}


@dataclass(frozen=True)
class Col:
    """One column's kind; ``fills`` colours a cell by its exact text (tiers, stages); ``mark`` colours
    any cell that is not empty (a flag); ``width`` fixes the width (room to write by hand)."""

    kind: Kind = "text"
    fills: Mapping[str, str] = field(default_factory=dict)
    mark: str | None = None
    width: float | None = None


@dataclass(frozen=True)
class Look:
    """How an owned sheet looks. ``columns`` by position (a column not listed is text).

    ``table``: an autofilter over the rows, and the header row and leading id/name columns frozen.
    ``landscape``: ``None`` turns the page when the columns are wide. ``fit_height``: pages tall when
    printed (0: as many as the rows need); a sheet always prints one page wide. ``priority_rows``:
    the first rows' id and name marked (call them first). ``row_lines``: the least lines a row is
    tall (room to write by hand). ``sections``: rows holding only a title in column A, or a header
    of text across, shown bold on a fill (the Dashboard's blocks)."""

    columns: Sequence[Col] = ()
    currency: str = ""
    table: bool = True
    landscape: bool | None = None
    fit_height: int = 0
    gridlines: bool = True
    priority_rows: int = 0
    row_lines: int = 1
    sections: bool = False
    header_fill: str = HEADER_FILL
    print_rows: int = 0  # rows printed below the header (the Call list's calls, not who waits); 0: all


class DxfSource(Protocol):
    """What :func:`plan_look` asks of the styles part: a differential format's index."""

    def dxf(self, fill: str | None = None, bold: bool = False, color: str | None = None) -> int: ...


@dataclass(frozen=True)
class SheetLook:
    """A :class:`Look` applied to one sheet's rows: what the worksheet part needs."""

    widths: list[float]
    number_formats: dict[int, str]
    decimal_formats: dict[int, str]
    wrap: frozenset[int]
    top: bool
    header_lines: int
    freeze_columns: int
    sheet_pr: str
    after_data: str
    page: str
    row_heights: Sequence[str] | None  # each data row's height attributes
    filter_ref: str | None  # the autofilter's range, e.g. "A1:L41"
    print_titles: bool
    print_area: str | None  # what prints when not the whole sheet, e.g. "A1:R43"
    show_grid: bool
    header_fill: str


def text_width(text: str) -> float:
    """How wide ``text`` is in characters of the default font: a Chinese (or other wide) character
    counts as two. (UTF-8 takes three bytes for those, one for ASCII: the count needs no loop.)"""
    n = len(text)
    return n + (len(text.encode("utf-8")) - n) / 2


def _money_format(currency: str) -> str:
    if not currency:
        return "#,##0.00"
    symbol = currency.replace('"', "")
    return f'"{symbol}"#,##0.00'


def _value_width(value: object, kind: str, currency: str) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, str):
        return max(text_width(line) for line in value.split("\n"))
    if isinstance(value, bool):
        return 5.0
    if isinstance(value, datetime):
        return 16.0
    if isinstance(value, date):
        return 10.0
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if number != number or number in (math.inf, -math.inf):
            return 6.0
        if kind == "money" or (kind == "auto" and isinstance(value, Decimal)):
            return len(f"{number:,.2f}") + len(currency) * 1.5
        if kind == "percent":
            return len(f"{number:.0%}")
        if isinstance(value, int) or number.is_integer():
            return len(f"{number:,.0f}")
        return len(f"{number:,.2f}")
    return text_width(str(value))


def _header_min(header: str) -> float:
    """The narrowest a column may be for its header to wrap between words (Chinese anywhere)."""
    widest = 0.0
    for word in header.split():
        width = text_width(word)
        widest = max(widest, width if word.isascii() else min(width, 8.0))
    return widest


def _lines(text: str, width: float) -> int:
    room = max(1.0, width - 1.5)
    return sum(max(1, math.ceil(text_width(line) / room)) for line in text.split("\n"))


def _widths(header: Sequence[str], rows: Sequence[Sequence[Any]], cols: Sequence[Col], currency: str) -> list[float]:
    sample = rows if len(rows) <= 2 * _SAMPLE else [*rows[:_SAMPLE], *rows[-_SAMPLE:]]
    out = []
    for c, col in enumerate(cols):
        if col.width is not None:
            out.append(float(col.width))
            continue
        low, high = _BOUNDS[col.kind]
        widest = max((_value_width(r[c], col.kind, currency) for r in sample if c < len(r)), default=0.0)
        head = _header_min(header[c]) if c < len(header) and header[c] else 0.0
        out.append(round(min(high, max(low, widest + 1.5, head + 1.5)), 1))
    return out


def _header_lines(header: Sequence[str], widths: Sequence[float]) -> int:
    lines = 1
    for text, width in zip(header, widths, strict=False):
        if text:
            lines = max(lines, _lines(str(text), width))
    return min(lines, MAX_HEADER_LINES)


def _row_heights(rows: Sequence[Sequence[Any]], wrapped: Sequence[tuple[int, float]], least: int) -> list[str] | None:
    """Each row's height attributes (``""`` for one line), from its wrapped cells: each distinct text
    is measured once, and the rest is maps over columns (no Python call per row)."""
    if not wrapped and least <= 1:
        return None
    table = [""] + [f' ht="{LINE_HEIGHT * n:g}" customHeight="1"' for n in range(1, 41)]
    if least <= 1:
        table[1] = ""
    lines: list[int] = [min(max(1, least), 40)] * len(rows)
    for c, width in wrapped:
        try:
            values = list(map(itemgetter(c), rows))
        except IndexError:  # a short row
            values = [r[c] if c < len(r) else None for r in rows]
        measured = {v: min(40, _lines(v, width)) if type(v) is str else 1 for v in set(values)}
        lines = list(map(max, lines, map(measured.__getitem__, values)))
    return list(map(table.__getitem__, lines))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _string_literal(text: str) -> str:
    """``text`` as a string in a formula, XML-escaped."""
    return _escape('"' + text.replace('"', '""') + '"')


def _conditional_formats(look: Look, cols: Sequence[Col], ncols: int, nrows: int, styles: DxfSource) -> str:
    if nrows < 2:
        return ""
    last = nrows
    blocks: list[str] = []
    priority = 1

    def rule(sqref: str, body: str) -> None:
        blocks.append(f'<conditionalFormatting sqref="{sqref}">{body}</conditionalFormatting>')

    if look.priority_rows > 0 and ncols:
        end = min(last, look.priority_rows + 1)
        wide = min(ncols, 2) - 1
        dxf = styles.dxf(fill=PRIORITY_FILL, bold=True)
        rule(f"A2:{column_letter(wide)}{end}",
             f'<cfRule type="expression" dxfId="{dxf}" priority="{priority}"><formula>ROW()&lt;={end}</formula></cfRule>')
        priority += 1
    if look.sections and ncols:
        right = column_letter(ncols - 1)
        others = ",".join(f'${column_letter(c)}2=""' for c in range(1, ncols)) or "TRUE"
        texts = ",".join(f"ISTEXT(${column_letter(c)}2)" for c in range(1, ncols)) or "FALSE"
        dxf = styles.dxf(fill=SECTION_FILL, bold=True)
        rule(f"A2:{right}{last}",
             f'<cfRule type="expression" dxfId="{dxf}" priority="{priority}">'
             f'<formula>OR(AND($A2&lt;&gt;"",{others}),AND({texts}))</formula></cfRule>')
        priority += 1
    for c, col in enumerate(cols):
        letter = column_letter(c)
        sqref = f"{letter}2:{letter}{last}"
        rules = []
        for text, fill in col.fills.items():
            dxf = styles.dxf(fill=fill)
            rules.append(f'<cfRule type="cellIs" dxfId="{dxf}" priority="{priority}" operator="equal">'
                         f"<formula>{_string_literal(text)}</formula></cfRule>")
            priority += 1
        if col.mark:
            dxf = styles.dxf(fill=col.mark, bold=True)
            rules.append(f'<cfRule type="notContainsBlanks" dxfId="{dxf}" priority="{priority}">'
                         f"<formula>LEN(TRIM({letter}2))&gt;0</formula></cfRule>")
            priority += 1
        if rules:
            rule(sqref, "".join(rules))
    return "".join(blocks)


def _page(look: Look, landscape: bool) -> str:
    grid = ' gridLines="1"' if look.gridlines else ""
    orientation = "landscape" if landscape else "portrait"
    return (
        f'<printOptions horizontalCentered="1"{grid}/>'
        '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.6" header="0.25" footer="0.3"/>'
        f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="{max(0, look.fit_height)}"/>'
        "<headerFooter><oddFooter>&amp;L&amp;A&amp;C&amp;D&amp;R&amp;P / &amp;N</oddFooter></headerFooter>"
    )


def _columns(header: Sequence[str], rows: Sequence[Sequence[Any]], look: Look) -> tuple[int, list[Col]]:
    ncols = max([len(header), *(len(r) for r in rows[:1])]) if header or rows else 0
    # declared columns past the data still get their widths (the Dashboard's charts sit on them)
    return ncols, [look.columns[c] if c < len(look.columns) else Col() for c in range(max(ncols, len(look.columns)))]


def column_formats(header: Sequence[str], rows: Sequence[Sequence[Any]],
                   look: Look) -> tuple[list[float], dict[int, str], dict[int, str]]:
    """The widths, the number formats and the formats of Decimal values (``auto`` columns) ``look``
    gives a sheet's columns."""
    _ncols, cols = _columns(header, rows, look)
    money = _money_format(look.currency)
    number_formats: dict[int, str] = {}
    decimal_formats: dict[int, str] = {}
    for c, col in enumerate(cols):
        code = {"money": money, "int": COUNT_FORMAT, "number": NUMBER_FORMAT, "percent": PERCENT_FORMAT,
                "date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "auto": COUNT_FORMAT}.get(col.kind)
        if code:
            number_formats[c] = code
        if col.kind == "auto":
            decimal_formats[c] = money
    return _widths(header, rows, cols, look.currency), number_formats, decimal_formats


def plan_look(header: Sequence[str], rows: Sequence[Sequence[Any]], look: Look, styles: DxfSource) -> SheetLook:
    """What ``look`` makes of a sheet with ``header`` and ``rows``."""
    ncols, cols = _columns(header, rows, look)
    widths, number_formats, decimal_formats = column_formats(header, rows, look)
    cols = cols[:ncols]
    wrapped = [(c, widths[c]) for c, col in enumerate(cols) if col.kind in ("wrap", "write")]
    nrows = len(rows) + 1
    freeze = 0
    if look.table:
        while freeze < len(cols) and cols[freeze].kind in ("id", "name") and freeze < 2:
            freeze += 1
    filter_ref = f"A1:{column_letter(max(ncols, 1) - 1)}{nrows}" if look.table and ncols else None
    landscape = look.landscape if look.landscape is not None else sum(widths) > _LANDSCAPE_WIDTH
    after = f'<autoFilter ref="{filter_ref}"/>' if filter_ref else ""
    after += _conditional_formats(look, cols, ncols, nrows, styles)
    return SheetLook(
        widths=widths,
        number_formats=number_formats,
        decimal_formats=decimal_formats,
        wrap=frozenset(c for c, _w in wrapped),
        top=bool(wrapped) or look.row_lines > 1,
        header_lines=_header_lines(header, widths),
        freeze_columns=freeze,
        sheet_pr='<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        after_data=after,
        page=_page(look, landscape),
        row_heights=_row_heights(rows, wrapped, look.row_lines),
        filter_ref=filter_ref,
        print_titles=look.table and bool(header),
        print_area=(f"A1:{column_letter(max(ncols, 1) - 1)}{min(nrows, look.print_rows + 1)}"
                    if look.print_rows and ncols else None),
        show_grid=look.table,
        header_fill=look.header_fill,
    )
