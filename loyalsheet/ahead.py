"""What a refresh reads off a book's transactions alone, worked out ahead (while the refresh's worker
still computes the segments): each member's first purchase day, and the monthly spend and visits the
Dashboard charts. Pure: transactions and the day in, figures out."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import compress, islice, repeat
from operator import and_, attrgetter, is_, is_not, le, or_

from .model import MemberFile, PaidWith, Txn, TxnType

_MEMBER, _TYPE, _DAY, _AMOUNT, _PAID = map(attrgetter, ("member_id", "type", "day", "amount", "paid_with"))


def _in_date_order(days: Sequence[date]) -> bool:
    """Whether ``days`` never go back (a Transactions sheet is usually typed in date order)."""
    return all(map(le, days, islice(days, 1, None)))


def first_purchases(txns: Sequence[Txn], today: date) -> dict[str, date]:
    """Each member's first purchase day, up to ``today``."""
    purchases = list(map(is_, map(_TYPE, txns), repeat(TxnType.PURCHASE)))
    days = list(compress(map(_DAY, txns), purchases))
    ids = list(compress(map(_MEMBER, txns), purchases))
    if _in_date_order(days):  # each member's first purchase is the first in the list: build the dict in C
        n = bisect_right(days, today)
        return dict(zip(reversed(ids[:n]), reversed(days[:n]), strict=True))
    first: dict[str, date] = {}
    held_of = first.get
    for member_id, day in zip(ids, days, strict=True):
        if day <= today:
            held = held_of(member_id)
            if held is None or day < held:
                first[member_id] = day
    return first


def twelve_months(today: date) -> list[tuple[int, int]]:
    """The twelve months up to ``today``'s, oldest first."""
    months: list[tuple[int, int]] = []
    y, mo = today.year, today.month
    for _ in range(12):
        months.append((y, mo))
        y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
    months.reverse()
    return months


@dataclass(frozen=True)
class Ahead:
    """What a refresh reads off a book's transactions alone, worked out ahead (while a worker still
    computes the segments): each member's first purchase day and the monthly spend and visits."""

    txns: Sequence[Txn]  # the transactions these are of
    first_purchases: dict[str, date]
    monthly: list[tuple[Decimal, int]]


def ahead(mf: MemberFile, today: date, include_gift_card: bool) -> Ahead:
    """:class:`Ahead` for the whole book ``mf`` as of ``today`` (``include_gift_card``: config's
    ``tiers.spend.include_gift_card``, whether purchases paid with a gift card are spend)."""
    return Ahead(mf.txns, first_purchases(mf.txns, today),
                 monthly_figures(mf.txns, twelve_months(today), today, include_gift_card))


def monthly_figures(txns: Sequence[Txn], months: Sequence[tuple[int, int]], today: date,
             include_gift_card: bool = True) -> list[tuple[Decimal, int]]:
    """Spend (purchases - refunds; paid with a gift card only with ``include_gift_card``, as every
    member's spend) and visits (a member's day with a purchase or a session) in each of ``months``
    (consecutive, the last one today's), counting transactions up to ``today``."""
    start = date(months[0][0], months[0][1], 1)
    days = list(map(_DAY, txns))
    if not _in_date_order(days):
        return _monthly_by_row(txns, months, start, today, include_gift_card)
    # in date order (as a Transactions sheet usually is): each month and each day is a slice, and the
    # sums and distinct members are taken in C, adding the amounts in the same order as row by row
    lo, hi = bisect_left(days, start), bisect_right(days, today)
    txns, days = txns[lo:hi], days[lo:hi]
    kinds = list(map(_TYPE, txns))
    amounts = list(map(_AMOUNT, txns))
    priced = list(map(is_not, amounts, repeat(None)))
    purchases = list(map(and_, map(is_, kinds, repeat(TxnType.PURCHASE)), priced))
    refunds = list(map(and_, map(is_, kinds, repeat(TxnType.REFUND)), priced))
    money = list(map(or_, purchases, refunds))
    if not include_gift_card:
        money = list(map(and_, money, map(is_not, map(_PAID, txns), repeat(PaidWith.GIFT_CARD))))
    visit = list(map(or_, purchases, map(is_, kinds, repeat(TxnType.SESSION))))
    for i in compress(range(len(amounts)), refunds):
        amounts[i] = -abs(amounts[i])  # (x - abs(r) is x + -abs(r), to the last digit)
    ids = list(compress(map(_MEMBER, txns), visit))
    visit_days = list(compress(days, visit))
    out: list[tuple[Decimal, int]] = []
    for y, m in months:
        first, after = date(y, m, 1), (date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1))
        a, b = bisect_left(days, first), bisect_left(days, after)
        spend = sum(compress(amounts[a:b], money[a:b]), Decimal())
        visits = 0
        at, end = bisect_left(visit_days, first), bisect_left(visit_days, after)
        while at < end:  # members with a visit, day by day
            nxt = bisect_right(visit_days, visit_days[at], at, end)
            visits += len(set(ids[at:nxt]))
            at = nxt
        out.append((spend, visits))
    return out


def _monthly_by_row(txns: Sequence[Txn], months: Sequence[tuple[int, int]], start: date,
                    today: date, include_gift_card: bool = True) -> list[tuple[Decimal, int]]:
    spend: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    visits: dict[tuple[int, int], set[tuple[str, date]]] = defaultdict(set)
    purchase, refund, session = TxnType.PURCHASE, TxnType.REFUND, TxnType.SESSION
    for txn in txns:
        if start <= txn.day <= today:
            key = (txn.day.year, txn.day.month)
            counted = include_gift_card or txn.paid_with is not PaidWith.GIFT_CARD
            if txn.type is purchase and txn.amount is not None:
                if counted:
                    spend[key] += txn.amount
                visits[key].add((txn.member_id, txn.day))
            elif txn.type is refund and txn.amount is not None and counted:
                spend[key] -= abs(txn.amount)
            elif txn.type is session:
                visits[key].add((txn.member_id, txn.day))
    return [(spend[key], len(visits[key])) for key in months]
