"""The send ledger's SQLite schema (its version, its tables) and how a ``messages`` row maps to an :class:`Entry`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from .ledger_types import Entry, State

SCHEMA_VERSION = 3  # 2: replies and event_confirmations; 3: the holdout state and each row's settings version


def _iso(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"ledger times must be timezone-aware, got {at!r}")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    key          TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL,
    campaign     TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('service', 'marketing')),
    body_sha256  TEXT NOT NULL,
    planned_for  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed', 'unknown', 'holdout')),
    permanent    INTEGER NOT NULL DEFAULT 0,
    provider     TEXT,
    provider_id  TEXT,
    error_code   TEXT,
    error_text   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    planned_at   TEXT NOT NULL,
    sending_at   TEXT,
    finished_at  TEXT,
    updated_at   TEXT NOT NULL,
    claim_boot   TEXT,
    attempt_at   TEXT,
    final_at     TEXT,
    version      TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_state ON messages (state);
CREATE INDEX IF NOT EXISTS messages_member ON messages (member_id, sending_at);
CREATE INDEX IF NOT EXISTS messages_recipient ON messages (recipient, channel);
CREATE TABLE IF NOT EXISTS opt_outs (
    recipient TEXT NOT NULL,
    channel   TEXT NOT NULL,
    source    TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (recipient, channel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replies (
    provider     TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    sender       TEXT NOT NULL,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    meaning      TEXT NOT NULL CHECK (meaning IN ('opt_out', 'confirm', 'other')),
    member_id    TEXT,
    event_id     TEXT,
    read_at      TEXT NOT NULL,
    PRIMARY KEY (provider, provider_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS replies_received ON replies (received_at);
CREATE TABLE IF NOT EXISTS event_confirmations (
    event_id   TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    day        TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    source     TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (event_id, member_id)
) WITHOUT ROWID;
"""

_V1_COLUMNS = (
    "key, member_id, campaign, channel, recipient, kind, body_sha256, planned_for, state, permanent, provider, "
    "provider_id, error_code, error_text, attempts, planned_at, sending_at, finished_at, updated_at, claim_boot, "
    "attempt_at, final_at"
)
_COLUMNS = _V1_COLUMNS + ", version"


def _entry(row: Sequence[Any]) -> Entry:
    (key, member_id, campaign, channel, recipient, kind, body_sha, planned_for, state, permanent, provider,
     provider_id, error_code, error_text, attempts, planned_at, sending_at, finished_at, updated_at, claim_boot,
     attempt_at, final_at, version) = row
    planned = _dt(planned_at)
    updated = _dt(updated_at)
    assert planned is not None and updated is not None
    return Entry(
        key=key, member_id=member_id, campaign=campaign, channel=channel, to=recipient, kind=kind,
        body_sha256=body_sha, planned_for=date.fromisoformat(planned_for), state=State(state),
        permanent=bool(permanent), provider=provider, provider_id=provider_id, error_code=error_code,
        error_text=error_text, attempts=int(attempts), planned_at=planned, sending_at=_dt(sending_at),
        finished_at=_dt(finished_at), updated_at=updated, claim_boot=claim_boot, attempt_at=_dt(attempt_at),
        final_at=_dt(final_at), version=version,
    )
