"""Who an event's Audience (邀请对象) invites: one test for the SMS / e-mail invitation and the Call list.

An Audience's words are tiers, segments (stage, quadrant, RFM group, gone quiet, whales), membership
kinds, stores and partner cards: any of them invites a member (blank, "all" or "全部": everyone). It
may also hold points conditions, for the yearly points exchange, that every invited member must meet:

- ``points>=1000`` (``积分>=1000``, ``积分≥1000``): a balance of at least 1000 points;
- ``points expiring before 2026-12-31`` (``积分到期早于2026-12-31``): points that lapse on or before
  that day.

Write numbers without a thousands comma (the Audience cell is split at commas).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ..model import Member, Membership
from ..rules import MemberResult, PointsResult
from ..segments import MemberSegments, Quadrant, RfmGroup, Stage, label

_AT_LEAST = re.compile(r"^(?:points|积分)\s*(?:>=|≥|>|=>)\s*(\d+)\s*(?:分|points?)?$", re.IGNORECASE)
_EXPIRING = re.compile(r"^(?:points\s+expiring\s+(?:before|by)|积分(?:到期|过期)早于|积分到期日早于)\s*"
                       r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PointsRule:
    at_least: int | None = None  # a balance of at least this
    expiring_by: date | None = None  # some points lapse on or before this day

    def holds(self, points: PointsResult) -> bool:
        if self.at_least is not None and points.balance < self.at_least:
            return False
        if self.expiring_by is not None:
            by = self.expiring_by
            return any(lot.points > 0 and lot.expires is not None and lot.expires <= by for lot in points.lots)
        return True


def points_audience(audience: Sequence[str]) -> tuple[tuple[PointsRule, ...], tuple[str, ...]]:
    """An Audience's points conditions, and its other words (tiers, segments, stores, partners)."""
    rules: list[PointsRule] = []
    words: list[str] = []
    for raw in audience:
        text = unicodedata.normalize("NFKC", raw).strip()
        at_least = _AT_LEAST.match(text)
        expiring = _EXPIRING.match(text)
        if at_least is not None:
            rules.append(PointsRule(at_least=int(at_least.group(1))))
        elif expiring is not None:
            try:
                rules.append(PointsRule(expiring_by=date(*map(int, expiring.groups()))))
            except ValueError:
                words.append(raw)  # not a day: an unknown word, inviting no one by itself
        else:
            words.append(raw)
    return tuple(rules), tuple(words)


def norm(text: str) -> str:
    """An Audience word as compared: no spaces, no case, no ``_`` or ``-`` ("Gone quiet" = "gone_quiet")."""
    return "".join(text.split()).casefold().replace("_", "").replace("-", "")


ALL = frozenset(norm(w) for w in ("all", "全部", "所有", "所有会员", "everyone"))
_GONE_QUIET = frozenset(norm(w) for w in ("gone quiet", "gone_quiet", "沉睡", "沉睡贵宾", "沉默"))
_WHALE = frozenset(norm(w) for w in ("whale", "whales", "大客户"))
_MEMBERSHIP_WORDS = {Membership.SPEND: ("spend", "消费型"), Membership.PAID: ("paid", "付费型", "付费会员"),
                     Membership.STORED_VALUE: ("stored value", "储值型", "储值会员")}


@lru_cache(maxsize=4096)
def _segment_words(stage: Stage | None, quadrant: Quadrant | None, rfm: RfmGroup | None, gone_quiet: bool,
                   whale: bool) -> frozenset[str]:
    """The words a member's segments answer to (few combinations: each worked out once)."""
    words: set[str] = set()
    for value in (stage, quadrant, rfm):
        if value is not None:
            words.update({norm(value.value), norm(label(value, "zh")), norm(label(value, "en"))})
    if gone_quiet:
        words |= _GONE_QUIET
    if whale:
        words |= _WHALE
    return frozenset(words)


@lru_cache(maxsize=4096)
def _plain_words(tier: str, tier_zh: str, store: str | None, membership: Membership, partner: str | None) -> frozenset[str]:
    words = {norm(tier), norm(tier_zh), *(norm(w) for w in _MEMBERSHIP_WORDS.get(membership, ()))}
    if store:
        words.add(norm(store))
    if partner:
        words.add(norm(partner))
    return frozenset(words)


def audience_words(m: Member, r: MemberResult, ms: MemberSegments | None) -> frozenset[str]:
    """Every word an Events row's Audience may use to include this member."""
    words = _plain_words(r.tier.tier, r.tier.tier_zh, m.store, m.membership, m.partner)
    if ms is None:
        return words
    return words | _segment_words(ms.stage, ms.quadrant, ms.rfm.group if ms.rfm else None, ms.gone_quiet, ms.whale)


@dataclass(frozen=True, slots=True)
class EventAudience:
    """An event's Audience, read once: its points conditions and its other words."""

    rules: tuple[PointsRule, ...]
    wanted: frozenset[str]
    everyone: bool  # no word that names whom (blank, "all", "全部"): every member (who meets the rules)

    @classmethod
    def of(cls, audience: Sequence[str]) -> EventAudience:
        rules, words = points_audience(audience)
        wanted = frozenset(norm(w) for w in words if w.strip())
        return cls(rules, wanted, not wanted or bool(wanted & ALL))

    @property
    def points_exchange(self) -> bool:
        return bool(self.rules)

    def invites(self, m: Member, r: MemberResult, ms: MemberSegments | None) -> bool:
        """Whether the event invites this member (the SMS, the e-mail and the Call list ask this)."""
        if self.rules and not all(rule.holds(r.points) for rule in self.rules):
            return False
        return self.everyone or bool(self.wanted & audience_words(m, r, ms))
