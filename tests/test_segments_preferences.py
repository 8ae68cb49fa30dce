"""Preference segments (main category, age band, gender) and the segments settings themselves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from loyalsheet.model import Birthday, Member, Txn, TxnType
from loyalsheet.segments import MemberSegments, SegmentSettings, segment
from loyalsheet.segments.preferences import age
from loyalsheet.segments.settings import PreferenceSettings, parse_age_band

TODAY = date(2026, 11, 22)


def buy(mid: str, amount: int, category: str | None, typ: TxnType = TxnType.PURCHASE) -> Txn:
    return Txn(row=2, day=date(2026, 9, 1), member_id=mid, type=typ, amount=Decimal(amount), category=category)


def one(txns: list[Txn], m: Member | None = None, settings: SegmentSettings | None = None) -> MemberSegments:
    m = m or Member(row=2, member_id="A", name="A", joined=date(2020, 1, 1))
    return segment([m], txns, settings or SegmentSettings(), TODAY).members[0]


def test_main_category_at_sixty_percent() -> None:
    ms = one([buy("A", 600, "skincare"), buy("A", 300, "makeup"), buy("A", 100, None)])
    assert ms.main_category == "skincare"
    assert ms.category_reason.render("en") == "skincare buyer: 60% of spend in the last 12 months (≥ 60%)"
    assert ms.category_reason.render("zh") == "偏好skincare：占近12个月消费的 60%（不低于 60%）"


def test_mixed_below_the_share_shown_rounded_down() -> None:
    ms = one([buy("A", 5999, "skincare"), buy("A", 4001, "makeup")])
    assert ms.main_category is None
    assert ms.category_reason.render("en") == (
        "mixed: the largest category, skincare, is 59.9% of spend in the last 12 months (< 60%)"
    )


def test_refunds_count_against_their_category() -> None:
    ms = one([buy("A", 800, "skincare"), buy("A", 600, "skincare", TxnType.REFUND), buy("A", 400, "makeup")])
    assert ms.main_category == "makeup"  # skincare nets 200 of 600


def test_no_or_uncategorised_spend() -> None:
    assert one([]).category_reason.render("en") == "no category: no spend in the last 12 months"
    un = one([buy("A", 100, None)])
    assert un.main_category is None and un.category_reason.code == "seg.why.uncategorised"


def test_share_setting_and_tie_goes_alphabetically() -> None:
    half = SegmentSettings(preferences=PreferenceSettings(main_category_share=Decimal("0.5")))
    assert one([buy("A", 500, "makeup"), buy("A", 500, "hair")], settings=half).main_category == "hair"


def person(birthday: Birthday | None, gender: str | None = None) -> Member:
    return Member(row=2, member_id="A", name="A", joined=date(2020, 1, 1), birthday=birthday, gender=gender)


@pytest.mark.parametrize(
    ("birthday", "years", "band"),
    [
        (Birthday(11, 22, 2002), 24, "18-24"),  # birthday today
        (Birthday(11, 23, 2001), 24, "18-24"),  # 25 tomorrow
        (Birthday(11, 22, 2001), 25, "25-34"),
        (Birthday(1, 1, 1950), 76, "55+"),
        (Birthday(6, 1, 2012), 14, None),  # below every band
        (Birthday(6, 1, None), None, None),
        (None, None, None),
    ],
)
def test_age_bands(birthday: Birthday | None, years: int | None, band: str | None) -> None:
    ms = one([], person(birthday))
    assert (ms.age, ms.age_band) == (years, band)


def test_age_reasons_and_gender() -> None:
    assert one([], person(Birthday(11, 22, 2001), "F")).age_reason.render("en") == "age 25: band 25-34"
    assert one([], person(Birthday(6, 1, 2012))).age_reason.render("en") == "age 14: in no band"
    assert one([], person(None)).age_reason.render("zh") == "年龄未知：没有出生年份"
    assert one([], person(None, "F")).gender == "F" and one([], person(None)).gender is None


def test_lunar_birthday_age_is_approximate_by_design() -> None:
    assert age(Birthday(12, 1, 2000, lunar=True), TODAY) == 25  # month-day compared as if solar


def test_configured_bands() -> None:
    s = SegmentSettings(preferences=PreferenceSettings(age_bands=("0-17", "18-39", "40+")))
    assert one([], person(Birthday(6, 1, 2012)), s).age_band == "0-17"
    assert one([], person(Birthday(6, 1, 1980)), s).age_band == "40+"


def test_age_band_parsing_and_validation() -> None:
    assert parse_age_band("25-34") == (25, 34) and parse_age_band(" 55 + ") == (55, None)
    for bad in ("25", "34-25", "a-b", "-5"):
        with pytest.raises(ValueError):
            parse_age_band(bad)
    with pytest.raises(ValidationError, match="overlap"):
        PreferenceSettings(age_bands=("18-30", "25-34"))
    with pytest.raises(ValidationError, match="overlap"):
        PreferenceSettings(age_bands=("55+", "60-70"))


def test_settings_defaults_strictness_and_descriptions() -> None:
    s = SegmentSettings()
    assert s.window_months == 12 and s.lifecycle.lapsed_days == 180 and s.lifecycle.new_days == 90
    assert s.quiet.top_share == Decimal("0.2") and s.quiet.factor == 2 and s.whales.top_share == Decimal("0.05")
    assert s.preferences.age_bands == ("18-24", "25-34", "35-44", "45-54", "55+")
    with pytest.raises(ValidationError):
        SegmentSettings.model_validate({"window_month": 6})
    with pytest.raises(ValidationError):
        SegmentSettings.model_validate({"quiet": {"top_share": 1.5}})
    loaded = SegmentSettings.model_validate({"quiet": {"top_share": 0.1, "factor": 2.5}, "rfm": {"basis": "window"}})
    assert loaded.quiet.top_share == Decimal("0.1") and loaded.quiet.factor == Decimal("2.5")

    def fields(model: type[SegmentSettings]) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = []
        for name, f in model.model_fields.items():
            out.append((name, f.description))
            sub = f.annotation
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                out += fields(sub)
        return out

    missing = [name for name, description in fields(SegmentSettings) if not description]
    assert missing == []
