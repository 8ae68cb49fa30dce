"""Writing a demo folder: the book (members.xlsx), its config.yaml and, with ``history``, its send ledger.
The only part of the demo that touches files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from ..demo_effect import write_history
from ..errors import LoyalsheetError
from ..workbook.template import write_book
from .book import DemoBook, generate
from .config import CONFIG_NAME, WORKBOOK_NAME, config_text


def write_demo(
    directory: Path,
    *,
    members: int = 600,
    years: int = 2,
    seed: int = 2026,
    today: date,
    with_mistakes: bool = False,
    stores: Sequence[str] = ("旗舰店",),
    progress: Callable[[str, int, int], None] | None = None,
    shared_strings: bool = True,
    history: bool = False,
) -> DemoBook:
    """Create ``directory`` with a demo members.xlsx and config.yaml; never overwrites either file.

    The book stores its text in a shared-strings table as Excel does (``shared_strings=False``: inline,
    as openpyxl writes it); it is dated ``today``, so the same arguments give the same bytes. ``history``:
    also a send ledger with months of messages and their holdouts, for ``loyalsheet report``."""
    book_path = directory / WORKBOOK_NAME
    config_path = directory / CONFIG_NAME
    for path in (book_path, config_path):
        if path.exists():
            raise LoyalsheetError("demo_exists", path=str(path))
    book = generate(members=members, years=years, seed=seed, today=today, stores=stores, with_mistakes=with_mistakes,
                    history=history)
    directory.mkdir(parents=True, exist_ok=True)
    write_book(book_path, book.rows, header_style="zh-en", language="zh", progress=progress,
               shared_strings=shared_strings, created=datetime.combine(today, time()))
    config_path.write_text(config_text(WORKBOOK_NAME, stores), encoding="utf-8")
    if book.history is not None:
        write_history(book_path, book.history)
    return book
