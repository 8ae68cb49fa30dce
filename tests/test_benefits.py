"""Benefits, pure: what the points buy (now and next), a friend's discount, when to offer a friends
card, the voucher reminders and the points-based audience of the yearly exchange. Hand-computed books."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loyalsheet.campaigns.audience import PointsRule, points_audience
from loyalsheet.config import Config
from loyalsheet.model import CourseCard, Event, GiftCard, Member, Txn, TxnType, Voucher, VoucherKind
from loyalsheet.rules import evaluate, explain
from loyalsheet.rules.benefits import (
    RewardOption,
    friends_card_due,
    friends_discounts,
    gift_cards_by_giver,
    reward_lines,
)
from loyalsheet.rules.settings import BenefitsSettings
from tests.test_campaigns_core import book, buy, due, keys, member

DAY = date(2026, 11, 22)
REWARDS = (RewardOption("面膜一盒", "A box of face masks", 1000), RewardOption("护手霜", "Hand cream", 500),
           RewardOption("100元代金券", "100 yuan voucher", 2000))


def test_reward_lines_now_and_next() -> None:
    low = reward_lines(REWARDS, 180)
    assert low.can_take == () and low.next is not None and low.missing == 320
    assert low.now_reason() is None
    next_reason = low.next_reason()
    assert next_reason is not None
    assert explain(next_reason, "zh") == "再积 320 分可换护手霜"
    assert explain(next_reason, "en") == "320 more points for Hand cream"
    mid = reward_lines(REWARDS, 1180)
    assert [r.name for r in mid.can_take] == ["护手霜", "面膜一盒"] and mid.missing == 820
    now = mid.now_reason()
    assert now is not None and explain(now, "zh") == "现在可兑换：护手霜、面膜一盒"
    assert explain(now, "en") == "Can take now: Hand cream, A box of face masks"
    top = reward_lines(REWARDS, 2000)
    assert len(top.can_take) == 3 and top.next is None and top.next_reason() is None
    assert reward_lines(REWARDS, -40).missing == 500  # a negative balance still needs 500, not 540
    assert reward_lines((), 900).next is None


SETTINGS = BenefitsSettings()  # 88折 for 12 months


def test_friends_discount_for_a_referred_member_and_a_registered_card_friend() -> None:
    giver = member(1)
    referred = member(2, referred_by="M00001", joined=date(2026, 3, 10))
    old_referral = member(3, referred_by="M00001", joined=date(2025, 11, 21))  # 12 months ended 2026-11-21
    friend = member(4, phone="+8613900000004", joined=date(2026, 10, 1))
    unregistered = member(5, phone="+8613900000005")
    cards = [GiftCard(2, "G1", "M00001", date(2026, 9, 1), Decimal(600), friend_phone="+8613900000004",
                      friend_registered=True),
             GiftCard(3, "G2", "M00001", date(2026, 9, 1), Decimal(600), friend_phone="+8613900000005")]
    found = friends_discounts([giver, referred, old_referral, friend, unregistered], cards, SETTINGS, DAY)
    assert set(found) == {"M00002", "M00004"}
    r = found["M00002"]
    assert (r.factor, r.until, r.via, r.by) == (Decimal("0.88"), date(2027, 3, 10), "referral", "M00001")
    assert explain(r.why, "zh") == "亲友优惠 88折（M00001 推荐），至 2027-03-10"
    f = found["M00004"]
    assert (f.via, f.card_id, f.until) == ("gift card", "G1", date(2027, 9, 1))
    assert explain(f.why, "en") == "Friend's discount 12% off (88折), friend of M00001 (gift card G1), until 2027-09-01"
    assert friends_discounts([giver, referred], cards, BenefitsSettings(friends_discount=Decimal(1)), DAY) == {}


def _cards(used: int) -> tuple[Member, list[Txn], CourseCard]:
    m = member(7)
    card = CourseCard(2, "CC1", m.member_id, "面部护理", 10, Decimal(3000), date(2026, 1, 5))
    sessions = [Txn(2 + i, date(2026, 2, 1 + i), m.member_id, TxnType.SESSION, course_card="CC1") for i in range(used)]
    return m, sessions, card


def test_friends_card_when_a_course_card_is_half_used_and_not_given_this_year() -> None:
    config = Config()
    for used, expected in ((4, None), (5, "可赠送亲友卡：面部护理疗程卡 CC1 已用过半（5/10 次）")):
        m, sessions, card = _cards(used)
        ev = evaluate(book([m], sessions, course_cards=[card]), config, DAY)
        r = ev.members[m.member_id]
        why = friends_card_due(m.member_id, r.course_cards, r.spend.last_12_months, {}, SETTINGS, DAY)
        assert (explain(why, "zh") if why else None) == expected
    given_last_year = gift_cards_by_giver([GiftCard(2, "G9", m.member_id, date(2025, 12, 30), Decimal(600))])
    assert friends_card_due(m.member_id, r.course_cards, Decimal(0), given_last_year, SETTINGS, DAY) is not None
    given = gift_cards_by_giver([GiftCard(2, "G9", m.member_id, date(2026, 2, 2), Decimal(600))])
    assert friends_card_due(m.member_id, r.course_cards, Decimal(0), given, SETTINGS, DAY) is None
    by_spend = BenefitsSettings(friends_card_at_half=False, friends_card_spend=Decimal(5000))
    assert friends_card_due("M1", (), Decimal("4999.99"), {}, by_spend, DAY) is None
    spend_why = friends_card_due("M1", (), Decimal(5000), {}, by_spend, DAY)
    assert spend_why is not None and explain(spend_why, "en") == (
        "May be given a friends card: spent 5,000 in 12 months (from 5,000)")


def voucher(row: int, vid: str, mid: str, until: date | None, kind: VoucherKind = VoucherKind.CASH,
            value: Decimal | None = Decimal(50), gift: str | None = None) -> Voucher:
    return Voucher(row, vid, mid, kind, date(2026, 10, 1), value, gift, until)


def test_voucher_reminder_once_per_voucher_within_its_days() -> None:
    a, b = member(1), member(2)
    vouchers = [voucher(2, "Q1", a.member_id, date(2026, 11, 29)),                     # lapses in 7 days: due
                voucher(3, "Q2", a.member_id, date(2026, 11, 30)),                     # 8 days: not yet
                voucher(4, "Q3", b.member_id, date(2026, 11, 25), VoucherKind.PERCENT, Decimal(12)),  # due
                voucher(5, "Q4", b.member_id, date(2026, 11, 24)),                     # used: none
                voucher(6, "Q5", b.member_id, date(2026, 11, 21)),                     # lapsed yesterday: none
                voucher(7, "Q6", b.member_id, None)]                                   # no end: none
    mf = book([a, b], [buy(2, date(2026, 11, 2), b.member_id, 300, voucher="Q4")], vouchers=vouchers)
    found = due(mf, DAY, campaign="voucher-expiring")
    assert keys(found) == ["voucher-expiring:M00001:Q1", "voucher-expiring:M00002:Q3"]
    q3 = next(c for c in found if c.occasion == "Q3")
    assert (q3.kind, q3.data["voucher_kind"], q3.data["voucher_zhe"], q3.data["days_left"]) == (
        "service", "percent", "88", 3)
    assert q3.reason.render("zh") == "优惠券 Q3 未使用，2026-11-25 后过期"
    assert keys(due(mf, date(2026, 11, 23), campaign="voucher-expiring")) == [
        "voucher-expiring:M00001:Q1", "voucher-expiring:M00001:Q2", "voucher-expiring:M00002:Q3"]


def test_points_audience_words() -> None:
    rules, words = points_audience(("积分>=1000", "points expiring before 2026-12-31", "金卡", "积分≥ 500分",
                                    "招商银行", "积分到期早于2027年2月30日"))
    assert rules == (PointsRule(at_least=1000), PointsRule(expiring_by=date(2026, 12, 31)), PointsRule(at_least=500))
    assert words == ("金卡", "招商银行", "积分到期早于2027年2月30日")


def test_the_yearly_exchange_invites_by_points_and_names_what_they_buy() -> None:
    rich = member(1)                         # 1,200 points, 320 of them lapse 2026-12-31
    poor = member(2)                         # 600 points, lapsing 2027-06-30
    late = member(3)                         # 1,500 points, none lapsing by 2026-12-31
    partner = member(4, partner="招商银行")   # 100 points
    txns = [buy(2, date(2025, 12, 10), rich.member_id, 320), buy(3, date(2026, 6, 1), rich.member_id, 880),
            buy(4, date(2026, 6, 1), poor.member_id, 600), buy(5, date(2026, 1, 5), late.member_id, 1500),
            buy(6, date(2026, 1, 5), partner.member_id, 100)]
    events = [Event(2, "E1", "年度积分兑换会", date(2026, 11, 28), 7, ("积分>=1000",)),
              Event(3, "E2", "年底清积分", date(2026, 11, 29), 7, ("points expiring before 2026-12-31",)),
              Event(4, "E3", "联名卡专享", date(2026, 11, 29), 7, ("招商银行",)),
              Event(5, "E4", "金卡兑换", date(2026, 11, 29), 7, ("金卡", "积分>=1000"))]
    mf = book([rich, poor, late, partner], txns, events=events)
    found = due(mf, DAY, campaign="event")
    assert keys(found) == ["event:M00001:E1", "event:M00001:E2", "event:M00003:E1", "event:M00004:E3"]
    first = next(c for c in found if c.key == "event:M00001:E1")
    assert first.data["points_exchange"] is True and first.data["balance"] == 1200
    assert [r[0] for r in first.data["rewards"]] == ["护手霜", "面膜一盒"]
    assert first.data["next_reward"] == ("100元代金券", "100 yuan voucher", 2000, 800)
    plain = next(c for c in found if c.key == "event:M00004:E3")
    assert plain.data["points_exchange"] is False and "rewards" not in plain.data


def test_points_messages_name_the_next_reward() -> None:
    m = member(3)
    mf = book([m], [buy(2, date(2025, 12, 10), m.member_id, 320), buy(3, date(2026, 6, 1), m.member_id, 300)])
    [c] = due(mf, date(2026, 12, 1), campaign="points-expiring")
    assert c.data["next_reward"] == ("面膜一盒", "A box of face masks", 1000, 380)
