"""Problems as a person reads them: where (file, sheet, cell, header), what is wrong, what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .i18n import has, t
from .model import MemberFile, Problem, Severity
from .workbook.schema import READ_SHEETS, SHEETS_BY_KEY

_SHEET_ORDER = {s.key: i for i, s in enumerate(READ_SHEETS)}


@dataclass(frozen=True)
class Located:
    severity: str
    code: str
    file: str
    sheet: str
    cell: str
    row: int | None
    column: str
    header: str
    value: str
    message: str
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity, "code": self.code, "file": self.file, "sheet": self.sheet, "cell": self.cell,
            "row": self.row, "column": self.column, "header": self.header, "value": self.value,
            "message": self.message, "hint": self.hint,
        }


def show_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


def sort_key(p: Problem) -> tuple[int, int, str, str]:
    return (_SHEET_ORDER.get(p.sheet or "", 99), p.row or 0, p.column or "", p.code)


def locate(problem: Problem, mf: MemberFile, lang: str) -> Located:
    """Turn a problem's sheet/row/column keys into ``Members!C17``, the header as typed, and text."""
    path, layouts, row = mf.part_of(problem.row)
    layout = layouts.get(problem.sheet or "")
    sheet_spec = SHEETS_BY_KEY.get(problem.sheet or "")
    sheet_title = layout.title if layout else (sheet_spec.en if sheet_spec else "")
    letter = layout.columns.get(problem.column or "", "") if layout else ""
    header = ""
    if problem.column:
        if layout and problem.column in layout.headers:
            header = layout.headers[problem.column]
        elif sheet_spec:
            col = next((c for c in sheet_spec.columns if c.key == problem.column), None)
            header = f"{col.zh} / {col.en}" if col else problem.column
    if row is None:
        cell = sheet_title
    elif letter:
        cell = f"{sheet_title}!{letter}{row}"
    else:
        cell = f"{sheet_title}!{row}:{row}"
    value = show_value(problem.value)
    params = {"header": header, "value": value, **problem.params}
    if isinstance(params.get("first_row"), int):  # in a chain's books, the first row may be in another book
        first_path, _, first_row = mf.part_of(params["first_row"])
        params["first_row"] = first_row if first_path == path else f"{first_row} ({Path(first_path).name})"
    hint = t(problem.code + ".hint", lang, **params) if has(problem.code + ".hint") else ""
    return Located(
        severity=problem.severity.value,
        code=problem.code,
        file=Path(path).name,
        sheet=sheet_title,
        cell=cell,
        row=row,
        column=letter,
        header=header,
        value=value,
        message=t(problem.code, lang, **params),
        hint=hint,
    )


def counts(problems: list[Problem]) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    return errors, len(problems) - errors
