"""The event funnel, as seed 001 counts it: invited -> confirmed -> came -> bought, with amounts.

- invited: an event invitation sent by SMS or e-mail (the send ledger), or a call about the event
  that reached the member (the Call log);
- confirmed: a call outcome "confirmed" (or, later, a reply): the pairs given in ``confirmed``;
- came: a row on the Event attendance sheet (活动签到) with came = yes, or any transaction on the
  event day;
- bought: came and spent that day (purchases less refunds, above zero); ``amount`` is their spend.

Pure: rows in, numbers out. ``loyalsheet events``, the Dashboard and the Report read the same
:func:`funnel`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from operator import attrgetter, le

from ..calls.outcomes import CallOutcome, confirmations, history
from ..model import Attendance, CallNote, Event, MemberFile, Txn, TxnType

_DAY = attrgetter("day")


@dataclass(frozen=True)
class Invitation:
    event_id: str
    member_id: str
    channel: str  # sms, email or call


@dataclass(frozen=True)
class Funnel:
    event_id: str
    title: str
    day: date
    invited: int  # members invited by any channel
    invited_sms: int
    invited_email: int
    invited_call: int
    confirmed: int
    came: int
    came_invited: int  # of those who came, how many had been invited
    bought: int
    amount: Decimal

    def as_dict(self) -> dict[str, object]:
        return {"event_id": self.event_id, "title": self.title, "day": self.day.isoformat(),
                "invited": self.invited, "invited_sms": self.invited_sms, "invited_email": self.invited_email,
                "invited_call": self.invited_call, "confirmed": self.confirmed, "came": self.came,
                "came_invited": self.came_invited, "bought": self.bought, "amount": str(self.amount)}


def day_rows(txns: Sequence[Txn], days: Iterable[date]) -> dict[date, Sequence[Txn]]:
    """The transactions of each of ``days``: slices when the sheet is in date order (as it usually is),
    else one scan."""
    wanted: dict[date, Sequence[Txn]] = {d: [] for d in days}
    if not wanted:
        return wanted
    on = list(map(_DAY, txns))
    if all(map(le, on, islice(on, 1, None))):
        for d in wanted:
            wanted[d] = txns[bisect_left(on, d):bisect_right(on, d)]
        return wanted
    found: dict[date, list[Txn]] = {d: [] for d in wanted}
    for x in txns:
        rows = found.get(x.day)
        if rows is not None:
            rows.append(x)
    return dict(found)


def came_to(events: Sequence[Event], attendance: Sequence[Attendance], txns: Sequence[Txn], today: date,
            rows: Mapping[date, Sequence[Txn]] | None = None) -> dict[str, set[str]]:
    """Who came to each event held up to ``today``: signed in (came = yes), or any transaction that day
    (a "no" on the attendance sheet does not undo a purchase that day). ``rows``: :func:`day_rows` of
    the event days, when the caller has them."""
    held = {e.event_id: e.day for e in events if e.day <= today}
    out: dict[str, set[str]] = {eid: set() for eid in held}
    for a in attendance:
        if a.came is not False and a.event_id in out:  # (a row with 到场 left blank: signed in)
            out[a.event_id].add(a.member_id)
    if not held:
        return out
    if rows is None:
        rows = day_rows(txns, set(held.values()))
    for eid, d in held.items():
        out[eid].update(x.member_id for x in rows[d])
    return out


def funnel(events: Sequence[Event], attendance: Sequence[Attendance], txns: Sequence[Txn],
           invitations: Iterable[Invitation], confirmed: Iterable[tuple[str, str]], today: date) -> list[Funnel]:
    """One :class:`Funnel` per event, in date order (events still to come show invited and confirmed only)."""
    invited: dict[str, dict[str, set[str]]] = {e.event_id: {"sms": set(), "email": set(), "call": set()}
                                               for e in events}
    for inv in invitations:
        channels = invited.get(inv.event_id)
        if channels is not None and inv.channel in channels:
            channels[inv.channel].add(inv.member_id)
    yes: dict[str, set[str]] = {}
    for event_id, member_id in confirmed:
        yes.setdefault(event_id, set()).add(member_id)
    rows = day_rows(txns, {e.day for e in events if e.day <= today})
    came = came_to(events, attendance, txns, today, rows)
    out = []
    for e in sorted(events, key=lambda e: (e.day, e.row)):
        channels = invited[e.event_id]
        everyone = channels["sms"] | channels["email"] | channels["call"]
        who_came = came.get(e.event_id, set())
        spend: dict[str, Decimal] = {}
        if e.day <= today and who_came:
            for x in rows[e.day]:
                if x.member_id in who_came and x.amount is not None:
                    if x.type is TxnType.PURCHASE:
                        spend[x.member_id] = spend.get(x.member_id, Decimal(0)) + x.amount
                    elif x.type is TxnType.REFUND:
                        spend[x.member_id] = spend.get(x.member_id, Decimal(0)) - abs(x.amount)
        buyers = {k: v for k, v in spend.items() if v > 0}
        out.append(Funnel(
            event_id=e.event_id, title=e.title, day=e.day, invited=len(everyone),
            invited_sms=len(channels["sms"]), invited_email=len(channels["email"]), invited_call=len(channels["call"]),
            confirmed=len(yes.get(e.event_id, set())), came=len(who_came), came_invited=len(who_came & everyone),
            bought=len(buyers), amount=sum(buyers.values(), Decimal(0)),
        ))
    return out


def invitations_from(sent: Iterable[tuple[str, str, str]]) -> list[Invitation]:
    """Invitations from the ledger's sent messages: (campaign, channel, key) with keys ``event:MEMBER:EVENT``."""
    out = []
    for campaign, channel, key in sent:
        if campaign != "event":
            continue
        parts = key.split(":", 2)
        if len(parts) == 3:
            out.append(Invitation(parts[2], parts[1], channel))
    return out


def event_funnels(mf: MemberFile, log: Sequence[CallNote | CallOutcome], sent: Iterable[Invitation],
                  today: date) -> list[Funnel]:
    """:func:`funnel` of a member file's events: invitations sent plus calls about an event that
    reached the member, confirmations from call outcomes (:func:`~loyalsheet.calls.outcomes.confirmations`)."""
    if not mf.events:
        return []
    reached = history(log, today, 0).called_about
    invited = [*sent, *(Invitation(event_id, member_id, "call") for event_id, member_id in sorted(reached))]
    return funnel(mf.events, mf.attendance, mf.txns, invited, confirmations(log), today)
