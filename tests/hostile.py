"""A demo store whose member names, notes and store names are hostile text (shared by the hardening tests)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

from loyalsheet.demo import config_text, generate
from loyalsheet.workbook.template import write_book

# Text a terminal, rich or Excel would act on if it were not treated as data.
HOSTILE_NAMES = (
    "Anna [/i]",
    "[bold red]X[/bold red]",
    "[link=http://evil.example]click[/link]",
    "Bob \x1b[31mred\x1b]8;;http://evil.example\x1b\\",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "+86 138 :smile:",
    "\u202eRTL override 王",
    "[/]",
)


def excel_text(text: str) -> str:
    """``text`` as Excel stores a cell's control characters in the file: ``_x001B_`` for ESC (XML cannot hold them)."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m.group(0)):04X}_", text)


def hostile_store(folder: Path, day: date, *, members: int = 60, names: Sequence[str] = HOSTILE_NAMES,
                  notes: Sequence[str] = HOSTILE_NAMES, stores: Sequence[str] = ("旗舰店 [/i]",)) -> Path:
    """Write ``folder``/members.xlsx and config.yaml: a demo store with every name and note replaced by
    ``names`` and ``notes`` in turn and the given store names. Returns the folder."""
    book = generate(members=members, today=day, stores=tuple(stores))
    for i, row in enumerate(book.rows["members"]):
        row[1] = excel_text(names[i % len(names)])
        row[16] = excel_text(notes[i % len(notes)]) if i % 3 == 0 else row[16]
    folder.mkdir(parents=True, exist_ok=True)
    write_book(folder / "members.xlsx", book.rows, header_style="zh-en", language="zh",
               created=datetime.combine(day, time()))
    (folder / "config.yaml").write_text(config_text("members.xlsx", tuple(stores)), encoding="utf-8")
    return folder
