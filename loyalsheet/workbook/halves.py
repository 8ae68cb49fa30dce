"""Cut one big sheet of a workbook in two, so two processes can each parse half of it.

calamine parses a sheet whole, in one thread: for a chain's million transactions that is most of the
read. Here the sheet's XML is cut at a row boundary near its middle into two small workbooks in a
private temporary folder: the first holds the rows before the cut, the second the rows from the cut
on, and a third, tiny one the first rows, where the header is. Every row keeps its own row number
(its ``r`` attribute), so cells are named exactly as in the whole sheet. The small
workbooks carry the parts calamine needs to read values as the whole book gives them: the workbook,
its relationships, shared strings and styles (dates); the book's other sheets are left empty.

Only a sheet whose XML is plain enough to cut safely is cut: rows that all say which row they are,
in a ``sheetData`` we can find. Anything else is read whole, as before; so is a small sheet, where a
second process would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import WorkbookError
from .ooxml import PackageError
from .writer import sheet_parts

_PREFIX = "loyalsheet-halves-"
MIN_BYTES = 48 * 1024 * 1024  # a sheet's XML below this size is read whole (about 150,000 rows)

# What a readable book's odd package can raise here (a damaged or encrypted part, an unknown
# compression, a strict-XML workbook, a full disk): the sheet is then read whole, where a real
# problem is reported as usual. A bug in this module is not among them, and is not hidden.
_CANNOT_CUT = (OSError, EOFError, KeyError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile,
               zlib.error, PackageError, WorkbookError, etree.LxmlError)

_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")
_SKIPPED_FOLDERS = ("xl/media/", "xl/embeddings/", "xl/printersettings/", "xl/drawings/", "xl/charts/",
                    "customxml/", "docprops/")


@dataclass(frozen=True)
class Halves:
    """Two small workbooks holding the two halves of one sheet (same title as in the book)."""

    folder: Path
    head: Path  # the sheet's first rows, where its header is
    first: Path  # rows 1 .. cut_row - 1
    second: Path  # rows cut_row .. the last row
    cut_row: int  # the row number of the second half's first row
    last_row: int  # the row number of the sheet's last row

    @staticmethod
    def parsed(file: Path) -> None:
        """``file`` (one of the halves) was parsed and is needed no more."""
        file.unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _row_starts(xml: bytes, tag: bytes, start: int, end: int) -> tuple[int, int]:
    """The first ``<row`` element starting at or after ``start`` (and before ``end``): (offset, row number);
    (-1, 0) when there is none or it does not say its row number."""
    pos = start
    while True:
        pos = xml.find(tag, pos, end)
        if pos < 0:
            return -1, 0
        after = xml[pos + len(tag):pos + len(tag) + 1]
        if after in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
            close = xml.find(b">", pos, end)
            found = _ROW_NUMBER.search(xml, pos, close) if close > 0 else None
            return (pos, int(found.group(1))) if found else (-1, 0)
        pos += len(tag)


STALE_SECONDS = 6 * 3600  # a halves folder older than this was left by a read that was killed


def _temp_folder() -> Path:
    """A private folder for the halves, in the temporary folder (``TMPDIR``): its pages stay in the
    page cache, which the system can take back, and each half is deleted as soon as it is parsed.
    Folders that a killed read left behind (they hold members' rows) are removed first."""
    base = Path(tempfile.gettempdir())
    me, now = getattr(os, "getuid", lambda: None)(), time.time()
    for old in base.glob(f"{_PREFIX}*") if me is not None else ():
        with contextlib.suppress(OSError):
            st = old.lstat()
            if old.is_dir() and not old.is_symlink() and st.st_uid == me and now - st.st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=_PREFIX, dir=base))


def _write_book(zf: zipfile.ZipFile, part: str, sheet_parts: set[str], out: Path, pieces: list[memoryview]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as book:
        for info in zf.infolist():
            name = info.filename
            lower = name.lower()
            if name == part:
                with book.open(zipfile.ZipInfo(name, date_time=info.date_time), "w", force_zip64=True) as fh:
                    for piece in pieces:
                        fh.write(piece)
            elif lower in sheet_parts or (lower.startswith(_SHEET_FOLDERS) and lower.endswith(".xml")):
                book.writestr(zipfile.ZipInfo(name, date_time=info.date_time), _EMPTY_SHEET)
            elif lower.startswith(_SKIPPED_FOLDERS) or lower.endswith(".bin"):
                continue
            else:
                book.writestr(zipfile.ZipInfo(name, date_time=info.date_time), zf.read(info))


def big_sheet_part(path: Path, title: str, min_bytes: int | None = None) -> str | None:
    """The zip part of sheet ``title`` when its XML is big enough to be worth cutting (``MIN_BYTES``
    unless told); else None."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = sheet_parts(zf).get(title)
            if part is None or zf.getinfo(part).file_size < (MIN_BYTES if min_bytes is None else min_bytes):
                return None
            return part
    except _CANNOT_CUT:
        return None


def cut_sheet(path: Path, part: str, head_rows: int, first_share: float = 0.5) -> Halves | None:
    """The sheet in zip part ``part`` of the book at ``path`` cut in two, the first half holding about
    ``first_share`` of its rows, and its first ``head_rows`` rows on their own (the second half
    leaves them out: calamine would fill every row between them and the cut); None when it is not
    plain enough to cut safely, or the package is odd (``_CANNOT_CUT``): the sheet is then read whole."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read(part)
            found = _SHEET_DATA.search(xml)
            if found is None or found.group(2):  # no sheetData, or an empty one
                return None
            prefix = found.group(1)
            rows_start = found.end()
            rows_end = xml.rfind(b"</" + prefix + b"sheetData>")
            if rows_end < rows_start:
                return None
            tag = b"<" + prefix + b"row"
            # the first head_rows rows hold the header (the reader looks for it there): the head and the
            # first half hold them
            pos = head_end = rows_start
            for _ in range(head_rows + 1):
                head_end, _number = _row_starts(xml, tag, pos, rows_end)
                if head_end < 0:
                    return None
                pos = head_end + len(tag)
            middle = rows_start + int((rows_end - rows_start) * first_share)
            cut, cut_row = _row_starts(xml, tag, max(head_end, middle), rows_end)
            last = xml.rfind(tag, cut, rows_end) if cut >= 0 else -1
            last_found = _ROW_NUMBER.search(xml, last, xml.find(b">", last)) if last >= 0 else None
            if last_found is None:
                return None
            last_row = int(last_found.group(1))
            if not (head_rows < cut_row <= last_row):
                return None
            others = {p.lower() for p in sheet_parts(zf).values()}
            view = memoryview(xml)
            folder = _temp_folder()
            try:
                halves = Halves(folder, folder / "head.xlsx", folder / "first.xlsx", folder / "second.xlsx",
                                cut_row, last_row)
                _write_book(zf, part, others, halves.head, [view[:head_end], view[rows_end:]])
                _write_book(zf, part, others, halves.second, [view[:rows_start], view[cut:]])
                _write_book(zf, part, others, halves.first, [view[:cut], view[rows_end:]])
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            return halves
    except _CANNOT_CUT:
        return None
