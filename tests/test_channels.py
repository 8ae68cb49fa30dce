"""The channels against real servers on 127.0.0.1: Twilio's official client, SMTP, and the outbox folder."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from loyalsheet.config import Channels, Config, EmailChannel, SmsChannel
from loyalsheet.errors import LoyalsheetError
from loyalsheet.i18n import t
from loyalsheet.messaging.channels import ChannelDown, Outbox, SmtpEmail, TwilioSms, channels_from_config, outbox_name
from loyalsheet.messaging.channels.base import Channel
from loyalsheet.messaging.ledger import Ledger, OutgoingMessage, State
from loyalsheet.messaging.sender import Outcome, RetryPolicy, SendReport, send_all
from tests.servers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CLOSE,
    FakeTwilio,
    Scripted,
    SmtpSink,
    invalid_number,
    rate_limited,
    server_error,
    smtp_server,
    twilio_server,
    unsubscribed,
)

FROM = "+15005550006"
DAY = date(2026, 11, 22)


def utcnow() -> datetime:
    """The injected clock: real time, because the Twilio server stamps messages with real time."""
    return datetime.now(UTC)


def sms(n: int, *, to: str | None = None, campaign: str = "birthday") -> OutgoingMessage:
    return OutgoingMessage(key=f"{campaign}:M{n:04d}:2026", member_id=f"M{n:04d}", campaign=campaign,
                           channel="sms", to=to or f"+86138001{n:05d}", body=f"生日快乐, member {n}! 回T退订",
                           planned_for=DAY, kind="marketing")


def mail(n: int, *, kind: str = "marketing", html: bool = True, unsubscribe: str | None = None) -> OutgoingMessage:
    body = f"Dear member {n},\n\n320 points expire on 2026-12-31.\n积分即将过期。"
    return OutgoingMessage(
        key=f"points:M{n:04d}:2026-12", member_id=f"M{n:04d}", campaign="points", channel="email",
        to=f"m{n}@example.com", body=body, subject=f"Your points, member {n}", planned_for=DAY,
        kind=kind,  # type: ignore[arg-type]
        html=f"<p>Dear member {n},</p><p><b>320 points</b> expire on 2026-12-31.</p>" if html else None,
        list_unsubscribe=unsubscribe,
    )


class Sleeps(list[float]):
    """The injected pause: records instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def tw() -> Iterator[FakeTwilio]:
    with twilio_server() as server:
        yield server


@pytest.fixture(params=[False, True], ids=["step-by-step", "pipelining"])
def sink(request: pytest.FixtureRequest) -> Iterator[SmtpSink]:
    """The SMTP server, without and with PIPELINING offered (then MAIL, RCPT and DATA go in one write)."""
    with smtp_server(pipelining=request.param) as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "members.ledger.sqlite") as led:
        yield led


def twilio(tw: FakeTwilio, *, token: str = AUTH_TOKEN, timeout: float = 5.0) -> TwilioSms:
    return TwilioSms(ACCOUNT_SID, token, FROM, base_url=tw.base_url, timeout=timeout)


def smtp(sink: SmtpSink) -> SmtpEmail:
    return SmtpEmail(sink.host, sink.port, "shop@example.com", starttls=False, sender_name="旗舰店", timeout=5)


def run(msgs: list[OutgoingMessage], ledger: Ledger, channel: Channel, sleeps: Sleeps | None = None,
        attempts: int = 4) -> SendReport:
    return send_all(msgs, ledger, {"sms": channel, "email": channel}, now=utcnow, sleep=sleeps if sleeps is not None else Sleeps(),
                    retry=RetryPolicy(max_attempts=attempts, base_delay=0.2, max_delay=1.0))


# ----------------------------------------------------------------------------------------------- Twilio


def test_twilio_create_through_the_official_client(tw: FakeTwilio, ledger: Ledger) -> None:
    report = run([sms(1), sms(2)], ledger, twilio(tw))
    assert [o.outcome for o in report.outcomes] == [Outcome.SENT, Outcome.SENT]
    got = tw.messages
    assert [(m["to"], m["from"], m["body"]) for m in got] == [(sms(1).to, FROM, sms(1).body),
                                                               (sms(2).to, FROM, sms(2).body)]
    for o, m in zip(report.outcomes, got, strict=True):
        assert o.provider_id == m["sid"] and m["sid"].startswith("SM") and len(m["sid"]) == 34
        entry = ledger.entry(o.key)
        assert entry is not None and entry.state is State.SENT and entry.provider_id == m["sid"]
    assert twilio(tw).status(got[0]["sid"]) == "queued"


def test_twilio_429_is_retried_with_backoff_then_sent(tw: FakeTwilio, ledger: Ledger) -> None:
    tw.script(rate_limited(), rate_limited())
    sleeps = Sleeps()
    report = run([sms(1)], ledger, twilio(tw), sleeps)
    assert report.outcomes[0].outcome is Outcome.SENT and report.outcomes[0].attempts == 3
    assert len(tw.messages) == 1 and tw.create_requests == 3
    assert len(sleeps) == 2 and 0.1 <= sleeps[0] <= 0.2 and 0.2 <= sleeps[1] <= 0.4  # doubling, with jitter
    assert not [r for r in tw.requests if r[0] == "GET"], "a 429 is never processed: no need to ask Twilio"


def test_twilio_21211_is_a_permanent_failure_and_the_run_goes_on(tw: FakeTwilio, ledger: Ledger) -> None:
    tw.script(invalid_number())
    report = run([sms(1), sms(2)], ledger, twilio(tw))
    assert [o.outcome for o in report.outcomes] == [Outcome.FAILED, Outcome.SENT]
    entry = ledger.entry(sms(1).key)
    assert entry is not None and entry.state is State.FAILED and entry.permanent and entry.error_code == "21211"
    again = run([sms(1), sms(2)], ledger, twilio(tw))
    assert [o.outcome for o in again.outcomes] == [Outcome.ALREADY_FAILED, Outcome.ALREADY_SENT]
    assert len(tw.messages) == 1


def test_twilio_21610_records_the_opt_out_and_the_next_run_skips_the_number(tw: FakeTwilio, ledger: Ledger) -> None:
    tw.script(unsubscribed())
    report = run([sms(1), sms(2)], ledger, twilio(tw))
    assert [o.outcome for o in report.outcomes] == [Outcome.OPTED_OUT, Outcome.SENT]
    assert ledger.opted_out(sms(1).to, "sms") and not ledger.opted_out(sms(1).to, "email")
    assert ledger.opt_outs()[0].source == "twilio 21610"
    tomorrow = sms(1, campaign="followup-3d")  # a new message to the same number
    later = run([tomorrow], ledger, twilio(tw))
    assert later.outcomes[0].outcome is Outcome.SKIPPED_OPT_OUT
    assert tw.bodies_to(sms(1).to) == [] and tw.create_requests == 2


def test_twilio_500_is_retried_then_the_channel_is_down(tw: FakeTwilio, ledger: Ledger) -> None:
    tw.script(*[server_error()] * 3)
    sleeps = Sleeps()
    report = run([sms(1), sms(2)], ledger, twilio(tw), sleeps, attempts=3)
    assert report.stopped is not None and report.stopped.kind == "server" and report.stopped.key == sms(1).key
    assert [o.outcome for o in report.outcomes] == [Outcome.HELD, Outcome.HELD]
    assert len(sleeps) == 2 and tw.create_requests == 3
    # after each 500 Twilio was asked whether it had the message anyway; it had not, so nothing is in doubt
    assert sum(1 for method, _ in tw.requests if method == "GET") == 3
    entry = ledger.entry(sms(1).key)
    assert entry is not None and entry.state is State.PLANNED and entry.attempts == 1
    assert report.needs_attention == ()
    with pytest.raises(LoyalsheetError) as exc:
        report.raise_if_stopped()
    line = t(exc.value.code, "en", **exc.value.params)
    assert line.startswith("Sending stopped: twilio keeps failing") and "gave up after 3 attempts" in line
    # the next run, with Twilio well again, sends each once
    again = run([sms(1), sms(2)], ledger, twilio(tw))
    assert [o.outcome for o in again.outcomes] == [Outcome.SENT, Outcome.SENT]
    assert len(tw.messages) == 2


def test_twilio_wrong_credentials_stop_the_run_with_one_clear_line(tw: FakeTwilio, ledger: Ledger) -> None:
    report = run([sms(1), sms(2)], ledger, twilio(tw, token="wrong"))
    assert report.stopped is not None and report.stopped.kind == "auth" and report.stopped.code == "20003"
    assert [o.outcome for o in report.outcomes] == [Outcome.HELD, Outcome.HELD]
    entry = ledger.entry(sms(1).key)
    assert entry is not None and entry.state is State.PLANNED  # nothing can have left
    assert tw.messages == [] and tw.create_requests == 0
    err = report.stopped.as_error()
    line = t(err.code, "en", **err.params)
    assert line.startswith("Sending stopped: twilio refused the login (20003") and "\n" not in line
    assert "channels.sms" in t(err.code + ".hint", "en", **err.params)
    assert "拒绝登录" in t(err.code, "zh", **err.params)


def test_twilio_unreachable_leaves_the_message_planned(ledger: Ledger) -> None:
    with twilio_server() as gone:
        channel = twilio(gone)
    report = run([sms(1)], ledger, channel)
    assert report.stopped is not None and report.stopped.kind == "unreachable"
    entry = ledger.entry(sms(1).key)
    assert entry is not None and entry.state is State.PLANNED and entry.error_code == "connect"


def test_twilio_slow_reply_is_looked_up_not_resent(tw: FakeTwilio, ledger: Ledger) -> None:
    tw.script(Scripted(sleep=1.5))  # Twilio stores it, but answers after the client gave up
    report = run([sms(1), sms(2)], ledger, twilio(tw, timeout=0.4))
    assert [o.outcome for o in report.outcomes] == [Outcome.SENT, Outcome.SENT]
    assert tw.bodies_to(sms(1).to) == [sms(1).body]
    assert report.outcomes[0].provider_id == tw.messages[0]["sid"]


def test_twilio_dropped_connection_after_accepting_is_looked_up_not_resent(tw: FakeTwilio, ledger: Ledger) -> None:
    tw.script(Scripted(drop=True))  # the crash between Twilio's accept and our commit
    report = run([sms(1), sms(2)], ledger, twilio(tw))
    assert [o.outcome for o in report.outcomes] == [Outcome.SENT, Outcome.SENT]
    assert tw.bodies_to(sms(1).to) == [sms(1).body] and tw.create_requests == 2


def test_twilio_reconciliation_after_a_crash(tw: FakeTwilio, ledger: Ledger) -> None:
    a, b = sms(1), sms(2)
    ledger.plan([a, b], utcnow())
    ledger.mark_sending(a.key, utcnow(), "twilio")
    twilio(tw)._client.messages.create(to=a.to, from_=FROM, body=a.body)  # it got there, then we died
    ledger.mark_sending(b.key, utcnow(), "twilio")  # we died before the request left
    report = run([a, b], ledger, twilio(tw))
    assert {o.key: o.outcome for o in report.reconciled} == {a.key: Outcome.RECONCILED, b.key: Outcome.REQUEUED}
    assert [o.outcome for o in report.outcomes] == [Outcome.ALREADY_SENT, Outcome.SENT]
    assert tw.bodies_to(a.to) == [a.body] and tw.bodies_to(b.to) == [b.body]
    entry = ledger.entry(a.key)
    assert entry is not None and entry.provider_id == tw.messages[0]["sid"]


def test_twilio_find_sent_reads_every_page_and_skips_claimed_ids(tw: FakeTwilio, ledger: Ledger) -> None:
    channel = twilio(tw)
    target = sms(1, to="+8613800000000")
    ledger.plan([target], utcnow())
    ledger.mark_sending(target.key, utcnow() - timedelta(seconds=1), "twilio")
    first = channel._client.messages.create(to=target.to, from_=FROM, body=target.body)
    for i in range(120):  # newer messages to the same number push ours to the third page of 50
        channel._client.messages.create(to=target.to, from_=FROM, body=f"other {i}")
    entry = ledger.entry(target.key)
    assert entry is not None
    assert channel.find_sent(entry) == first.sid
    assert sum(1 for m, path in tw.requests if m == "GET" and "Messages.json" in path) == 3
    assert channel.find_sent(entry, exclude={first.sid}) is None
    old = ledger.entry(target.key)
    assert old is not None and old.sending_at is not None


def test_twilio_secrets_come_from_the_named_environment_variables() -> None:
    settings = SmsChannel(from_number=FROM, account_sid_env="SHOP_TWILIO_SID")
    with pytest.raises(LoyalsheetError) as exc:
        TwilioSms.from_config(settings, {"TWILIO_AUTH_TOKEN": "x"})
    assert exc.value.code == "send.env_missing" and exc.value.params["var"] == "SHOP_TWILIO_SID"
    assert "SHOP_TWILIO_SID" in t(exc.value.code, "en", **exc.value.params)
    assert "SHOP_TWILIO_SID" in t(exc.value.code + ".hint", "zh", **exc.value.params)
    channel = TwilioSms.from_config(settings, {"SHOP_TWILIO_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    assert channel.account_sid == ACCOUNT_SID and channel.from_number == FROM


def test_channels_from_config(tmp_path: Path) -> None:
    plain = Config(base_dir=tmp_path)
    chosen = channels_from_config(plain, {})
    assert isinstance(chosen["sms"], Outbox) and chosen["sms"] is chosen["email"]
    full = Config(base_dir=tmp_path, channels=Channels(
        sms=SmsChannel(from_number=FROM),
        email=EmailChannel(host="smtp.example.com", sender="shop@example.com", username_env=None, password_env=None)))
    chosen = channels_from_config(full, {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    assert isinstance(chosen["sms"], TwilioSms) and isinstance(chosen["email"], SmtpEmail)
    with pytest.raises(LoyalsheetError) as exc:
        channels_from_config(Config(base_dir=tmp_path, channels=Channels(
            email=EmailChannel(host="smtp.example.com", sender="shop@example.com"))), {})
    assert exc.value.params["var"] == "SMTP_USERNAME"


# ----------------------------------------------------------------------------------------------- SMTP


def _parts(msg: EmailMessage) -> dict[str, str]:
    """Content type -> decoded text, line ends made "\n" (MIME text travels with CRLF)."""
    return {part.get_content_type(): str(part.get_content()).replace("\r\n", "\n")
            for part in msg.walk() if not part.is_multipart()}


def test_smtp_one_connection_unique_ids_real_plain_text_and_unsubscribe(sink: SmtpSink, ledger: Ledger) -> None:
    channel = smtp(sink)
    msgs = [mail(1), mail(2, unsubscribe="<https://shop.example/u/2>"), mail(3, kind="service", html=False)]
    report = run(msgs, ledger, channel)
    assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 3
    assert channel.connections == 1 and len(sink.peers()) == 1, "one connection for the whole batch"
    assert channel._smtp is not None and channel._smtp.has_extn("pipelining") is sink.pipelining
    got = sink.messages
    ids = [m["Message-ID"] for m in got]
    assert len(set(ids)) == 3 and all(i.endswith("@example.com>") for i in ids)
    assert [o.provider_id for o in report.outcomes] == ids
    assert got[0]["List-Unsubscribe"] == "<mailto:shop@example.com?subject=unsubscribe>"
    assert got[1]["List-Unsubscribe"] == "<https://shop.example/u/2>"
    assert got[2]["List-Unsubscribe"] is None  # service mail
    assert got[0].get_content_type() == "multipart/alternative"
    parts = _parts(got[0])
    assert parts["text/plain"].strip() == msgs[0].body  # real text, not the HTML source
    assert "<" not in parts["text/plain"] and parts["text/html"].strip() == msgs[0].html
    assert got[2].get_content_type() == "text/plain" and _parts(got[2])["text/plain"].strip() == msgs[2].body
    assert str(got[0]["From"]) == "旗舰店 <shop@example.com>" and got[0]["Subject"] == "Your points, member 1"
    assert [r.rcpt_tos for r in sink.received] == [(m.to,) for m in msgs]
    channel.close()


def test_the_wire_policy_folds_headers_exactly_as_compat32() -> None:
    """The short cut for short ASCII headers writes what compat32 writes, on random and awkward values."""
    import random
    import string
    from email.policy import compat32

    from loyalsheet.messaging.channels.smtp_email import _WIRE

    reference = compat32.clone(linesep="\r\n")
    rng = random.Random(17)
    alphabet = string.ascii_letters + string.digits + " .,;:<>@?=-_/()\"'!#$%&*+[]{}|~^`\t"
    values = ["", " ", "a  b", " lead", "trail ", "=?utf-8?b?5L2g?=", "x" * 80, "é", "tab\there", "a\r\nb"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90))) for _ in range(20_000)]
    for value in values:
        for name in ("To", "Subject", "List-Unsubscribe", "Message-ID"):
            assert _WIRE.fold_binary(name, value) == reference.fold_binary(name, value), (name, value)


def test_smtp_multipart_boundary_comes_from_the_key_unless_the_text_has_it() -> None:
    from loyalsheet.messaging.channels.smtp_email import _boundary, build_email, email_bytes

    one = email_bytes(build_email(mail(1), "shop@example.com"))
    again = email_bytes(build_email(mail(1), "shop@example.com"))
    boundary = _boundary(mail(1))
    assert boundary is not None and f"--{boundary}--".encode() in one and f"--{boundary}".encode() in again
    assert _boundary(mail(2)) != boundary
    tricky = OutgoingMessage(key=mail(1).key, member_id="M0001", campaign="points", channel="email", to="m1@example.com",
                             body=f"--{boundary}\nhello", subject="x", html="<p>x</p>", planned_for=DAY,
                             kind="service")
    assert _boundary(tricky) is None
    parsed = message_from_bytes(email_bytes(build_email(tricky, "shop@example.com")), policy=default)
    assert isinstance(parsed, EmailMessage)
    assert _parts(parsed)["text/plain"].startswith(f"--{boundary}\nhello")


def test_smtp_chinese_subject_and_a_non_ascii_address(sink: SmtpSink, ledger: Ledger) -> None:
    zh = OutgoingMessage(key="birthday:M0001:2026", member_id="M0001", campaign="birthday", channel="email",
                         to="m1@example.com", subject="生日快乐！\n您有一份礼物", body="亲爱的会员：\n生日快乐！",
                         planned_for=DAY)
    utf8 = OutgoingMessage(key="birthday:M0002:2026", member_id="M0002", campaign="birthday", channel="email",
                           to="josé@example.com", subject="Feliz cumpleaños", body="¡Feliz cumpleaños!",
                           planned_for=DAY)
    report = run([zh, utf8], ledger, smtp(sink))
    assert [o.outcome for o in report.outcomes] == [Outcome.SENT, Outcome.SENT]
    first, second = sink.messages
    assert first["Subject"] == "生日快乐！ 您有一份礼物" and _parts(first)["text/plain"].strip() == zh.body
    assert second["To"] == "josé@example.com" and _parts(second)["text/plain"].strip() == utf8.body
    assert sink.received[1].rcpt_tos == ("josé@example.com",)


def test_smtp_550_is_permanent_and_451_is_retried(sink: SmtpSink, ledger: Ledger) -> None:
    sink.script_rcpt("550 5.1.1 No such user")
    sink.script_data("451 4.3.0 Try again later")
    sleeps = Sleeps()
    report = run([mail(1), mail(2)], ledger, smtp(sink), sleeps)
    assert [o.outcome for o in report.outcomes] == [Outcome.FAILED, Outcome.SENT]
    assert report.outcomes[0].code == "smtp-550" and report.outcomes[1].attempts == 2 and len(sleeps) == 1
    assert [r.rcpt_tos for r in sink.received] == [(mail(2).to,)]


def test_smtp_busy_mailbox_is_left_for_the_next_run(sink: SmtpSink, ledger: Ledger) -> None:
    sink.script_rcpt(*["452 4.2.2 Mailbox full"] * 3)
    report = run([mail(1), mail(2)], ledger, smtp(sink), attempts=3)
    assert [o.outcome for o in report.outcomes] == [Outcome.RETRY_LATER, Outcome.SENT]
    entry = ledger.entry(mail(1).key)
    assert entry is not None and entry.state is State.FAILED and not entry.permanent
    again = run([mail(1), mail(2)], ledger, smtp(sink))
    assert [o.outcome for o in again.outcomes] == [Outcome.SENT, Outcome.ALREADY_SENT]
    assert sink.count() == 2


def test_smtp_connection_lost_in_data_is_unknown_and_never_resent(sink: SmtpSink, ledger: Ledger) -> None:
    sink.script_data(CLOSE)  # the server keeps the message, then the line drops before its answer
    report = run([mail(1), mail(2)], ledger, smtp(sink))
    assert [o.outcome for o in report.outcomes] == [Outcome.UNKNOWN, Outcome.SENT]
    assert [e.key for e in report.needs_attention] == [mail(1).key]
    again = run([mail(1), mail(2)], ledger, smtp(sink))
    assert [o.outcome for o in again.outcomes] == [Outcome.ALREADY_UNKNOWN, Outcome.ALREADY_SENT]
    assert [e.key for e in again.needs_attention] == [mail(1).key]
    assert sink.count() == 2


def test_smtp_server_down_stops_the_run_and_sends_nothing(ledger: Ledger) -> None:
    with smtp_server() as gone:
        channel = smtp(gone)
    report = run([mail(1), mail(2)], ledger, channel)
    assert report.stopped is not None and report.stopped.kind == "unreachable"
    assert [o.outcome for o in report.outcomes] == [Outcome.HELD, Outcome.HELD]
    entry = ledger.entry(mail(1).key)
    assert entry is not None and entry.state is State.PLANNED


def test_smtp_reconnects_when_the_kept_connection_went_stale(sink: SmtpSink, ledger: Ledger) -> None:
    channel = smtp(sink)
    run([mail(1)], ledger, channel)
    assert channel._smtp is not None
    channel._smtp.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]  # as if the server dropped it
    report = run([mail(2)], ledger, channel)
    assert report.outcomes[0].outcome is Outcome.SENT and channel.connections == 2 and sink.count() == 2


def test_yagmail_cannot_send_a_real_plain_text_alternative() -> None:
    """Why the e-mail channel uses the standard library: yagmail's text/plain part is the HTML source."""
    import yagmail  # type: ignore[import-untyped]

    client = yagmail.SMTP("shop@example.com", smtp_skip_login=True, host="127.0.0.1", port=1, smtp_ssl=False,
                          smtp_starttls=False)
    html = "<p>Dear member,</p><p><b>320 points</b> expire soon.</p>"
    _, raw = client.prepare_send(to="m1@example.com", subject="Points", contents=[html], prettify_html=False)
    parsed = message_from_bytes(raw.encode(), policy=default)
    plain = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
    assert "<b>320 points</b>" in plain.get_content()
    client.is_closed = True


# ----------------------------------------------------------------------------------------------- outbox


def test_outbox_writes_each_message_once_atomically(tmp_path: Path, ledger: Ledger) -> None:
    folder = tmp_path / "outbox"
    box = Outbox(folder, sender="shop@example.com", sender_name="Main")
    msgs = [sms(1), mail(1), mail(2, kind="service", html=False)]
    report = run(msgs, ledger, box)
    assert [o.outcome for o in report.outcomes] == [Outcome.SENT] * 3
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(outbox_name(m.key, m.channel) for m in msgs)
    assert all(":" not in n and not n.startswith(".tmp") for n in names)
    text = (folder / outbox_name(sms(1).key, "sms")).read_text(encoding="utf-8")
    assert f"To: {sms(1).to}" in text and text.rstrip().endswith(sms(1).body)
    eml = message_from_bytes((folder / outbox_name(mail(1).key, "email")).read_bytes(), policy=default)
    assert isinstance(eml, EmailMessage)
    assert _parts(eml)["text/plain"].strip() == mail(1).body and eml["List-Unsubscribe"]
    stamp = os.stat(folder / names[0]).st_mtime_ns
    again = run(msgs, ledger, box)
    assert [o.outcome for o in again.outcomes] == [Outcome.ALREADY_SENT] * 3
    assert box.send(msgs[0]).provider_id == f"outbox:{outbox_name(sms(1).key, 'sms')}"  # even without a ledger
    assert os.stat(folder / names[0]).st_mtime_ns == stamp and len(list(folder.iterdir())) == 3
    entry = ledger.entry(sms(1).key)
    assert entry is not None and box.find_sent(entry) == report.outcomes[0].provider_id


def test_outbox_names_keep_keys_apart() -> None:
    assert outbox_name("birthday:M0042:2026", "email").startswith("birthday_M0042_2026-")
    assert outbox_name("a:b", "sms") != outbox_name("a_b", "sms")
    assert outbox_name("a:b", "sms").endswith(".txt") and outbox_name("a:b", "email").endswith(".eml")


def test_outbox_that_cannot_be_written_stops_the_run(tmp_path: Path, ledger: Ledger) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    report = run([sms(1)], ledger, Outbox(blocker))
    assert report.stopped is not None and report.stopped.kind == "config"
    assert isinstance(report.stopped.as_error(), LoyalsheetError)
    entry = ledger.entry(sms(1).key)
    assert entry is not None and entry.state is State.PLANNED


def test_channel_down_is_an_error_the_sender_understands() -> None:
    down = ChannelDown("auth", "20003", "Authenticate")
    assert down.kind == "auth" and not down.maybe_sent and "20003" in str(down)
