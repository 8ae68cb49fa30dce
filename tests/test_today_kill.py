"""`loyalsheet today --send` killed with SIGKILL at random points, then run again: every message once.

The demo store's day is sent to a Twilio-speaking server and an SMTP server on 127.0.0.1, both
answering each message a little after storing it, so a kill often lands between the provider taking
a message and the ledger recording it. After the kills, one more run finishes the day. Then every SMS
reached Twilio exactly once (a row left in flight is looked up at Twilio), every e-mail reached the
SMTP server at most once, and those in doubt (at most one per kill) are `unknown` and reported.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loyalsheet.demo import write_demo
from loyalsheet.messaging.ledger import Ledger, State
from tests.helpers import REPO
from tests.servers import smtp_server, twilio_server
from tests.test_today_cli import DAY, use_servers

ROUNDS = 6


@pytest.mark.slow
def test_today_send_killed_at_random_points_then_every_message_exactly_once(tmp_path: Path) -> None:
    store = tmp_path / "shop"
    write_demo(store, members=120, today=DAY)
    rng = random.Random(20261120)
    started = time.monotonic()
    with twilio_server(delay=0.02) as tw, smtp_server(delay=0.02) as sink:
        env = {**os.environ, **use_servers(store, tw, sink), "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"}
        env.pop("LOYALSHEET_DEBUG", None)
        base = [sys.executable, "-m", "loyalsheet", "today", "--config", str(store / "config.yaml"),
                "--date", DAY.isoformat(), "--at", "10:00", "--json", "--lang", "en"]
        dry = subprocess.run(base, cwd=store, env=env, capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, dry.stderr
        planned = {p["key"]: p for p in json.loads(dry.stdout)["planned"]}
        assert len(planned) > 40
        killed = 0
        for _ in range(ROUNDS):
            proc = subprocess.Popen([*base, "--send"], cwd=store, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            if rng.random() < 0.25:  # anywhere: reading, planning, settling the last run, sending
                time.sleep(rng.uniform(0.3, 1.5))
            else:  # while sending: wait for the next message to arrive, then a little more
                before = len(tw.messages) + sink.count()
                deadline = time.monotonic() + 15
                while proc.poll() is None and time.monotonic() < deadline and len(tw.messages) + sink.count() == before:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.3))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
            proc.communicate(timeout=30)
        final = subprocess.run([*base, "--send"], cwd=store, env=env, capture_output=True, text=True, timeout=120)
        sms_received = tw.messages
        mail_received = sink.received
        lookups = sum(1 for method, path in tw.requests if method == "GET" and "Messages.json" in path)
    assert time.monotonic() - started < 60
    assert killed >= ROUNDS - 1, "the kills should land while the run is going"
    assert final.returncode in (0, 1), final.stderr
    report = json.loads(final.stdout)
    assert report["result"]["stopped"] is None

    with Ledger(store / "members.ledger.sqlite") as ledger:
        rows = {e.key: e for e in ledger.history() if e.state is not State.HOLDOUT}  # (held out: never sent)
    assert set(rows) == set(planned), "every run planned the same day"
    sms_sent = [(m["to"], m["body"]) for m in sms_received]
    mail_to = [r.rcpt_tos[0] for r in mail_received]
    by_message_id = {str(r.message["Message-ID"]).strip(): r for r in mail_received}
    unknown = sorted(k for k, e in rows.items() if e.state is State.UNKNOWN)
    for key, p in planned.items():
        row = rows[key]
        if p["channel"] == "sms":
            copies = sms_sent.count((row.to, p["preview"]))
            assert copies == 1, f"{key}: {copies} SMS received"
            assert row.state is State.SENT
            assert row.provider_id == next(m["sid"] for m in sms_received
                                           if (m["to"], m["body"]) == (row.to, p["preview"]))
        else:
            copies = mail_to.count(row.to)
            assert copies <= 1, f"{key}: {copies} e-mails received"
            if row.state is State.SENT:
                assert copies == 1 and row.provider_id in by_message_id
            else:
                assert row.state is State.UNKNOWN, f"{key} ended {row.state}"
    assert all(planned[k]["channel"] == "email" for k in unknown), "an SMS is never left in doubt: Twilio is asked"
    assert len(unknown) <= killed, "at most the e-mail in flight per kill is in doubt"
    assert sorted(report["result"]["unknown"]) == unknown, "the last run lists every message in doubt"
    assert final.returncode == (1 if unknown else 0)
    assert len(sms_received) == sum(1 for p in planned.values() if p["channel"] == "sms")
    assert lookups >= 1 or not any(k for k in rows if planned[k]["channel"] == "sms"), "some SMS in doubt was looked up"
