"""The demo store's message history: five months of marketing messages, and members who respond.

So that ``loyalsheet report`` and the Report sheet have something to show on a fresh demo, the demo
gets a send ledger holding what a store would have sent over the months before ``today``: win-back
on the first of each month (its settings changed in the middle of the period, to show two versions),
the 3-month follow-up, a festival greeting and the past events' invitations, each with its 10%
holdout drawn exactly as the daily job draws it. Members who got a message come back a little more
often than those held out: each messaged member buys once more, soon after, with the campaign's
chance below; held-out members only do what the rest of the demo has them do. The true effect is
therefore known, and the report should find it (given enough members).

Drawn from its own random stream, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .campaigns.holdout import held_out
from .campaigns.settings import CampaignSettings, WinBackCampaign
from .messaging.ledger import Ledger, OutgoingMessage, State, ledger_path_for

RESPONSE = {"winback": 0.20, "followup-3m": 0.15, "festival": 0.08, "event": 0.22}
"""The chance a messaged member buys once more because of the message (the planted effect)."""

MONTHS = 5
_PRICES = (168, 198, 268, 298, 368, 498, 680)
_YES = "是"


@dataclass(frozen=True)
class History:
    sent: tuple[tuple[OutgoingMessage, State, datetime], ...]
    extra_txns: tuple[list[Any], ...]


def _contact(row: Sequence[Any]) -> tuple[str, str] | None:
    """The channel and address a demo member can get marketing on (consent yes), SMS first."""
    phone, email, sms_ok, mail_ok = row[2], row[3], row[13], row[14]
    if phone and sms_ok == _YES:
        return "sms", str(phone)
    if email and mail_ok == _YES:
        return "email", str(email)
    return None


def message_history(members: Sequence[Sequence[Any]], txns: Sequence[Sequence[Any]],
                    events: Sequence[Sequence[Any]], today: date, seed: int,
                    purchase: str, staff: dict[str, list[str]], categories: Sequence[str]) -> History:
    """The messages of the ``MONTHS`` months before ``today`` and the purchases they brought."""
    rng = random.Random(f"loyalsheet-demo-effect-{seed}")
    start = today - timedelta(days=30 * MONTHS)
    days: dict[str, list[date]] = {}
    for row in txns:
        if row[2] == purchase:
            when = row[0]
            days.setdefault(row[1], []).append(when.date() if isinstance(when, datetime) else when)
    for d in days.values():
        d.sort()
    settings = CampaignSettings()
    old_winback = WinBackCampaign(channels=("sms",)).version()  # the win-back settings before the change
    change = today - timedelta(days=45)
    store_of = {row[0]: row[8] for row in members}
    due: list[tuple[str, str, str, date]] = []  # (campaign, member id, occasion, day)
    for row in members:
        mid = row[0]
        bought = days.get(mid, [])
        if not bought:
            continue
        first = bought[0]
        follow = first + timedelta(days=90)
        if start <= follow < today:
            due.append(("followup-3m", mid, first.isoformat(), follow))
        month = date(start.year, start.month, 1)
        while month < today:
            if month >= start:
                before = [d for d in bought if d < month]
                if before and 75 <= (month - before[-1]).days <= 365:
                    due.append(("winback", mid, before[-1].isoformat(), month))
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    festival = today - timedelta(days=60)
    due += [("festival", row[0], f"中秋节-{festival.isoformat()}", festival) for row in members]
    for ev in events:
        event_id, day, invite = ev[0], ev[2], ev[3] or 7
        invite_day = day - timedelta(days=int(invite))
        if start <= invite_day and day < today and ev[4] == "all":
            due += [("event", row[0], event_id, invite_day) for row in members]
    contacts = {row[0]: _contact(row) for row in members}
    sent: list[tuple[OutgoingMessage, State, datetime]] = []
    extra: list[list[Any]] = []
    event_days = {ev[0]: ev[2] for ev in events}
    for campaign, mid, occasion, day in sorted(due, key=lambda d: (d[3], d[0], d[1])):
        contact = contacts.get(mid)
        if contact is None:
            continue
        key = f"{campaign}:{mid}:{occasion}"
        version = (old_winback if campaign == "winback" and day < change else settings.by_name(campaign).version())
        message = OutgoingMessage(key=key, member_id=mid, campaign=campaign, channel=contact[0],  # type: ignore[arg-type]
                                  to=contact[1], body=f"({campaign})", planned_for=day, kind="marketing",
                                  version=version)
        at = datetime.combine(day, time(2, 30), tzinfo=UTC)  # 10:30 in Shanghai
        if held_out(key, "marketing", 0.1):
            sent.append((message, State.HOLDOUT, at))
            continue
        sent.append((message, State.SENT, at))
        if rng.random() >= RESPONSE[campaign]:
            continue
        when = event_days[occasion] if campaign == "event" else day + timedelta(days=rng.randint(1, 12))
        if when >= today:
            continue
        store = store_of.get(mid) or next(iter(staff))
        names = staff.get(store) or next(iter(staff.values()))
        moment = datetime.combine(when, time(11 + rng.randint(0, 8), rng.randint(0, 59)))
        extra.append([moment, mid, purchase, rng.choice(_PRICES), None, None, None, None, rng.choice(categories),
                      None, store, rng.choice(names), None, None])  # (voucher and note blank)
    return History(tuple(sent), tuple(extra))


def write_history(workbook: Path, history: History) -> Path:
    """The demo's ledger beside ``workbook`` (``members.ledger.sqlite``), holding the history's messages."""
    path = ledger_path_for(workbook)
    with Ledger(path) as ledger:
        ledger.record_past(history.sent, provider="demo")
    return path
