"""`loyalsheet report`: does the program work? Messages against their holdout, calls, events, health."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from ..effect.present import (
    EVENT_COLUMNS,
    HEALTH_COLUMNS,
    call_header,
    call_rows,
    compact_header,
    compact_rows,
    event_rows,
    health_rows,
    paragraph,
)
from ..i18n import t
from ..messaging.render import money
from ..usecases.report import run_report
from ..workbook.writer import CellValue
from .common import App, _parse_day, common_options, open_book, out_console, print_json, progress_bar


def _cell(value: CellValue, currency: str, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):  # money
        return money(value, currency, lang)
    return escape(str(value))


def _table(title: str, header: list[str], rows: list[list[CellValue]], currency: str, lang: str) -> Table:
    table = Table(title=escape(title), title_justify="left")
    for h in header:
        table.add_column(escape(h), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v, currency, lang) for v in row))
    return table


@click.command()
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@click.option("--since", callback=_parse_day, default=None, metavar="YYYY-MM-DD",
              help="Measure messages, calls and months from this day (default: report.months in config) / 起始日期")
@common_options(json_flag=True, day=True)
def report(app: App, workbook: Path | None, since: date | None, as_json: bool, day: date | None) -> None:
    """Does the program work? Each campaign against its holdout group, calls, events, health.  效果报告。

    For every campaign and month: messages sent and held out (对照组), the share who came back within
    14 and 30 days and their spend, the difference with its 95% range, and whether it is clear. Then
    calls by outcome, each event's funnel and the program's health month by month. Reads only.
    """
    config, book = open_book(app, workbook)
    lang = app.lang
    today = app.today(day)
    if since is not None and since > today:
        raise click.BadParameter(t("report.since_after", lang, since=since.isoformat(), today=today.isoformat()),
                                 param_hint="--since")
    with progress_bar(app) as update:
        result = run_report(config, book, today, since=since, progress=update, store=app.store)
    if as_json:
        print_json(result.as_json(lang))
        return
    r, currency = result.report, result.currency
    console = out_console()
    console.print(f"[bold]{escape(t('report.title', lang, since=r.since.isoformat(), today=r.today.isoformat()))}[/]")
    if not result.has_ledger:
        console.print(escape(t("report.ledger_none", lang, file=result.path.name)))
    for sentence in paragraph(r, lang, currency):
        console.print(escape(sentence))
    console.print(escape(t("report.how", lang)), style="dim")
    console.print(_table(t("report.campaigns", lang) + " " + t("report.col.compact", lang), compact_header(r, lang),
                         compact_rows(r, lang), currency, lang))
    if r.calls:
        console.print(_table(t("report.calls", lang), call_header(r, lang), call_rows(r, lang), currency, lang))
    if r.events:
        console.print(_table(t("report.events", lang), [t(f"report.col.{k}", lang) for k in EVENT_COLUMNS],
                             event_rows(r), currency, lang))
    console.print(_table(t("report.health", lang), [t(f"report.col.{k}", lang) for k in HEALTH_COLUMNS],
                         health_rows(r, lang), currency, lang))
