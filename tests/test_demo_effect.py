"""The 600-member demo has months of messages, holdouts and responses: the report has something to show."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from loyalsheet.demo import generate
from loyalsheet.demo_effect import RESPONSE
from loyalsheet.messaging.ledger import Ledger, State, ledger_path_for
from tests.helpers import Result

DAY = date(2026, 11, 20)


def test_demo_history_is_deterministic_and_holds_out_only_marketing() -> None:
    a = generate(members=200, today=DAY, history=True)
    b = generate(members=200, today=DAY, history=True)
    assert a.history is not None and b.history is not None
    assert [(m.key, s) for m, s, _ in a.history.sent] == [(m.key, s) for m, s, _ in b.history.sent]
    assert a.rows["transactions"] == b.rows["transactions"]
    plain = generate(members=200, today=DAY)
    assert plain.history is None
    extra = len(a.rows["transactions"]) - len(plain.rows["transactions"])
    assert extra == len(a.history.extra_txns) > 0  # the planted responses, and nothing else changed
    assert plain.rows["members"] == a.rows["members"]
    held = [m for m, s, _ in a.history.sent if s is State.HOLDOUT]
    assert held and {m.kind for m, _, _ in a.history.sent} == {"marketing"}
    assert {m.campaign for m, _, _ in a.history.sent} == set(RESPONSE)
    assert all(m.planned_for < DAY for m, _, _ in a.history.sent)


def test_report_and_dashboard_on_the_600_member_demo(cli: Callable[..., Result], tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    made = cli("demo", str(shop), "--date", DAY.isoformat(), "--lang", "en")
    assert made.code == 0, made.err
    with Ledger(ledger_path_for(shop / "members.xlsx")) as ledger:
        counts = ledger.counts()
    assert counts[State.SENT] > 1000 and counts[State.HOLDOUT] > 100
    config = str(shop / "config.yaml")
    data = json.loads(cli("report", "--config", config, "--date", DAY.isoformat(), "--json", "--lang", "en").out)
    totals = {c["campaign"]: c for c in data["campaigns"] if c["month"] is None and c["version"] == 1}
    assert set(totals) == set(RESPONSE)
    # the invitations' planted response is large enough to be seen
    event = totals["event"]["windows"][0]
    assert event["verdict"] == "ok" and event["significant"] and event["uplift"] > 0.1
    assert any(c["campaign"] == "winback" and c["version"] == 2 for c in data["campaigns"])  # settings changed
    assert data["summary"][0].startswith("Event invitation: ") and len(data["summary"]) >= 3
    assert data["health"] and sum(h["new_members"] for h in data["health"]) > 0
    assert any(h["by_source"] for h in data["health"]) and data["calls"] and data["events"]

    shown = cli("report", "--config", config, "--date", DAY.isoformat(), "--lang", "zh")
    assert shown.code == 0 and "活动邀请让" in shown.out and "对照组" in shown.out and "效果明显" in shown.out

    done = cli("refresh", "--config", config, "--date", DAY.isoformat(), "--lang", "zh")
    assert done.code == 0, done.err
    wb = load_workbook(shop / "members.xlsx", read_only=True)
    dash = [r[0] for r in wb["看板 Dashboard"].iter_rows(values_only=True) if r and r[0]]
    report = [r for r in wb["效果报告 Report"].iter_rows(values_only=True)]
    wb.close()
    assert "会员计划效果" in dash and any(str(x).startswith("活动邀请让") for x in dash)
    assert any(r[0] == "活动" and r[4] == "对照组" for r in report)
    assert any(r[0] == "活动邀请" and r[1] == "合计" for r in report)
