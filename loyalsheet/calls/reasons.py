"""Why to phone a member this week: every reason, with how urgent it is within its kind.

Kinds (``call_list.order`` ranks them): ``followup-3d``, ``followup-3w``, ``followup-3m`` (the 3-3-3
follow-ups after a first purchase), ``satisfaction`` (after a treatment or course card session),
``churn`` (a valued member declining, lapsed or gone quiet, measured by their own rhythm),
``birthday`` (a gift to prepare), ``expiring`` (points, a gift card or a course card about to lapse,
with the real amount and date), ``membership`` (a paid year ending), ``friends_card`` (可赠送亲友卡: a
course card half used or the year's spend reached, no friends card given this year) and ``event`` (an
invitation, ranked by how likely the member is to come).

Pure: the member file, the rules' evaluation, the segments, the call history and the day in; reasons
out. Texts are not written here: a reason holds a catalog key and its values, written only for the
few members who make the list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import compress, repeat
from operator import attrgetter, is_
from typing import Any, NamedTuple

from ..campaigns.audience import EventAudience
from ..facts import MemberFacts
from ..model import MemberFile, Membership, Txn, TxnType
from ..rules import Evaluation
from ..rules.benefits import Benefits
from ..rules.coursecards import ReminderKind
from ..rules.settings import GiftCardSettings
from ..rules.vouchers import zhe
from ..segments import Quadrant, SegmentResult, Stage
from .outcomes import CallHistory
from .settings import CallListSettings

_DAY, _TYPE = attrgetter("day"), attrgetter("type")
_LIFETIME, _ACTIVITY = attrgetter("lifetime_spend_cents"), attrgetter("activity")
_SOON_STAGES = (Stage.DECLINING, Stage.LAPSED)


class Reason(NamedTuple):
    """One reason to phone (a NamedTuple: a big chain has tens of thousands, made in a tight loop)."""

    kind: str
    member_id: str  # who it is about (a family member, for a household's call)
    urgency: float  # within its kind, larger first
    why: str  # catalog key of the reason
    params: Mapping[str, Any]
    now: str | None = None  # catalog key of "why now"
    event_id: str | None = None


def followup_kind(days: int) -> str:
    """The 3-3-3 follow-up a number of days stands for."""
    return "followup-3d" if days <= 7 else "followup-3w" if days <= 45 else "followup-3m"


def _valued_cut(seg: SegmentResult, share: float) -> int | None:
    """Lifetime spend (cents) at the edge of the top ``share`` of members who spent anything."""
    spent: list[int] = [v for v in map(_LIFETIME, map(_ACTIVITY, seg.members)) if v > 0]
    spent.sort(reverse=True)
    if not spent:
        return None
    k = max(1, round(share * len(spent)))
    return spent[min(k, len(spent)) - 1]


def last_sessions(txns: Sequence[Txn], since: date, today: date) -> dict[str, Txn]:
    """Each member's last treatment or course card session from ``since`` to before ``today`` (the
    sessions are picked out in C: they are a small share of a big book's rows)."""
    out: dict[str, Txn] = {}
    for x in compress(txns, map(is_, map(_TYPE, txns), repeat(TxnType.SESSION))):
        if since <= x.day < today:
            held = out.get(x.member_id)
            if held is None or x.day >= held.day:
                out[x.member_id] = x
    return out


def gather(mf: MemberFile, ev: Evaluation, seg: SegmentResult, cl: CallListSettings, hist: CallHistory,
           first_purchase: Mapping[str, date], attended: Mapping[str, int],
           benefits: Benefits | None = None) -> dict[str, list[Reason]]:
    """Every member's reasons to be phoned this week (members who said do not call have none).
    ``benefits`` (the run's, as the card and Member status show them) give the friends card reason and
    what the points buy for the yearly exchange; without them neither is said."""
    today = seg.today
    members = ev.members  # (every member the rules could use)
    out: dict[str, list[Reason]] = {}
    reached = hist.last
    slot = out.setdefault

    def add(r: Reason) -> None:  # members of ``seg``; who said do not call is taken out at the end
        slot(r.member_id, []).append(r)

    def add_known(r: Reason) -> None:  # a member ID from another sheet (a gift card's giver, ...)
        if r.member_id in members:
            slot(r.member_id, []).append(r)

    window = timedelta(days=cl.window_days)
    due_from, due_to = today - window, today + window
    followups = [(days, timedelta(days=days), followup_kind(days)) for days in cl.followup_days]
    points_min = max(cl.points_min, 1)
    points_until = today + timedelta(days=ev.settings.points.expiring_soon_days)
    birthdays_to = today + timedelta(days=cl.birthday_days)
    three_days = timedelta(days=3)
    cut = _valued_cut(seg, cl.valued_share)
    recent_call = today - timedelta(days=30)
    results = ev.members
    for ms in seg.members:
        mid = ms.member_id
        first = first_purchase.get(mid)
        if first is not None:
            for days, after, kind in followups:
                due = first + after
                if due_from < due <= due_to:
                    called = reached.get(mid)
                    if not (called and called.day >= due - three_days):
                        add(Reason(kind, mid, float((today - due).days), "calls.why.followup",
                                   {"days": days, "first": first, "due": due}, "calls.now.followup",
                                   ))
        a = ms.activity
        valued = cut is not None and a.lifetime_spend_cents >= cut
        if ms.gone_quiet or (valued and ms.stage in _SOON_STAGES):
            called = reached.get(mid)
            since = a.days_since_last_visit
            if since is not None and not (called and called.day >= recent_call):
                interval = a.usual_interval
                ratio = since / interval if interval else since / 365
                stage = "quiet" if ms.gone_quiet else ms.stage.value
                if interval:
                    add(Reason("churn", mid, ratio, "calls.why.churn_rhythm",
                               {"stage": stage, "interval": interval, "since": since, "ratio": f"{ratio:.1f}",
                                "spend": a.lifetime_spend}, "calls.now.churn"))
                else:
                    add(Reason("churn", mid, ratio, "calls.why.churn",
                               {"stage": stage, "since": since, "spend": a.lifetime_spend}, "calls.now.churn"))
        r = results.get(mid)
        if r is None:
            continue
        expiring = MemberFacts(r, ms).expiring_by(points_until)  # the real date, as the card and the SMS say
        if expiring is not None and expiring.points >= points_min:
            add(Reason("expiring", mid, -float((expiring.expires - today).days), "calls.why.points",
                       {"points": expiring.points, "until": expiring.expires}, "calls.now.lapse"))
        b = r.birthday
        if b is not None and b.budget > 0 and today <= b.next <= birthdays_to:
            add(Reason("birthday", mid, -float((b.next - today).days), "calls.why.birthday",
                       {"day": b.next, "budget": b.budget}, "calls.now.birthday"))
    for rem in ev.gift_card_reminders:
        card = rem.card
        add_known(Reason("expiring", card.giver, -float(rem.days_left), "calls.why.gift_card",
                   {"card": card.card_id, "balance": card.balance, "until": card.expires or today}, "calls.now.lapse"))
    for cc in ev.course_card_reminders:
        if cc.kind is ReminderKind.EXPIRING and cc.card.valid_until is not None:
            add_known(Reason("expiring", cc.card.member_id, -float(cc.days), "calls.why.course_card",
                       {"card": cc.card.card_id, "service": cc.card.service, "left": cc.card.left,
                        "until": cc.card.valid_until}, "calls.now.lapse"))
    membership_to = today + timedelta(days=cl.membership_days)
    for m in mf.members:
        if m.membership is Membership.PAID and m.paid_until is not None and today <= m.paid_until <= membership_to:
            add(Reason("membership", m.member_id, -float((m.paid_until - today).days), "calls.why.membership",
                       {"until": m.paid_until}, "calls.now.lapse"))
    sessions = last_sessions(mf.txns, today - timedelta(days=cl.satisfaction_days), today)
    for mid, x in sessions.items():
        called = reached.get(mid)
        if called and called.day >= x.day:
            continue
        course = ev.course_cards.get(x.course_card) if x.course_card else None
        service = (course.service if course is not None else None) or x.category or ""
        add_known(Reason("satisfaction", mid, -float((today - x.day).days), "calls.why.satisfaction",
                   {"day": x.day, "service": service}, "calls.now.satisfaction"))
    if benefits is not None:
        _friends_cards(ev, seg, benefits, ev.settings.gift_cards, add)
    _events(mf, ev, seg, cl, hist, attended, add, benefits)
    for member_id in hist.do_not_call:
        out.pop(member_id, None)
    return out


def likelihood(attended: int, since: int | None, whale: bool, quadrant: Quadrant | None, stage: Stage) -> float:
    """How likely a member is to come to an event: past attendance first, then recency, then segment."""
    score = 2.0 * min(attended, 3)
    if since is not None:
        score += 1.0 if since <= 30 else 0.5 if since <= 90 else 0.0
    score += 1.0 if whale else 0.5 if quadrant is Quadrant.CONFIDANT else 0.0
    score += 0.5 if stage in (Stage.GROWING, Stage.MATURE) else 0.0
    return score


def _friends_cards(ev: Evaluation, seg: SegmentResult, benefits: Benefits, gift_cards: GiftCardSettings,
                   add: Any) -> None:
    """可赠送亲友卡: the members the member card says may be given a friends card (the same
    :class:`Benefits` method, on the run's benefits), with what the card is worth (``gift_cards``) and the friend's discount it leads to.
    A course card nearly done is more urgent than one just half used; a spend threshold reached ranks
    after them (then by lifetime spend)."""
    b = benefits.settings
    if not b.friends_card_at_half and b.friends_card_spend is None:
        return
    offer: dict[str, Any] = {"value": gift_cards.value,
                             "discount": zhe(b.friends_discount) if b.friends_discount < 1 and b.friends_months > 0
                             else None,
                             "discount_off": f"{((1 - b.friends_discount) * 100).normalize():f}%",
                             "discount_months": b.friends_months}
    results = ev.members
    by_spend = b.friends_card_spend is not None
    for ms in seg.members:
        r = results.get(ms.member_id)
        if r is None or not (r.course_cards or by_spend):  # (as Benefits.friends_cards_due skips them)
            continue
        why = benefits.friends_card(ms.member_id, r.course_cards, r.spend.last_12_months)
        if why is None:
            continue
        half = why.code == "benefit.friends_card_half"
        urgency = why.params["used"] / why.params["sessions"] if half else 0.0
        add(Reason("friends_card", ms.member_id, urgency, "explain", {**why.params, **offer, "reason": why,
                                                                      "trigger": "half" if half else "spend"},
                   "calls.now.friends_card_half" if half else "calls.now.friends_card_spend"))


def _events(mf: MemberFile, ev: Evaluation, seg: SegmentResult, cl: CallListSettings, hist: CallHistory,
            attended: Mapping[str, int], add: Any, benefits: Benefits | None) -> None:
    """Event invitations: valued members (whales, the high-spend frequent quadrant) and anyone who came
    to an event before, whom the event invites (:class:`EventAudience`, the invitation's own test: the
    same tiers, segments, stores, partner cards and points conditions), not yet answered for it. For the
    yearly points exchange (points conditions) the reason names what the member's points buy, as the
    invitation does."""
    today = seg.today
    upcoming = [(e, EventAudience.of(e.audience))
                for e in mf.events if today <= e.day <= today + timedelta(days=cl.event_days)]
    if not upcoming:
        return
    members = {m.member_id: m for m in mf.members}
    rewards = benefits.reward_lines if benefits is not None else None
    for ms in seg.members:
        mid = ms.member_id
        came = attended.get(mid, 0)
        if not (ms.whale or ms.quadrant is Quadrant.CONFIDANT or came):
            continue
        r = ev.members.get(mid)
        m = members.get(mid)
        if r is None or m is None:
            continue
        since = ms.activity.days_since_last_visit
        score = likelihood(came, since, ms.whale, ms.quadrant, ms.stage)
        for e, audience in upcoming:
            if (e.event_id, mid) in hist.called_about or not audience.invites(m, r, ms):
                continue
            params: dict[str, Any] = {"title": e.title, "day": e.day, "came": came,
                                      "since": "-" if since is None else since}
            why = "calls.why.event"
            if audience.points_exchange and rewards is not None:
                lines = rewards(r.points.balance)
                buys = lines.now_reason() or lines.next_reason()
                top = lines.can_take[-1] if lines.can_take else None  # (what the SMS invitation names)
                params.update({"balance": r.points.balance, "reward": top.name if top else None,
                               "reward_en": top.label("en") if top else None,
                               "next_reward": lines.next.name if lines.next else None,
                               "next_reward_en": lines.next.label("en") if lines.next else None,
                               "missing": lines.missing})
                if buys is not None:
                    why = "calls.why.event_points"
                    params["buys"] = buys
            add(Reason("event", mid, score, why, params, "calls.now.event", event_id=e.event_id))
