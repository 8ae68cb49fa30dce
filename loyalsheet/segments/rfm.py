"""RFM: recency, frequency and monetary scores 1-5 by quintiles, and a named group.

- **Population**: members with at least one visit (``rfm.basis: lifetime``, the default) or with at
  least one visit in the window (``window``). Others get no score.
- **Values**: recency = days since the last visit (fewer is better); frequency = visit days;
  monetary = spend (purchases - refunds), both over the basis.
- **Cut points**: the nearest-rank 20th, 40th, 60th and 80th percentiles of each value over the
  population, from worst to best: the value at position ceil(k * n / 5), k = 1..4, with frequency and
  monetary in ascending order and recency days in descending order.
- **Scores**: 1 + the number of cut points the value is better than: frequency and monetary MORE than
  the cut, recency FEWER days than the cut. So 5 is always best, a value equal to a cut point gets the
  lower score, equal values always get the same score, and when many members tie (say most have one
  visit) some scores go unused.
- **Group**: looked up in the grid below by R and FM = the mean of F and M rounded half up. It is the
  widely used R x F segment map (champions, loyal, potential loyalists, new, promising, need attention,
  about to sleep, at risk, can't lose them, hibernating) with its bottom corner (R1, FM1) named lost:

| R \\ FM | 1 | 2 | 3 | 4 | 5 |
|---|---|---|---|---|---|
| 5 | new | potential loyalists | potential loyalists | champions | champions |
| 4 | promising | potential loyalists | potential loyalists | loyal | loyal |
| 3 | about to sleep | about to sleep | need attention | loyal | loyal |
| 2 | hibernating | hibernating | at risk | at risk | can't lose them |
| 1 | lost | hibernating | at risk | at risk | can't lose them |
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..rules.explain import Reason
from ..rules.money import money
from .activity import Activity
from .quiet import period_reason
from .settings import RfmSettings


class RfmGroup(enum.StrEnum):
    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANT_LOSE = "cant_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"


G = RfmGroup
# GRID[r - 1][fm - 1]
GRID: tuple[tuple[RfmGroup, ...], ...] = (
    (G.LOST, G.HIBERNATING, G.AT_RISK, G.AT_RISK, G.CANT_LOSE),
    (G.HIBERNATING, G.HIBERNATING, G.AT_RISK, G.AT_RISK, G.CANT_LOSE),
    (G.ABOUT_TO_SLEEP, G.ABOUT_TO_SLEEP, G.NEED_ATTENTION, G.LOYAL, G.LOYAL),
    (G.PROMISING, G.POTENTIAL_LOYALISTS, G.POTENTIAL_LOYALISTS, G.LOYAL, G.LOYAL),
    (G.NEW, G.POTENTIAL_LOYALISTS, G.POTENTIAL_LOYALISTS, G.CHAMPIONS, G.CHAMPIONS),
)


def group_of(r: int, f: int, m: int) -> RfmGroup:
    return GRID[r - 1][(f + m + 1) // 2 - 1]


@dataclass(frozen=True, slots=True)
class Rfm:
    r: int
    f: int
    m: int
    group: RfmGroup

    @property
    def code(self) -> str:
        """``"543"``: R, F, M."""
        return f"{self.r}{self.f}{self.m}"


@dataclass(frozen=True, slots=True)
class RfmCuts:
    """The quintile cut points used (ascending, four each), for showing beside the scores."""

    recency_days: tuple[int, ...]  # descending: R2 needs fewer days than the first
    frequency: tuple[int, ...]
    monetary: tuple[Decimal, ...]
    members: int  # the population scored


def cut_points(sorted_values: Sequence[int]) -> tuple[int, ...]:
    """Nearest-rank 20/40/60/80th percentiles of ascending ``sorted_values``; () when empty."""
    n = len(sorted_values)
    if n == 0:
        return ()
    return tuple(sorted_values[-(-k * n // 5) - 1] for k in (1, 2, 3, 4))


def higher_better(value: int, cuts: Sequence[int]) -> int:
    """1 + the number of cut points ``value`` is more than."""
    return 1 + bisect_left(cuts, value)


def score_all(
    acts: Sequence[Activity], settings: RfmSettings, months: int
) -> tuple[list[tuple[Rfm | None, Reason]], RfmCuts]:
    """Every member's RFM (in the order of ``acts``) with its reason, and the cut points used."""
    lifetime = settings.basis == "lifetime"
    if lifetime:
        pop = [
            (a.days_since_last_visit or 0, a.lifetime_visits, a.lifetime_spend_cents) for a in acts if a.lifetime_visits
        ]
    else:
        pop = [(a.days_since_last_visit or 0, a.visits, a.spend_cents) for a in acts if a.visits]
    rc = cut_points(sorted(-d for d, _, _ in pop))  # negated days: higher is better
    fc = cut_points(sorted(f for _, f, _ in pop))
    mc = cut_points(sorted(m for _, _, m in pop))
    cuts = RfmCuts(tuple(-c for c in rc), fc, tuple(money(c) for c in mc), len(pop))
    period = period_reason(lifetime, months)
    none = Reason("seg.why.no_rfm") if lifetime else Reason("seg.why.no_rfm_window", {"months": months})
    names = {g: Reason(f"seg.rfm.{g.value}") for g in RfmGroup}
    scores: dict[tuple[int, int, int], Rfm] = {}  # at most 125: shared
    out: list[tuple[Rfm | None, Reason]] = []
    for a in acts:
        visits, spend = (a.lifetime_visits, a.lifetime_spend_cents) if lifetime else (a.visits, a.spend_cents)
        days = a.days_since_last_visit
        if not visits or days is None:
            out.append((None, none))
            continue
        key = (higher_better(-days, rc), higher_better(visits, fc), higher_better(spend, mc))
        rfm = scores.get(key)
        if rfm is None:
            rfm = scores[key] = Rfm(*key, group_of(*key))
        params = {
            "group": names[rfm.group],
            "r": rfm.r,
            "f": rfm.f,
            "m": rfm.m,
            "days": days,
            "visits": visits,
            "spend": money(spend),
            "period": period,
        }
        out.append((rfm, Reason("seg.why.rfm", params)))
    return out, cuts
