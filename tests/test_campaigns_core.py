"""Campaigns, pure: worked examples on a pinned day, each with its key, kind and reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from loyalsheet.campaigns import Candidate, candidates, festival_days
from loyalsheet.campaigns.settings import CampaignSettings, MessagingSettings
from loyalsheet.config import Config
from loyalsheet.model import (
    Birthday,
    CourseCard,
    Event,
    GiftCard,
    Member,
    MemberFile,
    Membership,
    PaidWith,
    Txn,
    TxnType,
)
from loyalsheet.rules import evaluate
from loyalsheet.segments import segment

DAY = date(2026, 11, 22)


def member(n: int, **kw: Any) -> Member:
    base: dict[str, Any] = {"row": n + 1, "member_id": f"M{n:05d}", "name": f"会员{n}", "joined": date(2024, 1, 1),
                            "phone": f"+86138001{n:05d}", "email": f"m{n}@example.com", "sms_consent": True,
                            "email_consent": True}
    base.update(kw)
    return Member(**base)


def buy(row: int, day: date, mid: str, amount: int, **kw: Any) -> Txn:
    return Txn(row, day, mid, TxnType.PURCHASE, Decimal(amount), **kw)


def book(members: list[Member], txns: list[Txn] = (), **sheets: Any) -> MemberFile:  # type: ignore[assignment]
    return MemberFile(path="members.xlsx", members=tuple(members), txns=tuple(txns),
                      **{k: tuple(v) for k, v in sheets.items()})


def due(mf: MemberFile, today: date, config: Config | None = None, campaign: str | None = None) -> list[Candidate]:
    config = config or Config()
    ev = evaluate(mf, config, today)
    seg = segment(mf.members, mf.txns, config.segments, today, include_gift_card=config.tiers.spend.include_gift_card)
    found = candidates(mf, ev, seg, config.campaigns, config.messaging, today)
    return [c for c in found if campaign is None or c.campaign == campaign]


def keys(cands: list[Candidate]) -> list[str]:
    return sorted(c.key for c in cands)


def test_birthday_on_the_day_with_the_gift_note() -> None:
    m = member(42, birthday=Birthday(11, 22, 1990))
    mf = book([m], [buy(2, date(2025, 3, 1), m.member_id, 12000)])
    [c] = due(mf, DAY, campaign="birthday")
    assert c.key == "birthday:M00042:2026" and c.kind == "marketing"
    assert c.data["gift"] is True and c.data["gift_budget"] == Decimal(60)  # 0.5% of 2025's 12,000
    assert c.data["age"] == 36
    assert c.reason.render("en") == "birthday on 2026-11-22, gift budget 60"
    assert due(mf, DAY - timedelta(days=1), campaign="birthday") == []
    assert due(mf, DAY + timedelta(days=1), campaign="birthday") == []


def test_birthday_days_before_opens_a_window_until_the_day() -> None:
    config = Config(campaigns=CampaignSettings.model_validate({"birthday": {"days_before": 3}}))
    mf = book([member(1, birthday=Birthday(11, 22))])
    on = [d for d in (DAY + timedelta(days=k) for k in range(-5, 3)) if due(mf, d, config, "birthday")]
    assert on == [DAY - timedelta(days=k) for k in (3, 2, 1, 0)]
    assert {c.key for d in on for c in due(mf, d, config, "birthday")} == {"birthday:M00001:2026"}
    assert due(mf, DAY - timedelta(days=3), config, "birthday")[0].reason.render("en") == "birthday on 2026-11-22"


def test_lunar_birthday_is_keyed_by_its_lunar_year() -> None:
    mf = book([member(7, birthday=Birthday(8, 15, lunar=True))])  # 中秋: 2026-09-25, 2027-09-15
    [c] = due(mf, date(2026, 9, 25), campaign="birthday")
    assert c.key == "birthday:M00007:2026" and c.data["lunar"] is True
    assert [x.key for x in due(mf, date(2027, 9, 15), campaign="birthday")] == ["birthday:M00007:2027"]


def test_follow_ups_3_days_3_weeks_3_months_after_the_first_purchase() -> None:
    m = member(42)
    first = date(2026, 11, 19)
    mf = book([m], [buy(2, first, m.member_id, 380, category="护肤"), buy(3, date(2026, 11, 21), m.member_id, 99)])
    [c] = due(mf, DAY, campaign="followup-3d")
    assert c.key == "followup-3d:M00042:2026-11-19" and c.kind == "service"
    assert c.data["category"] == "护肤" and c.reason.render("en") == "first purchase 2026-11-19, 3 days ago"
    days_3d = [d for d in (first + timedelta(days=k) for k in range(0, 10)) if due(mf, d, campaign="followup-3d")]
    assert days_3d == [first + timedelta(days=k) for k in (3, 4, 5)]  # late_days 2
    assert [x.key for x in due(mf, first + timedelta(days=21), campaign="followup-3w")] == [
        "followup-3w:M00042:2026-11-19"]
    [m3] = due(mf, first + timedelta(days=90), campaign="followup-3m")
    assert m3.key == "followup-3m:M00042:2026-11-19" and m3.kind == "marketing"


def test_points_expiring_with_amount_date_and_rewards() -> None:
    m = member(3)
    mf = book([m], [buy(2, date(2025, 12, 10), m.member_id, 320), buy(3, date(2026, 6, 1), m.member_id, 300)])
    [c] = due(mf, date(2026, 12, 1), campaign="points-expiring")
    assert c.key == "points-expiring:M00003:2026-12-31"
    assert c.reason.render("en") == "320 points expire 2026-12-31"
    assert c.reason.render("zh") == "320 积分将于 2026-12-31 过期"
    assert c.data["balance"] == 620 and [r[2] for r in c.data["rewards"]] == [500]
    assert due(mf, date(2026, 11, 30), campaign="points-expiring") == []  # 31 days ahead: not yet


def test_points_below_min_points_are_not_worth_a_message() -> None:
    m = member(3)
    mf = book([m], [buy(2, date(2025, 12, 10), m.member_id, 99)])
    assert due(mf, date(2026, 12, 1), campaign="points-expiring") == []


def test_gift_card_lapsing_reminds_the_giver_and_the_friend() -> None:
    giver = member(5)
    card = GiftCard(2, "GC001", giver.member_id, date(2026, 9, 1), Decimal(600), 3, "李丽", "+8613912345678")
    use = Txn(2, date(2026, 9, 20), "M00099", TxnType.PURCHASE, Decimal(250), paid_with=PaidWith.GIFT_CARD,
              gift_card="GC001")
    mf = book([giver, member(99)], [use], gift_cards=[card])
    found = due(mf, date(2026, 11, 20))
    lapsing = [c for c in found if c.campaign.startswith("giftcard")]
    assert keys(lapsing) == ["giftcard-friend:M00005:GC001@2026-12-01", "giftcard-lapsing:M00005:GC001@2026-12-01"]
    friend = next(c for c in lapsing if c.campaign == "giftcard-friend")
    assert friend.friend is not None and friend.friend.phone == "+8613912345678" and friend.channels == ("sms",)
    assert friend.data["balance"] == Decimal(350)
    assert friend.reason.render("en") == "gift card GC001 has 350 left, lapses after 2026-12-01"
    assert not [c for c in due(mf, date(2026, 11, 16)) if c.campaign.startswith("giftcard")]  # 15 days ahead


def test_paid_membership_ending() -> None:
    m = member(8, membership=Membership.PAID, paid_until=date(2026, 12, 15))
    mf = book([m], [Txn(2, date(2025, 12, 16), m.member_id, TxnType.ANNUAL_FEE, Decimal(899))])
    [c] = due(mf, DAY, campaign="membership-ending")
    assert c.key == "membership-ending:M00008:2026-12-15" and c.reason.render("en") == "paid membership ends 2026-12-15"
    assert due(mf, date(2026, 11, 14), campaign="membership-ending") == []


def test_win_back_once_per_quiet_spell_keyed_by_the_last_visit() -> None:
    m = member(9)
    visits = [date(2026, 8, 1) + timedelta(days=10 * k) for k in range(5)]  # every 10 days, last 2026-09-10
    mf = book([m], [buy(i + 2, d, m.member_id, 500) for i, d in enumerate(visits)])
    [c] = due(mf, date(2026, 10, 15), campaign="winback")
    assert c.key == "winback:M00009:2026-09-10" and c.kind == "marketing"
    assert "35 days" in c.reason.render("en")
    assert due(mf, date(2026, 9, 15), campaign="winback") == []  # 15 days: within the rhythm
    back = book([m], [*mf.txns, buy(9, date(2026, 10, 20), m.member_id, 300)])
    assert due(back, date(2026, 10, 25), campaign="winback") == []  # came back: the spell is over


def test_event_invitations_to_tiers_and_stores() -> None:
    gold = member(1, membership=Membership.PAID, paid_until=date(2027, 6, 1))
    plain = member(2, store="分店")
    mf = book([gold, plain], [Txn(2, date(2026, 6, 1), gold.member_id, TxnType.ANNUAL_FEE, Decimal(899))],
              events=[Event(2, "E1", "金卡答谢会", date(2026, 11, 28), 7, ("金卡",)),
                      Event(3, "E2", "分店开业", date(2026, 11, 30), 10, ("分店",), "opening"),
                      Event(4, "E3", "新品体验", date(2026, 12, 20), None, ("all",))])
    found = due(mf, DAY, campaign="event")
    assert keys(found) == ["event:M00001:E1", "event:M00002:E2"]
    assert next(c for c in found if c.key == "event:M00002:E2").template == "opening"
    assert [c.key for c in due(mf, date(2026, 12, 13), campaign="event")] == ["event:M00001:E3", "event:M00002:E3"]


def test_course_card_ending_and_idle() -> None:
    m = member(4)
    ending = CourseCard(2, "CC1", m.member_id, "面部护理", 10, Decimal(2000), date(2026, 1, 1), date(2026, 12, 10))
    idle = CourseCard(3, "CC2", m.member_id, "按摩", 5, Decimal(900), date(2026, 9, 1), None)
    sessions = [Txn(2, date(2026, 10, 1), m.member_id, TxnType.SESSION, course_card="CC2"),
                Txn(3, date(2026, 11, 20), m.member_id, TxnType.SESSION, course_card="CC1")]
    mf = book([m], sessions, course_cards=[ending, idle])
    found = due(mf, DAY, campaign="course-card")
    assert keys(found) == ["course-card:M00004:CC1@end-2026-12-10", "course-card:M00004:CC2@idle-2026-10-01"]
    end = next(c for c in found if "CC1" in c.key)
    assert end.data["sessions_left"] == 9 and end.data["reminder"] == "ending"
    assert end.reason.render("en") == "面部护理 card CC1: 9 sessions left, ends 2026-12-10"


def test_festivals_solar_and_lunar() -> None:
    messaging = MessagingSettings.model_validate({"festivals": [
        {"name": "春节", "name_en": "Chinese New Year", "lunar": "01-01"},
        {"name": "中秋节", "lunar": "08-15"}, {"name": "圣诞节", "name_en": "Christmas", "date": "12-25"}]})
    assert festival_days(messaging, date(2027, 2, 6), 0) == [(0, date(2027, 2, 6))]
    assert festival_days(messaging, date(2026, 9, 25), 0) == [(1, date(2026, 9, 25))]
    assert festival_days(messaging, date(2026, 12, 23), 2) == [(2, date(2026, 12, 25))]
    assert festival_days(messaging, date(2026, 12, 22), 2) == []
    config = Config(messaging=messaging)
    found = due(book([member(1), member(2)]), date(2027, 2, 6), config, "festival")
    assert keys(found) == ["festival:M00001:春节-2027-02-06", "festival:M00002:春节-2027-02-06"]
    assert found[0].reason.render("en") == "Chinese New Year on 2027-02-06"


def test_statement_is_off_by_default_and_monthly_when_on() -> None:
    m = member(6)
    mf = book([m], [buy(2, date(2026, 10, 1), m.member_id, 800)])
    assert due(mf, date(2026, 12, 1), campaign="statement") == []
    config = Config(campaigns=CampaignSettings.model_validate({"statement": {"enabled": True}}))
    [c] = due(mf, date(2026, 12, 2), config, "statement")
    assert c.key == "statement:M00006:2026-12" and c.data["balance"] == 800 and c.channels == ("email", "sms")
    assert due(mf, date(2026, 12, 5), config, "statement") == []  # late_days 3


def test_disabled_campaign_gives_nothing() -> None:
    config = Config(campaigns=CampaignSettings.model_validate({"birthday": {"enabled": False}}))
    assert due(book([member(1, birthday=Birthday(11, 22))]), DAY, config, "birthday") == []


@pytest.mark.parametrize("bad", [{"messaging": {"priority": ["birthday", "nope"]}},
                                 {"messaging": {"festivals": [{"name": "x", "lunar": "13-01"}]}},
                                 {"messaging": {"festivals": [{"name": "x"}]}},
                                 {"messaging": {"quiet_hours": {"start": "25:00"}}},
                                 {"campaigns": {"birthday": {"channels": ["fax"]}}},
                                 {"campaigns": {"birthday": {"when": 3}}}])
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Config.model_validate(bad)


def test_example_config_documents_every_campaign_and_messaging_setting() -> None:
    """config.yaml's commented campaigns: and messaging: sections name every setting and, uncommented, load."""
    from pathlib import Path

    from pydantic import BaseModel

    from loyalsheet.config import parse_config

    text = (Path(__file__).resolve().parents[1] / "config.yaml").read_text(encoding="utf-8")
    start = text.index("# campaigns:")
    end = text.index("\n", text.index("#   log_days:"))
    lines = [line[2:] if line.startswith("# ") else "" for line in text[start:end].splitlines()]
    uncommented = "\n".join(line for line in lines if not line.startswith("The policy"))
    config = parse_config(text[:start] + uncommented, Path("."))
    assert config.messaging.festivals[0].lunar == "01-01" and config.campaigns.statement.enabled is False

    def fields(model: type[BaseModel]) -> set[str]:
        names = set(model.model_fields)
        for f in model.model_fields.values():
            sub = f.annotation
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                names |= fields(sub)
        return names

    documented = set(re_words(text[start:end]))
    missing = sorted((fields(CampaignSettings) | fields(MessagingSettings)) - documented)
    assert missing == [], f"config.yaml does not document {missing}"


def re_words(text: str) -> list[str]:
    import re

    return re.findall(r"([a-z_0-9]+):", text)
