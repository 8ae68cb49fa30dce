"""`loyalsheet init`: a new, empty member file with every sheet, header, drop-down and format."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from ..config import starter_config_text
from ..errors import LoyalsheetError
from ..workbook.template import TEMPLATE_PATH, write_book
from .common import App, common_options, out_console


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@common_options()
def init(app: App, path: Path) -> None:
    """Write a new, empty member file at PATH (never overwrites).  新建空白会员档案。

    Also writes a config.yaml beside it when the folder has none.
    """
    if path.suffix.lower() != ".xlsx":
        raise LoyalsheetError("init.bad_suffix", file=str(path))
    if path.exists():
        raise LoyalsheetError("init.exists", file=str(path))
    if not path.parent.exists():
        raise LoyalsheetError("init.no_folder", folder=str(path.parent))
    config_file = app.config_path if app.config_path.exists() else None
    style = app.config.header_style if config_file else "zh-en"
    language = app.lang
    if style == "zh-en" and language == "zh" and TEMPLATE_PATH.exists():
        shutil.copyfile(TEMPLATE_PATH, path)
    else:
        write_book(path, header_style=style, language=language)
    console = out_console()
    console.print(app.t("init.done", file=str(path)))
    beside = path.parent / "config.yaml"
    if config_file is None and not beside.exists():
        beside.write_text(starter_config_text(path.name, language, store=app.store_flag), encoding="utf-8")
        console.print(app.t("init.config", file=str(beside)))
    console.print(app.t("init.next"))
