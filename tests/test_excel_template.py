"""members.xlsm: the committed template, `init --macros`, and the VBA project and buttons kept through every
write the CLI makes (refresh, today with approval, the send's Message log)."""

from __future__ import annotations

import ast
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import olefile
import openpyxl
import pytest
from oletools.olevba import VBA_Parser

from loyalsheet.demo import config_text, generate
from loyalsheet.workbook import vba
from loyalsheet.workbook.macro_book import (
    BUTTONS,
    MACRO_TEMPLATE_PATH,
    SEND_PROMPT_NAME,
    STATUS_NAME,
    VBA_DIR,
    VBA_MODULE,
    fmla_macros,
    start_title,
    vba_modules,
    write_macro_book,
)
from loyalsheet.workbook.schema import SHEETS, bilingual_title
from loyalsheet.workbook.writer import OwnedSheet, fingerprint, read_owned_sheet, write_owned_sheets
from tests.helpers import REPO, Result, libreoffice_csv

DAY = date(2026, 11, 23)
TITLES = [start_title("zh-en"), *(bilingual_title(s, "zh-en") for s in SHEETS)]
LISTING = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def macros_in(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_committed_template_is_what_make_templates_builds(tmp_path: Path) -> None:
    fresh = tmp_path / "members.xlsm"
    write_macro_book(fresh)
    assert fresh.read_bytes() == MACRO_TEMPLATE_PATH.read_bytes(), "run scripts/make_templates to rebuild it"


def test_template_opens_in_openpyxl_with_every_sheet_and_its_vba() -> None:
    wb = openpyxl.load_workbook(MACRO_TEMPLATE_PATH, keep_vba=True)
    assert wb.sheetnames == TITLES
    assert wb.vba_archive is not None and "xl/vbaProject.bin" in wb.vba_archive.namelist()
    assert wb.code_name == "ThisWorkbook"
    assert [ws.sheet_properties.codeName for ws in wb.worksheets] == [f"Sheet{n}" for n in range(1, len(TITLES) + 1)]
    start = wb.worksheets[0]
    for name in (SEND_PROMPT_NAME, STATUS_NAME):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        assert sheet == start.title and start[ref.replace("$", "")].value
    assert "现在把今日消息发给会员吗" in start[next(iter(wb.defined_names[SEND_PROMPT_NAME].destinations))[1]
                                        .replace("$", "")].value
    assert wb.worksheets[1]["A1"].value == "会员编号\nMember ID"


@pytest.mark.libreoffice
def test_template_opens_in_libreoffice_with_every_sheet(tmp_path: Path) -> None:
    sheets = libreoffice_csv(MACRO_TEMPLATE_PATH, tmp_path / "csv")
    assert list(sheets) == TITLES
    start = "\n".join(",".join(r) for r in sheets[TITLES[0]])
    for text in ("刷新分组", "Refresh segments", "Check the member file", "pip install"):
        assert text in start
    assert sheets["会员 Members"][0][0] == "会员编号\nMember ID"


def test_vba_project_holds_the_modules_from_source() -> None:
    found = macros_in(MACRO_TEMPLATE_PATH)
    modules = {m.name: m for m in vba_modules(len(TITLES))}
    assert set(found) == set(modules)
    for name, module in modules.items():
        assert found[name] == vba.module_source(module), name
    assert found[VBA_MODULE] == vba.crlf((VBA_DIR / "loyalsheet.bas").read_text(encoding="ascii"))
    assert found["xlwings"] == vba.crlf((VBA_DIR / "xlwings.bas").read_text(encoding="ascii"))
    data = parts(MACRO_TEMPLATE_PATH)["xl/vbaProject.bin"]
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        assert ole.openstream("VBA/_VBA_PROJECT").read() == vba.VBA_PROJECT_HEADER  # Excel compiles from source
    finally:
        ole.close()


def _subs(source: str) -> set[str]:
    return set(re.findall(r"^(?:Public |Private )?Sub (\w+)\(", source, flags=re.MULTILINE))


def test_every_button_runs_a_sub_of_the_module() -> None:
    source = (VBA_DIR / "loyalsheet.bas").read_text(encoding="ascii")
    public = {s for s in _subs(source) if not re.search(rf"^Private Sub {s}\(", source, flags=re.MULTILINE)}
    named = fmla_macros(MACRO_TEMPLATE_PATH)
    assert sorted(named) == sorted([b.fmla_macro for b in BUTTONS] * 2)  # VML and <controls>, each button
    assert {m.removeprefix("[0]!") for m in named} <= public
    assert {b.macro for b in BUTTONS} == public


def test_every_python_entry_point_the_vba_names_exists() -> None:
    source = (VBA_DIR / "loyalsheet.bas").read_text(encoding="ascii")
    commands = re.findall(r'RunPython "([^"]*)"', source)
    assert len(commands) == 4
    tree = ast.parse((REPO / "loyalsheet" / "excel.py").read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    import loyalsheet.excel

    for command in commands:
        assert command.startswith("import loyalsheet.excel; loyalsheet.excel.")
        called = re.findall(r"loyalsheet\.excel\.(\w+)\(\)", command)
        assert called and all(name in defined and callable(getattr(loyalsheet.excel, name)) for name in called)
    assert source.isascii()  # the project's code page is 1252: Chinese text lives in the Start sheet


def test_vendored_xlwings_module_matches_the_pinned_version() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pin = next(d for d in pyproject["project"]["optional-dependencies"]["excel"] if d.startswith("xlwings=="))
    version = pin.split("==")[1]
    text = (VBA_DIR / "xlwings.bas").read_text(encoding="ascii")
    assert f'Public Const XLWINGS_VERSION As String = "{version}"' in text
    assert "BSD 3-clause" in text and (VBA_DIR / "LICENSE-xlwings.txt").exists()
    assert "Function RunPython(" in text


# -- init ------------------------------------------------------------------------------------------------------


def test_init_macros_copies_the_template(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("init", "--macros", "members.xlsm", "--lang", "zh", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "members.xlsm").read_bytes() == MACRO_TEMPLATE_PATH.read_bytes()
    assert "workbook: members.xlsm" in (tmp_path / "config.yaml").read_text(encoding="utf-8")
    assert cli("check", cwd=tmp_path).code == 0
    assert cli("init", "shop.xlsm", "--lang", "zh", cwd=tmp_path).code == 0  # the suffix alone is enough
    refused = cli("init", "--macros", "other.xlsx", "--lang", "en", cwd=tmp_path)
    assert refused.code == 2 and ".xlsm" in refused.err


def test_init_macros_follows_config_header_style(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "config.yaml").write_text("language: en\nheader_style: en\nworkbook: shop.xlsm\n")
    assert cli("init", "shop.xlsm", cwd=tmp_path).code == 0
    wb = openpyxl.load_workbook(tmp_path / "shop.xlsm", keep_vba=True)
    assert wb.sheetnames[:2] == ["Start", "Members"]
    assert macros_in(tmp_path / "shop.xlsm")[VBA_MODULE] == macros_in(MACRO_TEMPLATE_PATH)[VBA_MODULE]


# -- every CLI write keeps the VBA project and the buttons ----------------------------------------------------------


@pytest.mark.libreoffice
def test_cli_writes_keep_every_part_they_do_not_own(tmp_path: Path, cli: Callable[..., Result]) -> None:
    book = generate(members=80, years=1, today=DAY)
    path = tmp_path / "members.xlsm"
    write_macro_book(path, book.rows)
    (tmp_path / "config.yaml").write_text(config_text("members.xlsm") + "  approval: required\n", encoding="utf-8")
    before = parts(path)

    assert cli("refresh", "--date", DAY.isoformat(), cwd=tmp_path).code == 0
    assert cli("today", "--date", DAY.isoformat(), "--at", "10:00", cwd=tmp_path).code == 0  # writes the approvals
    title = "今日消息 Today's messages"
    rows = read_owned_sheet(path, title)
    assert len(rows) > 1
    approve = next(i for i, h in enumerate(rows[0]) if "批准" in str(h))
    approved = [list(r) for r in rows[1:]]
    for r in approved[:3]:
        r[approve] = "是"  # the manager approves three messages
    write_owned_sheets(path, [OwnedSheet(title, [str(h) for h in rows[0]], approved)], expected=fingerprint(path))
    sent = cli("today", "--send", "--date", DAY.isoformat(), "--at", "10:00", "--json", cwd=tmp_path)
    assert sent.code == 0, sent.err
    assert json.loads(sent.out)["result"]["counts"].get("sent") == 3

    after = parts(path)
    for name, data in before.items():
        if name not in LISTING:
            assert after[name] == data, f"{name} changed"
    for needle in (b"vbaProject.bin",):
        assert needle in after["xl/_rels/workbook.xml.rels"]
    types = after["[Content_Types].xml"]
    assert b"macroEnabled.main+xml" in types and b'Extension="bin"' in types and b"ctrlProp4.xml" in types
    assert macros_in(path)[VBA_MODULE] == macros_in(MACRO_TEMPLATE_PATH)[VBA_MODULE]
    assert fmla_macros(path) == fmla_macros(MACRO_TEMPLATE_PATH)
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.sheetnames[: len(TITLES)] == TITLES and "发送记录 Message log" in wb.sheetnames
    sheets = libreoffice_csv(path, tmp_path / "csv")
    assert set(wb.sheetnames) == set(sheets)
