"""The effect report as a job: read the member file and the send ledger beside it, build the report.

``loyalsheet report`` prints it; the refresh writes it into the Report (效果报告) sheet and a block on
the Dashboard. The ledger is only read (a ledger from before holdouts is upgraded in place once, as
any command that opens it does); no ledger yet gives a report of what the member file alone can say.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from ..config import Config
from ..effect import EffectReport, build_report
from ..effect.health import default_since
from ..effect.present import as_json
from ..messaging.ledger import Ledger, Measured, ledger_path_for
from ..model import MemberFile
from ..workbook.access import BookAccess
from ..workbook.reader import Progress


def measured_rows(workbook: Path, since: date | None) -> list[Measured] | None:
    """The ledger's sent and held-out rows due on or after ``since``; None when there is no ledger."""
    path = ledger_path_for(workbook)
    if not path.exists():
        return None
    with Ledger(path) as ledger:
        return ledger.measured(since)


def only_members(mf: MemberFile, ids: frozenset[str]) -> MemberFile:
    """The member file narrowed to some members (one store's): their rows, transactions and calls."""
    return replace(mf, members=tuple(m for m in mf.members if m.member_id in ids),
                   txns=tuple(x for x in mf.txns if x.member_id in ids),
                   call_notes=tuple(c for c in mf.call_notes if c.member_id in ids))


def effect_of(config: Config, mf: MemberFile, workbook: Path, today: date, *, since: date | None = None,
              members: frozenset[str] | None = None) -> tuple[EffectReport, bool]:
    """The report as of ``today``, and whether a ledger was found."""
    start = since if since is not None else default_since(today, config.report.months)
    rows = measured_rows(workbook, start)
    entries = rows or []
    if members is not None:
        mf = only_members(mf, members)
        entries = [e for e in entries if e.member_id in members]
    return build_report(mf, entries, config.report, today, since=start), rows is not None


@dataclass(frozen=True)
class ReportResult:
    path: Path
    report: EffectReport
    has_ledger: bool
    currency: str

    def as_json(self, lang: str) -> dict[str, Any]:
        return {"file": str(self.path), "ledger": str(ledger_path_for(self.path)) if self.has_ledger else None,
                **as_json(self.report, lang, self.currency)}


def run_report(config: Config, book: BookAccess, today: date, *, since: date | None = None,
               progress: Progress | None = None, store: str | None = None) -> ReportResult:
    """Read the member file and build the report (``store``: that store's members only)."""
    mf = book.read_member_file(config.region, progress)
    ids = None
    if store is not None:
        ids = frozenset(m.member_id for m in mf.members if config.home_store(m.store) == store)
    report, has_ledger = effect_of(config, mf, book.path, today, since=since, members=ids)
    return ReportResult(book.path, report, has_ledger, config.store(store).currency)
