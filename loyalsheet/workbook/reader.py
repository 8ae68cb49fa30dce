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
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import chain, compress, islice, repeat
from operator import is_
from pathlib import Path
from typing import Any

from ..errors import WorkbookError
from ..model import (
    Attendance,
    CallNote,
    Channel,
    CourseCard,
    Event,
    GiftCard,
    Member,
    MemberFile,
    Membership,
    OptOut,
    PaidWith,
    Problem,
    Severity,
    SheetLayout,
    Txn,
    TxnType,
    Voucher,
    VoucherKind,
)
from ..packing import Packed, pack, unpack
from ..parallel import Forked, workers_allowed
from . import parse as P
from .halves import Halves, big_sheet_part, cut_sheet
from .schema import READ_SHEETS, TRANSACTIONS, Sheet, column_letter, header_names, normalize_header, sheet_names

Progress = Callable[[str, int, int], None]  # sheet key, rows done, rows in all

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_MARK = "EncryptionInfo".encode("utf-16-le")
_HEADER_SCAN_ROWS = 10


def _open_error(code: str, path: Path, **params: Any) -> WorkbookError:
    return WorkbookError(code, file=str(path), **params)


def check_file(path: Path) -> None:
    """Raise a clear :class:`WorkbookError` when ``path`` is not a readable .xlsx/.xlsm file."""
    if not path.exists():
        raise _open_error("workbook_missing", path)
    if path.is_dir():
        raise _open_error("workbook_is_folder", path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise _open_error("workbook_xls", path)
    if suffix in (".csv", ".txt", ".tsv"):
        raise _open_error("workbook_csv", path)
    if suffix in (".ods", ".numbers", ".et", ".wps"):
        raise _open_error("workbook_other_format", path, suffix=suffix)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head == _OLE_MAGIC:
                fh.seek(0)
                blob = fh.read(4 * 1024 * 1024)
                if _ENCRYPTION_MARK in blob:
                    raise _open_error("workbook_encrypted", path)
                raise _open_error("workbook_xls", path)
    except OSError as exc:
        raise _open_error("workbook_unreadable", path, detail=exc.strerror or str(exc)) from None
    if suffix not in (".xlsx", ".xlsm"):
        raise _open_error("workbook_other_format", path, suffix=suffix or "(none)")
    if not zipfile.is_zipfile(path):
        raise _open_error("workbook_corrupt", path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        raise _open_error("workbook_corrupt", path) from None
    if "xl/workbook.xml" not in names:
        raise _open_error("workbook_corrupt", path)


def _find_sheet(titles: Sequence[str], sheet: Sheet) -> str | None:
    wanted = {normalize_header(n) for n in sheet_names(sheet)}
    for title in titles:
        if normalize_header(title) in wanted:
            return title
    return None


def _header_lookup(sheet: Sheet) -> dict[str, str]:
    lookup: dict[str, str] = {}
    # Canonical names first, so an alias never shadows another column's real name.
    for column in sheet.columns:
        for name in (column.en, column.zh, column.key):
            lookup.setdefault(normalize_header(name), column.key)
    for column in sheet.columns:
        for name in header_names(column):
            lookup.setdefault(normalize_header(name), column.key)
    return lookup


def _match_header_cell(cell: Any, lookup: dict[str, str]) -> str | None:
    if P.is_blank(cell):
        return None
    text = str(cell)
    key = lookup.get(normalize_header(text))
    if key is not None:
        return key
    for part in text.replace("/", "\n").replace("|", "\n").splitlines():
        key = lookup.get(normalize_header(part))
        if key is not None:
            return key
    return None


@dataclass
class _Header:
    row_index: int  # 0-based index into the rows iterated
    index: dict[str, int]  # column key -> 0-based column index
    texts: dict[str, str]
    extras: list[str]
    duplicates: list[tuple[str, int]]


def _locate_header(rows: list[list[Any]], sheet: Sheet) -> _Header:
    lookup = _header_lookup(sheet)
    best: _Header | None = None
    best_score = 0
    for r, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        index: dict[str, int] = {}
        texts: dict[str, str] = {}
        extras: list[str] = []
        duplicates: list[tuple[str, int]] = []
        for c, cell in enumerate(row):
            key = _match_header_cell(cell, lookup)
            if key is None:
                if not P.is_blank(cell):
                    extras.append(str(cell))
            elif key in index:
                duplicates.append((key, c))
            else:
                index[key] = c
                texts[key] = str(cell).replace("\n", " / ")
        score = len(index) + sum(1 for col in sheet.columns if col.required and col.key in index)
        if score > best_score:
            best, best_score = _Header(r, index, texts, extras, duplicates), score
    if best is None:
        first = rows[0] if rows else []
        return _Header(0, {}, {}, [str(c) for c in first if not P.is_blank(c)], [])
    return best


_MISS = object()
_CACHE_LIMIT = 200_000
_CHUNK = 20_000  # rows typed at a time: big enough for list comprehensions to pay, small enough to keep memory flat
_PROGRESS_EVERY = 20_000
_DATE_TYPES = frozenset({date, datetime})


def _kept(err: P.CellError) -> P.CellError:
    """A CellError to keep as a value (in a cache): without the traceback, which would hold the reading
    frame and its chunk of rows in a reference cycle, and without the exception it was raised from."""
    err.__traceback__ = None
    err.__context__ = None
    return err


def _any_value(value: Any) -> Any:
    """A cell read as it is (text cleaned): a builder reads it by another column (a voucher's value)."""
    return P.clean_text(value) if isinstance(value, str) else value


def _converter(kind: str, region: str) -> Callable[[Any], Any]:
    """The parser for a column kind; raises :class:`parse.CellError` for a value it cannot read."""
    if kind.startswith("choice:"):
        name = kind.split(":", 1)[1]
        return lambda v: P.parse_choice(v, name)
    table: dict[str, Callable[[Any], Any]] = {
        "text": P.clean_text,
        "id": P.parse_id,
        "date": P.parse_date,
        "datetime": P.parse_datetime,
        "birthday": P.parse_birthday,
        "money": P.parse_money,
        "int": P.parse_int,
        "phone": lambda v: P.parse_phone(v, region),
        "email": P.parse_email,
        "yesno": P.parse_yesno,
        "gender": P.parse_gender,
        "list": P.parse_list,
        "any": _any_value,
    }
    return table[kind]


@dataclass
class _Cell:
    key: str
    pos: int  # position in the schema's column order
    index: int  # column index in the sheet
    kind: str
    convert: Callable[[Any], Any]
    required: bool
    cache: dict[Any, Any] | None  # raw -> typed value or CellError; None for date columns (the row-by-row path)
    # raw -> the field value a clean cell gives (after ``final``), for the column-wise path; a raw value that
    # gives a problem is never in it, so its rows take the row-by-row path
    fast: dict[Any, Any] = field(default_factory=dict)
    final: Callable[[Any], Any] | None = None  # typed value -> record field (a batch builder's conversions)


class _SheetReader:
    """Types the cells of one sheet, collecting problems with their row and column.

    Values repeat a great deal down a column (types, stores, member IDs, amounts), so each column
    remembers what it made of a raw value. Rows are typed a chunk at a time, column by column: a
    column's values are looked up in its cache with one list comprehension, and only the rows with a
    cell that is blank where it is required, unreadable or new to the cache get a closer look. Rows
    with a problem are read row by row (:meth:`parse`), exactly as they always were, so the problems
    and their order do not depend on the chunking.
    """

    def __init__(self, sheet: Sheet, header: _Header, region: str,
                 shared: dict[Any, dict[Any, Any]] | None = None) -> None:
        self.sheet = sheet
        finals = _FINALS.get(sheet.key, {}) if sheet.key in _BATCH_BUILDERS else {}
        # ID columns share their caches across the file (``shared``, one per read): Transactions names
        # the members that Members read. Fast caches are shared only between columns that treat a value
        # alike (a blank is clean only where it is not required).
        shared = {} if shared is None else shared
        self.cells: list[_Cell] = []
        for pos, col in enumerate(sheet.columns):
            if col.key not in header.index:
                continue
            final = finals.get(col.key)
            cell = _Cell(col.key, pos, header.index[col.key], col.kind, _converter(col.kind, region), col.required,
                         None if col.kind in ("date", "datetime", "birthday") else {}, final=final)
            if col.kind == "id":
                cell.cache = shared.setdefault("id", {})
                if final is None:
                    cell.fast = shared.setdefault(("id", col.required), {})
            self.cells.append(cell)
        self.width = len(sheet.columns)
        self.problems: list[Problem] = []
        self.row_number = 0
        # Column-wise reading needs a required column: a row whose cells are all clean is then never blank.
        self.columnwise = any(cell.required for cell in self.cells)
        self.exact_datetimes: set[str] = set()  # columns whose last chunk held datetime objects only

    def problem(self, code: str, key: str, value: Any = None, severity: Severity = Severity.ERROR, **params: Any) -> None:
        self.problems.append(Problem(severity, code, self.sheet.key, self.row_number, key, value, params))

    def parse(self, row: Sequence[Any], row_number: int) -> list[Any] | None:
        """Typed values in the schema's column order (None when blank, absent or unreadable); None for an empty row."""
        n = len(row)
        values: list[Any] = [None] * self.width
        found: list[Problem] = []
        blank = True
        sheet_key = self.sheet.key
        for cell in self.cells:
            raw = row[cell.index] if cell.index < n else None
            if raw is None or raw == "":
                if cell.required:
                    found.append(Problem(Severity.ERROR, "required_missing", sheet_key, row_number, cell.key))
                continue
            blank = False
            cache = cell.cache
            # True == 1 in a dict, so booleans bypass the cache
            value = cache.get(raw, _MISS) if cache is not None and type(raw) is not bool else _MISS
            if value is _MISS:
                try:
                    value = cell.convert(raw)
                except P.CellError as err:
                    value = _kept(err)
                if cache is not None and type(raw) is not bool and len(cache) < _CACHE_LIMIT:
                    cache[raw] = value
            if isinstance(value, P.CellError):
                found.append(Problem(Severity.ERROR, value.code, sheet_key, row_number, cell.key, raw, value.params))
                value = None
            elif value is None and cell.required:
                found.append(Problem(Severity.ERROR, "required_missing", sheet_key, row_number, cell.key))
            values[cell.pos] = value
        if blank:
            return None
        self.row_number = row_number
        self.problems.extend(found)
        return values

    def _column(self, cell: _Cell, raw: Sequence[Any]) -> tuple[list[Any], list[int]]:
        """The field values of one column of a chunk, and the rows (0-based in the chunk) it makes unclean.

        A value at an unclean row is meaningless: that row is read again by :meth:`parse`.
        """
        if cell.kind in ("date", "datetime"):
            # calamine gives Excel dates as date/datetime objects, which parse as themselves
            types = set(map(type, raw))
            if cell.kind == "datetime" and types <= _DATE_TYPES:
                if types == {datetime}:
                    self.exact_datetimes.add(cell.key)
                return list(raw), []
            if cell.kind == "date" and types == {date}:
                return list(raw), []
            if cell.kind == "date" and types == {datetime}:
                return list(map(datetime.date, raw)), []
        fast = cell.fast
        get = fast.get
        if (0 in fast or 1 in fast) and bool in set(map(type, raw)):
            vals = [_MISS if type(x) is bool else get(x, _MISS) for x in raw]  # True == 1: keep booleans apart
        else:
            vals = list(map(get, raw, repeat(_MISS)))  # looked up in C
        unclean: list[int] = []
        # `in` compares each value with _MISS: quick for str, int, enums; Decimal and Birthday take ~10x longer
        if cell.kind not in ("money", "birthday") and _MISS not in vals:
            return vals, unclean
        cache, required, final = cell.cache, cell.required, cell.final
        for i in compress(range(len(vals)), map(is_, vals, repeat(_MISS))):  # the misses, found in C
            x = raw[i]
            if x is None or x == "":
                if required:
                    unclean.append(i)
                    continue
                value = None
            else:
                plain = type(x) is not bool
                value = cache.get(x, _MISS) if cache is not None and plain else _MISS
                if value is _MISS:
                    try:
                        value = cell.convert(x)
                    except P.CellError as err:
                        value = _kept(err)
                    if cache is not None and plain and len(cache) < _CACHE_LIMIT:
                        cache[x] = value
                if isinstance(value, P.CellError) or (value is None and required):
                    unclean.append(i)
                    continue
            if final is not None:
                value = final(value)
            vals[i] = value
            if type(x) is not bool and len(fast) < _CACHE_LIMIT:
                fast[x] = value
        return vals, unclean

    def read_chunk(self, chunk: list[list[Any]], first_row_number: int,
                   build: Callable[[_SheetReader, Sequence[Any]], Any], records: list[Any]) -> None:
        """Type a chunk of rows (the first at sheet row ``first_row_number``) and append their records."""
        if not self.columnwise:
            for i, row in enumerate(chunk):
                values = self.parse(row, first_row_number + i)
                if values is not None:
                    record = build(self, values)
                    if record is not None:
                        records.append(record)
            return
        n = len(chunk)
        need = max(cell.index for cell in self.cells) + 1
        if min(map(len, chunk)) < need:
            chunk = [row + [None] * (need - len(row)) if len(row) < need else row for row in chunk]
        raw_columns = list(zip(*chunk, strict=False))  # rows are at least `need` long
        columns: dict[str, list[Any]] = {}
        unclean: set[int] = set()
        self.exact_datetimes.clear()
        for cell in self.cells:
            columns[cell.key], bad = self._column(cell, raw_columns[cell.index])
            unclean.update(bad)
        del raw_columns
        batch = _BATCH_BUILDERS.get(self.sheet.key)
        if batch is not None:
            built = batch(self, columns, n, first_row_number)
            for i in sorted(unclean):
                values = self.parse(chunk[i], first_row_number + i)
                built[i] = build(self, values) if values is not None else None
            records.extend(built if not unclean else [r for r in built if r is not None])
            return
        absent = [None] * n
        in_order = [columns.get(col.key, absent) for col in self.sheet.columns]
        for i, clean in enumerate(zip(*in_order, strict=True)):
            if i in unclean:
                values = self.parse(chunk[i], first_row_number + i)
                if values is None:
                    continue
                record = build(self, values)
            else:
                self.row_number = first_row_number + i
                record = build(self, clean)
            if record is not None:
                records.append(record)


def _member(r: _SheetReader, v: Sequence[Any]) -> Member | None:
    (member_id, name, phone, email, gender, birthday, lunar, joined, store, membership, paid_until, family_of,
     referred_by, sms_consent, email_consent, language, notes, source, partner) = v
    if member_id is None:
        return None
    if birthday is not None and lunar:
        if birthday.day > 30:
            r.problem("lunar_day_impossible", "birthday", f"{birthday.month}/{birthday.day}")
            birthday = None
        else:
            birthday = replace(birthday, lunar=True)
    return Member(
        row=r.row_number,
        member_id=member_id,
        name=name or "",
        joined=joined,
        phone=phone,
        email=email,
        gender=gender,
        birthday=birthday,
        store=store,
        membership=Membership(membership) if membership else Membership.SPEND,
        paid_until=paid_until,
        family_of=family_of,
        referred_by=referred_by,
        sms_consent=sms_consent,
        email_consent=email_consent,
        language=language,
        notes=notes,
        source=source,
        partner=partner,
    )


_TXN_TYPE = {t.value: t for t in TxnType}
_PAID_WITH = {p.value: p for p in PaidWith}
_CASH = PaidWith.CASH


def _txn(r: _SheetReader, v: Sequence[Any]) -> Txn | None:
    when, member_id, type_name, amount, points, paid_with, gift_card, course_card, category, special, store, staff, \
        voucher, note = v
    if when is None or member_id is None or type_name is None:
        return None
    if isinstance(when, datetime):
        day = when.date()
        at = when if (when.hour or when.minute or when.second) else None
    else:
        day, at = when, None
    return Txn(r.row_number, day, member_id, _TXN_TYPE[type_name], amount, points,
               _PAID_WITH[paid_with] if paid_with else _CASH, gift_card, course_card, category, bool(special), store,
               staff, note, at, voucher)


def _txns(r: _SheetReader, columns: dict[str, list[Any]], n: int, first_row_number: int) -> list[Any]:
    """:func:`_txn` for a chunk of clean rows at once, column by column (a million rows is most of a big book)."""
    whens = columns["date"]
    if "date" in r.exact_datetimes:
        days = list(map(datetime.date, whens))
        ats = [w if w.hour or w.minute or w.second else None for w in whens]
    else:
        days = [w.date() if isinstance(w, datetime) else w for w in whens]
        ats = [w if isinstance(w, datetime) and (w.hour or w.minute or w.second) else None for w in whens]

    def column(key: str, absent: Any = None) -> Iterable[Any]:
        return columns.get(key) or repeat(absent, n)

    fields = zip(range(first_row_number, first_row_number + n), days, column("member_id"), column("type"),
                 column("amount"), column("points"), column("paid_with", _CASH), column("gift_card"),
                 column("course_card"), column("category"), column("special_offer", False), column("store"),
                 column("staff"), column("note"), ats, column("voucher"), strict=True)
    return list(map(_tuple_new, repeat(Txn, n), fields))


_tuple_new = tuple.__new__
# The batch builders' conversions, applied once per distinct raw value (what _txn does row by row).
_FINALS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "transactions": {
        "type": _TXN_TYPE.__getitem__,
        "paid_with": lambda v: _PAID_WITH[v] if v else _CASH,
        "special_offer": bool,
    },
}


def _gift_card(r: _SheetReader, v: Sequence[Any]) -> GiftCard | None:
    card_id, member_id, issued, value, valid_months, friend_name, friend_phone, registered = v
    if card_id is None or member_id is None or issued is None or value is None:
        return None
    return GiftCard(r.row_number, card_id, member_id, issued, value, valid_months, friend_name, friend_phone,
                    bool(registered))


def _course_card(r: _SheetReader, v: Sequence[Any]) -> CourseCard | None:
    card_id, member_id, service, sessions, price, bought, valid_until = v
    if card_id is None or member_id is None or sessions is None or bought is None:
        return None
    return CourseCard(r.row_number, card_id, member_id, service or "", sessions, price, bought, valid_until)


def _event(r: _SheetReader, v: Sequence[Any]) -> Event | None:
    event_id, title, day, invite_days, audience, template = v
    if event_id is None or day is None:
        return None
    return Event(r.row_number, event_id, title or "", day, invite_days, audience or ("all",), template)


def _call_note(r: _SheetReader, v: Sequence[Any]) -> CallNote | None:
    day, member_id, staff, outcome, note, next_call = v
    if day is None or member_id is None:
        return None
    return CallNote(r.row_number, day, member_id, staff, outcome, note, next_call)


def _opt_out(r: _SheetReader, v: Sequence[Any]) -> OptOut | None:
    day, member_id, phone, email, channel, source = v
    if member_id is None and phone is None and email is None:
        if not any(p.row == r.row_number and p.sheet == "opt_outs" for p in r.problems[-3:]):
            r.problem("optout_no_contact", "member_id", None)
        return None
    return OptOut(r.row_number, day, member_id, phone, email, Channel(channel) if channel else Channel.ALL, source)


# The builders unpack values in the schema's column order; this keeps the two in step.
def _voucher(r: _SheetReader, v: Sequence[Any]) -> Voucher | None:
    voucher_id, member_id, kind, raw_value, issued, valid_until, source, note = v
    if voucher_id is None or member_id is None or kind is None or issued is None:
        return None
    try:
        value, gift = P.parse_voucher_value(raw_value, kind)
    except P.CellError as err:
        r.problem(err.code, "value", raw_value, **err.params)
        return None
    if value is None and gift is None:
        return None  # (the blank Value is reported as a required cell)
    return Voucher(r.row_number, voucher_id, member_id, VoucherKind(kind), issued, value, gift, valid_until, source,
                   note, r.sheet.key)


def _attendance(r: _SheetReader, v: Sequence[Any]) -> Attendance | None:
    event_id, member_id, came, note = v
    if event_id is None or member_id is None:
        return None
    return Attendance(r.row_number, event_id, member_id, came, note)


_ORDER = {
    "members": "member_id name phone email gender birthday lunar_birthday joined store membership paid_until "
               "family_of referred_by sms_consent email_consent language notes source partner",
    "transactions": "date member_id type amount points paid_with gift_card course_card category special_offer store "
                    "staff voucher note",
    "gift_cards": "card_id member_id issued value valid_months friend_name friend_phone friend_registered",
    "course_cards": "card_id member_id service sessions price bought valid_until",
    "events": "event_id title date invite_days audience template",
    "call_notes": "date member_id staff outcome note next_call",
    "opt_outs": "date member_id phone email channel source",
    "vouchers": "voucher_id member_id kind value issued valid_until source note",
    "vouchers_issued": "voucher_id member_id kind value issued valid_until source note",
    "attendance": "event_id member_id came note",
}
for _sheet in READ_SHEETS:
    if [c.key for c in _sheet.columns] != _ORDER[_sheet.key].split():
        raise RuntimeError(f"reader builders are out of step with the schema of {_sheet.key}")


_BUILDERS: dict[str, Callable[[_SheetReader, Sequence[Any]], Any]] = {
    "members": _member,
    "transactions": _txn,
    "gift_cards": _gift_card,
    "course_cards": _course_card,
    "events": _event,
    "call_notes": _call_note,
    "opt_outs": _opt_out,
    "vouchers": _voucher,
    "vouchers_issued": _voucher,
    "attendance": _attendance,
}
# Sheets whose clean rows are built a chunk at a time; the others call their builder row by row.
_BATCH_BUILDERS: dict[str, Callable[[_SheetReader, dict[str, list[Any]], int, int], list[Any]]] = {
    "transactions": _txns,
}


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

