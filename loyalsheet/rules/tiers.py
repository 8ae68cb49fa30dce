"""Tiers: a ladder with three ways in (spend, an annual fee, a large top-up) and a lifetime list.

How a member's tier is found, day by day:

- **Spend**: the spend counted (purchases minus refunds over the 12 months up to the day, or since
  joining) reaching a tier's ``spend_threshold`` lifts the member to that tier at once. The spend
  tier only goes down at a review day (``tiers.evaluation.month_days``): if the spend then falls
  short of the tier held, the member moves down ``grace_days`` later to the better of the tiers the
  spend earned on the review day and on that later day, unless spend lifted them in the meantime.
- **Paid**: an annual fee of at least an option's ``min_fee`` buys its tier from the fee's day until
  Members' 'Paid until' (for the latest fee, when that date is filled in and not before the fee) or
  else for ``paid.months`` months. The tier ends with its term.
- **Stored value**: a single top-up of at least an option's ``min_top_up`` buys its tier for
  ``stored_value.months`` months. The tier ends with its term.
- **Lifetime**: ``tiers.lifetime`` keeps a member at a tier whatever happens.

The member holds the highest tier any way gives; on a tie the reason shown is lifetime, then
spend, then paid, then stored value. Every change in the history carries the rule that made it.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .days import ONE_DAY, add_months, day_in_year, one_year_before
from .explain import Reason
from .money import cents, money
from .settings import TiersSettings, parse_month_day


class Way(enum.StrEnum):
    BASE = "base"
    LIFETIME = "lifetime"
    SPEND = "spend"
    PAID = "paid"
    STORED_VALUE = "stored value"


_NEVER = 1 << 62  # cents no spend reaches
_PRIORITY = {Way.LIFETIME: 0, Way.SPEND: 1, Way.BASE: 1, Way.PAID: 2, Way.STORED_VALUE: 3}


@dataclass(frozen=True, slots=True)
class Benefit:
    text: str
    hidden: bool = False  # staff only: never in anything sent to a member


@dataclass(frozen=True, slots=True)
class TierChange:
    """The member entered ``tier`` on ``day`` (None: from the start) by ``way``, because of ``reason``.

    ``cause`` says why the tier before stopped, when it stopped by itself (a paid or top-up term that
    ended, a spend review).
    """

    day: date | None
    rank: int
    tier: str
    tier_zh: str
    way: Way
    reason: Reason
    cause: Reason | None = None


@dataclass(frozen=True, slots=True)
class TierResult:
    rank: int
    tier: str
    tier_zh: str
    way: Way
    since: date | None  # first day of the current tier; None: since the start
    reason: Reason  # the rule that holds the member at this tier now
    discount: Decimal  # price factor, 0.88 = 12% off
    benefits: tuple[Benefit, ...]  # hidden ones marked
    history: tuple[TierChange, ...]  # every change, oldest first; the first is the starting tier
    pending: TierChange | None = None  # a downgrade decided at a review, taking effect after today

    @property
    def why(self) -> Reason:
        """Rendered: Gold since 2026-03-02: rolling 12-month spend 31,200 >= 30,000."""
        params = {"tier": self.tier, "tier_zh": self.tier_zh, "since": self.since, "reason": self.reason}
        return Reason("why.tier_since" if self.since is not None else "why.tier_from_start", params)

    @property
    def visible_benefits(self) -> tuple[str, ...]:
        """The benefits a member may be told about (hidden ones left out)."""
        return tuple(b.text for b in self.benefits if not b.hidden)


class Ladder:
    """The tier settings compiled once per evaluation: cents, ranks and review days."""

    def __init__(self, settings: TiersSettings, today: date, first_year: int) -> None:
        ladder = settings.ladder
        self.names = tuple(t.name for t in ladder)
        self.names_zh = tuple(t.label_zh for t in ladder)
        self.discounts = tuple(t.discount for t in ladder)
        self.multipliers = tuple(t.points_multiplier for t in ladder)
        self.benefits = tuple(
            tuple(Benefit(b) for b in t.benefits) + tuple(Benefit(b, hidden=True) for b in t.hidden_benefits)
            for t in ladder
        )
        self.spend_on = settings.spend.enabled
        self.rolling = settings.spend.window == "rolling_12_months"
        self.include_gift_card = settings.spend.include_gift_card
        self.thresholds = [
            (cents(t.spend_threshold), i) for i, t in enumerate(ladder) if i > 0 and t.spend_threshold is not None
        ]
        self.lowest = self.thresholds[0][0] if self.thresholds else None
        # For each tier, the least spend that reaches a higher one (unreachable: more than any spend).
        self.next_up = [min((c for c, r in self.thresholds if r > rank), default=_NEVER) for rank in range(len(ladder))]
        self.paid_on = settings.paid.enabled
        self.paid_options = sorted(
            ((cents(o.min_fee), settings.rank(o.tier)) for o in settings.paid.options), reverse=True
        )
        self.paid_months = settings.paid.months
        self.sv_on = settings.stored_value.enabled
        self.sv_options = sorted(
            ((cents(o.min_top_up), settings.rank(o.tier)) for o in settings.stored_value.options), reverse=True
        )
        self.sv_months = settings.stored_value.months
        self.grace_days = settings.evaluation.grace_days
        self.grace = timedelta(days=settings.evaluation.grace_days)
        md = [parse_month_day(s) for s in settings.evaluation.month_days]
        self.reviews = [
            d for y in range(first_year, today.year + 1) for d in (day_in_year(y, m, dd) for m, dd in md) if d <= today
        ]
        self.lifetime = {mid: settings.rank(t) for mid, t in settings.lifetime.items()}
        self.today = today
        self._cutoff: dict[date, date] = {}
        self.base_reason = Reason("why.tier_base", self.names_of(0))
        self.base_change = self.change(None, 0, Way.BASE, self.base_reason)
        # Shared by every member who never left the first tier.
        self.base_result = TierResult(
            rank=0,
            tier=self.names[0],
            tier_zh=self.names_zh[0],
            way=Way.BASE,
            since=None,
            reason=self.base_reason,
            discount=self.discounts[0],
            benefits=self.benefits[0],
            history=(self.base_change,),
        )
        self.base_timeline: list[tuple[date, int]] = [(date.min, 0)]

    def names_of(self, rank: int) -> dict[str, str]:
        return {"tier": self.names[rank], "tier_zh": self.names_zh[rank]}

    def rank_for(self, c: int) -> int:
        """The highest tier whose spend threshold ``c`` cents reaches (0 when none)."""
        rank = 0
        for threshold, r in self.thresholds:
            if c >= threshold:
                rank = r
            else:
                break
        return rank

    def threshold_of(self, rank: int) -> int:
        for threshold, r in self.thresholds:
            if r == rank:
                return threshold
        return 0

    def cutoff(self, d: date) -> date:
        """Spend on or before this day is outside the 12 months up to ``d``."""
        c = self._cutoff.get(d)
        if c is None:
            c = self._cutoff[d] = one_year_before(d)
        return c

    def spend_reason(self, spend: int, rank: int) -> Reason:
        code = "why.tier_spend_rolling" if self.rolling else "why.tier_spend_total"
        return Reason(code, {**self.names_of(rank), "spend": money(spend), "threshold": money(self.threshold_of(rank))})

    def change(self, day: date | None, rank: int, way: Way, reason: Reason, cause: Reason | None = None) -> TierChange:
        return TierChange(day, rank, self.names[rank], self.names_zh[rank], way, reason, cause)


_Step = tuple[date, int, Reason]  # spend tier from this day, and why
_Interval = tuple[date, date, int, Way, Reason]  # a term: first day, last day, tier, way, why


def spend_steps(lad: Ladder, events: list[tuple[date, int]]) -> tuple[list[_Step], _Step | None]:
    """The spend tier's changes over ``events`` (day, +/- cents, in day order), and a pending downgrade."""
    steps: list[_Step] = []
    if not lad.spend_on or not events or lad.lowest is None:
        return steps, None
    held = 0
    total = 0  # everything added so far
    gone = 0  # spend that left the 12-month window
    total_up = gone_up = 0  # the same for purchases only: total_up - gone_up never understates the spend
    j = 0
    n = len(events)
    reviews = lad.reviews
    ri = 0
    pending: tuple[date, date, int, int] | None = None  # effective day, review day, rank then, spend then
    rolling = lad.rolling
    next_up = lad.next_up[0]  # spend that lifts the member above the tier held

    def measure(d: date) -> int:
        nonlocal gone, gone_up, j
        if rolling:
            cut = lad.cutoff(d)
            while j < n and events[j][0] <= cut:
                c = events[j][1]
                gone += c
                if c > 0:
                    gone_up += c
                j += 1
        return total - gone

    def review_until(limit: date) -> None:
        """Reviews, and downgrades they decided, before ``limit`` (a review on a spend day comes after its spend)."""
        nonlocal ri, pending, held, next_up
        while True:
            review = reviews[ri] if ri < len(reviews) and reviews[ri] < limit else None
            effective = pending[0] if pending is not None and pending[0] < limit else None
            if effective is not None and (review is None or effective <= review) and pending is not None:
                _, reviewed, rank_then, spend_then = pending
                spend_now = measure(effective)
                rank_now = lad.rank_for(spend_now)
                new, spend = (rank_then, spend_then) if rank_then >= rank_now else (rank_now, spend_now)
                if new < held:
                    reason = Reason(
                        "why.tier_downgrade",
                        {
                            **lad.names_of(new),
                            "from_tier": lad.names[held],
                            "from_tier_zh": lad.names_zh[held],
                            "reviewed": reviewed,
                            "effective": effective,
                            "grace": lad.grace_days,
                            "spend": money(spend),
                            "needed": money(lad.threshold_of(held)),
                        },
                    )
                    steps.append((effective, new, reason))
                    held = new
                    next_up = lad.next_up[held]
                pending = None
            elif review is not None:
                ri += 1
                if pending is None and held > 0:
                    spend = measure(review)
                    rank = lad.rank_for(spend)
                    if rank < held:
                        pending = (review + lad.grace, review, rank, spend)
            else:
                return

    def upgrade(day: date) -> None:
        """At the end of ``day``: a spend that reached a higher tier lifts the member at once."""
        nonlocal ri, pending, held, next_up
        spend = measure(day)
        if spend >= next_up:
            if held == 0:  # reviews before today had nothing to review
                ri = bisect_left(reviews, day, ri)
            held = lad.rank_for(spend)
            steps.append((day, held, lad.spend_reason(spend, held)))
            next_up = lad.next_up[held]
            pending = None

    day = events[0][0]
    for d, c in events:
        if d != day:  # ``day`` is complete
            if total_up - gone_up >= next_up:  # else the spend cannot reach the next tier: skip the window
                upgrade(day)
            if held or pending is not None:
                review_until(d)
            day = d
        total += c
        if c > 0:
            total_up += c
    if total_up - gone_up >= next_up:
        upgrade(day)
    if held or pending is not None:
        review_until(lad.today + ONE_DAY)
    if pending is None:
        return steps, None
    eff, reviewed, rank_then, spend_then = pending
    reason = Reason(
        "why.tier_downgrade_pending",
        {
            **lad.names_of(rank_then),
            "from_tier": lad.names[held],
            "from_tier_zh": lad.names_zh[held],
            "reviewed": reviewed,
            "effective": eff,
            "spend": money(spend_then),
            "needed": money(lad.threshold_of(held)),
        },
    )
    return steps, (eff, rank_then, reason)


def term_intervals(
    lad: Ladder, fees: list[tuple[date, int]], top_ups: list[tuple[date, int]], paid_until: date | None
) -> list[_Interval]:
    """Tiers bought by annual fees and large top-ups, each with its term."""
    out: list[_Interval] = []
    if lad.paid_on and fees:
        qualifying: list[tuple[date, int, int, int]] = []
        for d, c in fees:
            for minimum, r in lad.paid_options:
                if c >= minimum:
                    qualifying.append((d, c, r, minimum))
                    break
        for k, (d, c, r, minimum) in enumerate(qualifying):
            last = k == len(qualifying) - 1
            until = (
                paid_until if last and paid_until is not None and paid_until >= d else add_months(d, lad.paid_months)
            )
            reason = Reason(
                "why.tier_paid",
                {**lad.names_of(r), "fee": money(c), "paid_on": d, "until": until, "minimum": money(minimum)},
            )
            out.append((d, until, r, Way.PAID, reason))
    if lad.sv_on and top_ups:
        for d, c in top_ups:
            for minimum, r in lad.sv_options:
                if c >= minimum:
                    until = add_months(d, lad.sv_months)
                    reason = Reason(
                        "why.tier_stored_value",
                        {**lad.names_of(r), "amount": money(c), "day": d, "until": until, "minimum": money(minimum)},
                    )
                    out.append((d, until, r, Way.STORED_VALUE, reason))
                    break
    return out


def _ended(lad: Ladder, way: Way, rank: int, last_day: date) -> Reason:
    code = "why.tier_paid_ended" if way is Way.PAID else "why.tier_stored_value_ended"
    return Reason(code, {**lad.names_of(rank), "ended": last_day})


def member_tier(
    lad: Ladder,
    member_id: str,
    spend: list[tuple[date, int]],
    fees: list[tuple[date, int]],
    top_ups: list[tuple[date, int]],
    paid_until: date | None,
) -> tuple[TierResult, list[tuple[date, int]]]:
    """The member's tier today with its reason and history, and the tier timeline (day, rank) for points.

    Everyone starts at the first tier (or their lifetime tier) "from the start" (day None).
    """
    steps, pending = spend_steps(lad, spend)
    intervals = term_intervals(lad, fees, top_ups, paid_until)
    life = lad.lifetime.get(member_id)
    if not steps and not intervals and not life:
        return lad.base_result, lad.base_timeline
    start = lad.base_change
    if life is not None and life > 0:
        start = lad.change(None, life, Way.LIFETIME, Reason("why.tier_lifetime", lad.names_of(life)))
    history = [start]
    rank, way, reason = start.rank, start.way, start.reason
    if not intervals and (life is None or life == 0):
        for d, r, why in steps:
            history.append(lad.change(d, r, Way.SPEND if r > 0 else Way.BASE, why))
        if steps:
            _, rank, reason = steps[-1]
            way = Way.SPEND if rank > 0 else Way.BASE
    else:
        term_end: date | None = None  # last day of the term in force, for paid and stored value
        points = sorted({d for d, _, _ in steps} | {iv[0] for iv in intervals} | {iv[1] + ONE_DAY for iv in intervals})
        si = 0
        spend_rank, spend_reason = 0, lad.base_reason
        for p in points:
            if p > lad.today:
                break
            spend_dropped: Reason | None = None
            while si < len(steps) and steps[si][0] <= p:
                if steps[si][1] < spend_rank:
                    spend_dropped = steps[si][2]
                _, spend_rank, spend_reason = steps[si]
                si += 1
            best: tuple[int, int, date, Way, Reason] = (
                spend_rank,
                -_PRIORITY[Way.SPEND],
                date.max,
                Way.SPEND if spend_rank > 0 else Way.BASE,
                spend_reason,
            )
            if life is not None:
                best = max(best, (life, -_PRIORITY[Way.LIFETIME], date.max, Way.LIFETIME, start.reason), key=_key)
            for first, last, r, w, why in intervals:
                if first <= p <= last:
                    best = max(best, (r, -_PRIORITY[w], last, w, why), key=_key)
            new_rank, _, new_end, new_way, new_reason = best
            if new_rank != rank:
                cause: Reason | None = None
                if new_rank < rank:
                    if way in (Way.PAID, Way.STORED_VALUE) and term_end is not None and term_end < p:
                        cause = _ended(lad, way, rank, term_end)
                    elif way is Way.SPEND:
                        cause = spend_dropped
                history.append(lad.change(p, new_rank, new_way, new_reason, cause))
            rank, way, reason = new_rank, new_way, new_reason
            term_end = new_end if new_way in (Way.PAID, Way.STORED_VALUE) else None
    pending_change: TierChange | None = None
    if pending is not None and way is Way.SPEND:
        eff, to_rank, why = pending
        after = max([to_rank, life or 0] + [r for first, last, r, _, _ in intervals if first <= eff <= last])
        if after < rank:
            pending_change = lad.change(eff, after, Way.SPEND, why)
    result = TierResult(
        rank=rank,
        tier=lad.names[rank],
        tier_zh=lad.names_zh[rank],
        way=way,
        since=history[-1].day,
        reason=reason,
        discount=lad.discounts[rank],
        benefits=lad.benefits[rank],
        history=tuple(history),
        pending=pending_change,
    )
    timeline = [(h.day or date.min, h.rank) for h in history]
    return result, timeline


def _key(c: tuple[int, int, date, Way, Reason]) -> tuple[int, int, date]:
    return c[0], c[1], c[2]
