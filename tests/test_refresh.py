"""`loyalsheet refresh` end to end on real books: owned sheets written, everything else untouched."""

from __future__ import annotations

import json
import posixpath
import shutil
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from loyalsheet.calls.sheet import LAST, MEMBER, OUTCOME, STAFF
from loyalsheet.refresh import CALL_LOG, CALLS, DASHBOARD, OWNED_TITLES, REPORT, STATUS, sheet_title
from loyalsheet.workbook.chain import STORE_MARK, store_sheet_title
from loyalsheet.workbook.writer import OwnedSheet, fingerprint, read_owned_sheet, write_owned_sheets
from tests.helpers import REPO, Result, libreoffice_csv

FIXTURES = REPO / "tests" / "fixtures"
DAY = "2026-11-22"
LISTING_PARTS = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
                 "docProps/app.xml", "xl/calcChain.xml"}
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def _resolve(folder: str, target: str) -> str:
    """A relationship target as a part name: absolute targets start at the package root."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _rels(zf: zipfile.ZipFile, part: str) -> list[str]:
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zf.namelist():
        return []
    root = etree.fromstring(zf.read(rels))
    out = [rels]
    for rel in root.findall("rel:Relationship", NS):
        if rel.get("TargetMode") == "External":
            continue
        out.append(_resolve(folder, rel.get("Target", "")))
    return out


def owned_parts(path: Path) -> set[str]:
    """Every part that belongs to an owned sheet: the worksheet, its rels, drawings and charts."""
    with zipfile.ZipFile(path) as zf:
        workbook = etree.fromstring(zf.read("xl/workbook.xml"))
        targets = {rel.get("Id"): _resolve("xl", rel.get("Target", ""))
                   for rel in etree.fromstring(zf.read("xl/_rels/workbook.xml.rels")).findall("rel:Relationship", NS)}
        found: set[str] = set()
        for sheet in workbook.findall("m:sheets/m:sheet", NS):
            if str(sheet.get("name")).rpartition(STORE_MARK)[0] in OWNED_TITLES or sheet.get("name") in OWNED_TITLES:
                todo = [targets[sheet.get(f"{{{NS['r']}}}id")]]
                while todo:
                    part = todo.pop()
                    if part in found:
                        continue
                    found.add(part)
                    todo.extend(_rels(zf, part))
        return found


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def assert_only_owned_changed(before: Path, after: Path) -> None:
    old, new = parts(before), parts(after)
    may_change = LISTING_PARTS | owned_parts(before) | owned_parts(after)
    for name, data in old.items():
        if name not in may_change:
            assert name in new, f"{name} disappeared"
            assert new[name] == data, f"{name} changed"
    for name in new:
        assert name in old or name in may_change, f"unexpected new part {name}"


def _store(tmp_path: Path, fixture: str) -> Path:
    book = tmp_path / fixture
    shutil.copyfile(FIXTURES / fixture, book)
    (tmp_path / "config.yaml").write_text(
        f"language: en\nworkbook: {fixture}\nstores:\n  - name: 本店\n  - name: 二店\n", encoding="utf-8")
    return book


@pytest.mark.parametrize("fixture", ["openpyxl_features.xlsx", "libreoffice.xlsx", "macro.xlsm"])
def test_refresh_writes_owned_sheets_and_keeps_every_other_part(tmp_path: Path, cli: Callable[..., Result],
                                                                fixture: str) -> None:
    book = _store(tmp_path, fixture)
    original = tmp_path / "original"
    shutil.copyfile(book, original)
    result = cli("refresh", "--date", DAY, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Updated" in result.out
    assert_only_owned_changed(original, book)
    wb = load_workbook(book)
    # the fixtures' config is a chain of two stores: the chain's status and dashboard, each store's three,
    # and the chain's effect report
    chain_titles = [sheet_title(STATUS), sheet_title(DASHBOARD)] + [
        store_sheet_title(sheet_title(base), store) for store in ("本店", "二店") for base in (CALLS, CALL_LOG, DASHBOARD)
    ] + [sheet_title(REPORT)]
    assert [t for t in wb.sheetnames if t.rpartition(STORE_MARK)[0] in OWNED_TITLES or t in OWNED_TITLES] == chain_titles
    status = wb[sheet_title(STATUS)]
    ids = [row[0] for row in status.iter_rows(min_row=2, values_only=True)]
    assert len(ids) == 4 and all(ids)
    if fixture.endswith(".xlsm"):
        assert parts(original)["xl/vbaProject.bin"] == parts(book)["xl/vbaProject.bin"]
    # a second refresh changes only the owned parts again
    second = tmp_path / "second"
    shutil.copyfile(book, second)
    again = cli("refresh", "--date", "2026-11-29", cwd=tmp_path)
    assert again.code == 0, again.err
    assert_only_owned_changed(second, book)
    assert_only_owned_changed(original, book)
    backups = list((tmp_path / ".loyalsheet-backups").iterdir())
    assert len(backups) == 2


@pytest.mark.libreoffice
def test_libreoffice_reads_the_owned_sheets(tmp_path: Path, cli: Callable[..., Result]) -> None:
    book = _store(tmp_path, "openpyxl_features.xlsx")
    assert cli("refresh", "--date", DAY, cwd=tmp_path).code == 0
    sheets = libreoffice_csv(book, tmp_path / "csv")
    status = sheets[sheet_title(STATUS)]
    assert status[0][0] == "会员编号\nMember ID"
    mine = {row[0] for row in status[1:]}
    from loyalsheet.workbook.reader import read_member_file

    assert mine == {m.member_id for m in read_member_file(book).members}
    dashboard = sheets[sheet_title(DASHBOARD)]
    assert dashboard[0][0].startswith("Dashboard as of 2026-11-22")
    assert any(row and row[0] == "Members in all" and row[1] == "4" for row in dashboard)


def test_dry_run_writes_nothing_and_json(tmp_path: Path, cli: Callable[..., Result]) -> None:
    book = _store(tmp_path, "openpyxl_features.xlsx")
    before = book.read_bytes()
    result = cli("refresh", "--dry-run", "--json", "--date", DAY, cwd=tmp_path)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["dry_run"] is True and report["members"] == 4
    assert book.read_bytes() == before
    assert not (tmp_path / ".loyalsheet-backups").exists()


def test_refused_while_open_in_libreoffice_or_changed(tmp_path: Path, cli: Callable[..., Result]) -> None:
    book = _store(tmp_path, "openpyxl_features.xlsx")
    before = book.read_bytes()
    lock = tmp_path / f".~lock.{book.name}#"
    lock.write_text(",Mei,frontdesk,22.11.2026 10:00,file:///home/mei/.config/libreoffice/4;")
    result = cli("refresh", "--date", DAY, "--lang", "en", cwd=tmp_path)
    assert result.code == 2
    assert "LibreOffice" in result.err and "Traceback" not in result.err
    assert book.read_bytes() == before
    lock.unlink()
    (tmp_path / f"~${book.name}").write_bytes(b"\0" * 165)
    result = cli("refresh", "--date", DAY, "--lang", "en", cwd=tmp_path)
    assert result.code == 2 and "Excel" in result.err
    assert book.read_bytes() == before


def test_call_outcomes_are_collected_into_the_call_log(tmp_path: Path, cli: Callable[..., Result]) -> None:
    demo = tmp_path / "shop"
    assert cli("demo", str(demo), "--members", "80", "--date", DAY, "--lang", "en").code == 0
    book = demo / "members.xlsx"
    assert cli("refresh", "--config", str(demo / "config.yaml"), "--date", DAY).code == 0
    calls = read_owned_sheet(book, sheet_title(CALLS))
    assert len(calls) > 2, "the demo store has members to phone"
    header, first = calls[0], list(calls[2])  # (row 2 is the reminder)
    member_id = first[MEMBER]
    first[OUTCOME:STAFF + 1] = ["已接通", "约了下周三做护理", date(2026, 11, 25), "小王"]
    # a manager types the outcome in Excel (simulated: the owned sheet rewritten with the outcome filled)
    write_owned_sheets(book, [OwnedSheet(sheet_title(CALLS), [str(h) for h in header], [calls[1], first, *calls[3:]])],
                       expected=fingerprint(book), backups=0)
    result = cli("refresh", "--config", str(demo / "config.yaml"), "--date", "2026-11-29", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["collected"] == 1
    log = read_owned_sheet(book, sheet_title(CALL_LOG))
    assert [r[1:5] for r in log[1:]] == [[member_id, "小王", "已接通", "约了下周三做护理"]]
    # the outcome survives the next refresh too, and shows as the member's last call when listed again
    assert cli("refresh", "--config", str(demo / "config.yaml"), "--date", "2026-12-06").code == 0
    log = read_owned_sheet(book, sheet_title(CALL_LOG))
    assert len(log) == 2
    listed = [r for r in read_owned_sheet(book, sheet_title(CALLS))[1:] if r[MEMBER] == member_id]
    if listed:
        assert "约了下周三做护理" in str(listed[0][LAST])


def test_member_text_that_looks_like_a_formula_stays_text(tmp_path: Path, cli: Callable[..., Result],
                                                          book: Callable[..., Path]) -> None:
    path = book([["M1", "=HYPERLINK(\"http://x\")", "13812345678", None, "2025-01-01"],
                 ["M2", "+8613800000000", "13812345679", None, "2025-01-01"]],
                [["2026-01-02", "M1", "消费", 100, None, "现金"]])
    wb = load_workbook(path)  # openpyxl takes "=..." for a formula: mark the typed name as text, as Excel keeps it
    wb["Members"]["B2"].data_type = "s"
    wb.save(path)
    result = cli("refresh", "--workbook", str(path), "--date", DAY, cwd=tmp_path)
    assert result.code == 0, result.err
    ws = load_workbook(path)[sheet_title(STATUS)]
    names = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    assert names["M1"].value == "=HYPERLINK(\"http://x\")" and names["M1"].data_type == "s"
    assert names["M2"].value == "+8613800000000" and names["M2"].data_type == "s"
