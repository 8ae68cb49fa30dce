"""`loyalsheet refresh`: recompute points, tiers and segments and write the owned sheets back."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import click
from rich.table import Table

from ..refresh import STATUS, sheet_title
from ..usecases.refresh import run_refresh
from .common import App, common_options, err_console, open_book, out_console, print_json, progress_bar


@click.command()
@click.option("--workbook", type=click.Path(path_type=Path), default=None, help="Member file / 会员档案")
@click.option("--dry-run", is_flag=True, help="Show what would change, write nothing / 试运行，不写入")
@click.option("--max", "max_rows", type=click.IntRange(min=1), default=50, show_default=True,
              help="Show at most this many moves / 最多显示的变化数")
@common_options(json_flag=True, day=True)
def refresh(app: App, workbook: Path | None, dry_run: bool, max_rows: int, as_json: bool, day: date | None) -> None:
    """Recompute points, tiers and segments; write Member status, Call list and Dashboard.  刷新分组与看板。

    Only the sheets the tool owns are written (surgically, with a dated backup); everything else in
    the workbook stays byte for byte as it was. Refused while Excel or LibreOffice has the file open.
    """
    config, book = open_book(app, workbook)
    first = not had_sheet(book.path, sheet_title(STATUS))
    with progress_bar(app) as update:
        result = run_refresh(config, book, app.today(day), app.lang, dry_run=dry_run, store=app.store,
                             progress=update)
    if as_json:
        print_json(result.as_json())
        return
    moved, summary, errors, path, plan = result.moves, result.summary(), result.errors, result.path, result.plan
    console = out_console()
    if moved:
        table = Table(title=app.t("refresh.moves", count=len(moved)), title_justify="left")
        for key in ("refresh.col.member", "refresh.col.aspect", "refresh.col.before", "refresh.col.after",
                    "refresh.col.why"):
            table.add_column(app.t(key), overflow="fold")
        for mv in moved[:max_rows]:
            table.add_row(mv["member_id"], mv["aspect"], mv["before"], mv["after"], mv["why"])
        console.print(table)
    else:
        console.print(app.t("refresh.first" if first else "refresh.no_moves"))
    console.print(app.t("refresh.summary", **summary))
    if result.replies is not None and result.replies.new:
        console.print(app.t("replies.read", sheet=config.messaging.replies_sheet, **result.replies.as_json()))
    if errors:
        err_console().print(app.t("refresh.errors", errors=errors))
    if not result.written:
        console.print(app.t("refresh.dry_run", file=path.name))
    else:
        console.print(app.t("refresh.written", sheets=", ".join(s.title for s in plan.sheets), file=path.name,
                            backup=str(result.backup) if result.backup else "-"))


def had_sheet(path: Path, title: str) -> bool:
    """Whether the book already holds a sheet named ``title`` (read from its workbook part only)."""
    try:
        with zipfile.ZipFile(path) as zf:
            text = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return True  # unknown: say what a later refresh says
    return f'name="{escape(title, {chr(34): "&quot;"})}"' in text
