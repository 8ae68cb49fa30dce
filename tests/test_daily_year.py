"""A year of days, run one by one on a demo store through the real ledger and outbox.

Every day is planned (rules, segments, campaigns, policy, templates) and sent through
``send_all`` into the outbox folder, as `loyalsheet today --send` does, but called directly for speed.
Then: each birthday went once per (lunar) year, each follow-up once, no member had two messages on one
day, the weekly cap held, nobody opted out or without consent got anything, and re-running a day sends
nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from loyalsheet.campaigns import slot_of
from loyalsheet.config import load_config
from loyalsheet.demo import write_demo
from loyalsheet.messaging.channels import Outbox
from loyalsheet.messaging.daily import prepare_day, templates_for
from loyalsheet.messaging.ledger import Ledger, State
from loyalsheet.messaging.sender import Outcome, send_all
from loyalsheet.rules import birthday_in_year
from loyalsheet.workbook.reader import read_member_file

END = date(2026, 11, 20)  # the demo's last day of transactions
START = END - timedelta(days=364)
SH = ZoneInfo("Asia/Shanghai")
# Why a due message may fairly never go: something more important every day of its window, or a rule.
FAIR = {"daily_limit", "weekly_cap", "same_recipient", "no_consent", "opted_out", "no_address", "holdout"}


@pytest.mark.slow
def test_a_year_of_days_sends_each_birthday_once_and_each_follow_up_once(tmp_path: Path) -> None:
    write_demo(tmp_path, members=120, years=2, today=END)
    config = load_config(tmp_path / "config.yaml")
    mf = read_member_file(config.workbook_path, region=config.region)
    templates = templates_for(config)
    outbox = Outbox(tmp_path / "outbox")
    channels = {"sms": outbox, "email": outbox}
    held: dict[str, set[str]] = defaultdict(set)
    due_days: Counter[str] = Counter()
    with Ledger(tmp_path / "members.ledger.sqlite") as ledger:
        for i in range(365):
            day = START + timedelta(days=i)
            run = prepare_day(config, mf, day, datetime.combine(day, time(10), tzinfo=SH), ledger=ledger,
                              templates=templates)
            assert run.errors == ()
            for h in run.held:
                held[h.candidate.key].add(h.reason)
                due_days[h.candidate.key] += 1
            report = send_all(run.outgoing, ledger, channels, now=lambda: datetime.now(UTC))
            assert {o.outcome for o in report.outcomes} <= {Outcome.SENT}, report.summary()
            if i == 200:  # the same day again: nothing goes twice, nothing new
                again = prepare_day(config, mf, day, datetime.combine(day, time(15), tzinfo=SH), ledger=ledger,
                                    templates=templates)
                assert again.messages == () and {h.reason for h in again.held} <= FAIR | {"already_sent"}
        rows = ledger.history()
    sent = [e for e in rows if e.state is State.SENT]
    assert len(rows) == len(sent) > 500
    assert len(list((tmp_path / "outbox").iterdir())) == len(sent)
    by_key = Counter(e.key for e in sent)
    assert max(by_key.values()) == 1
    members = {m.member_id: m for m in mf.members}

    # One message per member (or per gift card friend's phone) per day; the weekly cap on marketing.
    per_day = Counter((slot_of(e.member_id, e.to if e.campaign == "giftcard-friend" else None), e.planned_for)
                      for e in sent)
    assert max(per_day.values()) == 1
    marketing: dict[str, list[date]] = defaultdict(list)
    for e in sent:
        if e.kind == "marketing":
            marketing[e.member_id].append(e.planned_for)
    for days in marketing.values():
        for d in days:
            assert sum(1 for x in days if d - timedelta(days=6) <= x <= d) <= config.messaging.weekly_cap

    # Consent and opt-outs held: nothing marketing without "yes", nothing at all to a "no" or an opt-out.
    opted = {(o.member_id, o.channel.value) for o in mf.opt_outs if o.member_id}
    opted_to = {o.phone for o in mf.opt_outs if o.phone} | {o.email for o in mf.opt_outs if o.email}
    for e in sent:
        if e.campaign == "giftcard-friend":
            continue
        m = members[e.member_id]
        consent = m.sms_consent if e.channel == "sms" else m.email_consent
        assert consent is not False and (consent is True or e.kind == "service"), e.key
        assert (e.member_id, e.channel) not in opted and (e.member_id, "all") not in opted and e.to not in opted_to

    # Birthdays: once per (lunar) year; every birthday in the year went, or was fairly held every day.
    birthday_keys = [e.key for e in sent if e.campaign == "birthday"]
    assert len(birthday_keys) == len(set(birthday_keys)) > 20
    expected = 0
    for m in members.values():
        if m.birthday is None or m.birthday.lunar:
            continue
        for year in (START.year, END.year):
            try:
                day = birthday_in_year(m.birthday, year)
            except ValueError:
                continue
            if START <= day <= END:
                expected += 1
                key = f"birthday:{m.member_id}:{year}"
                assert by_key[key] == 1 or (held[key] and held[key] <= FAIR), (key, held[key])
    assert expected > 50

    # Follow-ups: each at most once, and every one that fell due either went or was fairly held.
    for name in ("followup-3d", "followup-3w", "followup-3m"):
        went = [e.key for e in sent if e.campaign == name]
        assert len(went) == len(set(went))
        for key in held:
            if key.startswith(name + ":") and by_key[key] == 0:
                assert held[key] <= FAIR, (key, held[key])
    campaigns = Counter(e.campaign for e in sent)
    assert {"birthday", "followup-3d", "followup-3w", "followup-3m", "points-expiring", "event", "festival",
            "winback", "course-card"} <= set(campaigns), campaigns
