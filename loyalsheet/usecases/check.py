"""`loyalsheet check`: read the member file, find every problem, place each at its cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..calls.check import outcome_warnings
from ..config import Config
from ..located import Located, locate, sort_key
from ..model import MemberFile, Problem
from ..refresh import (
    CALL_LOG,
    CALLS,
    sheet_title,
)
from ..rules.split import problems_in_parts
from ..validation import Context, validate
from ..workbook.access import BookAccess
from ..workbook.chain import store_sheet_title
from ..workbook.reader import Progress


@dataclass(frozen=True)
class CheckResult:
    file: str
    path: str
    members: int
    txns: int
    day: date
    problems: tuple[Located, ...]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity != "error")

    def summary(self) -> dict[str, Any]:
        return {"file": self.file, "members": self.members, "txns": self.txns, "day": self.day.isoformat(),
                "errors": self.errors, "warnings": self.warnings}

    def as_json(self) -> dict[str, Any]:
        return {**self.summary(), "path": self.path, "problems": [p.as_dict() for p in self.problems]}


def store_members(config: Config, mf: MemberFile, store: str | None) -> frozenset[str] | None:
    """The IDs of the members whose home store (Store column) is ``store``; None for the whole chain."""
    if store is None:
        return None
    return frozenset(m.member_id for m in mf.members if config.home_store(m.store) == store)


def _store_rows(config: Config, mf: MemberFile, store: str) -> set[tuple[str, int]]:
    """(sheet, row) of every row that is ``store``'s: its members, and the rows about them or made there."""
    ids = store_members(config, mf, store) or frozenset()
    home = {m.member_id: m.store for m in mf.members}
    rows = {("members", m.row) for m in mf.members if m.member_id in ids}
    rows |= {("transactions", x.row) for x in mf.txns
             if config.home_store(x.store or home.get(x.member_id)) == store}
    for key in ("gift_cards", "course_cards", "call_notes", "opt_outs", "vouchers", "attendance"):
        rows |= {(key, r.row) for r in getattr(mf, key) if getattr(r, "member_id", None) in ids}
    rows |= {("events", e.row) for e in mf.events}
    return rows


def run_check(config: Config, book: BookAccess, today: date, lang: str, *, store: str | None = None,
              progress: Progress | None = None) -> CheckResult:
    """Every problem in the member file: cells that cannot be read, cross-row mistakes, and what the
    rules find (over-redemption, overdrawn cards, ...), located at their cells. With ``store``, only
    the problems in that store's rows (its members', and transactions made there)."""
    mf = book.read_member_file(config.region, progress)

    def check_cells() -> list[Problem]:  # done here while a worker takes a share of the rules pass
        return validate(mf, Context(today=today, stores=config.store_names))

    # the rules pass only for its problems: a share of the book's members (in linked groups) in a worker
    problems, rule_problems = problems_in_parts(mf, config, today, meanwhile=check_cells, worker_share=0.6)
    seen = {(p.sheet, p.row, p.column, p.code) for p in problems}
    for rule_problem in rule_problems:
        if (rule_problem.sheet, rule_problem.row, rule_problem.column, rule_problem.code) not in seen:
            problems.append(rule_problem)
    if store is not None:
        mine = _store_rows(config, mf, store)
        problems = [p for p in problems if p.row is None or p.sheet is None or (p.sheet, p.row) in mine]
    problems.sort(key=sort_key)
    located = [locate(p, mf, lang) for p in problems]
    located += _call_list_warnings(config, book, today, lang, store)
    return CheckResult(file=Path(mf.path).name, path=mf.path, members=len(mf.members), txns=len(mf.txns), day=today,
                       problems=tuple(located))


def _call_list_warnings(config: Config, book: BookAccess, today: date, lang: str, store: str | None) -> list[Located]:
    """Outcomes typed outside the Call list's drop-down (in the Call list, or collected into the Call log)."""
    calls_title, log_title = sheet_title(CALLS), sheet_title(CALL_LOG)
    pairs = [(calls_title, log_title)] if not config.is_chain else []
    if config.is_chain:
        names = [s.name for s in config.stores] if store is None else [store]
        pairs += [(store_sheet_title(calls_title, n), store_sheet_title(log_title, n)) for n in names]
    out: list[Located] = []
    for calls, log in pairs:
        out += outcome_warnings(book.path.name, calls, book.read_owned_sheet(calls), log, book.read_owned_sheet(log),
                                today, lang)
    return out
