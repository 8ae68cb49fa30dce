"""Policy: which of the day's candidates may go, by which channel, and why the others are held.

Applied in this order to each candidate, highest priority first (``messaging.priority``), so that a
member's best message of the day wins:

1. **Already in the ledger** (sent, in doubt, or failed for good): held, never planned twice.
2. **Channel**: the campaign's channels are tried in order; a channel is skipped when the member (or
   the number / address) **opted out** of it (Opt-outs sheet, or a STOP / 21610 Twilio reported),
   when **consent** forbids it (``no``: nothing; blank: service messages only), when there is **no
   valid number / address** for it, or when that number / address already carries **another
   member's message today** (family members sharing a phone get one message between them). No
   channel left: held with the first channel's reason.
3. **One message per member per day** (``messaging.one_per_day``): a member who already had one
   today, or has a higher-priority one planned, is held.
4. **Quiet hours** (SMS only, the member's store's time zone): held; the message keeps the member's
   slot of the day, so a later run sends it rather than something less important.
5. **Weekly cap** on marketing messages (``messaging.weekly_cap``, over the 7 days ending today).
6. **Holdout** (marketing only): a message that would go is held out when its key's draw falls in the
   campaign's share (:mod:`.holdout`). It keeps the member's slot of the day (the member gets nothing
   else in its place, so the comparison stays clean) and does not count against the weekly cap.

Pure: the ledger's view (:class:`History`), the time of day and the settings are all passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ..model import Channel, Member, OptOut
from .candidates import Candidate
from .holdout import held_out
from .settings import ChannelName, MessagingSettings, QuietHours

# Why a message is held, in the order a person reads them; texts: camp.held.<code> in the catalog.
HELD_REASONS = (
    "opted_out",
    "no_consent",
    "no_address",
    "already_sent",
    "in_doubt",
    "failed_before",
    "daily_limit",
    "quiet_hours",
    "weekly_cap",
    "same_recipient",
    "not_approved",
    "template_missing",
    "template_error",
    "holdout",
)


@dataclass(frozen=True)
class History:
    """What the send ledger knows that policy needs (built by the caller from the ledger)."""

    done: Mapping[str, str] = field(default_factory=dict)  # key -> "sent" | "unknown" | "sending" | "failed" | "holdout"
    reached_today: frozenset[str] = frozenset()  # slots (see :func:`slot_of`) that had a message today
    recipients_today: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (channel, to) -> slot, today
    marketing_week: Mapping[str, int] = field(default_factory=dict)  # slot -> marketing messages, 7 days to today
    opted_out: frozenset[tuple[str, str]] = frozenset()  # (channel, to) reported by a provider


class Planned(NamedTuple):
    """A message that goes today: the candidate, the channel chosen, the recipient and the language."""

    candidate: Candidate
    channel: ChannelName
    to: str
    lang: str


class Held(NamedTuple):
    """A message that does not go now, and why (``reason`` is one of :data:`HELD_REASONS`)."""

    candidate: Candidate
    reason: str
    channel: ChannelName | None = None
    to: str | None = None
    tried: tuple[tuple[str, str], ...] = ()  # (channel, reason) for each channel that could not be used
    lang: str = "zh"


@dataclass(frozen=True)
class DayPlan:
    today: date
    planned: tuple[Planned, ...]
    held: tuple[Held, ...]


def slot_of(member_id: str, friend_phone: str | None = None) -> str:
    """Whose "one message a day" a message uses: the member's, or (for a gift card's friend) the phone's."""
    return f"phone:{friend_phone}" if friend_phone else member_id


class OptOuts:
    """The Opt-outs sheet as lookups: by member, phone and e-mail; each with the channels given up."""

    def __init__(self, rows: Sequence[OptOut]) -> None:
        self.by_member: dict[str, set[str]] = {}
        self.by_phone: dict[str, set[str]] = {}
        self.by_email: dict[str, set[str]] = {}
        for o in rows:
            ch = o.channel.value
            if o.member_id:
                self.by_member.setdefault(o.member_id, set()).add(ch)
            if o.phone:
                self.by_phone.setdefault(o.phone, set()).add(ch)
            if o.email:
                self.by_email.setdefault(o.email.casefold(), set()).add(ch)
        self.empty = not (self.by_member or self.by_phone or self.by_email)

    def blocks(self, member_id: str | None, channel: ChannelName, to: str | None) -> bool:
        if self.empty:
            return False
        given = self.by_member.get(member_id, _NONE) if member_id is not None else _NONE
        if channel in given or _ALL in given:
            return True
        if to is None:
            return False
        given = self.by_phone.get(to, _NONE) if channel == "sms" else self.by_email.get(to.casefold(), _NONE)
        return channel in given or _ALL in given


_NONE: frozenset[str] = frozenset()
_ALL = Channel.ALL.value


def language_of(member: Member | None, messaging: MessagingSettings) -> str:
    lang = member.language if member is not None else None
    return lang if lang in ("zh", "en") else messaging.default_language


def _address(c: Candidate, m: Member | None, channel: ChannelName) -> str | None:
    if channel == "sms":
        phone = c.friend.phone if c.friend is not None else (m.phone if m is not None else None)
        return phone if phone and phone.startswith("+") and len(phone) >= 8 else None
    if c.friend is not None or m is None or not m.email:
        return None
    email = m.email.strip()
    local, _, domain = email.rpartition("@")
    return email if local and "." in domain else None


def _consent(c: Candidate, m: Member | None, channel: ChannelName) -> bool:
    given = None
    if c.friend is None and m is not None:
        given = m.sms_consent if channel == "sms" else m.email_consent
    if given is None:
        return c.kind == "service"
    return given


def apply_policy(
    cands: Sequence[Candidate],
    members: Mapping[str, Member],
    messaging: MessagingSettings,
    *,
    now: datetime,
    today: date,
    zones: Mapping[str | None, str],
    opt_outs: Sequence[OptOut] = (),
    history: History | None = None,
    quiet_hours: Mapping[str | None, QuietHours] | None = None,
) -> DayPlan:
    """Split ``cands`` into the messages that go now and those held, each with its reason.

    ``now`` (timezone-aware) gives the time of day for quiet hours, read in each member's store's
    time zone: ``zones`` maps store name -> IANA zone, with ``None`` for the default store.
    ``quiet_hours`` maps a store to its own quiet hours (else ``messaging.quiet_hours``).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return _apply(cands, members, messaging, now, today, zones, opt_outs, history, quiet_hours)


def _apply(cands: Sequence[Candidate], members: Mapping[str, Member], messaging: MessagingSettings, now: datetime,
           today: date, zones: Mapping[str | None, str], opt_outs: Sequence[OptOut], history: History | None,
           quiet_hours: Mapping[str | None, QuietHours] | None = None) -> DayPlan:
    hist = history or History()
    sheet = OptOuts(opt_outs)
    quiet_at: dict[str | None, bool] = {}
    default_zone = zones.get(None, "Asia/Shanghai")

    def quiet(store: str | None) -> bool:
        if store not in quiet_at:
            local = now.astimezone(ZoneInfo(zones.get(store, default_zone))).time()
            hours = quiet_hours.get(store) if quiet_hours is not None else None
            quiet_at[store] = (hours or messaging.quiet_hours).quiet(local)
        return quiet_at[store]

    rows = {mid: m.row for mid, m in members.items()}
    ranks: dict[str, int] = {}
    for c in cands:
        if c.campaign not in ranks:
            ranks[c.campaign] = messaging.rank(c.campaign)
    order = sorted(cands, key=lambda c: (ranks[c.campaign], rows.get(c.member_id, 0), c.key))
    planned: list[Planned] = []
    held: list[Held] = []
    slots_used: set[str] = set(hist.reached_today) if messaging.one_per_day else set()
    recipients = dict(hist.recipients_today)  # (channel, to) -> the slot it was used for
    week = dict(hist.marketing_week)
    cap = messaging.weekly_cap
    seen: set[str] = set()
    for c in order:
        if c.key in seen:
            continue
        seen.add(c.key)
        m = members.get(c.member_id)
        lang = language_of(m, messaging)
        state = hist.done.get(c.key)
        if state is not None:
            code = {"sent": "already_sent", "failed": "failed_before", "holdout": "holdout"}.get(state, "in_doubt")
            held.append(Held(c, code, lang=lang))
            if state == "holdout" and messaging.one_per_day:  # a rerun: the held-out member still gets nothing else
                slots_used.add(slot_of(c.member_id, c.friend.phone if c.friend else None))
            continue
        slot = slot_of(c.member_id, c.friend.phone if c.friend else None)
        chosen: tuple[ChannelName, str] | None = None
        tried: list[tuple[str, str]] = []
        member_id = None if c.friend is not None else c.member_id
        for channel in c.channels:
            to = _address(c, m, channel)
            if sheet.blocks(member_id, channel, to) or (to is not None and (channel, to) in hist.opted_out):
                tried.append((channel, "opted_out"))
            elif not _consent(c, m, channel):
                tried.append((channel, "no_consent"))
            elif to is None:
                tried.append((channel, "no_address"))
            elif recipients.get((channel, to), slot) != slot:  # a family member at the same number/address
                tried.append((channel, "same_recipient"))
            else:
                chosen = (channel, to)
                break
        if chosen is None:
            held.append(Held(c, tried[0][1] if tried else "no_address", tried=tuple(tried), lang=lang))
            continue
        channel, to = chosen
        store = m.store if m is not None else None
        if slot in slots_used:
            held.append(Held(c, "daily_limit", channel, to, tuple(tried), lang))
        elif channel == "sms" and quiet(store):
            held.append(Held(c, "quiet_hours", channel, to, tuple(tried), lang))
            if messaging.one_per_day:
                slots_used.add(slot)
            recipients[(channel, to)] = slot
        elif c.kind == "marketing" and cap is not None and week.get(slot, 0) >= cap:
            held.append(Held(c, "weekly_cap", channel, to, tuple(tried), lang))
        elif c.holdout and held_out(c.key, c.kind, c.holdout):
            held.append(Held(c, "holdout", channel, to, tuple(tried), lang))
            if messaging.one_per_day:
                slots_used.add(slot)
            recipients[(channel, to)] = slot
        else:
            planned.append(Planned(c, channel, to, lang))
            if messaging.one_per_day:
                slots_used.add(slot)
            recipients[(channel, to)] = slot
            if c.kind == "marketing":
                week[slot] = week.get(slot, 0) + 1
    return DayPlan(today, tuple(planned), tuple(held))
