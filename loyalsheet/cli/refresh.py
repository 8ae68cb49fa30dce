"""`loyalsheet refresh`: recompute points, tiers and segments and write the owned sheets back."""

from __future__ import annotations

import gc
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from rich.table import Table

from ..config import Config
from ..errors import WorkbookError
from ..ledger import Ledger, State, ledger_path_for
from ..model import MemberFile
from ..refresh import CALL_LOG, CALLS, STATUS, build_refresh, describe_move, sheet_title
from ..report import counts
from ..rules import evaluate
from ..segments import SegmentResult, segment
from ..validation import Context, validate
from ..workbook.reader import read_member_file
from ..workbook.writer import fingerprint, read_owned_sheet, write_owned_sheets
from .common import App, common_options, err_console, out_console, print_json, progress_bar


def messages_sent(workbook: Path, today: date) -> Counter[str]:
    """Messages sent in the last 30 days, by campaign, from the send ledger beside the workbook."""
    path = ledger_path_for(workbook)
    if not path.exists():
        return Counter()
    ledger = Ledger(path)
    try:
        since = datetime.combine(today - timedelta(days=30), datetime.min.time())
        return Counter(e.campaign for e in ledger.history(since) if e.state is State.SENT)
    finally:
        ledger.close()


def _segment_without_gc(mf: MemberFile, config: Config, today: date) -> SegmentResult:
    """The segments pass with the cyclic garbage collector paused: it builds a million small objects and
    no cycles, and the collector's repeated scans of them would cost about a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return segment(mf.members, mf.txns, config.segments, today)
    finally:
        if enabled:
            gc.enable()


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
    config = app.config_or_default(workbook)
    path = workbook.resolve() if workbook is not None else config.workbook_path
    expected = fingerprint(path) if path.is_file() else None
    with progress_bar(app) as update:
        mf = read_member_file(path, region=config.region, progress=update)
    today = app.today(day)
    errors, _ = counts(validate(mf, Context(today=today, stores=config.store_names)))
    ev = evaluate(mf, config, today)
    seg = _segment_without_gc(mf, config, today)
    plan = build_refresh(
        mf, ev, seg, config, lang=app.lang,
        previous_status=read_owned_sheet(path, sheet_title(STATUS)),
        previous_calls=read_owned_sheet(path, sheet_title(CALLS)),
        previous_log=read_owned_sheet(path, sheet_title(CALL_LOG)),
        sent=messages_sent(path, today),
    )
    written = None
    if not dry_run:
        if expected is None:  # read_member_file has already refused a missing file; kept for the type checker
            raise WorkbookError("workbook_missing", file=str(path))
        written = write_owned_sheets(path, plan.sheets, expected=expected, backups=config.backups)
    summary = {"members": len(mf.members), "calls": plan.calls, "collected": len(plan.collected),
               "day": today.isoformat()}
    moved = [describe_move(m, app.lang) for m in plan.moves]
    if as_json:
        print_json({
            **summary, "file": str(path), "dry_run": dry_run, "errors": errors, "moves": moved,
            "sheets": [s.title for s in plan.sheets], "counts": {k: dict(v) for k, v in plan.counts.items()},
            "backup": str(written.backup) if written and written.backup else None,
        })
        return
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
        console.print(app.t("refresh.no_moves"))
    console.print(app.t("refresh.summary", **summary))
    if errors:
        err_console().print(app.t("refresh.errors", errors=errors))
    if written is None:
        console.print(app.t("refresh.dry_run", file=path.name))
    else:
        console.print(app.t("refresh.written", sheets=", ".join(s.title for s in plan.sheets), file=path.name,
                            backup=str(written.backup) if written.backup else "-"))
