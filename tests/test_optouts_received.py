"""Opt-outs a provider reported (STOP / 21610, or any source the ledger records) are shown in the workbook:
Member status, the member card, and the owned sheet 退订记录 Opt-outs received."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from loyalsheet.messaging.ledger import Ledger, ledger_path_for
from loyalsheet.optouts_received import how
from tests.helpers import Result, libreoffice_csv
from tests.servers import twilio_server, unsubscribed
from tests.test_today_cli import DAY, today, use_servers  # (demo_template, store: conftest)

SHEET = "退订记录 Opt-outs received"
STATUS = "会员状态 Member status"


def _rows(book: Path, title: str) -> list[list[object]]:
    return [list(r) for r in load_workbook(book, read_only=True)[title].iter_rows(values_only=True)]


def test_a_stop_from_twilio_shows_in_member_status_the_card_and_its_own_sheet(
        cli: Callable[..., Result], store: Path) -> None:
    from tests.servers import smtp_server

    with twilio_server() as tw, smtp_server() as sink:
        env = use_servers(store, tw, sink)
        tw.script(unsubscribed())
        sent = today(cli, store, "--at", "10:00", "--send", "--json", env=env)
    assert sent.code in (0, 1), sent.err
    with Ledger(ledger_path_for(store / "members.xlsx")) as ledger:
        (stop,) = ledger.opt_outs()
        member = next(e.member_id for e in ledger.history() if e.error_code == "21610")
    day = stop.at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    book = store / "members.xlsx"
    rows = _rows(book, SHEET)  # written with the Message log, right after the send
    assert rows[0][:4] == ["日期\nDate", "会员编号\nMember ID", "姓名\nName", "渠道\nChannel"]
    assert [r[1] for r in rows[1:]] == [member] and rows[1][3] == "SMS" and rows[1][5] == "by reply"  # --lang en
    assert rows[1][4] == stop.to and rows[1][6] == "twilio 21610"

    refreshed = cli("refresh", "--date", DAY.isoformat(), "--lang", "zh", cwd=store)
    assert refreshed.code == 0, refreshed.err
    status = _rows(book, STATUS)
    opted = status[0].index("已退订\nOpted out")
    line = next(r for r in status if r[0] == member)
    assert line[opted] == f"已退订短信 {day}，来自回复"
    assert [r[1] for r in _rows(book, SHEET)[1:]] == [member]  # refresh writes it too

    card = cli("member", member, "--lang", "zh", "--date", DAY.isoformat(), cwd=store)
    assert card.code == 0 and f"已退订短信 {day}，来自回复" in card.out, card.err
    card_en = cli("member", member, "--lang", "en", "--date", DAY.isoformat(), cwd=store)
    assert f"no more SMS since {day}, by reply" in card_en.out
    csv = libreoffice_csv(book, store / "csv")
    assert any(f"已退订短信 {day}" in cell for rows_ in csv.values() for row in rows_ for cell in row)


def test_opt_outs_of_any_source_are_shown_and_unknown_numbers_kept(cli: Callable[..., Result], store: Path) -> None:
    """Whatever recorded the opt-out in the ledger (a reply read back, a provider code), the workbook shows it."""
    book = store / "members.xlsx"
    members = load_workbook(book, read_only=True)["会员 Members"]
    first = next(r for i, r in enumerate(members.iter_rows(values_only=True)) if i > 0 and r[3])
    at = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    with Ledger(ledger_path_for(book)) as ledger:
        ledger.record_opt_out(str(first[3]).upper(), "email", "aliyun reply TD", at)
        ledger.record_opt_out("+8613800000000", "sms", "front desk call", at)
    refreshed = cli("refresh", "--date", DAY.isoformat(), "--lang", "en", cwd=store)
    assert refreshed.code == 0, refreshed.err
    rows = _rows(book, SHEET)[1:]
    by_member = {r[1]: r for r in rows}
    assert by_member[first[0]][3] == "e-mail" and by_member[first[0]][5] == "by reply"
    assert by_member[None][4] == "+8613800000000" and by_member[None][5] == "front desk call"
    rows = _rows(book, STATUS)
    line = next(r for r in rows if r[0] == first[0])
    assert line[rows[0].index("已退订\nOpted out")] == "no more e-mail since 2026-11-18, by reply"


@pytest.mark.parametrize(("source", "reply"), [
    ("twilio 21610", True), ("aliyun 回复TD", True), ("reply STOP", True), ("aliyun TD", True),
    ("front desk call", False), ("standard", False), ("twilio 30007", False)])
def test_how_an_opt_out_came_in_words(source: str, reply: bool) -> None:
    assert (how(source, "zh") == "来自回复") is reply
    assert (how(source, "en") == "by reply") is reply
