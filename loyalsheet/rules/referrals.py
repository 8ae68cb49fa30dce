"""Referrals: a referred member's first purchase decides, once, whether the referrer is rewarded.

When the first purchase the referred member paid with their own money (the earliest purchase row up
to the evaluation day not paid with a friends-and-family gift card: a purchase paid with the
referrer's gift card is the referrer's money, so it neither rewards nor counts as first) reaches
``referrals.min_first_purchase``, the referrer earns ``referrals.points`` points (a lot earned that
day) or ``referrals.stored_value`` (into the referrer's wallet that day). Only the first purchase
counts, so each referred member rewards at most once. A 'Referred by' that names no member, or the
member themself, rewards no one (validation reports it).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..model import Member, Problem
from .explain import Reason
from .money import cents, money
from .settings import ReferralSettings


class ReferralStatus(enum.StrEnum):
    REWARDED = "rewarded"
    BELOW_THRESHOLD = "below threshold"
    WAITING = "waiting"  # no purchase yet


@dataclass(frozen=True, slots=True)
class ReferralResult:
    referrer: str
    referred: str
    status: ReferralStatus
    first_purchase_day: date | None
    first_purchase: Decimal | None
    threshold: Decimal
    reward_points: int
    reward_value: Decimal

    @property
    def why(self) -> Reason:
        """Rendered: M0007's first purchase 450 on 2026-03-02 reached 300: 300 points to M0001."""
        params = {
            "referrer": self.referrer,
            "referred": self.referred,
            "day": self.first_purchase_day,
            "amount": self.first_purchase,
            "threshold": self.threshold,
            "points": self.reward_points,
            "value": self.reward_value,
        }
        if self.status is ReferralStatus.WAITING:
            return Reason("why.referral_waiting", params)
        if self.status is ReferralStatus.BELOW_THRESHOLD:
            return Reason("why.referral_below", params)
        if self.reward_points:
            return Reason("why.referral_points", params)
        return Reason("why.referral_stored_value", params)


def referrals(
    members: Sequence[Member],
    known: Mapping[str, Member],
    first_purchase: Mapping[str, tuple[date, int]],
    settings: ReferralSettings,
    problems: list[Problem],
) -> list[ReferralResult]:
    """One result per valid 'Referred by', in member row order."""
    out: list[ReferralResult] = []
    if not settings.enabled:
        return out
    threshold = cents(settings.min_first_purchase)
    for m in members:
        r = m.referred_by
        if not r:
            continue
        if r == m.member_id or r not in known:
            continue  # validation reports a member referring themself or an unknown referrer
        first = first_purchase.get(m.member_id)
        points, value = 0, money(0)
        if first is None:
            status = ReferralStatus.WAITING
        elif first[1] >= threshold:
            status = ReferralStatus.REWARDED
            if settings.reward == "points":
                points = settings.points
            else:
                value = settings.stored_value
        else:
            status = ReferralStatus.BELOW_THRESHOLD
        out.append(
            ReferralResult(
                referrer=r,
                referred=m.member_id,
                status=status,
                first_purchase_day=None if first is None else first[0],
                first_purchase=None if first is None else money(first[1]),
                threshold=settings.min_first_purchase,
                reward_points=points,
                reward_value=value,
            )
        )
    return out
