"""Does the program work? Holdout comparisons per campaign, calls by outcome, event funnels, health.

Pure core: the send ledger's rows, the member file and ``today`` in, an :class:`EffectReport` out
(:func:`build_report`). One pass over the transactions builds the purchase index
(:class:`.index.Purchases`); every figure after that is dictionary lookups and binary searches.
:mod:`.present` turns the report into words, a table and the Report sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from ..messaging.ledger import Measured
from ..model import MemberFile
from .health import MonthHealth, default_since, health
from .index import Purchases
from .measure import (
    CallEffect,
    CampaignEffect,
    Comparison,
    EventFunnel,
    Group,
    call_effects,
    campaign_effects,
    event_funnels,
)
from .settings import ReportSettings


@dataclass(frozen=True)
class EffectReport:
    today: date
    since: date
    windows: tuple[int, ...]
    min_group: int
    campaigns: tuple[CampaignEffect, ...]
    calls: tuple[CallEffect, ...]
    events: tuple[EventFunnel, ...]
    health: tuple[MonthHealth, ...]
    ledger_rows: int  # sent and held-out rows the ledger had (0: no ledger, or nothing sent yet)

    def totals(self) -> list[CampaignEffect]:
        """Each campaign's whole-period rows (one per settings version)."""
        return [c for c in self.campaigns if c.month is None]

    def monthly(self) -> list[CampaignEffect]:
        return [c for c in self.campaigns if c.month is not None]


def build_report(mf: MemberFile, entries: Iterable[Measured], settings: ReportSettings, today: date, *,
                 since: date | None = None, confirmed: Mapping[str, frozenset[str]] | None = None,
                 attended: Mapping[str, frozenset[str]] | None = None) -> EffectReport:
    """The effect report as of ``today`` (the last day with data), from ``since`` (default: ``settings.months``)."""
    start = since if since is not None else default_since(today, settings.months)
    rows = list(entries)
    purchases = Purchases(mf.txns, watch_days=[e.day for e in mf.events if start <= e.day <= today])
    windows = settings.windows
    campaigns = campaign_effects(rows, purchases, today, windows=windows, min_group=settings.min_group, since=start)
    calls = call_effects(mf.call_notes, purchases, today, windows=windows, since=start)
    events = event_funnels([e for e in mf.events if e.day >= start], rows, purchases, today, confirmed=confirmed,
                           attended=attended)
    months = health(mf.members, purchases, today, since=start, lost_after=settings.lost_after)
    counted = sum(c.sent + c.held_out for c in campaigns if c.month is None)
    return EffectReport(today, start, windows, settings.min_group, tuple(campaigns), tuple(calls), tuple(events),
                        tuple(months), counted)


__all__ = [
    "CallEffect",
    "CampaignEffect",
    "Comparison",
    "EffectReport",
    "EventFunnel",
    "Group",
    "MonthHealth",
    "Purchases",
    "ReportSettings",
    "build_report",
]
