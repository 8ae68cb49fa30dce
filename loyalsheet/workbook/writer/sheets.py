"""The owned sheets a caller asks to write (:class:`OwnedSheet`, with its charts and drop-down lists), and
the checks made of them before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ...errors import WorkbookError
from .. import ooxml
from ..look import Look
from ..ooxml import MAX_COLS, MAX_ROWS, ChartPlan

CellValue = str | int | float | Decimal | bool | date | datetime | None
ChartKind = Literal["bar", "column", "line", "pie"]

_BAD_TITLE_CHARS = set("[]:*?/\\")


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart: a range of the owned sheet (e.g. ``"B2:B6"``) and its legend name."""

    values: str
    title: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel chart placed in an owned sheet over ranges of that same sheet.

    Ranges are A1 references in the owned sheet as written (row 1 is the header). ``anchor`` is the
    top-left cell; the chart spans ``width`` columns and ``height`` rows.
    """

    kind: ChartKind
    title: str
    series: Sequence[ChartSeries]
    categories: str | None = None
    anchor: str = "H2"
    width: int = 8
    height: int = 16
    x_title: str | None = None
    y_title: str | None = None
    labels: bool = False
    value_format: str = "General"
    colors: Sequence[str] = ()


@dataclass(frozen=True)
class ListValidation:
    """A drop-down list on cells of an owned sheet (``cells``: an A1 range, row 1 the header). Other
    text may still be typed: Excel only warns, and what was typed is kept."""

    cells: str
    choices: Sequence[str]
    prompt: str | None = None


@dataclass(frozen=True)
class OwnedSheet:
    """A sheet the tool owns: rewritten whole on every write. Values only, never formulas."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[CellValue]]
    widths: Sequence[float] | None = None
    number_formats: Mapping[int, str] = field(default_factory=dict)
    charts: Sequence[ChartSpec] = ()
    validations: Sequence[ListValidation] = ()
    look: Look | None = None  # how it reads on screen and prints (see .look); None: plain cells


def _check_title(title: str) -> None:
    bad = (
        not title.strip()
        or len(title) > 31
        or any(ch in _BAD_TITLE_CHARS for ch in title)
        or title.startswith("'")
        or title.endswith("'")
        or title.casefold() == "history"
    )
    if bad:
        raise WorkbookError("write_bad_sheet_title", sheet=title)


def _validate(sheets: Sequence[OwnedSheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        _check_title(sheet.title)
        key = sheet.title.casefold()
        if key in seen:
            raise WorkbookError("write_duplicate_sheet", sheet=sheet.title)
        seen.add(key)
        nrows = len(sheet.rows) + 1
        ncols = max([len(sheet.header), *map(len, sheet.rows)]) if sheet.rows else len(sheet.header)
        if nrows > MAX_ROWS or ncols > MAX_COLS:
            raise WorkbookError("write_too_large", sheet=sheet.title, rows=nrows, columns=ncols)
        for chart in sheet.charts:
            _chart_plan(sheet, chart, sheet.title)  # raises on a bad range or kind


def _cell_value(sheet: OwnedSheet, row: int, col: int) -> object:
    if row == 1:
        return sheet.header[col] if col < len(sheet.header) else None
    index = row - 2
    if index >= len(sheet.rows):
        return None
    values = sheet.rows[index]
    return values[col] if col < len(values) else None


def _range_values(sheet: OwnedSheet, ref: str) -> list[object]:
    r1, c1, r2, c2 = ooxml.parse_range(ref)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
        raise ValueError(f"{ref} is larger than 100,000 cells")
    return [_cell_value(sheet, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _chart_plan(sheet: OwnedSheet, chart: ChartSpec, title: str) -> ChartPlan:
    try:
        if chart.kind not in ("bar", "column", "line", "pie"):
            raise ValueError(f"unknown chart kind {chart.kind!r}")
        if not chart.series:
            raise ValueError("a chart needs at least one series")
        row, col = ooxml.parse_cell(chart.anchor)
        width, height = max(1, chart.width), max(1, chart.height)
        categories = ooxml.absolute_range(title, chart.categories) if chart.categories else None
        category_cache = _range_values(sheet, chart.categories) if chart.categories else []
        series = [(s.title, ooxml.absolute_range(title, s.values), _range_values(sheet, s.values))
                  for s in chart.series]
    except ValueError as exc:
        raise WorkbookError("write_bad_chart", sheet=sheet.title, chart=chart.title, reason=str(exc)) from exc
    anchor = (row - 1, col, min(row - 1 + height, MAX_ROWS - 1), min(col + width, MAX_COLS - 1))
    return ChartPlan(chart.kind, chart.title, categories, category_cache, series, anchor, chart.x_title,
                     chart.y_title, chart.labels, chart.value_format, tuple(chart.colors))
