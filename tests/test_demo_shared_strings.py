"""A demo book stores its text as Excel does: a shared-strings table, UTF-8, and the same values as before."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import load_workbook

from loyalsheet.demo import DemoBook, generate, write_demo
from loyalsheet.workbook import shared_strings
from loyalsheet.workbook.reader import read_member_file, read_member_values
from loyalsheet.workbook.schema import SHEETS, bilingual_header, bilingual_title
from loyalsheet.workbook.template import write_book
from tests.helpers import libreoffice_csv

TODAY = date(2026, 11, 20)
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def demo(folder: Path, shared: bool = True) -> DemoBook:
    return write_demo(folder, members=120, seed=3, today=TODAY, with_mistakes=True, shared_strings=shared)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def worksheets(book: dict[str, bytes]) -> dict[str, bytes]:
    return {n: d for n, d in book.items() if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def sheet_values(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's rows as openpyxl reads them, trailing empty cells dropped."""
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        out[ws.title] = rows
    return out


def as_excel_keeps(value: object) -> object:
    """A generated value as a spreadsheet gives it back: a date is a datetime at midnight."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value


def generated_values(book: DemoBook) -> dict[str, list[list[Any]]]:
    out = {}
    for sheet in SHEETS:
        rows = [[bilingual_header(c, "zh-en") for c in sheet.columns]]
        for row in book.rows[sheet.key]:
            values = [as_excel_keeps(v) for v in row]
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        out[bilingual_title(sheet, "zh-en")] = rows
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, DemoBook]:
    """The same demo store written twice: with shared strings (the default) and inline, the old way."""
    base = tmp_path_factory.mktemp("books")
    shared = demo(base / "shared")
    inline = demo(base / "inline", shared=False)
    assert shared == inline == generate(members=120, seed=3, today=TODAY, with_mistakes=True)
    return base / "shared" / "members.xlsx", base / "inline" / "members.xlsx", shared


def test_demo_book_keeps_its_text_in_a_shared_strings_table(books: tuple[Path, Path, DemoBook]) -> None:
    shared, inline, _ = books
    book = parts(shared)
    assert shared_strings.SHARED_STRINGS in book and shared_strings.SHARED_STRINGS not in parts(inline)
    types = etree.fromstring(book["[Content_Types].xml"])
    overrides = {el.get("PartName"): el.get("ContentType") for el in types if el.tag.endswith("Override")}
    assert overrides["/xl/sharedStrings.xml"] == SST_TYPE
    rels = etree.fromstring(book["xl/_rels/workbook.xml.rels"])
    assert [el.get("Target") for el in rels if el.get("Type") == SST_REL] == ["sharedStrings.xml"]
    assert len({el.get("Id") for el in rels}) == len(rels)

    sst = etree.fromstring(book["xl/sharedStrings.xml"])
    items = sst.findall("x:si", NS)
    texts = ["".join(si.itertext()) for si in items]
    assert len(texts) == len(set(texts)) == int(sst.get("uniqueCount", "")) > 100
    assert "会员编号\nMember ID" in texts and "消费" in texts
    for si, text in zip(items, texts, strict=True):
        t = si.find("x:t", NS)
        assert t is not None
        keep = t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
        assert keep == (text != text.strip() or "\n" in text), text
    assert "会员编号".encode() in book["xl/sharedStrings.xml"]  # UTF-8, not &#20250;

    used = 0
    sheets = worksheets(book)
    assert len(sheets) == len(SHEETS)
    for name, data in sheets.items():
        assert b"inlineStr" not in data and b"<is>" not in data, name
        assert b't="n"' not in data, name  # a number is a cell's default type, as Excel writes it
        assert re.search(rb"&#(x[0-9A-Fa-f]+|[0-9]{3,});", data) is None, name  # UTF-8 throughout
        indexes = [int(v) for v in re.findall(rb'<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")? t="s"><v>([0-9]+)</v></c>', data)]
        assert len(indexes) == data.count(b't="s"')
        assert all(0 <= i < len(texts) for i in indexes)
        used += len(indexes)
    assert used == int(sst.get("count", ""))
    assert len(book["xl/worksheets/sheet2.xml"]) < 0.75 * len(parts(inline)["xl/worksheets/sheet2.xml"])


def test_demo_book_reads_back_as_generated(books: tuple[Path, Path, DemoBook]) -> None:
    shared, inline, generated = books
    values = sheet_values(shared)
    assert values == generated_values(generated)
    assert values == sheet_values(inline)
    # our reader (python-calamine) finds the same member file in both, and the same as the rows in memory
    read = read_member_file(shared)
    before = read_member_file(inline)
    assert read.members and read.txns and read.problems  # the planted mistakes are found
    assert read == dataclasses.replace(before, path=str(shared))
    assert read == read_member_values(generated_values(generated), str(shared))


def test_same_arguments_same_bytes(books: tuple[Path, Path, DemoBook], tmp_path: Path) -> None:
    shared, _, _ = books
    demo(tmp_path / "again")
    assert (tmp_path / "again" / "members.xlsx").read_bytes() == shared.read_bytes()
    created = parts(shared)["docProps/core.xml"]
    assert b"2026-11-20T00:00:00Z</dcterms:created>" in created and b"2026-11-20T00:00:00Z</dcterms:modified>" in created
    with zipfile.ZipFile(shared) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_book_without_rows_stays_as_openpyxl_writes_it(tmp_path: Path) -> None:
    write_book(tmp_path / "empty.xlsx")
    assert shared_strings.SHARED_STRINGS not in parts(tmp_path / "empty.xlsx")


def test_rows_cut_across_chunks_give_the_same_parts(books: tuple[Path, Path, DemoBook], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, inline, _ = books
    whole = tmp_path / "whole.xlsx"
    shared_strings.share_strings(inline, whole)
    monkeypatch.setattr(shared_strings, "_CHUNK", 97)  # cuts rows, cells and &#...; references anywhere
    pieces = tmp_path / "pieces.xlsx"
    shared_strings.share_strings(inline, pieces)
    assert parts(pieces) == parts(whole)


# every character XML can hold, as text a person could type (openpyxl refuses the control characters)
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff",
                  min_codepoint=0x09).filter(lambda ch: ch in "\t\n\r" or ord(ch) >= 0x20),
    min_size=1, max_size=12,
).filter(lambda s: s[0] not in "=#")  # openpyxl writes these as a formula or an error value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(TEXT, min_size=1, max_size=8), notes=st.lists(TEXT, max_size=4))
@example(names=[" 王丽", "王丽 ", "王\n丽", "\r\n", "&<>\"'", "😀", "_x0041_", 'x t="n">y', "</row>", "王丽"],
         notes=["\t", "王丽", "&#26085;"])
def test_any_text_reads_back_exactly(names: list[str], notes: list[str], tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("text")
    rows = {"members": [[f"M{i:03d}", name, None, None, None, None, None, date(2025, 1, 2), *notes[:1]]
                        for i, name in enumerate(names)],
            "events": [[date(2026, 1, 1), note] for note in notes]}
    write_book(folder / "s.xlsx", rows)
    write_book(folder / "i.xlsx", rows, shared_strings=False)
    assert sheet_values(folder / "s.xlsx") == sheet_values(folder / "i.xlsx")
    members = sheet_values(folder / "s.xlsx")[bilingual_title(SHEETS[0], "zh-en")]
    assert [r[1] for r in members[1:]] == names
    assert all(b"inlineStr" not in data for data in worksheets(parts(folder / "s.xlsx")).values())


@pytest.mark.libreoffice
def test_libreoffice_sees_the_same_book(books: tuple[Path, Path, DemoBook], tmp_path: Path) -> None:
    shared, inline, generated = books
    seen = libreoffice_csv(shared, tmp_path / "csv-shared")
    assert seen == libreoffice_csv(inline, tmp_path / "csv-inline")
    members = seen[bilingual_title(SHEETS[0], "zh-en")]
    assert members[0][0] == "会员编号\nMember ID"
    assert len(members) - 1 == len(generated.rows["members"])
    txns = seen[bilingual_title(SHEETS[1], "zh-en")]
    assert len(txns) - 1 == len(generated.rows["transactions"])
