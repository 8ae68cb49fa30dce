"""Holdout groups: drawn from the message key (stable across reruns), marketing only, recorded, never sent."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from loyalsheet.campaigns import Candidate, History, apply_policy
from loyalsheet.campaigns.holdout import draw, held_out
from loyalsheet.campaigns.settings import CampaignSettings, MessagingSettings, WinBackCampaign
from loyalsheet.messaging.ledger import Ledger, OutgoingMessage, State
from loyalsheet.model import Member
from loyalsheet.rules import Reason
from tests.helpers import LEDGER_V1_SCHEMA

DAY = date(2026, 11, 22)
NOW = datetime.combine(DAY, time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
ZONES: dict[str | None, str] = {None: "Asia/Shanghai"}
CAMPAIGNS = ("winback", "event", "festival", "followup-3m", "birthday", "points-expiring", "membership-ending")


def member(n: int) -> Member:
    return Member(row=n + 1, member_id=f"M{n:05d}", name=f"会员{n}", joined=date(2024, 1, 1),
                  phone=f"+86138001{n:05d}", email=f"m{n}@example.com", sms_consent=True, email_consent=True)


def cand(campaign: str, n: int, kind: str, share: float, occasion: str = "2026") -> Candidate:
    return Candidate(key=f"{campaign}:M{n:05d}:{occasion}", campaign=campaign, member_id=f"M{n:05d}",
                     occasion=occasion, kind=kind, reason=Reason("camp.why.birthday", {"day": DAY}),  # type: ignore[arg-type]
                     template=campaign, channels=("sms", "email"), holdout=share, version="v")


def held_keys(cands: list[Candidate], members: list[Member], history: History | None = None) -> set[str]:
    plan = apply_policy(cands, {m.member_id: m for m in members}, MessagingSettings(), now=NOW, today=DAY,
                        zones=ZONES, history=history)
    return {h.candidate.key for h in plan.held if h.reason == "holdout"}


def test_draw_is_a_fixed_number_in_0_1_from_the_key() -> None:
    assert draw("winback:M00001:2026-05-01") == draw("winback:M00001:2026-05-01")
    assert 0 <= draw("x") < 1 and draw("winback:M00001:2026-05-01") != draw("winback:M00002:2026-05-01")
    assert not held_out("k", "service", 0.5) and not held_out("k", "marketing", 0.0)
    # about the share asked for, over many keys
    share = sum(held_out(f"winback:M{n:05d}:2026", "marketing", 0.1) for n in range(20_000)) / 20_000
    assert 0.09 < share < 0.11


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CAMPAIGNS), st.integers(1, 400), st.sampled_from(("service", "marketing")),
                          st.sampled_from((0.0, 0.1, 0.3, 0.5))), min_size=1, max_size=60,
                unique_by=lambda r: (r[0], r[1])),
       st.randoms(use_true_random=False))
def test_holdout_is_stable_across_reruns_and_never_touches_service(
        rows: list[tuple[str, int, str, float]], rnd: Any) -> None:
    cands = [cand(c, n, kind, share) for c, n, kind, share in rows]
    members = [member(n) for n in {n for _, n, _, _ in rows}]
    first = held_keys(cands, members)
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert held_keys(shuffled, list(reversed(members))) == first  # same people, whatever the order
    by_key = {c.key: c for c in cands}
    assert all(by_key[k].kind == "marketing" and by_key[k].holdout > 0 for k in first)
    # The same draw decides, for every marketing message that could go (one a day: the first by priority).
    for k in first:
        assert draw(k) < by_key[k].holdout
    # A rerun after the holdouts were recorded: the ledger's rows hold the same keys out again.
    history = History(done=dict.fromkeys(first, "holdout"))
    assert held_keys(cands, members, history) == first


def test_a_service_campaign_is_never_held_out_and_says_so_when_asked() -> None:
    assert CampaignSettings().points_expiring.effective_holdout() == 0
    assert CampaignSettings().win_back.effective_holdout() == 0.1
    assert CampaignSettings().birthday.effective_holdout() == 0
    with pytest.raises(ValidationError, match="service message is never held out"):
        CampaignSettings.model_validate({"points_expiring": {"holdout": 0.2}})
    with pytest.raises(ValidationError):
        WinBackCampaign(holdout=0.9)
    assert WinBackCampaign(kind="service").effective_holdout() == 0  # the default share does not apply
    assert WinBackCampaign().version() != WinBackCampaign(holdout=0.2).version()


def test_a_held_out_member_gets_nothing_else_that_day() -> None:
    key = next(f"winback:M{n:05d}:2026" for n in range(1, 500) if draw(f"winback:M{n:05d}:2026") < 0.1)
    n = int(key.split(":")[1][1:])
    cands = [cand("winback", n, "marketing", 0.1), cand("festival", n, "marketing", 0.0)]
    plan = apply_policy(cands, {f"M{n:05d}": member(n)}, MessagingSettings(priority=("winback", "festival")),
                        now=NOW, today=DAY, zones=ZONES)
    assert [(h.candidate.key, h.reason) for h in plan.held] == [(key, "holdout"), (f"festival:M{n:05d}:2026",
                                                                                   "daily_limit")]
    assert plan.planned == ()


def msg(n: int, state_key: str = "winback") -> OutgoingMessage:
    return OutgoingMessage(key=f"{state_key}:M{n:04d}:2026", member_id=f"M{n:04d}", campaign=state_key,
                           channel="sms", to=f"+86138001{n:05d}", body="", planned_for=DAY, kind="marketing",
                           version="abc12345")


def test_the_ledger_records_holdouts_that_can_never_be_claimed(tmp_path: Path) -> None:
    at = datetime(2026, 11, 22, 2, tzinfo=UTC)
    with Ledger(tmp_path / "m.ledger.sqlite") as ledger:
        ledger.plan([msg(2)], at)
        assert ledger.record_holdouts([msg(1), msg(2)], at) == ["winback:M0001:2026", "winback:M0002:2026"]
        assert ledger.record_holdouts([msg(1)], at) == []  # a rerun changes nothing
        e = ledger.entry("winback:M0001:2026")
        assert e is not None and e.state is State.HOLDOUT and e.done and e.version == "abc12345"
        with pytest.raises(Exception, match="cannot move"):
            ledger.claim([("winback:M0001:2026", "outbox")], at)
        ledger.plan([msg(3)], at)
        ledger.claim([("winback:M0003:2026", "outbox")], at)
        ledger.mark_attempt("winback:M0003:2026", at)
        ledger.mark_sent("winback:M0003:2026", "id-3", at)
        assert ledger.record_holdouts([msg(3)], at) == []  # a message already sent is never turned into a holdout
        assert ledger.counts()[State.HOLDOUT] == 2


def test_a_ledger_from_before_holdouts_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.ledger.sqlite"
    db = sqlite3.connect(path)
    db.executescript(LEDGER_V1_SCHEMA)
    db.executescript("""
        INSERT INTO messages (key, member_id, campaign, channel, recipient, kind, body_sha256, planned_for, state,
          planned_at, updated_at, provider_id) VALUES ('winback:M1:2026-01-01', 'M1', 'winback', 'sms', '+8613800138000',
          'marketing', 'h', '2026-01-02', 'sent', '2026-01-02T01:00:00+00:00', '2026-01-02T01:00:00+00:00', 'SM1');
    """)
    db.close()
    with Ledger(path) as ledger:
        old = ledger.entry("winback:M1:2026-01-01")
        assert old is not None and old.state is State.SENT and old.provider_id == "SM1" and old.version is None
        assert ledger.record_holdouts([msg(9)], datetime(2026, 11, 22, tzinfo=UTC)) == ["winback:M0009:2026"]
        assert len(ledger.history()) == 2
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")} >= {
        "messages_state", "messages_member", "messages_recipient"}
    db.close()
