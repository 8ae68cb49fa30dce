"""`loyalsheet init`: a new, empty member file with every sheet, header, drop-down and format, and its config.yaml."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import click

from ..config import starter_config_text
from ..errors import LoyalsheetError
from ..i18n import t
from ..presets import PRESETS, copy_templates, event_rows, load_preset, preset_config_text
from ..workbook.macro_book import MACRO_TEMPLATE_PATH, write_macro_book
from ..workbook.template import TEMPLATE_PATH, write_book
from .common import out_console
from .start import next_steps, system_lang


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--preset", type=click.Choice(PRESETS), default=None,
              help="Settings, events and message wording of a trade: dental 口腔诊所, beauty 美容院/化妆品店, "
                   "tcm 中医馆/养生馆, retail 零售门店 (default: the general settings) / 行业预设")
@click.option("--store", "stores", multiple=True, metavar="NAME",
              help="The store's name as staff will type it in the Store column; repeat for a chain / 门店名称，连锁店可写多次")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of loyalsheet's text, the headers' first language and the drop-downs "
                   "(default: the computer's language) / 语言")
@click.option("--headers", "header_style", type=click.Choice(["zh-en", "en-zh", "zh", "en"]), default=None,
              help="Header cells: zh-en is 会员编号 over Member ID (default: zh-en for zh, en-zh for en) / 表头样式")
@click.option("--macros", is_flag=True,
              help="A .xlsm with a Start sheet of buttons that run loyalsheet from Excel / 带按钮的宏工作簿")
def init(path: Path, preset: str | None, stores: tuple[str, ...], lang: str | None, header_style: str | None,
         macros: bool) -> None:
    """Write a new, empty member file at PATH and a config.yaml beside it (never overwrites).  新建会员档案和配置。

    \b
    loyalsheet init myshop/members.xlsx --preset dental --store 微笑口腔
    A PATH ending in .xlsm (or --macros) gets a Start sheet with buttons: Refresh segments,
    Preview / Send today's messages, Check.
    """
    lang = lang or system_lang()
    style = header_style or ("zh-en" if lang == "zh" else "en-zh")
    suffix = path.suffix.lower()
    macros = macros or suffix == ".xlsm"
    if macros and suffix != ".xlsm":
        raise LoyalsheetError("init.macros_suffix", file=str(path))
    if not macros and suffix != ".xlsx":
        raise LoyalsheetError("init.bad_suffix", file=str(path))
    if path.exists():
        raise LoyalsheetError("init.exists", file=str(path))
    if path.parent.exists() and not path.parent.is_dir():
        raise LoyalsheetError("init.no_folder", folder=str(path.parent))
    config_file = path.parent / "config.yaml"
    if config_file.exists():
        raise LoyalsheetError("start.config_exists", file=str(config_file))
    store_names = tuple(dict.fromkeys(s.strip() for s in stores if s.strip())) or (
        ("本店",) if lang == "zh" else ("Main store",))
    chosen = load_preset(preset) if preset else None
    rows = {"events": event_rows(chosen, date.today(), lang)} if chosen and chosen.events else None
    path.parent.mkdir(parents=True, exist_ok=True)  # a new shop's own folder
    template = MACRO_TEMPLATE_PATH if macros else TEMPLATE_PATH
    if rows is None and style == "zh-en" and lang == "zh" and template.exists():
        shutil.copyfile(template, path)
    elif macros:
        write_macro_book(path, rows, header_style=style, language=lang)
    else:
        write_book(path, rows, header_style=style, language=lang, shared_strings=False)
    text = starter_config_text(path.name, lang, stores=store_names, header_style=style)
    if chosen is not None:
        text += preset_config_text(chosen, store_names, sample_sender=not stores)
    config_file.write_text(text, encoding="utf-8")
    console = out_console()
    console.print(t("init.done", lang, file=str(path)), markup=False)
    if macros:
        console.print(t("init.macros_done", lang), markup=False)
    console.print(t("init.config", lang, file=str(config_file)), markup=False)
    if chosen is not None:
        console.print(t("start.preset", lang, title=chosen.title[lang]), markup=False)
        if rows:
            console.print(t("start.events", lang, count=len(rows["events"])), markup=False)
        folder = copy_templates(chosen, path.parent)
        if folder is not None:
            console.print(t("start.templates", lang, folder=str(folder)), markup=False)
    console.print(next_steps(lang, path, config_file), markup=False)
