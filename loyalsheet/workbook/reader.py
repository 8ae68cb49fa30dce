"""Read a member file: open it safely, find each sheet and its columns, and type every cell.

Reading never stops at the first bad cell: each cell that cannot be read becomes a
:class:`~loyalsheet.model.Problem` at its sheet/row/column, and the row is kept when what it needs is
there. A file that cannot be read at all raises :class:`~loyalsheet.errors.WorkbookError` with one
clear message (exit code 2 at the CLI).

We read with python-calamine: on a 100,000-member / 1,000,000-transaction book it is about ten times
faster than openpyxl's read-only mode (``scripts/bench_read --compare`` measures both).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ..errors import WorkbookError
from ..model import MemberFile, Problem, Severity, SheetLayout, Txn
from ..packing import Packed, pack, unpack
from ..parallel import Forked, workers_allowed
from .halves import Halves, big_sheet_part, cut_sheet
from .reader_cells import _SheetReader
from .reader_header import _HEADER_SCAN_ROWS, _find_sheet, _locate_header, _open_error, check_file
from .reader_records import _BUILDERS
from .schema import READ_SHEETS, TRANSACTIONS, Sheet, column_letter

Progress = Callable[[str, int, int], None]  # sheet key, rows done, rows in all

_CHUNK = 20_000  # rows typed at a time: big enough for list comprehensions to pay, small enough to keep memory flat
_PROGRESS_EVERY = 20_000


class _SheetLoader:
    """Parses sheets on a thread of its own, in order, with a workbook handle of its own.

    calamine parses a sheet in Rust without holding the GIL, and parsing is most of a big book's
    read (~12 of ~22 s for 1,000,000 transactions), so on a machine with two cores the transactions
    are parsed while the members are typed. Sheets are handed over in order, each once; an error is
    raised when its sheet is asked for, so errors come in the same order as when sheets were read one
    by one. The thread is not a daemon: a process that stops reading early (a header missing, Ctrl-C)
    exits once the sheet being parsed is done, rather than while calamine still runs.
    """

    def __init__(self, path: Path, titles: list[str]) -> None:
        self._titles = titles
        self._parsed: list[Any] = []  # a CalamineSheet, or the exception parsing it raised, per title
        self._handed = 0
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, args=(str(path),), name="loyalsheet-sheets")
        self._thread.start()

    def _run(self, path: str) -> None:
        import python_calamine

        book = None
        try:
            book = python_calamine.CalamineWorkbook.from_path(path)
            for title in self._titles:
                if self._stopped:
                    break
                try:
                    parsed: Any = book.get_sheet_by_name(title)
                except BaseException as exc:  # raised in the reading thread
                    parsed = exc.with_traceback(None)
                self._hand_over(parsed)
        except BaseException as exc:  # the file could not be opened again: every sheet left says so
            while len(self._parsed) < len(self._titles):
                self._hand_over(exc.with_traceback(None))
        finally:
            if book is not None:
                book.close()

    def _hand_over(self, parsed: Any) -> None:
        with self._ready:
            self._parsed.append(parsed)
            self._ready.notify_all()

    def next_sheet(self) -> Any:
        """The next sheet parsed (a CalamineSheet), waiting for it; raises what parsing it raised."""
        with self._ready:
            self._ready.wait_for(lambda: len(self._parsed) > self._handed)
            parsed, self._parsed[self._handed] = self._parsed[self._handed], None
            self._handed += 1
        if isinstance(parsed, BaseException):
            raise parsed
        return parsed

    def stop(self) -> None:
        """Parse no further sheet; the one being parsed is finished and dropped."""
        self._stopped = True


@dataclass
class _SheetResult:
    records: list[Any]
    layout: SheetLayout
    problems: list[Problem]


def _read_sheet(
    data: Any, title: str, sheet: Sheet, path: Path, region: str, progress: Progress | None,
    shared: dict[Any, dict[Any, Any]], *, first_row: int = 0, header_problems: bool = True,
) -> _SheetResult:
    """The records, layout and problems of one sheet. With ``first_row`` (0-based), only the rows from
    there on are typed (the second half of a cut sheet, whose header rows come first); without
    ``header_problems``, problems with the header itself are left to the first half."""
    # calamine's rows start at the sheet's first row even when the used area starts lower (empty rows
    # above the header), while its columns start at the used area's first column
    start_col = data.start[1] if data.start is not None else 0
    start_row = 0
    total = max(int(data.height), 1)
    rows_iter: Iterator[list[Any]] = iter(data.iter_rows())
    head: list[list[Any]] = []
    for row in rows_iter:
        head.append(row)
        if len(head) >= _HEADER_SCAN_ROWS:
            break
    header = _locate_header(head, sheet)
    missing = [c for c in sheet.columns if c.required and c.key not in header.index]
    if missing:
        raise WorkbookError(
            "header_missing",
            file=str(path),
            sheet=title,
            row=start_row + header.row_index + 1,
            columns=", ".join(f"{c.zh} / {c.en}" for c in missing),
            found=", ".join(header.extras) or "-",
        )
    header_abs = start_row + header.row_index + 1
    layout = SheetLayout(
        key=sheet.key,
        title=title,
        header_row=header_abs,
        columns={k: column_letter(start_col + i) for k, i in header.index.items()},
        headers=header.texts,
        extra_headers=tuple(header.extras),
    )
    reader = _SheetReader(sheet, header, region, shared)
    for key, col in header.duplicates if header_problems else ():
        reader.problems.append(
            Problem(Severity.WARNING, "header_duplicate", sheet.key, header_abs, key, None,
                    {"other": column_letter(start_col + col)})
        )
    build = _BUILDERS[sheet.key]
    records: list[Any] = []
    rows = chain(head[header.row_index + 1:], rows_iter)
    # Only the iterator holds the sheet now, and it lets go when exhausted: a frame kept alive by a
    # reference cycle in a library (phonenumbers keeps a traceback in a local) then does not keep a
    # whole sheet in memory until the next collection. (The caller passes the sheet on, holding none.)
    del data, rows_iter
    i = header.row_index + 1  # index of the chunk's first row among the rows iterated
    if first_row > i:
        deque(islice(rows, first_row - i), maxlen=0)
        i = first_row
    while chunk := list(islice(rows, _CHUNK)):
        reader.read_chunk(chunk, start_row + i + 1, build, records)
        end = i + len(chunk)
        if progress is not None:  # at every _PROGRESS_EVERY-th row after the header scan, as row-by-row reading did
            first_reported = -(-max(i, len(head), 1) // _PROGRESS_EVERY) * _PROGRESS_EVERY
            for done in range(first_reported, end, _PROGRESS_EVERY):
                progress(sheet.key, done, total)
        i = end
    if progress is not None:
        progress(sheet.key, total, total)
    return _SheetResult(records, layout, reader.problems)


def read_member_file(path: Path, *, region: str = "CN", progress: Progress | None = None,
                     before_fork: Callable[[], None] | None = None) -> MemberFile:
    """Read every sheet of the member file at ``path``.

    Raises :class:`WorkbookError` when the file cannot be read at all; problems in cells are
    returned in ``MemberFile.problems``. A big Transactions sheet is read in two halves at once, the
    second in a forked worker (:mod:`loyalsheet.parallel`); ``before_fork`` is called first, to let
    other threads of this process finish (a fork copies only the thread that makes it).
    """
    import python_calamine

    check_file(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise _open_error("workbook_encrypted", path) from None
    except Exception as exc:  # calamine raises several types for a broken file; all mean the same to a person
        raise _open_error("workbook_corrupt", path, detail=str(exc)[:200]) from None
    return _read_book(book, path, region, progress, parse_ahead=True, before_fork=before_fork)


@dataclass(frozen=True)
class _PackedSheet:
    """What a worker read of a sheet's second half, packed to travel (:mod:`loyalsheet.packing`)."""

    records: Packed
    problems: list[Problem]


class _JoinedSheet:
    """A sheet's header rows and the rows of its second half, shaped like the calamine sheet the reader
    takes. calamine gives each sheet's rows from its used area's first column: when the two start at
    different columns, the rows of one are shifted to line up with the other's."""

    def __init__(self, head: list[list[Any]], head_col: int, rest: Any) -> None:
        rest_col = rest.start[1] if rest.start is not None else 0
        self.start = (0, min(head_col, rest_col))
        self.height = int(rest.height)
        self._head = [_shifted(row, head_col - self.start[1]) for row in head]
        self._rest, self._rest_shift = rest, rest_col - self.start[1]

    def iter_rows(self) -> Iterator[list[Any]]:
        rows: Iterator[list[Any]] = islice(self._rest.iter_rows(), len(self._head), None)  # (empty there)
        if self._rest_shift:
            pad = [""] * self._rest_shift
            rows = (pad + row for row in rows)
        return chain(self._head, rows)


def _shifted(row: list[Any], by: int) -> list[Any]:
    return [""] * by + row if by else row


def _head_rows(file: Path, title: str) -> tuple[list[list[Any]], int]:
    """The first rows of a cut sheet (where its header is), and the column they start at."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(file))
    try:
        data = book.get_sheet_by_name(title)
        return list(islice(data.iter_rows(), _HEADER_SCAN_ROWS)), data.start[1] if data.start is not None else 0
    finally:
        book.close()
        Halves.parsed(file)


def _read_second_half(file: Path, head: list[list[Any]], head_col: int, title: str, sheet: Sheet, path: Path,
                      region: str, shared: dict[Any, dict[Any, Any]], first_row: int) -> _PackedSheet:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(file))
    try:
        data = _JoinedSheet(head, head_col, book.get_sheet_by_name(title))
        result = _read_sheet(data, title, sheet, path, region, None, shared, first_row=first_row,
                             header_problems=False)
        del data
        return _PackedSheet(pack(result.records, Txn), result.problems)
    finally:
        book.close()


_FIRST_SHARE = 0.54  # of a cut sheet's rows, read here: the worker also packs its half to send it


class _Cutter:
    """Cuts the big sheet in two (:mod:`.halves`) on a thread while the sheets before it are read."""

    def __init__(self, path: Path, part: str, title: str) -> None:
        self._halves: Halves | None = None
        self.head: tuple[list[list[Any]], int] = ([], 0)
        self._thread = threading.Thread(target=self._run, args=(path, part, title), name="loyalsheet-cut")
        self._thread.start()

    def _run(self, path: Path, part: str, title: str) -> None:
        import python_calamine

        halves = cut_sheet(path, part, _HEADER_SCAN_ROWS, _FIRST_SHARE)
        if halves is not None:
            try:
                self.head = _head_rows(halves.head, title)
            except (OSError, python_calamine.CalamineError):  # read whole, where what is wrong is reported
                halves.remove()
                halves = None
        self._halves = halves

    def halves(self) -> Halves | None:
        """The two halves (waiting for them), or None when the sheet could not be cut."""
        self._thread.join()
        return self._halves

    def close(self) -> None:
        halves = self.halves()
        if halves is not None:
            halves.remove()


def _scaled(progress: Progress | None, last_row: int) -> Progress | None:
    """Progress through a first half, shown as progress through the whole sheet (the other half is read
    at the same pace meanwhile)."""
    if progress is None:
        return None
    report = progress

    def scaled(key: str, done: int, total: int) -> None:
        report(key, done * last_row // max(total, 1), last_row)

    return scaled


class _ValuesSheet:
    """A sheet's values already in memory, shaped like the calamine sheet the reader takes."""

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        self._rows = rows
        self.start = (0, 0)
        self.height = len(rows)

    def iter_rows(self) -> Iterator[list[Any]]:
        for row in self._rows:
            yield ["" if v is None else v for v in row]


class _ValuesBook:
    def __init__(self, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> None:
        self._sheets = sheets
        self.sheet_names = list(sheets)

    def get_sheet_by_name(self, title: str) -> _ValuesSheet:
        return _ValuesSheet(self._sheets[title])

    def close(self) -> None:
        pass


def read_member_values(sheets: Mapping[str, Sequence[Sequence[Any]]], label: str, *, region: str = "CN",
                       progress: Progress | None = None) -> MemberFile:
    """Read a member file whose cell values are already in memory: sheet title -> rows of values, as a
    live spreadsheet gives them (empty cells ``None``; numbers, text, dates or datetimes, booleans).

    ``label`` names the book in problems and errors (its file path). The same typing and checks as
    :func:`read_member_file`, so the same book read either way gives the same member file.
    """
    return _read_book(_ValuesBook(sheets), Path(label), region, progress, parse_ahead=False)


def _read_book(book: Any, path: Path, region: str, progress: Progress | None, *, parse_ahead: bool,
               before_fork: Callable[[], None] | None = None) -> MemberFile:
    import python_calamine

    loader: _SheetLoader | None = None
    cutter: _Cutter | None = None
    second: Forked[_PackedSheet] | None = None
    try:
        titles = list(book.sheet_names)
        found = [(sheet, _find_sheet(titles, sheet)) for sheet in READ_SHEETS]
        present = [title for _, title in found if title is not None]
        complete = not any(sheet.required and title is None for sheet, title in found)
        big = dict(found).get(TRANSACTIONS)
        part = big_sheet_part(path, big) if parse_ahead and complete and big and workers_allowed() else None
        if part is not None and big is not None:  # cut on a thread meanwhile, then read by two processes
            cutter = _Cutter(path, part, big)
        elif parse_ahead and len(present) > 1 and complete:
            loader = _SheetLoader(path, present[1:])  # the first sheet is parsed here, the others meanwhile
        results: dict[str, _SheetResult] = {}
        shared: dict[Any, dict[Any, Any]] = {}  # caches the sheets' ID columns share
        for sheet, title in found:
            if title is None:
                if sheet.required:
                    raise WorkbookError(
                        "sheet_missing", file=str(path), sheet=f"{sheet.zh} / {sheet.en}", found=", ".join(titles)
                    )
                continue
            try:
                halves = cutter.halves() if cutter is not None and sheet is TRANSACTIONS else None
                if cutter is not None and halves is not None:
                    # the second half in a worker, the first here (a fork copies only this thread)
                    if before_fork is not None:
                        before_fork()
                    second = Forked(_read_second_half, halves.second, *cutter.head, title, sheet, path, region,
                                    shared, halves.cut_row - 1)
                    half_book = python_calamine.CalamineWorkbook.from_path(str(halves.first))
                    try:
                        data = half_book.get_sheet_by_name(title)
                        Halves.parsed(halves.first)
                        results[sheet.key] = _read_sheet(data, title, sheet, path, region,
                                                         _scaled(progress, halves.last_row), shared)
                        del data
                    finally:
                        half_book.close()
                    continue
                # a sheet after the first was parsed on the loader's thread meanwhile (handed over in order)
                data = loader.next_sheet() if loader is not None and results else book.get_sheet_by_name(title)
                results[sheet.key] = _read_sheet(data, title, sheet, path, region, progress, shared)
                del data
            except WorkbookError:
                raise
            except Exception as exc:  # a damaged sheet part inside an otherwise valid zip
                raise _open_error("workbook_corrupt", path, detail=f"{title}: {str(exc)[:200]}") from None
        if second is not None:
            try:
                rest = second.result()
            except WorkbookError:
                raise
            except Exception as exc:
                raise _open_error("workbook_corrupt", path, detail=f"{big}: {str(exc)[:200]}") from None
            result = results[TRANSACTIONS.key]
            result.records.extend(unpack(rest.records))
            result.problems.extend(rest.problems)
    finally:
        if second is not None:
            second.close()
        if cutter is not None:
            cutter.close()
        if loader is not None:
            loader.stop()
        book.close()

    def records(key: str) -> tuple[Any, ...]:
        return tuple(results[key].records) if key in results else ()

    problems: list[Problem] = []
    for result in results.values():
        problems.extend(result.problems)
    return MemberFile(
        path=str(path),
        members=records("members"),
        txns=records("transactions"),
        gift_cards=records("gift_cards"),
        course_cards=records("course_cards"),
        events=records("events"),
        call_notes=records("call_notes"),
        opt_outs=records("opt_outs"),
        vouchers=records("vouchers") + records("vouchers_issued"),
        attendance=records("attendance"),
        layouts={k: r.layout for k, r in results.items()},
        problems=tuple(problems),
    )

