"""How a job reaches its workbook: the file on disk, or (behind the Excel buttons) a book open in Excel.

The use cases (``loyalsheet.usecases``) read the member file and the owned sheets and write the owned sheets only
through a :class:`BookAccess`, so the command line and the Excel buttons run the same code:

- :class:`FileBook` reads the file with calamine and writes with the surgical zip writer (a backup,
  refused while Excel or LibreOffice holds the file or when it changed since it was read);
- ``loyalsheet.excel.XlwingsBook`` reads and writes a book open in Excel through xlwings and leaves
  saving to Excel.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Protocol

from ..errors import WorkbookError
from ..model import MemberFile
from .reader import Progress, read_member_file
from .writer import (
    CellValue,
    Fingerprint,
    OwnedSheet,
    WriteResult,
    fingerprint,
    read_owned_sheet,
    read_owned_sheets,
    write_owned_sheets,
)


class BookAccess(Protocol):
    """A member file a job reads and writes; ``path`` is where the file lives (the send ledger and the
    run journal sit beside it)."""

    @property
    def path(self) -> Path: ...

    def read_member_file(self, region: str, progress: Progress | None = None) -> MemberFile: ...

    def read_owned_sheet(self, title: str) -> list[list[CellValue]]:
        """The owned sheet's values, header row first; ``[]`` when the book has no such sheet."""
        ...

    def prefetch_owned_sheets(self, titles: Sequence[str]) -> None:
        """Start reading these owned sheets in the background where the book allows it, so that
        :meth:`read_owned_sheet` finds them read (a hint: a book may read them only when asked)."""
        ...

    def write_owned_sheets(self, sheets: Sequence[OwnedSheet], backups: int) -> WriteResult | None:
        """Replace (or add) these owned sheets and nothing else. ``None`` when the write is left to
        someone else to save (a book open in Excel)."""
        ...


class FileBook:
    """The member file on disk. Remembers what the file was when first read, and refuses to write
    over it when it changed since (someone saved it meanwhile)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._expected: Fingerprint | None = None
        self._early: dict[str, Future[list[list[CellValue]]]] = {}
        self._threads: list[threading.Thread] = []

    @property
    def path(self) -> Path:
        return self._path

    def _remember(self) -> None:
        if self._expected is None and self._path.is_file():
            self._expected = fingerprint(self._path)

    def read_member_file(self, region: str, progress: Progress | None = None) -> MemberFile:
        self._remember()
        return read_member_file(self._path, region=region, progress=progress, before_fork=self._settle)

    def _settle(self) -> None:
        """Let the read-ahead finish: the reader is about to fork, which copies only its own thread."""
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def read_owned_sheet(self, title: str) -> list[list[CellValue]]:
        self._remember()
        early = self._early.pop(title, None)
        if early is not None:
            return early.result()  # read meanwhile (an error reading it is raised here, as if read now)
        return read_owned_sheet(self._path, title)

    def prefetch_owned_sheets(self, titles: Sequence[str]) -> None:
        """Read the sheets on a thread of its own: calamine parses a sheet without holding the GIL, so
        they are read while the member file is (whose biggest sheet keeps a core waiting meanwhile)."""
        self._remember()
        wanted = [t for t in dict.fromkeys(titles) if t not in self._early]
        if not wanted:
            return
        futures: dict[str, Future[list[list[CellValue]]]] = {t: Future() for t in wanted}
        self._early.update(futures)

        def read_all() -> None:
            try:
                sheets = read_owned_sheets(self._path, list(futures))
            except BaseException as exc:  # handed to whoever asks for a sheet
                for future in futures.values():
                    future.set_exception(exc)
                return
            for title, future in futures.items():
                future.set_result(sheets[title])

        thread = threading.Thread(target=read_all, name="loyalsheet-owned-sheets", daemon=True)
        thread.start()
        self._threads.append(thread)

    def write_owned_sheets(self, sheets: Sequence[OwnedSheet], backups: int) -> WriteResult:
        if self._expected is None:  # nothing was read: a job always reads first; a missing file is refused there
            raise WorkbookError("workbook_missing", file=str(self._path))
        result = write_owned_sheets(self._path, sheets, expected=self._expected, backups=backups)
        self._expected = result.fingerprint  # a second write in the same job starts from our own file
        return result
