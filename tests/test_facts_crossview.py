"""One truth per member: every figure shown in more than one view is the same in each (tests/crossview.py
builds the views: the member card's JSON, Member status cells, the Call list's text, the Dashboard,
``today``'s reasons and rendered messages, and the birthday lists).

Demo books of several sizes, seeds and days, a chain, the hand-built dental clinic, and random books
(hypothesis). ``test_the_check_fails_when_a_view_computes_its_own_variant`` proves the check can fail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalsheet import refresh
from loyalsheet.campaigns.settings import CampaignSettings, Reward
from loyalsheet.config import Config, load_config
from loyalsheet.demo import write_demo
from loyalsheet.model import Birthday, Event, GiftCard, Member, MemberFile, PaidWith, Txn, TxnType
from loyalsheet.rules.settings import ExpirySettings, PointsSettings
from loyalsheet.workbook.reader import read_member_file
from tests.crossview import disagreements
from tests.dental import DAY as DENTAL_DAY
from tests.dental import write_dental


def _book(folder: Path) -> tuple[Config, MemberFile]:
    config = load_config(folder / "config.yaml")
    return config, read_member_file(config.workbook_path, region=config.region)


@pytest.mark.parametrize(("members", "seed", "day", "stores"), [
    (120, 1, date(2026, 11, 22), 1),
    (400, 7, date(2026, 12, 8), 1),
    (600, 2026, date(2026, 6, 30), 1),
    (300, 4, date(2026, 11, 22), 3),
])
def test_every_view_of_a_demo_book_shows_the_same_figures(members: int, seed: int, day: date, stores: int,
                                                          tmp_path: Path) -> None:
    names = ("旗舰店", "东城店", "西城店")[:stores]
    write_demo(tmp_path / "shop", members=members, seed=seed, today=day, stores=names)
    config, mf = _book(tmp_path / "shop")
    assert disagreements(config, mf, day) == []


def test_every_view_of_the_dental_clinic_shows_the_same_figures(tmp_path: Path) -> None:
    config, mf = _book(write_dental(tmp_path / "clinic").parent)
    assert disagreements(config, mf, DENTAL_DAY) == []
    for later in (7, 23, 40):  # the birthdays, the expiry day and after it
        assert disagreements(config, mf, DENTAL_DAY + timedelta(days=later)) == []


def test_the_check_fails_when_a_view_computes_its_own_variant(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Member status showing the segments' spend with gift-card purchases in it (the old variant) is caught."""
    config, mf = _book(write_dental(tmp_path / "clinic").parent)
    real = refresh._status_rows

    def own_variant(*args: object, **kwargs: object) -> list[list[object]]:
        rows = real(*args, **kwargs)  # type: ignore[arg-type]
        for row in rows:
            if row[0] == "D001":
                row[15] = Decimal(5834 + 250)
        return rows

    monkeypatch.setattr(refresh, "_status_rows", own_variant)
    assert disagreements(config, mf, DENTAL_DAY) == ["D001: 12-month spend (status/card): "
                                                     "Decimal('6084') != Decimal('5834.00')"]


# --- random books -------------------------------------------------------------------------------

TODAY = date(2026, 12, 8)
_BASE = Config()
_REWARDS = CampaignSettings(rewards=(Reward(name="护手霜", name_en="Hand cream", points=500),
                                     Reward(name="100元代金券", name_en="100 yuan voucher", points=2000)))


@st.composite
def books(draw: st.DrawFn) -> tuple[Config, MemberFile]:
    n = draw(st.integers(2, 8))
    members: list[Member] = []
    for i in range(n):
        holders = [m.member_id for m in members if m.family_of is None]
        family_of = draw(st.sampled_from([None, *holders])) if holders and draw(st.booleans()) else None
        phone = f"+86138001380{i:02d}"
        if family_of is not None and draw(st.booleans()):
            phone = next(m.phone for m in members if m.member_id == family_of) or phone
        birthday = None
        if draw(st.booleans()):
            birthday = Birthday(draw(st.integers(1, 12)), draw(st.integers(1, 28)), draw(st.sampled_from([None, 1990])),
                                draw(st.booleans()))
        members.append(Member(
            row=i + 2, member_id=f"M{i}", name=f"会员{i}", joined=date(2024, 1, 1), phone=phone, birthday=birthday,
            family_of=family_of, referred_by=draw(st.sampled_from([None, *[m.member_id for m in members]])),
            sms_consent=draw(st.sampled_from([None, True])), language=draw(st.sampled_from([None, "en"])),
        ))
    cards = [GiftCard(row=k + 2, card_id=f"G{k}", member_id=draw(st.sampled_from([m.member_id for m in members])),
                      issued=TODAY - timedelta(days=draw(st.integers(0, 500))), value=Decimal(600),
                      friend_registered=True)
             for k in range(draw(st.integers(0, 2)))]
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        typ = draw(st.sampled_from([TxnType.PURCHASE] * 4 + [TxnType.REFUND, TxnType.TOP_UP]))
        paid = draw(st.sampled_from([PaidWith.CASH, PaidWith.CARD, PaidWith.STORED_VALUE, PaidWith.GIFT_CARD]))
        if typ is TxnType.TOP_UP or (paid is PaidWith.GIFT_CARD and not cards):
            paid = PaidWith.CASH
        rows.append((TODAY - timedelta(days=draw(st.integers(0, 720))), draw(st.sampled_from(members)).member_id,
                     typ, Decimal(draw(st.integers(1, 4000))), paid,
                     draw(st.sampled_from(cards)).card_id if paid is PaidWith.GIFT_CARD else None))
    rows.sort(key=lambda r: r[0])
    txns = tuple(Txn(row=k + 2, day=d, member_id=mid, type=typ, amount=amount, paid_with=paid, gift_card=card)
                 for k, (d, mid, typ, amount, paid, card) in enumerate(rows))
    events = (Event(row=2, event_id="E1", title="讲座", day=TODAY + timedelta(days=3), invite_days=7,
                    audience=(draw(st.sampled_from(["Silver", "Member", "all"])),)),)
    expiry = draw(st.sampled_from([ExpirySettings(), ExpirySettings(mode="fixed_date", month_day="12-31")]))
    tiers = _BASE.tiers.model_copy(
        update={"spend": _BASE.tiers.spend.model_copy(update={"include_gift_card": draw(st.booleans())})})
    config = Config(campaigns=_REWARDS, points=PointsSettings(expiry=expiry), tiers=tiers)
    return config, MemberFile(path="random.xlsx", members=tuple(members), txns=txns, gift_cards=tuple(cards),
                              events=events)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(), st.integers(0, 60))
def test_every_view_of_a_random_book_shows_the_same_figures(book: tuple[Config, MemberFile], later: int) -> None:
    config, mf = book
    assert disagreements(config, mf, TODAY + timedelta(days=later)) == []
