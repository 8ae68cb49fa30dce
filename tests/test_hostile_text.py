"""Member names, notes and store names are data: every command that shows them prints them as typed.

A name such as ``Anna [/i]`` once crashed ``today`` (rich read it as markup) and ``[link=...]`` made a link
in the manager's terminal. Here every member of a demo store has a hostile name (markup, escape
sequences, formula prefixes, direction marks) and every command that prints names runs on it: no
traceback, the text shown literally, no escape character reaching the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loyalsheet import excel
from loyalsheet.demo import config_text, generate
from loyalsheet.workbook.macro_book import write_macro_book
from tests.helpers import Result, libreoffice_csv
from tests.hostile import HOSTILE_NAMES, hostile_store
from tests.test_excel_live import OpenpyxlBook, values_live

DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_store(tmp_path_factory.mktemp("hostile") / "shop", DAY)


def run(cli: Callable[..., Result], shop: Path, *args: str) -> Result:
    result = cli(*args, "--lang", "en", cwd=shop)
    for stream in (result.out, result.err):
        assert "\x1b" not in stream and "\u202e" not in stream, stream  # nothing a terminal would act on
    return result


def test_every_command_that_prints_names_shows_them_as_typed(cli: Callable[..., Result], shop: Path) -> None:
    checked = run(cli, shop, "check", "--date", DAY.isoformat())
    assert checked.code == 0, checked.err + checked.out

    card = run(cli, shop, "member", "M00003", "--date", DAY.isoformat())
    assert card.code == 0, card.err
    assert "[link=http://evil.example]click[/link]" in card.out and "旗舰店 [/i]" in card.out
    card = run(cli, shop, "member", "M00004", "--date", DAY.isoformat())
    assert "Bob \\x1b[31mred\\x1b]8;;http://evil.example\\x1b\\" in card.out  # the escape made visible
    several = run(cli, shop, "member", "[/i]", "--date", DAY.isoformat())
    assert several.code == 1 and several.out.count("Anna [/i]") >= 2, several.err
    none = run(cli, shop, "member", "[bold]nobody[/bold]", "--date", DAY.isoformat())
    assert none.code == 1 and "[bold]nobody[/bold]" in none.out

    birthdays = run(cli, shop, "birthdays", "--month", "2026-11")
    assert birthdays.code == 0, birthdays.err
    assert r"\u202eRTL override 王" in birthdays.out

    planned = run(cli, shop, "today", "--date", DAY.isoformat(), "--at", "10:00")
    assert planned.code == 0, planned.err
    for name in ("Anna [/i]", "[bold red]X[/bold red]", "@SUM(1+1)", "+86 138 :smile:"):
        assert name in planned.out, name

    sent = run(cli, shop, "today", "--date", DAY.isoformat(), "--at", "10:00", "--send")
    assert sent.code == 0, sent.err
    outbox = [p.read_text(encoding="utf-8") for p in (shop / "outbox").rglob("*") if p.is_file()]
    assert any("Anna [/i]" in text for text in outbox)
    logged = run(cli, shop, "log")
    assert logged.code == 0, logged.err

    refreshed = run(cli, shop, "refresh", "--date", DAY.isoformat())
    assert refreshed.code == 0, refreshed.err
    book = load_workbook(shop / "members.xlsx", read_only=True)
    status = next(ws for ws in book.worksheets if "Member status" in ws.title)
    names = {str(v) for row in status.iter_rows(values_only=True) for v in row if isinstance(v, str)}
    assert {"Anna [/i]", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"} <= names  # text, never a formula
    sheets = libreoffice_csv(shop / "members.xlsx", shop / "csv")
    assert any("Anna [/i]" in cell for rows in sheets.values() for row in rows for cell in row)

    as_json = run(cli, shop, "today", "--date", DAY.isoformat(), "--at", "10:00", "--json")
    assert as_json.code == 0 and json.loads(as_json.out)["day"] == DAY.isoformat()


def test_an_error_naming_hostile_text_is_printed_once_as_typed(cli: Callable[..., Result], shop: Path) -> None:
    """The error line itself once crashed re-printing the text that made the error."""
    bad = run(cli, shop, "check", "--store", "[/i] [link=http://evil.example]x[/link] \x1b[2J")
    assert bad.code == 2
    assert "No store named '[/i] [link=http://evil.example]x[/link] \\x1b[2J'" in bad.err, bad.err
    assert "旗舰店 [/i]" in bad.err


def test_the_buttons_write_hostile_names_into_the_sheets_as_text(tmp_path: Path) -> None:
    # Excel's cells cannot be fed control characters through this openpyxl stand-in; the rest is hostile.
    names = [n for n in HOSTILE_NAMES if "\x1b" not in n]
    book = generate(members=60, years=1, today=DAY, stores=("旗舰店 [/i]",))
    for i, row in enumerate(book.rows["members"]):
        row[1] = names[i % len(names)]
    write_macro_book(tmp_path / "members.xlsm", book.rows)
    (tmp_path / "config.yaml").write_text(config_text("members.xlsm", ("旗舰店 [/i]",)), encoding="utf-8")
    live = OpenpyxlBook(tmp_path / "members.xlsm")
    for button in (excel.check_member_file, excel.refresh_segments, excel.preview_today):
        status = button(live, day=DAY)
        assert "[/i]" not in status or "旗舰店" in status, status
    shown = {v for ws in live.wb.worksheets for row in values_live(live, ws.title) for v in row if isinstance(v, str)}
    assert {"Anna [/i]", "[link=http://evil.example]click[/link]", "+cmd|' /C calc'!A0", "@SUM(1+1)"} <= shown
