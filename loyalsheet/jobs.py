"""The three jobs a store runs, callable in-process: check the member file, the weekly refresh, and
today's messages.

The command line (``loyalsheet check|refresh|today``), the scheduler and the Excel buttons all run
these same functions, so a button gives what the command gives. A job reads and writes its workbook
only through a :class:`~loyalsheet.workbook.access.BookAccess` (the file on disk, or a book open in
Excel), and returns a result whose ``as_json()`` is what ``--json`` prints. Nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from . import optouts_received
from .calls.check import outcome_warnings
from .channels import TWILIO_API, Channel, channels_from_config
from .config import Config
from .daily import (
    DayRun,
    approved_keys,
    local_now,
    mask,
    message_log_sheet,
    prepare_day,
    reason_text,
    templates_for,
    today_sheet,
)
from .effect import EffectReport
from .effect.present import dashboard_rows, report_sheet
from .effect_job import effect_of
from .errors import WorkbookError
from .events import Invitation, invitations_from
from .i18n import t
from .ledger import Ledger, State, ledger_path_for
from .model import MemberFile, Problem
from .packing import fields_reducer
from .parallel import Forked
from .refresh import (
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
from .reply_run import RepliesRead, ReplyReader, read_or_stop, reader_from_config, refresh_replies, replies_sheet_of
from .report import Located, counts, locate, sort_key
from .rules import evaluate
from .rules.explain import Reason
from .rules.split import problems_in_parts
from .segments import Activity, MemberSegments, Move, SegmentResult, moves, segment
from .sender import Outcome, SendReport, send_all
from .validation import Context, validate
from .vouchers_issued import TITLE as ISSUED_TITLE
from .vouchers_issued import giving_campaigns, issued_from_ledger, vouchers_issued_sheet
from .workbook.access import BookAccess
from .workbook.chain import store_sheet_title
from .workbook.reader import Progress
from .workbook.writer import CellValue

ATTENTION = frozenset({Outcome.FAILED, Outcome.OPTED_OUT, Outcome.UNKNOWN, Outcome.RETRY_LATER})


# -- check -------------------------------------------------------------------------------------------------


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


# -- refresh -----------------------------------------------------------------------------------------------


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


def _segments_for_refresh(mf: MemberFile, config: Config, today: date,
                          previous_status: Callable[[], Sequence[Sequence[CellValue]]],
                          effect_book: Path | None) -> _Segmented:
    """The worker's share of a refresh. It reads the Member status the last refresh wrote itself (only
    the moves need it): read beside the member file, its 76 MB of XML for 100,000 members took CPU from
    a read that already keeps both cores busy, while here it fills the time this worker would wait for
    the rules pass. Where each member stood is kept, the sheet's rows are let go before the segments
    are computed. The effect report (``effect_book``: the whole book's) is made here too, and the
    cells are checked in this process instead: the two shares then take about as long."""
    standing = previous_standing(previous_status())
    seg = _segments(mf, config, today)
    effect = effect_of(config, mf, effect_book, today)[0] if effect_book is not None else None
    return _Segmented(seg, tuple(moves(standing, seg)), effect)


# The reasons a refresh never shows (it shows each member's stage reason, the gone-quiet reason of whom
# it asks to call, and the reasons of the moves, which travel whole) and the spend by category (it
# shows the main category): left out of the worker's answer, which is then half the size. The rest
# travels as field values (packing.fields_reducer).
_NOT_KEPT = Reason("seg.why.not_kept")
_MS_FIELDS = [f.name for f in fields(MemberSegments)]
_UNSHOWN = [_MS_FIELDS.index(name) for name in
            ("quadrant_reason", "rfm_reason", "whale_reason", "category_reason", "age_reason")]
_QUIET_REASON = _MS_FIELDS.index("quiet_reason")


def _lean(ms: MemberSegments, values: list[Any]) -> None:
    for i in _UNSHOWN:
        values[i] = _NOT_KEPT
    if not ms.gone_quiet:
        values[_QUIET_REASON] = _NOT_KEPT


_CATEGORIES = [f.name for f in fields(Activity)].index("category_cents")  # (the refresh shows main categories)
_NO_CATEGORIES: Mapping[str, int] = MappingProxyType({})


_DAYS = [i for i, f in enumerate(fields(Activity)) if f.name in ("first_visit", "last_visit")]
_SAME_DAY: dict[date, date] = {}  # one object per day (in the worker): pickled once, then referred to


def _lean_activity(_a: Activity, values: list[Any]) -> None:
    values[_CATEGORIES] = _NO_CATEGORIES
    for i in _DAYS:
        day = values[i]
        if day is not None:
            values[i] = _SAME_DAY.setdefault(day, day)


_LEAN_SEGMENTS: dict[type, Callable[[Any], Any]] = {
    MemberSegments: fields_reducer(MemberSegments, _lean),
    Activity: fields_reducer(Activity, _lean_activity),
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
    # A worker (when the machine has a second core) reads the last Member status, checks the cells and
    # computes the segments and the moves while this process applies the rules: the passes are
    # independent of each other.
    with Forked(_segments_for_refresh, mf, config, today, partial(book.read_owned_sheet, sheet_title(STATUS)),
                book.path if store is None else None, reducers=_LEAN_SEGMENTS) as segments:
        ev = evaluate(mf, config, today)
        # while the worker finishes (the segments and the effect report are the longer share)
        early = ahead(mf, today, config.tiers.spend.include_gift_card)
        errors, _ = counts(validate(mf, Context(today=today, stores=config.store_names)))
        segmented = segments.result()
    seg, effect = segmented.seg, segmented.effect
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


# -- today's messages --------------------------------------------------------------------------------------


def planned_rows(run: DayRun, names: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    return [{
        "key": c.message.key, "member_id": c.message.member_id, "name": names.get(c.message.member_id, ""),
        "campaign": c.candidate.campaign, "kind": c.candidate.kind, "channel": c.message.channel,
        "to": mask(c.message.to), "segments": c.segments, "reason": c.candidate.reason.render(lang),
        "preview": c.preview, "warning": c.warning,
    } for c in run.messages]


def held_rows(run: DayRun, names: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    return [{
        "key": h.candidate.key, "member_id": h.candidate.member_id, "name": names.get(h.candidate.member_id, ""),
        "campaign": h.candidate.campaign, "kind": h.candidate.kind, "channel": h.channel, "reason": h.reason,
        "held_because": reason_text(h, lang), "why": h.candidate.reason.render(lang),
    } for h in run.held]


def report_json(report: SendReport, lang: str) -> dict[str, Any]:
    return {
        "summary": report.summary(lang),
        "counts": {o.value: n for o, n in report.counts().items()},
        "outcomes": [{"key": o.key, "member_id": o.member_id, "channel": o.channel, "to": mask(o.to),
                      "outcome": o.outcome.value, "provider_id": o.provider_id, "code": o.code, "text": o.text}
                     for o in report.outcomes],
        "reconciled": [{"key": o.key, "outcome": o.outcome.value, "provider_id": o.provider_id}
                       for o in report.reconciled],
        "unknown": [e.key for e in report.needs_attention],
        "stopped": None if report.stopped is None else report.stopped.text,
    }


@dataclass
class TodayResult:
    """A day's plan, and when sending, what happened. ``exit_code`` is what the CLI exits with."""

    day: date
    at: datetime
    send: bool
    run: DayRun
    names: dict[str, str]
    planned: list[dict[str, Any]]
    held: list[dict[str, Any]]
    path: Path
    plan_sheet: str | None = None  # the Today's messages sheet, when written
    report: SendReport | None = None
    settled_first: list[Any] = field(default_factory=list)
    log_sheet: str | None = None
    log_problem: str | None = None
    replies: RepliesRead | None = None  # members' SMS replies read at the start (None: not read)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [{"file": str(e.path or e.template), "line": e.line, "detail": e.detail} for e in self.run.errors]

    @property
    def attention(self) -> bool:
        """Something a person should look at: a failed or doubtful message, a template error, no log."""
        if self.report is None:
            return bool(self.run.errors)
        return (any(o.outcome in ATTENTION for o in self.report.outcomes) or bool(self.report.needs_attention)
                or bool(self.run.errors) or self.log_problem is not None)

    @property
    def exit_code(self) -> int:
        return 1 if self.attention else 0

    def as_json(self, lang: str) -> dict[str, Any]:
        out: dict[str, Any] = {"day": self.day.isoformat(), "at": self.at.isoformat(timespec="minutes"),
                               "send": self.send, "planned": self.planned, "held": self.held, "errors": self.errors,
                               "replies": self.replies.as_json() if self.replies is not None else None}
        if self.report is None:
            out["approval_sheet"] = self.plan_sheet
            return out
        out.update({
            "result": report_json(self.report, lang),
            "settled_first": [{"key": o.key, "outcome": o.outcome.value} for o in self.settled_first],
            "log_sheet": self.log_sheet, "log_problem": self.log_problem,
        })
        return out


def _write_log(config: Config, book: BookAccess, ledger: Ledger, now: datetime, lang: str,
               mf: MemberFile) -> str | None:
    """Write the Message log sheet, 退订记录 Opt-outs received when a provider or a reply reported any, and the
    Replies sheet when SMS is set up; the reason they could not be written, or None."""
    since = now - timedelta(days=config.messaging.log_days)
    tz = config.default_store.timezone
    sheets = [message_log_sheet(ledger.history(since), config.messaging.log_sheet, lang, config.header_style, tz)]
    received = optouts_received.match(ledger.opt_outs(), mf.members, tz)
    if received:
        sheets.append(optouts_received.sheet(received, lang, config.header_style))
    if config.channels.sms is not None:
        sheets.append(replies_sheet_of(config, ledger, mf, lang, now))
    giving = giving_campaigns(config.campaigns)
    try:
        if giving:  # the vouchers the messages gave: a row each, once (see loyalsheet.vouchers_issued)
            issued = vouchers_issued_sheet(book.read_owned_sheet(ISSUED_TITLE),
                                           issued_from_ledger(ledger.given(giving), config.campaigns),
                                           config.header_style, lang)
            sheets += [issued] if issued is not None else []
        book.write_owned_sheets(sheets, config.backups)
    except WorkbookError as exc:
        return t(exc.code, lang, **exc.params)
    return None


def run_today(
    config: Config, book: BookAccess, day: date, lang: str, *,
    at: time | None = None, send: bool = False, write_plan: bool = False, limit: int | None = None,
    campaign: str | None = None, store: str | None = None, progress: Progress | None = None,
    on_plan: Callable[[TodayResult], None] | None = None,
    send_progress: Callable[[int, int], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> TodayResult:
    """Plan ``day``'s messages and, with ``send``, send them, each at most once (the ledger beside the
    workbook). A dry run writes nothing, unless ``write_plan`` or approval (``messaging.approval:
    required``) asks for the Today's messages sheet. ``on_plan`` sees the plan before anything is sent.
    With ``store``, only that store's members' messages (``--at`` read in its time zone)."""
    mf = book.read_member_file(config.region, progress)
    real_now = datetime.now(UTC)
    now = local_now(config, day, at, real_now, store)
    templates = templates_for(config)
    ledger_file = ledger_path_for(book.path)
    ledger = Ledger(ledger_file) if send or ledger_file.exists() else None
    names = {m.member_id: m.name for m in mf.members}
    approval = config.messaging.approval == "required"
    try:
        channels: dict[str, Channel] | None = None
        reconciled: SendReport | None = None
        if send:
            assert ledger is not None
            env = os.environ if environ is None else environ
            base = config.channels.sms.api_base_url if config.channels.sms is not None else TWILIO_API
            channels = {str(k): v for k, v in channels_from_config(config, env, twilio_base_url=base).items()}
            if config.channels.sms is not None and config.channels.sms.provider == "aliyun":
                from .channels.aliyun_sms import AliyunSms

                aliyun = channels["sms"]
                assert isinstance(aliyun, AliyunSms)
                aliyun.verify(config.channels.sms)  # a wrong signature or template stops here, before any message
            # Settle what an interrupted run left in flight before deciding today's plan.
            reconciled = send_all([], ledger, channels, now=lambda: datetime.now(UTC))
            reconciled.raise_if_stopped()
        # Members' replies first: an opt-out sent back since the last run is honoured in today's plan.
        replies: RepliesRead | None = None
        reader: ReplyReader | None = None
        if ledger is not None and config.channels.sms is not None:
            sms = channels.get("sms") if channels is not None else None
            reader = (sms if isinstance(sms, ReplyReader)
                      else reader_from_config(config, os.environ if environ is None else environ))
        if ledger is not None and reader is not None:
            try:
                replies = read_or_stop(config, ledger, mf, reader, real_now, day)
            finally:
                if channels is None:
                    reader.close()
        run = prepare_day(config, mf, day, now, ledger=ledger, templates=templates)
        if campaign is not None or store is not None:
            run = run.only(campaign=campaign, members=store_members(config, mf, store))
        # a chain's stores each approve their own messages
        plan_title = (store_sheet_title(config.messaging.today_sheet, store) if store is not None and config.is_chain
                      else config.messaging.today_sheet)
        sheet_rows = book.read_owned_sheet(plan_title) if approval or write_plan else []
        if send and approval:
            run = run.only(keys=approved_keys(sheet_rows, day))
        result = TodayResult(
            day=day, at=now.astimezone(ZoneInfo(config.store(store).timezone)), send=send, run=run, names=names,
            planned=planned_rows(run, names, lang), held=held_rows(run, names, lang), path=book.path,
            replies=replies,
        )
        if not send:
            if approval or write_plan:
                sheet = today_sheet(run, plan_title, lang, config.header_style, sheet_rows, names)
                extra = [replies_sheet_of(config, ledger, mf, lang, real_now)] \
                    if ledger is not None and config.channels.sms is not None else []
                book.write_owned_sheets([sheet, *extra], config.backups)
                result.plan_sheet = plan_title
            if on_plan is not None:
                on_plan(result)
            return result

        assert ledger is not None and channels is not None
        if on_plan is not None:
            on_plan(result)
        ledger.record_holdouts(run.holdouts, datetime.now(UTC))  # never sent: only remembered, for the report
        try:
            report = send_all(run.outgoing, ledger, channels, now=lambda: datetime.now(UTC), progress=send_progress,
                              limit=limit, workers=config.messaging.sms_workers)
        finally:
            for ch in {id(c): c for c in channels.values()}.values():
                ch.close()
        result.report = report
        result.log_problem = _write_log(config, book, ledger, datetime.now(UTC), lang, mf)
        result.log_sheet = None if result.log_problem else config.messaging.log_sheet
        result.settled_first = [*(reconciled.reconciled if reconciled else ()), *report.reconciled]
        return result
    finally:
        if ledger is not None:
            ledger.close()
