"""`loyalsheet events`: each event's funnel, invited -> confirmed -> came -> bought, with amounts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..events import event_funnels
from ..usecases.refresh import event_invitations
from .common import App, common_options, open_book, out_console, print_json, progress_bar
from .member import call_notes_of


@click.command()
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@common_options(json_flag=True, day=True)
def events(app: App, workbook: Path | None, as_json: bool, day: date | None) -> None:
    """Each event's funnel: invited (SMS/e-mail/call) -> confirmed -> came -> bought.  活动漏斗。

    Invited: invitations sent (send ledger) and calls about the event that reached the member (Call
    log). Confirmed: the call outcome 确认出席 / Confirmed. Came: a row on the 活动签到 Event attendance
    sheet with 到场 = yes, or any transaction on the event day. Bought: spend that day.
    Exit code 0; 2: could not run.
    """
    config, book = open_book(app, workbook)
    with progress_bar(app) as update:
        mf = book.read_member_file(config.region, update)
    today = app.today(day)
    funnels = event_funnels(mf, call_notes_of(config, mf, book), event_invitations(book.path), today)
    if as_json:
        print_json({"day": today.isoformat(), "events": [f.as_dict() for f in funnels]})
        return
    console = out_console()
    if not funnels:
        console.print(app.t("events.none"))
        return
    table = Table(title=app.t("events.title", day=today.isoformat()), title_justify="left")
    for key in ("event", "day", "invited", "confirmed", "came", "bought", "amount"):
        table.add_column(app.t(f"events.col.{key}"), overflow="fold",
                         justify="left" if key in ("event", "day") else "right")
    for f in funnels:
        table.add_row(escape(f"{f.event_id} {f.title}"), f.day.isoformat(),
                      f"{f.invited} ({f.invited_sms}/{f.invited_email}/{f.invited_call})", str(f.confirmed),
                      str(f.came), str(f.bought), f"{f.amount:,}")
    console.print(table)
