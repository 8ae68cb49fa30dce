"""What staff type on the Call list, at the next refresh (end to end, real books re-opened by openpyxl),
and the event funnel's numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from loyalsheet.calls import outcomes
from loyalsheet.calls.sheet import BEST, EVENT, LAST, MEMBER, NO, OUTCOME, STAFF, TYPE, WHY_NOW
from loyalsheet.events import Invitation, funnel
from loyalsheet.workbook.reader import read_member_file
from loyalsheet.workbook.writer import read_owned_sheet
from tests.helpers import Result

DAY = "2026-11-22"
NEXT = "2026-11-29"
CALLS, LOG = "回访名单 Call list", "回访日志 Call log"
TXN_HEADER = ["Date", "Member ID", "Type", "Amount"]


def _book(tmp_path: Path, book: Callable[..., Path]) -> Path:
    members = [[m, f"会员{m}", f"1380000000{i}", None, "2024-01-01"] for i, m in enumerate(("N", "D", "U", "W"))]
    members.append(["V", "大客户", "13900000000", None, "2023-01-01"])
    txns = [["2026-11-19", m, "消费", 300] for m in ("N", "D", "U", "W")]
    txns += [["2024-03-01", "V", "消费", 80000], ["2026-11-01", "V", "消费", 90000]]
    path = book(members, txns, txn_header=TXN_HEADER, extra={
        "Events": [["Event", "Title", "Date", "Audience"], ["EV1", "答谢会", "2026-11-30", "all"]]})
    (tmp_path / "config.yaml").write_text(
        "language: zh\nworkbook: members.xlsx\ncall_list:\n  best_times: ['11:00-12:00', '16:00-17:00']\n",
        encoding="utf-8")
    return path


def _type(path: Path, typed: dict[str, tuple[str | None, str | None]], extra: tuple[str, str, str] | None = None) -> None:
    """Staff type outcomes (and staff names) in Excel; simulated with openpyxl on the sheet the tool wrote."""
    wb = openpyxl.load_workbook(path)
    ws = wb[CALLS]
    for r in range(3, ws.max_row + 1):
        member = ws.cell(row=r, column=MEMBER + 1).value
        if member in typed:
            outcome, staff = typed[member]
            ws.cell(row=r, column=OUTCOME + 1).value = outcome
            ws.cell(row=r, column=STAFF + 1).value = staff
        if extra is not None and member == extra[0]:
            ws.cell(row=1, column=STAFF + 3).value = extra[1]
            ws.cell(row=r, column=STAFF + 3).value = extra[2]
    wb.save(path)


def test_each_outcome_takes_effect_at_the_next_refresh(tmp_path: Path, book: Callable[..., Path],
                                                       cli: Callable[..., Result]) -> None:
    path = _book(tmp_path, book)
    config = str(tmp_path / "config.yaml")
    assert cli("refresh", "--config", config, "--date", DAY).code == 0
    rows = read_owned_sheet(path, CALLS)
    listed = {r[MEMBER]: r for r in rows[2:] if isinstance(r[NO], int | float)}
    assert set(listed) == {"N", "D", "U", "W", "V"}
    assert listed["V"][EVENT] == "EV1" and listed["V"][TYPE] == "活动邀请"
    # the drop-down is on the Outcome column, as openpyxl reads it back
    dv = openpyxl.load_workbook(path)[CALLS].data_validations.dataValidation
    assert len(dv) == 1 and dv[0].type == "list" and "不再联系" in str(dv[0].formula1)
    assert str(dv[0].sqref).startswith("O3:O")

    _type(path, {"N": ("未接通", "小王"), "D": ("不再联系", "小王"), "V": ("确认出席", "小李"),
                 "U": ("她说下周再说", None)}, extra=("W", "客户反馈", "想要试用装"))
    # check, before the refresh: the outcome outside the drop-down is a warning at its cell
    checked = cli("check", "--config", config, "--date", DAY, "--json")
    assert checked.code == 0, checked.err
    warned = [p for p in json.loads(checked.out)["problems"] if p["code"] == "calls.unknown_outcome"]
    u_row = next(i for i, r in enumerate(rows, start=1) if r[MEMBER] == "U")
    assert [(p["severity"], p["cell"], p["value"]) for p in warned] == [
        ("warning", f"{CALLS}!O{u_row}", "她说下周再说")]

    result = cli("refresh", "--config", config, "--date", NEXT, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["collected"] == 5  # W's only entry was in a column of their own: kept too
    log = {r[1]: r for r in read_owned_sheet(path, LOG)[1:]}
    assert log["N"][3] == "未接通" and log["N"][6] == "3天回访"
    assert log["D"][3] == "不再联系"
    assert log["V"][3] == "确认出席" and log["V"][7] == "EV1"
    assert log["U"][3] == "她说下周再说"  # kept as written
    assert log["W"][4] == "客户反馈: 想要试用装"  # nothing typed is lost

    again = {r[MEMBER]: r for r in read_owned_sheet(path, CALLS)[2:] if isinstance(r[NO], int | float)}
    assert "D" not in again  # do not call: never listed again
    assert "V" not in again  # confirmed for EV1: not invited again
    assert "U" not in again and "W" not in again  # reached: their 3-day follow-up is done
    retry = again["N"]  # no answer: tried again, the other best time first
    assert retry[TYPE] == "3天回访" and "未接通" in retry[WHY_NOW]
    assert retry[BEST] == "16:00-17:00, 11:00-12:00"
    assert "未接通" in str(retry[LAST])

    checked = json.loads(cli("check", "--config", config, "--date", NEXT, "--json").out)
    warned = [p for p in checked["problems"] if p["code"] == "calls.unknown_outcome"]
    u_log = next(i for i, r in enumerate(read_owned_sheet(path, LOG), start=1) if r[1] == "U")
    assert [p["cell"] for p in warned] == [f"{LOG}!D{u_log}"]

    card = json.loads(cli("member", "D", "--config", config, "--date", NEXT, "--json").out)
    assert card["calls"]["do_not_call"] == NEXT
    shown = cli("member", "D", "--config", config, "--date", NEXT, "--lang", "zh")
    assert "不再电话联系" in shown.out

    events = json.loads(cli("events", "--config", config, "--date", NEXT, "--json").out)["events"]
    assert [(e["event_id"], e["invited_call"], e["confirmed"]) for e in events] == [("EV1", 1, 1)]
    dashboard = read_owned_sheet(path, "看板 Dashboard")
    assert ["答谢会 (2026-11-30)", "1 → 1 → 0 → 0", 0] in [list(r[:3]) for r in dashboard]


@pytest.mark.parametrize(("text", "kind", "score"), [
    ("接通", outcomes.Outcome.REACHED, None), ("No answer", outcomes.Outcome.NO_ANSWER, None),
    ("预约到店", outcomes.Outcome.BOOKED, None), ("确认出席", outcomes.Outcome.CONFIRMED, None),
    ("不来", outcomes.Outcome.DECLINED, None), ("不再联系", outcomes.Outcome.DO_NOT_CALL, None),
    ("满意度 4", outcomes.Outcome.SATISFACTION, 4), ("Satisfaction 5", outcomes.Outcome.SATISFACTION, 5),
    ("满意度：3分", outcomes.Outcome.SATISFACTION, 3),
])
def test_outcome_words(text: str, kind: outcomes.Outcome, score: int | None) -> None:
    assert outcomes.parse(text) == outcomes.Parsed(kind, score)


def test_words_outside_the_drop_down_are_not_an_outcome() -> None:
    assert outcomes.parse("满意度 6") is None
    assert outcomes.parse("她说下周再说") is None
    assert set(outcomes.choices("zh")) >= {"接通", "未接通", "预约到店", "确认出席", "不来", "不再联系", "满意度 1"}


@pytest.mark.parametrize("ordered", [True, False])
def test_event_funnel_numbers(book: Callable[..., Path], ordered: bool) -> None:
    txns = [
        ["2026-11-09", "A", "消费", 50],
        ["2026-11-10", "A", "消费", 500], ["2026-11-10", "A", "退款", 100], ["2026-11-10", "B", "消费", 300],
        ["2026-11-10", "E", "充值", 1000],
        ["2026-11-11", "C", "消费", 80],
    ]
    if not ordered:
        txns.reverse()
    members = [[m, m, f"1380000000{i}", None, "2024-01-01"] for i, m in enumerate("ABCDE")]
    path = book(members, txns, txn_header=TXN_HEADER, extra={
        "活动": [["活动编号", "活动名称", "日期"], ["EV1", "答谢会", "2026-11-10"], ["EV2", "讲座", "2026-12-20"]],
        "活动签到": [["活动编号", "会员编号", "到场", "备注"], ["EV1", "A", "是", None], ["EV1", "D", "是", "带朋友"],
                     ["EV1", "B", "否", None], ["EV1", "C", "否", None]],
    })
    mf = read_member_file(path)
    assert len(mf.attendance) == 4 and mf.attendance[2].came is False
    invited = [Invitation("EV1", "A", "sms"), Invitation("EV1", "B", "email"), Invitation("EV1", "C", "call"),
               Invitation("EV2", "A", "sms")]
    result = funnel(mf.events, mf.attendance, mf.txns, invited, {("EV1", "A"), ("EV1", "C")}, date(2026, 11, 22))
    ev1, ev2 = result
    assert (ev1.invited, ev1.invited_sms, ev1.invited_email, ev1.invited_call) == (3, 1, 1, 1)
    assert ev1.confirmed == 2
    assert ev1.came == 4  # A and D signed in; B and E came by a transaction that day (B's "no" is overruled)
    assert ev1.came_invited == 2
    assert (ev1.bought, ev1.amount) == (2, Decimal(700))  # A 500 - 100, B 300; E's top-up is not spend
    assert (ev2.invited, ev2.confirmed, ev2.came, ev2.bought) == (1, 0, 0, 0)


def test_invitations_sent_are_counted_by_channel(tmp_path: Path, book: Callable[..., Path],
                                                 cli: Callable[..., Result]) -> None:
    """SMS and e-mail invitations sent by `today --send` (to the local outbox) are the funnel's invited."""
    header = ["Member ID", "Name", "Phone", "Email", "Joined", "SMS consent", "Email consent"]
    members = [["A", "甲", "13800000001", None, "2024-01-01", "是", None],
               ["B", "乙", None, "b@example.com", "2024-01-01", None, "是"],
               ["C", "丙", "13800000003", None, "2024-01-01", "否", None]]
    book(members, [["2026-10-01", m, "消费", 100] for m in "ABC"], member_header=header, txn_header=TXN_HEADER,
         extra={"Events": [["Event", "Title", "Date", "Invite days before", "Audience"],
                           ["EV1", "答谢会", "2026-11-25", 7, "all"]]})
    # (no holdout: every invitation goes, so the funnel's invited is every member with a way to be reached)
    (tmp_path / "config.yaml").write_text("language: zh\nworkbook: members.xlsx\ncampaigns:\n  events:\n    holdout: 0\n",
                                          encoding="utf-8")
    config = str(tmp_path / "config.yaml")
    sent = cli("today", "--config", config, "--date", DAY, "--at", "12:00", "--send", "--campaign", "event")
    assert sent.code == 0, sent.err
    events = json.loads(cli("events", "--config", config, "--date", DAY, "--json").out)["events"]
    assert [(e["invited"], e["invited_sms"], e["invited_email"], e["invited_call"]) for e in events] == [(2, 1, 1, 0)]
