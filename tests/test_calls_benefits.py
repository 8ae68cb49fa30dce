"""The Call list's benefits on hand-built books: the friends card (可赠送亲友卡) as a reason to phone (a
course card half used, the year's spend reached, not once a card was given this year; ranked per the
order, within capacity, one call per household) agreeing with the member card; and an event's
points-based audience (the yearly exchange) choosing whom to phone as the SMS invitation chooses whom to
invite, naming what the member's points buy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loyalsheet.ahead import first_purchases
from loyalsheet.benefits_view import card_fields, member_benefits
from loyalsheet.calls.build import CallList
from loyalsheet.calls.openers import Openers
from loyalsheet.calls.outcomes import CallOutcome, history
from loyalsheet.calls.reasons import gather
from loyalsheet.calls.sheet import MEMBER, OPENING, PURPOSE, TYPE, WHY, WHY_NOW
from loyalsheet.calls.week import week_calls
from loyalsheet.campaigns import candidates
from loyalsheet.config import Config
from loyalsheet.model import Attendance, Birthday, CourseCard, Event, GiftCard, MemberFile, Txn, TxnType
from loyalsheet.rules import evaluate
from loyalsheet.segments import Quadrant, segment
from tests.test_campaigns_core import book, buy, member

DAY = date(2026, 11, 22)


def _sessions(row: int, mid: str, card: str, n: int) -> list[Txn]:
    """``n`` weekly sessions, the last ten days ago (not gone quiet, no satisfaction call due)."""
    return [Txn(row + k, DAY - timedelta(days=10 + 7 * k), mid, TxnType.SESSION, course_card=card) for k in range(n)]


def _card(row: int, card: str, mid: str, service: str = "面部护理", sessions: int = 10) -> CourseCard:
    return CourseCard(row, card, mid, service, sessions, Decimal(3000), date(2026, 7, 1))


def friends_book() -> MemberFile:
    """HALF: 5 of 10 sessions; NEAR: 9 of 10; QUARTER: 2 of 10 (not yet); GIVEN: half used, gave a friends
    card in March; OLD: half used, gave one last year; SPEND: 8,000 in the last 12 months (the threshold
    is 5,000 in ``CONFIG``); FAM (on HEAD's card): half used, phoned under HEAD; B: a birthday on 12-01."""
    ms = [member(1, member_id="HALF"), member(2, member_id="NEAR"), member(3, member_id="QUARTER"),
          member(4, member_id="GIVEN"), member(5, member_id="OLD"), member(6, member_id="SPEND"),
          member(7, member_id="HEAD", name="主卡人"), member(8, member_id="FAM", name="家人", family_of="HEAD"),
          member(9, member_id="B", birthday=Birthday(12, 1, 1990))]
    txns: list[Txn] = [buy(2 + i, date(2026, 7, 1), m.member_id, 300) for i, m in enumerate(ms)]
    txns += [buy(20, date(2025, 3, 3), "B", 10000), buy(21, date(2026, 6, 1), "SPEND", 7700)]
    txns += _sessions(100, "HALF", "C1", 5) + _sessions(200, "NEAR", "C2", 9) + _sessions(300, "QUARTER", "C3", 2)
    txns += _sessions(400, "GIVEN", "C4", 5) + _sessions(500, "OLD", "C5", 5) + _sessions(600, "FAM", "C6", 6)
    cards = [_card(2, "C1", "HALF"), _card(3, "C2", "NEAR", "牙齿美白"), _card(4, "C3", "QUARTER"),
             _card(5, "C4", "GIVEN"), _card(6, "C5", "OLD"), _card(7, "C6", "FAM")]
    gifts = [GiftCard(2, "G1", "GIVEN", date(2026, 3, 1), Decimal(600)),
             GiftCard(3, "G0", "OLD", date(2025, 12, 20), Decimal(600))]
    return book(ms, txns, course_cards=cards, gift_cards=gifts)


CONFIG: dict[str, Any] = {"benefits": {"friends_card_spend": 5000}}


def plan(mf: MemberFile, settings: Mapping[str, Any] | None = None, *, config: Mapping[str, Any] = CONFIG,
         notes: Sequence[Any] = (), lang: str = "zh", today: date = DAY) -> CallList:
    cfg = Config.model_validate({"stores": [{"name": "旗舰店"}], **config, "call_list": dict(settings or {})})
    ev = evaluate(mf, cfg, today)
    seg = segment(mf.members, mf.txns, cfg.segments, today)
    benefits = member_benefits(mf, cfg, cfg.campaigns, today)
    return week_calls(mf, ev, seg, cfg, lang, notes, {}, None, first_purchases(mf.txns, today), Openers(),
                      benefits=benefits)


def _friends(week: CallList) -> list[list[Any]]:
    return [r for r in (*week.rows, *week.waiting) if r[TYPE] in ("赠送亲友卡", "Friends card")]


def test_the_friends_card_reason_for_a_half_used_course_card_and_the_spend_threshold() -> None:
    mf = friends_book()
    week = plan(mf)
    rows = {r[MEMBER]: r for r in _friends(week)}
    # QUARTER is not half way; GIVEN gave a card this year; OLD's card was last year's; FAM is phoned as HEAD
    # the course nearest its end first (9/10, then 6/10, then 5/10 by member ID), then the spend
    assert list(rows) == ["NEAR", "HEAD", "HALF", "OLD", "SPEND"]
    assert rows["HALF"][WHY] == "可赠送亲友卡：面部护理疗程卡 C1 已用过半（5/10 次）"
    assert rows["NEAR"][WHY] == "可赠送亲友卡：牙齿美白疗程卡 C2 已用过半（9/10 次）"
    assert rows["SPEND"][WHY] == "可赠送亲友卡：近 12 个月消费 8,000（满 5,000）"
    assert rows["HEAD"][WHY] == "家人（FAM）：可赠送亲友卡：面部护理疗程卡 C6 已用过半（6/10 次）"
    assert rows["HALF"][WHY_NOW] == "疗程已过半，正是愿意推荐的时候；今年尚未赠送亲友卡"
    assert rows["SPEND"][WHY_NOW] == "一年消费已达标，正是答谢的时候；今年尚未赠送亲友卡"
    # the opening line: the card's value (gift_cards.value) and the friend's discount (benefits), as configured
    assert rows["HALF"][OPENING] == ("会员1您好，我是旗舰店的顾问。您的面部护理疗程已经过半了，送您一张面值¥600的亲友卡，"
                                     "可以带家人朋友来体验。朋友凭卡登记成为会员，还能享受88折的亲友优惠。您想送给哪位呢？")
    assert rows["SPEND"][OPENING].startswith("会员6您好，我是旗舰店的顾问。感谢您这一年的支持，送您一张面值¥600的亲友卡")
    assert rows["HEAD"][OPENING].startswith("主卡人您好，我是旗舰店的顾问。家人的面部护理疗程已经过半了")
    assert rows["HALF"][PURPOSE] == "赠送亲友卡：面部护理疗程卡已用 5/10 次，今年尚未赠送；送出后请在「亲友卡」表登记"
    # one truth: the card says the same for everyone listed, and nothing for who is not
    cfg = Config.model_validate(CONFIG)
    ev = evaluate(mf, cfg, DAY)
    b = member_benefits(mf, cfg, cfg.campaigns, DAY)
    said = {m.member_id: card_fields(b, m, ev.members[m.member_id], "zh")["friends_card"] for m in mf.members}
    assert {k for k, v in said.items() if v} == {"HALF", "NEAR", "OLD", "SPEND", "FAM"}
    for mid in ("HALF", "NEAR", "SPEND"):
        assert rows[mid][WHY] == said[mid]


def test_the_friends_card_in_english_and_with_other_values() -> None:
    mf = friends_book()
    config = {"benefits": {"friends_card_spend": 5000, "friends_discount": 1}, "gift_cards": {"value": 800}}
    rows = {r[MEMBER]: r for r in _friends(plan(mf, config=config, lang="en"))}
    assert rows["HALF"][WHY] == "May be given a friends card: 面部护理 card C1 is half used or more (5 of 10)"
    # no friend's discount configured (1): none is promised
    assert rows["HALF"][OPENING] == ("Hello 会员1, this is 旗舰店. Your 面部护理 course is already half done, so we have a "
                                     "friends card worth CN¥800 for you, to bring family or a friend to try us. "
                                     "Who would you like to give it to?")
    zh = {r[MEMBER]: r for r in _friends(plan(mf, config=config))}
    assert "¥800" in zh["HALF"][OPENING] and "亲友优惠" not in zh["HALF"][OPENING]
    # without a spend threshold (the default), the big spender is not listed
    assert [r[MEMBER] for r in _friends(plan(mf, config={}))] == ["NEAR", "HEAD", "HALF", "OLD"]
    # and with the half-used trigger off too, nobody
    assert _friends(plan(mf, config={"benefits": {"friends_card_at_half": False}})) == []


def test_the_friends_card_ranks_per_the_order_and_respects_capacity() -> None:
    mf = friends_book()
    guest = replace(mf, events=(Event(2, "E0", "春季沙龙", date(2026, 4, 1)), Event(3, "E1", "新品体验会", date(2026, 11, 28))),
                    attendance=(Attendance(2, "E0", "QUARTER", True),))  # QUARTER came before: invited to E1
    kinds = [r[TYPE] for r in plan(guest).rows]
    # after a birthday (and expiring value, a paid year ending, the 3-week and 3-month follow-ups), before events
    assert kinds == ["生日关怀", *["赠送亲友卡"] * 5, "活动邀请"]
    first = plan(mf, {"order": ["friends_card", "birthday"]})
    assert [r[TYPE] for r in first.rows][-1] == "生日关怀" and first.rows[0][MEMBER] == "NEAR"
    small = plan(mf, {"capacity": 3})
    assert [r[MEMBER] for r in small.rows] == ["B", "NEAR", "HEAD"]
    assert [r[MEMBER] for r in small.waiting] == ["HALF", "OLD", "SPEND"]
    assert small.waiting_count == 3


def test_reached_about_the_friends_card_this_year_is_not_listed_again() -> None:
    mf = friends_book()
    spoke = CallOutcome(date(2026, 11, 15), "HALF", None, "接通", None, None, reason="赠送亲友卡")
    away = CallOutcome(date(2026, 11, 15), "NEAR", None, "未接通", None, None, reason="赠送亲友卡")
    other = CallOutcome(date(2026, 11, 15), "OLD", None, "接通", None, None, reason="生日关怀")
    rows = {r[MEMBER]: r for r in _friends(plan(mf, notes=[spoke, away, other]))}
    assert "HALF" not in rows
    assert rows["NEAR"][WHY_NOW].startswith("2026-11-15 未接通")  # tried again
    assert "OLD" in rows
    last_year = CallOutcome(date(2025, 11, 15), "HALF", None, "接通", None, None, reason="赠送亲友卡")
    assert "HALF" in {r[MEMBER] for r in _friends(plan(mf, notes=[last_year]))}


# ---- the yearly points exchange: the invitation's audience, on the Call list ----

EVENTS = [Event(2, "E0", "春季沙龙", date(2026, 4, 1)),
          Event(3, "E1", "年度积分兑换会", date(2026, 11, 28), 7, ("积分>=1000",)),
          Event(4, "E2", "联名卡专享", date(2026, 11, 29), 7, ("招商银行",)),
          Event(5, "E3", "年底清积分", date(2026, 11, 29), 7, ("points expiring before 2026-12-31",))]


def exchange_book() -> MemberFile:
    """Who came to E0 is phoned about events, and valued members. A: 1,200 points (320 lapse 2026-12-31),
    came (and the one high-spend frequent member: confidant); B: 600 points, came; C: 1,500 points, the
    whale; D: partner card 招商银行, 100 points, came; E: 1,050 points, came; F: 1,100 points, neither
    came nor valued (the others' points were earned in 2026 and lapse later)."""
    ms = [member(1, member_id="A", name="李娜"), member(2, member_id="B"), member(3, member_id="C"),
          member(4, member_id="D", partner="招商银行"), member(5, member_id="E", name="Emma", language="en"),
          member(6, member_id="F")]
    txns = [buy(2, date(2025, 12, 10), "A", 320), buy(3, date(2026, 6, 1), "A", 880), buy(4, date(2026, 6, 1), "B", 600),
            buy(5, date(2026, 6, 1), "C", 1500), buy(6, date(2026, 6, 1), "D", 100), buy(7, date(2026, 6, 2), "E", 1050),
            buy(8, date(2026, 6, 3), "F", 1100)]
    came = [Attendance(2 + i, "E0", mid, True) for i, mid in enumerate(("A", "B", "D", "E"))]
    return book(ms, txns, events=EVENTS, attendance=came)


def _event_calls(week: CallList) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in (*week.rows, *week.waiting):
        if r[TYPE] in ("活动邀请", "Event invitation"):
            out.setdefault(r[MEMBER], []).append(r[WHY])
    return out


def test_the_points_audience_puts_exactly_the_invited_on_the_call_list() -> None:
    mf = exchange_book()
    cfg = Config()
    ev = evaluate(mf, cfg, DAY)
    seg = segment(mf.members, mf.txns, cfg.segments, DAY)
    reasons = gather(mf, ev, seg, cfg.call_list, history([], DAY, 14), {}, {"A": 1, "B": 1, "D": 1, "E": 1},
                     member_benefits(mf, cfg, cfg.campaigns, DAY))
    called = sorted((r.event_id or "", mid) for mid, rs in reasons.items() for r in rs if r.kind == "event")
    # E1 (>= 1,000 points): A, C and E, not B (600); E2 (the partner card): D; E3 (points lapsing by 12-31): A
    valued = {ms.member_id for ms in seg.members if ms.whale or ms.quadrant is Quadrant.CONFIDANT}
    assert valued == {"A", "C"}
    sms = sorted((c.occasion, c.member_id) for c in candidates(mf, ev, seg, cfg.campaigns, cfg.messaging, DAY)
                 if c.campaign == "event")
    assert sms == [("E1", "A"), ("E1", "C"), ("E1", "E"), ("E1", "F"), ("E2", "D"), ("E3", "A")]
    phoned = [(e, m) for e, m in sms if m in {"A", "B", "D", "E"} | valued]
    assert called == phoned == [("E1", "A"), ("E1", "C"), ("E1", "E"), ("E2", "D"), ("E3", "A")]  # F: not phoned


def test_the_exchange_call_names_what_the_points_buy() -> None:
    mf = exchange_book()
    week = plan(mf, config={})
    calls = _event_calls(week)
    assert set(calls) == {"A", "C", "D", "E"}  # (one call a member: A's two invitations are one row)
    a = next(r for r in week.rows if r[MEMBER] == "A")
    # rewards as the card and the SMS invitation say (campaigns.rewards: 护手霜 500, 面膜一盒 1,000, ...)
    assert a[WHY] == ("邀请参加“年度积分兑换会”（2026-11-28）：现有 1,200 积分，现在可兑换：护手霜、面膜一盒; "
                      "邀请参加“年底清积分”（2026-11-29）：现有 1,200 积分，现在可兑换：护手霜、面膜一盒")
    assert a[OPENING] == ("李娜您好，我是旗舰店的顾问。11月28日我们有一场会员活动“年度积分兑换会”，"
                          "您的1,200积分可以兑换面膜一盒，诚挚邀请您参加，您那天方便来吗？")
    d = next(r for r in week.rows if r[MEMBER] == "D")  # not a points event: nothing said of points
    assert d[WHY] == "邀请参加“联名卡专享”（2026-11-29）" and "积分" not in d[OPENING]
    en = plan(mf, config={}, lang="en")
    e = next(r for r in en.rows if r[MEMBER] == "E")
    assert e[WHY] == "invite to “年度积分兑换会” on 2026-11-28: 1,050 points; Can take now: Hand cream, A box of face masks"
    assert e[OPENING] == ("Hello Emma, this is 旗舰店. On November 28 we are holding “年度积分兑换会” for our members and "
                          "would love you to come; your 1,050 points get you A box of face masks. Can you make it?")
