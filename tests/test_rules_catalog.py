"""Every text the rules produce is in the catalog in both languages, and the settings document themselves."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel
from ruamel.yaml import YAML

from loyalsheet import i18n
from loyalsheet.rules import PROBLEM_CODES, RulesSettings
from loyalsheet.rules.settings import PaidOption, StoredValueOption, TierDef

RULES = Path(__file__).resolve().parent.parent / "loyalsheet" / "rules"
SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in sorted(RULES.glob("*.py")))


def test_every_problem_code_has_text_and_a_hint_in_both_languages() -> None:
    for code in PROBLEM_CODES:
        for key in (code, f"{code}.hint"):
            assert set(i18n.CATALOG[key]) == {"en", "zh"}, key
            assert all(i18n.CATALOG[key][lang].strip() for lang in ("en", "zh"))
        assert f'"{code}"' in SOURCE, f"{code} is listed but never reported"


def test_every_problem_reported_in_the_source_is_listed() -> None:
    literals = set(re.findall(r'_problem\(\s*"([a-z_]+)"', SOURCE))
    literals |= set(re.findall(r'Problem\(\s*Severity\.[A-Z]+,\s*"([a-z_]+)"', SOURCE))
    assert literals and literals <= set(PROBLEM_CODES)


def test_every_reason_key_in_the_source_is_in_the_catalog() -> None:
    keys = set(re.findall(r'"(why\.[a-z_.]+)"', SOURCE))
    assert len(keys) > 25
    for key in keys:
        assert set(i18n.CATALOG[key]) == {"en", "zh"}, key
    catalog_whys = {k for k in i18n.CATALOG if k.startswith("why.") and not k.startswith("why.seg")}
    assert catalog_whys - keys == set(), "catalog has reasons the rules never give"


def _fields(model: type[BaseModel]) -> list[tuple[str, str | None]]:
    out = []
    for name, field in model.model_fields.items():
        out.append((f"{model.__name__}.{name}", field.description))
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.extend(_fields(ann))
    return out


def test_every_setting_has_a_default_and_a_description() -> None:
    RulesSettings()  # every section and field has a default
    for model in (RulesSettings, TierDef, PaidOption, StoredValueOption):
        for name, description in _fields(model):
            assert description, f"{name} has no description"


EXAMPLE = """
points:
  rate: 1
  birthday_month_multiplier: 2
  expiry: {mode: rolling_months, months: 12}
tiers:
  ladder:
    - {name: Member, name_zh: 会员, spend_threshold: 0}
    - {name: Gold, name_zh: 金卡, discount: 0.88, points_multiplier: 1.5, spend_threshold: 30000,
       benefits: [生日礼], hidden_benefits: [可免预约金]}
  spend: {window: cumulative}
  paid: {options: [{min_fee: 899, tier: Gold}]}
  stored_value: {options: [{min_top_up: 20000, tier: Gold}]}
  evaluation: {month_days: ["01-01", "07-01"], grace_days: 30}
  lifetime: {M0001: Gold}
stored_value: {family_max: 2}
gift_cards: {value: 600, valid_months: 3, excluded_categories: [implant]}
course_cards: {remind_days: 30, idle_weeks: 4}
referrals: {reward: stored_value, stored_value: 50}
birthdays: {budget_rate: 0.005, feb29: mar1}
"""


def test_a_config_yaml_section_loads() -> None:
    rs = RulesSettings.model_validate(YAML(typ="safe").load(EXAMPLE))
    assert rs.tiers.ladder[1].discount == rs.tiers.ladder[1].discount.__class__("0.88")
    assert rs.tiers.rank("Gold") == 1 and rs.tiers.lifetime == {"M0001": "Gold"}
    assert rs.tiers.evaluation.month_days == ("01-01", "07-01")
    assert rs.birthdays.feb29 == "mar1" and rs.referrals.reward == "stored_value"
