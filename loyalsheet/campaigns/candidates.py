"""Who is due which message on a day: one function per campaign, rows in, candidates out.

A :class:`Candidate` is a message someone is due today, before any policy (consent, opt-outs, quiet
hours, caps): its deterministic key ``campaign:member:occasion``, whether it is service or marketing,
the reason in words (a :class:`~loyalsheet.rules.Reason`), and the values its template needs.

Timing. Every campaign has a window rather than a single day, and its key names the occasion, so a
day missed (the job did not run, or the member already had a message that day) is caught up later
and nothing is ever due twice:

- birthday: from ``days_before`` days before the birthday to the day itself; key: the birthday's year
  (the lunar year, for a lunar birthday).
- follow-ups: ``days`` after the first purchase, up to ``late_days`` later; key: the first purchase's day.
- points expiring, gift card lapsing, paid membership ending, course card ending: once the day is within
  ``days``; key: that day. Course card left unused: once per idle spell; key: the last session's day.
- win-back: while the segments say "valued member gone quiet"; key: the last visit's day, so once per
  quiet spell.
- events: from ``invite_days`` before the event to the event; key: the event id.
- statement: ``day_of_month`` up to ``late_days`` later; key: the month. Festivals: ``days_before``
  before the festival's solar day to the day; key: festival name and day.

``sample=True`` ignores the timing (every member with the data a campaign needs gets a candidate):
``loyalsheet templates check`` renders the templates with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from ..facts import MemberFacts
from ..model import Member, MemberFile, Membership, TxnType, Voucher, VoucherKind
from ..rules import CardStatus, CourseStatus, Evaluation, MemberResult, Reason, lunar_to_solar
from ..rules.benefits import RewardOption, reward_lines
from ..rules.settings import parse_month_day
from ..rules.vouchers import issued_voucher, open_vouchers, voucher_statuses, zhe
from ..segments import SegmentResult
from .audience import EventAudience
from .settings import CampaignSettings, ChannelName, Kind, MessagingSettings, parse_lunar_month_day

_NO_DATA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Friend:
    """The recipient of a message who is not a member (a gift card's friend)."""

    name: str | None
    phone: str


class Candidate(NamedTuple):
    """A message someone is due today, before policy.

    A NamedTuple rather than a frozen dataclass: a festival day has one per member, and a chain's
    book 100,000 members; a tuple builds several times faster.
    """

    key: str  # campaign:member:occasion
    campaign: str
    member_id: str
    occasion: str
    kind: Kind
    reason: Reason
    template: str
    channels: tuple[ChannelName, ...]
    data: Mapping[str, Any] = _NO_DATA  # values for the template (besides the member's)
    friend: Friend | None = None  # set when the message goes to a gift card's friend, not the member
    holdout: float = 0.0  # share of those due it held out to measure its effect (marketing only; 0: none)
    version: str = ""  # fingerprint of the campaign's settings, so the effect report counts each version apart


def first_purchases(mf: MemberFile, today: date) -> dict[str, tuple[date, str | None, Decimal | None]]:
    """Each member's first purchase on or before ``today``: its day, category and amount."""
    first: dict[str, tuple[date, str | None, Decimal | None]] = {}
    purchase = TxnType.PURCHASE
    get = first.get
    for t in mf.txns:
        if t.type is purchase:
            day = t.day
            if day <= today:
                seen = get(t.member_id)
                if seen is None or day < seen[0]:
                    first[t.member_id] = (day, t.category, t.amount)
    return first


@dataclass
class _Day:
    """Everything the campaign functions share for one day."""

    mf: MemberFile
    ev: Evaluation
    seg: SegmentResult | None
    settings: CampaignSettings
    messaging: MessagingSettings
    today: date
    sample: bool
    members: dict[str, Member] = field(default_factory=dict)
    _how: dict[str, tuple[Kind, str, tuple[ChannelName, ...], float, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for m in self.mf.members:
            self.members.setdefault(m.member_id, m)

    def due_before(self, day: date, days: int) -> bool:
        """``day`` is today or at most ``days`` days ahead."""
        return self.sample or 0 <= (day - self.today).days <= days

    def due_after(self, day: date, late: int) -> bool:
        """``day`` has come, at most ``late`` days ago."""
        return self.sample or 0 <= (self.today - day).days <= late

    def few(self, n: int, m: Member) -> bool:
        """In sample mode, campaigns for everyone try the first 20 members and every English reader."""
        return n < 20 or m.language == "en"

    def results(self) -> Iterator[tuple[Member, MemberResult]]:
        for mid, result in self.ev.members.items():
            m = self.members.get(mid)
            if m is not None:
                yield m, result

    def make(self, campaign: str, member_id: str, occasion: str, reason: Reason, data: Mapping[str, Any], *,
             template: str | None = None, friend: Friend | None = None) -> Candidate:
        how = self._how.get(campaign)
        if how is None:
            s = self.settings.by_name(campaign)
            how = self._how[campaign] = (s.kind, self.settings.template_of(campaign), s.channels,
                                         s.effective_holdout(), s.version())
        kind, default_template, channels, holdout, version = how
        return Candidate(f"{campaign}:{member_id}:{occasion}", campaign, member_id, occasion, kind, reason,
                         template or default_template, ("sms",) if friend is not None else channels, data, friend,
                         holdout, version)


# --- one function per campaign ----------------------------------------------------------------------


def _birthdays(d: _Day) -> Iterator[Candidate]:
    days = d.settings.birthday.days_before
    for m, r in d.results():
        b = r.birthday
        if b is None or not d.due_before(b.next, days):
            continue
        data = {"birthday": b.next, "days_until": (b.next - d.today).days, "lunar": b.birthday.lunar,
                "age": b.turning, "gift": b.budget > 0, "gift_budget": b.budget}
        why = Reason("camp.why.birthday_gift" if b.budget > 0 else "camp.why.birthday",
                     {"day": b.next, "budget": b.budget})
        gift = d.settings.birthday.voucher
        if gift is not None:
            data.update(_voucher_data(issued_voucher("birthday", m.member_id, str(b.year), gift.kind, gift.value,
                                                     gift.valid_days, d.today)))
        yield d.make("birthday", m.member_id, str(b.year), why, data)


def _followups(d: _Day, first: Mapping[str, tuple[date, str | None, Decimal | None]]) -> Iterator[Candidate]:
    for name, s in (("followup-3d", d.settings.followup_3d), ("followup-3w", d.settings.followup_3w),
                    ("followup-3m", d.settings.followup_3m)):
        if not (s.enabled or d.sample):
            continue
        latest = d.today - timedelta(days=s.days)  # first purchases due today: latest - late_days .. latest
        earliest = date.min if d.sample else latest - timedelta(days=s.late_days)
        if d.sample:
            latest = date.max
        for mid, (day, category, amount) in first.items():
            if not earliest <= day <= latest or mid not in d.members:
                continue
            data = {"first_purchase": day, "category": category, "amount": amount,
                    "days_since": (d.today - day).days}
            why = Reason("camp.why.followup", {"day": day, "days": (d.today - day).days})
            yield d.make(name, mid, day.isoformat(), why, data)


def _rewards(d: _Day, points: int) -> tuple[tuple[str, str, int], ...]:
    """Rewards the member can afford: (Chinese name, English name, points), cheapest first (the card's and the
    Call list's reward lines)."""
    lines = reward_lines((RewardOption(r.name, r.name_en or r.name, r.points) for r in d.settings.rewards), points)
    return tuple((r.name, r.name_en, r.points) for r in lines.can_take)


def _next_reward(d: _Day, points: int) -> tuple[str, str, int, int] | None:
    """The cheapest reward the member cannot take yet: (Chinese name, English name, points, points missing)."""
    lines = reward_lines((RewardOption(r.name, r.name_en or r.name, r.points) for r in d.settings.rewards), points)
    nxt = lines.next
    return None if nxt is None else (nxt.name, nxt.name_en, nxt.points, lines.missing)


def _points(d: _Day) -> Iterator[Candidate]:
    s = d.settings.points_expiring
    for m, r in d.results():
        f = MemberFacts(r, None)
        expires, expiring = f.next_expiry, f.next_expiry_points
        if expires is None or expiring <= 0:
            continue
        if not d.sample and (expiring < s.min_points or not d.due_before(expires, s.days)):
            continue
        # rewards: what the whole balance buys; rewards_expiring: what the expiring points alone buy
        data = {"expiring_points": expiring, "expires": expires, "balance": f.points,
                "days_left": (expires - d.today).days, "rewards": _rewards(d, f.points),
                "rewards_expiring": _rewards(d, expiring), "next_reward": _next_reward(d, f.points)}
        why = Reason("camp.why.points", {"points": expiring, "day": expires})
        yield d.make("points-expiring", m.member_id, expires.isoformat(), why, data)


def _gift_cards(d: _Day) -> Iterator[Candidate]:
    s = d.settings.gift_card_lapsing
    phones: dict[str, str | None] = {}
    for card in d.mf.gift_cards:
        phones.setdefault(card.card_id, card.friend_phone)
    for g in d.ev.gift_cards.values():
        expires = g.expires if g.expires is not None or not d.sample else d.today + timedelta(days=s.days)
        if expires is None or g.giver not in d.members:
            continue
        if not d.sample and (g.status is not CardStatus.ACTIVE or g.balance <= 0 or not d.due_before(expires, s.days)):
            continue
        giver = d.members[g.giver]
        data = {"card_id": g.card_id, "balance": g.balance, "value": g.value, "expires": expires,
                "days_left": (expires - d.today).days, "friend_name": g.friend_name, "giver_name": giver.name}
        occasion = f"{g.card_id}@{expires.isoformat()}"
        why = Reason("camp.why.gift_card", {"card_id": g.card_id, "balance": g.balance, "day": expires})
        if s.enabled or d.sample:
            yield d.make("giftcard-lapsing", g.giver, occasion, why, data)
        phone = phones.get(g.card_id)
        if (s.friend or d.sample) and phone:
            yield d.make("giftcard-friend", g.giver, occasion, why, data, friend=Friend(g.friend_name, phone))


def _memberships(d: _Day) -> Iterator[Candidate]:
    days = d.settings.membership_ending.days
    for m, r in d.results():
        if m.membership is not Membership.PAID or m.paid_until is None or not d.due_before(m.paid_until, days):
            continue
        data = {"paid_until": m.paid_until, "days_left": (m.paid_until - d.today).days}
        why = Reason("camp.why.membership", {"day": m.paid_until, "tier": r.tier.tier, "tier_zh": r.tier.tier_zh})
        yield d.make("membership-ending", m.member_id, m.paid_until.isoformat(), why, data)


def _win_back(d: _Day) -> Iterator[Candidate]:
    if d.seg is None:
        return
    for ms in d.seg.members:
        last = ms.activity.last_visit
        if last is None or ms.member_id not in d.members or not (ms.gone_quiet or d.sample):
            continue
        data: dict[str, Any] = {"last_visit": last, "days_since": (d.today - last).days}
        gift = d.settings.win_back.voucher
        if gift is not None:
            data.update(_voucher_data(issued_voucher("winback", ms.member_id, last.isoformat(), gift.kind, gift.value,
                                                     gift.valid_days, d.today)))
        yield d.make("winback", ms.member_id, last.isoformat(), Reason("camp.why.winback", {"why": ms.quiet_reason}),
                     data)


def _events(d: _Day) -> Iterator[Candidate]:
    s = d.settings.events
    for e in sorted(d.mf.events, key=lambda e: (e.day, e.row)):
        invite = e.invite_days if e.invite_days is not None else s.days
        if not d.due_before(e.day, invite):
            continue
        audience = EventAudience.of(e.audience)  # (the Call list asks the same of its valued members)
        points_rules = audience.points_exchange
        data: Mapping[str, Any] = {"event_id": e.event_id, "event_title": e.title, "event_day": e.day,
                                   "days_until": (e.day - d.today).days, "points_exchange": points_rules}
        why = (Reason("camp.why.event_all", {"title": e.title, "day": e.day}) if audience.everyone else
               Reason("camp.why.event", {"title": e.title, "day": e.day, "audience": ", ".join(e.audience)}))

        by_id = d.seg.by_id if d.seg is not None else {}
        invited = set() if d.sample else {
            m.member_id for m, r in d.results() if audience.invites(m, r, by_id.get(m.member_id))}
        for n, (m, r) in enumerate(d.results()):
            if d.sample and not d.few(n, m):
                continue
            # a household is one unit: a card holder's invitation invites the family on the card (one message
            # per phone is the policy's: family members sharing a phone get one)
            if d.sample or m.member_id in invited or (r.family_holder in invited and not points_rules):
                member_data = data
                if points_rules:  # the yearly exchange: each invitation names what the member's points buy
                    balance = r.points.balance
                    member_data = {**data, "balance": balance, "rewards": _rewards(d, balance),
                                   "next_reward": _next_reward(d, balance)}
                yield d.make("event", m.member_id, e.event_id, why, member_data, template=e.template or None)


def _voucher_data(v: Voucher) -> dict[str, Any]:
    """What a template needs to name a voucher: its number, kind, value (and 折 for a percentage), end."""
    zhe_text = zhe((100 - v.value) / 100).removesuffix("折") if v.kind is VoucherKind.PERCENT and v.value else ""
    return {"voucher_id": v.voucher_id, "voucher_kind": v.kind.value, "voucher_value": v.value,
            "voucher_gift": v.gift, "voucher_zhe": zhe_text, "voucher_until": v.valid_until}


def _vouchers(d: _Day) -> Iterator[Candidate]:
    """Open vouchers lapsing within ``days``: once per voucher, naming it."""
    days = d.settings.voucher_expiring.days
    by_member = voucher_statuses(d.mf.vouchers, d.mf.txns, d.today)
    for mid, statuses in by_member.items():
        if mid not in d.members:
            continue
        for st in open_vouchers(statuses):
            v = st.voucher
            end = v.valid_until
            if end is None and d.sample:
                end = d.today + timedelta(days=days)
            if end is None or not d.due_before(end, days):
                continue
            data = {**_voucher_data(v), "valid_until": end, "days_left": (end - d.today).days}
            why = Reason("camp.why.voucher", {"voucher_id": v.voucher_id, "day": end})
            yield d.make("voucher-expiring", mid, v.voucher_id, why, data)


def _course_cards(d: _Day) -> Iterator[Candidate]:
    s = d.settings.course_cards
    idle_days = s.idle_weeks * 7
    for c in sorted(d.ev.course_cards.values(), key=lambda c: c.row):
        if c.member_id not in d.members or c.left <= 0:
            continue
        if c.status is not CourseStatus.ACTIVE and not d.sample:
            continue
        last = c.last_used or c.bought
        data = {"card_id": c.card_id, "service": c.service, "sessions_left": c.left, "sessions": c.sessions,
                "valid_until": c.valid_until, "last_used": c.last_used, "idle_days": (d.today - last).days,
                "days_left": None if c.valid_until is None else (c.valid_until - d.today).days}
        if c.valid_until is not None and d.due_before(c.valid_until, s.days):
            why = Reason("camp.why.course_ending", {"service": c.service, "card_id": c.card_id, "left": c.left,
                                                    "day": c.valid_until})
            yield d.make("course-card", c.member_id, f"{c.card_id}@end-{c.valid_until.isoformat()}", why,
                         {**data, "reminder": "ending"})
        elif d.sample or (d.today - last).days >= idle_days:
            why = Reason("camp.why.course_idle", {"service": c.service, "card_id": c.card_id, "left": c.left,
                                                  "since": last})
            yield d.make("course-card", c.member_id, f"{c.card_id}@idle-{last.isoformat()}", why,
                         {**data, "reminder": "idle"})


def _statements(d: _Day) -> Iterator[Candidate]:
    s = d.settings.statement
    this = d.today.replace(day=s.day_of_month)
    last = (d.today.replace(day=1) - timedelta(days=1)).replace(day=s.day_of_month)
    start = next((day for day in (this, last) if d.due_after(day, s.late_days)), None)
    if start is None:
        return
    month = start.strftime("%Y-%m")
    for m, r in d.results():
        wallet = r.wallet.balance if r.wallet is not None else None
        sessions = sum(c.left for c in r.course_cards if c.status is CourseStatus.ACTIVE)
        if r.points.balance <= 0 and not wallet and not sessions and not d.sample:
            continue
        f = MemberFacts(r, None)
        soon = f.expiring_by(d.today + timedelta(days=31))
        data = {"month": start, "balance": f.points, "stored_value": f.stored_value, "sessions_left": sessions,
                "expiring_points": soon.points if soon else 0,
                "expires": soon.expires if soon else None, "rewards": _rewards(d, f.points),
                "rewards_expiring": _rewards(d, soon.points if soon else 0),
                "next_reward": _next_reward(d, f.points)}
        why = Reason("camp.why.statement", {"month": month, "points": f.points})
        yield d.make("statement", m.member_id, month, why, data)


def festival_days(messaging: MessagingSettings, today: date, days_before: int, *,
                  sample: bool = False) -> list[tuple[int, date]]:
    """(index in messaging.festivals, solar day) of each festival due today (or the next one, in sample mode)."""
    out = []
    for i, f in enumerate(messaging.festivals):
        days: list[date] = []
        if f.date is not None:
            month, mday = parse_month_day(f.date)
            for year in (today.year, today.year + 1):
                try:
                    days.append(date(year, month, mday))
                except ValueError:  # 02-29 in a common year: no festival that year
                    continue
        elif f.lunar is not None:
            month, mday = parse_lunar_month_day(f.lunar)
            for year in (today.year - 1, today.year, today.year + 1):
                try:
                    days.append(lunar_to_solar(year, month, mday))
                except ValueError:
                    continue
        ahead = sorted(day for day in days if day >= today)
        if sample and ahead:
            out.append((i, ahead[0]))
        elif not sample:
            out.extend((i, day) for day in ahead if (day - today).days <= days_before)
    return out


def _festivals(d: _Day) -> Iterator[Candidate]:
    for i, day in festival_days(d.messaging, d.today, d.settings.festivals.days_before, sample=d.sample):
        f = d.messaging.festivals[i]
        data = {"festival": f.name, "festival_en": f.name_en or f.name, "festival_day": day,
                "days_until": (day - d.today).days}
        why = Reason("camp.why.festival", {"name": f.name, "name_en": f.name_en or f.name, "day": day})
        for n, (m, _) in enumerate(d.results()):
            if d.sample and not d.few(n, m):
                continue
            yield d.make("festival", m.member_id, f"{f.name}-{day.isoformat()}", why, data)


def candidates(mf: MemberFile, ev: Evaluation, seg: SegmentResult | None, settings: CampaignSettings,
               messaging: MessagingSettings, today: date, *, sample: bool = False,
               only: Iterable[str] | None = None) -> list[Candidate]:
    """Every message due on ``today`` (``ev`` and ``seg`` must be as of ``today``), before policy.

    ``only`` limits to some campaign names; disabled campaigns are skipped (unless ``sample``).
    """
    d = _Day(mf, ev, seg, settings, messaging, today, sample)
    wanted = set(only) if only is not None else None

    def on(name: str) -> bool:
        return (wanted is None or name in wanted) and (sample or settings.by_name(name).enabled)

    out: list[Candidate] = []
    if on("birthday"):
        out.extend(_birthdays(d))
    if any(on(n) for n in ("followup-3d", "followup-3w", "followup-3m")):
        out.extend(c for c in _followups(d, first_purchases(mf, today)) if on(c.campaign))
    if on("points-expiring"):
        out.extend(_points(d))
    if on("voucher-expiring"):
        out.extend(_vouchers(d))
    if on("giftcard-lapsing") or on("giftcard-friend"):
        out.extend(c for c in _gift_cards(d) if on(c.campaign))
    if on("membership-ending"):
        out.extend(_memberships(d))
    if on("winback"):
        out.extend(_win_back(d))
    if on("event"):
        out.extend(_events(d))
    if on("course-card"):
        out.extend(_course_cards(d))
    if on("statement"):
        out.extend(_statements(d))
    if on("festival"):
        out.extend(_festivals(d))
    return out
