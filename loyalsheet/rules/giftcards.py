"""Friends-and-family gift cards: a member gives a card, a friend spends it.

A card is good from its issue day through the same day ``valid_months`` later (the row's Valid
months, or ``gift_cards.valid_months``); once the friend has registered it no longer lapses (when
``gift_cards.registered_keeps_valid``). It may pay for anything except special offers and the
categories config excludes. Payments (purchases and annual fees paid with the card) lower its
balance, refunds to the card raise it. A payment made before issue, after the card lapsed, on a
special offer or excluded category, or beyond the balance is a problem on its cell; the payment
still counts against the card, because the till took it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..model import GiftCard, Problem, Severity, Txn, TxnType
from .days import add_months
from .explain import Reason
from .money import cents, money
from .settings import GiftCardSettings


class CardStatus(enum.StrEnum):
    ACTIVE = "active"
    USED_UP = "used up"
    LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class GiftCardState:
    card_id: str
    giver: str
    row: int
    issued: date
    value: Decimal
    expires: date | None  # last good day; None: kept valid because the friend registered
    kept_valid: bool
    balance: Decimal
    used: Decimal  # paid with the card, less refunds to it
    uses: int
    last_used: date | None
    status: CardStatus
    friend_name: str | None

    @property
    def why(self) -> Reason:
        """Rendered: card GC001: 350 of 600 left, good through 2026-04-15."""
        params = {
            "card_id": self.card_id,
            "balance": self.balance,
            "value": self.value,
            "until": self.expires,
            "last_used": self.last_used,
        }
        if self.status is CardStatus.USED_UP:
            return Reason("why.gift_card_used_up", params)
        if self.status is CardStatus.LAPSED:
            return Reason("why.gift_card_lapsed", params)
        if self.kept_valid:
            return Reason("why.gift_card_kept", params)
        return Reason("why.gift_card_active", params)

    def days_left(self, today: date) -> int | None:
        return None if self.expires is None else (self.expires - today).days


def _use_problem(code: str, t: Txn, column: str, value: object, **params: object) -> Problem:
    return Problem(
        Severity.ERROR,
        code,
        "transactions",
        t.row,
        column,
        value,
        {"member_id": t.member_id, "card_id": t.gift_card, "day": t.day, **params},
    )


def gift_card_states(
    cards: Sequence[GiftCard],
    uses: Mapping[str, list[Txn]],
    settings: GiftCardSettings,
    today: date,
    problems: list[Problem],
) -> dict[str, GiftCardState]:
    """Every card issued by ``today``, by card id, with its balance and state; problems for bad uses."""
    excluded = {c.strip().casefold() for c in settings.excluded_categories}
    by_id: dict[str, GiftCard] = {}
    for card in sorted(cards, key=lambda c: c.row):
        by_id.setdefault(card.card_id, card)  # validation reports a repeated card id; the first row counts

    states: dict[str, GiftCardState] = {}
    for card_id, card in by_id.items():
        kept = settings.registered_keeps_valid and card.friend_registered
        expires = add_months(card.issued, card.valid_months or settings.valid_months)
        balance = cents(card.value)
        used = count = 0
        last: date | None = None
        for t in sorted(uses.get(card_id, ()), key=lambda t: (t.day, t.row)):
            c = cents(abs(t.amount)) if t.amount is not None else 0
            if t.type is TxnType.REFUND:
                balance += c
                used -= c
                continue
            if t.day < card.issued:
                problems.append(_use_problem("gift_card_not_yet_issued", t, "date", t.day, issued=card.issued))
            elif not kept and t.day > expires:
                problems.append(_use_problem("gift_card_lapsed", t, "gift_card", card_id, expired=expires))
            if t.special_offer:
                problems.append(_use_problem("gift_card_special_offer", t, "special_offer", True))
            if t.category is not None and t.category.strip().casefold() in excluded:
                problems.append(
                    _use_problem("gift_card_excluded_category", t, "category", t.category, category=t.category)
                )
            if c > balance:
                problems.append(
                    _use_problem(
                        "gift_card_overdrawn", t, "amount", t.amount, amount=money(c), balance=money(max(balance, 0))
                    )
                )
            balance -= c
            used += c
            count += 1
            last = t.day
        if card.issued > today:
            continue
        if balance <= 0:
            status = CardStatus.USED_UP
        elif not kept and today > expires:
            status = CardStatus.LAPSED
        else:
            status = CardStatus.ACTIVE
        states[card_id] = GiftCardState(
            card_id=card_id,
            giver=card.member_id,
            row=card.row,
            issued=card.issued,
            value=card.value,
            expires=None if kept else expires,
            kept_valid=kept,
            balance=money(balance),
            used=money(used),
            uses=count,
            last_used=last,
            status=status,
            friend_name=card.friend_name,
        )
    return states


@dataclass(frozen=True, slots=True)
class GiftCardReminder:
    card: GiftCardState
    days_left: int

    @property
    def why(self) -> Reason:
        """Rendered: card GC001 has 350 left and lapses after 2026-04-15 (in 9 days)."""
        return Reason(
            "why.gift_card_lapsing",
            {
                "card_id": self.card.card_id,
                "balance": self.card.balance,
                "until": self.card.expires,
                "days": self.days_left,
            },
        )


def lapsing_gift_cards(states: Iterable[GiftCardState], today: date, within_days: int) -> tuple[GiftCardReminder, ...]:
    """Cards with money left that lapse within ``within_days`` days of ``today``, soonest first."""
    out = []
    for s in states:
        if s.status is CardStatus.ACTIVE and s.expires is not None and s.balance > 0:
            left = (s.expires - today).days
            if 0 <= left <= within_days:
                out.append(GiftCardReminder(s, left))
    return tuple(sorted(out, key=lambda r: (r.days_left, r.card.card_id)))
