"""Valued members gone quiet, and whales: both start from "the top share of members by spend".

**Top share.** Among the members whose spend on the basis (window by default, or lifetime) is more
than zero, sort by spend, highest first; the cut is the spend of the member at position
ceil(share x their number) (at least 1). Everyone with spend at or above the cut is in the top, so
members tied at the cut are all in and the top may be a little larger than the share.

**Gone quiet.** A valued member (in the top ``quiet.top_share``, default 20% by window spend) whose
days since their last visit are MORE than ``quiet.factor`` (default 2) times their usual interval
(the median gap between their visit days) and at least ``quiet.min_days`` (default 30). A usual
interval needs at least ``quiet.min_visits`` visit days (default 3, so two gaps); with fewer, the
member's rhythm is unknown and they are not flagged. With the window basis, a member with no visit
for a whole window has no window spend and so is not "valued" any more: by then lifecycle calls them
lapsed.

**Whales.** The members in the top ``whales.top_share`` (default 5%) by spend (window by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from ..rules.explain import Reason
from ..rules.money import money
from .activity import Activity
from .settings import Basis, QuietSettings, WhaleSettings, percent


@dataclass(frozen=True, slots=True)
class TopCut:
    """Who is in the top ``share`` by spend over ``basis``: spend at or above ``cut``."""

    basis: Basis
    share: Decimal
    cut: Decimal | None  # None: nobody has positive spend
    members: int  # in the top
    population: int  # members with positive spend
    cut_cents: int | None = None
    pct: Decimal = Decimal(0)  # ``share`` as a percentage, for reasons


def value_of(a: Activity, basis: Basis) -> int:
    return a.lifetime_spend_cents if basis == "lifetime" else a.spend_cents


def top_cut(acts: Sequence[Activity], basis: Basis, share: Decimal) -> TopCut:
    values = sorted((v for v in (value_of(a, basis) for a in acts) if v > 0), reverse=True)
    if not values:
        return TopCut(basis, share, None, 0, 0, None, percent(share))
    k = max(1, int((share * len(values)).to_integral_value(ROUND_CEILING)))
    cut = values[min(k, len(values)) - 1]
    members = sum(1 for v in values if v >= cut)
    return TopCut(basis, share, money(cut), members, len(values), cut, percent(share))


class TopJudge:
    """Decides "in the top share?" for one ``TopCut``; the reasons that name no member's numbers are made once."""

    __slots__ = ("cut", "no_spend", "outside", "period", "top")

    def __init__(self, top: TopCut, period: Reason, outside_code: str) -> None:
        self.top = top
        self.period = period
        self.cut = top.cut_cents
        self.no_spend = Reason("seg.why.no_spend", {"period": period})
        self.outside = Reason(outside_code, {"period": period, "share": top.pct, "cut": top.cut})

    def placed(self, a: Activity) -> tuple[int, Reason | None]:
        """The member's value in cents, and None when in the top, else why not."""
        value = value_of(a, self.top.basis)
        if value <= 0 or self.cut is None:
            return value, self.no_spend
        if value < self.cut:
            return value, self.outside
        return value, None


def gone_quiet(a: Activity, judge: TopJudge, s: QuietSettings, no_rhythm: Reason) -> tuple[bool, Reason]:
    """Whether a member is a valued member gone quiet, and why (or why not).

    ``judge`` decides who is valued; ``no_rhythm`` is the shared reason for too few visits.
    """
    _, why_not = judge.placed(a)
    if why_not is not None:
        return False, why_not
    interval, since = a.usual_interval, a.days_since_last_visit
    if interval is None or since is None or a.lifetime_visits < s.min_visits:
        return False, no_rhythm
    params = {"days": since, "interval": interval, "factor": s.factor, "min_days": s.min_days}
    if since <= s.factor * interval:
        return False, Reason("seg.why.quiet_in_rhythm", params)
    if since < s.min_days:
        return False, Reason("seg.why.quiet_too_soon", params)
    return True, Reason("seg.why.quiet", params)


def no_rhythm(s: QuietSettings) -> Reason:
    return Reason("seg.why.quiet_no_rhythm", {"min": s.min_visits})


def whale(a: Activity, judge: TopJudge) -> tuple[bool, Reason]:
    """Whether a member is a whale, and why (or why not)."""
    value, why_not = judge.placed(a)
    if why_not is not None:
        return False, why_not
    top = judge.top
    params = {"spend": money(value), "period": judge.period, "share": top.pct, "cut": top.cut}
    return True, Reason("seg.why.whale", params)


def whale_judge(acts: Sequence[Activity], s: WhaleSettings, months: int) -> TopJudge:
    top = top_cut(acts, s.basis, s.top_share)
    return TopJudge(top, period_reason(s.basis == "lifetime", months), "seg.why.not_whale")


def valued_judge(acts: Sequence[Activity], s: QuietSettings, months: int) -> TopJudge:
    top = top_cut(acts, s.basis, s.top_share)
    return TopJudge(top, period_reason(s.basis == "lifetime", months), "seg.why.quiet_not_valued")


def period_reason(lifetime: bool, months: int) -> Reason:
    """"in the last 12 months" or "to date", nested in the reasons that name a basis."""
    return Reason("seg.period.lifetime") if lifetime else Reason("seg.period.window", {"months": months})
