"""The public generator: :func:`generate` makes a demo book's rows (a ``DemoBook``) from its arguments."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from ..demo_effect import History, message_history
from ..errors import LoyalsheetError
from .generator import _Generator
from .mistakes import MIN_MEMBERS_FOR_MISTAKES, PlantedMistake, _plant_mistakes
from .words import CATEGORIES, PURCHASE


@dataclass(frozen=True)
class DemoBook:
    """Rows for every sheet (sheet key -> rows in the schema's column order) and the planted mistakes."""

    rows: dict[str, list[list[object]]]
    mistakes: tuple[PlantedMistake, ...]
    history: History | None = None  # the months of messages before today (the send ledger's rows)


def generate(
    *,
    members: int = 600,
    years: int = 2,
    seed: int = 2026,
    today: date,
    stores: Sequence[str] = ("旗舰店",),
    with_mistakes: bool = False,
    history: bool = False,
) -> DemoBook:
    """A demo shop's member file: ``members`` people and about 5 transactions each per year of history.

    ``today`` is the last day with transactions; events and paid-until dates reach past it. The same
    arguments always give the same rows. ``with_mistakes`` plants typing mistakes (see the module doc);
    ``history`` adds months of sent messages and the purchases they brought (:mod:`.demo_effect`).
    """
    if members < 0:
        raise ValueError("members must be 0 or more")
    if years < 1:
        raise ValueError("years must be 1 or more")
    store_names = tuple(stores)
    if not store_names:
        raise ValueError("at least one store is needed")
    if with_mistakes and members < MIN_MEMBERS_FOR_MISTAKES:
        raise LoyalsheetError("demo_too_small", members=members, minimum=MIN_MEMBERS_FOR_MISTAKES)
    gen = _Generator(random.Random(seed), today, years, store_names)
    gen.run(members)
    plants = _plant_mistakes(gen, random.Random(f"loyalsheet-demo-mistakes-{seed}")) if with_mistakes else []
    rows: dict[str, list[list[object]]] = {
        "members": gen.member_rows,
        "transactions": gen.transactions(),
        "gift_cards": gen.gift_cards,
        "course_cards": gen.course_cards,
        "events": gen.events,
        "call_notes": gen.call_notes,
        "attendance": gen.attendance,
        "opt_outs": gen.opt_outs,
        "vouchers": gen.vouchers,
    }
    sent = None
    if history:
        sent = message_history(gen.member_rows, rows["transactions"], gen.events, today, seed, PURCHASE, gen.staff,
                               CATEGORIES)
        rows["transactions"] = sorted([*rows["transactions"], *sent.extra_txns], key=itemgetter(0))
    where: dict[int, int] = {}
    wanted = {id(p.row) for p in plants}
    for key in {p.sheet for p in plants}:
        for n, row in enumerate(rows[key], start=2):
            if id(row) in wanted:
                where[id(row)] = n
    mistakes = tuple(
        PlantedMistake(p.sheet, where[id(p.row)], p.column, p.code, p.description)
        for p in sorted(plants, key=lambda p: (p.sheet != "members", p.sheet, where[id(p.row)]))
    )
    return DemoBook(rows=rows, mistakes=mistakes, history=sent)
