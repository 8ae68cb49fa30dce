"""Checks across rows and sheets of a member file: pure functions, one shape, listed in one place.

Each check takes the :class:`MemberFile` and a :class:`Context` (the day, the stores) and returns
problems. Checks never raise and never stop at the first problem, so ``check`` shows them all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import attrgetter, gt, is_, not_, or_
from typing import Any

from .model import MemberFile, Membership, PaidWith, Problem, Severity, TxnType
from .rules.vouchers import voucher_use_problems

_ZERO = Decimal(0)
_MEMBER, _DAY, _AMOUNT, _TYPE, _PAID_WITH, _STORE = map(
    attrgetter, ("member_id", "day", "amount", "type", "paid_with", "store")
)


@dataclass(frozen=True)
class Context:
    today: date
    stores: frozenset[str]


def _err(code: str, sheet: str, row: int, column: str | None, value: Any = None, **params: Any) -> Problem:
    return Problem(Severity.ERROR, code, sheet, row, column, value, params)


def _warn(code: str, sheet: str, row: int, column: str | None, value: Any = None, **params: Any) -> Problem:
    return Problem(Severity.WARNING, code, sheet, row, column, value, params)


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).strip().casefold()


def _bad_cells(mf: MemberFile) -> set[tuple[str | None, int | None, str | None]]:
    """Cells already reported while reading: later checks do not pile a second problem on them."""
    return {(p.sheet, p.row, p.column) for p in mf.problems}


def check_member_ids(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for m in mf.members:
        if m.member_id in first:
            yield _err("duplicate_member_id", "members", m.row, "member_id", m.member_id, first_row=first[m.member_id])
        else:
            first[m.member_id] = m.row


def check_members(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    bad = _bad_cells(mf)
    for m in mf.members:
        if m.phone is None and m.email is None and not (
            ("members", m.row, "phone") in bad or ("members", m.row, "email") in bad
        ):
            yield _err("contact_missing", "members", m.row, "phone")
        if m.joined is not None and m.joined > ctx.today:
            yield _err("future_date", "members", m.row, "joined", m.joined, today=ctx.today.isoformat())
        b = m.birthday
        if b is not None and b.year is not None and not b.lunar and date(b.year, b.month, min(b.day, 28)) > ctx.today:
            yield _err("future_date", "members", m.row, "birthday", f"{b.year}-{b.month:02d}-{b.day:02d}",
                       today=ctx.today.isoformat())
        if m.membership is Membership.PAID and m.paid_until is None and ("members", m.row, "paid_until") not in bad:
            yield _warn("paid_until_missing", "members", m.row, "paid_until")


def check_family(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    by_id = {m.member_id: m for m in mf.members}
    for m in mf.members:
        holder_id = m.family_of
        if holder_id is None:
            continue
        if holder_id == m.member_id:
            yield _err("family_self", "members", m.row, "family_of", holder_id)
            continue
        if holder_id not in by_id:
            yield _err("family_unknown", "members", m.row, "family_of", holder_id)
            continue
        seen = {m.member_id}
        current: str | None = holder_id
        while current is not None and current in by_id and current not in seen:
            seen.add(current)
            current = by_id[current].family_of
        if current is not None and current in seen:
            yield _err("family_cycle", "members", m.row, "family_of", holder_id, chain=" → ".join(sorted(seen)))
        elif by_id[holder_id].family_of is not None:
            yield _warn("family_chain", "members", m.row, "family_of", holder_id,
                        holder=by_id[holder_id].family_of or "")


def check_referrals(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    ids = {m.member_id for m in mf.members}
    for m in mf.members:
        if m.referred_by is None:
            continue
        if m.referred_by == m.member_id:
            yield _err("referrer_self", "members", m.row, "referred_by", m.referred_by)
        elif m.referred_by not in ids:
            yield _err("referrer_unknown", "members", m.row, "referred_by", m.referred_by)


def check_stores(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    known = {_fold(s) for s in ctx.stores}
    stores = ", ".join(sorted(ctx.stores))
    # A chain's book names a handful of stores a million times: each name is checked once, and only
    # the rows naming an unknown one are looked at again, in order.
    for sheet, records in (("members", mf.members), ("transactions", mf.txns)):
        names = list(map(_STORE, records))
        unknown = {s for s in set(names) if s is not None and _fold(s) not in known}
        if not unknown:
            continue
        for i in compress(range(len(names)), map(unknown.__contains__, names)):
            yield _err("store_unknown", sheet, records[i].row, "store", names[i], stores=stores)


_AMOUNT_NEEDED = frozenset({TxnType.PURCHASE, TxnType.TOP_UP, TxnType.REFUND, TxnType.ANNUAL_FEE})
_NEGATIVE_ALLOWED = frozenset({TxnType.ADJUSTMENT})


def _suspects(mf: MemberFile, ctx: Context, ids: set[str]) -> Iterable[int]:
    """Indices (in order) of the transactions :func:`check_transactions` must look at: a superset of
    the rows with a problem, found column by column at C speed. Every other row passes every check,
    so the million clean rows of a chain's book are never looked at one by one."""
    txns = mf.txns
    flags: list[bool] = [False] * len(txns)

    def mark(more: Iterable[bool]) -> None:
        flags[:] = map(or_, flags, more)

    members = list(map(_MEMBER, txns))
    if not ids.issuperset(members):
        mark(map(not_, map(ids.__contains__, members)))
    days = list(map(_DAY, txns))
    if days and max(days) > ctx.today:
        mark(map(gt, days, repeat(ctx.today)))
    amounts = list(map(_AMOUNT, txns))
    odd = {a for a in set(amounts) if a is None or a < _ZERO}  # (a missing amount is a problem for some types)
    if odd:
        mark(map(odd.__contains__, amounts))
    types = list(map(_TYPE, txns))
    for kind in (TxnType.REDEMPTION, TxnType.ADJUSTMENT, TxnType.SESSION):  # checks of their own
        mark(map(is_, types, repeat(kind)))
    mark(map(is_, map(_PAID_WITH, txns), repeat(PaidWith.GIFT_CARD)))
    return compress(range(len(txns)), flags)


def check_transactions(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    ids = {m.member_id for m in mf.members}
    gift_cards = {g.card_id for g in mf.gift_cards}
    course_cards = {c.card_id for c in mf.course_cards}
    bad = _bad_cells(mf)
    today = ctx.today
    txns = mf.txns
    for i in _suspects(mf, ctx, ids):
        t = txns[i]
        row = t.row
        if t.member_id not in ids:
            yield _err("unknown_member", "transactions", row, "member_id", t.member_id)
        if t.day > today:
            yield _err("future_date", "transactions", row, "date", t.day, today=today.isoformat())
        kind = t.type
        if t.amount is None:
            if kind in _AMOUNT_NEEDED and ("transactions", row, "amount") not in bad:
                yield _err("amount_missing", "transactions", row, "amount", type=kind.value)
        elif t.amount < _ZERO and kind not in _NEGATIVE_ALLOWED:
            yield _err("negative_amount", "transactions", row, "amount", t.amount, type=kind.value)
        if kind is TxnType.REDEMPTION and (t.points is None or t.points <= 0):
            if ("transactions", row, "points") not in bad:
                yield _err("redemption_no_points", "transactions", row, "points", t.points)
        elif kind is TxnType.ADJUSTMENT and t.points is None and ("transactions", row, "points") not in bad:
            yield _err("adjustment_no_points", "transactions", row, "points")
        if t.paid_with is PaidWith.GIFT_CARD:
            if t.gift_card is None:
                yield _err("gift_card_missing", "transactions", row, "gift_card")
            elif t.gift_card not in gift_cards:
                yield _err("gift_card_unknown", "transactions", row, "gift_card", t.gift_card)
        if kind is TxnType.SESSION:
            if t.course_card is None:
                yield _err("course_card_missing", "transactions", row, "course_card")
            elif t.course_card not in course_cards:
                yield _err("course_card_unknown", "transactions", row, "course_card", t.course_card)


def check_cards(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    ids = {m.member_id for m in mf.members}
    seen: dict[str, int] = {}
    for g in mf.gift_cards:
        if g.card_id in seen:
            yield _err("duplicate_card_id", "gift_cards", g.row, "card_id", g.card_id, first_row=seen[g.card_id])
        seen.setdefault(g.card_id, g.row)
        if g.member_id not in ids:
            yield _err("unknown_member", "gift_cards", g.row, "member_id", g.member_id)
        if g.issued > ctx.today:
            yield _err("future_date", "gift_cards", g.row, "issued", g.issued, today=ctx.today.isoformat())
        if g.value <= _ZERO:
            yield _err("negative_amount", "gift_cards", g.row, "value", g.value, type="gift card")
    seen = {}
    for c in mf.course_cards:
        if c.card_id in seen:
            yield _err("duplicate_card_id", "course_cards", c.row, "card_id", c.card_id, first_row=seen[c.card_id])
        seen.setdefault(c.card_id, c.row)
        if c.member_id not in ids:
            yield _err("unknown_member", "course_cards", c.row, "member_id", c.member_id)
        if c.sessions <= 0:
            yield _err("sessions_not_positive", "course_cards", c.row, "sessions", c.sessions)
        if c.bought > ctx.today:
            yield _err("future_date", "course_cards", c.row, "bought", c.bought, today=ctx.today.isoformat())
        if c.price is not None and c.price < _ZERO:
            yield _err("negative_amount", "course_cards", c.row, "price", c.price, type="course card")


def check_notes_and_opt_outs(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    ids = {m.member_id for m in mf.members}
    for n in mf.call_notes:
        if n.member_id not in ids:
            yield _err("unknown_member", "call_notes", n.row, "member_id", n.member_id)
        if n.day > ctx.today:
            yield _err("future_date", "call_notes", n.row, "date", n.day, today=ctx.today.isoformat())
    for o in mf.opt_outs:
        if o.member_id is not None and o.member_id not in ids:
            yield _warn("unknown_member", "opt_outs", o.row, "member_id", o.member_id)
    seen: dict[str, int] = {}
    for e in mf.events:
        if e.event_id in seen:
            yield _err("duplicate_event_id", "events", e.row, "event_id", e.event_id, first_row=seen[e.event_id])
        seen.setdefault(e.event_id, e.row)


def check_vouchers(mf: MemberFile, ctx: Context) -> Iterator[Problem]:
    """The Vouchers sheet (unique IDs, known holders, an end not before the start), every use of a
    voucher on Transactions, and the Event attendance sheet (known events and members)."""
    ids = {m.member_id for m in mf.members}
    seen: dict[str, int] = {}
    for v in mf.vouchers:
        if v.voucher_id in seen:
            yield _err("duplicate_voucher_id", v.sheet, v.row, "voucher_id", v.voucher_id, first_row=seen[v.voucher_id])
        seen.setdefault(v.voucher_id, v.row)
        if v.member_id not in ids:
            yield _err("unknown_member", v.sheet, v.row, "member_id", v.member_id)
        if v.valid_until is not None and v.valid_until < v.issued:
            yield _err("voucher_ends_before_issue", v.sheet, v.row, "valid_until", v.valid_until, issued=v.issued)
    yield from voucher_use_problems(mf.vouchers, mf.txns)
    events = {e.event_id for e in mf.events}
    for a in mf.attendance:
        if a.event_id not in events:
            yield _err("unknown_event", "attendance", a.row, "event_id", a.event_id)
        if a.member_id not in ids:
            yield _err("unknown_member", "attendance", a.row, "member_id", a.member_id)


CHECKS: tuple[Callable[[MemberFile, Context], Iterable[Problem]], ...] = (
    check_member_ids,
    check_members,
    check_family,
    check_referrals,
    check_stores,
    check_transactions,
    check_cards,
    check_notes_and_opt_outs,
    check_vouchers,
)


def validate(mf: MemberFile, ctx: Context) -> list[Problem]:
    """Every problem in the member file: those found reading cells, then those across rows."""
    problems = list(mf.problems)
    for check in CHECKS:
        problems.extend(check(mf, ctx))
    return problems
