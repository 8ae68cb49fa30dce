"""`loyalsheet init`: the empty member file, as openpyxl and LibreOffice see it."""

from __future__ import annotations

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


def test_init_follows_config_header_style(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "config.yaml").write_text("language: en\nheader_style: en\nworkbook: shop.xlsx\n")
    assert cli("init", "shop.xlsx", cwd=tmp_path).code == 0
    wb = load_workbook(tmp_path / "shop.xlsx")
    assert wb.sheetnames[0] == "Members"
    assert wb["Members"]["A1"].value == "Member ID"
    assert wb["Transactions"].data_validations.dataValidation[0].formula1.startswith('"purchase,top-up')


@pytest.mark.libreoffice
def test_template_opens_in_libreoffice(tmp_path: Path) -> None:
    sheets = libreoffice_csv(TEMPLATE_PATH, tmp_path / "csv")
    for sheet in SHEETS:
        rows = sheets[bilingual_title(sheet, "zh-en")]
        assert rows[0] == [bilingual_header(c, "zh-en") for c in sheet.columns]
