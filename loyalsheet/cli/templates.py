"""`loyalsheet templates check`: render every message template against demo members."""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import click

from ..messaging.daily import templates_for
from ..messaging.render import Templates
from ..messaging.template_check import check_templates
from ..rules import evaluate
from ..segments import segment
from ..workbook.reader import read_member_file
from .common import App, common_options, err_console, out_console, print_json, styled


@click.command()
@click.argument("action", type=click.Choice(["check"]), metavar="check")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="Check this folder of templates only (default: messaging.templates, then the built-in ones) "
                   "/ 只检查此文件夹")
@click.option("--members", type=click.IntRange(min=10, max=5000), default=120, show_default=True,
              help="Demo members to render against / 用于试渲染的演示会员数")
@common_options(json_flag=True, day=True)
def templates(app: App, action: str, directory: Path | None, members: int, as_json: bool, day: date | None) -> None:
    """Check the message templates: `loyalsheet templates check`.  检查消息模板。

    Renders every template (message_templates/<campaign>.<sms|email>.<zh|en>.j2) against the members of a
    demo store, as the daily job would, and reports each error with the template's file and line.
    Warns about SMS longer than messaging.sms_segment_limit segments. Exit code 1 when a template has an error.
    """
    from ..demo import write_demo

    config = app.config_or_default(Path.cwd() / "members.xlsx")
    today = app.today(day)
    tpl = Templates([directory.resolve()]) if directory is not None else templates_for(config)
    with tempfile.TemporaryDirectory(prefix="loyalsheet-templates-") as tmp:
        # the members of a demo store named as --store (or the first store), so its signature, phone and
        # opening hours are what the templates show
        write_demo(Path(tmp), members=members, today=today, stores=(app.store or config.default_store.name,))
        mf = read_member_file(Path(tmp) / "members.xlsx", region="CN")
    ev = evaluate(mf, config, today)
    seg = segment(mf.members, mf.txns, config.segments, today,
                  include_gift_card=config.tiers.spend.include_gift_card)
    result = check_templates(tpl, config, mf, ev, seg, today)
    dirs = ", ".join(str(d) for d in tpl.directories)
    if as_json:
        print_json({"directories": [str(d) for d in tpl.directories], "templates": result.templates,
                    "renders": result.renders, "members": result.members,
                    "errors": [{"code": f.code, **f.params} for f in result.errors],
                    "warnings": [{"code": f.code, **f.params} for f in result.warnings]})
    else:
        console, err = out_console(), err_console()
        for f in result.errors:
            err.print(styled((app.t("severity.error"), "red"), " ", app.t(f.code, **f.params)))
        for f in result.warnings:
            err.print(styled((app.t("severity.warning"), "yellow"), " ", app.t(f.code, **f.params)))
        console.print(app.t("templates.checked", templates=result.templates, dirs=dirs, renders=result.renders,
                            members=result.members))
        console.print(app.t("templates.failed", count=len(result.errors)) if result.errors else app.t("templates.ok"))
    sys.exit(1 if result.errors else 0)
