"""The four defects of issue 14 and the household rules, on the hand-built dental clinic (tests/dental.py),
through the commands a manager runs: every expected figure is worked out by hand in tests/dental.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.dental import DAY, write_dental
from tests.helpers import Result, run_cli

STATUS, CALLS = "会员状态 Member status", "回访名单 Call list"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = write_dental(tmp_path_factory.mktemp("clinic"))
    done = run_cli("refresh", "--config", str(config), "--date", DAY.isoformat(), "--lang", "zh")
    assert done.code == 0, done.err + done.out
    return config


def _json(result: Result) -> Any:
    assert result.code == 0, result.err + result.out
    return json.loads(result.out)


def card(config: Path, member_id: str, lang: str = "zh") -> dict[str, Any]:
    data = _json(run_cli("member", member_id, "--config", str(config), "--json", "--date", DAY.isoformat(),
                         "--lang", lang))
    assert isinstance(data, dict)
    return data


def sheet(config: Path, title: str) -> dict[str, list[Any]]:
    """A refreshed sheet re-opened by openpyxl: member id -> the row's cells (by English header)."""
    ws = load_workbook(config.parent / "members.xlsx", read_only=True)[title]
    rows = list(ws.iter_rows(values_only=True))
    head = [str(h).split("\n")[-1] for h in rows[0]]
    key = head.index("Member ID")  # (the Call list numbers its calls in its first column)
    return {str(r[key]): dict(zip(head, r, strict=False)) for r in rows[1:] if r[key]}  # type: ignore[misc]


def today(config: Path, lang: str = "zh") -> dict[str, Any]:
    data = _json(run_cli("today", "--config", str(config), "--date", DAY.isoformat(), "--at", "10:00", "--json",
                         "--lang", lang))
    assert isinstance(data, dict)
    return data


def test_12_month_spend_leaves_out_gift_cards_on_the_card_member_status_and_dashboard(clinic: Path) -> None:
    """Defect 1: D001 spent 5,834 of his own and 250 with P001's gift card in the 12 months."""
    assert card(clinic, "D001")["spend"]["last_12_months"] == "5834.00"
    status = sheet(clinic, STATUS)
    assert status["D001"]["Spend (window)"] == 5834  # the old sheet said 6,084
    assert status["D002"]["Spend (window)"] == 1500  # 714 on 2025-12-05 is over a year ago
    assert status["D001"]["Visits (window)"] == 2  # the gift-card cleaning is still a visit
    dash = load_workbook(clinic.parent / "members.xlsx", read_only=True)["看板 Dashboard"]
    months = {r[0]: r[1] for r in dash.iter_rows(values_only=True) if r[0] and re.fullmatch(r"\d{4}-\d\d", str(r[0]))}
    assert months["2026-06"] == 0  # only D001's gift-card cleaning that month
    assert months["2026-03"] == 0  # F001 spent D001's gift card
    assert months["2026-04"] == 400 and months["2026-10"] == 1500


def test_the_call_list_gives_the_real_expiry_date(clinic: Path) -> None:
    """Defect 2: D001's 7,000 points lapse after 2026-12-31, not "by 2027-01-07" (the day + 30)."""
    why = sheet(clinic, CALLS)["D001"]["Why"]
    assert "7,000 积分将于 2026-12-31 过期" in why
    assert "2027-01-07" not in why
    assert card(clinic, "D001")["points"]["next_expiry"] == {"points": 7000, "expires": "2026-12-31"}
    planned = {m["member_id"]: m for m in today(clinic)["planned"]}
    assert planned["D001"]["reason"] == "7,000 积分将于 2026-12-31 过期"
    assert "7,000积分将于2026年12月31日到期" in planned["D001"]["preview"]


def test_a_message_names_only_a_reward_the_points_can_buy(clinic: Path) -> None:
    """Defect 3: D002's 714 expiring points buy the hand cream (500), not the voucher (2,000)."""
    zh = {m["member_id"]: m for m in today(clinic)["planned"]}["D002"]["preview"]
    assert "您有714积分将于2026年12月31日到期，这些积分可兑换护手霜。当前共2,214积分" in zh
    assert "代金券" not in zh
    holder = {m["member_id"]: m for m in today(clinic)["planned"]}["D001"]["preview"]
    # D001's 7,000 expiring points alone buy the 100-yuan voucher (2,000)
    assert "您有7,000积分将于2026年12月31日到期，这些积分可兑换100元代金券。当前共7,300积分" in holder


def test_a_referral_pays_only_on_the_referred_members_own_money(clinic: Path) -> None:
    """Defect 4: F001 spent D001's 600 gift card first: no reward; her own 400 on 2026-04-02 rewards 300."""
    referral = card(clinic, "D001", "en")["referrals"][0]
    assert referral["member_id"] == "F001" and referral["status"] == "rewarded"
    assert referral["reason"] == "F001's first purchase 400 on 2026-04-02 reached 300: 300 points to D001"
    points = card(clinic, "D001")["points"]
    assert points["balance"] == 7300 and points["next_expiring"][1] == {"points": 300, "expires": "2027-04-30"}


def test_a_household_counts_as_one(clinic: Path) -> None:
    """The holder's birthday budget counts everyone on the card; the Call list lists the household once,
    under the holder, naming who is due; the event for Silver invites the family (one per phone)."""
    holder = card(clinic, "D001")["birthday"]
    assert holder["gift_budget"] == "34.67"  # 0.5% of (5,834 + 714 + 386)
    assert holder["budget_household"] == ["D001", "D002", "D003", "D004"]
    child = card(clinic, "D003")["birthday"]
    assert child["gift_budget"] == "0.00" and child["budget_holder"] == "D001"
    month = _json(run_cli("birthdays", "--config", str(clinic), "--month", "2026-12", "--json",
                          "--date", DAY.isoformat()))
    assert [(b["member_id"], b["budget"]) for b in month["birthdays"]] == [("D001", "34.67"), ("D003", "0.00")]
    assert month["total_budget"] == "34.67"

    calls = sheet(clinic, CALLS)
    assert list(calls) == ["D001"]  # D002's expiring points are on D001's row
    assert "李娜（D002）：714 积分将于 2026-12-31 过期" in calls["D001"]["Why"]
    assert "2026-12-15 生日：请准备礼品（预算 34.67）" in calls["D001"]["Why"]

    day = today(clinic)
    invited = {m["member_id"] for m in day["planned"] if m["campaign"] == "event"}
    invited |= {h["member_id"] for h in day["held"] if h["campaign"] == "event"}
    assert invited == {"D001", "D002", "D003", "D004"}  # only D001 is Silver
    same_phone = [h for h in day["held"] if h["member_id"] == "D004"]
    assert [h["reason"] for h in same_phone] == ["same_recipient"]


def test_the_cards_text_reads_the_figures_the_sheets_show(clinic: Path, cli: Callable[..., Result]) -> None:
    """The card as the front desk reads it (not --json) says 5,834 like Member status, not 5,834.00."""
    shown = cli("member", "D001", "--config", str(clinic), "--date", DAY.isoformat(), "--lang", "en")
    assert shown.code == 0, shown.err
    assert "5,834 in all, 5,834 in the last 12 months; 2 visits, last on 2026-06-15" in shown.out
    assert "7,000 on 2026-12-31" in shown.out and "300 on 2027-04-30" in shown.out
