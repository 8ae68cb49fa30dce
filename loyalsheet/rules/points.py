"""Points: earned by lot, spent oldest first, lapsing by lot, taken back by refunds.

- **Earning**: a purchase earns ``rate`` points per currency unit, times the multiplier of the
  member's own tier on that day (a purchase that lifts the member to a tier earns at that tier),
  times ``birthday_month_multiplier`` in the birthday month, rounded down.
  Purchases paid with stored value or a gift card, top-ups and annual fees earn only when config
  says so. Each earning is a lot: its day, its points left, the day it lapses.
- **Expiry**: ``rolling_months`` (default 12): a lot lapses after the last day of the 12th month after
  the month it was earned (earned 2026-03-15 -> still good on 2027-03-31, gone on 2027-04-01);
  ``fixed_date``: after the first ``month_day`` on or after the day earned; ``never``.
- **Redemptions** spend the oldest lots first (FIFO). A redemption beyond the balance is a problem
  on its Points cell and only the balance is spent, so the balance never goes below zero.
- **Refunds** take back the points the refunded amount earned: the refund's share of the spend that
  earned points so far times the points it earned (refunding all that spend takes back all its
  points), from the newest lots first. Points already spent cannot be taken back: a warning says so.
- **Adjustments** add a lot (positive) or remove points oldest first (negative).
- **Referral rewards** paid in points arrive as lots on the day the referred member's first purchase
  qualified.

Invariant: ``balance == earned + bonus + adjusted - redeemed - expired - refunded``.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from ..model import PaidWith, Problem, Severity, Txn, TxnType
from .days import end_of_month, next_month_day
from .explain import Reason
from .settings import PointsSettings, parse_month_day


class Source(enum.StrEnum):
    PURCHASE = "purchase"
    TOP_UP = "top-up"
    ANNUAL_FEE = "annual fee"
    ADJUSTMENT = "adjustment"
    REFERRAL = "referral"


class Lot(NamedTuple):
    """Points earned on one day from one source, still there, and the last day they are good."""

    earned: date
    points: int
    expires: date | None  # last good day; None: never
    source: Source


class PointsResult(NamedTuple):
    balance: int
    lots: tuple[Lot, ...]  # oldest first: the order they are spent and lapse in
    earned: int  # from purchases (and top-ups or fees, when config says so)
    bonus: int  # referral rewards
    adjusted: int  # adjustments, net (+ added, - removed)
    redeemed: int
    expired: int
    refunded: int  # taken back by refunds
    next_expiry: date | None  # the next day some points lapse after
    next_expiry_points: int
    expiring_soon: int  # points lapsing within points.expiring_soon_days
    expiring_soon_until: date

    @property
    def why(self) -> Reason:
        """Rendered: earned 1,200 + bonus 300 +/- adjusted 0 - redeemed 500 - expired 100 - refunded 0 = 900."""
        return Reason(
            "why.points_balance",
            {
                "earned": self.earned,
                "bonus": self.bonus,
                "adjusted": self.adjusted,
                "redeemed": self.redeemed,
                "expired": self.expired,
                "refunded": self.refunded,
                "balance": self.balance,
            },
        )

    @property
    def expiry_why(self) -> Reason | None:
        """Rendered: 120 points lapse after 2027-03-31; None when nothing will lapse."""
        if self.next_expiry is None:
            return None
        return Reason("why.points_next_expiry", {"points": self.next_expiry_points, "day": self.next_expiry})


def empty_points(today: date, soon_days: int) -> PointsResult:
    return PointsResult(0, (), 0, 0, 0, 0, 0, 0, None, 0, 0, today + timedelta(days=soon_days))


def _ratio(x: Decimal) -> tuple[int, int]:
    f = Fraction(x) / 100  # points per cent
    return f.numerator, f.denominator


class PointsRules:
    """Points settings compiled once per evaluation: integer factors per tier, expiry by day."""

    def __init__(self, settings: PointsSettings, multipliers: tuple[Decimal, ...], today: date) -> None:
        birthday = settings.birthday_month_multiplier
        self.factors = tuple((_ratio(settings.rate * m), _ratio(settings.rate * m * birthday)) for m in multipliers)
        self.flat = birthday == 1 and len({f[0] for f in self.factors}) == 1
        self.birthday_on = birthday != 1
        kinds = {PaidWith.CASH, PaidWith.CARD}
        if settings.on_stored_value:
            kinds.add(PaidWith.STORED_VALUE)
        if settings.on_gift_card:
            kinds.add(PaidWith.GIFT_CARD)
        self.earning = frozenset(kinds)
        self.on_top_ups = settings.on_top_ups
        self.on_fees = settings.on_annual_fees
        self.mode = settings.expiry.mode
        self.months = settings.expiry.months
        self.month_day = parse_month_day(settings.expiry.month_day)
        self.today = today
        self.soon = today + timedelta(days=settings.expiring_soon_days)
        self.soon_days = settings.expiring_soon_days
        self._expiry: dict[date, date] = {}  # earned day -> last good day

    def expires(self, earned: date) -> date:
        """The last day points earned on ``earned`` are good (``date.max``: never lapse)."""
        e = self._expiry.get(earned)
        if e is None:
            if self.mode == "rolling_months":
                e = end_of_month(earned.year, earned.month + self.months)
            elif self.mode == "fixed_date":
                e = next_month_day(earned, *self.month_day)
            else:
                e = date.max
            self._expiry[earned] = e
        return e


_new = tuple.__new__  # a NamedTuple built without its Python-level __new__ (100,000s of them)
_NEVER = date.max

_TYPES = (TxnType.PURCHASE, TxnType.REDEMPTION, TxnType.REFUND, TxnType.ADJUSTMENT, TxnType.TOP_UP, TxnType.ANNUAL_FEE)


def _problem(code: str, t: Txn, column: str, value: Any, severity: Severity = Severity.ERROR, **params: Any) -> Problem:
    return Problem(severity, code, "transactions", t.row, column, value, {"member_id": t.member_id, **params})


def member_points(
    pr: PointsRules,
    txns: list[Txn],
    amounts: list[int],
    timeline: list[tuple[date, int]],
    birthday_months: frozenset[tuple[int, int]],
    rewards: list[tuple[date, int]],
    problems: list[Problem],
) -> PointsResult:
    """Points for one member over ``txns`` (sorted, dated up to today) with ``amounts`` in cents.

    ``timeline`` is the member's tier from each day on; ``rewards`` are referral points (day, points).
    """
    lots: list[list[Any]] = []  # [earned, left, expires, source]
    head = 0  # lots before head are empty
    balance = earned = bonus = adjusted = redeemed = expired = refunded = 0
    pool_points = pool_cents = 0  # what earning spend earned, for refunds
    ti, rank = 0, timeline[0][1]  # where in the tier timeline the purchases have got to
    ri = 0
    next_reward = rewards[0][0] if rewards else date.max
    factors, earning = pr.factors, pr.earning
    # One factor for the whole history when the tier never changed and birthdays do not count.
    flat = pr.flat or (len(timeline) == 1 and not (pr.birthday_on and birthday_months))
    known_expiry, expiry_of = pr._expiry.get, pr.expires  # (the first: a cache hit without a method call)

    def expires(d: date) -> date:
        return known_expiry(d) or expiry_of(d)

    purchase_t, redemption_t, refund_t, adjustment_t, top_up_t, fee_t = _TYPES
    from_purchase = Source.PURCHASE

    def expire(before: date) -> date:
        """Lapse the lots whose last good day is before ``before``; the next lapse day after."""
        nonlocal head, balance, expired
        while head < len(lots):
            lot = lots[head]
            if lot[1] and lot[2] >= before:
                lapses: date = lot[2]
                return lapses
            if lot[1]:
                expired += lot[1]
                balance -= lot[1]
                lot[1] = 0
            head += 1
        return date.max

    def take_oldest(points: int) -> date:
        """Spend ``points`` from the oldest lots; the next lapse day after."""
        nonlocal head
        k = head
        while points:
            lot = lots[k]
            x = lot[1] if lot[1] < points else points
            lot[1] -= x
            points -= x
            if not lot[1]:
                k += 1
        while k < len(lots) and not lots[k][1]:
            k += 1
        head = k
        nxt: date = lots[k][2] if k < len(lots) else date.max
        return nxt

    def earn(d: date, cents: int) -> int:
        """Points for a top-up or a fee (when config says they earn), at the tier of the day."""
        k = 0
        while k + 1 < len(timeline) and timeline[k + 1][0] <= d:
            k += 1
        num, den = factors[timeline[k][1]][(d.year, d.month) in birthday_months]
        return cents * num // den

    flat_num, flat_den = factors[rank][0]
    next_tier_day = timeline[1][0] if len(timeline) > 1 else date.max
    next_lapse = date.max  # last good day of the oldest lot with points left (or earlier)
    for t, c in zip(txns, amounts, strict=True):
        d = t.day
        if d > next_lapse:
            next_lapse = expire(d)
        if d >= next_reward:
            while ri < len(rewards) and rewards[ri][0] <= d:
                rd, rp = rewards[ri]
                ri += 1
                lots.append([rd, rp, expires(rd), Source.REFERRAL])
                balance += rp
                bonus += rp
                if next_lapse == date.max:
                    next_lapse = lots[-1][2]
            next_reward = rewards[ri][0] if ri < len(rewards) else date.max
        typ = t.type
        if typ is purchase_t:
            if t.paid_with in earning:
                if flat:
                    p = c * flat_num // flat_den
                else:  # the tier may have changed; the birthday month may count
                    if d >= next_tier_day:
                        while ti + 1 < len(timeline) and timeline[ti + 1][0] <= d:
                            ti += 1
                        rank = timeline[ti][1]
                        next_tier_day = timeline[ti + 1][0] if ti + 1 < len(timeline) else date.max
                    num, den = factors[rank][bool(birthday_months) and (d.year, d.month) in birthday_months]
                    p = c * num // den
                pool_points += p
                pool_cents += c
                if p:
                    lots.append([d, p, known_expiry(d) or expiry_of(d), from_purchase])
                    balance += p
                    earned += p
                    if next_lapse == date.max:
                        next_lapse = lots[-1][2]
        elif typ is redemption_t:
            want = abs(t.points) if t.points else 0
            if not want:  # validation reports a redemption without points
                continue
            take = want
            if want > balance:
                problems.append(_problem("points_overdrawn", t, "points", t.points, points=want, balance=balance))
                take = balance
            next_lapse = take_oldest(take)
            balance -= take
            redeemed += take
        elif typ is refund_t:
            if t.paid_with in earning and pool_cents > 0:
                r = c if c < pool_cents else pool_cents
                back = pool_points * r // pool_cents
                pool_points -= back
                pool_cents -= r
                take = back
                if back > balance:
                    problems.append(
                        _problem(
                            "points_refund_short", t, "amount", t.amount, Severity.WARNING, points=back, balance=balance
                        )
                    )
                    take = balance
                left = take
                k = len(lots) - 1
                while left:
                    lot = lots[k]
                    x = lot[1] if lot[1] < left else left
                    lot[1] -= x
                    left -= x
                    k -= 1
                balance -= take
                refunded += take
        elif typ is adjustment_t:
            p = t.points or 0
            if p > 0:
                lots.append([d, p, expires(d), Source.ADJUSTMENT])
                balance += p
                adjusted += p
                if next_lapse == date.max:
                    next_lapse = lots[-1][2]
            elif p < 0:
                take = -p
                if take > balance:
                    problems.append(
                        _problem("points_adjustment_overdrawn", t, "points", t.points, points=take, balance=balance)
                    )
                    take = balance
                next_lapse = take_oldest(take)
                balance -= take
                adjusted -= take
        elif typ is top_up_t:
            if pr.on_top_ups:
                p = c * flat_num // flat_den if flat else earn(d, c)
                if p:
                    lots.append([d, p, expires(d), Source.TOP_UP])
                    balance += p
                    earned += p
                    if next_lapse == date.max:
                        next_lapse = lots[-1][2]
        elif typ is fee_t and pr.on_fees:
            p = c * flat_num // flat_den if flat else earn(d, c)
            if p:
                lots.append([d, p, expires(d), Source.ANNUAL_FEE])
                balance += p
                earned += p
                if next_lapse == date.max:
                    next_lapse = lots[-1][2]
    while ri < len(rewards):
        rd, rp = rewards[ri]
        ri += 1
        lots.append([rd, rp, expires(rd), Source.REFERRAL])
        balance += rp
        bonus += rp
    expire(pr.today)

    kept = tuple([_new(Lot, (e, left, None if x == _NEVER else x, s)) for e, left, x, s in lots[head:] if left])
    next_expiry = kept[0].expires if kept else None
    next_points = soon = 0
    if next_expiry is not None:
        for kept_lot in kept:  # lots lapse in order
            if kept_lot.expires != next_expiry:
                break
            next_points += kept_lot.points
    for kept_lot in kept:  # lots lapse in order
        if kept_lot.expires is None or kept_lot.expires > pr.soon:
            break
        soon += kept_lot.points
    # (field order: balance, lots, earned, bonus, adjusted, redeemed, expired, refunded, next_expiry,
    # next_expiry_points, expiring_soon, expiring_soon_until; positional is faster for 100,000 members)
    return _new(
        PointsResult,
        (balance, kept, earned, bonus, adjusted, redeemed, expired, refunded, next_expiry, next_points, soon, pr.soon),
    )
