"""The transactions: each member's visits as purchases, stored value topped up and paid from, points
redeemed (never before they are earned) and a few refunds; and the Transactions sheet's rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from .personas import _GAPS, _OPEN_MINUTES, _OPEN_SPAN, _PRICES, _PRICES_SMALL, NEW, POTENTIAL, QUIET
from .state import _GeneratorBase, _Member
from .words import (
    _REDEEM_NOTES,
    CARD,
    CASH,
    CATEGORIES,
    NO,
    POINTS_WINDOW_DAYS,
    PURCHASE,
    REDEMPTION,
    REDEMPTION_POINTS,
    REFUND,
    STORED,
    STORED_VALUE,
    TOP_UP,
    TOP_UPS,
    YES,
)


class _Transactions(_GeneratorBase):
    """Purchases, stored value, points and refunds: the rows of the Transactions sheet."""

    def visit_days(self, m: _Member) -> list[int]:
        rnd = self.rng.random
        p = m.persona
        end = self.end
        days: list[int] = []
        if p == POTENTIAL:
            return days
        if p == NEW:
            d = m.joined if rnd() < 0.85 else m.joined + 1 + int(rnd() * 6)
            if d <= end:
                days.append(d)
                d2 = d + 10 + int(rnd() * 36)
                if rnd() < 0.5 and d2 <= end:
                    days.append(d2)
            return days
        lo, hi = _GAPS[p]
        mean = lo + rnd() * (hi - lo)
        last = m.quiet_until if p == QUIET else end
        if m.joined >= self.start:
            d = m.joined if rnd() < 0.85 else m.joined + int(rnd() * mean)
        else:
            d = self.start + int(rnd() * mean)
        while d <= last:
            days.append(d)
            d += max(1, int(mean * (0.5 + rnd())))
        return days

    def make_purchases(self) -> None:
        """Each member's visits as purchase rows (the hot loop of a million-row book: kept inline)."""
        rnd = self.rng.random
        stores, staff = self.stores, self.staff
        n_cat, n_small = len(CATEGORIES), len(_PRICES_SMALL)
        minute = timedelta(minutes=1)
        for m in self.members:
            days = self.visit_days(m)
            if not days:
                continue
            prices = _PRICES[m.persona]
            n_prices = len(prices)
            favourite = CATEGORIES[int(rnd() * n_cat)]
            home, mid = m.store, m.mid
            rows = m.purchases
            for d in days:
                amount: int | float = prices[int(rnd() * n_prices)]
                if rnd() < 0.2:
                    amount += _PRICES_SMALL[int(rnd() * n_small)]
                special = None
                r = rnd()
                if r < 0.08:
                    amount, special = round(amount * 0.7), YES
                elif r < 0.18:
                    amount = round(amount * 0.88, 1)
                    if amount == int(amount):
                        amount = int(amount)
                elif r < 0.30:
                    special = NO
                category = favourite if rnd() < 0.55 else CATEGORIES[int(rnd() * n_cat)]
                store = home if len(stores) == 1 or rnd() < 0.92 else stores[int(rnd() * len(stores))]
                names = staff[store]
                r = rnd()
                paid = CASH if r < 0.6 else CARD if r < 0.95 else None  # blank means cash
                when = datetime.fromordinal(d) + (_OPEN_MINUTES + int(rnd() * _OPEN_SPAN)) * minute
                rows.append(
                    [when, mid, PURCHASE, amount, None, paid, None, None, category, special, store,
                     names[int(rnd() * len(names))], None, None]
                )  # fmt: skip

    def stored_value(self) -> None:
        """Holders top up and pay from their balance; family pay from it too. Never below zero."""
        rnd = self.rng.random
        for h in self.members:
            if h.membership != STORED:
                continue
            rows = list(h.purchases)
            for f in h.family:
                rows.extend(f.purchases)
            rows.sort(key=itemgetter(0))
            balance = 0  # in fen, so no float ever rounds the wrong way
            first = True
            for row in rows:
                cents = round(row[3] * 100)
                if row[1] == h.mid:
                    need = cents - balance
                    if need > 0 and (first or rnd() < 0.8) and need <= TOP_UPS[-1] * 100:
                        top = next(t for t in TOP_UPS if t * 100 >= need)
                        if top < TOP_UPS[-1] and rnd() < 0.3:
                            top = TOP_UPS[TOP_UPS.index(top) + 1]
                        when = row[0] - timedelta(minutes=2 + int(rnd() * 8))
                        h.extras.append(
                            self.txn(
                                h,
                                when,
                                TOP_UP,
                                top,
                                paid_with=self.cash_or_card() or CASH,
                                store=row[10],
                                staff=row[11],
                            )
                        )
                        balance += top * 100
                    first = False
                    if balance >= cents and rnd() < 0.9:
                        row[5] = STORED_VALUE
                        balance -= cents
                elif balance >= cents and rnd() < 0.75:
                    row[5] = STORED_VALUE
                    balance -= cents

    # -- points ---------------------------------------------------------------------------------------

    def points(self) -> None:
        """Redemptions (only points earned in the last year, never more than held) and a few refunds."""
        rnd = self.rng.random
        end = self.end
        for m in self.members:
            rows = m.purchases
            if not rows:
                continue
            ledger: list[tuple[int, int]] = []  # (day, points +/-)
            for i, row in enumerate(rows):
                day = row[0].toordinal()
                if i and rnd() < 0.05:
                    total = sum(p for _, p in ledger)
                    recent = sum(p for d, p in ledger if d > day - POINTS_WINDOW_DAYS)
                    available = min(total, recent)
                    if available >= REDEMPTION_POINTS[0]:
                        pts = REDEMPTION_POINTS[0]
                        if available >= REDEMPTION_POINTS[1] and rnd() < 0.4:
                            pts = REDEMPTION_POINTS[1]
                            if available >= REDEMPTION_POINTS[2] and rnd() < 0.3:
                                pts = REDEMPTION_POINTS[2]
                        m.extras.append(
                            self.txn(
                                m,
                                row[0] + timedelta(minutes=2),
                                REDEMPTION,
                                None,
                                points=pts,
                                store=row[10],
                                staff=row[11],
                                note=self.rng.choice(_REDEEM_NOTES),
                            )
                        )
                        ledger.append((day, -pts))
                        m.redeemed = True
                if row[5] not in (CASH, CARD, None) or row[9] == YES:
                    continue
                earned = int(row[3])
                ledger.append((day, earned))
                if rnd() < 0.012:
                    refund_day = day + 1 + int(rnd() * 7)
                    next_day = rows[i + 1][0].toordinal() if i + 1 < len(rows) else end + 1
                    if refund_day < next_day and refund_day <= end:
                        amount = row[3] if rnd() < 0.6 else round(row[3] / 2)
                        m.extras.append(
                            self.txn(
                                m,
                                self.at(refund_day),
                                REFUND,
                                amount,
                                paid_with=row[5],
                                category=row[8],
                                store=row[10],
                                note="退货",
                            )
                        )
                        ledger.append((refund_day, -int(amount)))

    def transactions(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for m in self.members:
            rows.extend(m.purchases)
            rows.extend(m.extras)
        rows.extend(self.txn_extras)
        rows.sort(key=itemgetter(0))
        return rows
