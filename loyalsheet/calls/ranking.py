"""Rank this week's calls by what a call is worth now, and cut the list at the store's capacity.

A household (family members sharing a card holder's card, Members ``family_of``) is one call, under
the card holder, naming who in it is due. A call ranks by its most urgent reason:

1. the reason's kind, in ``call_list.order`` (default: 3-day follow-up, satisfaction call, churn,
   birthday, expiring value, paid year ending, 3-week and 3-month follow-ups, friends card, event
   invitations);
2. within a kind, calls carried over first: members who did not fit an earlier week, or did not
   answer (tried again);
3. then the reason's own urgency (a follow-up whose moment is passing, a member further behind
   their own rhythm, a lapse or birthday sooner, a guest more likely to come);
4. then lifetime spend, then member ID (so the order never depends on the sheet's row order).

The first ``capacity`` calls make the list; the rest wait, counted, and go first in their kind next week.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..model import CallNote, Member
from .outcomes import CallOutcome
from .reasons import Reason
from .settings import CALL_KINDS


@dataclass(frozen=True)
class Call:
    member: Member  # who is phoned: the card holder, for a household
    reasons: tuple[Reason, ...]  # most urgent first
    value: int  # lifetime spend (cents) of the household
    waiting_since: date | None  # first listed or queued (carried over), else None
    retry: CallNote | CallOutcome | None  # the no-answer being tried again

    @property
    def first(self) -> Reason:
        return self.reasons[0]

    @property
    def carried(self) -> bool:
        return self.waiting_since is not None or self.retry is not None


def households(reasons: Mapping[str, list[Reason]], members: Mapping[str, Member],
               skip: set[str]) -> dict[str, list[Reason]]:
    """Reasons grouped under who is phoned: a family member's go to their card holder (unless the card
    holder said do not call: then to the member themselves)."""
    out: dict[str, list[Reason]] = {}
    for member_id, rs in reasons.items():
        m = members.get(member_id)
        head = member_id
        if m is not None and m.family_of and m.family_of in members and m.family_of not in skip:
            head = m.family_of
        out.setdefault(head, []).extend(rs)
    return out


def rank(grouped: Mapping[str, list[Reason]], members: Mapping[str, Member], order: Sequence[str],
         value: Mapping[str, int], waiting: Mapping[str, date],
         retry: Mapping[str, CallNote | CallOutcome], limit: int | None = None) -> tuple[list[Call], int]:
    """The calls most worth making first (see the module's docstring): the first ``limit`` of them (all
    when None), and how many there are. Only those are built whole: a chain has tens of thousands."""
    full = [*order, *(k for k in CALL_KINDS if k not in order)]  # kinds left out follow in the default order
    place = {kind: i for i, kind in enumerate(full)}
    last = len(full)

    def reason_key(r: Reason) -> tuple[int, float, str]:
        return place.get(r.kind, last), -r.urgency, r.member_id

    keyed = []
    for head, rs in grouped.items():
        if head not in members or not rs:
            continue
        best = min(rs, key=reason_key) if len(rs) > 1 else rs[0]
        kind, urgency, _ = reason_key(best)
        carried = head in waiting or head in retry or any(r.member_id in waiting or r.member_id in retry for r in rs)
        keyed.append(((kind, 0 if carried else 1, urgency, -sum(value.get(i, 0) for i in {head, *(r.member_id for r in rs)}),
                       head), head))
    chosen = heapq.nsmallest(limit, keyed) if limit is not None and limit < len(keyed) else sorted(keyed)
    calls = []
    for key, head in chosen:
        rs = grouped[head]
        ids = {r.member_id for r in rs} | {head}
        since = min((waiting[i] for i in ids if i in waiting), default=None)
        tried = next((retry[i] for i in sorted(ids) if i in retry), None)
        calls.append(Call(members[head], tuple(sorted(rs, key=reason_key)), -key[3], since, tried))
    return calls, len(keyed)


def cut(calls: Sequence[Call], capacity: int) -> tuple[list[Call], list[Call]]:
    """The calls that fit this week, and (the first of) those that wait."""
    return list(calls[:capacity]), list(calls[capacity:])
