"""Presets from real practice: each trade's demo runs check / refresh / today, and every template renders in its
trade's words only."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loyalsheet.config import load_config
from loyalsheet.messaging.daily import templates_for
from loyalsheet.messaging.template_check import check_templates
from loyalsheet.presets import PRESETS, load_preset
from loyalsheet.rules import evaluate
from loyalsheet.segments import segment
from loyalsheet.workbook.reader import read_member_file
from tests.helpers import Result

DAY = date(2026, 12, 7)

# Words only one trade uses: no preset's messages may carry another trade's.
TRADE_WORDS = {
    "dental": ("牙", "口腔", "dentist", "dental", "teeth"),
    "beauty": ("护肤", "彩妆", "美容", "面膜", "面部", "美发", "顾问", "skin"),
    "tcm": ("中医", "艾灸", "推拿", "针灸", "养生", "调理", "moxibustion"),
    "retail": ("购物袋", "保温杯", "日用品", "文具"),
}
GOODS_WORDS = ("选购", "产品", "商品")  # selling goods: not how a clinic speaks of treatments


def _foreign_words(trade: str) -> tuple[str, ...]:
    words = [w for other, ws in TRADE_WORDS.items() if other != trade for w in ws]
    if trade in ("dental", "tcm"):
        words += GOODS_WORDS
    return tuple(words)


@pytest.mark.parametrize("trade", PRESETS)
def test_preset_end_to_end(trade: str, tmp_path: Path, cli: Callable[..., Result]) -> None:
    shop = tmp_path / trade
    made = cli("demo", str(shop), "--preset", trade, "--members", "80", "--date", DAY.isoformat(), "--lang", "zh")
    assert made.code == 0, made.err
    config = load_config(shop / "config.yaml")
    for args in (("check",), ("refresh",), ("today", "--at", "10:00"), ("birthdays",)):
        ran = cli(*args, "--config", str(shop / "config.yaml"), "--date", DAY.isoformat(), "--json")
        assert ran.code == 0, (args, ran.out[-2000:], ran.err)
    birthdays = json.loads(cli("birthdays", "--config", str(shop / "config.yaml"), "--date", DAY.isoformat(),
                               "--json").out)
    assert birthdays["birthdays"], "the demo has birthdays next month"
    assert all(Decimal(str(b["budget"])) >= config.birthdays.budget_min for b in birthdays["birthdays"])
    assert config.birthdays.budget_min >= 20  # no gift of 1.18 yuan

    # every template the shop uses renders for the trade's demo members, in the trade's words only
    mf = read_member_file(shop / "members.xlsx", region="CN")
    ev = evaluate(mf, config, DAY)
    seg = segment(mf.members, mf.txns, config.segments, DAY)
    result = check_templates(templates_for(config), config, mf, ev, seg, DAY, keep_texts=True)
    assert result.errors == [], result.errors
    assert len(result.texts) >= 40  # (13 campaigns x sms / email x zh / en, less those without a sample)
    foreign = _foreign_words(trade)
    for file_name, texts in result.texts.items():
        for text in texts:
            found = [w for w in foreign if w.casefold() in text.casefold()]
            assert not found, f"{trade}: {file_name} says {found}: {text}"
    own = "".join(t for texts in result.texts.values() for t in texts)
    assert load_preset(trade).sender["zh"] in own


def test_dental_preset_as_in_the_seed(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("init", "clinic/members.xlsx", "--preset", "dental", "--lang", "zh", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "口腔诊所" in result.out
    config = load_config(tmp_path / "clinic" / "config.yaml")
    tiers = config.tiers
    gold = tiers.ladder[-1]
    assert gold.discount == Decimal("0.88") and gold.spend_threshold == Decimal(30000)
    assert tiers.spend.window == "cumulative"
    assert [o.min_fee for o in tiers.paid.options] == [Decimal(899)]
    assert [o.tier for o in tiers.stored_value.options] == ["Gold"]
    assert config.stored_value.family_max == 3 and config.stored_value.family_shares_discount
    assert (config.gift_cards.value, config.gift_cards.valid_months) == (Decimal(600), 3)
    assert config.birthdays.budget_rate == Decimal("0.005")
    assert config.messaging.templates == "message_templates"
    assert (tmp_path / "clinic" / "message_templates" / "followup-3d.sms.zh.j2").exists()
    # six events a year, Feb to Dec every other month, as rows of the Events sheet
    events = read_member_file(tmp_path / "clinic" / "members.xlsx", region="CN").events
    assert sorted(e.day.month for e in events) == [2, 4, 6, 8, 10, 12]
    wb = load_workbook(tmp_path / "clinic" / "members.xlsx")
    assert wb["活动 Events"].max_row == 7
    assert cli("check", "--config", "clinic/config.yaml", cwd=tmp_path).code == 0


@pytest.mark.parametrize("trade", PRESETS)
def test_each_preset_loads_beside_an_empty_book(trade: str, tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("init", "shop/members.xlsx", "--preset", trade, "--lang", "en", cwd=tmp_path)
    assert result.code == 0, result.err
    assert load_preset(trade).title["en"] in result.out
    load_config(tmp_path / "shop" / "config.yaml")
    for args in (("check",), ("refresh",), ("today",)):
        ran = cli(*args, "--config", "shop/config.yaml", cwd=tmp_path)
        assert ran.code == 0, (args, ran.err)
