"""The rules pass in independent parts, so two cores can share a big member file's problems.

Members are independent of each other except along a few links: a family card (``Family of``), a
referral (``Referred by``), and a gift or course card (who was given it, and who paid or came with
it). Members joined by any chain of links form a group; every group goes whole into one part, so a
part evaluated alone finds exactly the problems the whole file has in that part's rows. Two things
are file-wide and passed to every part: the first day of the book (where tier years start counting)
and the set of all member IDs (a lifetime tier for an ID that is nowhere in the file).

``problems_in_parts`` is :func:`~loyalsheet.rules.engine.evaluate`'s problems, the same list in the
same order, computed with a forked worker for one part while this process does the other (the split
is worked out once, here, before the fork: the worker inherits it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import compress, repeat
from operator import attrgetter, eq

from ..model import MemberFile, Problem
from ..parallel import Forked
from .engine import evaluate_part, problem_order
from .settings import RulesSettings

_MEMBER, _GIFT_CARD, _COURSE_CARD, _DAY = (
    attrgetter("member_id"), attrgetter("gift_card"), attrgetter("course_card"), attrgetter("day"))


class _Groups:
    """Union-find over member IDs and card IDs (cards as ("g", id) and ("c", id))."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        parent = self.parent
        root = x
        while (up := parent.get(root, root)) != root:
            root = up
        while (up := parent.get(x, x)) != root:  # path compression
            parent[x] = root
            x = up
        return root

    def join(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


@dataclass(frozen=True)
class Split:
    """Which part each member ID is in, and what every part needs to know of the whole file."""

    part_of: dict[str, int]
    parts: int
    first_day: date | None
    all_ids: frozenset[str]
    card_part: dict[tuple[str, str], int]  # ("g" or "c", card ID) -> the part of the group the card is in
    txn_parts: list[int] = field(repr=False, compare=False)  # each transaction's part (-1: none), in row order

    def member_file(self, mf: MemberFile, part: int) -> MemberFile:
        """The rows of ``mf`` that belong to ``part`` (rows of unknown members belong to none)."""
        member_parts = map(self.part_of.get, map(_MEMBER, mf.members), repeat(-1))
        return replace(
            mf,
            members=tuple(compress(mf.members, map(eq, member_parts, repeat(part)))),
            txns=tuple(compress(mf.txns, map(eq, self.txn_parts, repeat(part)))),
            # a card goes with its group (its giver's, and the members' who used it), even when the giver
            # is not a member of the file; a card of no member's group goes to the first part
            gift_cards=tuple(g for g in mf.gift_cards if self.card_part.get(("g", g.card_id), 0) == part),
            course_cards=tuple(c for c in mf.course_cards if self.card_part.get(("c", c.card_id), 0) == part),
        )

    def problems(self, mf: MemberFile, part: int, settings: RulesSettings, today: date) -> list[Problem]:
        ev = evaluate_part(self.member_file(mf, part), settings, today, first_day=self.first_day,
                           all_ids=self.all_ids, global_warnings=part == 0, problems_only=True)
        return list(ev.problems)


def split(mf: MemberFile, parts: int, weights: Sequence[float] | None = None) -> Split:
    """Divide ``mf``'s members into ``parts`` parts of linked groups, each part's share of the
    transactions close to its weight (equal by default)."""
    groups = _Groups()
    join = groups.join
    for m in mf.members:
        if m.family_of:
            join(m.member_id, m.family_of)
        if m.referred_by:
            join(m.member_id, m.referred_by)
    for g in mf.gift_cards:
        join(g.member_id, ("g", g.card_id))
    for c in mf.course_cards:
        join(c.member_id, ("c", c.card_id))
    txns = mf.txns
    for t in compress(txns, map(_GIFT_CARD, txns)):
        join(t.member_id, ("g", t.gift_card))
    for t in compress(txns, map(_COURSE_CARD, txns)):
        join(t.member_id, ("c", t.course_card))

    txn_ids = list(map(_MEMBER, txns))
    size = Counter(txn_ids)  # rows per member, counted in C
    find, linked = groups.find, groups.parent
    root_of = {mid: find(mid) if mid in linked else mid for mid in dict.fromkeys(map(_MEMBER, mf.members))}
    load: dict[object, int] = {}
    for mid, root in root_of.items():
        load[root] = load.get(root, 0) + size.get(mid, 0) + 1
    w = [max(x, 1e-9) for x in weights] if weights is not None else [1.0] * parts
    filled = [0.0] * parts
    part_of_root: dict[object, int] = {}
    for root in sorted(load, key=load.__getitem__, reverse=True):  # biggest groups first, each to the part
        p = 0                                                          # furthest behind its share
        for k in range(1, parts):
            if filled[k] / w[k] < filled[p] / w[p]:
                p = k
        part_of_root[root] = p
        filled[p] += load[root]
    part_of = {mid: part_of_root[root] for mid, root in root_of.items()}
    return Split(
        part_of=part_of,
        parts=parts,
        first_day=min(map(_DAY, txns), default=None),
        all_ids=frozenset(root_of),
        card_part={card: part_of_root.get(find(card), 0) for card in [
            *(("g", g.card_id) for g in mf.gift_cards), *(("c", c.card_id) for c in mf.course_cards)]},
        txn_parts=list(map(part_of.get, txn_ids, repeat(-1))),
    )


def _worker_part(plan: Split, mf: MemberFile, settings: RulesSettings, today: date) -> list[Problem]:
    return plan.problems(mf, 1, settings, today)


def problems_in_parts(mf: MemberFile, settings: RulesSettings, today: date, *,
                      meanwhile: Callable[[], list[Problem]] | None = None,
                      worker_share: float = 0.5) -> tuple[list[Problem], list[Problem]]:
    """What ``meanwhile()`` finds, and what :func:`evaluate` finds wrong in ``mf`` in its order: the
    groups are split here, then a forked worker evaluates ``worker_share`` of the rows while this
    process runs ``meanwhile()`` and evaluates the rest (without a worker, all of it is done here).
    (``meanwhile`` runs here, not in the worker: a pass over every row in the worker would copy every
    page of them, which the fork shares.)"""
    plan = split(mf, 2, (1 - worker_share, worker_share))
    with Forked(_worker_part, plan, mf, settings, today) as worker:
        beside = meanwhile() if meanwhile is not None else []
        found = plan.problems(mf, 0, settings, today)
        found.extend(worker.result())
    found.sort(key=problem_order)  # stable: each part's problems keep their order among equals
    return beside, found
