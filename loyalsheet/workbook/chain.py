"""A chain whose stores keep books of their own, read and written as one member file.

A chain keeps its members either in one book with a Store column, or in one book per store (config:
``stores[].workbook``), or both: the chain's book (``workbook``) holds every store without a book of
its own. A member belongs to the chain, not to a book: a member registered in one store's book buys
in another's, and points, tiers and stored value count every book's rows.

:class:`ChainBook` reads every book and joins them into one :class:`~loyalsheet.model.MemberFile`
whose rows keep saying which book they came from (``MemberFile.parts``), so a problem is still shown
at its file, sheet and cell. It writes each owned sheet into the book it belongs to: a store's own
sheets (titled ``... · STORE``) into that store's book, the chain's sheets into the chain's book.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..model import ROW_STRIDE, BookPart, MemberFile
from .access import BookAccess, FileBook
from .reader import Progress
from .writer import CellValue, OwnedSheet, WriteResult

STORE_MARK = " · "
_TITLE_MAX = 31  # Excel's limit on a sheet's name
# what Excel forbids in a sheet's name, and what XML cannot hold (control characters)
_NOT_IN_TITLES = str.maketrans({c: "_" for c in ["[", "]", ":", "*", "?", "/", "\\", "\x7f", "\ufffe", "\uffff",
                                                  *map(chr, range(0x20))]})


def _excel_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 units: a character outside the BMP counts two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def store_sheet_title(title: str, store: str) -> str:
    """The title of a store's own copy of an owned sheet: ``回访名单 Call list · 旗舰店``, the store's
    name shortened when the whole would pass Excel's 31 characters, characters Excel forbids replaced
    (control characters too, and an apostrophe at the end, which Excel refuses)."""
    room = max(_TITLE_MAX - _excel_len(title) - len(STORE_MARK), 1)
    name = ""
    for ch in store.translate(_NOT_IN_TITLES):
        if _excel_len(name + ch) > room:
            break
        name += ch
    return f"{title}{STORE_MARK}{name.rstrip(chr(39)) or '_'}"


def store_of_title(title: str, stores: Sequence[str]) -> str | None:
    """The store whose own sheet ``title`` is, or None for a sheet of the whole chain."""
    base, mark, _ = title.rpartition(STORE_MARK)
    if not mark:
        return None
    return next((s for s in stores if store_sheet_title(base, s) == title), None)


def _shift(records: Sequence[Any], base: int) -> list[Any]:
    if not base:
        return list(records)
    out: list[Any] = []
    for r in records:
        if isinstance(r, tuple):  # Txn is a NamedTuple
            out.append(r._replace(row=r.row + base))  # type: ignore[attr-defined]
        else:
            out.append(dataclasses.replace(r, row=r.row + base))
    return out


def join_member_files(files: Sequence[MemberFile]) -> MemberFile:
    """Several books' member files as one: records in book order, rows offset by ``ROW_STRIDE`` per book."""
    if len(files) == 1:
        return files[0]
    parts = tuple(BookPart(mf.path, mf.layouts, i * ROW_STRIDE) for i, mf in enumerate(files))

    def joined(attr: str) -> tuple[Any, ...]:
        out: list[Any] = []
        for i, mf in enumerate(files):
            out.extend(_shift(getattr(mf, attr), i * ROW_STRIDE))
        return tuple(out)

    problems = []
    for i, mf in enumerate(files):
        for p in mf.problems:
            problems.append(dataclasses.replace(p, row=p.row + i * ROW_STRIDE) if p.row is not None else p)
    return MemberFile(
        path=files[0].path, members=joined("members"), txns=joined("txns"), gift_cards=joined("gift_cards"),
        course_cards=joined("course_cards"), events=joined("events"), call_notes=joined("call_notes"),
        opt_outs=joined("opt_outs"), vouchers=joined("vouchers"), attendance=joined("attendance"),
        layouts=files[0].layouts, problems=tuple(problems), parts=parts,
    )


class ChainBook:
    """Every book of a chain as one :class:`~loyalsheet.workbook.access.BookAccess`.

    ``path`` is the chain's book (the send ledger and the run journal sit beside it). ``own_books``
    maps a store name to the path of its own book.
    """

    def __init__(self, chain_book: BookAccess, own_books: dict[str, BookAccess],
                 regions: dict[str, str] | None = None) -> None:
        self._chain = chain_book
        self._own = {store: book for store, book in own_books.items() if book.path != chain_book.path}
        self._regions = regions or {}  # a store's phone region, for the numbers typed in its own book

    @property
    def path(self) -> Path:
        return self._chain.path

    @property
    def books(self) -> list[BookAccess]:
        return [self._chain, *self._own.values()]

    def book_for(self, title: str) -> BookAccess:
        """The book an owned sheet belongs to: its store's own book, or the chain's."""
        store = store_of_title(title, list(self._own))
        return self._own[store] if store is not None else self._chain

    def read_member_file(self, region: str, progress: Progress | None = None) -> MemberFile:
        files = [self._chain.read_member_file(region, progress)]
        files += [book.read_member_file(self._regions.get(store, region), progress) for store, book in self._own.items()]
        return join_member_files(files)

    def read_owned_sheet(self, title: str) -> list[list[CellValue]]:
        return self.book_for(title).read_owned_sheet(title)

    def prefetch_owned_sheets(self, titles: Sequence[str]) -> None:
        groups: dict[int, tuple[BookAccess, list[str]]] = {}
        for title in titles:
            book = self.book_for(title)
            groups.setdefault(id(book), (book, []))[1].append(title)
        for book, group in groups.values():
            book.prefetch_owned_sheets(group)

    def write_owned_sheets(self, sheets: Sequence[OwnedSheet], backups: int) -> WriteResult | None:
        """Each book gets its own sheets in one write; the chain's book's result is returned."""
        groups: dict[int, tuple[BookAccess, list[OwnedSheet]]] = {}
        for sheet in sheets:
            book = self.book_for(sheet.title)
            groups.setdefault(id(book), (book, []))[1].append(sheet)
        result = None
        for book, group in groups.values():
            written = book.write_owned_sheets(group, backups)
            if book is self._chain:
                result = written
        return result


def open_chain(chain_book: Path, own_books: dict[str, Path], live: BookAccess | None = None,
               regions: dict[str, str] | None = None) -> BookAccess:
    """The chain's member file(s): its book, and the books of the stores that keep their own (``own_books``:
    store -> path; ``regions``: store -> phone region for numbers typed without +). ``live`` (a book open
    in Excel) stands in for the book at its path."""

    def access(path: Path) -> BookAccess:
        return live if live is not None and live.path.resolve() == path.resolve() else FileBook(path)

    own = {store: path for store, path in own_books.items() if path.resolve() != chain_book.resolve()}
    if not own:
        return access(chain_book)
    return ChainBook(access(chain_book), {store: access(path) for store, path in own.items()}, regions)
