"""Benefits end to end on a hand-made member file: the card, Member status, the Call list and the
Dashboard; the voucher a birthday message gives, written once into 已发优惠券 Vouchers issued; the
voucher reminder naming its voucher. Real files, the real CLI, the workbook re-opened by openpyxl."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.helpers import Result

DAY = "2026-11-22"
CONFIG = """\
language: zh
workbook: members.xlsx
stores:
  - name: 旗舰店
channels:
  outbox: outbox
campaigns:
  birthday:
    voucher: {kind: cash, value: "50", valid_days: 30}
"""
MEMBERS = ["会员编号", "姓名", "手机", "生日", "入会日期", "推荐人", "短信同意", "联名卡", "来源"]
TXNS = ["日期", "会员编号", "类型", "金额", "疗程卡号", "优惠券号"]


def _shop(tmp_path: Path, book: Callable[..., Path]) -> Path:
    members = [
        ["M1", "李娜", "13800000001", "1990-11-22", "2024-01-01", None, "是", "招商银行", "到店"],
        ["M2", "王芳", "13800000002", None, "2026-03-10", "M1", "是", None, "推荐"],
        ["M3", "赵敏", "13800000003", None, "2026-10-01", None, "是", None, None],
    ]
    txns = [["2026-06-01", "M1", "消费", 1180, None, None],
            ["2026-03-10", "M2", "消费", 300, None, None]]
    txns += [[f"2026-04-0{i}", "M2", "次卡核销", None, "CC1", None] for i in range(1, 6)]  # 5 of 10 sessions
    sheets = {
        "疗程卡": [["卡号", "会员编号", "项目", "次数", "金额", "购买日期"], ["CC1", "M2", "面部护理", 10, 3000, "2026-03-10"]],
        "亲友卡": [["卡号", "赠送会员", "发卡日期", "面值", "亲友手机", "亲友已登记"],
                ["G1", "M1", "2026-09-15", 600, "13800000003", "是"]],
        "优惠券": [["券号", "会员编号", "类型", "面值", "发放日期", "有效期至", "来源"],
                ["Q1", "M1", "代金", 50, "2026-10-01", "2026-12-31", "积分兑换"],
                ["Q2", "M2", "折扣", "88折", "2026-10-01", "2026-11-25", "活动"]],
    }
    path = book(members, txns, member_header=MEMBERS, txn_header=TXNS, extra=sheets)
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return path


def _sheet(path: Path, title: str) -> list[list[Any]]:
    wb = load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_the_card_shows_vouchers_rewards_the_friends_discount_and_the_friends_card(
        tmp_path: Path, book: Callable[..., Path], cli: Callable[..., Result]) -> None:
    _shop(tmp_path, book)
    one = json.loads(cli("member", "M1", "--json", "--date", DAY, cwd=tmp_path).out)
    assert [v["voucher_id"] for v in one["vouchers"]] == ["Q1"]
    assert one["vouchers"][0]["text"] == "Q1：50 代金券，有效至 2026-12-31（还剩 39 天）"
    assert one["rewards"]["can_take"] == ["护手霜", "面膜一盒"]
    # 1,180 points from the purchase + 300 for referring M2 (whose first purchase reached 300) = 1,480
    assert one["rewards"]["next"] == {"name": "100元代金券", "points": 2000, "missing": 520}
    assert one["rewards"]["next_text"] == "再积 520 分可换100元代金券"
    assert (one["partner"], one["source"], one["friends_discount"], one["friends_card"]) == ("招商银行", "到店", None, None)
    two = json.loads(cli("member", "M2", "--json", "--date", DAY, "--lang", "en", cwd=tmp_path).out)
    assert two["friends_discount"]["text"] == "Friend's discount 12% off (88折), referred by M1, until 2027-03-10"
    assert two["friends_card"] == "May be given a friends card: 面部护理 card CC1 is half used or more (5 of 10)"
    assert two["vouchers"][0]["text"] == "Q2: 12% off, until 2026-11-25 (3 days left)"
    assert two["rewards"]["next_text"] == "200 more points for Hand cream"
    three = json.loads(cli("member", "M3", "--json", "--date", DAY, cwd=tmp_path).out)
    assert three["friends_discount"]["text"] == "亲友优惠 88折（M1 的亲友卡 G1），至 2027-09-15"
    shown = cli("member", "M2", "--date", DAY, "--lang", "zh", cwd=tmp_path)
    assert "可赠送亲友卡：面部护理疗程卡 CC1 已用过半（5/10 次）" in shown.out and "亲友优惠" in shown.out


def test_refresh_writes_benefits_into_member_status_call_list_and_dashboard(
        tmp_path: Path, book: Callable[..., Path], cli: Callable[..., Result]) -> None:
    path = _shop(tmp_path, book)
    done = cli("refresh", "--date", DAY, cwd=tmp_path)
    assert done.code == 0, done.err
    status = _sheet(path, "会员状态 Member status")
    head = status[0]
    vouchers, buys = head.index("可用优惠券\nOpen vouchers"), head.index("积分可换\nPoints buy")
    by_id = {r[0]: r for r in status[1:]}
    assert by_id["M1"][vouchers] == "Q1：50 代金券，有效至 2026-12-31（还剩 39 天）"
    assert by_id["M1"][buys] == "现在可兑换：护手霜、面膜一盒; 再积 520 分可换100元代金券"
    assert by_id["M3"][vouchers] is None and by_id["M3"][buys] == "再积 500 分可换护手霜"
    calls = _sheet(path, "回访名单 Call list")
    head = calls[0]
    member, kind, why, opening = (head.index(h) for h in ("会员编号\nMember ID", "事由\nCall type", "原因\nWhy",
                                                          "开场白\nOpening line"))
    call = next(r for r in calls[1:] if r[member] == "M2")
    assert call[kind] == "赠送亲友卡"
    assert call[why] == "可赠送亲友卡：面部护理疗程卡 CC1 已用过半（5/10 次）"  # as the card says it
    assert call[opening] == ("王芳您好，我是旗舰店的顾问。您的面部护理疗程已经过半了，送您一张面值¥600的亲友卡，"
                             "可以带家人朋友来体验。朋友凭卡登记成为会员，还能享受88折的亲友优惠。您想送给哪位呢？")
    assert not any(r[member] in ("M1", "M3") and r[kind] == "赠送亲友卡" for r in calls[1:])
    dash = _sheet(path, "看板 Dashboard")
    at = next(i for i, r in enumerate(dash) if r[0] == "联名卡会员")
    assert dash[at + 1][:2] == ["招商银行", 1]
    manager = _sheet(path, "优惠券")
    assert manager[1][:2] == ["Q1", "M1"] and len(manager) == 3  # the manager's sheet is untouched


def test_a_birthday_voucher_is_named_in_the_message_and_issued_once(
        tmp_path: Path, book: Callable[..., Path], cli: Callable[..., Result]) -> None:
    path = _shop(tmp_path, book)
    sent = cli("today", "--send", "--json", "--date", DAY, "--at", "10:00", cwd=tmp_path)
    assert sent.code == 0, sent.err
    planned = {p["key"]: p for p in json.loads(sent.out)["planned"]}
    assert set(planned) == {"birthday:M1:2026", "voucher-expiring:M2:Q2"}
    assert "送您一张¥50代金券，券号BD2026-M1，12月21日前有效" in planned["birthday:M1:2026"]["preview"]
    assert "88折优惠券（券号Q2）将于2026年11月25日到期" in planned["voucher-expiring:M2:Q2"]["preview"]
    outbox = sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "outbox").rglob("*") if p.is_file())
    assert any("BD2026-M1" in text for text in outbox)
    issued = _sheet(path, "已发优惠券 Vouchers issued")
    assert [r[:4] for r in issued[1:]] == [["BD2026-M1", "M1", "代金", 50]]
    assert issued[1][6:] == ["生日", "birthday:M1:2026"]
    again = cli("today", "--send", "--json", "--date", DAY, "--at", "11:00", cwd=tmp_path)
    assert again.code == 0, again.err
    assert json.loads(again.out)["planned"] == []
    assert len(_sheet(path, "已发优惠券 Vouchers issued")) == 2  # header and the one voucher, still
    checked = cli("check", "--json", "--date", DAY, cwd=tmp_path)
    assert checked.code == 0 and json.loads(checked.out)["errors"] == 0, checked.out
    card = json.loads(cli("member", "M1", "--json", "--date", DAY, cwd=tmp_path).out)
    assert [(v["voucher_id"], str(v["valid_until"])) for v in card["vouchers"]] == [
        ("BD2026-M1", "2026-12-21"), ("Q1", "2026-12-31")]


def test_the_yearly_exchange_invites_by_points_and_names_what_they_buy(
        tmp_path: Path, book: Callable[..., Path], cli: Callable[..., Result]) -> None:
    path = _shop(tmp_path, book)
    wb = load_workbook(path)
    ws = wb.create_sheet("活动")
    for row in (["活动编号", "活动名称", "日期", "提前邀请天数", "邀请对象"],
                ["E1", "年度积分兑换会", "2026-11-28", 7, "积分>=1000"],
                ["E2", "联名卡沙龙", "2026-11-28", 7, "招商银行"]):
        ws.append(row)
    wb.save(path)
    shown = cli("today", "--json", "--date", "2026-11-23", "--at", "10:00", "--campaign", "event", cwd=tmp_path)
    assert shown.code == 0, shown.err
    plan = json.loads(shown.out)
    invited = sorted(p["key"] for p in plan["planned"]) + sorted(h["key"] for h in plan["held"])
    assert invited == ["event:M1:E1", "event:M1:E2"]  # M2 (300 points) and M3 (0) are not invited to E1
    exchange = next(p for p in plan["planned"] + plan["held"] if p["key"] == "event:M1:E1")
    assert exchange["preview"] == ("【旗舰店】李娜您好，诚邀您参加11月28日的「年度积分兑换会」，您的1,480积分可兑换面膜一盒，"
                                   "名额有限，回复或致电即可预约。回T退订")
    # the Call list phones the same invited (M1, the one valued member) and says what the points buy, as the SMS
    done = cli("refresh", "--date", "2026-11-23", cwd=tmp_path)
    assert done.code == 0, done.err
    calls = _sheet(path, "回访名单 Call list")
    member, why, opening, event = (calls[0].index(h) for h in ("会员编号\nMember ID", "原因\nWhy", "开场白\nOpening line",
                                                                "活动编号\nEvent"))
    invited = [r for r in calls[1:] if r[event]]
    assert [r[member] for r in invited] == ["M1"]
    assert invited[0][why] == ("邀请参加“年度积分兑换会”（2026-11-28）：现有 1,480 积分，现在可兑换：护手霜、面膜一盒; "
                               "邀请参加“联名卡沙龙”（2026-11-28）")
    assert "您的1,480积分可以兑换面膜一盒" in invited[0][opening]


def test_text_from_the_workbook_is_shown_as_typed_on_the_card(
        tmp_path: Path, book: Callable[..., Path], cli: Callable[..., Result]) -> None:
    path = _shop(tmp_path, book)
    wb = load_workbook(path)
    wb["优惠券"].append(["Q3", "M3", "礼品", "[red]护手霜[/red]", "2026-11-01", None, "活动"])
    wb.save(path)
    shown = cli("member", "M3", "--date", DAY, cwd=tmp_path)
    assert shown.code == 0, shown.err
    assert "Q3：礼品券（[red]护手霜[/red]），长期有效" in shown.out
