"""`loyalsheet check`: every problem in the member file at once, located at its cell."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from ..usecases.check import run_check
from .common import App, common_options, open_book, out_console, print_json, progress_bar, styled


@click.command()
@click.option("--workbook", type=click.Path(path_type=Path), default=None,
              help="Member file to check (default: the one in config.yaml) / 要检查的会员档案")
@click.option("--max", "max_rows", type=click.IntRange(min=1), default=200, show_default=True,
              help="Show at most this many problems in the table / 表格最多显示的问题数")
@common_options(json_flag=True, day=True)
def check(app: App, workbook: Path | None, max_rows: int, as_json: bool, day: date | None) -> None:
    """Check the member file and list every problem with its cell.  检查会员档案。

    Exit code 0: no errors (warnings allowed); 1: errors found; 2: the file could not be read.
    """
    config, book = open_book(app, workbook)
    with progress_bar(app) as update:
        result = run_check(config, book, app.today(day), app.lang, store=app.store, progress=update)
    located, errors, file_name, summary = result.problems, result.errors, result.file, result.summary()
    if as_json:
        print_json(result.as_json())
    else:
        console = out_console()
        if located:
            table = Table(title=app.t("check.title", file=file_name), show_lines=False, title_justify="left")
            for key in ("col.file", "col.severity", "col.cell", "col.header", "col.value", "col.problem", "col.hint"):
                table.add_column(app.t(key), overflow="fold")
            for p in located[:max_rows]:
                style = "red" if p.severity == "error" else "yellow"
                table.add_row(p.file, styled((app.t("severity." + p.severity), style)), p.cell, p.header, p.value,
                              p.message, p.hint)
            console.print(table)
            if len(located) > max_rows:
                console.print(app.t("check.more", more=len(located) - max_rows, total=len(located)))
            console.print(app.t("check.summary", **summary))
        else:
            console.print(app.t("check.clean", **summary))
    sys.exit(1 if errors else 0)
