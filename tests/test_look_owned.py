"""Every owned sheet has a look: the four written only now and then (opt-outs received, SMS replies,
vouchers the tool issued, the effect report) filter, freeze, format and print like the others."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from loyalsheet import optouts_received
from loyalsheet.effect import build_report
from loyalsheet.effect.present import report_sheet
from loyalsheet.effect.settings import ReportSettings
from loyalsheet.messaging.ledger import Reply
from loyalsheet.model import MemberFile, Voucher, VoucherKind
from loyalsheet.replies import replies_sheet
from loyalsheet.vouchers_issued import vouchers_issued_sheet
from loyalsheet.workbook.writer import OwnedSheet, fingerprint, write_owned_sheets

FIXTURES = Path(__file__).parent / "fixtures"


def _sheets() -> list[OwnedSheet]:
    optouts = optouts_received.sheet([optouts_received.Received("M0001", "王芳芳", "sms", "+8613800000001",
                                                                date(2026, 11, 3), "twilio 21610")], "zh", "zh-en")
    replies = replies_sheet([Reply("twilio", "SM1", "+8613800000001", "好的，我会来参加护肤讲座，谢谢提醒",
                                   datetime(2026, 11, 4, 2, 30, tzinfo=UTC), "confirm", "M0001", "E01")],
                            "短信回复 Replies", "zh", "zh-en", "Asia/Shanghai", {"M0001": "王芳芳"}, {})
    vouchers = vouchers_issued_sheet([], [Voucher(0, "V-2026-0001", "M0001", VoucherKind.CASH, date(2026, 11, 3),
                                                  Decimal("1000"), valid_until=date(2026, 12, 31), source="birthday")],
                                     "zh-en", "zh")
    assert vouchers is not None
    report = build_report(MemberFile(path=Path("m.xlsx"), members=(), txns=()), [], ReportSettings(), date(2026, 11, 29))
    return [optouts, replies, vouchers, report_sheet(report, "效果报告 Report", "zh", "CNY")]


def test_the_occasional_owned_sheets_filter_freeze_format_and_print(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    shutil.copyfile(FIXTURES / "openpyxl_features.xlsx", path)
    sheets = _sheets()
    assert all(s.look is not None for s in sheets)
    write_owned_sheets(path, sheets, expected=fingerprint(path), backups=0)
    wb = load_workbook(path)
    for s in sheets:
        ws = wb[s.title]
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, s.title
        assert ws.page_setup.fitToWidth == 1, s.title
        assert ws.oddFooter.right.text == "&P / &N", s.title
    tables = [wb[s.title] for s in sheets[:3]]
    for ws in tables:  # the three lists: a filter over the rows, the header frozen, on every page
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    optouts, replies, vouchers = tables
    assert optouts["A2"].is_date and optouts["A2"].number_format == "yyyy-mm-dd"
    assert replies["A2"].is_date and replies["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert replies["E2"].alignment.wrap_text is True  # the reply itself wraps
    assert vouchers["E2"].number_format == "yyyy-mm-dd" and vouchers["F2"].number_format == "yyyy-mm-dd"
    assert vouchers["D2"].value == 1000 and "#,##0" in vouchers["D2"].number_format
    report = wb[sheets[3].title]
    assert report.page_setup.orientation == "landscape"
    assert report.auto_filter.ref is None  # a report, not a list


def test_a_date_in_a_column_of_counts_is_shown_as_a_date(tmp_path: Path) -> None:
    # the Report's events block puts the event's day in a column that holds counts elsewhere
    from loyalsheet.workbook.look import Col, Look

    path = tmp_path / "book.xlsx"
    shutil.copyfile(FIXTURES / "openpyxl_features.xlsx", path)
    sheet = OwnedSheet("效果报告 Report", ["A", "B"], [["E001 会员答谢日", date(2026, 9, 9)], ["sent", 354]],
                       look=Look(table=False, columns=(Col("text"), Col("auto"))))
    write_owned_sheets(path, [sheet], expected=fingerprint(path), backups=0)
    ws = load_workbook(path)["效果报告 Report"]
    assert ws["B2"].is_date and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["B3"].value == 354 and ws["B3"].number_format == "#,##0"
