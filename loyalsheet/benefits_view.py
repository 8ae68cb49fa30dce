"""Members' benefits as the views show them: the card, Member status, the Call list, the Dashboard.

Everything is worked out once per run by :func:`loyalsheet.rules.benefits.benefits`; this module only
picks and words it, in the reader's language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from .campaigns.settings import CampaignSettings
from .i18n import t
from .model import Member, MemberFile
from .rules import MemberResult, explain
from .rules.benefits import Benefits, RewardOption, benefits
from .rules.settings import RulesSettings
from .rules.vouchers import VoucherStatus, voucher_reason


def reward_options(campaigns: CampaignSettings) -> tuple[RewardOption, ...]:
    """config.yaml's reward list (campaigns.rewards)."""
    return tuple(RewardOption(r.name, r.name_en or r.name, r.points) for r in campaigns.rewards)


def member_benefits(mf: MemberFile, rules: RulesSettings, campaigns: CampaignSettings, today: date) -> Benefits:
    return benefits(mf.members, mf.txns, mf.gift_cards, mf.vouchers, rules.benefits, reward_options(campaigns),
                    today)


def _voucher(s: VoucherStatus, today: date, lang: str) -> dict[str, Any]:
    v = s.voucher
    return {"voucher_id": v.voucher_id, "kind": v.kind.value, "value": v.value, "gift": v.gift,
            "issued": v.issued, "valid_until": v.valid_until, "days_left": s.days_left(today), "source": v.source,
            "text": explain(voucher_reason(s, today), lang)}


def card_fields(b: Benefits, member: Member, result: MemberResult, lang: str) -> dict[str, Any]:
    """The card's benefit lines: open vouchers, what the points buy now and next, a friend's discount,
    whether to give a friends card, the co-branded card and how the member joined."""
    lines = b.reward_lines(result.points.balance)
    now, nxt = lines.now_reason(), lines.next_reason()
    friend = b.friends.get(member.member_id)
    hint = b.friends_card(member.member_id, result.course_cards, result.spend.last_12_months)
    return {
        "vouchers": [_voucher(s, b.today, lang) for s in b.open_vouchers(member.member_id)],
        "rewards": {
            "can_take": [r.label(lang) for r in lines.can_take],
            "next": None if lines.next is None else {"name": lines.next.label(lang), "points": lines.next.points,
                                                     "missing": lines.missing},
            "now_text": explain(now, lang) if now else None,
            "next_text": explain(nxt, lang) if nxt else None,
        },
        "friends_discount": None if friend is None else {
            "factor": friend.factor, "until": friend.until, "via": friend.via, "by": friend.by,
            "card_id": friend.card_id, "text": explain(friend.why, lang)},
        "friends_card": explain(hint, lang) if hint else None,
        "partner": member.partner,
        "source": member.source,
    }


class StatusCells:
    """The two Member status cells about benefits: open vouchers, and what the points buy. A balance's
    reward text is worked out once (many members share a balance)."""

    def __init__(self, b: Benefits, lang: str) -> None:
        self.b, self.lang = b, lang
        self._rewards: dict[int, str] = {}

    def __call__(self, member_id: str, balance: int) -> list[Any]:
        statuses = self.b.open_vouchers(member_id) if self.b.vouchers else []
        vouchers = "; ".join(explain(voucher_reason(s, self.b.today), self.lang) for s in statuses)
        text = self._rewards.get(balance)
        if text is None:
            lines = self.b.reward_lines(balance)
            parts = [r for r in (lines.now_reason(), lines.next_reason()) if r is not None]
            text = self._rewards[balance] = "; ".join(explain(r, self.lang) for r in parts)
        return [vouchers or None, text or None]


STATUS_BENEFIT_COLUMNS = (("可用优惠券", "Open vouchers"), ("积分可换", "Points buy"))


def partner_rows(members: Sequence[Member], lang: str) -> list[list[Any]]:
    """The Dashboard's block of members by co-branded card (联名卡), most first; none without partners."""
    counts = Counter(m.partner for m in members if m.partner)
    if not counts:
        return []
    rows: list[list[Any]] = [[t("dash.partners", lang), t("dash.members", lang), None]]
    rows.extend([name, n, None] for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    rows.append([None, None, None])
    return rows
