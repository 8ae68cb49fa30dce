"""Kill the sender with SIGKILL at random moments, run it again, and count what the servers received.

A child process (this file run as a program) sends 60 messages (30 SMS to the Twilio-speaking server,
30 e-mails to the SMTP server) through :func:`loyalsheet.messaging.sender.send_all`. Both servers run in the test
process and answer each message after a short pause *after* storing it, so a kill often lands in the
worst place: the provider has the message, the ledger does not know yet. After ~10 kills and one clean
run:

- every SMS reached Twilio exactly once (a row left ``sending`` is looked up at Twilio);
- every e-mail reached the SMTP server at most once; those in doubt (at most one per kill) are
  ``unknown`` and reported; every other e-mail arrived exactly once.

With a pool of 8 threads (``messaging.sms_workers``) the child sends 160 SMS and 16 e-mails instead,
so each kill lands with several SMS in flight at once: if one of them were handed to its thread
before its attempt mark was committed, the next run would take it for never tried and send it again.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
N = 60
ROUNDS = 10
FROM = "+15005550006"


def planned_messages(workers: int = 1) -> list[object]:
    """The same list on every run; each body unique. One at a time: 30 SMS and 30 e-mails, interleaved;
    with a pool: 160 SMS and 16 e-mails (every 11th message)."""
    from loyalsheet.messaging.ledger import OutgoingMessage

    msgs: list[object] = []
    n, every = (N, 2) if workers == 1 else (176, 11)
    for i in range(n):
        member = f"M{i:04d}"
        if i % every != 1:
            msgs.append(OutgoingMessage(key=f"birthday:{member}:2026", member_id=member, campaign="birthday",
                                        channel="sms", to=f"+86138{i:08d}", body=f"生日快乐 {member}! 回T退订",
                                        planned_for=date(2026, 11, 22), kind="marketing"))
        else:
            msgs.append(OutgoingMessage(key=f"points:{member}:2026-12", member_id=member, campaign="points",
                                        channel="email", to=f"{member.lower()}@example.com",
                                        body=f"Dear {member},\n320 points expire on 2026-12-31.",
                                        subject=f"Points for {member}", html=f"<p>Dear {member}</p>",
                                        planned_for=date(2026, 11, 22), kind="marketing"))
    return msgs


def child(ledger_path: str, twilio_url: str, smtp_port: int, sid: str, token: str, workers: int) -> None:
    """The process that gets killed: one send run; prints READY before sending and a JSON report after."""
    from loyalsheet.messaging.channels import SmtpEmail, TwilioSms
    from loyalsheet.messaging.ledger import Ledger, OutgoingMessage
    from loyalsheet.messaging.sender import RetryPolicy, send_all

    msgs = [m for m in planned_messages(workers) if isinstance(m, OutgoingMessage)]
    sms = TwilioSms(sid, token, FROM, base_url=twilio_url, timeout=10)
    email = SmtpEmail("127.0.0.1", smtp_port, "shop@example.com", starttls=False, timeout=10)
    with Ledger(Path(ledger_path)) as ledger:
        print("READY", flush=True)
        report = send_all(msgs, ledger, {"sms": sms, "email": email}, now=lambda: datetime.now(UTC),
                          retry=RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2), workers=workers,
                          batch=20)
    email.close()
    print(json.dumps({
        "outcomes": {o.key: o.outcome.value for o in report.outcomes},
        "reconciled": {o.key: o.outcome.value for o in report.reconciled},
        "unknown": [e.key for e in report.needs_attention],
        "stopped": None if report.stopped is None else report.stopped.text,
    }), flush=True)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 8])
def test_sigkill_at_random_moments_then_every_message_exactly_once(tmp_path: Path, workers: int) -> None:
    from loyalsheet.messaging.ledger import Ledger, OutgoingMessage, State
    from tests.servers import smtp_server, twilio_server

    msgs = [m for m in planned_messages(workers) if isinstance(m, OutgoingMessage)]
    rng = random.Random(20261122 + workers)
    ledger_path = tmp_path / "members.ledger.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    killed_in_flight = 0
    started = time.monotonic()
    # Each answer waits 50 ms, so the 60 messages take over 3 s to send: more than the ten rounds' sleeps
    # add up to (2.1 s), so every round is still sending when it is killed, however fast the machine.
    with twilio_server(delay=0.05) as tw, smtp_server(delay=0.05) as sink:
        cmd = [sys.executable, __file__, str(ledger_path), tw.base_url, str(sink.port), tw.account_sid, tw.auth_token,
               str(workers)]
        for _ in range(ROUNDS):
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "READY", proc.stderr.read() if proc.stderr else ""
            time.sleep(rng.uniform(0.05, 0.35))
            if proc.poll() is None:
                killed_in_flight += 1
                os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        final = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert final.returncode == 0, final.stderr
        report = json.loads(final.stdout.splitlines()[-1])
        sms_received = tw.messages
        mail_received = sink.received
        lookups = sum(1 for method, path in tw.requests if method == "GET" and "Messages.json" in path)
        in_flight, in_flight_to = tw.max_in_flight, tw.max_in_flight_to
    assert time.monotonic() - started < 45
    if workers > 1:
        assert 1 < in_flight <= workers, f"{in_flight} SMS were in flight at once"
    assert in_flight_to == 1, "never two SMS to one number in flight at once"
    assert killed_in_flight >= ROUNDS - 2, "the kills should land while sending"
    assert report["stopped"] is None

    with Ledger(ledger_path) as ledger:
        rows = {e.key: e for e in ledger.history()}
    assert set(rows) == {m.key for m in msgs}

    sms_bodies = [m["body"] for m in sms_received]
    by_message_id = {str(r.message["Message-ID"]): r for r in mail_received}
    mail_to = [r.rcpt_tos[0] for r in mail_received]
    unknown = sorted(k for k, e in rows.items() if e.state is State.UNKNOWN)
    for m in msgs:
        row = rows[m.key]
        if m.channel == "sms":
            assert sms_bodies.count(m.body) == 1, f"{m.key}: {sms_bodies.count(m.body)} SMS received"
            assert row.state is State.SENT
            sid = next(s["sid"] for s in sms_received if s["body"] == m.body)
            assert row.provider_id == sid
        else:
            copies = mail_to.count(m.to)
            assert copies <= 1, f"{m.key}: {copies} e-mails received"
            if row.state is State.SENT:
                assert copies == 1 and row.provider_id in by_message_id
            else:
                assert row.state is State.UNKNOWN, f"{m.key} ended {row.state}"
    email_keys = [m.key for m in msgs if m.channel == "email"]
    assert all(k in email_keys for k in unknown), "an SMS is never left in doubt: Twilio can be asked"
    assert len(unknown) <= killed_in_flight, "at most the one e-mail in flight per kill is in doubt"
    assert sorted(report["unknown"]) == unknown, "the final run lists every message in doubt"
    assert len(sms_received) == sum(1 for m in msgs if m.channel == "sms")
    assert lookups >= 1, "some run found an SMS in doubt and asked Twilio about it"


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6]))
