"""A member file read from values already in memory (as a live Excel book gives them) equals the same
file read from disk, and FileBook refuses to write over a file changed since it was read."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from loyalsheet.demo import write_demo
from loyalsheet.errors import WorkbookError
from loyalsheet.workbook.access import FileBook
from loyalsheet.workbook.reader import read_member_file, read_member_values
from loyalsheet.workbook.writer import OwnedSheet


def _live_values(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values the way xlwings hands them over: numbers as floats, dates as datetimes,
    empty cells None."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, list[list[Any]]] = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append([float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row])
        out[ws.title] = rows
    return out


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, members=120, years=2, seed=7, today=date(2026, 11, 22), with_mistakes=True)
    return folder / "members.xlsx"


def test_values_read_like_the_file(demo_book: Path) -> None:
    from_file = read_member_file(demo_book, region="CN")
    from_values = read_member_values(_live_values(demo_book), str(demo_book), region="CN")
    assert from_values.members == from_file.members
    assert from_values.txns == from_file.txns
    assert from_values.gift_cards == from_file.gift_cards
    assert from_values.course_cards == from_file.course_cards
    assert from_values.events == from_file.events
    assert from_values.call_notes == from_file.call_notes
    assert from_values.opt_outs == from_file.opt_outs
    assert sorted(map(repr, from_values.problems)) == sorted(map(repr, from_file.problems))
    assert from_values.layouts == from_file.layouts


def test_file_book_refuses_a_file_changed_since_read(demo_book: Path, tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    shutil.copyfile(demo_book, path)
    book = FileBook(path)
    book.read_member_file("CN")
    sheet = OwnedSheet(title="看板 Dashboard", header=["x"], rows=[[1]])
    first = book.write_owned_sheets([sheet], backups=2)
    assert first.backup is not None
    book.write_owned_sheets([sheet], backups=2)  # a second write in the same job starts from its own file
    shutil.copyfile(demo_book, path)  # someone saved their own version meanwhile
    with pytest.raises(WorkbookError):
        book.write_owned_sheets([sheet], backups=2)


def test_owned_sheets_read_ahead_are_the_sheets_read_when_asked(demo_book: Path, tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    shutil.copyfile(demo_book, path)
    sheet = OwnedSheet(title="看板 Dashboard", header=["x", "y"], rows=[[1, "a"], [2, date(2026, 11, 22)]])
    writer = FileBook(path)
    writer.read_member_file("CN")
    writer.write_owned_sheets([sheet], backups=1)

    book = FileBook(path)
    book.prefetch_owned_sheets(["看板 Dashboard", "No such sheet"])
    book.read_member_file("CN")
    ahead = book.read_owned_sheet("看板 Dashboard")
    assert ahead == FileBook(path).read_owned_sheet("看板 Dashboard")
    assert ahead[1][:2] == [1, "a"]
    assert book.read_owned_sheet("No such sheet") == []
    # what was read ahead is handed over once; asked again, the sheet is read again
    assert book.read_owned_sheet("看板 Dashboard") == ahead
    # a file that went missing in between: the error comes when the sheet is asked for
    gone = FileBook(tmp_path / "gone.xlsx")
    gone.prefetch_owned_sheets(["看板 Dashboard"])
    with pytest.raises(WorkbookError):
        gone.read_owned_sheet("看板 Dashboard")
    # and the write still knows the file as it was first read
    book.write_owned_sheets([sheet], backups=1)
