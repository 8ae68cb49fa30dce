"""SMS through Twilio, with the official ``twilio`` client.

The client has no base-URL setting; the documented way to point it elsewhere is your own
``http_client``. :class:`BaseUrlHttpClient` rewrites ``https://api.twilio.com`` to a configured base
(tests use a Twilio-speaking server on 127.0.0.1); in production the base is Twilio's own.

``messages.create`` has no idempotency key, which is why the ledger exists: after a crash the
sender asks :meth:`TwilioSms.find_sent` whether Twilio already has the message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException  # type: ignore[import-untyped]
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.http.response import Response  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]
from urllib3.exceptions import NewConnectionError

from ...config import SmsChannel
from ...errors import LoyalsheetError
from ..ledger import Entry, OutgoingMessage, Reply, body_hash
from .base import ChannelDown, DownKind, PermanentError, RetryableError, SendResult

TWILIO_API = "https://api.twilio.com"

# Twilio error codes (https://www.twilio.com/docs/api/errors) that say the account or the sender is
# wrong, not this one message: every later message would fail the same way, so the run stops.
ACCOUNT_CODES = frozenset({
    20003,  # authentication failed
    20005,  # account not active
    20008,  # resource not accessible with test account credentials
    21212,  # invalid 'From' number
    21603,  # 'From' is required
    21606,  # the 'From' number is not a valid SMS-capable number for this account
    21659,  # 'From' is not a Twilio number
})
OPT_OUT_CODES = frozenset({21610})  # the recipient replied STOP
RATE_CODES = frozenset({20429})  # too many requests: "never processed and always safe to retry"
TRIAL_PREFIX = "Sent from your Twilio trial account - "
RECONCILE_SLACK = timedelta(minutes=5)  # clock difference we allow between this machine and Twilio


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's own HTTP client, sending to ``base_url`` instead of ``https://api.twilio.com``."""

    def __init__(self, base_url: str = TWILIO_API, *, timeout: float = 15.0) -> None:
        super().__init__(pool_connections=True, timeout=timeout)
        parts = urlsplit(base_url.rstrip("/"))
        self._scheme, self._netloc, self._prefix = parts.scheme, parts.netloc, parts.path

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Rewrite ``https://*.twilio.com/...`` to the base URL, then send as Twilio's client would."""
        parts = urlsplit(url)
        if parts.hostname is not None and parts.hostname.endswith("twilio.com"):
            url = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def network_error(provider: str, exc: BaseException) -> ChannelDown | RetryableError:
    """A request to ``provider`` that failed on the network: nothing went when it never connected; a
    timeout or a broken connection may have sent it."""
    if _connect_failed(exc):
        return ChannelDown("unreachable", "connect", f"cannot connect to {provider}: {exc}", maybe_sent=False)
    if isinstance(exc, requests.exceptions.Timeout):
        return RetryableError("timeout", f"{provider} did not answer in time: {exc}", maybe_sent=True)
    return RetryableError("connection-lost", f"the connection to {provider} broke: {exc}", maybe_sent=True)


def _connect_failed(exc: BaseException) -> bool:
    """True when the request never reached the server (refused, no route, DNS): nothing was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, NewConnectionError | ConnectionRefusedError):
            return True
        todo.extend([e.__cause__, e.__context__, getattr(e, "reason", None)])
        todo.extend(a for a in e.args if isinstance(a, BaseException))
    return False


def _env(environ: Mapping[str, str], name: str, setting: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise LoyalsheetError("send.env_missing", var=name, setting=setting)
    return value


class TwilioSms:
    """The SMS channel. One instance per run; each thread that uses it gets its own client and keeps
    its own HTTP connection alive.

    The official client is not safe to share between threads: ``TwilioHttpClient.request`` stores the
    response it is about to return on the client (``self._test_only_last_response``) and returns that
    attribute, so two threads in one client can swap replies (and a message's SID); and it sends
    through one ``requests.Session``, which requests does not promise to be thread-safe. So the
    sender's pool threads each build a client of their own on first use (:attr:`_client`).
    """

    provider = "twilio"
    can_find_sent = True
    concurrent = True  # safe to call from several threads: one client per thread

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *, base_url: str = TWILIO_API,
                 timeout: float = 15.0) -> None:
        self.from_number = from_number
        self.account_sid = account_sid
        self._auth_token, self._base_url, self._timeout = auth_token, base_url, timeout
        self._local = threading.local()
        self._made: list[BaseUrlHttpClient] = []  # every thread's HTTP client, closed by :meth:`close`
        self._made_lock = threading.Lock()

    @property
    def _client(self) -> Client:
        """This thread's Twilio client (made on first use)."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            http = BaseUrlHttpClient(self._base_url, timeout=self._timeout)
            client = Client(self.account_sid, self._auth_token, http_client=http)
            self._local.client = client
            with self._made_lock:
                self._made.append(http)
        return client

    @classmethod
    def from_config(cls, settings: SmsChannel, environ: Mapping[str, str], *, base_url: str = TWILIO_API,
                    timeout: float = 15.0) -> TwilioSms:
        """Build from config.yaml's ``channels.sms``; the SID and token come from the named variables."""
        sid = _env(environ, settings.account_sid_env, "channels.sms.account_sid_env")
        token = _env(environ, settings.auth_token_env, "channels.sms.auth_token_env")
        return cls(sid, token, settings.from_number or "", base_url=base_url, timeout=timeout)

    # ----------------------------------------------------------------- sending

    marks_final_step = False  # the request is the only step: Twilio is asked instead (``find_sent``)

    def send(self, msg: OutgoingMessage, final_step: Callable[[], None] | None = None) -> SendResult:
        """``messages.create``; Twilio's errors become the channel errors the sender understands."""
        try:
            created = self._client.messages.create(to=msg.to, from_=self.from_number, body=msg.body)
        except TwilioRestException as exc:
            raise self._classify(exc) from exc
        except requests.exceptions.RequestException as exc:
            raise network_error("Twilio", exc) from exc
        except TwilioException as exc:  # an answer the client could not read: it may have been taken
            raise RetryableError("twilio-bad-reply", str(exc), maybe_sent=True) from exc
        sid = getattr(created, "sid", None)
        if not sid:
            raise RetryableError("twilio-bad-reply", "Twilio's reply had no message SID", maybe_sent=True)
        return SendResult(str(sid))

    def _classify(self, exc: TwilioRestException) -> Exception:
        status = int(exc.status or 0)
        code = exc.code if isinstance(exc.code, int) else None
        label = str(code if code is not None else status)
        text = str(getattr(exc, "msg", "") or exc)
        if status == 429 or code in RATE_CODES:
            return RetryableError(label, text, maybe_sent=False)
        if status in (401, 403) or code in ACCOUNT_CODES:
            kind: DownKind = "auth" if status == 401 or code == 20003 else "config"
            return ChannelDown(kind, label, text, maybe_sent=False)
        if status >= 500:
            return RetryableError(label, text, maybe_sent=True)
        if code in OPT_OUT_CODES:
            return PermanentError(label, text, opt_out=True)
        return PermanentError(label, text)


    # ----------------------------------------------------------------- asking Twilio

    def find_sent(self, entry: Entry, *, exclude: Collection[str] = ()) -> str | None:
        """The SID of a message to ``entry.to`` created since the row's attempt with the same body.

        Lists messages to that number, newest first, and stops at the first one older than the row's
        ``attempt_at`` (else ``sending_at``), less a few minutes for clock difference. Twilio's ``DateSent`` filter is not
        used on purpose: a message still queued has no ``date_sent`` yet, and that is exactly the one a
        crash leaves behind. Of several matches the oldest one not in ``exclude`` is taken.
        """
        since = (entry.attempt_at or entry.sending_at or entry.planned_at).astimezone(UTC) - RECONCILE_SLACK
        found: str | None = None
        try:
            for m in self._client.messages.stream(to=entry.to, page_size=50, limit=1000):
                created: datetime | None = m.date_created
                if created is not None and created < since:
                    break
                body = m.body or ""
                if entry.body_sha256 in (body_hash(body), body_hash(body.removeprefix(TRIAL_PREFIX))) \
                        and m.sid not in exclude:
                    found = str(m.sid)  # keep going: the list is newest first, the oldest match wins
        except TwilioRestException as exc:
            down = self._classify(exc)
            if isinstance(down, ChannelDown):
                raise down from exc
            raise ChannelDown("server", str(exc.code or exc.status), str(getattr(exc, "msg", exc)),
                              maybe_sent=True) from exc
        except requests.exceptions.RequestException as exc:
            down_kind: DownKind = "unreachable" if _connect_failed(exc) else "timeout"
            raise ChannelDown(down_kind, "lookup", f"cannot ask Twilio about sent messages: {exc}",
                              maybe_sent=True) from exc
        except TwilioException as exc:
            raise ChannelDown("server", "twilio-bad-reply", str(exc), maybe_sent=True) from exc
        return found

    # ----------------------------------------------------------------- replies

    can_read_replies = True

    def replies(self, since: datetime) -> list[Reply]:
        """Inbound messages to the store's number sent since ``since`` (Twilio's ``DateSent>`` filter), oldest first."""
        found: list[Reply] = []
        try:
            for m in self._client.messages.stream(to=self.from_number, date_sent_after=since, page_size=100,
                                                  limit=5000):
                if not str(m.direction or "").startswith("inbound"):
                    continue
                when: datetime | None = m.date_sent or m.date_created
                found.append(Reply(provider=self.provider, provider_id=str(m.sid), sender=str(m.from_ or ""),
                                   body=str(m.body or ""), received_at=when or since))
        except TwilioRestException as exc:
            down = self._classify(exc)
            if isinstance(down, ChannelDown):
                raise down from exc
            raise ChannelDown("server", str(exc.code or exc.status), str(getattr(exc, "msg", exc))) from exc
        except requests.exceptions.RequestException as exc:
            kind: DownKind = "unreachable" if _connect_failed(exc) else "timeout"
            raise ChannelDown(kind, "replies", f"cannot read replies from Twilio: {exc}") from exc
        except TwilioException as exc:
            raise ChannelDown("server", "twilio-bad-reply", str(exc)) from exc
        return sorted(found, key=lambda r: (r.received_at, r.provider_id))

    def status(self, sid: str) -> str:
        """Twilio's current status of a message ("queued", "sent", "delivered", "undelivered", ...)."""
        return str(self._client.messages(sid).fetch().status)

    def close(self) -> None:
        """Close the kept-alive HTTP connections (one per thread that sent)."""
        with self._made_lock:
            made, self._made = self._made, []
        for http in made:
            if http.session is not None:
                http.session.close()


__all__ = ["TWILIO_API", "BaseUrlHttpClient", "TwilioSms"]
