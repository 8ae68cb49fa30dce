"""`loyalsheet today --send` through Aliyun, killed with SIGKILL at random points, then run again: every SMS once.

As tests/test_today_kill.py does for Twilio: the Aliyun-speaking server answers each SendSms a little
after taking it, so a kill often lands between Aliyun taking a message and the ledger recording it.
The rows left in flight are looked up with QuerySendDetails (matched on OutId = the message key).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from loyalsheet.demo import write_demo
from loyalsheet.messaging.ledger import Ledger, State
from tests.helpers import REPO
from tests.servers import smtp_server
from tests.servers.aliyun_server import aliyun_server
from tests.test_today_aliyun import aliyun_templates, use_aliyun
from tests.test_today_cli import DAY

ROUNDS = 6


@pytest.mark.slow
def test_today_send_through_aliyun_killed_at_random_points_then_every_sms_exactly_once(tmp_path: Path) -> None:
    store = tmp_path / "shop"
    write_demo(store, members=120, today=DAY)
    rng = random.Random(20261207)
    with aliyun_server(templates=aliyun_templates(), delay=0.05) as ali, smtp_server(delay=0.02) as sink:
        env = {**os.environ, **use_aliyun(store, ali, sink), "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"}
        env.pop("LOYALSHEET_DEBUG", None)
        base = [sys.executable, "-m", "loyalsheet", "today", "--config", str(store / "config.yaml"),
                "--date", DAY.isoformat(), "--at", "10:00", "--json", "--lang", "en"]
        dry = subprocess.run(base, cwd=store, env=env, capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, dry.stderr
        planned = {p["key"]: p for p in json.loads(dry.stdout)["planned"]}
        sms_keys = {k for k, p in planned.items() if p["channel"] == "sms"}
        assert len(sms_keys) > 10
        killed = 0
        for _ in range(ROUNDS):
            proc = subprocess.Popen([*base, "--send"], cwd=store, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            if rng.random() < 0.25:  # anywhere: reading, checking the settings, settling the last run, sending
                time.sleep(rng.uniform(0.3, 1.5))
            else:  # while sending: wait for the next message to arrive, then a little more
                before = len(ali.messages) + sink.count()
                deadline = time.monotonic() + 15
                while proc.poll() is None and time.monotonic() < deadline and \
                        len(ali.messages) + sink.count() == before:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.08))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
            proc.communicate(timeout=30)
        final = subprocess.run([*base, "--send"], cwd=store, env=env, capture_output=True, text=True, timeout=120)
        received = ali.messages
        lookups = ali.requests.count("QuerySendDetails")
    assert killed >= ROUNDS - 1, "the kills should land while the run is going"
    assert final.returncode in (0, 1), final.stderr
    report = json.loads(final.stdout)
    assert report["result"]["stopped"] is None
    copies = Counter(m["out_id"] for m in received)
    assert set(copies) == sms_keys and set(copies.values()) == {1}, "every SMS reached Aliyun exactly once"
    with Ledger(store / "members.ledger.sqlite") as ledger:
        rows = {e.key: e for e in ledger.history() if e.state is not State.HOLDOUT}  # (held out: never sent)
    assert set(rows) == set(planned)
    for key in sms_keys:
        assert rows[key].state is State.SENT and rows[key].provider == "aliyun"
        biz = next(m["biz_id"] for m in received if m["out_id"] == key)
        assert rows[key].provider_id in (biz, f"outid:{key}")
    assert lookups >= 1, "a message in flight was looked up at Aliyun"
