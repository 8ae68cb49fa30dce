"""One table of facts per member: the figures every view shows, each worked out in one place.

The member card (``loyalsheet member``), 会员状态 Member status, the 回访名单 Call list, the 看板
Dashboard, ``loyalsheet birthdays``, ``today``'s reasons and every message template read a member's
figures here, never from the rules' or the segments' results directly, so no view computes a variant
of its own. Each fact is defined once, below, from the one pass that computes it:

==========================  =========================================================================
fact                        what it is
==========================  =========================================================================
``spend_total``             purchases - refunds, all time up to the day
``spend_12m``               the same in the 12 months up to the day (after the same day a year before)
``spend_window``            the same over ``segments.window_months`` (what quadrants and RFM use;
                            equal to ``spend_12m`` with the default 12 months)
(all three)                 purchases paid with a gift card count only with
                            ``tiers.spend.include_gift_card`` (default: they do not: the giver paid)
``visits_total``            days with a purchase or a course-card session, all time
``visits_window``           the same over ``segments.window_months``
``first_visit``             the first such day; ``last_visit`` the last
``points``                  the points balance
``next_expiry``             the next day some points lapse after (their last good day), and
                            ``next_expiry_points`` how many lapse then (every lot of that day)
``expiring``                the next (up to 3) such days, each with its points
``stored_value``            the balance this member spends from (the family card holder's when on one)
``birthday_next``           the next birthday (solar day); ``birthday_budget`` its gift budget, which for
                            a household counts everyone on the card (on the card holder)
``household``               the card holder of the member's family card (the member when on none)
==========================  =========================================================================

Pure: built from an :class:`~loyalsheet.rules.Evaluation` and a
:class:`~loyalsheet.segments.SegmentResult` of the same day. A :class:`MemberFacts` only holds the two
results it reads, so making one for each of 100,000 members costs next to nothing; a view reads the
facts it shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .rules import Evaluation, MemberResult
from .rules.explain import Reason
from .segments import MemberSegments, SegmentResult

EXPIRING_SHOWN = 3  # how many coming expiry days a member's card lists


class Expiring(NamedTuple):
    """Points that lapse after ``expires`` (their last good day)."""

    points: int
    expires: date


class MemberFacts:
    """One member's facts (see the module's table). ``segments`` is None when a view has none (a
    message planned without the segments): the window facts then read 0 / None."""

    __slots__ = ("result", "segments")

    def __init__(self, result: MemberResult, segments: MemberSegments | None) -> None:
        self.result = result
        self.segments = segments

    @property
    def member_id(self) -> str:
        return self.result.member_id

    @property
    def name(self) -> str:
        return self.result.name

    # --- household ---
    @property
    def household(self) -> str:
        """The card holder of this member's family card; the member themself when on none."""
        return self.result.family_holder or self.result.member_id

    @property
    def family(self) -> tuple[str, ...]:
        """For a card holder: the family members on the card."""
        return self.result.family

    # --- tier ---
    @property
    def tier(self) -> str:
        return self.result.tier.tier

    @property
    def tier_zh(self) -> str:
        return self.result.tier.tier_zh

    def tier_name(self, lang: str) -> str:
        t = self.result.tier
        return t.tier if lang == "en" else (t.tier_zh or t.tier)

    @property
    def tier_why(self) -> Reason:
        return self.result.tier.why

    # --- spend and visits ---
    @property
    def spend_total(self) -> Decimal:
        return self.result.spend.total

    @property
    def spend_12m(self) -> Decimal:
        return self.result.spend.last_12_months

    @property
    def spend_window(self) -> Decimal:
        return self.segments.activity.spend if self.segments is not None else Decimal(0)

    @property
    def visits_total(self) -> int:
        return self.result.spend.visits

    @property
    def visits_window(self) -> int:
        return self.segments.activity.visits if self.segments is not None else 0

    @property
    def first_visit(self) -> date | None:
        return self.result.spend.first_visit

    @property
    def last_visit(self) -> date | None:
        return self.result.spend.last_visit

    # --- points ---
    @property
    def points(self) -> int:
        return self.result.points.balance

    @property
    def next_expiry(self) -> date | None:
        return self.result.points.next_expiry

    @property
    def next_expiry_points(self) -> int:
        return self.result.points.next_expiry_points

    @property
    def expiring(self) -> tuple[Expiring, ...]:
        """The next days some points lapse after, each with all the points lapsing then, soonest first."""
        out: list[Expiring] = []
        for lot in self.result.points.lots:  # oldest first: the order they lapse in
            if lot.expires is None or lot.points <= 0:
                continue
            if out and out[-1].expires == lot.expires:
                out[-1] = Expiring(out[-1].points + lot.points, lot.expires)
            elif len(out) == EXPIRING_SHOWN:
                break
            else:
                out.append(Expiring(lot.points, lot.expires))
        return tuple(out)

    def expiring_by(self, day: date) -> Expiring | None:
        """The next expiry when it is on or before ``day`` (a look-ahead window's end): the real date."""
        p = self.result.points
        if p.next_expiry is None or p.next_expiry > day or p.next_expiry_points <= 0:
            return None
        return Expiring(p.next_expiry_points, p.next_expiry)

    # --- stored value ---
    @property
    def stored_value(self) -> Decimal | None:
        """The stored value this member spends from (the family card holder's, for family)."""
        w = self.result.wallet
        return w.balance if w is not None else None

    @property
    def stored_value_holder(self) -> str | None:
        w = self.result.wallet
        return w.holder if w is not None else None

    # --- birthday ---
    @property
    def birthday_next(self) -> date | None:
        b = self.result.birthday
        return b.next if b is not None else None

    @property
    def birthday_budget(self) -> Decimal | None:
        """The next birthday's gift budget (a household's counts everyone on the card); None: no birthday."""
        b = self.result.birthday
        return b.budget if b is not None else None


class Facts:
    """Every member's facts as of one day: ``facts.get(member_id)``, or iterate (member row order)."""

    def __init__(self, ev: Evaluation, seg: SegmentResult | None) -> None:
        self.ev = ev
        self.seg = seg
        self.today = ev.today
        self._segments = seg.by_id if seg is not None else {}

    def get(self, member_id: str) -> MemberFacts | None:
        r = self.ev.members.get(member_id)
        if r is None:
            return None
        return MemberFacts(r, self._segments.get(member_id))

    def __iter__(self) -> Iterator[MemberFacts]:
        segments = self._segments
        for mid, r in self.ev.members.items():
            yield MemberFacts(r, segments.get(mid))

    def household_of(self, member_id: str) -> tuple[str, ...]:
        """Everyone on ``member_id``'s family card, card holder first (the member alone when on none)."""
        r = self.ev.members.get(member_id)
        if r is None:
            return (member_id,)
        holder = r.family_holder or member_id
        h = self.ev.members.get(holder)
        return (holder, *(h.family if h is not None else ()))
