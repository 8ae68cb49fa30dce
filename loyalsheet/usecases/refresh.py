"""`loyalsheet refresh`: recompute points, tiers and segments and write the owned sheets (Member
status, Call list, Call log, Dashboard, Report...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from .. import optouts_received
from ..config import Config
from ..effect import EffectReport
from ..effect.present import dashboard_rows, report_sheet
from ..events import Invitation, invitations_from
from ..located import counts
from ..messaging.ledger import Ledger, State, ledger_path_for
from ..model import MemberFile
from ..packing import Nested, PackedObjects, fields_reducer, pack_objects, unpack_objects
from ..parallel import Forked
from ..refresh import (
    CALL_LOG,
    CALLS,
    STATUS,
    RefreshPlan,
    ahead,
    build_refresh,
    describe_move,
    previous_standing,
    sheet_title,
)
from ..reply_run import RepliesRead, refresh_replies
from ..rules import evaluate
from ..rules.explain import Reason
from ..segments import Activity, MemberSegments, Move, SegmentResult, Thresholds, moves, segment
from ..validation import Context, validate
from ..workbook.access import BookAccess
from ..workbook.chain import store_sheet_title
from ..workbook.reader import Progress
from ..workbook.writer import CellValue
from .report import effect_of


def messages_sent(workbook: Path, today: date, timezone: str = "Asia/Shanghai") -> list[tuple[str, str]]:
    """(campaign, member id) of each message sent in the last 30 days, from the send ledger beside the workbook."""
    path = ledger_path_for(workbook)
    if not path.exists():
        return []
    ledger = Ledger(path)
    try:
        since = datetime.combine(today - timedelta(days=30), time(0), tzinfo=ZoneInfo(timezone))
        return [(e.campaign, e.member_id) for e in ledger.history(since) if e.state is State.SENT]
    finally:
        ledger.close()


def event_invitations(workbook: Path) -> list[Invitation]:
    """Event invitations sent by SMS or e-mail, from the send ledger beside the workbook."""
    path = ledger_path_for(workbook)
    if not path.exists():
        return []
    ledger = Ledger(path)
    try:
        return invitations_from(("event", channel, key) for key, channel in ledger.sent_of("event"))
    finally:
        ledger.close()


def _segments(mf: MemberFile, config: Config, today: date) -> SegmentResult:
    return segment(mf.members, mf.txns, config.segments, today, include_gift_card=config.tiers.spend.include_gift_card)


@dataclass(frozen=True)
class _Segmented:
    """The refresh worker's answer: the segments, and the moves since the last refresh (worked out where
    the segments are whole, before they travel lean), and the effect report."""

    seg: SegmentResult
    moved: tuple[Move, ...]
    effect: EffectReport | None  # the whole book's effect report (None: a store's refresh)
    errors: int | None  # the cells' errors (validation), when checked there


def _segments_for_refresh(mf: MemberFile, config: Config, today: date,
                          previous_status: Callable[[], Sequence[Sequence[CellValue]]],
                          effect_book: Path | None, check_cells: bool) -> _Segmented:
    """The worker's share of a refresh. It reads the Member status the last refresh wrote itself (only
    the moves need it): read beside the member file, its 76 MB of XML for 100,000 members took CPU from
    a read that already keeps both cores busy, while here it fills the time this worker would wait for
    the rules pass. Where each member stood is kept, the sheet's rows are let go before the segments
    are computed. The effect report (``effect_book``: the whole book's) is made here too, and with
    ``check_cells`` the cells are checked: the two shares then take about as long."""
    standing = previous_standing(previous_status())
    seg = _segments(mf, config, today)
    effect = effect_of(config, mf, effect_book, today)[0] if effect_book is not None else None
    errors = _errors(mf, config, today) if check_cells else None
    return _Segmented(seg, tuple(moves(standing, seg)), effect, errors)


def _errors(mf: MemberFile, config: Config, today: date) -> int:
    return counts(validate(mf, Context(today=today, stores=config.store_names)))[0]


# The reasons a refresh never shows (it shows each member's stage reason, the gone-quiet reason of whom
# it asks to call, and the reasons of the moves, which travel whole) and the spend by category (it
# shows the main category): left out of the worker's answer, which is then half the size. The members'
# segments travel column by column (packing.pack_objects), the rest as field values.
_NOT_KEPT = Reason("seg.why.not_kept")
_UNSHOWN = ("quadrant_reason", "rfm_reason", "whale_reason", "category_reason", "age_reason")
_NO_CATEGORIES: Mapping[str, int] = MappingProxyType({})


def _lean(columns: dict[str, list[Any]]) -> None:
    n = len(columns["member_id"])
    for name in _UNSHOWN:
        columns[name] = [_NOT_KEPT] * n
    columns["quiet_reason"] = [reason if quiet else _NOT_KEPT
                               for reason, quiet in zip(columns["quiet_reason"], columns["gone_quiet"], strict=True)]


def _lean_activity(columns: dict[str, list[Any]]) -> None:
    columns["category_cents"] = [_NO_CATEGORIES] * len(columns["category_cents"])


_SEGMENT_FIELDS = {"activity": Nested(Activity, _lean_activity),
                   **{f.name: Nested(Reason) for f in fields(MemberSegments) if f.name.endswith("_reason")}}


def _send_segments(seg: SegmentResult) -> tuple[Callable[..., SegmentResult], tuple[Any, ...]]:
    return _segments_sent, (seg.today, pack_objects(seg.members, MemberSegments, _lean, _SEGMENT_FIELDS),
                            seg.thresholds)


def _segments_sent(today: date, members: PackedObjects, thresholds: Thresholds) -> SegmentResult:
    return SegmentResult(today, tuple(unpack_objects(members)), thresholds)


_LEAN_SEGMENTS: dict[type, Callable[[Any], Any]] = {
    SegmentResult: _send_segments,
    Reason: fields_reducer(Reason),
}


@dataclass(frozen=True)
class RefreshResult:
    path: Path
    day: date
    members: int
    errors: int
    dry_run: bool
    plan: RefreshPlan
    moves: tuple[dict[str, Any], ...]
    backup: Path | None
    written: bool
    replies: RepliesRead | None = None  # members' SMS replies read at the start (None: not read)

    def summary(self) -> dict[str, Any]:
        return {"members": self.members, "calls": self.plan.calls, "collected": len(self.plan.collected),
                "day": self.day.isoformat()}

    def as_json(self) -> dict[str, Any]:
        return {
            **self.summary(), "file": str(self.path), "dry_run": self.dry_run, "errors": self.errors,
            "moves": list(self.moves), "sheets": [s.title for s in self.plan.sheets],
            "counts": {k: dict(v) for k, v in self.plan.counts.items()},
            "backup": str(self.backup) if self.backup else None,
            "replies": self.replies.as_json() if self.replies is not None else None,
        }


def run_refresh(config: Config, book: BookAccess, today: date, lang: str, *, dry_run: bool = False,
                store: str | None = None, progress: Progress | None = None) -> RefreshResult:
    """Recompute points, tiers and segments and write Member status, Call list, Call log and Dashboard
    (unless ``dry_run``). Outcomes typed into the Call list are collected into the Call log. A chain
    gets a Call list, Call log and Dashboard per store as well; ``store`` writes that store's only."""
    chain = config.is_chain
    names = [s.name for s in config.stores] if store is None else [store]
    calls_title, log_title = sheet_title(CALLS), sheet_title(CALL_LOG)
    owned: dict[str, str] = {}
    if not (chain and store is not None):  # a chain reads its one-store sheets too, from before it became a
        owned |= {"calls": calls_title, "log": log_title}  # chain: their rows move to the stores'
    if chain:
        owned |= {f"calls {n}": store_sheet_title(calls_title, n) for n in names}
        owned |= {f"log {n}": store_sheet_title(log_title, n) for n in config.store_names}
    book.prefetch_owned_sheets(list(owned.values()))  # read while the member file is
    mf = book.read_member_file(config.region, progress)
    previous = {key: book.read_owned_sheet(title) for key, title in owned.items()}
    # A worker (when the machine has a second core) reads the last Member status, computes the segments,
    # the moves and the effect report while this process applies the rules: the passes are independent of
    # each other. Reading the last Member status back (there is one when a refresh ran before: its Call
    # list is there) takes the worker about as long as checking the cells: they are then checked here,
    # else there, so the two shares take about as long.
    check_here = any(previous.values())
    with Forked(_segments_for_refresh, mf, config, today, partial(book.read_owned_sheet, sheet_title(STATUS)),
                book.path if store is None else None, not check_here, reducers=_LEAN_SEGMENTS) as segments:
        ev = evaluate(mf, config, today)
        # while the worker finishes (the segments and the effect report are the longer share)
        early = ahead(mf, today, config.tiers.spend.include_gift_card)
        errors_here = _errors(mf, config, today) if check_here else None
        segmented = segments.result()
    seg, effect = segmented.seg, segmented.effect
    errors = segmented.errors if segmented.errors is not None else errors_here
    assert errors is not None
    report_title = config.report.sheet
    currency = config.default_store.currency
    plan = build_refresh(
        mf, ev, seg, config, lang=lang, store=store, moved=segmented.moved, early=early,
        effect=dashboard_rows(effect, lang, currency, report_title) if effect is not None else (),
        previous_calls=previous.get("calls", []),
        previous_log=previous.get("log", []),
        store_calls={n: previous[f"calls {n}"] for n in names} if chain else None,
        store_logs={n: previous[f"log {n}"] for n in config.store_names} if chain else None,
        sent_by_member=messages_sent(book.path, today, config.store(store).timezone),
        opt_outs=optouts_received.match(optouts_received.opt_outs_of(book.path), mf.members,
                                        config.default_store.timezone),
        invitations=event_invitations(book.path),
    )
    if effect is not None:  # the whole book's report (a store's refresh leaves it as it was)
        plan = replace(plan, sheets=(*plan.sheets, report_sheet(effect, report_title, lang, currency)))
    written = None
    replies: RepliesRead | None = None
    if not dry_run:
        sheets = list(plan.sheets)
        replies, sheet = refresh_replies(config, book.path, mf, lang, today)
        if sheet is not None:
            sheets.append(sheet)
        written = book.write_owned_sheets(sheets, config.backups)
    return RefreshResult(
        path=book.path, day=today, members=len(mf.members), errors=errors, dry_run=dry_run, plan=plan, replies=replies,
        moves=tuple(describe_move(m, lang) for m in plan.moves),
        backup=written.backup if written is not None else None, written=not dry_run,
    )
