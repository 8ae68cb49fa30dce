"""`loyalsheet init`: a new, empty member file with every sheet, header, drop-down and format."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ..config import starter_config_text
from ..errors import LoyalsheetError
from ..workbook.macro_book import MACRO_TEMPLATE_PATH, write_macro_book
from ..workbook.template import TEMPLATE_PATH, write_book
from .common import App, common_options, out_console


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--macros", is_flag=True,
              help="A .xlsm with a Start sheet of buttons that run loyalsheet from Excel / 带按钮的宏工作簿")
@common_options()
def init(app: App, path: Path, macros: bool) -> None:
    """Write a new, empty member file at PATH (never overwrites).  新建空白会员档案。

    Also writes a config.yaml beside it when the folder has none. A PATH ending in .xlsm (or --macros)
    gets a Start sheet with buttons: Refresh segments, Preview / Send today's messages, Check.
    """
    suffix = path.suffix.lower()
    macros = macros or suffix == ".xlsm"
    if macros and suffix != ".xlsm":
        raise LoyalsheetError("init.macros_suffix", file=str(path))
    if not macros and suffix != ".xlsx":
        raise LoyalsheetError("init.bad_suffix", file=str(path))
    if path.exists():
        raise LoyalsheetError("init.exists", file=str(path))
    if not path.parent.exists():
        raise LoyalsheetError("init.no_folder", folder=str(path.parent))
    config_file = app.config_path if app.config_path.exists() else None
    style = app.config.header_style if config_file else "zh-en"
    language = app.lang
    template = MACRO_TEMPLATE_PATH if macros else TEMPLATE_PATH
    if style == "zh-en" and language == "zh" and template.exists():
        shutil.copyfile(template, path)
    elif macros:
        write_macro_book(path, header_style=style, language=language)
    else:
        write_book(path, header_style=style, language=language)
    console = out_console()
    console.print(app.t("init.done", file=str(path)))
    if macros:
        console.print(app.t("init.macros_done"))
    beside = path.parent / "config.yaml"
    if config_file is None and not beside.exists():
        beside.write_text(starter_config_text(path.name, language, store=app.store_flag), encoding="utf-8")
        console.print(app.t("init.config", file=str(beside)))
    console.print(app.t("init.next"))
