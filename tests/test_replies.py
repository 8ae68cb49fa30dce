"""Members' SMS replies read back: opt-out words, event confirmations, and the Replies sheet for staff."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from loyalsheet.campaigns.settings import ReplyWords
from loyalsheet.messaging.daily import history_from_ledger
from loyalsheet.messaging.ledger import SCHEMA_VERSION, Ledger, OutgoingMessage, Reply, State
from loyalsheet.replies import Invitation, interpret, meaning_of, normalize
from tests.helpers import Result
from tests.servers import smtp_server, twilio_server
from tests.test_today_cli import DAY, as_json, today, use_servers

REPLIES_SHEET = "短信回复 Replies"
STORE_NUMBER = "+15005550006"
WORDS = ReplyWords()
AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "meaning"), [
    ("TD", "opt_out"), ("ｔｄ", "opt_out"), (" 退订。", "opt_out"), ("stop!", "opt_out"), ("T", "opt_out"),
    ("Unsubscribe", "opt_out"), ("取消", "opt_out"), ("1", "confirm"), ("１", "confirm"), ("是", "confirm"),
    ("y", "confirm"), ("几点开始？", "other"), ("TD 谢谢", "other"), ("", "other"), ("11", "other"),
])
def test_the_whole_reply_is_compared_word_for_word(text: str, meaning: str) -> None:
    assert meaning_of(text, WORDS) == meaning


def test_reply_words_are_configurable() -> None:
    words = ReplyWords(opt_out=("不要再发",), confirm=("报名",))
    assert meaning_of("不要再发！", words) == "opt_out" and meaning_of("TD", words) == "other"
    assert meaning_of("报名", words) == "confirm" and normalize(" Ｓｔｏｐ. ") == "STOP"


def test_a_confirmation_answers_the_latest_invitation_still_open() -> None:
    reply = Reply("twilio", "SM1", "+8613800000001", "1", AT)
    phones = {"+8613800000001": ["M1", "M2"]}  # a family sharing one phone
    invitations = [Invitation("M2", "E2", AT - timedelta(days=2)), Invitation("M1", "E1", AT - timedelta(days=5))]
    days = {"E1": date(2026, 11, 25), "E2": date(2026, 11, 28)}
    got = interpret(reply, WORDS, phones, invitations, days, AT.date())
    assert (got.meaning, got.member_id, got.event_id) == ("confirm", "M2", "E2")
    past = interpret(reply, WORDS, phones, invitations, {**days, "E2": date(2026, 11, 19)}, AT.date())
    assert (past.meaning, past.event_id) == ("confirm", "E1")  # E2 is over: the reply answers E1
    old = interpret(reply, WORDS, phones, [Invitation("M1", "E1", AT - timedelta(days=40))], days, AT.date())
    assert (old.meaning, old.event_id) == ("other", None)  # nothing open to answer: for staff
    none = interpret(reply, WORDS, phones, [], days, AT.date())
    assert none.meaning == "other" and none.member_id is None  # two members share the number
    stop = interpret(Reply("twilio", "SM2", "+8613800000009", "退订", AT), WORDS, {"+8613800000009": ["M9"]}, [], {},
                     AT.date())
    assert (stop.meaning, stop.member_id) == ("opt_out", "M9")


def test_a_version_1_ledger_gains_the_reply_tables_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "members.ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.plan([OutgoingMessage("birthday:M1:2026", "M1", "birthday", "sms", "+8613800000001", "hi", DAY)], AT)
        ledger.record_opt_out("+8613800000002", "sms", "twilio 21610", AT)
    db = sqlite3.connect(path)  # make it the ledger an older loyalsheet wrote
    db.execute("DROP TABLE replies")
    db.execute("DROP TABLE event_confirmations")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.entry("birthday:M1:2026") is not None and len(ledger.opt_outs()) == 1
        assert ledger.record_reply(Reply("twilio", "SM1", "+8613800000001", "1", AT, "confirm", "M1", "E1"), AT)
        assert not ledger.record_reply(Reply("twilio", "SM1", "+8613800000001", "1", AT, "confirm", "M1", "E1"), AT)
        assert ledger.confirmations() == [("E1", "M1", AT.date())]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    db.close()


def test_today_reads_the_replies_first_and_acts_on_them(cli: Callable[..., Result], store: Path) -> None:
    with twilio_server() as tw, smtp_server() as sink:
        env = use_servers(store, tw, sink)
        first = today(cli, store, "--at", "10:00", "--send", "--json", env=env)
        assert first.code == 0, first.err
        assert as_json(first)["replies"] == {"new": 0, "opt_out": 0, "confirm": 0, "other": 0}
        with Ledger(store / "members.ledger.sqlite") as ledger:
            sent = [e for e in ledger.history() if e.channel == "sms" and e.state is State.SENT]
        invited = next(e for e in sent if e.campaign == "event")
        others = [e for e in sent if e.to != invited.to]
        stopper, asker = others[0], others[1]
        tw.receive(invited.to, "１", STORE_NUMBER)
        tw.receive(stopper.to, "退订", STORE_NUMBER)
        tw.receive(asker.to, "=几点开始？<b>", STORE_NUMBER)
        tw.receive(asker.to, "an old one", STORE_NUMBER, at=datetime.now(UTC) - timedelta(days=30))
        tw.receive(asker.to, "to another number", "+15005550007")
        second = today(cli, store, "--at", "15:00", "--send", "--json", env=env)
        assert second.code == 0, second.err
        assert as_json(second)["replies"] == {"new": 3, "opt_out": 1, "confirm": 1, "other": 1}
        third = today(cli, store, "--at", "16:00", "--json", env=env)  # a dry run reads too: nothing new
        assert as_json(third)["replies"] == {"new": 0, "opt_out": 0, "confirm": 0, "other": 0}
    with Ledger(store / "members.ledger.sqlite") as ledger:
        opt_outs = {o.to: o.source for o in ledger.opt_outs()}
        assert opt_outs == {stopper.to: "twilio reply"}  # recorded as 21610 is: honoured on every later run
        assert ("sms", stopper.to) in history_from_ledger(ledger, [], DAY).opted_out
        assert [c[:2] for c in ledger.confirmations()] == [(invited.key.split(":", 2)[2], invited.member_id)]
    rows = list(load_workbook(store / "members.xlsx", read_only=True)[REPLIES_SHEET].iter_rows(values_only=True))
    assert rows[0][4] == "内容\nText" and len(rows) == 4
    by_text = {r[4]: r for r in rows[1:]}
    assert by_text["１"][5] == "confirmed" and by_text["１"][2] == invited.member_id
    assert by_text["１"][6] == invited.key.split(":", 2)[2]
    assert by_text["退订"][5] == "opt-out" and by_text["退订"][1] == stopper.to
    assert by_text["=几点开始？<b>"][5] == "for staff"  # kept as text, never a formula


def test_refresh_reads_the_replies_and_writes_the_replies_sheet(cli: Callable[..., Result], store: Path) -> None:
    with twilio_server() as tw, smtp_server() as sink:
        env = use_servers(store, tw, sink)
        assert today(cli, store, "--at", "10:00", "--send", env=env).code == 0
        with Ledger(store / "members.ledger.sqlite") as ledger:
            to = next(e.to for e in ledger.history() if e.channel == "sms" and e.state is State.SENT)
        tw.receive(to, "STOP", STORE_NUMBER)
        done = cli("refresh", "--config", str(store / "config.yaml"), "--date", DAY.isoformat(), "--json",
                   "--lang", "en", cwd=store, env=env)
        assert done.code == 0, done.err
        assert as_json(done)["replies"] == {"new": 1, "opt_out": 1, "confirm": 0, "other": 0}
    with Ledger(store / "members.ledger.sqlite") as ledger:
        assert [o.to for o in ledger.opt_outs()] == [to]
    rows = list(load_workbook(store / "members.xlsx", read_only=True)[REPLIES_SHEET].iter_rows(values_only=True))
    assert [(r[1], r[4]) for r in rows[1:]] == [(to, "STOP")]


def test_replies_that_cannot_be_read_stop_a_send_before_anything_goes(cli: Callable[..., Result],
                                                                      store: Path) -> None:
    with twilio_server() as tw, smtp_server() as sink:
        env = use_servers(store, tw, sink)
        assert today(cli, store, "--at", "10:00", "--send", "--limit", "1", env=env).code == 0
        before = len(tw.messages) + len(sink.received)
    # the Twilio server is gone: an opt-out might be waiting there, so nothing may be sent
    out = today(cli, store, "--at", "11:00", "--send", env=env)
    assert out.code == 2 and "Traceback" not in out.err
    assert "cannot reach twilio" in out.err.lower() and before == 1
