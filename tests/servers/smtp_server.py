"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts.

:class:`SmtpSink` starts aiosmtpd's ``Controller`` on a free port (port 0, read back after binding).
Its handler stores each accepted message (raw bytes; parsed on access with ``email.parser`` and the
default policy) together with the envelope and the client's connection, and can be scripted:

- ``sink.script_rcpt("550 5.1.1 No such user")`` answers the next RCPT TO with that reply;
- ``sink.script_data("451 4.3.0 Try again later")`` answers the next DATA with that reply (not stored);
- ``sink.script_data(CLOSE)`` stores the next message, then closes the connection without answering:
  the client cannot know whether the message went.

``delay`` slows every DATA reply (after storing) so a test can kill a sender mid-flight. ``pipelining``
offers PIPELINING in the EHLO reply (``--pipelining`` when run as a program).
Run as a program (``python -m tests.servers.smtp_server``) it prints ``PORT <n>`` and serves until stdin
closes.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

CLOSE = "<close>"


@dataclass(frozen=True)
class Received:
    """One accepted message: envelope, raw bytes, and which connection brought it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    peer: str

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname  # (aiosmtpd leaves it to a handler with this hook)
        if self.sink.pipelining:  # aiosmtpd reads commands one line at a time and answers in order
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.sink._pop(self.sink._rcpt_script)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.sink._pop(self.sink._data_script)
        if reply is not None and reply != CLOSE:
            return reply
        raw = envelope.original_content or b""
        self.sink._keep(Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(raw), str(session.peer)))
        if reply == CLOSE:
            assert server.transport is not None
            server.transport.close()
            return "421 closing"  # never reaches the client: the connection is already closed
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        return "250 2.0.0 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller, bound to port 0; the real port is read back once the server listens."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """The server; use as a context manager (``with SmtpSink() as sink: sink.port ...``)."""

    def __init__(self, *, delay: float = 0.0, pipelining: bool = False) -> None:
        self.delay = delay
        self.pipelining = pipelining  # offer PIPELINING (RFC 2920) in the EHLO reply, as most servers do
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._rcpt_script: deque[str] = deque()
        self._data_script: deque[str] = deque()
        self._controller = _Controller(_Handler(self), hostname="127.0.0.1", port=0, enable_SMTPUTF8=True)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def script_rcpt(self, *replies: str) -> None:
        with self._lock:
            self._rcpt_script.extend(replies)

    def script_data(self, *replies: str) -> None:
        with self._lock:
            self._data_script.extend(replies)

    def _pop(self, queue: deque[str]) -> str | None:
        with self._lock:
            return queue.popleft() if queue else None

    def _keep(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)

    @property
    def received(self) -> list[Received]:
        """Every accepted message, in arrival order."""
        with self._lock:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed."""
        return [r.message for r in self.received]

    def count(self) -> int:
        with self._lock:
            return len(self._received)

    def peers(self) -> set[str]:
        """The client connections (host, port) that delivered messages."""
        return {r.peer for r in self.received}


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[SmtpSink]:
    """``with smtp_server() as sink:`` a started :class:`SmtpSink`, stopped afterwards."""
    sink = SmtpSink(**kwargs)
    with sink:
        yield sink


def main() -> None:
    """Serve until stdin closes: prints ``PORT <n>``; ``--delay S`` slows every DATA reply."""
    delay = float(sys.argv[sys.argv.index("--delay") + 1]) if "--delay" in sys.argv else 0.0
    with SmtpSink(delay=delay, pipelining="--pipelining" in sys.argv) as sink:
        print(f"PORT {sink.port}", flush=True)
        sys.stdin.read()
        print(f"RECEIVED {sink.count()}", flush=True)


if __name__ == "__main__":
    main()
