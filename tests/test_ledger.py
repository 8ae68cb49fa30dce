"""The send ledger: its state machine, idempotent planning, durability before the network, opt-outs, history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from loyalsheet.errors import LoyalsheetError
from loyalsheet.i18n import CATALOG, t
from loyalsheet.messaging.channels import Outbox, SendResult
from loyalsheet.messaging.ledger import (
    Entry,
    Ledger,
    LedgerStateError,
    OutgoingMessage,
    State,
    body_hash,
    ledger_path_for,
)
from loyalsheet.messaging.sender import Outcome, send_all

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand: each call is one second later."""

    def __init__(self, start: datetime = T0) -> None:
        self.t = start

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


def sms(n: int, *, campaign: str = "birthday", body: str | None = None, to: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        key=f"{campaign}:M{n:04d}:2026", member_id=f"M{n:04d}", campaign=campaign, channel="sms",
        to=to or f"+86138001{n:05d}", body=body or f"Happy birthday, member {n}!", planned_for=date(2026, 11, 22),
    )


def email(n: int, *, kind: str = "service") -> OutgoingMessage:
    return OutgoingMessage(
        key=f"points:M{n:04d}:2026-12", member_id=f"M{n:04d}", campaign="points", channel="email",
        to=f"m{n}@example.com", body=f"Dear member {n},\n320 points expire on 2026-12-31.", subject="Your points",
        planned_for=date(2026, 11, 22), kind=kind,  # type: ignore[arg-type]
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "members.ledger.sqlite") as led:
        yield led


def test_the_file_is_wal_with_full_sync_beside_the_workbook(tmp_path: Path, ledger: Ledger) -> None:
    assert ledger.settings == {"journal_mode": "wal", "synchronous": "FULL"}
    assert ledger_path_for(tmp_path / "members.xlsx") == tmp_path / "members.ledger.sqlite"


def test_plan_twice_is_plan_once(ledger: Ledger) -> None:
    msgs = [sms(1), sms(2), sms(2)]  # the same key twice in one list counts once
    first = ledger.plan(msgs, T0)
    assert first.new == ("birthday:M0001:2026", "birthday:M0002:2026") and not first.known
    second = ledger.plan(msgs, T0 + timedelta(hours=1))
    assert second.new == ()
    assert {k: e.state for k, e in second.known.items()} == {"birthday:M0001:2026": State.PLANNED,
                                                              "birthday:M0002:2026": State.PLANNED}
    assert ledger.counts()[State.PLANNED] == 2
    entry = ledger.entry("birthday:M0001:2026")
    assert entry is not None and entry.planned_at == T0 and entry.body_sha256 == body_hash(sms(1).body)


def test_the_state_machine_allows_only_its_transitions(ledger: Ledger) -> None:
    key = sms(1).key
    ledger.plan([sms(1)], T0)
    with pytest.raises(LedgerStateError):
        ledger.mark_sent(key, "SM1", T0)  # never sent: cannot be sent
    ledger.mark_sending(key, T0, "twilio")
    with pytest.raises(LedgerStateError):
        ledger.mark_sending(key, T0, "twilio")  # already in flight
    ledger.mark_sent(key, "SM1", T0 + timedelta(seconds=1))
    moves: list[Callable[[], None]] = [
        lambda: ledger.mark_sending(key, T0, "twilio"),
        lambda: ledger.mark_failed(key, T0, permanent=True, code="x", text="x"),
        lambda: ledger.mark_unknown(key, T0, code="x", text="x"),
        lambda: ledger.mark_planned(key, T0, code="x", text="x"),
    ]
    for move in moves:
        with pytest.raises(LedgerStateError):
            move()
    e = ledger.entry(key)
    assert e is not None and e.state is State.SENT and e.provider_id == "SM1" and e.attempts == 1
    assert e.provider == "twilio" and e.sending_at == T0 and e.finished_at == T0 + timedelta(seconds=1)
    with pytest.raises(LedgerStateError):
        ledger.mark_sending("no:such:key", T0, "twilio")


def test_a_permanent_failure_is_final_and_a_passing_one_is_retried(ledger: Ledger) -> None:
    ledger.plan([sms(1), sms(2)], T0)
    ledger.mark_sending(sms(1).key, T0, "twilio")
    ledger.mark_failed(sms(1).key, T0, permanent=True, code="21211", text="invalid number")
    ledger.mark_sending(sms(2).key, T0, "smtp")
    ledger.mark_failed(sms(2).key, T0, permanent=False, code="smtp-452", text="mailbox full")
    with pytest.raises(LedgerStateError):
        ledger.mark_sending(sms(1).key, T0, "twilio")
    ledger.mark_sending(sms(2).key, T0, "smtp")
    e = ledger.entry(sms(2).key)
    assert e is not None and e.state is State.SENDING and e.attempts == 2 and e.error_code is None
    failed = ledger.entry(sms(1).key)
    assert failed is not None and failed.done and failed.error_code == "21211"


def test_back_to_planned_and_unknown(ledger: Ledger) -> None:
    ledger.plan([sms(1), sms(2)], T0)
    ledger.mark_sending(sms(1).key, T0, "smtp")
    ledger.mark_planned(sms(1).key, T0, code="connect", text="connection refused")
    ledger.mark_sending(sms(2).key, T0, "smtp")
    ledger.mark_unknown(sms(2).key, T0, code="disconnected-in-data", text="lost")
    assert [e.key for e in ledger.in_state(State.PLANNED)] == [sms(1).key]
    assert [e.key for e in ledger.in_state(State.UNKNOWN, "sms")] == [sms(2).key]
    assert ledger.in_state(State.UNKNOWN, "email") == []
    unknown = ledger.entry(sms(2).key)
    assert unknown is not None and unknown.done


def test_a_planned_row_takes_the_new_body_but_a_sent_one_keeps_its_record(ledger: Ledger) -> None:
    ledger.plan([sms(1), sms(2)], T0)
    ledger.mark_sending(sms(2).key, T0, "twilio")
    ledger.mark_sent(sms(2).key, "SM2", T0)
    ledger.plan([sms(1, body="Edited text"), sms(2, body="Edited text", to="+8613900000000")], T0)
    a, b = ledger.entry(sms(1).key), ledger.entry(sms(2).key)
    assert a is not None and a.body_sha256 == body_hash("Edited text")
    assert b is not None and b.body_sha256 == body_hash(sms(2).body) and b.to == sms(2).to


def test_a_deferred_sent_survives_a_failing_transition_and_close(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path) as led:
        led.plan([sms(1), sms(2)], T0)
        led.mark_sending(sms(1).key, T0, "twilio")
        led.mark_sent(sms(1).key, "SM1", T0, defer=True)
        with pytest.raises(LedgerStateError):
            led.mark_sent(sms(2).key, "SM2", T0)  # a bug elsewhere must not undo the deferred change
        still = led.entry(sms(1).key)
        assert still is not None and still.state is State.SENT  # kept, waiting for the next commit
        other = sqlite3.connect(path)
        assert other.execute("SELECT state FROM messages WHERE key = ?", (sms(1).key,)).fetchone() == ("sending",)
        led.flush()
        assert other.execute("SELECT state FROM messages WHERE key = ?", (sms(1).key,)).fetchone() == ("sent",)
        led.mark_sending(sms(2).key, T0, "twilio")
        led.mark_sent(sms(2).key, "SM2", T0, defer=True)
        assert other.execute("SELECT state FROM messages WHERE key = ?", (sms(2).key,)).fetchone() == ("sending",)
    assert other.execute("SELECT state FROM messages WHERE key = ?", (sms(2).key,)).fetchone() == ("sent",)
    other.close()


def test_times_must_be_timezone_aware(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.plan([sms(1)], datetime(2026, 11, 22, 9, 0))


def test_messages_are_checked_when_made() -> None:
    with pytest.raises(ValueError):
        OutgoingMessage("k", "M1", "c", "fax", "+1", "b", date(2026, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        OutgoingMessage("", "M1", "c", "sms", "+1", "b", date(2026, 1, 1))
    with pytest.raises(ValueError):
        OutgoingMessage("k", "M1", "c", "sms", "+1", "b", date(2026, 1, 1), kind="spam")  # type: ignore[arg-type]


def test_opt_outs_are_kept_per_recipient_and_channel(ledger: Ledger) -> None:
    ledger.record_opt_out("+8613800000001", "sms", "twilio 21610", T0)
    ledger.record_opt_out("+8613800000001", "sms", "twilio 21610", T0 + timedelta(days=1))  # first report wins
    assert ledger.opted_out("+8613800000001", "sms")
    assert not ledger.opted_out("+8613800000001", "email")
    assert not ledger.opted_out("+8613800000002", "sms")
    [opt] = ledger.opt_outs()
    assert (opt.to, opt.channel, opt.source, opt.at) == ("+8613800000001", "sms", "twilio 21610", T0)


def test_history_and_the_frequency_count(ledger: Ledger) -> None:
    a, b, c = sms(1, campaign="birthday"), sms(1, campaign="followup"), sms(1, campaign="winback")
    ledger.plan([a, b, c], T0)
    ledger.mark_sending(a.key, T0 + timedelta(hours=1), "twilio")
    ledger.mark_sent(a.key, "SM1", T0 + timedelta(hours=1))
    ledger.mark_sending(b.key, T0 + timedelta(days=2), "twilio")
    ledger.mark_unknown(b.key, T0 + timedelta(days=2), code="timeout", text="no answer")
    assert [e.key for e in ledger.history()] == sorted([a.key, b.key, c.key])
    assert ledger.history(T0 + timedelta(seconds=1)) == []
    assert ledger.sent_count("M0001", T0) == 2  # a message in doubt counts against the cap
    assert ledger.sent_count("M0001", T0 + timedelta(days=1)) == 1
    assert ledger.sent_count("M0001", T0, channel="email") == 0
    assert ledger.sent_count("M0002", T0) == 0
    assert ledger.provider_ids(a.to, "sms") == {"SM1"}


def test_a_second_run_on_the_same_ledger_is_refused(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as one, Ledger(tmp_path / "l.sqlite") as two, one.run_lock():
        with pytest.raises(LoyalsheetError) as exc, two.run_lock():
            pass
        assert exc.value.code == "send.busy"
    with Ledger(tmp_path / "l.sqlite") as again, again.run_lock():  # released after the run
        pass


def test_a_damaged_ledger_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "members.ledger.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LoyalsheetError) as exc:
        Ledger(path)
    assert exc.value.code == "ledger.unreadable"
    assert str(path) in t(exc.value.code, "en", **exc.value.params)


class ProbeChannel:
    """The outbox, plus a look from a second connection at the ledger at the moment of the network call."""

    provider = "outbox"
    can_find_sent = True
    marks_final_step = False

    def __init__(self, folder: Path, ledger_path: Path) -> None:
        self.outbox = Outbox(folder)
        self.ledger_path = ledger_path
        self.seen: dict[str, str] = {}

    def send(self, msg: OutgoingMessage, final_step: Callable[[], None] | None = None) -> SendResult:
        db = sqlite3.connect(self.ledger_path)
        state, attempt = db.execute("SELECT state, attempt_at FROM messages WHERE key = ?", (msg.key,)).fetchone()
        db.close()
        self.seen[msg.key] = f"{state}, attempt {'marked' if attempt else 'missing'}"
        return self.outbox.send(msg)

    def find_sent(self, entry: Entry, *, exclude: Collection[str] = ()) -> str | None:
        return self.outbox.find_sent(entry, exclude=exclude)

    def close(self) -> None:
        self.outbox.close()


def test_sending_is_committed_before_the_network_call_and_nothing_is_sent_twice(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    probe = ProbeChannel(tmp_path / "outbox", path)
    msgs = [sms(i) for i in range(5)] + [email(i) for i in range(5)]
    with Ledger(path) as led:
        first = send_all(msgs, led, {"sms": probe, "email": probe}, now=Clock())
        assert [o.outcome for o in first.outcomes] == [Outcome.SENT] * 10
        assert set(probe.seen.values()) == {"sending, attempt marked"}, "others must see it before the call"
        second = send_all(msgs, led, {"sms": probe, "email": probe}, now=Clock())
        assert [o.outcome for o in second.outcomes] == [Outcome.ALREADY_SENT] * 10
        assert led.counts()[State.SENT] == 10
    assert len(list((tmp_path / "outbox").iterdir())) == 10


def test_an_interrupted_row_is_reconciled_before_anything_else(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    a, b = sms(1), sms(2)
    with Ledger(tmp_path / "l.sqlite") as led:
        led.plan([a, b], T0)
        led.mark_sending(a.key, T0, "outbox")  # the file was written, then the run died
        outbox.send(a)
        led.mark_sending(b.key, T0, "outbox")  # the run died before writing
        e1 = email(1)
        led.plan([e1], T0)
        led.mark_sending(e1.key, T0, "smtp")  # SMTP cannot be asked: must become unknown
        report = send_all([a, b, e1], led, {"sms": outbox, "email": outbox}, now=Clock())
        assert {o.key: o.outcome for o in report.reconciled} == {
            a.key: Outcome.RECONCILED, b.key: Outcome.REQUEUED, e1.key: Outcome.UNKNOWN}
        assert [o.outcome for o in report.outcomes] == [Outcome.ALREADY_SENT, Outcome.SENT, Outcome.ALREADY_UNKNOWN]
        assert [e.key for e in report.needs_attention] == [e1.key]
        assert "1 to check by hand" in report.summary("en")


def test_claimed_rows_never_tried_go_back_to_planned_after_a_crash_on_the_same_boot(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    msgs = [email(i) for i in range(4)]
    led = Ledger(path, boot_id="boot-1")
    led.plan(msgs, T0)
    led.claim([(m.key, "smtp") for m in msgs], T0)
    led.mark_attempt(msgs[0].key, T0)
    led.mark_sent(msgs[0].key, "<id0@example.com>", T0, defer=True)
    led.mark_attempt(msgs[1].key, T0)  # carries the sent mark of msgs[0]; then the process dies
    with pytest.raises(LedgerStateError):
        led.mark_attempt(msgs[1].key, T0)  # an attempt is marked once
    led._db.close()  # no flush, no close: as after SIGKILL
    with Ledger(path, boot_id="boot-1") as again:
        report = send_all(msgs, again, {"email": Outbox(tmp_path / "outbox")}, now=Clock())
        states = {o.key: o.outcome for o in report.reconciled}
        # the tried one is in doubt (the provider recorded is smtp: nobody can ask), the untried two go again
        assert states == {msgs[2].key: Outcome.REQUEUED, msgs[3].key: Outcome.REQUEUED, msgs[1].key: Outcome.UNKNOWN}
        assert [o.outcome for o in report.outcomes] == [Outcome.ALREADY_SENT, Outcome.ALREADY_UNKNOWN,
                                                         Outcome.SENT, Outcome.SENT]


def test_after_a_restart_of_the_machine_every_claimed_row_is_in_doubt(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    msgs = [email(i) for i in range(3)]
    led = Ledger(path, boot_id="boot-1")
    led.plan(msgs, T0)
    led.claim([(m.key, "smtp") for m in msgs], T0)
    led.mark_attempt(msgs[0].key, T0)
    led._db.close()
    with Ledger(path, boot_id="boot-2") as again:  # the attempt mark was not fsynced: it proves nothing now
        assert again.release_unattempted(T0) == []
        report = send_all(msgs, again, {"email": Outbox(tmp_path / "outbox")}, now=Clock())
        assert {o.outcome for o in report.reconciled} == {Outcome.UNKNOWN} and len(report.reconciled) == 3
        assert len(report.needs_attention) == 3


def test_without_a_boot_id_each_message_is_claimed_and_tried_in_one_fsynced_step(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    probe = ProbeChannel(tmp_path / "outbox", path)
    with Ledger(path, boot_id=None) as led:
        report = send_all([sms(1), sms(2)], led, {"sms": probe}, now=Clock())
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT, Outcome.SENT]
        assert set(probe.seen.values()) == {"sending, attempt marked"}
        entry = led.entry(sms(1).key)
        assert entry is not None and entry.claim_boot is None and entry.attempt_at is not None
        led.plan([sms(3)], T0)
        led.claim([(sms(3).key, "outbox")], T0)
        assert led.release_unattempted(T0) == []  # nothing can be inferred without a boot id


def test_a_claim_is_all_or_nothing_and_release_undoes_it(ledger: Ledger) -> None:
    ledger.plan([sms(1), sms(2)], T0)
    ledger.mark_sending(sms(2).key, T0, "twilio")
    with pytest.raises(LedgerStateError):
        ledger.claim([(sms(1).key, "twilio"), (sms(2).key, "twilio")], T0)
    one = ledger.entry(sms(1).key)
    assert one is not None and one.state is State.PLANNED
    ledger.claim([(sms(1).key, "twilio")], T0)
    assert ledger.release([sms(1).key, sms(2).key], T0) == [sms(1).key]  # sms(2) was tried: it stays
    one = ledger.entry(sms(1).key)
    assert one is not None and one.state is State.PLANNED and one.attempts == 0


def test_limit_holds_the_rest(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    progress: list[tuple[int, int]] = []
    with Ledger(tmp_path / "l.sqlite") as led:
        report = send_all([sms(i) for i in range(5)], led, {"sms": outbox}, now=Clock(), limit=2,
                          progress=lambda done, total: progress.append((done, total)))
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 2 + [Outcome.HELD] * 3
        assert progress[-1] == (5, 5)
        report = send_all([sms(i) for i in range(5)] + [email(1)], led, {"sms": outbox}, now=Clock())
        assert [o.outcome for o in report.outcomes] == [Outcome.ALREADY_SENT] * 2 + [Outcome.SENT] * 3 + [
            Outcome.NO_CHANNEL]


def test_every_stop_has_a_message_and_a_hint_in_both_languages() -> None:
    for kind in ("auth", "unreachable", "timeout", "server", "rate", "config"):
        for suffix in ("", ".hint"):
            texts = CATALOG[f"send.down.{kind}{suffix}"]
            assert set(texts) == {"en", "zh"}
            for lang in ("en", "zh"):
                line = t(f"send.down.{kind}{suffix}", lang, channel="sms", provider="twilio", error="20003",
                         detail="Authenticate")
                assert "{" not in line and "\n" not in line

