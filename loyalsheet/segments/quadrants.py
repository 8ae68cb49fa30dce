"""Four quadrants over the window: visits x spend.

A member has **many visits** when their visit days in the window are MORE than the visits
threshold, and **high spend** when their window spend is MORE than the spend threshold:

| | high spend | low spend |
|---|---|---|
| many visits | confidant 知己 | barnacle 藤壶 |
| few visits | butterfly 蝴蝶 | stranger 陌生人 |

Each threshold comes from settings, or else is the median over the members with at least one visit
in the window (the mean of the two middle values when their number is even). "More than the median"
rather than "at least" keeps the crowd of one-visit members among the few when the median is one
visit. Members without a visit in the window get no quadrant.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..rules.explain import Reason
from .activity import Activity
from .settings import QuadrantSettings


class Quadrant(enum.StrEnum):
    CONFIDANT = "confidant"
    BUTTERFLY = "butterfly"
    BARNACLE = "barnacle"
    STRANGER = "stranger"


Source = Literal["settings", "median"]


@dataclass(frozen=True, slots=True)
class QuadrantThresholds:
    """The split used: more than ``visits`` visit days is many, more than ``spend`` is high."""

    visits: Decimal
    spend: Decimal
    visits_from: Source
    spend_from: Source
    members: int  # members with at least one visit in the window (the medians' population)
    spend_cents: Decimal = Decimal(0)  # ``spend`` in cents (a median may fall on half a cent)


def median(sorted_values: Sequence[int]) -> Decimal:
    """The median of sorted ints, exact (x.5 when the two middle values differ by an odd number); 0 if empty."""
    n = len(sorted_values)
    if n == 0:
        return Decimal(0)
    h = n // 2
    if n % 2:
        return Decimal(sorted_values[h])
    return Decimal(sorted_values[h - 1] + sorted_values[h]) / 2


def thresholds(acts: Sequence[Activity], settings: QuadrantSettings) -> QuadrantThresholds:
    active = [a for a in acts if a.visits > 0]
    visits_from: Source = "median" if settings.visits_threshold is None else "settings"
    spend_from: Source = "median" if settings.spend_threshold is None else "settings"
    if settings.visits_threshold is None:
        visits = median(sorted(a.visits for a in active))
    else:
        visits = Decimal(settings.visits_threshold)
    if settings.spend_threshold is None:
        spend = median(sorted(a.spend_cents for a in active)).scaleb(-2)
    else:
        spend = settings.spend_threshold
    return QuadrantThresholds(visits, spend, visits_from, spend_from, len(active), spend.scaleb(2))


def no_quadrant(months: int) -> Reason:
    return Reason("seg.why.no_quadrant", {"months": months})


def quadrant(
    a: Activity, th: QuadrantThresholds, months: int, none: Reason | None = None
) -> tuple[Quadrant | None, Reason]:
    """The member's quadrant and why; None for a member without a visit in the window (``none``: the reason)."""
    if a.visits == 0:
        return None, none or no_quadrant(months)
    many = a.visits > th.visits
    high = a.spend_cents > th.spend_cents
    if many:
        q = Quadrant.CONFIDANT if high else Quadrant.BARNACLE
    else:
        q = Quadrant.BUTTERFLY if high else Quadrant.STRANGER
    params = {
        "visits": a.visits,
        "visits_threshold": th.visits,
        "spend": a.spend,
        "spend_threshold": th.spend,
        "months": months,
    }
    return q, Reason(f"seg.why.{q.value}", params)
