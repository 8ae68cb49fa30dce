"""Typing the cells of one sheet: :class:`_SheetReader`, row by row or a chunk of rows at a time, column by
column, with the column-wise builder of the Transactions sheet (:func:`_txns`, the most of a big book).

The row-by-row record builders are in :mod:`loyalsheet.workbook.reader_records`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import compress, repeat
from operator import is_
from typing import Any

from ..model import PaidWith, Problem, Severity, Txn, TxnType
from . import parse as P
from .reader_header import _Header
from .schema import Sheet

_MISS = object()
_CACHE_LIMIT = 200_000
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


_TXN_TYPE = {t.value: t for t in TxnType}
_PAID_WITH = {p.value: p for p in PaidWith}
_CASH = PaidWith.CASH


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
# Sheets whose clean rows are built a chunk at a time; the others call their builder row by row.
_BATCH_BUILDERS: dict[str, Callable[[_SheetReader, dict[str, list[Any]], int, int], list[Any]]] = {
    "transactions": _txns,
}
