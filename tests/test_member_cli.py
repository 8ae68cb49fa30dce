"""`loyalsheet member` and `loyalsheet birthdays` on a demo store, as the front desk uses them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loyalsheet.config import load_config
from loyalsheet.demo import write_demo
from loyalsheet.rules import evaluate
from loyalsheet.workbook.reader import read_member_file
from tests.helpers import Result

DAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("shop") / "demo"
    write_demo(directory, members=200, seed=11, today=DAY)
    return directory / "config.yaml"


def _json(result: Result) -> dict[str, object]:
    assert result.code == 0, result.err + result.out
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def test_member_card_by_id_phone_and_name(shop: Path, cli: Callable[..., Result]) -> None:
    config = load_config(shop)
    mf = read_member_file(config.workbook_path)
    ev = evaluate(mf, config, DAY)
    m = next(m for m in mf.members if m.phone and ev.members[m.member_id].points.balance > 0)
    by_id = _json(cli("member", m.member_id, "--config", str(shop), "--json", "--date", DAY.isoformat()))
    assert by_id["member_id"] == m.member_id
    points = by_id["points"]
    assert isinstance(points, dict) and points["balance"] == ev.members[m.member_id].points.balance
    assert m.phone is not None
    by_phone = _json(cli("member", m.phone[-11:], "--config", str(shop), "--json", "--date", DAY.isoformat()))
    assert by_phone["member_id"] == m.member_id
    table = cli("member", m.member_id, "--config", str(shop), "--date", DAY.isoformat(), "--lang", "zh")
    assert table.code == 0 and "积分" in table.out and "等级" in table.out


def test_hidden_benefits_only_marked_for_staff(shop: Path, cli: Callable[..., Result]) -> None:
    config = load_config(shop)
    mf = read_member_file(config.workbook_path)
    ev = evaluate(mf, config, DAY)
    gold = next((mid for mid, r in ev.members.items() if any(b.hidden for b in r.tier.benefits)), None)
    assert gold is not None, "the demo store has members with staff-only benefits"
    card = _json(cli("member", gold, "--config", str(shop), "--json", "--date", DAY.isoformat()))
    staff_only = card["staff_only_benefits"]
    assert isinstance(staff_only, list) and staff_only
    assert not set(staff_only) & set(card["benefits"])  # type: ignore[arg-type]
    table = cli("member", gold, "--config", str(shop), "--date", DAY.isoformat(), "--lang", "en")
    assert "Staff only" in table.out


def test_several_or_no_matches_exit_1(shop: Path, cli: Callable[..., Result]) -> None:
    several = cli("member", "王", "--config", str(shop), "--date", DAY.isoformat(), "--lang", "en")
    assert several.code == 1 and "members match" in several.out
    none = cli("member", "Nobody Atall", "--config", str(shop), "--date", DAY.isoformat(), "--lang", "en")
    assert none.code == 1 and "No member matches" in none.out


def test_birthdays_next_month_with_budgets(shop: Path, cli: Callable[..., Result]) -> None:
    data = _json(cli("birthdays", "--config", str(shop), "--json", "--date", DAY.isoformat()))
    assert data["month"] == "2026-12"
    rows = data["birthdays"]
    assert isinstance(rows, list) and rows
    for row in rows:
        assert row["day"].startswith("2026-12")
        by_rate = (Decimal(str(row["budget_spend"])) * Decimal("0.005")).quantize(Decimal("0.01"))
        assert Decimal(str(row["budget"])) == max(by_rate, Decimal(30))  # the demo's budget_min: 30
    other = _json(cli("birthdays", "--month", "2027-02", "--config", str(shop), "--json", "--date", DAY.isoformat()))
    assert other["month"] == "2027-02"
    bad = cli("birthdays", "--month", "2027-13", "--config", str(shop), "--lang", "en")
    assert bad.code == 2 and "YYYY-MM" in bad.err
