"""`loyalsheet today` (the daily job: dry run, or --send) and `loyalsheet log` (what was sent)."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from ..campaigns import CAMPAIGN_NAMES
from ..campaigns.settings import parse_hhmm
from ..config import Config
from ..errors import LoyalsheetError
from ..i18n import label, t
from ..messaging.daily import DayRun, mask, state_text
from ..messaging.ledger import Entry, Ledger, State, ledger_path_for
from ..messaging.sender import SendReport
from ..usecases.today import ATTENTION, TodayResult, run_today
from .common import (
    App,
    collect_cycles,
    common_options,
    err_console,
    load_member_file,
    open_book,
    out_console,
    print_json,
    progress_bar,
)
from .start import command_name, config_option


def _at(ctx: click.Context, param: click.Parameter, value: str | None) -> time | None:
    if value is None:
        return None
    try:
        return parse_hhmm(value)
    except ValueError:
        raise click.BadParameter(t("today.bad_time", ctx.params.get("lang") or "en", value=value)) from None


def _campaign(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value in CAMPAIGN_NAMES:
        return value
    raise click.BadParameter(t("today.bad_campaign", ctx.params.get("lang") or "en", value=value,
                               names=", ".join(CAMPAIGN_NAMES)))


def campaign_label(app: App, name: str) -> str:
    """A campaign as a manager reads it: 生日祝福, not birthday."""
    return label("campaign", name, app.lang)


def channel_label(app: App, channel: str | None) -> str:
    return label("channel", channel, app.lang)


def send_command(app: App) -> str:
    """`loyalsheet today --send` as it works when typed here."""
    return f"{command_name()} today --send{config_option(app.config_path)}"


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_plan(app: App, run: DayRun, planned: list[dict[str, Any]], held: list[dict[str, Any]], max_rows: int) -> None:
    console = out_console()
    day = run.today.isoformat()
    if planned:
        table = Table(title=app.t("today.planned_title", day=day, count=len(planned)), title_justify="left")
        for key in ("today.col.member", "today.col.campaign", "today.col.channel", "today.col.to",
                    "today.col.segments", "today.col.reason", "today.col.preview"):
            table.add_column(app.t(key), overflow="fold")
        for row in planned[:max_rows]:
            table.add_row(f"{row['member_id']} {row['name']}", campaign_label(app, row["campaign"]),
                          channel_label(app, row["channel"]), row["to"],
                          str(row["segments"] or ""), row["reason"], _short(row["preview"]))
        console.print(table)
        if len(planned) > max_rows:
            console.print(app.t("today.more", more=len(planned) - max_rows, total=len(planned)))
    else:
        console.print(app.t("today.nothing_now" if held else "today.nothing", day=day))
    if held:
        table = Table(title=app.t("today.held_title", count=len(held)), title_justify="left")
        for key in ("today.col.member", "today.col.campaign", "today.col.channel", "today.col.held"):
            table.add_column(app.t(key), overflow="fold")
        for row in held[:max_rows]:  # one column of reasons: why it is held, then what it is about
            table.add_row(f"{row['member_id']} {row['name']}", campaign_label(app, row["campaign"]),
                          channel_label(app, row["channel"]), f"{row['held_because']}\n{row['why']}")
        console.print(table)
        if len(held) > max_rows:
            console.print(app.t("today.more", more=len(held) - max_rows, total=len(held)))
        counts = Counter(h.reason for h in run.held)
        console.print(app.t("today.held_counts", counts=", ".join(
            f"{app.t('camp.held.' + code)} {n}" for code, n in counts.most_common())))
        quiet = counts.get("quiet_hours", 0)
        if quiet:
            console.print(app.t("today.quiet_waiting", count=quiet, send=send_command(app),
                                end=app.config.quiet_hours_of(app.store).end), markup=False)
    long_sms = [c for c in run.messages if c.warning]
    if long_sms:
        worst = max(long_sms, key=lambda c: c.segments or 0)
        err_console().print(app.t("today.sms_long", count=len(long_sms), limit=app.config.messaging.sms_segment_limit,
                                  key=f"{worst.message.member_id} {campaign_label(app, worst.candidate.campaign)}",
                                  segments=worst.segments))
    for e in run.errors:
        err_console().print(app.t("today.template_error", where=f"{e.path or e.template}:{e.line or '?'}",
                                  detail=e.detail), markup=False)


@click.command()
@click.option("--send", "do_send", is_flag=True, help="Send (default: dry run, nothing leaves) / 真正发送")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Send at most N messages / 最多发送条数")
@click.option("--campaign", callback=_campaign, default=None, metavar="NAME",
              help=f"Only this campaign: {', '.join(CAMPAIGN_NAMES)} / 只处理某一类消息")
@click.option("--at", "at", callback=_at, default=None, metavar="HH:MM",
              help="Time of day for quiet hours, in the first store's time zone (default: now) / 按此时间判断免打扰")
@click.option("--write-plan", is_flag=True,
              help="Dry run that also writes the plan to the Today's messages sheet / 试运行并把计划写入工作簿")
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@click.option("--max", "max_rows", type=click.IntRange(min=1), default=50, show_default=True,
              help="Show at most this many rows per table / 每个表格最多显示行数")
@common_options(json_flag=True, day=True)
def today(app: App, do_send: bool, limit: int | None, campaign: str | None, at: time | None, write_plan: bool,
          workbook: Path | None, max_rows: int, as_json: bool, day: date | None) -> None:
    """Today's messages: who gets what, and why others are held. --send sends them.  今日消息。

    A dry run by default: it lists every message it would send (member, campaign, channel, SMS
    segments, why, preview) and every message held back with the reason (no consent, opted out,
    quiet hours, one a day, weekly cap, same number as family, no valid number, already sent).
    With `messaging.approval: required` it also writes them to the workbook for a manager to approve,
    and --send sends only approved rows. Every message goes at most once, even after a crash.

    Exit code 0: done; 1: some messages failed, are in doubt, or a template has an error; 2: could not run.
    """
    config, book = open_book(app, workbook)
    if write_plan and do_send:
        raise click.UsageError(app.t("today.write_plan_send"))

    def show_plan(result: TodayResult) -> None:
        if result.send:  # sending is a long loop
            collect_cycles()
        if not as_json:
            with bar.paused():
                _plan_text(result)

    def _plan_text(result: TodayResult) -> None:
        if result.replies is not None and result.replies.new:
            out_console().print(app.t("replies.read", sheet=config.messaging.replies_sheet, **result.replies.as_json()))
        _print_plan(app, result.run, result.planned, result.held, max_rows)
        if not result.send:
            if result.plan_sheet:
                key = "today.approval_written" if config.messaging.approval == "required" else "today.plan_written"
                out_console().print(app.t(key, sheet=result.plan_sheet, file=book.path.name))
            elif result.run.messages:
                out_console().print(app.t("today.dry_run", count=len(result.run.messages), send=send_command(app)),
                                    markup=False)
        elif config.messaging.approval == "required" and not result.run.messages:
            out_console().print(app.t("today.approval_none", day=result.day.isoformat(),
                                      sheet=config.messaging.today_sheet))

    with progress_bar(app) as bar:
        result = run_today(config, book, app.today(day), app.lang, at=at, send=do_send, write_plan=write_plan,
                           limit=limit, campaign=campaign, store=app.store, progress=bar, on_plan=show_plan, send_progress=bar.sending)
    if as_json:
        print_json(result.as_json(app.lang))
    elif result.report is not None:
        _print_outcomes(app, result.report, result.settled_first, result.log_problem, config, book.path)
    if result.report is not None:
        result.report.raise_if_stopped()
    sys.exit(result.exit_code)


def _print_outcomes(app: App, report: SendReport, settled: list[Any], log_problem: str | None, config: Config,
                    path: Path) -> None:
    console = out_console()
    if settled:
        console.print(app.t("today.reconciled", count=len(settled)))
    problems = [o for o in report.outcomes if o.outcome in ATTENTION]
    if problems:
        table = Table(title=app.t("today.col.outcome"), title_justify="left")
        for key in ("log.col.key", "today.col.channel", "today.col.to", "today.col.outcome", "log.col.error"):
            table.add_column(app.t(key), overflow="fold")
        for o in problems:
            table.add_row(o.key, o.channel, mask(o.to), app.t(f"send.outcome.{o.outcome.value}"),
                          f"{o.code or ''} {o.text or ''}".strip())
        console.print(table)
    for e in report.needs_attention:
        err_console().print(app.t("send.unknown_row", key=e.key, to=mask(e.to), channel=e.channel), markup=False)
    console.print(report.summary(app.lang))
    if log_problem:
        err_console().print(app.t("today.log_not_written", detail=log_problem), markup=False)
    else:
        console.print(app.t("today.log_written", sheet=config.messaging.log_sheet, file=path.name))


def _log_row(e: Entry, lang: str, zone: ZoneInfo) -> dict[str, Any]:
    when = e.finished_at if e.finished_at is not None else (e.attempt_at or e.sending_at)
    return {
        "day": e.planned_for.isoformat(), "key": e.key, "member_id": e.member_id, "campaign": e.campaign,
        "channel": e.channel, "to": mask(e.to), "state": e.state.value, "state_text": state_text(e, lang),
        "sent_at": when.astimezone(zone).isoformat(timespec="seconds") if when is not None else None,
        "provider_id": e.provider_id, "error": f"{e.error_code}: {e.error_text}" if e.error_code else None,
    }


@click.command()
@click.option("--since", callback=lambda ctx, p, v: _since(ctx, v), default=None, metavar="YYYY-MM-DD",
              help="Only messages planned on or after this day / 起始日期")
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@click.option("--max", "max_rows", type=click.IntRange(min=1), default=200, show_default=True,
              help="Show at most this many rows / 最多显示行数")
@click.option("--resolve", "resolve", nargs=2, metavar="KEY sent|not-sent", default=None,
              help="Settle a message left 'unknown' after checking with the member: it arrived (sent), or it did "
                   "not (not-sent: it goes again on the next run within its window) / 人工核对 unknown 消息")
@common_options(json_flag=True)
def log(app: App, since: date | None, workbook: Path | None, max_rows: int, resolve: tuple[str, str] | None,
        as_json: bool) -> None:
    """Print the message log from the send ledger: what was sent, when, how, and any error.  发送记录。

    A message the tool cannot know about (an e-mail cut off mid-send) stays 'unknown' and is never
    resent by itself: check with the member, then settle it with --resolve KEY sent|not-sent.
    """
    config = app.config_or_default(workbook)
    path = workbook.resolve() if workbook is not None else config.workbook_path
    ledger_file = ledger_path_for(path)
    zone = ZoneInfo(config.store(app.store).timezone)
    entries: list[Entry] = []
    if resolve is not None:
        _resolve(app, ledger_file, *resolve)
    if ledger_file.exists():
        ledger = Ledger(ledger_file)
        try:
            start = datetime.combine(since, time(0), tzinfo=zone) if since is not None else None
            entries = ledger.history(start)
        finally:
            ledger.close()
    if app.store is not None:  # the store's own members' messages
        _, mf = load_member_file(app, workbook)
        mine = app.members_of_store(mf) or frozenset()
        entries = [e for e in entries if e.member_id in mine]
    rows = [_log_row(e, app.lang, zone) for e in reversed(entries)]
    if as_json:
        print_json({"ledger": str(ledger_file), "count": len(rows), "messages": rows})
        return
    console = out_console()
    if not rows:
        console.print(app.t("log.empty", file=ledger_file.name))
        return
    table = Table(title=app.t("log.title", count=len(rows)), title_justify="left")
    for key in ("log.col.day", "log.col.key", "today.col.channel", "today.col.to", "log.col.state",
                "log.col.sent_at", "log.col.provider_id", "log.col.error"):
        table.add_column(app.t(key), overflow="fold")
    for r in rows[:max_rows]:
        table.add_row(r["day"], r["key"], r["channel"], r["to"], r["state_text"], (r["sent_at"] or "")[:16].replace("T", " "),
                      r["provider_id"] or "", r["error"] or "")
    console.print(table)
    if len(rows) > max_rows:
        console.print(app.t("today.more", more=len(rows) - max_rows, total=len(rows)))


def _resolve(app: App, ledger_file: Path, key: str, outcome: str) -> None:
    """A person's answer for an ``unknown`` message: it arrived, or it did not (then it may go again)."""
    if outcome not in ("sent", "not-sent"):
        raise LoyalsheetError("log.resolve_outcome", outcome=outcome)
    if not ledger_file.exists():
        raise LoyalsheetError("log.resolve_missing", key=key)
    ledger = Ledger(ledger_file)
    try:
        entry = ledger.entry(key)
        if entry is None:
            raise LoyalsheetError("log.resolve_missing", key=key)
        if entry.state is not State.UNKNOWN:
            raise LoyalsheetError("log.resolve_state", key=key, state=entry.state.value)
        now = datetime.now(UTC)
        if outcome == "sent":
            ledger.mark_sent(key, entry.provider_id or "confirmed-by-hand", now)
        else:
            ledger.mark_planned(key, now, code="resolved", text="checked by hand: not received")
    finally:
        ledger.close()
    out_console().print(app.t("log.resolved", key=key, outcome=outcome))


def _since(ctx: click.Context, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(t("log.bad_since", ctx.params.get("lang") or "en", value=value)) from None


__all__ = ["log", "today"]
