"""Benefits a member can see and use, said plainly: what their points buy now and next, a friend's
discount, and whether to offer a friends card. Pure: rows and results in, the day passed in.

- **Rewards**: of the reward list (name, points), those the balance covers now, and the cheapest it
  does not yet cover with the points still to earn ("再积 320 分可换护手霜").
- **Friends' discount**: a member referred by another member, or a gift card's friend who registered
  as a member (the card's friend phone is the member's phone), has ``benefits.friends_discount`` for
  ``benefits.friends_months`` from joining (from the card's issue, for a card's friend).
- **Friends card**: once a course card is half used (``benefits.friends_card_at_half``) or the last 12
  months' spend reaches ``benefits.friends_card_spend``, staff may give a friends card (可赠送亲友卡),
  unless the member already gave one this calendar year (a Gift cards row with them as giver).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..model import GiftCard, Member, Txn, Voucher
from .coursecards import CourseCardState
from .days import add_months
from .explain import Reason
from .settings import BenefitsSettings
from .vouchers import VoucherStatus, open_vouchers, voucher_statuses, zhe


@dataclass(frozen=True, slots=True)
class RewardOption:
    name: str  # as members know it (Chinese)
    name_en: str
    points: int

    def label(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name


@dataclass(frozen=True, slots=True)
class RewardLines:
    """The rewards a balance covers now (cheapest first) and the next one with the points it lacks."""

    balance: int
    can_take: tuple[RewardOption, ...]
    next: RewardOption | None
    missing: int  # points still to earn for ``next``; 0 when there is none

    def now_reason(self) -> Reason | None:
        """Rendered: 可兑换：护手霜、面膜一盒 / Can take now: Hand cream, A box of face masks."""
        if not self.can_take:
            return None
        return Reason("benefit.rewards_now", {"names": "、".join(r.name for r in self.can_take),
                                              "names_en": ", ".join(r.name_en or r.name for r in self.can_take)})

    def next_reason(self) -> Reason | None:
        """Rendered: 再积 320 分可换护手霜 / 320 more points for Hand cream."""
        if self.next is None:
            return None
        return Reason("benefit.rewards_next", {"points": self.missing, "name": self.next.name,
                                               "name_en": self.next.name_en or self.next.name})


def reward_lines(rewards: Iterable[RewardOption], balance: int) -> RewardLines:
    """What ``balance`` points buy now and the next reward (a balance below zero buys nothing)."""
    ladder = sorted(rewards, key=lambda r: (r.points, r.name))
    now = tuple(r for r in ladder if r.points <= balance)
    nxt = next((r for r in ladder if r.points > balance), None)
    return RewardLines(balance, now, nxt, nxt.points - max(balance, 0) if nxt is not None else 0)


@dataclass(frozen=True, slots=True)
class FriendsDiscount:
    member_id: str
    factor: Decimal  # 0.88 = 88折
    until: date  # the last day it applies
    via: str  # "referral" or "gift card"
    by: str  # the member whose friend this is
    card_id: str | None = None  # the gift card, for a card's friend

    @property
    def why(self) -> Reason:
        """Rendered: 亲友优惠 88折（M0001 推荐），至 2027-03-01."""
        code = "benefit.friends_referral" if self.via == "referral" else "benefit.friends_card"
        return Reason(code, {"factor": zhe(self.factor), "off": _off(self.factor), "by": self.by,
                             "card_id": self.card_id or "", "until": self.until})


def _off(factor: Decimal) -> str:
    """0.88 -> 12%."""
    return f"{((1 - factor) * 100).normalize():f}%"


def friends_discounts(members: Sequence[Member], gift_cards: Iterable[GiftCard], settings: BenefitsSettings,
                      today: date) -> dict[str, FriendsDiscount]:
    """Member ID -> the friend's discount they have on ``today`` (the one lasting longest when both)."""
    if settings.friends_discount >= 1 or settings.friends_months <= 0:
        return {}
    ids = {m.member_id for m in members}
    cards_by_phone: dict[str, GiftCard] = {}
    for g in gift_cards:
        if g.friend_phone and g.member_id in ids and g.friend_registered:
            seen = cards_by_phone.get(g.friend_phone)
            if seen is None or g.issued > seen.issued:
                cards_by_phone[g.friend_phone] = g
    out: dict[str, FriendsDiscount] = {}
    for m in members:
        found: list[FriendsDiscount] = []
        if m.referred_by and m.referred_by != m.member_id and m.referred_by in ids and m.joined is not None:
            until = add_months(m.joined, settings.friends_months)
            if m.joined <= today <= until:
                found.append(FriendsDiscount(m.member_id, settings.friends_discount, until, "referral", m.referred_by))
        card = cards_by_phone.get(m.phone) if m.phone else None
        if card is not None and card.member_id != m.member_id:
            until = add_months(card.issued, settings.friends_months)
            if card.issued <= today <= until:
                found.append(FriendsDiscount(m.member_id, settings.friends_discount, until, "gift card",
                                             card.member_id, card.card_id))
        if found:
            out[m.member_id] = max(found, key=lambda f: f.until)
    return out


def friends_card_due(member_id: str, course_cards: Iterable[CourseCardState], spend_12m: Decimal,
                     given: Mapping[str, Sequence[GiftCard]], settings: BenefitsSettings, today: date) -> Reason | None:
    """Why staff may give this member a friends card now (可赠送亲友卡), or None: not yet, or already
    given one this year. ``given`` is giver -> the gift cards they gave."""
    if any(g.issued.year == today.year and g.issued <= today for g in given.get(member_id, ())):
        return None
    if settings.friends_card_at_half:
        for c in course_cards:
            if c.sessions > 0 and c.used * 2 >= c.sessions and c.bought <= today:
                return Reason("benefit.friends_card_half", {"service": c.service, "card_id": c.card_id,
                                                            "used": c.used, "sessions": c.sessions})
    threshold = settings.friends_card_spend
    if threshold is not None and threshold > 0 and spend_12m >= threshold:
        return Reason("benefit.friends_card_spend", {"spend": spend_12m, "threshold": threshold})
    return None


def gift_cards_by_giver(gift_cards: Iterable[GiftCard]) -> dict[str, list[GiftCard]]:
    out: dict[str, list[GiftCard]] = {}
    for g in gift_cards:
        out.setdefault(g.member_id, []).append(g)
    return out


@dataclass(frozen=True)
class Benefits:
    """Every member's benefits on ``today``, worked out once per run for every view (card, Member
    status, Call list, messages): vouchers by holder, friends' discounts, gift cards given."""

    today: date
    settings: BenefitsSettings
    rewards: tuple[RewardOption, ...]
    vouchers: Mapping[str, Sequence[VoucherStatus]]
    friends: Mapping[str, FriendsDiscount]
    given: Mapping[str, Sequence[GiftCard]]

    def open_vouchers(self, member_id: str) -> list[VoucherStatus]:
        return open_vouchers(self.vouchers.get(member_id, ()))

    def reward_lines(self, balance: int) -> RewardLines:
        return reward_lines(self.rewards, balance)

    def friends_card(self, member_id: str, course_cards: Iterable[CourseCardState], spend_12m: Decimal) -> Reason | None:
        return friends_card_due(member_id, course_cards, spend_12m, self.given, self.settings, self.today)

    def friends_cards_due(self, results: Mapping[str, Any]) -> dict[str, Reason]:
        """Member ID -> why a friends card may be given now, for every member it may (``results`` are the
        rules' member results). Only members with a course card, or all when a spend threshold is set."""
        out: dict[str, Reason] = {}
        spend_rule = self.settings.friends_card_spend is not None
        for mid, r in results.items():
            if not r.course_cards and not spend_rule:
                continue
            why = self.friends_card(mid, r.course_cards, r.spend.last_12_months)
            if why is not None:
                out[mid] = why
        return out


def benefits(members: Sequence[Member], txns: Sequence[Txn], gift_cards: Sequence[GiftCard],
             vouchers: Iterable[Voucher], settings: BenefitsSettings, rewards: Iterable[RewardOption],
             today: date) -> Benefits:
    """:class:`Benefits` of a member file on ``today``; ``vouchers`` are the Vouchers sheet's and the ones
    the tool issued."""
    return Benefits(today, settings, tuple(sorted(rewards, key=lambda r: (r.points, r.name))),
                    voucher_statuses(vouchers, txns, today), friends_discounts(members, gift_cards, settings, today),
                    gift_cards_by_giver(gift_cards))
