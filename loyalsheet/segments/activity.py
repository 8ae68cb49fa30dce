"""Per-member visits and spend, aggregated from the transactions in one pass.

What counts:

- A **visit** is a day with a purchase or a session (a course-card session is a visit without spend).
  Several purchases on one day are one visit. Top-ups, annual fees, redemptions, refunds and
  adjustments are not visits.
- **Spend** is purchases minus refunds (a refund's amount is taken as positive and subtracted).
  Top-ups, annual fees, redemptions and sessions are not spend: the money was counted when it was
  spent on a purchase. Purchases and refunds paid with a friends-and-family gift card count only
  with ``include_gift_card`` (config's ``tiers.spend.include_gift_card``), as in the rules' spend, so
  a member's spend is one figure everywhere (a gift-card purchase is still a visit).
- Only transactions dated on or before ``today`` count; transactions of members not in the member
  list are skipped (validation reports them).
- The **window** is the ``window_months`` months up to ``today``: days after the same day
  ``window_months`` months earlier, up to and including ``today`` (as the rules' 12-month spend).
  Its **earlier half** and **recent half** split it at the middle day (for 12 months: 182 and 183
  days), so visit counts in the two halves compare like rates.
- The **usual interval** is the median gap in days between the member's consecutive visit days over
  their whole history, rounded half up to whole days.

Money is summed as whole cents (``int``) and returned as ``Decimal``; nothing is rounded except an
amount's own half-cent, as the rules do.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from operator import attrgetter
from types import MappingProxyType

from ..model import Member, PaidWith, Txn, TxnType
from ..rules.days import add_months
from ..rules.money import cents, money

_MEMBER, _TYPE, _DAY, _AMOUNT, _CATEGORY, _PAID = map(
    attrgetter, ("member_id", "type", "day", "amount", "category", "paid_with"))
UNCATEGORISED = ""  # the key, in ``Activity.categories``, of spend typed without a category


@dataclass(frozen=True, slots=True)
class Window:
    """The counting window: ``start < day <= today``; ``mid`` is the last day of the earlier half."""

    today: date
    months: int
    start: date
    mid: date

    @property
    def first_day(self) -> date:
        """The first day counted."""
        return date.fromordinal(self.start.toordinal() + 1)

    @classmethod
    def of(cls, today: date, months: int) -> Window:
        start = add_months(today, -months)
        mid = date.fromordinal(start.toordinal() + (today.toordinal() - start.toordinal()) // 2)
        return cls(today, months, start, mid)


@dataclass(frozen=True, slots=True)
class Activity:
    """One member's visits and spend up to the day. ``visits`` and ``spend`` are over the window.

    Money is held in whole cents (``*_cents``, for fast comparisons) and read as ``Decimal`` through
    ``spend``, ``lifetime_spend`` and ``categories``.
    """

    member_id: str
    visits: int  # visit days in the window
    spend_cents: int  # purchases - refunds in the window
    earlier_visits: int  # visit days in the earlier half of the window
    recent_visits: int  # visit days in the recent half of the window
    first_visit: date | None  # ever (up to the day)
    last_visit: date | None
    days_since_last_visit: int | None
    lifetime_visits: int
    lifetime_spend_cents: int
    usual_interval: int | None  # median gap between visit days, whole days; None below two visit days
    category_cents: Mapping[str, int] = field(default_factory=dict)  # window spend by category, largest first

    @property
    def spend(self) -> Decimal:
        return money(self.spend_cents)

    @property
    def lifetime_spend(self) -> Decimal:
        return money(self.lifetime_spend_cents)

    @property
    def categories(self) -> dict[str, Decimal]:
        """Window spend by category, largest first; ``""`` holds spend typed without a category."""
        return {k: money(v) for k, v in self.category_cents.items()}


_EMPTY: Mapping[str, int] = MappingProxyType({})


def _largest_first(cd: dict[str, int]) -> dict[str, int]:
    if len(cd) == 1:
        return cd
    return dict(sorted(cd.items(), key=lambda kv: (-kv[1], kv[0])))


def _median_gap(days: list[int]) -> int | None:
    """The median of the gaps between sorted distinct day numbers, rounded half up; None for fewer than 2."""
    n = len(days) - 1
    if n < 1:
        return None
    gaps = [b - a for a, b in pairwise(days)]
    gaps.sort()
    h = n // 2
    if n % 2:
        return gaps[h]
    return (gaps[h - 1] + gaps[h] + 1) // 2


def activities(members: Sequence[Member], txns: Sequence[Txn], today: date, window: Window, *,
               include_gift_card: bool = True) -> tuple[Activity, ...]:
    """Every member's ``Activity`` as of ``today``, in the order of ``members``.

    One pass over ``txns`` (in any order): visit days go to a list per member, cents to running sums.
    A member id listed twice gets the same activity twice.
    """
    index: dict[str, int] = {}
    for j, m in enumerate(members):
        index.setdefault(m.member_id, j)
    n = len(members)
    day_lists: list[list[int] | None] = [None] * n
    life = [0] * n
    win = [0] * n
    cats: list[dict[str, int] | None] = [None] * n
    start_o = window.start.toordinal()
    mid_o = window.mid.toordinal()
    today_o = today.toordinal()
    cache: dict[Decimal, int] = {}  # amounts repeat (prices): convert each once
    purchase, session, refund = TxnType.PURCHASE, TxnType.SESSION, TxnType.REFUND

    # The fields the pass needs are fetched (and the member looked up) in C, not by the loop's bytecode.
    where = map(index.get, map(_MEMBER, txns))
    columns = (map(_TYPE, txns), map(_DAY, txns), map(_AMOUNT, txns), map(_CATEGORY, txns), map(_PAID, txns))
    gift_card = PaidWith.GIFT_CARD
    for i, typ, d, a, category, pw in zip(where, *columns, strict=True):
        if i is None or d > today:
            continue
        if typ is purchase or typ is session:
            o = d.toordinal()
            lst = day_lists[i]
            if lst is None:
                day_lists[i] = [o]
            else:
                lst.append(o)
            if typ is session:
                continue
        elif typ is refund:
            o = d.toordinal()
        else:
            continue
        if a is None or (pw is gift_card and not include_gift_card):
            continue
        c = cache.get(a)
        if c is None:
            c = cache[a] = cents(a)
        if typ is refund:
            c = -c if c > 0 else c  # typed positive (as validation asks) or negative: it takes away
        life[i] += c
        if o > start_o:
            win[i] += c
            key = category or UNCATEGORISED
            cd = cats[i]
            if cd is None:
                cats[i] = {key: c}
            else:
                cd[key] = cd.get(key, 0) + c

    out: list[Activity] = []
    for m in members:
        i = index[m.member_id]
        if len(out) > i:  # a repeated id: the first one's activity
            out.append(out[i])
            continue
        lst = day_lists[i]
        days = sorted(set(lst)) if lst else []
        nd = len(days)
        in_window = nd - bisect_right(days, start_o)
        recent = nd - bisect_right(days, mid_o)
        cd = cats[i]
        out.append(
            Activity(
                m.member_id,
                in_window,
                win[i],
                in_window - recent,
                recent,
                date.fromordinal(days[0]) if days else None,
                date.fromordinal(days[-1]) if days else None,
                today_o - days[-1] if days else None,
                nd,
                life[i],
                _median_gap(days),
                _largest_first(cd) if cd else _EMPTY,
            )
        )
    return tuple(out)
