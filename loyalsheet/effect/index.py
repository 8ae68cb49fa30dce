"""Each member's purchases, indexed once so a window after any day is two binary searches.

Built in one pass over the transactions (dict lookups and list appends only); every later question
("did M0042 buy within 14 days after 3 May, and for how much?") costs O(log visits), so the report
never scans the transactions once per message.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import accumulate

from ..model import Txn, TxnType

_ZERO = Decimal(0)


class Purchases:
    """Purchase days (ordinals, sorted) and running spend per member; and who had any row on some days.

    Spend is the Amount of purchase rows (refunds, top-ups and fees are not spend on a visit).
    ``watch_days`` are days (event days) on which any transaction of a member counts as a visit.
    """

    def __init__(self, txns: Iterable[Txn], watch_days: Iterable[date] = ()) -> None:
        watched = frozenset(watch_days)
        days: dict[str, list[int]] = {}
        amounts: dict[str, list[Decimal]] = {}
        seen: set[tuple[str, date]] = set()
        purchase = TxnType.PURCHASE
        for t in txns:
            if t.type is purchase and t.amount is not None:
                mid = t.member_id
                d = days.get(mid)
                if d is None:
                    d = days[mid] = []
                    amounts[mid] = []
                d.append(t.day.toordinal())
                amounts[mid].append(t.amount)
            if watched and t.day in watched:
                seen.add((t.member_id, t.day))
        self.days: dict[str, list[int]] = {}
        self.running: dict[str, list[Decimal]] = {}
        for mid, d in days.items():
            a = amounts[mid]
            if any(d[i] > d[i + 1] for i in range(len(d) - 1)):  # rows typed out of order
                pairs = sorted(zip(d, a, strict=True), key=lambda p: p[0])
                d, a = [p[0] for p in pairs], [p[1] for p in pairs]
            self.days[mid] = d
            self.running[mid] = [_ZERO, *accumulate(a)]
        self.visited = frozenset(seen)

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
