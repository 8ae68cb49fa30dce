"""The effect of each campaign, call outcome and event, from the send ledger and the transactions.

Pure: ledger rows, transactions, call notes and events in, figures out; ``today`` (the last day with
data) is a parameter. For each message **sent** and each one **held out** (:mod:`..campaigns.holdout`),
a member *came back within N days* when they bought in the N days after the day it was due (that day
itself not counted, as a held-out member has no moment of sending); their spend is what those
purchases came to. A message counts in a window only once the window is over (``day + N <= today``).

Messages are grouped by campaign, month and version of the campaign's settings (a campaign changed
mid-month is reported per version; rows from before versions were kept form their own group), and
per campaign over the whole period. Each group's messaged and held-out members are compared with
:func:`.stats.difference`; a comparison with fewer than ``min_group`` members on either side says
"too few to tell" instead of a percentage, and a group without holdouts (a service message, or a
ledger from before holdouts) reports what it can: sent, came back, spend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..messaging.ledger import Measured, State
from ..model import CallNote, Event
from .index import Purchases
from .stats import difference

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Group:
    """One side of a comparison in one window: members whose window is over, how many came back, spend."""

    members: int = 0
    came: int = 0
    spend: Decimal = _ZERO

    @property
    def rate(self) -> float | None:
        return self.came / self.members if self.members else None

    @property
    def spend_each(self) -> Decimal | None:
        return (self.spend / self.members).quantize(Decimal("0.01")) if self.members else None

    def add(self, came: bool, spend: Decimal) -> Group:
        return Group(self.members + 1, self.came + came, self.spend + spend)


@dataclass(frozen=True)
class Comparison:
    """Messaged against held out, within ``window`` days.

    ``verdict``: ``ok`` (compared), ``too_few`` (a side has fewer than the minimum), ``no_holdout``
    (nobody was held out), ``pending`` (no window is over yet).
    """

    window: int
    messaged: Group
    holdout: Group
    verdict: str
    uplift: float | None = None  # came-back share, messaged minus held out
    low: float | None = None
    high: float | None = None
    significant: bool = False
    extra_spend: Decimal | None = None  # (spend per messaged member - per held-out member) x messaged members


def compare(window: int, messaged: Group, holdout: Group, min_group: int) -> Comparison:
    if not messaged.members and not holdout.members:
        return Comparison(window, messaged, holdout, "pending")
    if not holdout.members:
        return Comparison(window, messaged, holdout, "no_holdout")
    if messaged.members < min_group or holdout.members < min_group:
        return Comparison(window, messaged, holdout, "too_few")
    d = difference(messaged.came, messaged.members, holdout.came, holdout.members)
    per_m, per_h = messaged.spend / messaged.members, holdout.spend / holdout.members
    extra = ((per_m - per_h) * messaged.members).quantize(Decimal("1"))
    return Comparison(window, messaged, holdout, "ok", d.diff, d.low, d.high, d.significant, extra)


@dataclass(frozen=True)
class CampaignEffect:
    """One campaign (one month and settings version of it, or the whole period when ``month`` is None)."""

    campaign: str
    month: str | None  # "2026-10"
    version: int  # 1, 2, ... in the order the campaign's settings were first used; 0: before versions
    sent: int
    held_out: int
    windows: tuple[Comparison, ...]
    first: date
    last: date


@dataclass(frozen=True)
class CallEffect:
    """Members called with one outcome, and how many came back after the call (no holdout: shares only)."""

    outcome: str | None
    calls: int
    windows: tuple[Group, ...]


@dataclass(frozen=True)
class EventFunnel:
    """One event: invited (sent) and held out; of those, who came on the day and who bought, and spend.

    Came: any transaction on the event's day (a purchase, a session, a top-up...). Issue 16 adds the
    confirmations and the Event attendance sheet: pass them as ``came`` / ``confirmed`` here.
    """

    event_id: str
    title: str
    day: date
    invited: int
    held_out: int
    confirmed: int | None
    came: int
    bought: int
    spend: Decimal
    held_out_came: int


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _versions(entries: Sequence[Measured]) -> dict[tuple[str, str | None], int]:
    """(campaign, settings fingerprint) -> 1, 2, ... by first use; rows without one are version 0."""
    first: dict[tuple[str, str | None], date] = {}
    for e in entries:
        k = (e.campaign, e.version)
        if k not in first or e.planned_for < first[k]:
            first[k] = e.planned_for
    out: dict[tuple[str, str | None], int] = {}
    counter: dict[str, int] = {}
    for (campaign, version), _ in sorted(first.items(), key=lambda kv: (kv[1], kv[0][0], kv[0][1] or "")):
        if version is None:
            out[(campaign, version)] = 0
        else:
            counter[campaign] = counter.get(campaign, 0) + 1
            out[(campaign, version)] = counter[campaign]
    return out


class _Acc:
    __slots__ = ("first", "held", "holdout", "last", "messaged", "sent")

    def __init__(self, windows: int, day: date) -> None:
        self.sent = 0
        self.held = 0
        self.messaged = [Group()] * windows
        self.holdout = [Group()] * windows
        self.first = self.last = day


def campaign_effects(entries: Iterable[Measured], purchases: Purchases, today: date, *, windows: Sequence[int],
                     min_group: int, since: date | None = None) -> list[CampaignEffect]:
    """Per campaign, month and version, then per campaign and version over the whole period (month None)."""
    rows = [e for e in entries if e.state in (State.SENT, State.HOLDOUT) and e.planned_for <= today
            and (since is None or e.planned_for >= since)]
    versions = _versions(rows)
    acc: dict[tuple[str, str | None, int], _Acc] = {}
    for e in rows:
        v = versions[(e.campaign, e.version)]
        held = e.state is State.HOLDOUT
        outcomes: list[tuple[bool, Decimal] | None] = []
        for n in windows:
            if e.planned_for.toordinal() + n <= today.toordinal():
                outcomes.append(purchases.window(e.member_id, e.planned_for, n))
            else:
                outcomes.append(None)
        for key in ((e.campaign, month_of(e.planned_for), v), (e.campaign, None, v)):
            a = acc.get(key)
            if a is None:
                a = acc[key] = _Acc(len(windows), e.planned_for)
            a.first, a.last = min(a.first, e.planned_for), max(a.last, e.planned_for)
            if held:
                a.held += 1
            else:
                a.sent += 1
            side = a.holdout if held else a.messaged
            for i, got in enumerate(outcomes):
                if got is not None:
                    side[i] = side[i].add(*got)
    out = []
    for (campaign, month, v), a in acc.items():
        comps = tuple(compare(n, a.messaged[i], a.holdout[i], min_group) for i, n in enumerate(windows))
        out.append(CampaignEffect(campaign, month, v, a.sent, a.held, comps, a.first, a.last))
    out.sort(key=lambda c: (c.campaign, c.month is None, c.month or "", c.version))
    return out


def call_effects(notes: Iterable[CallNote], purchases: Purchases, today: date, *, windows: Sequence[int],
                 since: date | None = None) -> list[CallEffect]:
    """Per call outcome (as typed, spaces trimmed): calls made and how many came back within each window."""
    calls: dict[str | None, int] = {}
    groups: dict[str | None, list[Group]] = {}
    for note in notes:
        if note.day > today or (since is not None and note.day < since):
            continue
        outcome = (note.outcome or "").strip() or None
        calls[outcome] = calls.get(outcome, 0) + 1
        g = groups.setdefault(outcome, [Group()] * len(windows))
        for i, n in enumerate(windows):
            if note.day.toordinal() + n <= today.toordinal():
                g[i] = g[i].add(*purchases.window(note.member_id, note.day, n))
    return [CallEffect(o, calls[o], tuple(groups[o])) for o in sorted(calls, key=lambda o: (-calls[o], o or ""))]


def event_funnels(events: Iterable[Event], entries: Iterable[Measured], purchases: Purchases, today: date, *,
                  confirmed: Mapping[str, frozenset[str]] | None = None,
                  attended: Mapping[str, frozenset[str]] | None = None) -> list[EventFunnel]:
    """The funnel of each event held by ``today``: invited (``event:<member>:<event id>`` sent), held out,
    came (a transaction that day, or ``attended``), bought (a purchase that day) and their spend.
    ``purchases`` must watch the events' days. ``confirmed`` / ``attended``: event id -> member ids."""
    invited: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    for e in entries:
        if e.campaign != "event":
            continue
        event_id = e.key.rsplit(":", 1)[-1]
        if e.state is State.SENT:
            invited.setdefault(event_id, []).append(e.member_id)
        elif e.state is State.HOLDOUT:
            held.setdefault(event_id, []).append(e.member_id)
    out = []
    for ev in sorted(events, key=lambda x: (x.day, x.event_id)):
        if ev.day > today:
            continue
        came_by_sheet = (attended or {}).get(ev.event_id, frozenset())
        came = bought = 0
        spend = _ZERO
        for mid in invited.get(ev.event_id, ()):
            did_buy, amount = purchases.on_day(mid, ev.day)
            came += purchases.came(mid, ev.day) or mid in came_by_sheet
            bought += did_buy
            spend += amount
        held_came = sum(purchases.came(mid, ev.day) or mid in came_by_sheet for mid in held.get(ev.event_id, ()))
        conf = None if confirmed is None else len(confirmed.get(ev.event_id, frozenset()))
        out.append(EventFunnel(ev.event_id, ev.title, ev.day, len(invited.get(ev.event_id, ())),
                               len(held.get(ev.event_id, ())), conf, came, bought, spend, held_came))
    return out
