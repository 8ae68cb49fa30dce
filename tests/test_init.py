"""`loyalsheet init`: the empty member file, as openpyxl and LibreOffice see it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loyalsheet.config import load_config
from loyalsheet.workbook.reader import read_member_file
from loyalsheet.workbook.schema import SHEETS, bilingual_header, bilingual_title
from loyalsheet.workbook.template import TEMPLATE_PATH, write_book
from tests.helpers import Result, libreoffice_csv


def _describe(path: Path) -> dict[str, object]:
    """Everything a person sees in a new book: titles, headers, drop-downs, panes, widths, formats."""
    wb = load_workbook(path)
    out: dict[str, object] = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "headers": [c.value for c in ws[1]],
            "freeze": ws.freeze_panes,
            "validations": sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "formats": {k: d.number_format for k, d in ws.column_dimensions.items()},
        }
    return out


def test_committed_template_matches_the_schema(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.xlsx"
    write_book(fresh, header_style="zh-en", language="zh")
    assert _describe(TEMPLATE_PATH) == _describe(fresh), "run scripts/make_templates to rebuild the template"


def test_init_writes_every_sheet_with_bilingual_headers(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("init", "members.xlsx", "--lang", "zh", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "已新建会员档案" in result.out
    book = _describe(tmp_path / "members.xlsx")
    assert list(book) == [bilingual_title(s, "zh-en") for s in SHEETS]
    members = book["会员 Members"]
    assert isinstance(members, dict)
    assert members["headers"][0] == "会员编号\nMember ID"
    assert members["freeze"] == "B2"
    validations = dict(members["validations"])
    assert validations["O2:O1048576"] == '"是,否"'  # SMS consent
    assert members["formats"]["H"] == "yyyy-mm-dd"  # Joined
    txns = book["消费记录 Transactions"]
    assert isinstance(txns, dict)
    assert dict(txns["validations"])["C2:C1048576"] == '"消费,充值,积分兑换,退款,年费,次卡核销,调整"'
    assert txns["formats"]["D"] == "#,##0.00"
    # the new file reads back clean, with the config written beside it
    config = load_config(tmp_path / "config.yaml")
    assert config.workbook_path == tmp_path / "members.xlsx"
    assert read_member_file(tmp_path / "members.xlsx").members == ()
    again = cli("check", cwd=tmp_path)
    assert again.code == 0, again.err


def test_init_refuses_to_overwrite(tmp_path: Path, cli: Callable[..., Result]) -> None:
    target = tmp_path / "members.xlsx"
    target.write_bytes(b"precious")
    result = cli("init", "members.xlsx", "--lang", "en", cwd=tmp_path)
    assert result.code == 2
    assert "already exists" in result.err
    assert target.read_bytes() == b"precious"
    assert cli("init", "members.csv", cwd=tmp_path).code == 2


_COMMAND = re.compile(re.escape(sys.executable) + r" -m loyalsheet (check|refresh|today)\b(.*)$")


def _next_commands(out: str) -> list[list[str]]:
    """The loyalsheet commands of the printed next steps (but --send), split as a shell splits them."""
    found = (_COMMAND.search(line) for line in out.splitlines())
    return [shlex.split(m.group(0)) for m in found if m is not None and "--send" not in m.group(0)]


def test_init_in_an_empty_folder(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """A Chinese computer, a new folder, a chain of two: everything in Chinese, and the next steps run as typed."""
    result = cli("init", "myshop/members.xlsx", "--store", "微笑口腔", "--store", "东城分院", cwd=tmp_path,
                 env={"LANG": "zh_CN.UTF-8"})
    assert result.code == 0, result.err
    assert "已新建会员档案" in result.out and "下一步" in result.out
    shop = tmp_path / "myshop"
    config = load_config(shop / "config.yaml")
    assert config.language == "zh"
    assert [s.name for s in config.stores] == ["微笑口腔", "东城分院"]
    assert config.workbook_path == shop / "members.xlsx"
    wb = load_workbook(shop / "members.xlsx")
    members = wb["会员 Members"]
    lists = [dv.formula1 for dv in members.data_validations.dataValidation]
    assert '"消费型,付费型,储值型"' in lists  # Membership, in the headers' language
    commands = _next_commands(result.out)
    assert [c[3] for c in commands] == ["check", "refresh", "today"]
    assert all(c[1:3] == ["-m", "loyalsheet"] and c[-2] == "--config" for c in commands)
    for command in commands:
        ran = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                             env={**os.environ, "LANG": "zh_CN.UTF-8"}, timeout=300)
        assert ran.returncode == 0, (command, ran.stdout, ran.stderr)


def test_init_from_a_folder_that_holds_a_config(tmp_path: Path, cli: Callable[..., Result]) -> None:
    """The example config.yaml of the current folder neither stops init nor is used: the new config is beside
    the new book; a book beside an existing config.yaml is refused before anything is written."""
    example = Path(__file__).resolve().parents[1] / "config.yaml"
    shutil.copyfile(example, tmp_path / "config.yaml")
    before = (tmp_path / "config.yaml").read_bytes()
    result = cli("init", "shop/members.xlsx", "--lang", "en", "--preset", "retail", cwd=tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "config.yaml").read_bytes() == before
    config = load_config(tmp_path / "shop" / "config.yaml")
    assert config.language == "en" and config.header_style == "en-zh"
    assert [s.name for s in config.stores] == ["Main store"]
    wb = load_workbook(tmp_path / "shop" / "members.xlsx")
    assert wb.sheetnames[0] == "Members 会员"
    txn_types = wb["Transactions 消费记录"].data_validations.dataValidation[0].formula1
    assert txn_types.startswith('"purchase,top-up')  # English drop-downs under English-first headers
    check = cli("check", "--config", "shop/config.yaml", cwd=tmp_path)
    assert check.code == 0, check.err
    refused = cli("init", "members.xlsx", "--lang", "en", cwd=tmp_path)
    assert refused.code == 2
    assert "config.yaml already exists" in refused.err and "new folder" in refused.err
    assert not (tmp_path / "members.xlsx").exists()


def test_init_headers_option(tmp_path: Path, cli: Callable[..., Result]) -> None:
    assert cli("init", "shop.xlsx", "--lang", "en", "--headers", "en", cwd=tmp_path).code == 0
    wb = load_workbook(tmp_path / "shop.xlsx")
    assert wb.sheetnames[0] == "Members"
    assert wb["Members"]["A1"].value == "Member ID"
    assert wb["Transactions"].data_validations.dataValidation[0].formula1.startswith('"purchase,top-up')
    assert load_config(tmp_path / "config.yaml").header_style == "en"


@pytest.mark.libreoffice
def test_template_opens_in_libreoffice(tmp_path: Path) -> None:
    sheets = libreoffice_csv(TEMPLATE_PATH, tmp_path / "csv")
    for sheet in SHEETS:
        rows = sheets[bilingual_title(sheet, "zh-en")]
        assert rows[0] == [bilingual_header(c, "zh-en") for c in sheet.columns]
