"""Policy: consent, opt-outs, quiet hours, one a day by priority, the weekly cap, family at one phone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from loyalsheet.campaigns import Candidate, DayPlan, Friend, History, apply_policy
from loyalsheet.campaigns.settings import MessagingSettings
from loyalsheet.model import Channel, Member, OptOut
from loyalsheet.rules import Reason

DAY = date(2026, 11, 22)
SH = ZoneInfo("Asia/Shanghai")
ZONES: dict[str | None, str] = {None: "Asia/Shanghai", "旗舰店": "Asia/Shanghai", "NY": "America/New_York"}


def at(hh: int, mm: int = 0) -> datetime:
    return datetime.combine(DAY, time(hh, mm), tzinfo=SH)


def member(n: int, **kw: Any) -> Member:
    base: dict[str, Any] = {"row": n + 1, "member_id": f"M{n:05d}", "name": f"会员{n}", "joined": date(2024, 1, 1),
                            "phone": f"+86138001{n:05d}", "email": f"m{n}@example.com", "sms_consent": True,
                            "email_consent": True}
    base.update(kw)
    return Member(**base)


def cand(campaign: str, n: int, *, kind: str = "marketing", channels: tuple[str, ...] = ("sms", "email"),
         friend: Friend | None = None, occasion: str = "2026") -> Candidate:
    return Candidate(key=f"{campaign}:M{n:05d}:{occasion}", campaign=campaign, member_id=f"M{n:05d}",
                     occasion=occasion, kind=kind, reason=Reason("camp.why.birthday", {"day": DAY}),  # type: ignore[arg-type]
                     template=campaign, channels=channels, friend=friend)  # type: ignore[arg-type]


def plan(cands: list[Candidate], members: list[Member], *, now: datetime | None = None,
         messaging: MessagingSettings | None = None, opt_outs: list[OptOut] = (),  # type: ignore[assignment]
         history: History | None = None) -> DayPlan:
    return apply_policy(cands, {m.member_id: m for m in members}, messaging or MessagingSettings(),
                        now=now or at(10), today=DAY, zones=ZONES, opt_outs=opt_outs, history=history)


def outcome(p: DayPlan) -> dict[str, str]:
    """key -> channel it goes by, or the reason it is held."""
    out = {x.candidate.key: x.channel for x in p.planned}
    out.update({h.candidate.key: h.reason for h in p.held})
    return out


def test_consent_no_blank_yes_per_channel() -> None:
    members = [member(1, sms_consent=False), member(2, sms_consent=None, email_consent=None), member(3),
               member(4, sms_consent=False, email_consent=False)]
    cands = [cand("festival", n) for n in (1, 2, 3, 4)] + [cand("points-expiring", n, kind="service")
                                                          for n in (2, 4)]
    got = outcome(plan(cands, members))
    assert got["festival:M00001:2026"] == "email"  # no SMS consent: the next channel
    assert got["festival:M00002:2026"] == "no_consent"  # blank: service only
    assert got["points-expiring:M00002:2026"] == "sms"
    assert got["festival:M00003:2026"] == "sms"
    assert got["points-expiring:M00004:2026"] == "no_consent"  # "no" means nothing, even service
    held = {h.candidate.key: h for h in plan(cands, members).held}
    assert held["festival:M00002:2026"].tried == (("sms", "no_consent"), ("email", "no_consent"))


def test_opt_outs_beat_everything() -> None:
    members = [member(n) for n in range(1, 6)]
    sheet = [OptOut(2, date(2026, 1, 1), member_id="M00001", channel=Channel.ALL),
             OptOut(3, None, phone="+8613800100002", channel=Channel.SMS),
             OptOut(4, None, email="M3@Example.com", channel=Channel.EMAIL)]
    history = History(opted_out=frozenset({("sms", "+8613800100004")}))  # Twilio said STOP (21610)
    cands = [cand("points-expiring", n, kind="service") for n in range(1, 6)]
    cands.append(cand("birthday", 3, channels=("email",)))
    got = outcome(plan(cands, members, opt_outs=sheet, history=history))
    assert got == {"points-expiring:M00001:2026": "opted_out", "points-expiring:M00002:2026": "email",
                   "points-expiring:M00003:2026": "sms", "points-expiring:M00004:2026": "email",
                   "points-expiring:M00005:2026": "sms", "birthday:M00003:2026": "opted_out"}


def test_quiet_hours_hold_sms_in_the_store_time_zone_and_keep_the_slot() -> None:
    members = [member(1), member(2, store="NY"), member(3, phone=None)]
    cands = [cand("birthday", 1), cand("points-expiring", 1, kind="service", channels=("email",)),
             cand("birthday", 2), cand("birthday", 3)]
    late = outcome(plan(cands, members, now=at(22)))  # 22:00 in Shanghai, 09:00 in New York
    assert late == {"birthday:M00001:2026": "quiet_hours", "points-expiring:M00001:2026": "daily_limit",
                    "birthday:M00002:2026": "sms", "birthday:M00003:2026": "email"}
    morning = outcome(plan(cands, members, now=at(10)))  # 21:00 in New York
    assert morning["birthday:M00001:2026"] == "sms" and morning["birthday:M00002:2026"] == "quiet_hours"
    assert outcome(plan(cands, members, now=at(8, 59)))["birthday:M00001:2026"] == "quiet_hours"
    assert outcome(plan(cands, members, now=at(9)))["birthday:M00001:2026"] == "sms"
    assert outcome(plan(cands, members, now=at(21)))["birthday:M00001:2026"] == "quiet_hours"
    utc = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, whatever zone `now` is given in
    assert outcome(plan(cands, members, now=utc))["birthday:M00001:2026"] == "sms"


def test_one_message_per_member_per_day_by_priority() -> None:
    members = [member(1), member(2)]
    cands = [cand("festival", 1), cand("points-expiring", 1, kind="service"), cand("birthday", 1),
             cand("winback", 2), cand("followup-3d", 2, kind="service")]
    got = outcome(plan(cands, members))
    assert got == {"birthday:M00001:2026": "sms", "points-expiring:M00001:2026": "daily_limit",
                   "festival:M00001:2026": "daily_limit", "followup-3d:M00002:2026": "sms",
                   "winback:M00002:2026": "daily_limit"}
    custom = MessagingSettings(priority=("festival", "birthday"))
    assert outcome(plan(cands, members, messaging=custom))["festival:M00001:2026"] == "sms"
    assert outcome(plan(cands, members, messaging=MessagingSettings(one_per_day=False))) == {
        c.key: "sms" for c in cands}
    # A member who already had a message today (an earlier run) gets nothing more today.
    got = outcome(plan(cands, members, history=History(reached_today=frozenset({"M00001"}))))
    assert got["birthday:M00001:2026"] == "daily_limit" and got["followup-3d:M00002:2026"] == "sms"


def test_weekly_cap_counts_marketing_only() -> None:
    members = [member(1), member(2)]
    cands = [cand("birthday", 1), cand("points-expiring", 2, kind="service"), cand("festival", 2)]
    history = History(marketing_week={"M00001": 3, "M00002": 3})
    got = outcome(plan(cands, members, history=history))
    assert got == {"birthday:M00001:2026": "weekly_cap", "points-expiring:M00002:2026": "sms",
                   "festival:M00002:2026": "daily_limit"}
    # The capped birthday frees the slot for a service message of the same member.
    cands.append(cand("followup-3d", 1, kind="service"))
    assert outcome(plan(cands, members, history=history))["followup-3d:M00001:2026"] == "sms"
    assert outcome(plan(cands, members, history=History(marketing_week={"M00001": 2})))[
        "birthday:M00001:2026"] == "sms"
    assert outcome(plan(cands, members, history=history, messaging=MessagingSettings(weekly_cap=None)))[
        "birthday:M00001:2026"] == "sms"


def test_family_members_at_one_phone_get_one_message() -> None:
    members = [member(1), member(2, phone="+8613800100001", family_of="M00001"),
               member(3, phone="+8613800100001", email=None, family_of="M00001")]
    cands = [cand("festival", 3), cand("festival", 2), cand("festival", 1)]
    got = outcome(plan(cands, members))
    assert got == {"festival:M00001:2026": "sms", "festival:M00002:2026": "email",
                   "festival:M00003:2026": "same_recipient"}
    held = plan(cands, members, history=History(recipients_today={("sms", "+8613800100001"): "M00009"}))
    assert outcome(held)["festival:M00001:2026"] == "email"  # that phone already had a message today


def test_no_valid_number_or_address_tries_the_next_channel() -> None:
    members = [member(1, phone=None), member(2, phone=None, email=None), member(3, phone="138-0013", email="nope")]
    cands = [cand("birthday", n) for n in (1, 2, 3)]
    assert outcome(plan(cands, members)) == {"birthday:M00001:2026": "email", "birthday:M00002:2026": "no_address",
                                             "birthday:M00003:2026": "no_address"}


def test_already_sent_in_doubt_or_failed_are_held() -> None:
    members = [member(1), member(2), member(3)]
    cands = [cand("birthday", 1), cand("birthday", 2), cand("birthday", 3)]
    done = {"birthday:M00001:2026": "sent", "birthday:M00002:2026": "unknown", "birthday:M00003:2026": "failed"}
    assert outcome(plan(cands, members, history=History(done=done))) == {
        "birthday:M00001:2026": "already_sent", "birthday:M00002:2026": "in_doubt",
        "birthday:M00003:2026": "failed_before"}


def test_a_gift_card_friend_has_a_slot_of_their_own() -> None:
    members = [member(5, sms_consent=None)]
    friend = Friend("李丽", "+8613912345678")
    cands = [cand("giftcard-lapsing", 5, kind="service", occasion="GC1@2026-12-01"),
             cand("giftcard-friend", 5, kind="service", channels=("sms",), friend=friend, occasion="GC1@2026-12-01")]
    got = plan(cands, members)
    assert {(p.candidate.campaign, p.to) for p in got.planned} == {("giftcard-lapsing", "+8613800100005"),
                                                                   ("giftcard-friend", "+8613912345678")}
    sheet = [OptOut(2, None, phone="+8613912345678", channel=Channel.ALL)]
    assert outcome(plan(cands, members, opt_outs=sheet))["giftcard-friend:M00005:GC1@2026-12-01"] == "opted_out"


def test_a_day_of_100k_members_is_planned_whole() -> None:
    """Every candidate of a chain's day is planned or held (its speed is scripts/bench_*'s, not a test's)."""
    members = [member(n, sms_consent=(None, True, False)[n % 3]) for n in range(100_000)]
    cands = [cand("festival", n) for n in range(100_000)] + [cand("points-expiring", n, kind="service")
                                                              for n in range(0, 100_000, 4)]
    got = plan(cands, members)
    assert len(got.planned) + len(got.held) == len(cands)
