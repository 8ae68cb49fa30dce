"""Vouchers: which are open, used or expired on a day, and what is wrong with their uses. Pure.

A voucher (优惠券 / 代金券) is used on the Transactions row that names it in its Voucher column. The
first use on or after the day it was issued and on or before its Valid until day uses it up; any use
before it was issued, after it lapsed, or after it was used is a problem (``check`` reports each at its
cell). A voucher not used is open from its issue day through its Valid until day (no day: no end), and
expired after.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import compress
from operator import attrgetter, is_not

from ..model import Problem, Severity, Txn, Voucher, VoucherKind
from .explain import Reason

_VOUCHER = attrgetter("voucher")


class VoucherState(enum.StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    NOT_YET = "not yet"  # issued after the day asked about


@dataclass(frozen=True, slots=True)
class VoucherStatus:
    voucher: Voucher
    state: VoucherState
    used_on: date | None = None
    used_row: int | None = None

    def days_left(self, today: date) -> int | None:
        """Days until it lapses (0: its last day), for an open voucher with an end."""
        end = self.voucher.valid_until
        return None if end is None or self.state is not VoucherState.OPEN else (end - today).days


def voucher_uses(txns: Sequence[Txn]) -> dict[str, list[Txn]]:
    """Voucher ID -> the rows that name it, by day then row. Only those rows are looked at one by one."""
    named = list(map(_VOUCHER, txns))
    uses: dict[str, list[Txn]] = {}
    for i in compress(range(len(txns)), map(is_not, named, [None] * len(named))):
        uses.setdefault(named[i] or "", []).append(txns[i])
    for rows in uses.values():
        rows.sort(key=lambda t: (t.day, t.row))
    return uses


def _valid_use(v: Voucher, t: Txn) -> bool:
    return t.day >= v.issued and (v.valid_until is None or t.day <= v.valid_until)


def voucher_status(v: Voucher, uses: Sequence[Txn], today: date) -> VoucherStatus:
    """The state of one voucher on ``today`` given the rows that name it (by day, then row)."""
    for t in uses:
        if t.day <= today and _valid_use(v, t):
            return VoucherStatus(v, VoucherState.USED, t.day, t.row)
    if v.issued > today:
        return VoucherStatus(v, VoucherState.NOT_YET)
    if v.valid_until is not None and v.valid_until < today:
        return VoucherStatus(v, VoucherState.EXPIRED)
    return VoucherStatus(v, VoucherState.OPEN)


def voucher_statuses(vouchers: Iterable[Voucher], txns: Sequence[Txn], today: date) -> dict[str, list[VoucherStatus]]:
    """Member ID -> the state of each of their vouchers on ``today``, in sheet order. A voucher ID given
    twice counts once (its first row: ``check`` reports the second)."""
    uses = voucher_uses(txns)
    out: dict[str, list[VoucherStatus]] = {}
    seen: set[str] = set()
    for v in vouchers:
        if v.voucher_id in seen:
            continue
        seen.add(v.voucher_id)
        out.setdefault(v.member_id, []).append(voucher_status(v, uses.get(v.voucher_id, ()), today))
    return out


def open_vouchers(statuses: Iterable[VoucherStatus]) -> list[VoucherStatus]:
    """The open ones, lapsing soonest first (no end: last)."""
    return sorted((s for s in statuses if s.state is VoucherState.OPEN),
                  key=lambda s: (s.voucher.valid_until or date.max, s.voucher.row))


def _problem(code: str, row: int, value: object, **params: object) -> Problem:
    return Problem(Severity.ERROR, code, "transactions", row, "voucher", value, params)


def voucher_use_problems(vouchers: Iterable[Voucher], txns: Sequence[Txn],
                         uses: Mapping[str, list[Txn]] | None = None) -> Iterator[Problem]:
    """Each wrong use of a voucher, at the Transactions row's Voucher cell: no such voucher, a use
    before it was issued, after it lapsed, or after it was already used; a use by another member is a
    warning (a voucher may be handed on, but usually it is a typo)."""
    by_id: dict[str, Voucher] = {}
    for v in vouchers:
        by_id.setdefault(v.voucher_id, v)
    for voucher_id, rows in (voucher_uses(txns) if uses is None else uses).items():
        held = by_id.get(voucher_id)
        if held is None:
            for t in rows:
                yield _problem("voucher_unknown", t.row, voucher_id)
            continue
        v = held
        used: Txn | None = None
        for t in rows:
            if t.day < v.issued:
                yield _problem("voucher_used_early", t.row, voucher_id, issued=v.issued)
            elif v.valid_until is not None and t.day > v.valid_until:
                yield _problem("voucher_used_expired", t.row, voucher_id, valid_until=v.valid_until)
            elif used is not None:
                yield _problem("voucher_used_twice", t.row, voucher_id, first_row=used.row, first_day=used.day)
            else:
                used = t
            if t.member_id != v.member_id:
                yield Problem(Severity.WARNING, "voucher_other_member", "transactions", t.row, "voucher", voucher_id,
                              {"holder": v.member_id})


def voucher_what(v: Voucher) -> Reason:
    """Rendered: V0012：50 代金券 / V0012: 50 off; 88折扣券 / 12% off; 礼品券（护手霜）."""
    if v.kind is VoucherKind.CASH:
        return Reason("benefit.voucher_cash", {"voucher_id": v.voucher_id, "value": v.value or Decimal(0)})
    if v.kind is VoucherKind.PERCENT:
        off = v.value or Decimal(0)
        factor = (100 - off) / 100
        return Reason("benefit.voucher_percent", {"voucher_id": v.voucher_id, "value": f"{off:f}",
                                                  "zhe": zhe(factor).removesuffix("折")})
    return Reason("benefit.voucher_gift", {"voucher_id": v.voucher_id, "gift": v.gift or ""})


def voucher_reason(status: VoucherStatus, today: date) -> Reason:
    """An open voucher as the front desk says it: what it is and until when."""
    what = voucher_what(status.voucher)
    end = status.voucher.valid_until
    if end is None:
        return Reason("benefit.voucher_open_ended", {"what": what})
    return Reason("benefit.voucher_until", {"what": what, "until": end, "days": (end - today).days})


def zhe(factor: Decimal) -> str:
    """A discount factor as Chinese shops say it: 0.88 -> 88折, 0.9 -> 9折, 0.85 -> 85折."""
    tenths = (factor * 100).normalize()
    text = f"{tenths:f}".rstrip("0").rstrip(".") if tenths % 10 == 0 else f"{tenths:f}"
    return f"{text}折"


_PERCENT_TEXT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(%|折)?\s*")


def percent_off(text: str) -> Decimal | None:
    """``10``, ``10%`` -> 10; ``9折`` -> 10; ``88折`` -> 12; None when it is not a percentage off (0-100)."""
    m = _PERCENT_TEXT.fullmatch(text)
    if m is None:
        return None
    n = Decimal(m.group(1))
    off = ((10 - n) * 10 if n < 10 else 100 - n) if m.group(2) == "折" else n
    return off if 0 < off < 100 else None


# Campaigns that may give a voucher with their message, and the letters its number starts with.
ISSUING_CAMPAIGNS: dict[str, tuple[str, str]] = {"birthday": ("BD", "birthday"), "winback": ("WB", "win-back")}


def issued_voucher_id(campaign: str, member_id: str, occasion: str) -> str:
    """The number of the voucher a campaign's message gives: one per message key
    (``birthday:M00042:2026`` -> ``BD2026-M00042``; ``winback:M00042:2026-01-10`` -> ``WB260110-M00042``),
    so working it out again on another day or run gives the same voucher, never a second one."""
    digits = "".join(ch for ch in occasion if ch.isdigit())
    return f"{ISSUING_CAMPAIGNS[campaign][0]}{digits[-6:]}-{member_id}"


def issued_voucher(campaign: str, member_id: str, occasion: str, kind: str, value: str, valid_days: int,
                   day: date) -> Voucher:
    """The voucher a campaign's message gives on ``day`` (the day it goes), good for ``valid_days`` days."""
    vk = VoucherKind(kind)
    amount = Decimal(value) if vk is VoucherKind.CASH else percent_off(value) if vk is VoucherKind.PERCENT else None
    return Voucher(0, issued_voucher_id(campaign, member_id, occasion), member_id, vk, day, amount,
                   value if vk is VoucherKind.GIFT else None, day + timedelta(days=valid_days - 1),
                   ISSUING_CAMPAIGNS[campaign][1], f"{campaign}:{member_id}:{occasion}", "vouchers_issued")
