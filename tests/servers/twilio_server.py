"""A small HTTP server on 127.0.0.1 that speaks enough of Twilio's REST API for the official client.

- ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (form: To, From, Body) -> 201 with Twilio's JSON
- ``GET  /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json`` -> the message
- ``GET  /2010-04-01/Accounts/{sid}/Messages.json?To=&From=&DateSent>=&PageSize=&Page=`` -> a page,
  newest first, with Twilio's paging fields (``next_page_uri`` ...)
- HTTP basic auth: a wrong SID or token gets 401 with code 20003, as Twilio answers.
- Inbound messages (a member's reply to the store's number): :meth:`FakeTwilio.receive` stores one
  with direction "inbound"; the list (``To=`` the store's number, ``DateSent>``) returns it as Twilio does.

Error injection: :meth:`FakeTwilio.script` queues what the next create requests get instead of the
normal answer: an error status with a Twilio code (429/20429, 400/21211, 400/21610, 500...), a slow
reply (store, then sleep: the client times out although Twilio has the message), or "drop" (store the
message, then close the connection without answering: a crash between Twilio's accept and our commit).
``delay`` slows every create (after storing) so a test can kill a sender mid-flight, or stands for the
round trip to the real Twilio in a benchmark.

Concurrency is watched: ``in_flight`` counts the create requests being answered now, ``max_in_flight``
the most at once, and ``max_in_flight_to`` the most at once to one number (a sender must never have two
messages to one number in flight).

Every stored message is kept (thread-safe) for assertions. Run as a program
(``python -m tests.servers.twilio_server``) it prints ``PORT <n>`` and serves until stdin closes.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-token-0123456789"
API = "/2010-04-01"


@dataclass(frozen=True)
class Scripted:
    """One scripted answer to a create request.

    ``status`` + ``code``: answer with that error (nothing stored). ``sleep``: store, then wait that many
    seconds before answering normally. ``drop``: store, then close the connection without an answer.
    """

    status: int = 0
    code: int | None = None
    message: str = ""
    sleep: float = 0.0
    drop: bool = False


def rate_limited() -> Scripted:
    return Scripted(429, 20429, "Too Many Requests")


def invalid_number() -> Scripted:
    return Scripted(400, 21211, "The 'To' number is not a valid phone number.")


def unsubscribed() -> Scripted:
    return Scripted(400, 21610, "Attempt to send to unsubscribed recipient")


def server_error() -> Scripted:
    return Scripted(500, 20500, "Internal Server Error")


class FakeTwilio:
    """The server; use as a context manager (``with FakeTwilio() as tw: tw.base_url ...``)."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN, *, delay: float = 0.0,
                 page_size_default: int = 50) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = delay
        self.page_size_default = page_size_default
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []  # in creation order
        self._by_sid: dict[str, dict[str, Any]] = {}
        self._script: deque[Scripted] = deque()
        self.create_requests = 0  # every POST to Messages.json that passed auth, scripted or not
        self.in_flight = 0  # create requests being answered now
        self.max_in_flight = 0  # the most create requests answered at once
        self.max_in_flight_to = 0  # the most create requests to one number answered at once
        self._flying_to: dict[str, int] = {}
        self.unsubscribed: set[str] = set()  # numbers that replied STOP: a create to one gets 400 / 21610
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- control

    def start(self) -> FakeTwilio:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *answers: Scripted) -> None:
        """Queue answers for the next create requests (first in, first used)."""
        with self._lock:
            self._script.extend(answers)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A copy of every message sent through the API (not the inbound ones), in creation order."""
        with self._lock:
            return [dict(m) for m in self._messages if m["direction"] != "inbound"]

    def bodies_to(self, to: str) -> list[str]:
        return [m["body"] for m in self.messages if m["to"] == to]

    def receive(self, from_: str, body: str, to: str, *, at: datetime | None = None) -> str:
        """A member's SMS to the store's number ``to`` (direction "inbound", as Twilio lists it); its SID."""
        msg = self._store(to, from_, body, at=at)
        with self._lock:
            msg.update(direction="inbound", status="received", date_sent=msg["date_created"])
        return str(msg["sid"])

    def set_status(self, sid: str, status: str) -> None:
        with self._lock:
            self._by_sid[sid]["status"] = status

    # ----------------------------------------------------------------- behaviour (called by the handler)

    @contextmanager
    def _flying(self, to: str) -> Iterator[None]:
        """Count one create request to ``to`` as in flight while it is answered."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._flying_to[to] = self._flying_to.get(to, 0) + 1
            self.max_in_flight_to = max(self.max_in_flight_to, self._flying_to[to])
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self._flying_to[to] -= 1

    def _next_script(self) -> Scripted | None:
        with self._lock:
            self.create_requests += 1
            return self._script.popleft() if self._script else None

    def _store(self, to: str, from_: str, body: str, *, at: datetime | None = None) -> dict[str, Any]:
        now = at or datetime.now(UTC)
        sid = "SM" + secrets.token_hex(16)
        stamp = format_datetime(now, usegmt=True)
        msg = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body,
            "date_created": stamp, "date_sent": None, "date_updated": stamp, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": from_, "messaging_service_sid": None,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
            "status": "queued", "to": to,
            "uri": f"{API}/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {"media": f"{API}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "_created": now,
        }
        with self._lock:
            self._messages.append(msg)
            self._by_sid[sid] = msg
        return msg

    def _get(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            return self._by_sid.get(sid)

    def _select(self, query: dict[str, str]) -> list[dict[str, Any]]:
        after = _parse_when(query.get("DateSent>"))
        before = _parse_when(query.get("DateSent<"))
        with self._lock:
            rows = sorted(reversed(self._messages), key=lambda m: m["_created"], reverse=True)  # newest first
        result = []
        for m in rows:
            if "To" in query and m["to"] != query["To"]:
                continue
            if "From" in query and m["from"] != query["From"]:
                continue
            sent = m["_created"]  # this server "sends" at once: date_sent would equal date_created
            if after is not None and sent < after:
                continue
            if before is not None and sent > before:
                continue
            result.append(m)
        return result


def _parse_when(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip()
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _public(m: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in m.items() if not k.startswith("_")}


class _QuietServer(ThreadingHTTPServer):
    """A client that vanishes mid-request (killed, timed out) is normal here: no traceback for it."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else every reply waits ~40 ms for the client's delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    # ----------------------------------------------------------------- plumbing

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client went away (killed, or timed out): Twilio would not notice either
            self.close_connection = True

    def _error(self, status: int, code: int, message: str) -> None:
        self._reply(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                             "status": status})

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.fake.account_sid}:{self.fake.auth_token}".encode()).decode()
        if header != expected:
            self._error(401, 20003, "Authenticate")
            return False
        return True

    def _route(self) -> tuple[str, str | None, dict[str, str]] | None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        prefix = f"{API}/Accounts/"
        if not parts.path.startswith(prefix):
            return None
        rest = parts.path[len(prefix):].split("/")
        if len(rest) == 2 and rest[1] == "Messages.json":
            return rest[0], None, query
        if len(rest) == 3 and rest[1] == "Messages" and rest[2].endswith(".json"):
            return rest[0], rest[2][:-5], query
        return None

    # ----------------------------------------------------------------- verbs

    def do_POST(self) -> None:
        self.fake.requests.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the client died mid-request: nothing to store
            self.close_connection = True
            return
        route = self._route()
        if not self._authorized():
            return
        if route is None or route[1] is not None:
            self._error(404, 20404, "The requested resource was not found")
            return
        if route[0] != self.fake.account_sid:
            self._error(401, 20003, "Authenticate")
            return
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        with self.fake._flying(form.get("To", "")):
            self._create(form)

    def _create(self, form: dict[str, str]) -> None:
        scripted = self.fake._next_script()
        if scripted is not None and scripted.status:
            self._error(scripted.status, scripted.code or scripted.status, scripted.message or "error")
            return
        if form.get("To") in self.fake.unsubscribed:
            self._error(400, 21610, "Attempt to send to unsubscribed recipient")
            return
        if not form.get("To") or not (form.get("Body") or form.get("MediaUrl")):
            self._error(400, 21604 if not form.get("To") else 21602, "A 'To' and a 'Body' are required")
            return
        msg = self.fake._store(form["To"], form.get("From", ""), form.get("Body", ""))
        if scripted is not None and scripted.drop:
            self.close_connection = True
            return  # no answer at all: the handler returns and the server closes the socket
        if scripted is not None and scripted.sleep:
            time.sleep(scripted.sleep)
        elif self.fake.delay:
            time.sleep(self.fake.delay)
        self._reply(201, _public(msg))

    def do_GET(self) -> None:
        self.fake.requests.append(("GET", self.path))
        route = self._route()
        if not self._authorized():
            return
        if route is None or route[0] != self.fake.account_sid:
            self._error(404, 20404, "The requested resource was not found")
            return
        account, sid, query = route
        if sid is not None:
            msg = self.fake._get(sid)
            if msg is None:
                self._error(404, 20404, f"The requested resource {self.path} was not found")
            else:
                self._reply(200, _public(msg))
            return
        rows = self.fake._select(query)
        size = max(1, min(1000, int(query.get("PageSize") or self.fake.page_size_default)))
        page = max(0, int(query.get("Page") or 0))
        chunk = rows[page * size:(page + 1) * size]
        base = f"{API}/Accounts/{account}/Messages.json"
        keep = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(n: int) -> str:
            return f"{base}?{urlencode({**keep, 'PageSize': size, 'Page': n})}"

        more = (page + 1) * size < len(rows)
        self._reply(200, {
            "messages": [_public(m) for m in chunk],
            "end": page * size + len(chunk) - 1 if chunk else 0,
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) + f"&PageToken=PA{page + 1}" if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": page * size,
            "uri": uri(page),
        })


@contextmanager
def twilio_server(**kwargs: Any) -> Iterator[FakeTwilio]:
    """``with twilio_server() as tw:`` a started :class:`FakeTwilio`, stopped afterwards."""
    fake = FakeTwilio(**kwargs)
    with fake:
        yield fake


def main() -> None:
    """Serve until stdin closes: prints ``PORT <n>``; ``--delay S`` slows every create."""
    delay = float(sys.argv[sys.argv.index("--delay") + 1]) if "--delay" in sys.argv else 0.0
    with FakeTwilio(delay=delay) as fake:
        print(f"PORT {fake.port}", flush=True)
        sys.stdin.read()
        print(f"RECEIVED {len(fake.messages)}", flush=True)
        print(f"MAX_IN_FLIGHT {fake.max_in_flight} {fake.max_in_flight_to}", flush=True)


if __name__ == "__main__":
    main()
