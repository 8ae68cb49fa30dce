"""The ``segments:`` section of config.yaml: one pydantic model per kind of segment.

Every field has a default and a description; the defaults are the ones a shop starts with.
Shares and factors are ``Decimal`` so that reasons show them exactly as typed (0.2 -> 20%).
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|(\+))\s*$")


def parse_age_band(text: str) -> tuple[int, int | None]:
    """``"25-34"`` -> ``(25, 34)``; ``"55+"`` -> ``(55, None)``; raises ``ValueError`` otherwise."""
    m = _BAND.match(text)
    if m is None:
        raise ValueError(f"'{text}' is not an age band: write FROM-TO (e.g. 25-34) or FROM+ (e.g. 55+)")
    low = int(m.group(1))
    if m.group(3):
        return low, None
    high = int(m.group(2))
    if high < low:
        raise ValueError(f"'{text}' is not an age band: the first age must not be above the second")
    return low, high


def percent(share: Decimal) -> Decimal:
    """``Decimal("0.2")`` -> ``Decimal("20")``: a share as a percentage, for reasons."""
    return (share * 100).normalize()


Basis = Literal["window", "lifetime"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuadrantSettings(_Strict):
    visits_threshold: int | None = Field(
        None,
        ge=0,
        description="A member has 'many visits' with MORE than this many visit days in the window; "
        "blank: the median over members with at least one visit",
    )
    spend_threshold: Decimal | None = Field(
        None,
        description="A member's spend is 'high' when it is MORE than this over the window; "
        "blank: the median over members with at least one visit",
    )


class RfmSettings(_Strict):
    basis: Basis = Field(
        "lifetime",
        description="What frequency (visit days) and monetary (spend) count: lifetime (all history up to the day) "
        "or window (the segments window only); recency is always the days since the last visit",
    )


class LifecycleSettings(_Strict):
    new_days: int = Field(90, ge=0, description="A member whose first visit was at most this many days ago is new")
    lapsed_days: int = Field(180, ge=1, description="A member with no visit for MORE than this many days has lapsed")
    mature_visits: int = Field(
        6, ge=1, description="Mature (loyal) needs at least this many visit days ever (and mature_days); else growing"
    )
    mature_days: int = Field(
        365, ge=0, description="Mature (loyal) needs at least this many days since the first visit (and mature_visits)"
    )
    declining_share: Decimal = Field(
        Decimal("0.5"),
        gt=0,
        le=1,
        description="Declining: visit days in the recent half of the window are fewer than this share of the "
        "visit days in the half before",
    )
    declining_min_visits: int = Field(
        4, ge=1, description="Declining is judged only with at least this many visit days in the earlier half"
    )


class QuietSettings(_Strict):
    basis: Basis = Field("window", description="Value that makes a member 'valued': spend over the window or lifetime")
    top_share: Decimal = Field(
        Decimal("0.2"), gt=0, le=1, description="Valued: the top share of members with positive spend (0.2: top 20%)"
    )
    factor: Decimal = Field(
        Decimal(2), gt=0, description="Gone quiet: days since the last visit exceed this many times the usual interval"
    )
    min_days: int = Field(30, ge=0, description="Gone quiet also needs at least this many days since the last visit")
    min_visits: int = Field(
        3, ge=2, description="A usual interval needs at least this many visit days (the median gap between them)"
    )


class WhaleSettings(_Strict):
    basis: Basis = Field("window", description="Spend that makes a whale: over the window or lifetime")
    top_share: Decimal = Field(
        Decimal("0.05"), gt=0, le=1, description="Whales: the top share of members with positive spend (0.05: top 5%)"
    )


class PreferenceSettings(_Strict):
    main_category_share: Decimal = Field(
        Decimal("0.6"),
        gt=0,
        le=1,
        description="A member is a buyer of a category when it has at least this share of their spend in the window",
    )
    age_bands: tuple[str, ...] = Field(
        ("18-24", "25-34", "35-44", "45-54", "55+"),
        description="Age bands, FROM-TO or FROM+ in years, not overlapping; ages in no band get none",
    )

    @field_validator("age_bands")
    @classmethod
    def _bands(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        spans = sorted(((parse_age_band(b), b.strip()) for b in v), key=lambda s: s[0][0])
        for ((_, high), text), ((low, _), nxt) in pairwise(spans):
            if high is None or high >= low:
                raise ValueError(f"age bands '{text}' and '{nxt}' overlap")
        return tuple(b.strip() for b in v)


class SegmentSettings(_Strict):
    """config.yaml ``segments:``: who is in which segment, and the thresholds that decide it."""

    window_months: int = Field(
        12, ge=1, le=120, description="Visits and spend are counted over this many months up to the day"
    )
    quadrants: QuadrantSettings = Field(
        default_factory=QuadrantSettings, description="Four quadrants: visits x spend over the window"
    )
    rfm: RfmSettings = Field(default_factory=RfmSettings, description="RFM scores 1-5 by quintiles, and named groups")
    lifecycle: LifecycleSettings = Field(
        default_factory=LifecycleSettings,
        description="Lifecycle stage: potential, new, growing, mature, declining, lapsed",
    )
    quiet: QuietSettings = Field(
        default_factory=QuietSettings, description="Valued members gone quiet, against their own rhythm"
    )
    whales: WhaleSettings = Field(default_factory=WhaleSettings, description="The top spenders")
    preferences: PreferenceSettings = Field(
        default_factory=PreferenceSettings, description="Main category, age band, gender"
    )
