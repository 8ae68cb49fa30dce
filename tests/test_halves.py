"""A big Transactions sheet read in two halves by two processes gives exactly what reading it whole
gives: the same records, problems (at the same cells) and layout, for any book a person might make."""

from __future__ import annotations

import os
import re
import tempfile
import time as clock
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loyalsheet.workbook.halves as halves_module
import loyalsheet.workbook.reader as reader_module
from loyalsheet.errors import WorkbookError
from loyalsheet.model import MemberFile, PaidWith, Txn, TxnType
from loyalsheet.packing import pack, unpack
from loyalsheet.parallel import workers_allowed
from loyalsheet.workbook.halves import Halves, cut_sheet
from loyalsheet.workbook.reader import read_member_file
from tests.helpers import write_book

pytestmark = pytest.mark.skipif(not workers_allowed(), reason="the second half goes to a forked worker on Linux only")


@pytest.fixture
def cuts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Halves | None]:
    """Every sheet is big enough to cut; the list records what each cut gave. Temporary files go to a
    folder of the test's own, to see that none is left behind."""
    monkeypatch.setattr(halves_module, "MIN_BYTES", 0)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    made: list[Halves | None] = []
    real = reader_module.cut_sheet

    def recording(*args: Any, **kwargs: Any) -> Halves | None:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(reader_module, "cut_sheet", recording)
    return made


def _whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> MemberFile:
    with monkeypatch.context() as m:
        m.setenv("LOYALSHEET_WORKERS", "1")  # one process: the sheet is read whole
        return read_member_file(path)


def _same(path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch) -> MemberFile:
    in_halves = read_member_file(path)
    assert cuts and cuts[-1] is not None, "the sheet was not cut"
    assert not any(Path(tempfile.gettempdir()).iterdir()), "temporary halves left behind"
    whole = _whole(path, monkeypatch)
    assert in_halves.txns == whole.txns
    assert in_halves.problems == whole.problems
    assert in_halves.layouts == whole.layouts
    assert in_halves == whole
    return in_halves


def test_a_demo_store_with_typing_mistakes_reads_the_same_in_halves(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loyalsheet.demo import write_demo

    write_demo(tmp_path / "shop", members=300, today=date(2026, 11, 22), with_mistakes=True)
    mf = _same(tmp_path / "shop" / "members.xlsx", cuts, monkeypatch)
    halves = cuts[-1]
    assert halves is not None and 100 < halves.cut_row < len(mf.txns)
    rows = [t.row for t in mf.txns]
    assert rows == sorted(rows) and min(rows) < halves.cut_row <= max(rows)  # both halves hold rows


def _txn_rows(count: int, lead: list[Any]) -> list[list[Any]]:
    """Transactions with a mistake every so often, blank rows, text dates and datetimes."""
    rows: list[list[Any]] = []
    for i in range(count):
        day: Any = datetime(2026, 1, 1 + i % 28, 10, i % 60) if i % 3 else f"2026-02-{1 + i % 28:02d}"
        amount: Any = Decimal(100 + i % 7) if i % 41 else "about 100"  # unreadable now and then
        kind = "purchase" if i % 53 else "bought"  # an unknown type now and then
        member = f"M{i % 40}" if i % 67 else "M999"  # an unknown member now and then
        row = [day, member, kind, amount, None, "cash" if i % 2 else "card"]
        rows.append(lead + row if i % 89 else [])  # blank rows too
    return rows


@pytest.mark.parametrize("layout", ["plain", "title above, header from column B", "notes in column A below"])
def test_a_hand_made_book_reads_the_same_in_halves(
    layout: str, tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    header = ["Date", "Member ID", "Type", "Amount", "Points", "Paid with"]
    members = [["Member ID", "Name", "Joined"], *([f"M{i}", f"Name {i}", "2025-01-01"] for i in range(40))]
    if layout == "plain":
        txns = [header, *_txn_rows(600, [])]
    elif layout == "title above, header from column B":
        # the header rows start at column A (the title), the rows of the second half at column B
        txns = [["Shop transactions 2026"], [], [None, *header], *_txn_rows(600, [None])]
    else:
        # the header rows start at column B, some rows of the second half at column A
        rows = _txn_rows(600, [None])
        for i in range(400, 600, 50):
            rows[i] = ["checked", *rows[i][1:]] if rows[i] else rows[i]
        txns = [[None, *header], *rows]
    path = write_book(tmp_path / "m.xlsx", {"Members": members, "Transactions": txns})
    mf = _same(path, cuts, monkeypatch)
    codes = {p.code for p in mf.problems if p.sheet == "transactions"}
    assert {"money_unreadable", "choice_unknown"} <= codes
    halves = cuts[-1]
    assert halves is not None
    assert {p.row < halves.cut_row for p in mf.problems if p.sheet == "transactions"} == {True, False}


def _one_member_book(path: Path, more: dict[str, list[list[Any]]] | None = None) -> Path:
    """One member and 300 clean purchases (and ``more`` sheets)."""
    return write_book(path, {
        "Members": [["Member ID", "Name", "Joined"], ["M1", "A", "2025-01-01"]],
        "Transactions": [["Date", "Member ID", "Type", "Amount"],
                         *([f"2026-01-{1 + i % 28:02d}", "M1", "purchase", 10 + i] for i in range(300))],
        **(more or {}),
    })


def test_a_worker_that_dies_leaves_the_second_half_to_this_process(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()
    real = reader_module._read_second_half

    def dies_in_the_worker(*args: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)  # killed before it answers (out of memory, say)
        return real(*args)

    monkeypatch.setattr(reader_module, "_read_second_half", dies_in_the_worker)
    path = _one_member_book(tmp_path / "m.xlsx")
    _same(path, cuts, monkeypatch)


def test_a_header_missing_is_the_same_clear_error_in_halves(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_book(tmp_path / "m.xlsx", {
        "Members": [["Member ID", "Name", "Joined"], ["M1", "A", "2025-01-01"]],
        "Transactions": [["Date", "Who", "Type", "Amount"], *([f"2026-01-0{1 + i % 9}", "M1", "purchase", i]
                                                               for i in range(300))],
    })
    with pytest.raises(WorkbookError) as cut_error:
        read_member_file(path)
    with pytest.raises(WorkbookError) as whole_error:
        _whole(path, monkeypatch)
    assert cut_error.value.code == whole_error.value.code == "header_missing"
    assert cut_error.value.params == whole_error.value.params
    assert not any(Path(tempfile.gettempdir()).iterdir())


def _without_row_numbers(source: Path, target: Path) -> None:
    """The same book with the rows' r attributes left out (some programs write them so)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'(<row\b[^>]*?) r="\d+"', rb"\1", data)
            zout.writestr(info, data)


def test_rows_that_do_not_say_their_number_are_read_whole(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = _one_member_book(tmp_path / "made.xlsx")
    path = tmp_path / "m.xlsx"
    _without_row_numbers(made, path)
    with zipfile.ZipFile(path) as zf:
        part = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet2"))
    assert cut_sheet(path, part, 10) is None
    in_halves = read_member_file(path)
    assert cuts == [None]
    assert in_halves == _whole(path, monkeypatch)
    assert [t.row for t in in_halves.txns] == list(range(2, 302))


_days = st.dates(date(2020, 1, 1), date(2030, 12, 31))
_amounts = st.sampled_from([Decimal("1.0"), Decimal("1.00"), Decimal("-3.5"), Decimal("0"), Decimal("1E+2")])
_moments = st.one_of(st.none(), st.builds(datetime.combine, _days, st.times()))


@st.composite
def _txns(draw: st.DrawFn) -> list[Txn]:
    count = draw(st.integers(0, 60))
    amounts = [draw(st.one_of(st.none(), _amounts)) for _ in range(4)]  # a few objects, repeated as the reader does
    out = []
    for row in range(count):
        at = draw(_moments)
        out.append(Txn(row + 2, at.date() if at else draw(_days), draw(st.sampled_from(["M1", "M2", "会员3"])),
                       draw(st.sampled_from(list(TxnType))), draw(st.sampled_from(amounts)),
                       draw(st.one_of(st.none(), st.integers(-5, 5))), draw(st.sampled_from(list(PaidWith))),
                       special_offer=draw(st.booleans()), at=at))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_txns())
def test_packed_records_come_back_equal_and_print_the_same(txns: list[Txn]) -> None:
    back = unpack(pack(txns, Txn))
    assert back == txns
    assert all(type(b) is Txn for b in back)
    assert [str(t.amount) for t in back] == [str(t.amount) for t in txns]  # 1.0 stays 1.0, 1.00 stays 1.00
    assert [type(t.at) for t in back] == [type(t.at) for t in txns]


def test_a_packed_column_of_many_repeats_travels_as_a_table() -> None:
    day = date(2026, 1, 1)
    txns = [Txn(i, day, "M1", TxnType.PURCHASE, Decimal("10.00"), at=datetime.combine(day, time(10, i % 60)))
            for i in range(1000)]
    packed = pack(txns, Txn)
    day_column, at_column = packed.columns[1], packed.columns[14]
    assert type(day_column).__name__ == "_Table" and len(day_column.values) == 1
    assert type(at_column).__name__ == "_Moments"
    assert unpack(packed) == txns


def test_the_owned_sheets_read_ahead_is_done_before_the_fork(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading
    import time as time_module

    import loyalsheet.workbook.access as access_module
    from loyalsheet.workbook.access import FileBook

    path = _one_member_book(tmp_path / "m.xlsx", {
        "会员状态 Member status": [["Member ID", "Tier"], *([f"M{i}", "Gold"] for i in range(3000))],
    })
    alive_at_fork: list[list[str]] = []
    real = reader_module.Forked

    def forked(*args: Any) -> Any:
        alive_at_fork.append([t.name for t in threading.enumerate() if t is not threading.current_thread()])
        return real(*args)

    monkeypatch.setattr(reader_module, "Forked", forked)
    slow_read = access_module.read_owned_sheets

    def slow(*args: Any, **kwargs: Any) -> Any:  # still reading when the member file's read would fork
        time_module.sleep(0.5)
        return slow_read(*args, **kwargs)

    monkeypatch.setattr(access_module, "read_owned_sheets", slow)
    book = FileBook(path)
    book.prefetch_owned_sheets(["会员状态 Member status"])
    mf = book.read_member_file("CN")
    assert cuts[-1] is not None and alive_at_fork == [[]]  # forked, with no other thread running
    assert len(mf.txns) == 300 and book.read_owned_sheet("会员状态 Member status")[1][:2] == ["M0", "Gold"]


def test_a_frozen_dataclass_travels_as_its_field_values_and_can_leave_some_out() -> None:
    import pickle
    from dataclasses import dataclass

    from loyalsheet.packing import fields_reducer
    from loyalsheet.parallel import _Pickler

    @dataclass(frozen=True, slots=True)
    class Point:
        x: int
        label: str
        note: str = ""

    globals()["Point"] = Point  # (pickle names the class by module and name)
    Point.__qualname__ = "Point"

    def without_note(_p: Point, values: list[Any]) -> None:
        values[2] = ""

    import io

    buffer = io.BytesIO()
    points = [Point(1, "a", "kept here only"), Point(2, "b")]
    _Pickler(buffer, pickle.HIGHEST_PROTOCOL, {Point: fields_reducer(Point, without_note)}).dump(points)
    back = pickle.loads(buffer.getvalue())
    assert back == [Point(1, "a"), Point(2, "b")] and all(type(p) is Point for p in back)
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Plain:
            x: int

        fields_reducer(Plain)


@dataclass(frozen=True, slots=True)
class _Visit:
    day: date | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class _Guest:
    name: str
    visit: _Visit | None
    note: str


def test_many_frozen_dataclasses_travel_column_by_column_nested_shared_and_changed() -> None:
    import io
    import pickle

    from loyalsheet.packing import Nested, pack_objects, unpack_objects
    from loyalsheet.parallel import _Pickler

    shared = _Visit(date(2026, 1, 2), Decimal("1.50"))
    guests = [_Guest("a", shared, "x"), None, _Guest("b", None, "y"), _Guest("c", shared, "z"),
              _Guest("d", _Visit(None, Decimal("1.5")), "w")]
    guests.append(guests[0])  # one object at two places

    def no_notes(columns: dict[str, list[Any]]) -> None:
        columns["note"] = [""] * len(columns["note"])

    packed = pack_objects(guests, _Guest, no_notes, {"visit": Nested(_Visit)})
    buffer = io.BytesIO()
    _Pickler(buffer, pickle.HIGHEST_PROTOCOL).dump(packed)
    back = unpack_objects(pickle.loads(buffer.getvalue()))
    assert back == [None if g is None else _Guest(g.name, g.visit, "") for g in guests]
    assert back[0] is back[5] and back[0].visit is back[3].visit  # shared objects stay shared
    assert str(back[4].visit.amount) == "1.5" and str(back[0].visit.amount) == "1.50"  # Decimals as they were
    assert all(type(g) is _Guest for g in back if g is not None) and type(back[0].visit) is _Visit
    assert unpack_objects(pack_objects([], _Guest)) == []
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Plain:
            x: int

        pack_objects([Plain(1)], Plain)


def test_halves_a_killed_read_left_behind_are_removed_by_the_next(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    temp = Path(tempfile.gettempdir())
    stale, fresh = temp / "loyalsheet-halves-stale", temp / "loyalsheet-halves-fresh"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "second.xlsx").write_bytes(b"members' rows")
    old = clock.time() - halves_module.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    path = _one_member_book(tmp_path / "m.xlsx")
    assert len(read_member_file(path).txns) == 300 and cuts[-1] is not None
    assert sorted(p.name for p in temp.iterdir()) == ["loyalsheet-halves-fresh"]  # (another read may be running)


@pytest.mark.libreoffice
def test_a_book_saved_by_libreoffice_reads_the_same_in_halves(
    tmp_path: Path, cuts: list[Halves | None], monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil
    import subprocess
    import uuid

    from loyalsheet.demo import write_demo
    from tests.helpers import soffice

    write_demo(tmp_path / "shop", members=200, today=date(2026, 11, 22), with_mistakes=True)
    out = tmp_path / "saved"
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:  # LibreOffice writes its own XML: its own styles, shared strings and row attributes
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(tmp_path / "shop" / "members.xlsx")],
                       check=True, capture_output=True, timeout=240)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    mf = _same(out / "members.xlsx", cuts, monkeypatch)
    assert len(mf.txns) > 1000 and mf.problems
