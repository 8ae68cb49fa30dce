"""What every channel promises: send one message, say how it failed, and (where it can) find one it sent.

A channel raises exactly one of three errors, and the sender acts on the kind, never on the text:

- :class:`PermanentError`: this message can never go (invalid number, unsubscribed); recorded, run goes on.
- :class:`RetryableError`: try again later (HTTP 429, 5xx, a timeout); retried with backoff, bounded.
- :class:`ChannelDown`: nothing more can go through this channel now (bad credentials, server gone);
  the run stops with one clear line.

Each error says whether the message *may* have left (``maybe_sent``). That decides what the ledger may
do: a message that certainly did not leave goes back to ``planned``; one that may have left is either
looked up (:meth:`Channel.find_sent`, where the provider can be asked) or marked ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from ..ledger import Entry, OutgoingMessage

DownKind = Literal["auth", "unreachable", "timeout", "server", "rate", "config"]


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider accepted the message: its id (Twilio SID, e-mail Message-ID, outbox file)."""

    provider_id: str


class ChannelError(Exception):
    """Base of the three errors a channel raises. ``code`` is the provider's (e.g. "21211", "smtp-550")."""

    def __init__(self, code: str, text: str, *, maybe_sent: bool = False) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text
        self.maybe_sent = maybe_sent


class PermanentError(ChannelError):
    """This message can never be delivered as it is. ``opt_out``: the recipient asked for no more."""

    def __init__(self, code: str, text: str, *, opt_out: bool = False) -> None:
        super().__init__(code, text, maybe_sent=False)
        self.opt_out = opt_out


class RetryableError(ChannelError):
    """A passing failure: the same message may be tried again after a pause.

    ``maybe_sent`` is False when the provider certainly did not take it (HTTP 429: Twilio says such a
    request "is never processed"; an SMTP 4xx reply), True when it might have (a 5xx, a timeout after
    the request went out). The sender retries a ``maybe_sent`` failure only after asking the provider.
    ``per_message``: the trouble is this recipient's (an SMTP 452 "mailbox full"), so when the retries
    run out the message is left for the next run and this run goes on, instead of stopping.
    ``later``: retrying within this run cannot help (Aliyun's per-number daily limit): the message is
    left for the next run at once, without pauses.
    """

    def __init__(self, code: str, text: str, *, maybe_sent: bool = False, per_message: bool = False,
                 later: bool = False) -> None:
        super().__init__(code, text, maybe_sent=maybe_sent)
        self.per_message = per_message or later
        self.later = later


class ChannelDown(ChannelError):
    """The channel cannot be used now. ``kind`` selects the one-line explanation shown to the person."""

    def __init__(self, kind: DownKind, code: str, text: str, *, maybe_sent: bool = False) -> None:
        super().__init__(code, text, maybe_sent=maybe_sent)
        self.kind: DownKind = kind


@runtime_checkable
class Channel(Protocol):
    """One way out: Twilio SMS, SMTP e-mail, or the local outbox folder."""

    @property
    def provider(self) -> str:
        """Which implementation this is ("twilio", "smtp", "outbox"); recorded with each ``sending`` row."""
        ...

    @property
    def can_find_sent(self) -> bool:
        """True when :meth:`find_sent` can really tell (Twilio, outbox); False for SMTP."""
        ...

    @property
    def marks_final_step(self) -> bool:
        """True when :meth:`send` calls ``final_step`` just before the one step after which the provider may
        hold the message (SMTP: DATA's final dot), so a message interrupted before it certainly did not go.
        False where every call may deliver (an HTTP request, a file write): ``final_step`` is not called."""
        ...

    @property
    def concurrent(self) -> bool:
        """True when :meth:`send` and :meth:`find_sent` may be called from several threads at once (the SMS
        providers: one client per thread), so the sender keeps several messages in flight; False for SMTP
        (one connection) and the outbox. A channel that marks its final step is always called on the
        sender's own thread (the mark is a ledger write). The sender reads it with ``getattr(ch,
        "concurrent", False)``: a channel without it is called one message at a time."""
        ...

    def send(self, msg: OutgoingMessage, final_step: Callable[[], None] | None = None) -> SendResult:
        """Send one message; raise :class:`PermanentError`, :class:`RetryableError` or :class:`ChannelDown`.

        ``final_step`` (channels that mark it): called once, just before the step past which the message
        may have been taken; a failure before it is never ``maybe_sent``.
        """
        ...

    def find_sent(self, entry: Entry, *, exclude: Collection[str] = ()) -> str | None:
        """The provider id of the message ``entry`` describes if the provider has it, else None.

        Looks at messages to ``entry.to`` since the row's attempt (``attempt_at``) whose body matches
        ``entry.body_sha256``, skipping ids in ``exclude`` (already claimed by other ledger rows).
        Raises :class:`ChannelDown` when the provider cannot be asked. Channels that cannot tell
        (``can_find_sent`` False) return None and the sender never relies on that None.
        """
        ...

    def close(self) -> None:
        """Release connections; the channel is not used afterwards."""
        ...


__all__ = [
    "Channel",
    "ChannelDown",
    "ChannelError",
    "DownKind",
    "OutgoingMessage",
    "PermanentError",
    "RetryableError",
    "SendResult",
]
