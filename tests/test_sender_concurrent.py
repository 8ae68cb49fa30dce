"""SMS sent from a bounded pool of threads, against the real local Twilio- and Aliyun-speaking servers.

The servers answer each message after a pause (the round trip to the provider) and count the requests
they are answering at once. No test here times anything (speed is for scripts/bench_send): they check
that messages were in flight together, never more than the pool, never two to one number; that each
arrived exactly once; and that the ledger says so, with every attempt written before its network call.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from loyalsheet.messaging.channels import TwilioSms
from loyalsheet.messaging.channels.base import SendResult
from loyalsheet.messaging.ledger import Entry, Ledger, OutgoingMessage, State
from loyalsheet.messaging.sender import Outcome, RetryPolicy, SendReport, is_concurrent, send_all
from tests.servers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilio,
    Scripted,
    rate_limited,
    server_error,
    smtp_server,
    twilio_server,
)

FROM = "+15005550006"
DAY = date(2026, 11, 22)
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


def utcnow() -> datetime:
    return datetime.now(UTC)


def sms(n: int, *, to: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(key=f"birthday:M{n:04d}:2026", member_id=f"M{n:04d}", campaign="birthday", channel="sms",
                           to=to or f"+86138001{n:05d}", body=f"生日快乐, member {n}! 回T退订", planned_for=DAY,
                           kind="marketing")


def mail(n: int) -> OutgoingMessage:
    return OutgoingMessage(key=f"points:M{n:04d}:2026-12", member_id=f"M{n:04d}", campaign="points", channel="email",
                           to=f"m{n}@example.com", body=f"Dear member {n},\n320 points expire.", subject="Points",
                           planned_for=DAY, kind="marketing")


def twilio(tw: FakeTwilio, timeout: float = 5.0) -> TwilioSms:
    return TwilioSms(ACCOUNT_SID, AUTH_TOKEN, FROM, base_url=tw.base_url, timeout=timeout)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "members.ledger.sqlite") as led:
        yield led


def check_each_once(msgs: list[OutgoingMessage], tw: FakeTwilio, led: Ledger, *, first_try: bool = True) -> None:
    """Every SMS of ``msgs`` reached the server exactly once, and its row is ``sent`` with the server's SID
    (``first_try``: at its first attempt)."""
    received = Counter((m["to"], m["body"]) for m in tw.messages)
    sid = {(m["to"], m["body"]): m["sid"] for m in tw.messages}
    for msg in msgs:
        assert received[(msg.to, msg.body)] == 1, f"{msg.key}: {received[(msg.to, msg.body)]} received"
        row = led.entry(msg.key)
        assert row is not None and row.state is State.SENT and row.provider_id == sid[(msg.to, msg.body)]
        assert row.attempts == 1 or not first_try


def test_sms_go_from_a_bounded_pool_each_once_and_never_two_to_one_number(ledger: Ledger) -> None:
    shared = "+8613900000000"  # a family's phone: five members, five messages
    msgs = [sms(i, to=shared if i % 8 == 0 else None) for i in range(40)]
    assert sum(m.to == shared for m in msgs) == 5
    seen: list[tuple[int, int]] = []
    with twilio_server(delay=0.1) as tw:
        channel = twilio(tw)
        report = send_all(msgs, ledger, {"sms": channel}, now=utcnow, workers=8, batch=16,
                          progress=lambda done, total: seen.append((done, total)))
        channel.close()
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 40
        assert [o.key for o in report.outcomes] == [m.key for m in msgs], "outcomes keep the list's order"
        assert seen == [(i, 40) for i in range(1, 41)]
        assert 1 < tw.max_in_flight <= 8, tw.max_in_flight
        assert tw.max_in_flight_to == 1, "two messages to one number were in flight at once"
        assert tw.create_requests == 40
        check_each_once(msgs, tw, ledger)
    assert ledger.counts()[State.SENT] == 40 and ledger.in_state(State.SENDING) == []


def test_one_client_per_thread() -> None:
    channel = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, FROM, base_url="http://127.0.0.1:9")
    assert is_concurrent(channel)
    mine = channel._client
    assert channel._client is mine
    theirs: list[object] = []
    worker = threading.Thread(target=lambda: theirs.append(channel._client))
    worker.start()
    worker.join()
    assert theirs[0] is not mine and theirs[0].http_client is not mine.http_client  # type: ignore[attr-defined]
    channel.close()


class ProbeTwilio:
    """Twilio, plus a look from a second connection (in the worker thread) at the ledger just before each call."""

    provider = "twilio"
    can_find_sent = True
    marks_final_step = False
    concurrent = True

    def __init__(self, inner: TwilioSms, ledger_path: Path) -> None:
        self.inner = inner
        self.ledger_path = ledger_path
        self.seen: dict[str, str] = {}
        self.threads: set[str] = set()

    def send(self, msg: OutgoingMessage, final_step: Callable[[], None] | None = None) -> SendResult:
        db = sqlite3.connect(self.ledger_path)
        state, attempt = db.execute("SELECT state, attempt_at FROM messages WHERE key = ?", (msg.key,)).fetchone()
        db.close()
        self.seen[msg.key] = f"{state}, attempt {'marked' if attempt else 'missing'}"
        self.threads.add(threading.current_thread().name)
        return self.inner.send(msg)

    def find_sent(self, entry: Entry, *, exclude: Collection[str] = ()) -> str | None:
        return self.inner.find_sent(entry, exclude=exclude)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("boot_id", ["boot-1", None])
def test_every_attempt_is_committed_before_its_call_on_a_pool_thread(tmp_path: Path, boot_id: str | None) -> None:
    path = tmp_path / "members.ledger.sqlite"
    msgs = [sms(i) for i in range(24)]
    with twilio_server(delay=0.05) as tw, Ledger(path, boot_id=boot_id) as led:
        probe = ProbeTwilio(twilio(tw), path)
        report = send_all(msgs, led, {"sms": probe}, now=utcnow, workers=6, batch=10)
        probe.close()
        assert report.sent == 24
        assert set(probe.seen.values()) == {"sending, attempt marked"}, "others must see it before the call"
        assert threading.current_thread().name not in probe.threads and len(probe.threads) > 1
        assert 1 < tw.max_in_flight <= 6
        check_each_once(msgs, tw, led)


def test_retries_and_lookups_happen_per_message_in_the_pool(ledger: Ledger) -> None:
    msgs = [sms(i) for i in range(16)]
    with twilio_server(delay=0.02) as tw:
        # a 429 (retried), a 500 (Twilio is asked, has nothing: sent again), a reply too slow for the client
        # (Twilio is asked and has it: not sent again), then normal answers
        tw.script(rate_limited(), server_error(), Scripted(sleep=2.0), rate_limited())
        channel = twilio(tw, timeout=0.5)
        report = send_all(msgs, ledger, {"sms": channel}, now=utcnow, workers=4, retry=FAST)
        channel.close()
        assert report.stopped is None
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 16
        # the two 429s and the 500 each cost one more attempt, of whichever message met them (which one
        # depends on the order the pool's requests arrive in: a retried message may meet the second 429)
        assert sum(o.attempts for o in report.outcomes) == 16 + 3
        lookups = [path for method, path in tw.requests if method == "GET"]
        assert len(lookups) >= 2, "the 500 and the timeout were looked up"
        received = Counter((m["to"], m["body"]) for m in tw.messages)
        assert all(received[(m.to, m.body)] == 1 for m in msgs)
        assert tw.max_in_flight > 1


def test_an_opt_out_learned_in_flight_skips_the_next_message_to_that_number(ledger: Ledger) -> None:
    stop = "+8613900000001"
    msgs = [sms(i, to=stop if i in (3, 4, 11) else None) for i in range(16)]
    with twilio_server(delay=0.05) as tw:
        tw.unsubscribed.add(stop)
        channel = twilio(tw)
        report = send_all(msgs, ledger, {"sms": channel}, now=utcnow, workers=8)
        channel.close()
        by_key = {o.key: o.outcome for o in report.outcomes}
        assert by_key[msgs[3].key] is Outcome.OPTED_OUT
        assert by_key[msgs[4].key] is by_key[msgs[11].key] is Outcome.SKIPPED_OPT_OUT
        assert tw.create_requests == 14
        assert tw.max_in_flight_to == 1
    assert ledger.opted_out(stop, "sms")
    row = ledger.entry(msgs[4].key)
    assert row is not None and row.state is State.PLANNED and row.attempts == 0  # claimed, never tried: released


def test_a_provider_wide_stop_holds_the_rest_and_the_next_run_sends_them_once(tmp_path: Path) -> None:
    msgs = [sms(i) for i in range(30)]
    path = tmp_path / "members.ledger.sqlite"
    with twilio_server(delay=0.05) as tw:
        tw.script(*[Scripted()] * 5, Scripted(401, 20003, "Authenticate"))  # the 6th request: the account is off
        with Ledger(path) as led:
            channel = twilio(tw)
            report = send_all(msgs, led, {"sms": channel}, now=utcnow, workers=6, batch=8)
            channel.close()
            assert report.stopped is not None and report.stopped.kind == "auth"
            counts = report.counts()
            # the in-flight ones finished and were recorded; nothing new was handed out after the stop
            assert counts[Outcome.SENT] == len(tw.messages) >= 5
            assert tw.create_requests <= 6 + 5, "at most the pool's other messages were in flight at the stop"
            assert counts[Outcome.SENT] + counts[Outcome.HELD] == 30
            assert led.in_state(State.SENDING) == [] and led.in_state(State.UNKNOWN) == []
            assert len(led.in_state(State.PLANNED)) == counts[Outcome.HELD]
        with Ledger(path) as led:
            channel = twilio(tw)
            again = send_all(msgs, led, {"sms": channel}, now=utcnow, workers=6, batch=8)
            channel.close()
            assert again.stopped is None and again.sent == counts[Outcome.HELD]
            check_each_once(msgs, tw, led, first_try=False)


def test_email_goes_one_by_one_on_its_connection_while_sms_fly(ledger: Ledger) -> None:
    from loyalsheet.messaging.channels import SmtpEmail

    msgs: list[OutgoingMessage] = [sms(i) if i % 4 else mail(i) for i in range(24)]
    with twilio_server(delay=0.05) as tw, smtp_server() as sink:
        channel = twilio(tw)
        email = SmtpEmail("127.0.0.1", sink.port, "shop@example.com", starttls=False, timeout=5)
        assert not is_concurrent(email)
        report = send_all(msgs, ledger, {"sms": channel, "email": email}, now=utcnow, workers=4)
        channel.close()
        email.close()
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 24
        assert sorted(r.rcpt_tos[0] for r in sink.received) == sorted(m.to for m in msgs if m.channel == "email")
        assert len(sink.peers()) == 1, "one SMTP connection for every e-mail"
        check_each_once([m for m in msgs if m.channel == "sms"], tw, ledger)


def test_aliyun_sms_go_from_the_pool_each_once(tmp_path: Path) -> None:
    from loyalsheet.messaging.channels.aliyun_sms import AliyunSms
    from tests.servers.aliyun_server import aliyun_server
    from tests.test_aliyun import ENV, TEMPLATES, settings
    from tests.test_aliyun import sms as aliyun_sms

    msgs = [aliyun_sms(i) for i in range(24)]
    with aliyun_server(templates=TEMPLATES, delay=0.05) as ali, Ledger(tmp_path / "l.sqlite") as led:
        channel = AliyunSms.from_config(settings(ali), ENV, timeout=5.0)
        assert is_concurrent(channel)
        report: SendReport = send_all(msgs, led, {"sms": channel}, now=utcnow, workers=6)
        channel.close()
        assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 24
        assert 1 < ali.max_in_flight <= 6 and ali.max_in_flight_to == 1
        out_ids = Counter(m["out_id"] for m in ali.messages)
        assert out_ids == Counter(m.key for m in msgs)
        biz = {m["out_id"]: m["biz_id"] for m in ali.messages}
        for m in msgs:
            row = led.entry(m.key)
            assert row is not None and row.state is State.SENT and row.provider_id == biz[m.key]


def test_the_pool_size_is_bounded(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match=r"1\.\.32"):
        send_all([], ledger, {}, now=utcnow, workers=0)
    with pytest.raises(ValueError, match=r"1\.\.32"):
        send_all([], ledger, {}, now=utcnow, workers=33)
