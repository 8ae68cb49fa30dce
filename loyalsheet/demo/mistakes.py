"""Planted mistakes: about a dozen typical typing mistakes put into a demo book on purpose, each recorded
with the exact cell and the problem code ``check`` should report for it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import LoyalsheetError
from .generator import _Generator
from .personas import POTENTIAL
from .state import _Member
from .words import CARD, CASH, CATEGORIES, FEMALE, GIFT_CARD, MALE, PURCHASE, REFUND, SPEND, YES

MIN_MEMBERS_FOR_MISTAKES = 10  # from about 50 members on, each mistake has a member of its own


@dataclass(frozen=True)
class PlantedMistake:
    """One typing mistake put into a demo book on purpose, and the problem ``check`` should find there."""

    sheet: str  # sheet key, e.g. "members"
    row: int  # 1-based sheet row: the header is row 1, the first data row is 2
    column: str  # column key, e.g. "phone"
    code: str  # the problem code check reports
    description: str  # English, for people


@dataclass
class _Plant:
    row: list[Any]
    sheet: str
    column: str
    code: str
    description: str


def _free_id(prefix: str, taken: set[str], width: int) -> str:
    candidate = prefix + "9" * width
    while candidate in taken:
        candidate = prefix + "9" + candidate[len(prefix) :]
    return candidate


def _plant_mistakes(gen: _Generator, rng: random.Random) -> list[_Plant]:
    """Fourteen typical typing mistakes, one per member, on members no other sheet names."""
    plants: list[_Plant] = []
    used: set[int] = set()
    members = gen.members
    clean = [m for m in members if not m.referenced and m.membership == SPEND and m.holder is None]
    rng.shuffle(clean)

    def take(want: Callable[[_Member], bool]) -> _Member:
        # A member of its own that fits; in a tiny book, one that fits anyway; at worst, anyone.
        for pool, fresh, fussy in ((clean, True, True), (members, True, True), (members, False, True),
                                   (members, True, False), (members, False, False)):  # fmt: skip
            for m in pool:
                if (not fresh or m.idx not in used) and (not fussy or want(m)):
                    used.add(m.idx)
                    return m
        raise LoyalsheetError("demo_too_small", members=len(members), minimum=MIN_MEMBERS_FOR_MISTAKES)

    def any_day(m: _Member) -> int:
        lo = max(m.joined, gen.start)
        return lo + int(rng.random() * (gen.end - lo + 1))

    # Members sheet: cells typed wrong
    m = take(lambda m: m.phone_text is not None and m.email is not None and m.phone_text.isdigit())
    m.row[2] = f"{m.phone_text[:3]}****{m.phone_text[7:]}" if m.phone_text else "138****5678"
    plants.append(_Plant(m.row, "members", "phone", "phone_unreadable", "phone copied masked from a receipt"))

    m = take(lambda m: m.phone_text is not None and m.email is not None)
    m.row[3] = str(m.email).replace("@", "@@")
    plants.append(_Plant(m.row, "members", "email", "email_unreadable", "e-mail with a doubled @"))

    m = take(lambda m: not m.lunar)
    m.row[5] = f"{gen.today.year - rng.randint(25, 50)}-02-30"
    m.row[6] = None
    plants.append(_Plant(m.row, "members", "birthday", "date_impossible", "birthday on 30 February"))

    m = take(lambda m: m.persona == POTENTIAL)
    m.row[1] = None
    plants.append(_Plant(m.row, "members", "name", "required_missing", "member without a name"))

    m = take(lambda m: True)
    m.row[11] = m.mid
    plants.append(_Plant(m.row, "members", "family_of", "family_self", "Family of is the member's own id"))

    original = take(lambda m: m.persona == POTENTIAL)
    female = rng.random() < 0.85
    name, _ = gen.new_name(female, False)
    phone, _ = gen.new_phone("CN")
    joined = date.fromordinal(max(original.joined, gen.end - rng.randint(0, 60)))
    gender = FEMALE if female else MALE
    dup: list[Any] = [original.mid, name, phone, None, gender, None, None, joined, original.store, SPEND]
    dup += [None] * (len(original.row) - len(dup))
    at = rng.randint(original.idx + 1, len(gen.member_rows))
    gen.member_rows.insert(at, dup)
    plants.append(_Plant(dup, "members", "member_id", "duplicate_member_id", "new member given an id already in use"))

    # Transactions sheet: rows typed wrong, each otherwise a plain cash purchase
    def buyer() -> _Member:
        return take(lambda m: bool(m.purchases) and not m.redeemed)

    def purchase(m: _Member, day: int, amount: object, **cells: object) -> list[Any]:
        row = gen.txn(m, gen.at(day), PURCHASE, amount, paid_with=CASH, category=rng.choice(CATEGORIES), **cells)
        gen.txn_extras.append(row)
        return row

    ids = {m.mid for m in members}
    m = buyer()
    row = purchase(m, any_day(m), 268)
    row[1] = _free_id("M", ids, 5)
    plants.append(_Plant(row, "transactions", "member_id", "unknown_member", "purchase for a member id nobody has"))

    m = buyer()
    row = gen.txn(m, gen.at(gen.end + 30), PURCHASE, 398, paid_with=CASH, category=CATEGORIES[0])
    gen.txn_extras.append(row)
    plants.append(_Plant(row, "transactions", "date", "future_date", "purchase dated 30 days ahead"))

    m = take(
        lambda m: (
            not m.redeemed
            and all(e[2] != REFUND for e in m.extras)
            and any(r[5] in (CASH, CARD, None) and r[9] != YES and r[3] >= 120 for r in m.purchases)
        )
    )
    first = next((r for r in m.purchases if r[5] in (CASH, CARD, None) and r[9] != YES and r[3] >= 120), None)
    day = min(gen.end, first[0].toordinal() + rng.randint(1, 10)) if first else any_day(m)
    row = purchase(m, day, -120, note="退货")
    plants.append(_Plant(row, "transactions", "amount", "negative_amount", "a refund typed as a purchase of -120"))

    m = buyer()
    row = purchase(m, any_day(m), "一百二")
    plants.append(_Plant(row, "transactions", "amount", "money_unreadable", "amount written in words"))

    m = buyer()
    card = _free_id("G", {str(c[0]) for c in gen.gift_cards}, 4)
    row = purchase(m, any_day(m), 200)
    row[5], row[6] = GIFT_CARD, card
    plants.append(
        _Plant(row, "transactions", "gift_card", "gift_card_unknown", f"paid with gift card {card}, never issued")
    )

    m = buyer()
    store = next(s for s in ("总店", "总部", "老店", "一号店") if s not in gen.stores)
    row = purchase(m, any_day(m), 168, store=store)
    plants.append(_Plant(row, "transactions", "store", "store_unknown", f"store {store} is not in config.yaml"))

    m = buyer()
    row = purchase(m, any_day(m), 88)
    row[2] = "买东西"
    plants.append(_Plant(row, "transactions", "type", "choice_unknown", "transaction type not one of the choices"))

    # Opt-outs sheet: a date in words
    m = take(lambda m: True)
    row = ["上周三", m.mid, None, None, "sms", "前台登记"]
    gen.opt_outs.append(row)
    plants.append(_Plant(row, "opt_outs", "date", "date_unreadable", "opt-out date written as 'last Wednesday'"))
    return plants
