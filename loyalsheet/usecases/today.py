"""`loyalsheet today`: plan, render and (with ``--send``) send the day's messages, and write its sheets."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .. import optouts_received
from ..config import Config
from ..errors import WorkbookError
from ..i18n import t
from ..messaging.channels import TWILIO_API, Channel, channels_from_config
from ..messaging.daily import (
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
from ..messaging.ledger import Ledger, ledger_path_for
from ..messaging.sender import Outcome, SendReport, send_all
from ..model import MemberFile
from ..reply_run import RepliesRead, ReplyReader, read_or_stop, reader_from_config, replies_sheet_of
from ..vouchers_issued import TITLE as ISSUED_TITLE
from ..vouchers_issued import giving_campaigns, issued_from_ledger, vouchers_issued_sheet
from ..workbook.access import BookAccess
from ..workbook.chain import store_sheet_title
from ..workbook.reader import Progress
from .check import store_members

ATTENTION = frozenset({Outcome.FAILED, Outcome.OPTED_OUT, Outcome.UNKNOWN, Outcome.RETRY_LATER})


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
                from ..messaging.channels.aliyun_sms import AliyunSms

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
