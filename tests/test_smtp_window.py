"""SIGKILL the sender at each step of an SMTP conversation with a real server, then run it again.

A server discards a message whose DATA did not end with its final dot (RFC 5321), so an e-mail killed
before the dot was never delivered and must go again; one killed after the dot may have arrived and is
``unknown``, never resent. Between the sender (a child process: this file run as a program) and the real
aiosmtpd server sits a TCP relay in the test. It watches the conversation and, at the step under test,
kills the child with SIGKILL before passing on what the child just sent (or, for ``reply``, before passing
back the server's answer to the dot). Then the child runs again, without a kill, and the test counts what
the server holds, by Message-ID (a function of the message's key, the same on every attempt).

Steps: ``ehlo`` (connecting), ``mail``, ``rcpt``, ``data`` (the DATA command), ``content`` (the message
text is arriving), ``dot`` (the final dot is arriving), ``reply`` (the server took the message; its
answer is on the way).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
N = 5
KILLED = 3  # the message (1-based) in flight when the kill comes; ``ehlo`` happens before the first
STEPS = ("ehlo", "mail", "rcpt", "data", "content", "dot", "reply")
BEFORE_DOT = ("ehlo", "mail", "rcpt", "data", "content")


def planned_messages() -> list[object]:
    """The same list on every run. The message to be killed is long (16 MB, more than the sockets between
    sender and relay can hold), so a kill while its text is arriving lands before the sender's final-step
    mark; with a short one the whole text is in the socket at once and the mark follows at once."""
    from loyalsheet.messaging.ledger import OutgoingMessage

    def body(i: int) -> str:
        lines = 16 * 2**20 // 64 if i == KILLED else 1
        return f"Dear M{i:04d},\n" + f".320 points expire on 2026-12-31. {'.' * 28}\n" * lines

    return [OutgoingMessage(key=f"points:M{i:04d}:2026-12", member_id=f"M{i:04d}", campaign="points", channel="email",
                            to=f"m{i:04d}@example.com", body=body(i), subject=f"Points for M{i:04d}",
                            planned_for=date(2026, 12, 1), kind="service")
            for i in range(1, N + 1)]


def child(ledger_path: str, port: int) -> None:
    """One send run through the relay; prints READY, then the outcomes as JSON."""
    from loyalsheet.messaging.channels import SmtpEmail
    from loyalsheet.messaging.ledger import Ledger, OutgoingMessage
    from loyalsheet.messaging.sender import RetryPolicy, send_all

    msgs = [m for m in planned_messages() if isinstance(m, OutgoingMessage)]
    email = SmtpEmail("127.0.0.1", port, "shop@example.com", starttls=False, timeout=120)  # 16 MB on a busy machine
    with Ledger(Path(ledger_path)) as ledger:
        print("READY", flush=True)
        report = send_all(msgs, ledger, {"email": email}, now=lambda: datetime.now(UTC),
                          retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02))
    email.close()
    print(json.dumps({"outcomes": {o.key: o.outcome.value for o in report.outcomes},
                      "reconciled": {o.key: o.outcome.value for o in report.reconciled}}), flush=True)


class Relay:
    """A TCP relay 127.0.0.1:port -> the SMTP server that kills ``victim`` at ``step`` of message ``KILLED``."""

    def __init__(self, upstream: int, step: str | None) -> None:
        self.upstream, self.step = upstream, step
        self.victim: subprocess.Popen[str] | None = None
        self.killed_at: str | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._done = threading.Event()
        self._mail = 0  # MAIL commands seen, over every connection (a retry may open a new one)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._done.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._done.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            state: dict[str, object] = {"in_data": False, "awaiting_dot_reply": False}
            lock = threading.Lock()
            threading.Thread(target=self._up, args=(client, server, state, lock), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state, lock), daemon=True).start()

    def _kill(self, where: str, *socks: socket.socket) -> None:
        assert self.victim is not None
        self.victim.kill()
        self.victim.wait()
        self.killed_at = where
        for s in socks:
            s.close()

    def _up(self, client: socket.socket, server: socket.socket, state: dict[str, object], lock: threading.Lock) -> None:
        """Client -> server, watching the commands; in DATA, the content and the final dot."""
        pending = b""
        tail = b""
        while True:
            try:
                chunk = client.recv(65536)
            except OSError:
                return
            if not chunk:
                server.close()
                return
            with lock:
                if state["in_data"]:
                    tail = (tail + chunk)[-5:]
                    ends = tail == b"\r\n.\r\n"  # the content always ends in CRLF, then ".\r\n"
                    if self._mail == KILLED and self.step == "content" and not ends:
                        self._kill("content", client, server)
                        return
                    if self._mail == KILLED and self.step in ("content", "dot") and ends:
                        self._kill("dot", client, server)
                        return
                    server.sendall(chunk)
                    if ends:
                        state["in_data"] = False
                        state["awaiting_dot_reply"] = True
                    continue
                pending += chunk
                while b"\r\n" in pending:
                    line, pending = pending.split(b"\r\n", 1)
                    verb = line[:4].upper()
                    if verb == b"MAIL":
                        self._mail += 1
                    step = {b"EHLO": "ehlo", b"MAIL": "mail", b"RCPT": "rcpt", b"DATA": "data"}.get(verb)
                    if step is not None and step == self.step and (step == "ehlo" or self._mail == KILLED):
                        self._kill(step, client, server)
                        return
                    server.sendall(line + b"\r\n")
                    if verb == b"DATA":
                        state["in_data"] = True
                        tail = b""

    def _down(self, server: socket.socket, client: socket.socket, state: dict[str, object],
              lock: threading.Lock) -> None:
        """Server -> client; with ``reply``, the answer to the killed message's dot is never passed back."""
        while True:
            try:
                chunk = server.recv(65536)
            except OSError:
                return
            if not chunk:
                client.close()
                return
            with lock:
                if state["awaiting_dot_reply"]:
                    state["awaiting_dot_reply"] = False
                    if self.step == "reply" and self._mail == KILLED:
                        self._kill("reply", client, server)
                        return
                try:
                    client.sendall(chunk)
                except OSError:
                    return


def run_child(ledger: Path, relay: Relay) -> dict[str, dict[str, str]] | None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, __file__, str(ledger), str(relay.port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    relay.victim = proc
    out, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        assert proc.returncode == -9, err  # killed by the relay, nothing else
        return None
    data = json.loads(out.splitlines()[-1])
    assert isinstance(data, dict)
    return data


def kill_trial(tmp: Path, step: str) -> str:
    """Kill at ``step``, run again; check exactly-once; return what became of the killed message."""
    from loyalsheet.messaging.channels.smtp_email import message_id
    from loyalsheet.messaging.ledger import Ledger, OutgoingMessage, State
    from tests.servers import smtp_server

    msgs = [m for m in planned_messages() if isinstance(m, OutgoingMessage)]
    ledger = tmp / f"{step}.ledger.sqlite"
    with smtp_server() as sink:
        relay = Relay(sink.port, step)
        try:
            assert run_child(ledger, relay) is None and relay.killed_at is not None, f"{step}: no kill"
            arrived_before = Counter(str(r.message["Message-ID"]) for r in sink.received)
            relay.step = None
            again = run_child(ledger, relay)
        finally:
            relay.close()
        arrived = Counter(str(r.message["Message-ID"]) for r in sink.received)
    assert again is not None
    with Ledger(ledger) as book:
        rows = {e.key: e for e in book.history()}
    killed = msgs[KILLED - 1].key if step != "ehlo" else msgs[0].key
    for m in msgs:
        mid = message_id(m.key, "shop@example.com")
        assert arrived[mid] <= 1, f"{step}: {m.key} arrived {arrived[mid]} times"
        if m.key != killed:
            assert rows[m.key].state is State.SENT and arrived[mid] == 1, f"{step}: {m.key} {rows[m.key].state}"
    mid = message_id(killed, "shop@example.com")
    row = rows[killed]
    if step in BEFORE_DOT:  # the server never had it: planned again, sent once by the next run
        assert arrived_before[mid] == 0 and again["reconciled"][killed] == "requeued"
        assert row.state is State.SENT and arrived[mid] == 1
        return "resent"
    # from the mark before the dot on: in doubt, never resent; arrived only when the server saw the dot
    assert row.state is State.UNKNOWN and again["outcomes"][killed] == "already_unknown", f"{step}: {row.state}"
    assert arrived[mid] == (1 if step == "reply" else 0)
    assert arrived_before[mid] == arrived[mid]
    return "unknown"


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_a_kill_before_the_final_dot_resends_and_after_it_is_unknown(tmp_path: Path, step: str) -> None:
    outcome = kill_trial(tmp_path, step)
    assert outcome == ("resent" if step in BEFORE_DOT else "unknown")


def test_a_resent_email_keeps_its_message_id(tmp_path: Path) -> None:
    """The same key gives the same Message-ID on every attempt; another key, another one."""
    from loyalsheet.messaging.channels import SmtpEmail
    from loyalsheet.messaging.channels.smtp_email import message_id
    from loyalsheet.messaging.ledger import OutgoingMessage
    from tests.servers import smtp_server

    first, second = (m for m in planned_messages()[:2] if isinstance(m, OutgoingMessage))
    with smtp_server() as sink:
        for _ in range(2):  # two channels, as two runs would have
            email = SmtpEmail("127.0.0.1", sink.port, "shop@example.com", starttls=False, timeout=10)
            email.send(first)
            email.send(second)
            email.close()
        ids = [str(r.message["Message-ID"]) for r in sink.received]
    assert ids[0] == ids[2] == message_id(first.key, "shop@example.com")
    assert ids[1] == ids[3] != ids[0]
    assert ids[0].startswith("<") and ids[0].endswith("@example.com>")


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]))


def test_the_dot_is_not_held_back_by_nagles_algorithm() -> None:
    """Content and dot go in two writes: with Nagle's algorithm on, the dot would wait for the server's
    delayed ACK (about 40 ms a message, 400 s for 10,000 e-mails). The connection sends at once."""
    import socket
    import time

    from loyalsheet.messaging.channels import SmtpEmail
    from loyalsheet.messaging.ledger import OutgoingMessage
    from tests.servers import smtp_server

    msgs = [m for m in planned_messages() if isinstance(m, OutgoingMessage)]
    short = [m for m in msgs if len(m.body) < 1000]
    with smtp_server() as sink:
        email = SmtpEmail("127.0.0.1", sink.port, "shop@example.com", starttls=False, timeout=10)
        started = time.monotonic()
        for _ in range(10):
            for m in short:
                email.send(m, lambda: None)
        elapsed = time.monotonic() - started
        assert email._smtp is not None
        assert email._smtp.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        email.close()
    assert sink.count() == 10 * len(short)
    assert elapsed < 0.040 * 10 * len(short)  # faster than one delayed ACK a message, even on a busy machine
