"""Points conditions in an event's Audience (邀请对象), for the yearly points exchange.

Besides tiers, segments, stores and partner cards (any of which invites a member), an Audience may
hold conditions every invited member must meet:

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

from ..rules import PointsResult

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
