"""Preference segments: main category, age band, gender.

- **Main category**: the category with the largest spend in the window, when its spend is at least
  ``main_category_share`` (default 60%) of the member's spend in the window. The share is taken of
  the sum of the categories' spend (purchases - refunds per category, a category netting below zero
  counting as zero), spend typed without a category included; that uncategorised spend is never a
  main category itself. Members whose spend is spread out have none ("mixed").
- **Age**: whole years on the day, from the birthday's year when it is known. For a lunar birthday the
  month and day are compared as if solar, so the age may be one year off for the weeks between the two
  dates: good enough for bands of several years.
- **Age band**: the configured band that holds the age, or none.
- **Gender**: as on the Members sheet (the reader normalises it to F / M).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..model import Birthday
from ..rules.explain import Reason
from .activity import UNCATEGORISED, Activity
from .settings import PreferenceSettings, parse_age_band, percent

Band = tuple[int, int | None, str]  # low, high (None: open), label


def bands(settings: PreferenceSettings) -> tuple[Band, ...]:
    return tuple((*parse_age_band(b), b) for b in settings.age_bands)


def age(b: Birthday | None, today: date) -> int | None:
    if b is None or b.year is None:
        return None
    return today.year - b.year - (1 if (b.month, b.day) > (today.month, today.day) else 0)


class Preferences:
    """Main category and age band, prepared once per pass.

    Reasons that many members share (same age, same category at the same share) are made once.
    """

    def __init__(self, settings: PreferenceSettings, months: int) -> None:
        self.share = settings.main_category_share
        self.min_pct = percent(self.share)
        self.months = months
        self.bands = bands(settings)
        self.no_category = Reason("seg.why.no_category", {"months": months})
        self.uncategorised = Reason("seg.why.uncategorised", {"months": months})
        self.age_unknown = Reason("seg.why.age_unknown")
        self._categories: dict[tuple[str, int, bool], Reason] = {}
        self._ages: dict[int, tuple[str | None, Reason]] = {}

    def main_category(self, a: Activity) -> tuple[str | None, Reason]:
        cc = a.category_cents
        if not cc:
            return None, self.no_category
        total = 0
        top, top_cents = "", 0
        for k, v in cc.items():  # largest first, ties alphabetical
            if v > 0:
                total += v
                if k != UNCATEGORISED and v > top_cents:
                    top, top_cents = k, v
        if total <= 0:
            return None, self.no_category
        if not top_cents:
            return None, self.uncategorised
        main = top_cents >= self.share * total
        permille = top_cents * 1000 // total  # shown rounded down: never as reaching a share it misses
        key = (top, permille, main)
        reason = self._categories.get(key)
        if reason is None:
            params = {"category": top, "pct": Decimal(permille) / 10, "min": self.min_pct, "months": self.months}
            reason = self._categories[key] = Reason("seg.why.main_category" if main else "seg.why.mixed", params)
        return (top if main else None), reason

    def age_band(self, years: int | None) -> tuple[str | None, Reason]:
        if years is None:
            return None, self.age_unknown
        found = self._ages.get(years)
        if found is None:
            found = self._ages[years] = self._band(years)
        return found

    def _band(self, years: int) -> tuple[str | None, Reason]:
        for low, high, label in self.bands:
            if years >= low and (high is None or years <= high):
                return label, Reason("seg.why.age_band", {"age": years, "band": label})
        return None, Reason("seg.why.age_no_band", {"age": years})
