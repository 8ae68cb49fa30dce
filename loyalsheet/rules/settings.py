"""The program's rules as config.yaml declares them: one pydantic model per section.

``RulesSettings`` holds the sections ``points``, ``tiers``, ``stored_value``, ``gift_cards``,
``course_cards``, ``referrals`` and ``birthdays``; the app's ``Config`` inherits it, so they are
top-level sections of config.yaml. Every field has a default and a description; the defaults are
the ones the shop starts with.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def parse_month_day(text: str) -> tuple[int, int]:
    """``"12-31"`` -> ``(12, 31)``; raises ``ValueError`` for anything that is not a day of the year."""
    m = _MONTH_DAY.match(text.strip())
    if m is None:
        raise ValueError(f"'{text}' is not a month-day: write MM-DD, e.g. 01-01")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2000, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        raise ValueError(f"'{text}' is not a day of the year: write MM-DD, e.g. 12-31") from None
    return month, day


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- points -----------------------------------------------------------------------------------


class ExpirySettings(_Strict):
    mode: Literal["rolling_months", "fixed_date", "never"] = Field(
        "rolling_months",
        description="rolling_months: each lot lapses at the end of the Nth month after the month it was earned; "
        "fixed_date: every lot lapses on the next month_day on or after the day it was earned; never: points keep",
    )
    months: int = Field(12, ge=0, le=120, description="For rolling_months: months after the month earned")
    month_day: str = Field(
        "12-31",
        description="For fixed_date: the day of the year (MM-DD) after which points lapse; 02-29 means 02-28 in common years",
    )

    @field_validator("month_day")
    @classmethod
    def _month_day(cls, v: str) -> str:
        parse_month_day(v)
        return v.strip()


class PointsSettings(_Strict):
    rate: Decimal = Field(
        Decimal(1), ge=0, description="Points per 1 currency unit spent (rounded down per transaction)"
    )
    on_stored_value: bool = Field(False, description="Earn points on purchases paid with stored value")
    on_gift_card: bool = Field(False, description="Earn points on purchases paid with a friends-and-family gift card")
    on_top_ups: bool = Field(False, description="Earn points on stored-value top-ups")
    on_annual_fees: bool = Field(False, description="Earn points on annual membership fees")
    birthday_month_multiplier: Decimal = Field(
        Decimal(1), ge=0, description="Points multiplier for purchases in the member's birthday month; 1: none"
    )
    expiry: ExpirySettings = Field(default_factory=ExpirySettings, description="When earned points lapse")
    expiring_soon_days: int = Field(
        30, ge=0, description="Points lapsing within this many days are counted as expiring soon"
    )


# --- tiers ------------------------------------------------------------------------------------


class TierDef(_Strict):
    name: str = Field("Member", min_length=1, description="Tier name (English); other settings refer to tiers by it")
    name_zh: str = Field("", description="Chinese name; blank: the English name")
    discount: Decimal = Field(
        Decimal(1), gt=0, le=1, description="Price factor: 0.88 is 88折 (12% off); 1 is no discount"
    )
    benefits: tuple[str, ...] = Field((), description="Benefits shown to the member")
    hidden_benefits: tuple[str, ...] = Field(
        (), description="Benefits for staff eyes only: never shown in anything sent to members"
    )
    points_multiplier: Decimal = Field(Decimal(1), ge=0, description="Points earned are multiplied by this")
    spend_threshold: Decimal | None = Field(
        None, ge=0, description="Spend that reaches this tier (see tiers.spend.window); blank: not reachable by spend"
    )

    @property
    def label_zh(self) -> str:
        return self.name_zh or self.name


def _default_ladder() -> tuple[TierDef, ...]:
    return (
        TierDef(name="Member", name_zh="会员", spend_threshold=Decimal(0), benefits=("积分 / Points on purchases",)),
        TierDef(
            name="Silver",
            name_zh="银卡",
            discount=Decimal("0.95"),
            points_multiplier=Decimal("1.2"),
            spend_threshold=Decimal(5000),
            benefits=("95折 / 5% off", "生日礼 / Birthday gift"),
        ),
        TierDef(
            name="Gold",
            name_zh="金卡",
            discount=Decimal("0.88"),
            points_multiplier=Decimal("1.5"),
            spend_threshold=Decimal(30000),
            benefits=("88折 / 12% off", "生日礼 / Birthday gift", "优先预约 / Priority booking"),
            hidden_benefits=("可免预约金 / Booking deposit may be waived",),
        ),
        TierDef(
            name="Diamond",
            name_zh="钻石",
            discount=Decimal("0.8"),
            points_multiplier=Decimal(2),
            spend_threshold=Decimal(100000),
            benefits=(
                "8折 / 20% off",
                "生日礼 / Birthday gift",
                "优先预约 / Priority booking",
                "专属顾问 / Personal adviser",
            ),
            hidden_benefits=("可免预约金 / Booking deposit may be waived", "店长可赠小样 / Manager may add samples"),
        ),
    )


class SpendWay(_Strict):
    enabled: bool = Field(True, description="Spend reaching a tier's spend_threshold earns that tier")
    window: Literal["rolling_12_months", "cumulative"] = Field(
        "rolling_12_months", description="Spend counted: the 12 months up to the day, or everything since joining"
    )
    include_gift_card: bool = Field(False, description="Count purchases paid with a gift card as the member's spend")


class PaidOption(_Strict):
    min_fee: Decimal = Field(Decimal(899), gt=0, description="An annual fee of at least this much ...")
    tier: str = Field("Gold", description="... buys this tier")


class PaidWay(_Strict):
    enabled: bool = Field(True, description="An annual fee buys a tier")
    options: tuple[PaidOption, ...] = Field((PaidOption(),), description="Fees and the tier each buys")
    months: int = Field(
        12,
        ge=1,
        le=120,
        description="A fee buys the tier until Members' 'Paid until', or when blank for this many months",
    )


class StoredValueOption(_Strict):
    min_top_up: Decimal = Field(Decimal(5000), gt=0, description="A single top-up of at least this much ...")
    tier: str = Field("Silver", description="... buys this tier")


class StoredValueWay(_Strict):
    enabled: bool = Field(True, description="A large single top-up buys a tier")
    options: tuple[StoredValueOption, ...] = Field(
        (StoredValueOption(), StoredValueOption(min_top_up=Decimal(20000), tier="Gold")),
        description="Top-ups and the tier each buys",
    )
    months: int = Field(12, ge=1, le=120, description="The tier lasts this many months from the top-up")


class EvaluationSettings(_Strict):
    month_days: tuple[str, ...] = Field(
        ("01-01",), min_length=1, description="Days of the year (MM-DD) when spend tiers are reviewed for downgrade"
    )
    grace_days: int = Field(
        30, ge=0, description="A downgrade found at a review takes effect this many days later, unless spend recovers"
    )

    @field_validator("month_days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        parsed = sorted({parse_month_day(s) for s in v})
        return tuple(f"{m:02d}-{d:02d}" for m, d in parsed)

    @model_validator(mode="after")
    def _grace_shorter_than_gap(self) -> EvaluationSettings:
        days = sorted(
            date(2001, m, min(d, 28 if m == 2 else d)).toordinal() for m, d in map(parse_month_day, self.month_days)
        )
        gaps = [b - a for a, b in itertools.pairwise(days)] + [days[0] + 365 - days[-1]]
        if self.grace_days >= min(gaps):
            raise ValueError(
                f"grace_days ({self.grace_days}) must be shorter than the gap between review days ({min(gaps)} days)"
            )
        return self


class TiersSettings(_Strict):
    ladder: tuple[TierDef, ...] = Field(
        default_factory=_default_ladder,
        min_length=1,
        description="Tiers from lowest to highest; the first is where everyone starts",
    )
    spend: SpendWay = Field(default_factory=SpendWay, description="Way in 1: spend")
    paid: PaidWay = Field(default_factory=PaidWay, description="Way in 2: an annual fee")
    stored_value: StoredValueWay = Field(default_factory=StoredValueWay, description="Way in 3: a large top-up")
    evaluation: EvaluationSettings = Field(
        default_factory=EvaluationSettings, description="When spend tiers may go down (upgrades happen at once)"
    )
    lifetime: dict[str, str] = Field(
        default_factory=dict, description="Member ID -> tier kept for life, whatever the spend"
    )

    @model_validator(mode="after")
    def _ladder_consistent(self) -> TiersSettings:
        names = [t.name for t in self.ladder]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tier names must be unique; repeated: {', '.join(dupes)}")
        last: Decimal | None = None
        for tier in self.ladder[1:]:
            if tier.spend_threshold is None:
                continue
            if last is not None and tier.spend_threshold <= last:
                raise ValueError(f"spend_threshold of {tier.name} must be higher than the tiers below it")
            last = tier.spend_threshold
        refs = [("paid", o.tier) for o in self.paid.options]
        refs += [("stored_value", o.tier) for o in self.stored_value.options]
        refs += [(f"lifetime {mid}", t) for mid, t in self.lifetime.items()]
        for where, tier_name in refs:
            if tier_name not in names:
                raise ValueError(f"{where}: '{tier_name}' is not a tier; the ladder has {', '.join(names)}")
        return self

    def rank(self, name: str) -> int:
        for i, tier in enumerate(self.ladder):
            if tier.name == name:
                return i
        raise KeyError(name)


# --- stored value, gift cards, course cards, referrals, birthdays ------------------------------


class StoredValueSettings(_Strict):
    family_max: int = Field(
        3, ge=0, description="How many members may share one card holder's stored value (Family of)"
    )
    family_shares_discount: bool = Field(True, description="Family members enjoy the card holder's tier discount")


class GiftCardSettings(_Strict):
    value: Decimal = Field(Decimal(600), gt=0, description="Face value of a new friends-and-family card")
    valid_months: int = Field(
        3, ge=1, le=120, description="A card is valid this many months from issue, unless its row says"
    )
    registered_keeps_valid: bool = Field(True, description="Once the friend has registered, the card no longer lapses")
    excluded_categories: tuple[str, ...] = Field(
        (), description="Categories a gift card may not pay for (special offers never)"
    )
    remind_days: int = Field(
        14, ge=0, description="Cards with money left lapsing within this many days are listed for reminders"
    )


class CourseCardSettings(_Strict):
    remind_days: int = Field(30, ge=0, description="Cards with sessions left expiring within this many days are listed")
    idle_weeks: int = Field(
        4, ge=1, description="Cards with sessions left and no session for this many weeks are listed"
    )


class ReferralSettings(_Strict):
    enabled: bool = Field(True, description="Reward members who bring in new members")
    min_first_purchase: Decimal = Field(
        Decimal(300), ge=0, description="The referred member's first purchase paid with their own money (not a gift card) "
        "must reach this much"
    )
    reward: Literal["points", "stored_value"] = Field(
        "points", description="What the referrer earns, once per referred member"
    )
    points: int = Field(300, ge=0, description="Points rewarded (reward: points)")
    stored_value: Decimal = Field(Decimal(50), ge=0, description="Stored value rewarded (reward: stored_value)")


class BirthdaySettings(_Strict):
    budget_rate: Decimal = Field(
        Decimal("0.005"),
        ge=0,
        le=1,
        description="Birthday gift budget as a share of last calendar year's spend (0.005 = 0.5%)",
    )
    budget_min: Decimal = Field(Decimal(0), ge=0, description="Smallest budget")
    budget_max: Decimal | None = Field(None, ge=0, description="Largest budget; blank: no limit")
    feb29: Literal["feb28", "mar1"] = Field("feb28", description="When a 29 February birthday is kept in common years")


class BenefitsSettings(_Strict):
    friends_discount: Decimal = Field(
        Decimal("0.88"), gt=0, le=1,
        description="A friend's discount (0.88 = 88折): a member referred by a member, or the friend of a gift card "
        "who registered (same phone); 1: none",
    )
    friends_months: int = Field(
        12, ge=0, le=120, description="The friend's discount lasts this many months from joining (or the card's issue)"
    )
    friends_card_at_half: bool = Field(
        True, description="Offer a friends card (可赠送亲友卡) once a course card is half used"
    )
    friends_card_spend: Decimal | None = Field(
        None, ge=0, description="Also offer it once the last 12 months' spend reaches this; blank: not by spend"
    )


class RulesSettings(_Strict):
    points: PointsSettings = Field(default_factory=PointsSettings, description="Earning, spending and expiry of points")
    tiers: TiersSettings = Field(default_factory=TiersSettings, description="The tier ladder and the ways in")
    stored_value: StoredValueSettings = Field(
        default_factory=StoredValueSettings, description="Stored value and family cards"
    )
    gift_cards: GiftCardSettings = Field(default_factory=GiftCardSettings, description="Friends-and-family gift cards")
    course_cards: CourseCardSettings = Field(
        default_factory=CourseCardSettings, description="Course cards (次卡 / 疗程卡)"
    )
    referrals: ReferralSettings = Field(default_factory=ReferralSettings, description="Referral rewards")
    birthdays: BirthdaySettings = Field(default_factory=BirthdaySettings, description="Birthdays and gift budgets")
    benefits: BenefitsSettings = Field(
        default_factory=BenefitsSettings, description="Friends' discount and when to offer a friends card"
    )
