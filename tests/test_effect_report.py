"""The effect report on a hand-built book with known outcomes: every figure worked out by hand.

The book (today 2026-11-30, measured from 2026-09-01):
- win-back due 2026-10-01 (settings version "wb"): 40 members messaged, 20 held out. Messaged M001-M016
  buy 100 on 10-05 (within 14 days), M017-M020 buy 50 on 10-25 (within 30 only), M040 buys on 10-01
  itself (not counted); held out H001-H004 buy 100 on 10-10.
- festival: changed mid-October: version "f1" on 10-03 (3 sent, 1 held out), "f2" on 10-20 (2 and 1).
- birthday 09-15, from before versions and holdouts: M001, who buys on 10-05 (within 30 days, not 14).
- calls on 10-02: C1 and C2 "预约" (C1 buys 200 on 10-08), C3 "未接".
- event E1 on 10-15, invitations due 10-08: E01-E10 invited, EH1-EH2 held out; E01-E04 buy 300 that day,
  E05 only tops up (came, did not buy), EH1 buys 80.
- M001-M005 bought on 09-01 too; N1-N4 joined in October (推荐, 推荐, 小王推广) and November (blank);
  L1 last bought 2026-04-01 and L2 2026-05-15 (lost after 180 days: September and November).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from loyalsheet.effect.stats import difference, wilson
from loyalsheet.messaging.ledger import Ledger, OutgoingMessage, State, ledger_path_for
from tests.helpers import LEDGER_V1_SCHEMA, Result, libreoffice_csv

TODAY = date(2026, 11, 30)
MEMBER_HEADER = ["Member ID", "Name", "Email", "Joined", "Source"]
TXN_HEADER = ["Date", "Member ID", "Type", "Amount"]


def ids(prefix: str, n: int, width: int = 3) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


M, H = ids("M", 40), ids("H", 20)
F, FH, C, E, EH = ids("F", 5, 1), ids("FH", 2, 1), ids("C", 3, 1), ids("E", 10, 2), ids("EH", 2, 1)
JOINED = {"N1": (date(2026, 10, 10), "推荐"), "N2": (date(2026, 10, 12), "推荐"),
          "N3": (date(2026, 10, 20), "小王推广"), "N4": (date(2026, 11, 2), None)}


def members() -> list[list[Any]]:
    rows: list[list[Any]] = []
    for mid in [*M, *H, *F, *FH, *C, *E, *EH, "L1", "L2"]:
        rows.append([mid, f"会员{mid}", f"{mid.lower()}@example.com", date(2025, 1, 1), "到店"])
    for mid, (joined, source) in JOINED.items():
        rows.append([mid, f"会员{mid}", f"{mid.lower()}@example.com", joined, source])
    return rows


def txns() -> list[list[Any]]:
    rows: list[list[Any]] = [[date(2026, 9, 1), mid, "purchase", 60] for mid in M[:5]]
    rows += [[date(2026, 10, 5), mid, "purchase", 100] for mid in M[:16]]
    rows += [[date(2026, 10, 25), mid, "purchase", 50] for mid in M[16:20]]
    rows += [[date(2026, 10, 1), "M040", "purchase", 999]]
    rows += [[date(2026, 10, 10), mid, "purchase", 100] for mid in H[:4]]
    rows += [[date(2026, 10, 8), "C1", "purchase", 200]]
    rows += [[date(2026, 10, 15), mid, "purchase", 300] for mid in E[:4]]
    rows += [[date(2026, 10, 15), "E05", "top-up", 500], [date(2026, 10, 15), "EH1", "purchase", 80]]
    rows += [[date(2026, 4, 1), "L1", "purchase", 70], [date(2026, 5, 15), "L2", "purchase", 70]]
    return rows


def msg(campaign: str, mid: str, occasion: str, day: date, version: str | None) -> OutgoingMessage:
    return OutgoingMessage(key=f"{campaign}:{mid}:{occasion}", member_id=mid, campaign=campaign, channel="email",
                           to=f"{mid.lower()}@example.com", body="hello", planned_for=day, kind="marketing",
                           version=version)


def ledger_rows() -> list[tuple[OutgoingMessage, State, datetime]]:
    out: list[tuple[OutgoingMessage, State, datetime]] = []

    def add(campaign: str, who: list[str], state: State, occasion: str, day: date, version: str | None) -> None:
        at = datetime.combine(day, time(2), tzinfo=UTC)
        out.extend((msg(campaign, mid, occasion, day, version), state, at) for mid in who)

    add("winback", M, State.SENT, "2026-07-01", date(2026, 10, 1), "wb")
    add("winback", H, State.HOLDOUT, "2026-07-01", date(2026, 10, 1), "wb")
    add("festival", F[:3], State.SENT, "a", date(2026, 10, 3), "f1")
    add("festival", FH[:1], State.HOLDOUT, "a", date(2026, 10, 3), "f1")
    add("festival", F[3:], State.SENT, "b", date(2026, 10, 20), "f2")
    add("festival", FH[1:], State.HOLDOUT, "b", date(2026, 10, 20), "f2")
    add("birthday", ["M001"], State.SENT, "2026", date(2026, 9, 15), None)
    add("event", E, State.SENT, "E1", date(2026, 10, 8), "ev")
    add("event", EH, State.HOLDOUT, "E1", date(2026, 10, 8), "ev")
    return out


@pytest.fixture
def shop(book: Callable[..., Path]) -> Path:
    path = book(members(), txns(), member_header=MEMBER_HEADER, txn_header=TXN_HEADER, extra={
        "Events": [["Event", "Title", "Date"], ["E1", "秋季沙龙", date(2026, 10, 15)]],
        "Call notes": [["Date", "Member ID", "Outcome"], [date(2026, 10, 2), "C1", "预约"],
                       [date(2026, 10, 2), "C2", "预约 "], [date(2026, 10, 2), "C3", "未接"]],
    })
    with Ledger(ledger_path_for(path)) as ledger:
        assert ledger.record_past(ledger_rows(), provider="test") == len(ledger_rows())
    return path


def report(cli: Callable[..., Result], shop: Path, *args: str) -> Result:
    return cli("report", "--workbook", str(shop), "--date", TODAY.isoformat(), "--since", "2026-09-01", *args,
               cwd=shop.parent)


def as_json(result: Result) -> dict[str, Any]:
    import json

    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def row(data: dict[str, Any], campaign: str, month: str | None, version: int) -> dict[str, Any]:
    found = [c for c in data["campaigns"] if (c["campaign"], c["month"], c["version"]) == (campaign, month, version)]
    assert len(found) == 1, (campaign, month, version, [(c["campaign"], c["month"], c["version"])
                                                         for c in data["campaigns"]])
    return found[0]


def test_every_figure_of_the_report(cli: Callable[..., Result], shop: Path) -> None:
    data = as_json(report(cli, shop, "--json", "--lang", "en"))
    assert data["since"] == "2026-09-01" and data["windows"] == [14, 30] and data["min_group"] == 20

    wb = row(data, "winback", "2026-10", 1)
    assert (wb["sent"], wb["held_out"]) == (40, 20)
    w14, w30 = wb["windows"]
    assert w14["messaged"] == {"members": 40, "came": 16, "rate": 0.4, "spend": "1600"}
    assert w14["holdout"] == {"members": 20, "came": 4, "rate": 0.2, "spend": "400"}
    d14 = difference(16, 40, 4, 20)
    assert w14["uplift"] == pytest.approx(0.2) and (w14["low"], w14["high"]) == pytest.approx((d14.low, d14.high))
    assert w14["verdict"] == "ok" and not w14["significant"] and w14["says"] == "no clear difference"
    assert w14["extra_spend"] == "800"  # (1600/40 - 400/20) x 40
    assert w30["messaged"]["came"] == 20 and w30["messaged"]["spend"] == "1800" and w30["holdout"]["came"] == 4
    assert w30["significant"] and w30["says"] == "clear effect" and w30["extra_spend"] == "1000"
    assert w30["low"] == pytest.approx(difference(20, 40, 4, 20).low)
    total = row(data, "winback", None, 1)
    assert total["windows"] == wb["windows"] and (total["first"], total["last"]) == ("2026-10-01", "2026-10-01")

    # a campaign changed mid-month: one row per version, each too small to tell
    for version, sent in ((1, 3), (2, 2)):
        fest = row(data, "festival", "2026-10", version)
        assert (fest["sent"], fest["held_out"]) == (sent, 1)
        assert {c["verdict"] for c in fest["windows"]} == {"too_few"} and fest["windows"][0]["uplift"] is None
        assert row(data, "festival", None, version)["sent"] == sent
    # from before versions and holdouts: what can be said
    bday = row(data, "birthday", "2026-09", 0)
    assert bday["sent"] == 1 and bday["held_out"] == 0
    assert [(c["verdict"], c["messaged"]["came"], c["messaged"]["spend"]) for c in bday["windows"]] == [
        ("no_holdout", 0, "0"), ("no_holdout", 1, "100")]

    assert data["calls"] == [
        {"outcome": "预约", "calls": 2, "windows": [{"window": 14, "members": 2, "came": 1, "rate": 0.5, "spend": "200"},
                                                    {"window": 30, "members": 2, "came": 1, "rate": 0.5, "spend": "200"}]},
        {"outcome": "未接", "calls": 1, "windows": [{"window": 14, "members": 1, "came": 0, "rate": 0.0, "spend": "0"},
                                                    {"window": 30, "members": 1, "came": 0, "rate": 0.0, "spend": "0"}]},
    ]
    assert data["events"] == [{"event_id": "E1", "title": "秋季沙龙", "day": "2026-10-15", "invited": 10, "held_out": 2,
                               "confirmed": None, "came": 5, "bought": 4, "spend": "1200", "held_out_came": 1}]
    ev = row(data, "event", "2026-10", 1)["windows"][0]
    assert ev["messaged"]["came"] == 4 and ev["holdout"]["came"] == 1 and ev["verdict"] == "too_few"

    health = {h["month"]: h for h in data["health"]}
    assert list(health) == ["2026-09", "2026-10", "2026-11"]
    assert health["2026-09"] == {"month": "2026-09", "active": 5, "returning": 0, "repeat_rate": 0.0,
                                 "new_members": 0, "by_source": {}, "lost": 1}
    # October buyers: M001-M020, M040, H001-H004, C1, E01-E04, EH1; M001-M005 had bought before
    assert health["2026-10"] == {"month": "2026-10", "active": 31, "returning": 5, "repeat_rate": 5 / 31,
                                 "new_members": 3, "by_source": {"推荐": 2, "小王推广": 1}, "lost": 0}
    assert health["2026-11"] == {"month": "2026-11", "active": 0, "returning": 0, "repeat_rate": None,
                                 "new_members": 1, "by_source": {"": 1}, "lost": 1}

    assert data["summary"] == [
        "Win-back: 40% came back within 14 days, the holdout 20%: not a clear difference yet.",
        "Event invitation: too few members so far to tell (10 messaged, 2 held out; 20 each are needed).",
        "Festival greeting (v1): too few members so far to tell (3 messaged, 1 held out; 20 each are needed).",
        "Festival greeting (v2): too few members so far to tell (2 messaged, 1 held out; 20 each are needed).",
        "2026-10: 31 members bought, 16% of them had bought before; 3 new members, 0 lost.",
    ]


def test_the_table_and_the_words_in_chinese(cli: Callable[..., Result], shop: Path) -> None:
    shown = report(cli, shop, "--lang", "zh")
    assert shown.code == 0, shown.err
    out = shown.out
    assert "会员计划效果报告：2026-09-01 至 2026-11-30" in out
    assert "唤回消息：40% 的会员 14 天内回店，对照组 20%，差别还不足以说明效果。" in out
    assert "节日问候 (版本1)：人数还太少，暂时看不出效果（发送 3 人，对照组 1 人，各需至少 20 人）。" in out
    assert "40% / 20%" in out and "+20% (-6% … +39%)" in out and "+30% (+4% … +49%)" in out
    assert "效果明显" in out and "人数太少，看不出" in out and "无对照组" in out and "早期" in out
    assert "秋季沙龙" in out and "预约" in out and "推荐 2, 小王推广 1" in out


def test_refresh_writes_the_report_sheet_and_a_dashboard_block(cli: Callable[..., Result], shop: Path,
                                                               tmp_path: Path) -> None:
    done = cli("refresh", "--workbook", str(shop), "--date", TODAY.isoformat(), "--lang", "en", cwd=shop.parent)
    assert done.code == 0, done.err
    assert "Report" in done.out
    wb = load_workbook(shop, read_only=True)
    assert "效果报告 Report" in wb.sheetnames
    cells = [[c for c in r if c is not None] for r in wb["效果报告 Report"].iter_rows(values_only=True)]
    wb.close()
    flat = [str(c) for r in cells for c in r]
    assert "Win-back: 40% came back within 14 days, the holdout 20%: not a clear difference yet." in flat
    header = next(r for r in cells if r and r[0] == "Campaign")
    assert header[:5] == ["Campaign", "Month", "Settings", "Sent", "Held out"] and "Uplift 14d (95% range)" in header
    win = next(r for r in cells if r[:2] == ["Win-back", "2026-10"])
    assert win[2:9] == ["v1", 40, 20, "40%", "20%", 40, "+20% (-6% … +39%)"]
    seen = libreoffice_csv(shop, tmp_path / "csv")
    dash = [r[0] for r in seen["看板 Dashboard"] if r]
    assert "Does the program work?" in dash and "Full report: sheet 效果报告 Report" in dash
    assert any(r[:2] == ["Win-back", "2026-10"] for r in seen["效果报告 Report"])


def test_no_ledger_and_a_wrong_since_say_so(cli: Callable[..., Result], book: Callable[..., Path]) -> None:
    path = book(members(), txns(), member_header=MEMBER_HEADER, txn_header=TXN_HEADER)
    shown = cli("report", "--workbook", str(path), "--date", TODAY.isoformat(), "--lang", "en", cwd=path.parent)
    assert shown.code == 0, shown.err
    assert "No send ledger beside members.xlsx yet" in shown.out
    assert "No messages were sent in this period yet: nothing to measure." in shown.out
    assert not ledger_path_for(path).exists()  # reading never creates one
    bad = cli("report", "--workbook", str(path), "--date", TODAY.isoformat(), "--since", "2027-01-01", "--lang", "en",
              cwd=path.parent)
    assert bad.code == 2 and "2027-01-01 is after 2026-11-30" in bad.err


def test_newcombe_interval_matches_the_published_examples() -> None:
    # Newcombe (1998), Table II, method 10: 56/70 - 48/80 and 9/10 - 3/10
    d = difference(56, 70, 48, 80)
    assert (round(d.low, 4), round(d.high, 4)) == (0.0524, 0.3339) and d.significant
    d = difference(9, 10, 3, 10)
    assert (round(d.low, 4), round(d.high, 4)) == (0.1705, 0.8090)
    assert not difference(5, 10, 5, 10).significant
    assert wilson(0, 10)[0] == pytest.approx(0, abs=1e-12) and wilson(10, 10)[1] == pytest.approx(1)
    with pytest.raises(ValueError):
        wilson(3, 0)


def test_a_ledger_from_before_holdouts_still_reports_what_it_can(cli: Callable[..., Result],
                                                                 book: Callable[..., Path]) -> None:
    import sqlite3

    path = book(members(), txns(), member_header=MEMBER_HEADER, txn_header=TXN_HEADER)
    db = sqlite3.connect(ledger_path_for(path))
    db.executescript(LEDGER_V1_SCHEMA)
    db.executemany(
        "INSERT INTO messages (key, member_id, campaign, channel, recipient, kind, body_sha256, planned_for, state, "
        "planned_at, updated_at) VALUES (?, ?, 'winback', 'email', 'x@example.com', 'marketing', 'h', '2026-10-01', ?, "
        "'2026-10-01T02:00:00+00:00', '2026-10-01T02:00:00+00:00')",
        [(f"winback:{mid}:2026-07-01", mid, "sent" if mid != "M040" else "failed") for mid in M])
    db.commit()
    db.close()
    data = as_json(cli("report", "--workbook", str(path), "--date", TODAY.isoformat(), "--since", "2026-09-01",
                       "--json", "--lang", "en", cwd=path.parent))
    old = row(data, "winback", "2026-10", 0)
    assert (old["sent"], old["held_out"]) == (39, 0)  # the failed message is not counted
    assert old["windows"][0]["verdict"] == "no_holdout" and old["windows"][0]["messaged"]["came"] == 16
    assert "No holdout group yet" in data["summary"][0]
    shown = cli("report", "--workbook", str(path), "--date", TODAY.isoformat(), "--since", "2026-09-01",
                "--lang", "en", cwd=path.parent)
    assert "before versions" in shown.out and "no holdout" in shown.out


def test_the_report_sheet_is_one_the_refresh_owns() -> None:
    from loyalsheet.config import Config
    from loyalsheet.refresh import OWNED_TITLES

    assert Config().report.sheet in OWNED_TITLES


def test_a_message_that_does_worse_than_its_holdout_says_so() -> None:
    from loyalsheet.effect import EffectReport
    from loyalsheet.effect.measure import CampaignEffect, Group, compare
    from loyalsheet.effect.present import paragraph

    worse = compare(14, Group(100, 10, Decimal(1000)), Group(100, 40, Decimal(4000)), 20)
    assert worse.verdict == "ok" and worse.significant and worse.uplift == pytest.approx(-0.3)
    effect = CampaignEffect("winback", None, 1, 100, 100, (worse,), date(2026, 10, 1), date(2026, 10, 1))
    report = EffectReport(TODAY, date(2026, 9, 1), (14,), 20, (effect,), (), (), (), 200)
    assert paragraph(report, "en", "CNY") == [
        "Win-back: only 10% came back within 14 days, fewer than the holdout's 40%: worth a look at its wording "
        "and timing."]
    assert "低于对照组的 40%" in paragraph(report, "zh", "CNY")[0]
