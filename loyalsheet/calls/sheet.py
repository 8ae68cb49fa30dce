"""The Call list and Call log sheets: their columns, reading back what staff typed, writing the rows.

The Call list (回访名单 Call list), one row per call, the columns needed to phone first and the
outcome columns last::

    No. | Member ID | Name | Phone | Tier | Call type | Why | Why now | Opening line | Purpose |
    Best times | Last call | Waiting since | Event | Outcome | Note | Next call | Staff

Row 2 reminds to keep each call under 3 minutes and to type the outcome. Under the list, a line
says how many did not fit ("还有 N 位本周未排入") and lists them, without phone numbers: they are
carried to next week with priority. The Outcome column has a drop-down (other text is kept).

Read back at the next refresh: every row where staff typed an outcome, note, next call or staff (or
anything in a column the tool did not write) becomes a Call log row; rows left blank carry their
member forward with the day they first waited.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..i18n import t
from ..workbook.schema import column_letter
from ..workbook.writer import CellValue, ListValidation, OwnedSheet
from . import outcomes
from .outcomes import CallOutcome

CALLS = ("回访名单", "Call list")
CALL_LOG = ("回访日志", "Call log")
DATE = "yyyy-mm-dd"

CALL_COLUMNS = (
    ("序号", "No."), ("会员编号", "Member ID"), ("姓名", "Name"), ("手机", "Phone"), ("等级", "Tier"),
    ("事由", "Call type"), ("原因", "Why"), ("为何优先", "Why now"), ("开场白", "Opening line"),
    ("目的", "Purpose"), ("最佳时间", "Best times"), ("上次回访", "Last call"), ("排队自", "Waiting since"),
    ("活动编号", "Event"), ("结果", "Outcome"), ("备注", "Note"), ("下次回访", "Next call"), ("回访人", "Staff"),
)
(NO, MEMBER, NAME, PHONE, TIER, TYPE, WHY, WHY_NOW, OPENING, PURPOSE, BEST, LAST, WAITING, EVENT, OUTCOME, NOTE,
 NEXT, STAFF) = range(len(CALL_COLUMNS))
TYPED = (OUTCOME, NOTE, NEXT, STAFF)  # what staff type
WIDTHS = [5, 11, 10, 15, 8, 12, 44, 30, 48, 34, 18, 26, 11, 9, 14, 26, 11, 9]

CALL_LOG_COLUMNS = (
    ("日期", "Date"), ("会员编号", "Member ID"), ("回访人", "Staff"), ("结果", "Outcome"), ("备注", "Note"),
    ("下次回访", "Next call"), ("事由", "Call type"), ("活动编号", "Event"),
)


def sheet_title(names: tuple[str, str]) -> str:
    return f"{names[0]} {names[1]}"


def header(names: tuple[str, str], style: str) -> str:
    zh, en = names
    return {"zh": zh, "en": en, "en-zh": f"{en}\n{zh}"}.get(style, f"{zh}\n{en}")


def norm(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).casefold().replace(" ", "").replace("\n", "")


def column_index(head: Sequence[CellValue], names: tuple[str, str]) -> int | None:
    """Where a header is in a sheet the tool wrote earlier (in any header style)."""
    wanted = {norm(names[0]), norm(names[1]), norm(names[0] + names[1]), norm(names[1] + names[0])}
    for i, cell in enumerate(head):
        if norm(cell) in wanted:
            return i
    return None


def as_date(value: CellValue) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def text(value: CellValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out or None


# --- reading back ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """What staff typed on a Call list row, with the cell of its outcome (for ``check``)."""

    outcome: CallOutcome
    cell: str | None  # e.g. "O5": the Outcome cell


@dataclass(frozen=True)
class PreviousList:
    typed: tuple[Typed, ...]
    waiting: dict[str, date]  # member -> the day they first waited (rows left blank)


# Old Call lists (before the call types) had these columns; a refresh still reads them.
_OLD_OUTCOME = {OUTCOME: ("结果", "Outcome"), NOTE: ("备注", "Note"), NEXT: ("下次回访", "Next call"),
                STAFF: ("回访人", "Staff")}


def read_call_list(rows: Sequence[Sequence[CellValue]], today: date) -> PreviousList:
    """Outcomes typed in the Call list and the members left waiting. Nothing typed is lost: a cell in a
    column the tool does not know is added to the row's note as ``header: value``."""
    if not rows:
        return PreviousList((), {})
    head = rows[0]
    idx = {i: column_index(head, names) for i, names in enumerate(CALL_COLUMNS)}
    if idx[MEMBER] is None:
        return PreviousList((), {})
    known = {j for j in idx.values() if j is not None}
    extra = [j for j in range(len(head)) if j not in known and text(head[j])]
    typed: list[Typed] = []
    waiting: dict[str, date] = {}
    for r, row in enumerate(rows[1:], start=2):
        def cell(i: int, row: Sequence[CellValue] = row) -> CellValue:
            j = idx[i]
            return row[j] if j is not None and j < len(row) else None

        member_id = text(cell(MEMBER))
        values = [cell(i) for i in TYPED]
        more = [f"{text(head[j])}: {text(row[j])}" for j in extra if j < len(row) and text(row[j])]
        if not any(text(v) for v in values) and not more:
            if member_id is not None:
                since = as_date(cell(WAITING)) or today
                waiting[member_id] = min(since, today)
            continue
        if member_id is None:  # typed on a row without a member (kept, and ``check`` points at it)
            member_id = "?"
        outcome, note, next_call, staff = values
        notes = [n for n in (text(note), *more) if n]
        j = idx[OUTCOME]
        typed.append(Typed(
            CallOutcome(today, member_id, text(staff), text(outcome), "; ".join(notes) or None, as_date(next_call),
                        text(cell(TYPE)), text(cell(EVENT))),
            f"{column_letter(j)}{r}" if j is not None else None))
    return PreviousList(tuple(typed), waiting)


def read_call_log(rows: Sequence[Sequence[CellValue]]) -> list[CallOutcome]:
    if not rows:
        return []
    head = rows[0]
    idx = [column_index(head, names) for names in CALL_LOG_COLUMNS]
    out = []
    for row in rows[1:]:
        vals = [row[i] if i is not None and i < len(row) else None for i in idx]
        day, member_id = as_date(vals[0]), text(vals[1])
        if day is None or member_id is None:
            continue
        out.append(CallOutcome(day, member_id, text(vals[2]), text(vals[3]), text(vals[4]), as_date(vals[5]),
                               text(vals[6]), text(vals[7])))
    return out


# --- writing -----------------------------------------------------------------------------------------


def calls_sheet(rows: list[list[CellValue]], waiting: list[list[CellValue]], title: str, style: str, lang: str,
                best: str, waiting_count: int | None = None) -> OwnedSheet:
    """The Call list: the reminder row, the calls, then how many wait (``waiting_count``, default all of
    ``waiting``) and the first of them."""
    width = len(CALL_COLUMNS)
    reminder: list[CellValue] = [t("calls.reminder", lang, best=best)] + [None] * (width - 1)
    body: list[list[CellValue]] = [reminder, *rows]
    count = len(waiting) if waiting_count is None else waiting_count
    if count:
        body.append([None] * width)
        more = (t("calls.more", lang, n=count) if count == len(waiting)
                else t("calls.more_listed", lang, n=count, m=len(waiting)))
        body.append([more] + [None] * (width - 1))
        body.extend(waiting)
    letter = column_letter(OUTCOME)
    validations = [ListValidation(f"{letter}3:{letter}{len(body) + 1}", outcomes.choices(lang),
                                  t("calls.outcome_prompt", lang))] if rows or waiting else []
    return OwnedSheet(title=title, header=[header(c, style) for c in CALL_COLUMNS], rows=body, widths=WIDTHS,
                      number_formats={WAITING: DATE, NEXT: DATE}, validations=validations)


def log_sheet(log: Sequence[CallOutcome], title: str, style: str) -> OwnedSheet:
    return OwnedSheet(
        title=title, header=[header(c, style) for c in CALL_LOG_COLUMNS],
        rows=[[o.day, o.member_id, o.staff, o.outcome, o.note, o.next_call, o.reason, o.event_id] for o in log],
        widths=[12, 12, 10, 14, 40, 12, 12, 10], number_formats={0: DATE, 5: DATE},
    )
