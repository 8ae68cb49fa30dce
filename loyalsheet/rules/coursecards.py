"""Course cards (次卡 / 疗程卡): prepaid sessions of one service, used one transaction at a time.

Each transaction of type session names its card in 'Course card'. Sessions left = bought - used.
A session before the card was bought, after its 'Valid until' day, or beyond the sessions bought is
a problem on the row's Course card cell (it is still counted as used: it happened). A session by
someone other than the owner or the owner's family is a warning. Cards with sessions left that
expire within ``course_cards.remind_days`` days, or that have had no session for
``course_cards.idle_weeks`` weeks, are listed for reminders.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..model import CourseCard, Problem, Severity, Txn
from .explain import Reason


class CourseStatus(enum.StrEnum):
    ACTIVE = "active"
    USED_UP = "used up"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class CourseCardState:
    card_id: str
    member_id: str
    row: int
    service: str
    sessions: int
    used: int
    left: int
    price: Decimal | None
    bought: date
    valid_until: date | None
    last_used: date | None
    status: CourseStatus

    @property
    def why(self) -> Reason:
        """Rendered: facial card CC01: 3 of 10 sessions used, 7 left, good through 2026-12-31."""
        params = {
            "card_id": self.card_id,
            "service": self.service,
            "sessions": self.sessions,
            "used": self.used,
            "left": self.left,
            "until": self.valid_until,
        }
        if self.status is CourseStatus.EXPIRED:
            return Reason("why.course_card_expired", params)
        if self.valid_until is None:
            return Reason("why.course_card_open", params)
        return Reason("why.course_card_state", params)


def _session_problem(code: str, t: Txn, severity: Severity = Severity.ERROR, **params: object) -> Problem:
    return Problem(
        severity,
        code,
        "transactions",
        t.row,
        "course_card",
        t.course_card,
        {"member_id": t.member_id, "card_id": t.course_card, "day": t.day, **params},
    )


def course_card_states(
    cards: Sequence[CourseCard],
    sessions: Mapping[str, list[Txn]],
    holder_of: Mapping[str, str],
    today: date,
    problems: list[Problem],
) -> dict[str, CourseCardState]:
    """Every card bought by ``today``, by card id; problems for sessions that should not have been."""
    by_id: dict[str, CourseCard] = {}
    for card in sorted(cards, key=lambda c: c.row):
        by_id.setdefault(card.card_id, card)  # validation reports a repeated card id; the first row counts

    states: dict[str, CourseCardState] = {}
    for card_id, card in by_id.items():
        used = 0
        last: date | None = None
        owner_family = holder_of.get(card.member_id, card.member_id)
        for t in sorted(sessions.get(card_id, ()), key=lambda t: (t.day, t.row)):
            used += 1
            last = t.day
            if t.day < card.bought:
                problems.append(_session_problem("course_card_not_yet_bought", t, bought=card.bought))
            elif card.valid_until is not None and t.day > card.valid_until:
                problems.append(_session_problem("course_card_expired", t, valid_until=card.valid_until))
            if used > card.sessions:
                problems.append(_session_problem("course_card_used_up", t, sessions=card.sessions, used=used))
            if t.member_id != card.member_id and holder_of.get(t.member_id, t.member_id) != owner_family:
                problems.append(_session_problem("course_card_other_member", t, Severity.WARNING, owner=card.member_id))
        if card.bought > today:
            continue
        left = max(card.sessions - used, 0)
        if left == 0:
            status = CourseStatus.USED_UP
        elif card.valid_until is not None and today > card.valid_until:
            status = CourseStatus.EXPIRED
        else:
            status = CourseStatus.ACTIVE
        states[card_id] = CourseCardState(
            card_id=card_id,
            member_id=card.member_id,
            row=card.row,
            service=card.service,
            sessions=card.sessions,
            used=used,
            left=left,
            price=card.price,
            bought=card.bought,
            valid_until=card.valid_until,
            last_used=last,
            status=status,
        )
    return states


class ReminderKind(enum.StrEnum):
    EXPIRING = "expiring"
    IDLE = "idle"


@dataclass(frozen=True, slots=True)
class CourseCardReminder:
    card: CourseCardState
    kind: ReminderKind
    days: int  # EXPIRING: days until the last good day; IDLE: days since the last session (or purchase)

    @property
    def why(self) -> Reason:
        """Rendered: facial card CC01: 7 sessions left, card ends 2026-12-31 (in 20 days)."""
        params = {
            "card_id": self.card.card_id,
            "service": self.card.service,
            "left": self.card.left,
            "until": self.card.valid_until,
            "days": self.days,
            "weeks": self.days // 7,
            "since": self.card.last_used or self.card.bought,
        }
        code = "why.course_card_expiring" if self.kind is ReminderKind.EXPIRING else "why.course_card_idle"
        return Reason(code, params)


def course_card_reminders(
    states: Iterable[CourseCardState], today: date, remind_days: int, idle_weeks: int
) -> tuple[CourseCardReminder, ...]:
    """Active cards with sessions left that expire soon, or have not been used for ``idle_weeks`` weeks."""
    out = []
    idle_since = today - timedelta(weeks=idle_weeks)
    for s in states:
        if s.status is not CourseStatus.ACTIVE:
            continue
        if s.valid_until is not None and (s.valid_until - today).days <= remind_days:
            out.append(CourseCardReminder(s, ReminderKind.EXPIRING, (s.valid_until - today).days))
        else:
            last = s.last_used or s.bought
            if last <= idle_since:
                out.append(CourseCardReminder(s, ReminderKind.IDLE, (today - last).days))
    return tuple(
        sorted(
            out,
            key=lambda r: (
                r.kind != ReminderKind.EXPIRING,
                r.days if r.kind == ReminderKind.EXPIRING else -r.days,
                r.card.card_id,
            ),
        )
    )
