"""Each member's purchases, indexed once so a window after any day is two binary searches.

Built in one pass over the transactions, done by C-level maps (the rows are grouped per member with
``list.append`` mapped over them, a day's ordinal is looked up once per distinct day); every later
question ("did M0042 buy within 14 days after 3 May, and for how much?") costs O(log visits), so the
report never scans the transactions once per message.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from itertools import accumulate
from operator import attrgetter

from ..model import Txn, TxnType

_ZERO = Decimal(0)
_MEMBER = attrgetter("member_id")
_DAY = attrgetter("day")
_AMOUNT = attrgetter("amount")


class _Ordinals(dict[date, int]):
    """date -> ordinal, each distinct day computed once (a book has hundreds of days, a million rows)."""

    def __missing__(self, day: date) -> int:
        o = self[day] = day.toordinal()
        return o


class Purchases:
    """Purchase days (ordinals, sorted) and running spend per member; and who had any row on some days.

    Spend is the Amount of purchase rows (refunds, top-ups and fees are not spend on a visit).
    ``watch_days`` are days (event days) on which any transaction of a member counts as a visit.
    """

    def __init__(self, txns: Iterable[Txn], watch_days: Iterable[date] = ()) -> None:
        rows = txns if isinstance(txns, Sequence) else list(txns)
        watched = frozenset(watch_days)
        purchase = TxnType.PURCHASE
        bought = [t for t in rows if t.type is purchase and t.amount is not None]
        grouped: defaultdict[str, list[Txn]] = defaultdict(list)
        deque(map(list.append, map(grouped.__getitem__, map(_MEMBER, bought)), bought), maxlen=0)
        ordinal = _Ordinals()
        self.days: dict[str, list[int]] = {}
        self.running: dict[str, list[Decimal]] = {}
        for mid, ts in grouped.items():
            d = list(map(ordinal.__getitem__, map(_DAY, ts)))
            a = list(map(_AMOUNT, ts))
            if any(map(int.__gt__, d, d[1:])):  # rows typed out of order
                pairs = sorted(zip(d, a, strict=True), key=lambda p: p[0])
                d, a = [p[0] for p in pairs], [p[1] for p in pairs]
            self.days[mid] = d
            self.running[mid] = [_ZERO, *accumulate(a)]
        self.visited = frozenset((t.member_id, t.day) for t in rows if t.day in watched) if watched else frozenset()

    def window(self, member_id: str, after: date, days: int) -> tuple[bool, Decimal]:
        """Whether ``member_id`` bought within ``days`` days after ``after`` (that day not counted), and the spend."""
        d = self.days.get(member_id)
        if d is None:
            return False, _ZERO
        start = after.toordinal()
        i = bisect_right(d, start)
        j = bisect_right(d, start + days)
        if j <= i:
            return False, _ZERO
        run = self.running[member_id]
        return True, run[j] - run[i]

    def on_day(self, member_id: str, day: date) -> tuple[bool, Decimal]:
        """Whether ``member_id`` bought on ``day``, and for how much."""
        return self.window(member_id, date.fromordinal(day.toordinal() - 1), 1)

    def came(self, member_id: str, day: date) -> bool:
        """Any transaction of ``member_id`` on ``day`` (one of ``watch_days``), or a purchase."""
        return (member_id, day) in self.visited or self.on_day(member_id, day)[0]
