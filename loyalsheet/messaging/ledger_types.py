"""The send ledger's value types: a message to send, a ledger row and its state, an opt-out, a reply.

Plain data, no SQL: :mod:`loyalsheet.messaging.ledger` re-exports every name here.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

ChannelName = Literal["sms", "email"]
Kind = Literal["service", "marketing"]
CHANNELS: tuple[ChannelName, ...] = ("sms", "email")
KINDS: tuple[Kind, ...] = ("service", "marketing")


class State(enum.StrEnum):
    """Where a message is in its life; see the module docstring for the transitions."""

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    HOLDOUT = "holdout"  # held out of a marketing campaign to measure its effect: never sent


class LedgerStateError(RuntimeError):
    """A transition the state machine does not allow (a bug in the caller, not a user's problem)."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One rendered message, ready to send. ``key`` is deterministic: ``campaign:member:occasion``."""

    key: str
    member_id: str
    campaign: str
    channel: ChannelName
    to: str  # E.164 phone for sms, address for email
    body: str  # the SMS text, or the e-mail's plain-text part
    planned_for: date
    kind: Kind = "service"
    subject: str | None = None  # email
    html: str | None = None  # email, optional HTML alternative
    list_unsubscribe: str | None = None  # value of the List-Unsubscribe header, e.g. "<mailto:...>, <https://...>"
    template_code: str | None = None  # sms through Aliyun: the approved template's code (SMS_...)
    template_params: str | None = None  # sms through Aliyun: the template's variables as JSON
    version: str | None = None  # fingerprint of the campaign's settings when planned (the effect report)

    def __post_init__(self) -> None:
        if not self.key or not self.key.strip():
            raise ValueError("a message needs a key")
        if self.channel not in CHANNELS:
            raise ValueError(f"{self.key}: channel must be one of {CHANNELS}, not {self.channel!r}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind must be one of {KINDS}, not {self.kind!r}")
        if not self.to:
            raise ValueError(f"{self.key}: no recipient")

    @property
    def body_sha256(self) -> str:
        """The hash the ledger keeps of the body (the body itself is not stored)."""
        return body_hash(self.body)


def body_hash(body: str) -> str:
    """SHA-256 (hex) of a message body as UTF-8."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the ledger."""

    key: str
    member_id: str
    campaign: str
    channel: ChannelName
    to: str
    kind: Kind
    body_sha256: str
    planned_for: date
    state: State
    permanent: bool  # for FAILED: never retried
    provider: str | None  # which channel implementation took it: "twilio", "smtp", "outbox"
    provider_id: str | None
    error_code: str | None
    error_text: str | None
    attempts: int
    planned_at: datetime
    sending_at: datetime | None  # when it was claimed for sending
    finished_at: datetime | None
    updated_at: datetime
    claim_boot: str | None = None  # the machine's boot id when claimed (None: unknown)
    attempt_at: datetime | None = None  # when it was handed to the channel (None: not yet)
    final_at: datetime | None = None  # when the channel began its last step (SMTP: the final dot), if it marks one

    @property
    def never_finished(self) -> bool:
        """True for a ``sending`` row that was attempted but whose channel never began the last step: with a
        channel that marks that step (SMTP), and no restart of the machine since the claim (``claim_boot``),
        the provider cannot hold the message."""
        return self.state is State.SENDING and self.attempt_at is not None and self.final_at is None
    version: str | None = None  # the campaign's settings version (None: planned before versions were kept)

    @property
    def done(self) -> bool:
        """True when this message must never be sent (sent, failed for good, in doubt, or held out)."""
        return (self.state in (State.SENT, State.UNKNOWN, State.HOLDOUT)
                or (self.state is State.FAILED and self.permanent))


class Measured(NamedTuple):
    """A message sent or held out, as the effect report reads it (a lean row: no times, no body hash)."""

    key: str
    member_id: str
    campaign: str
    state: State
    planned_for: date
    version: str | None


@dataclass(frozen=True, slots=True)
class PlanResult:
    """What :meth:`Ledger.plan` found: keys it added, and the rows it already had (by key)."""

    new: tuple[str, ...]
    known: Mapping[str, Entry]


@dataclass(frozen=True, slots=True)
class OptOut:
    """A recipient who asked for no more messages on a channel."""

    to: str
    channel: ChannelName
    source: str  # e.g. "twilio 21610"
    at: datetime


Meaning = Literal["opt_out", "confirm", "other"]


@dataclass(frozen=True, slots=True)
class Reply:
    """An SMS a member sent back, as read from the provider, and what it was taken to mean."""

    provider: str  # "twilio", "aliyun"
    provider_id: str  # the provider's id of the inbound message
    sender: str  # E.164
    body: str
    received_at: datetime
    meaning: Meaning = "other"
    member_id: str | None = None
    event_id: str | None = None  # for a confirmation

    @property
    def day(self) -> date:
        return self.received_at.date()
