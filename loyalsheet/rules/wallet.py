"""Stored value and family cards.

A card holder's balance = top-ups - payments made with stored value (purchases and annual fees)
+ refunds paid back to stored value + referral rewards paid in stored value.

A member whose 'Family of' names a card holder shares that holder's stored value: their top-ups,
payments and refunds in stored value all go through the holder's balance, and (config) they enjoy
the holder's tier discount. A holder may bind up to ``stored_value.family_max`` members; the first
ones by row keep the binding, the rest are problems on their 'Family of' cell and keep their own
wallet. A binding to an unknown member, to oneself, or to a member who is themself in a family binds
nothing (validation reports it), and the member keeps their own wallet.

A payment beyond the balance is a problem on its Amount cell; the balance is allowed to go below
zero so that it shows what the till actually did, and it never does so without that problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..model import Member, Problem, Severity
from .explain import Reason
from .money import money

TOP_UP, PAY, REFUND, REWARD = 0, 1, 2, 3

# One movement of stored value: day, row (0 for rewards), kind, cents, member id.
Movement = tuple[date, int, int, int, str]


@dataclass(frozen=True, slots=True)
class WalletResult:
    holder: str
    balance: Decimal
    topped_up: Decimal
    spent: Decimal
    refunded: Decimal
    rewards: Decimal
    family: tuple[str, ...]  # members sharing this holder's stored value (holder not included)
    spent_by: Mapping[str, Decimal]  # who spent how much (holder and family)
    overdrawn: int  # payments that went beyond the balance (each is a problem)

    @property
    def why(self) -> Reason:
        """Rendered: top-ups 5,000 - spent 1,200 + refunds 0 + rewards 50 = 3,850."""
        return Reason(
            "why.wallet_balance",
            {
                "holder": self.holder,
                "topped_up": self.topped_up,
                "spent": self.spent,
                "refunded": self.refunded,
                "rewards": self.rewards,
                "balance": self.balance,
            },
        )


def bind_families(
    members: Sequence[Member], known: Mapping[str, Member], family_max: int, problems: list[Problem]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Who shares whose card: (member -> holder, holder -> members in row order)."""
    holder_of: dict[str, str] = {}
    family: dict[str, list[str]] = {}
    for m in sorted((m for m in members if m.family_of), key=lambda m: m.row):
        h = m.family_of or ""
        if h == m.member_id or h not in known or known[h].family_of:
            continue  # validation reports a binding to oneself, to no one, or to a member of another family
        bound = family.get(h, [])
        if len(bound) >= family_max:
            params = {"member_id": m.member_id, "holder": h, "max": family_max, "bound": ", ".join(bound)}
            problems.append(Problem(Severity.ERROR, "family_too_many", "members", m.row, "family_of", h, params))
            continue
        holder_of[m.member_id] = h
        family.setdefault(h, []).append(m.member_id)
    return holder_of, family


def run_wallet(holder: str, family: Sequence[str], moves: list[Movement], problems: list[Problem]) -> WalletResult:
    """The holder's stored value over ``moves`` (sorted by day and row)."""
    balance = topped = spent = refunded = rewards = 0
    overdrawn = 0
    by: dict[str, int] = {}
    for d, row, kind, c, member_id in moves:
        if kind == PAY:
            if c > balance:
                overdrawn += 1
                problems.append(
                    Problem(
                        Severity.ERROR,
                        "stored_value_overdrawn",
                        "transactions",
                        row,
                        "amount",
                        money(c),
                        {
                            "member_id": member_id,
                            "holder": holder,
                            "day": d,
                            "amount": money(c),
                            "balance": money(balance),
                            "short": money(c - max(balance, 0)),
                        },
                    )
                )
            balance -= c
            spent += c
            by[member_id] = by.get(member_id, 0) + c
        elif kind == TOP_UP:
            balance += c
            topped += c
        elif kind == REFUND:
            balance += c
            refunded += c
        else:
            balance += c
            rewards += c
    return WalletResult(
        holder=holder,
        balance=money(balance),
        topped_up=money(topped),
        spent=money(spent),
        refunded=money(refunded),
        rewards=money(rewards),
        family=tuple(family),
        spent_by={k: money(v) for k, v in by.items()},
        overdrawn=overdrawn,
    )
