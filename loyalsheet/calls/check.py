"""``check`` on the Call list and Call log: an outcome typed outside the drop-down is kept as written,
and reported as a warning at its cell so it can be fixed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..i18n import t
from ..located import Located
from ..workbook.schema import column_letter
from ..workbook.writer import CellValue
from . import outcomes
from .sheet import CALL_LOG_COLUMNS, column_index, read_call_list, text


def _warning(file: str, sheet: str, ref: str, header: str, value: str, lang: str) -> Located:
    column = ref.rstrip("0123456789")
    return Located(
        severity="warning", code="calls.unknown_outcome", file=file, sheet=sheet, cell=f"{sheet}!{ref}",
        row=int(ref[len(column):]), column=column, header=header, value=value,
        message=t("calls.unknown_outcome", lang, value=value),
        hint=t("calls.unknown_outcome.hint", lang, choices=" / ".join(outcomes.choices(lang))),
    )


def outcome_warnings(file: str, calls_title: str, calls: Sequence[Sequence[CellValue]], log_title: str,
                     log: Sequence[Sequence[CellValue]], today: date, lang: str) -> list[Located]:
    """Warnings for outcomes outside the drop-down, in the Call list (typed since the last refresh) and
    in the Call log (collected earlier)."""
    out: list[Located] = []
    head = calls[0] if calls else []
    for typed in read_call_list(calls, today).typed:
        value = typed.outcome.outcome
        if value and outcomes.parse(value) is None and typed.cell:
            at = column_index(head, ("结果", "Outcome"))
            out.append(_warning(file, calls_title, typed.cell, str(head[at]) if at is not None else "", value, lang))
    if log:
        at = column_index(log[0], CALL_LOG_COLUMNS[3])
        if at is not None:
            for r, row in enumerate(log[1:], start=2):
                value = text(row[at]) if at < len(row) else None
                if value and outcomes.parse(value) is None:
                    out.append(_warning(file, log_title, f"{column_letter(at)}{r}", str(log[0][at]), value, lang))
    return out
