"""The program's health month by month: active members, repeat purchases, new members by source, lost.

- **active**: members who bought in the month;
- **repeat rate**: of those, the share who had bought before that month;
- **new by source**: members whose Joined (入会日期) falls in the month, by Source (来源), as typed
  (blank: None);
- **lost**: members whose last purchase (up to ``today``) was ``lost_after`` days before a day of the
  month: they went that long without coming back, and that month is when they crossed the line.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ..model import Member
from .index import Purchases
from .measure import month_of


@dataclass(frozen=True)
class MonthHealth:
    month: str
    active: int
    returning: int
    new_members: int
    by_source: tuple[tuple[str | None, int], ...]
    lost: int

    @property
    def repeat_rate(self) -> float | None:
        return self.returning / self.active if self.active else None


def months_between(start: date, end: date) -> list[str]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def health(members: Sequence[Member], purchases: Purchases, today: date, *, since: date,
           lost_after: int) -> list[MonthHealth]:
    """One row per month from ``since``'s month to ``today``'s."""
    months = months_between(since, today)
    wanted = set(months)
    active: Counter[str] = Counter()
    returning: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    end = today.toordinal()
    first_shown = date(since.year, since.month, 1).toordinal()
    # The month of each day shown, and the first day of each month: a member's days in the shown months
    # are a slice (two binary searches), their months a set; "returning" is a purchase before the month.
    month_at = [month_of(date.fromordinal(o)) for o in range(first_shown, end + 1)]
    month_start = {m: date(int(m[:4]), int(m[5:]), 1).toordinal() for m in wanted}
    for days in purchases.days.values():
        upto = bisect_right(days, end)
        if not upto:
            continue
        first = days[0]
        shown = days[bisect_left(days, first_shown, 0, upto):upto]
        if shown:
            for month in {month_at[d - first_shown] for d in shown}:
                active[month] += 1
                if first < month_start[month]:
                    returning[month] += 1
        gone = days[upto - 1] + lost_after
        if gone <= end:
            month = month_of(date.fromordinal(gone))
            if month in wanted:
                lost[month] += 1
    joined: dict[str, Counter[str | None]] = {m: Counter() for m in months}
    for member in members:
        if member.joined is not None and member.joined <= today:
            month = month_of(member.joined)
            if month in wanted:
                source = (member.source or "").strip() or None
                joined[month][source] += 1
    return [MonthHealth(m, active[m], returning[m], sum(joined[m].values()),
                        tuple(sorted(joined[m].items(), key=lambda kv: (-kv[1], kv[0] or ""))), lost[m])
            for m in months]


def default_since(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s (12: a year of months)."""
    y, m = today.year, today.month - (months - 1)
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def sources(rows: Iterable[MonthHealth]) -> list[str | None]:
    """Every source seen, most new members first (for a table's columns)."""
    total: Counter[str | None] = Counter()
    for r in rows:
        for s, n in r.by_source:
            total[s] += n
    return [s for s, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0] or ""))]


__all__ = ["MonthHealth", "default_since", "health", "months_between", "sources"]
