"""The worksheet part the tool generates: its layout apart from the cells (:class:`SheetLayout`), its rows
of cells, its data validations, and its relationships part.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..schema import column_letter
from .cells import _EPOCH_1900, _EPOCH_1904, cell_text, excel_serial, number_text, plain_text
from .parts import NS_MAIN, NS_PKG_REL, NS_R, REL_DRAWING, XML_DECLARATION
from .styles import CellStyles


@dataclass(frozen=True)
class SheetLayout:
    """How a generated worksheet looks, apart from its cells.

    The optional parts are XML fragments made by :mod:`.look`, each put where the schema wants it:
    ``sheet_pr`` before the dimension, ``after_data`` (autofilter, conditional formats) after the
    cells, ``page`` (print options, margins, page set-up, footer) in place of the default margins."""

    widths: Sequence[float] | None
    header_lines: int
    freeze_header: bool
    tab_selected: bool
    drawing_rid: str | None
    freeze_columns: int = 0
    sheet_pr: str = ""
    after_data: str = ""
    page: str = ""
    row_heights: Sequence[str] | None = None  # each data row's height attributes, in order
    show_grid: bool = True
    validations: tuple[tuple[str, tuple[str, ...], str | None], ...] = ()  # (cells, choices, prompt)


def _text_cell(ref: str, style: str, value: str) -> str:
    body = cell_text(value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{body}</t></is></c>'


def render_cell(ref: str, col: int, value: object, styles: CellStyles, date1904: bool) -> str:
    """One ``<c>`` element, or ``""`` for an empty value. Text is always an inline string, never a formula."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_cell(ref, styles.column(col), value) if value else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{styles.column(col)} t="b"><v>{1 if value else 0}</v></c>'
    if isinstance(value, int):
        if abs(value) < 10**15:
            return f'<c r="{ref}"{styles.column(col)}><v>{value}</v></c>'
        value = float(value)
    if isinstance(value, float | Decimal):
        text = number_text(value)
        style = styles.decimal(col) if isinstance(value, Decimal) else styles.column(col)
        if text is None:
            return f'<c r="{ref}"{style} t="e"><v>#NUM!</v></c>'
        return f'<c r="{ref}"{style}><v>{text}</v></c>'
    if isinstance(value, date):
        serial = excel_serial(value, date1904)
        if serial is None:
            return _text_cell(ref, "", value.isoformat())
        return f'<c r="{ref}"{styles.date(col, isinstance(value, datetime))}><v>{serial}</v></c>'
    return _text_cell(ref, styles.column(col), str(value))


_ORD_1900 = _EPOCH_1900.toordinal()
_ORD_1904 = _EPOCH_1904.toordinal()
_FIRST_FAST_1900 = 61  # serial of 1900-03-01: later dates need no leap-year fix


def _text_tail(value: str) -> str:
    """What follows the style of an inline-string cell holding ``value`` (not empty)."""
    text = cell_text(value)
    if value[0].isspace() or value[-1].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f' t="inlineStr"><is><t>{text}</t></is></c>'


def _rows_xml(
    header: Sequence[str], rows: Iterable[Sequence[Any]], styles: CellStyles, date1904: bool, header_lines: int,
    ncols: int, row_heights: Sequence[str] | None = None,
) -> Iterator[str]:
    """The ``<row>`` elements (``row_heights``: each data row's height attributes, or ``""``). The loop dispatches on the exact type of each value (the common cases
    inline, everything else through :func:`render_cell`); a text is escaped once however many cells
    hold it (segment names, reasons): 1.9 million cells take a couple of seconds."""
    letters = [column_letter(i) for i in range(ncols)]
    if header:
        height = f' ht="{15 * header_lines}" customHeight="1"' if header_lines > 1 else ""
        cells = "".join(_text_cell(f"{letters[c]}1", styles.header, str(v)) for c, v in enumerate(header) if v)
        yield f'<row r="1"{height}>{cells}</row>'
    col_style = [styles.column(c) for c in range(ncols)]
    dec_style = [styles.decimal(c) for c in range(ncols)]
    date_style: dict[int, str] = {}
    dt_style: dict[int, str] = {}
    base = _ORD_1904 if date1904 else _ORD_1900
    first_fast = 0 if date1904 else _FIRST_FAST_1900
    tails: dict[str, str] = {}  # text -> the rest of its cell after the style
    tail_of = tails.get
    buf: list[str] = []
    for r, row in enumerate(rows, start=2):
        rs = str(r)
        out: list[str] = []
        add = out.append
        for c, v in enumerate(row):
            tv = type(v)
            if tv is str:
                if not v:
                    continue
                tail = tail_of(v)
                if tail is None:
                    tail = tails[v] = _text_tail(v)
                add(f'<c r="{letters[c]}{rs}"{col_style[c]}{tail}')
            elif v is None:
                continue
            elif tv is int and -1_000_000_000_000_000 < v < 1_000_000_000_000_000:
                add(f'<c r="{letters[c]}{rs}"{col_style[c]}><v>{v}</v></c>')
            elif tv is float and -1e15 < v < 1e15:
                num = str(int(v)) if v.is_integer() else repr(v)
                add(f'<c r="{letters[c]}{rs}"{col_style[c]}><v>{num}</v></c>')
            elif tv is Decimal and -1e15 < (f := float(v)) < 1e15:  # as number_text() writes it
                num = str(int(f)) if f.is_integer() else repr(f)
                add(f'<c r="{letters[c]}{rs}"{dec_style[c]}><v>{num}</v></c>')
            elif tv is date and v.toordinal() - base >= first_fast:
                st = date_style.get(c)
                if st is None:
                    st = date_style[c] = styles.date(c, False)
                add(f'<c r="{letters[c]}{rs}"{st}><v>{v.toordinal() - base}</v></c>')
            elif tv is datetime and v.toordinal() - base >= first_fast:
                st = dt_style.get(c)
                if st is None:
                    st = dt_style[c] = styles.date(c, True)
                days = v.toordinal() - base
                secs = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
                add(f'<c r="{letters[c]}{rs}"{st}><v>{repr(days + secs / 86400) if secs else days}</v></c>')
            else:
                add(render_cell(letters[c] + rs, c, v, styles, date1904))
        if out:
            height = row_heights[r - 2] if row_heights is not None else ""
            buf.append(f'<row r="{rs}"{height}>{"".join(out)}</row>')
            if len(buf) >= 500:
                yield "".join(buf)
                buf.clear()
    if buf:
        yield "".join(buf)


def worksheet_xml(
    header: Sequence[str], rows: Sequence[Sequence[object]], styles: CellStyles, layout: SheetLayout, date1904: bool,
) -> Iterator[str]:
    """A worksheet part, as chunks of text."""
    ncols = max([len(header), *map(len, rows)]) if rows or header else 0
    nrows = len(rows) + 1 if rows else (1 if header else 0)
    dimension = f"A1:{column_letter(max(ncols, 1) - 1)}{max(nrows, 1)}" if ncols else "A1"
    head = [
        XML_DECLARATION,
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">',
        layout.sheet_pr,
        f'<dimension ref="{dimension}"/>',
        '<sheetViews><sheetView workbookViewId="0"' + (' tabSelected="1"' if layout.tab_selected else "")
        + ("" if layout.show_grid else ' showGridLines="0"') + ">",
    ]
    if layout.freeze_header and header and layout.freeze_columns:
        corner = f"{column_letter(layout.freeze_columns)}2"
        head.append(f'<pane xSplit="{layout.freeze_columns}" ySplit="1" topLeftCell="{corner}" activePane="bottomRight"'
                    ' state="frozen"/><selection pane="topRight"/><selection pane="bottomLeft"/>'
                    f'<selection pane="bottomRight" activeCell="{corner}" sqref="{corner}"/>')
    elif layout.freeze_header and header:
        head.append('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
    head.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if layout.widths:
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{float(w):.6g}" customWidth="1"/>'
            for i, w in enumerate(layout.widths) if w and w > 0
        )
        if cols:
            head.append(f"<cols>{cols}</cols>")
    head.append("<sheetData>")
    yield "".join(head)
    yield from _rows_xml(header, rows, styles, date1904, layout.header_lines, ncols, layout.row_heights)
    page = layout.page or '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    tail = [f"</sheetData>{layout.after_data}{validations_xml(layout.validations)}{page}"]
    if layout.drawing_rid:
        tail.append(f'<drawing r:id="{layout.drawing_rid}"/>')
    tail.append("</worksheet>")
    yield "".join(tail)


def validations_xml(validations: Sequence[tuple[str, Sequence[str], str | None]]) -> str:
    """``<dataValidations>``: a drop-down list on each range; any other text only draws a warning (and is
    kept). The choices are one quoted list (Excel allows 255 characters; commas cannot be in a choice)."""
    if not validations:
        return ""
    out = [f'<dataValidations count="{len(validations)}">']
    for cells, choices, prompt in validations:
        listed = ",".join(c.replace(",", " ").replace('"', "'") for c in choices)[:255]
        tip = f' prompt="{plain_text(prompt[:255])}"' if prompt else ""
        formula = plain_text(f'"{listed}"')
        out.append(f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showInputMessage="1" '
                   f'showErrorMessage="1"{tip} sqref="{cells}"><formula1>{formula}</formula1></dataValidation>')
    out.append("</dataValidations>")
    return "".join(out)


def sheet_rels_xml(drawing_target: str) -> bytes:
    return (
        XML_DECLARATION
        + f'<Relationships xmlns="{NS_PKG_REL}">'
        + f'<Relationship Id="rId1" Type="{REL_DRAWING}" Target="{plain_text(drawing_target)}"/>'
        + "</Relationships>"
    ).encode()
