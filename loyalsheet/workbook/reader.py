"""Read a member file: open it safely, find each sheet and its columns, and type every cell.

Reading never stops at the first bad cell: each cell that cannot be read becomes a
:class:`~loyalsheet.model.Problem` at its sheet/row/column, and the row is kept when what it needs is
there. A file that cannot be read at all raises :class:`~loyalsheet.errors.WorkbookError` with one
clear message (exit code 2 at the CLI).

We read with python-calamine: on a 100,000-member / 1,000,000-transaction book it is about ten times
faster than openpyxl's read-only mode (``scripts/bench_read --engine openpyxl`` measures both).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import WorkbookError
from ..model import (
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
)
from . import parse as P
from .schema import SHEETS, Sheet, column_letter, header_names, normalize_header, sheet_names

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
    }
    return table[kind]


@dataclass
class _Cell:
    key: str
    pos: int  # position in the schema's column order
    index: int  # column index in the sheet
    convert: Callable[[Any], Any]
    required: bool
    cache: dict[Any, Any] | None  # None for date columns: their values rarely repeat


class _SheetReader:
    """Types the cells of one sheet, collecting problems with their row and column.

    Values repeat a great deal down a column (types, stores, member IDs, amounts), so each column
    remembers what it made of a raw value; a million-row sheet is read in seconds.
    """

    def __init__(self, sheet: Sheet, header: _Header, region: str) -> None:
        self.sheet = sheet
        self.cells = [
            _Cell(col.key, pos, header.index[col.key], _converter(col.kind, region), col.required,
                  None if col.kind in ("date", "datetime", "birthday") else {})
            for pos, col in enumerate(sheet.columns)
            if col.key in header.index
        ]
        self.width = len(sheet.columns)
        self.problems: list[Problem] = []
        self.row_number = 0

    def problem(self, code: str, key: str, value: Any = None, severity: Severity = Severity.ERROR, **params: Any) -> None:
        self.problems.append(Problem(severity, code, self.sheet.key, self.row_number, key, value, params))

    def parse(self, row: list[Any], row_number: int) -> list[Any] | None:
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
                    value = err
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


def _member(r: _SheetReader, v: list[Any]) -> Member | None:
    (member_id, name, phone, email, gender, birthday, lunar, joined, store, membership, paid_until, family_of,
     referred_by, sms_consent, email_consent, language, notes) = v
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
    )


_TXN_TYPE = {t.value: t for t in TxnType}
_PAID_WITH = {p.value: p for p in PaidWith}
_CASH = PaidWith.CASH


def _txn(r: _SheetReader, v: list[Any]) -> Txn | None:
    when, member_id, type_name, amount, points, paid_with, gift_card, course_card, category, special, store, staff, \
        note = v
    if when is None or member_id is None or type_name is None:
        return None
    if isinstance(when, datetime):
        day = when.date()
        at = when if (when.hour or when.minute or when.second) else None
    else:
        day, at = when, None
    return Txn(r.row_number, day, member_id, _TXN_TYPE[type_name], amount, points,
               _PAID_WITH[paid_with] if paid_with else _CASH, gift_card, course_card, category, bool(special), store,
               staff, note, at)


def _gift_card(r: _SheetReader, v: list[Any]) -> GiftCard | None:
    card_id, member_id, issued, value, valid_months, friend_name, friend_phone, registered = v
    if card_id is None or member_id is None or issued is None or value is None:
        return None
    return GiftCard(r.row_number, card_id, member_id, issued, value, valid_months, friend_name, friend_phone,
                    bool(registered))


def _course_card(r: _SheetReader, v: list[Any]) -> CourseCard | None:
    card_id, member_id, service, sessions, price, bought, valid_until = v
    if card_id is None or member_id is None or sessions is None or bought is None:
        return None
    return CourseCard(r.row_number, card_id, member_id, service or "", sessions, price, bought, valid_until)


def _event(r: _SheetReader, v: list[Any]) -> Event | None:
    event_id, title, day, invite_days, audience, template = v
    if event_id is None or day is None:
        return None
    return Event(r.row_number, event_id, title or "", day, invite_days, audience or ("all",), template)


def _call_note(r: _SheetReader, v: list[Any]) -> CallNote | None:
    day, member_id, staff, outcome, note, next_call = v
    if day is None or member_id is None:
        return None
    return CallNote(r.row_number, day, member_id, staff, outcome, note, next_call)


def _opt_out(r: _SheetReader, v: list[Any]) -> OptOut | None:
    day, member_id, phone, email, channel, source = v
    if member_id is None and phone is None and email is None:
        if not any(p.row == r.row_number and p.sheet == "opt_outs" for p in r.problems[-3:]):
            r.problem("optout_no_contact", "member_id", None)
        return None
    return OptOut(r.row_number, day, member_id, phone, email, Channel(channel) if channel else Channel.ALL, source)


# The builders unpack values in the schema's column order; this keeps the two in step.
_ORDER = {
    "members": "member_id name phone email gender birthday lunar_birthday joined store membership paid_until "
               "family_of referred_by sms_consent email_consent language notes",
    "transactions": "date member_id type amount points paid_with gift_card course_card category special_offer store "
                    "staff note",
    "gift_cards": "card_id member_id issued value valid_months friend_name friend_phone friend_registered",
    "course_cards": "card_id member_id service sessions price bought valid_until",
    "events": "event_id title date invite_days audience template",
    "call_notes": "date member_id staff outcome note next_call",
    "opt_outs": "date member_id phone email channel source",
}
for _sheet in SHEETS:
    if [c.key for c in _sheet.columns] != _ORDER[_sheet.key].split():
        raise RuntimeError(f"reader builders are out of step with the schema of {_sheet.key}")


_BUILDERS: dict[str, Callable[[_SheetReader, list[Any]], Any]] = {
    "members": _member,
    "transactions": _txn,
    "gift_cards": _gift_card,
    "course_cards": _course_card,
    "events": _event,
    "call_notes": _call_note,
    "opt_outs": _opt_out,
}


@dataclass
class _SheetResult:
    records: list[Any]
    layout: SheetLayout
    problems: list[Problem]


def _read_sheet(
    book: Any, title: str, sheet: Sheet, path: Path, region: str, progress: Progress | None
) -> _SheetResult:
    data = book.get_sheet_by_name(title)
    start_row, start_col = data.start if data.start is not None else (0, 0)
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
    reader = _SheetReader(sheet, header, region)
    for key, col in header.duplicates:
        reader.problems.append(
            Problem(Severity.WARNING, "header_duplicate", sheet.key, header_abs, key, None,
                    {"other": column_letter(start_col + col)})
        )
    build = _BUILDERS[sheet.key]
    records: list[Any] = []
    parse_row = reader.parse
    first = header.row_index + 1
    for i, row in enumerate(head[first:], start=first):
        values = parse_row(row, start_row + i + 1)
        if values is not None:
            record = build(reader, values)
            if record is not None:
                records.append(record)
    for i, row in enumerate(rows_iter, start=len(head)):
        values = parse_row(row, start_row + i + 1)
        if values is not None:
            record = build(reader, values)
            if record is not None:
                records.append(record)
        if progress is not None and i % 20000 == 0:
            progress(sheet.key, i, total)
    if progress is not None:
        progress(sheet.key, total, total)
    return _SheetResult(records, layout, reader.problems)


def read_member_file(path: Path, *, region: str = "CN", progress: Progress | None = None) -> MemberFile:
    """Read every sheet of the member file at ``path``.

    Raises :class:`WorkbookError` when the file cannot be read at all; problems in cells are
    returned in ``MemberFile.problems``.
    """
    import python_calamine

    check_file(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise _open_error("workbook_encrypted", path) from None
    except Exception as exc:  # calamine raises several types for a broken file; all mean the same to a person
        raise _open_error("workbook_corrupt", path, detail=str(exc)[:200]) from None
    try:
        titles = list(book.sheet_names)
        results: dict[str, _SheetResult] = {}
        for sheet in SHEETS:
            title = _find_sheet(titles, sheet)
            if title is None:
                if sheet.required:
                    raise WorkbookError(
                        "sheet_missing", file=str(path), sheet=f"{sheet.zh} / {sheet.en}", found=", ".join(titles)
                    )
                continue
            try:
                results[sheet.key] = _read_sheet(book, title, sheet, path, region, progress)
            except WorkbookError:
                raise
            except Exception as exc:  # a damaged sheet part inside an otherwise valid zip
                raise _open_error("workbook_corrupt", path, detail=f"{title}: {str(exc)[:200]}") from None
    finally:
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
        layouts={k: r.layout for k, r in results.items()},
        problems=tuple(problems),
    )

