"""A demo store of one trade: the demo shop's rows in that trade's words, with the preset's settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from .. import demo as base
from ..config import starter_config_text
from ..errors import LoyalsheetError
from ..workbook.schema import SHEETS_BY_KEY
from ..workbook.template import write_book
from . import Preset, copy_templates, event_rows, preset_config_text

_NEUTRAL_CALL_NOTE = "预约下次时间"
_NEUTRAL_EVENT = "会员沙龙"


def _column(sheet: str, key: str) -> int:
    return [c.key for c in SHEETS_BY_KEY[sheet].columns].index(key)


def _mapping(old: Sequence[str], new: Sequence[str]) -> dict[str, str]:
    return {word: new[i % len(new)] for i, word in enumerate(dict.fromkeys(old))} if new else {}


def reword(book: base.DemoBook, preset: Preset, today: date) -> base.DemoBook:
    """The demo shop's rows with its categories, course services, notes and events in the trade's words."""
    words = preset.demo_words
    categories = _mapping(base.CATEGORIES, words.get("categories", ()))
    services = _mapping([c[0] for c in base._COURSES], words.get("services", ()))
    notes = _mapping(base._NOTES, words.get("notes", ()))
    notes |= _mapping(base._REDEEM_NOTES, words.get("redeem_notes", ()))
    rows = {key: [list(r) for r in sheet_rows] for key, sheet_rows in book.rows.items()}
    edits = (("transactions", "category", categories), ("transactions", "note", notes),
             ("course_cards", "service", services), ("members", "notes", notes))
    for sheet, key, mapping in edits:
        at = _column(sheet, key)
        for row in rows[sheet]:
            value = row[at]
            if isinstance(value, str) and value in mapping:
                row[at] = mapping[value]
    if preset.key != "beauty":
        at = _column("call_notes", "note")
        for row in rows["call_notes"]:
            note = row[at]
            if isinstance(note, str) and "护理" in note:
                row[at] = _NEUTRAL_CALL_NOTE
    if preset.events:
        rows["events"] = [list(r) for r in event_rows(preset, today, "zh")]
        # the trade's own events replace the demo's: who came to the demo's events goes with them
        ids = {r[_column("events", "event_id")] for r in rows["events"]}
        rows["attendance"] = [r for r in rows.get("attendance", []) if r[_column("attendance", "event_id")] in ids]
    elif preset.key != "beauty":
        at = _column("events", "title")
        for row in rows["events"]:
            title = row[at]
            if isinstance(title, str) and "护肤" in title:
                row[at] = _NEUTRAL_EVENT
    return base.DemoBook(rows=rows, mistakes=book.mistakes)


def write_trade_demo(directory: Path, preset: Preset, *, members: int, years: int, seed: int, today: date,
                     with_mistakes: bool, stores: Sequence[str],
                     progress: Callable[[str, int, int], None] | None = None) -> base.DemoBook:
    """Like :func:`loyalsheet.demo.write_demo`, for one trade: its words, settings and message wording."""
    book_path, config_path = directory / base.WORKBOOK_NAME, directory / base.CONFIG_NAME
    for path in (book_path, config_path):
        if path.exists():
            raise LoyalsheetError("demo_exists", path=str(path))
    book = reword(base.generate(members=members, years=years, seed=seed, today=today, stores=stores,
                                with_mistakes=with_mistakes), preset, today)
    directory.mkdir(parents=True, exist_ok=True)
    write_book(book_path, book.rows, header_style="zh-en", language="zh", progress=progress,
               created=datetime.combine(today, time()))
    names = tuple(stores)
    config_path.write_text(starter_config_text(base.WORKBOOK_NAME, "zh", stores=names)
                           + preset_config_text(preset, names), encoding="utf-8")
    copy_templates(preset, directory)
    return book
