"""The send ledger: a durable journal of every message, so each one leaves at most once.

One SQLite file (WAL mode, ``synchronous=FULL``) beside the workbook holds one row per message key
(``campaign:member:occasion``, e.g. ``birthday:M0042:2026``). A row moves through::

    planned -> sending -> sent | failed | unknown
                  \\-> planned   (only when we know nothing left: e.g. the server refused the connection)
    holdout              (held out to measure a campaign's effect: never sent, see :meth:`Ledger.record_holdouts`)

Durability, and what each step costs:

- A row enters ``sending`` in a transaction that is fsynced before any network call for it. The
  sender claims a batch of rows at once (:meth:`Ledger.claim`: one fsync for many messages), or one
  row with its attempt (:meth:`Ledger.mark_sending`).
- Just before a claimed row's network call, :meth:`Ledger.mark_attempt` stamps ``attempt_at``. That
  commit is not fsynced (``synchronous=NORMAL`` for it): SQLite documents such a commit as surviving
  any crash of the process, though not a power loss or an OS crash.
- A channel whose protocol has a last step after which the provider may hold the message (SMTP: the
  final ``.`` of DATA; a server discards a message whose DATA did not end) stamps ``final_at`` just
  before that step (:meth:`Ledger.mark_final_step`), in the same cheap way.
- Everything after the call (sent, failed, unknown, back to planned) is committed the same cheap way.
  Losing one of those commits to a power cut can only leave a row ``sending``, which is then in doubt
  (asked at the provider, or ``unknown``): never sent twice.

Recovery: a ``sending`` row claimed during the current boot of the machine (``claim_boot`` equals the
kernel's boot id) and without ``attempt_at`` was never handed to a channel: it goes back to ``planned``
(:meth:`Ledger.release_unattempted`). Likewise a row of such a channel attempted during this boot but
without ``final_at`` never reached its last step: the provider cannot have it, and the sender plans it
again. Every other ``sending`` row is in doubt and is reconciled by the
sender before anything else (see :mod:`loyalsheet.messaging.sender`). Where no boot id is known (not Linux),
nothing is inferred from a missing ``attempt_at``, and the sender claims one row at a time.

The ledger also keeps the opt-outs learned from providers (Twilio 21610). This module imports only the
standard library; times are passed in (aware datetimes), never read here.
"""

from __future__ import annotations

import enum
import hashlib
import os
import sqlite3
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from ..errors import LoyalsheetError

ChannelName = Literal["sms", "email"]
Kind = Literal["service", "marketing"]
CHANNELS: tuple[ChannelName, ...] = ("sms", "email")
KINDS: tuple[Kind, ...] = ("service", "marketing")

SCHEMA_VERSION = 3  # 2: replies and event_confirmations; 3: the holdout state and each row's settings version


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


def ledger_path_for(workbook: Path) -> Path:
    """The ledger file that belongs to a member file: ``members.xlsx`` -> ``members.ledger.sqlite``."""
    return workbook.with_name(f"{workbook.stem}.ledger.sqlite")


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


_SQLITE_READONLY = 8  # SQLite's primary result code for "attempt to write a readonly database"


def _is_read_only(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return (isinstance(code, int) and code & 0xFF == _SQLITE_READONLY) or "readonly" in str(exc)


class _Default(enum.Enum):
    BOOT = "the kernel's boot id"


_DEFAULT_BOOT = _Default.BOOT


def machine_boot_id() -> str | None:
    """The kernel's id for the current boot (Linux), or None where there is no such thing."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip() or None
    except OSError:
        return None


class Ledger:
    """The send journal. Open one per run (``with Ledger(path) as ledger:``); not shared between threads.

    Only two kinds of commit are fsynced: :meth:`claim` and :meth:`mark_sending` (a row enters
    ``sending``), and :meth:`plan` (once per run). Every other change is committed at once but not
    fsynced (see the module docstring); ``mark_sent(..., defer=True)`` even waits for the next commit.
    ``boot_id`` is for tests that pretend the machine restarted; by default it is the kernel's.
    """

    def __init__(self, path: Path, *, boot_id: str | _Default | None = _DEFAULT_BOOT) -> None:
        self.path = Path(path)
        self.boot_id: str | None = machine_boot_id() if isinstance(boot_id, _Default) else boot_id
        self._pending = False
        self._sync = ""
        try:  # marked read-only by its owner: read it, but refuse every change (root could write it anyway)
            self.read_only = not os.stat(self.path).st_mode & stat.S_IWUSR
        except OSError:
            self.read_only = False  # not there yet: created now
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        except sqlite3.Error as exc:
            raise LoyalsheetError("ledger.unreadable", file=str(self.path), detail=str(exc)) from None
        try:
            self._setup()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if _is_read_only(exc):
                raise self._read_only_error() from None
            raise LoyalsheetError("ledger.unreadable", file=str(self.path), detail=str(exc)) from None
        except LoyalsheetError:
            self._db.close()
            raise

    def _read_only_error(self) -> LoyalsheetError:
        return LoyalsheetError("ledger.read_only", file=str(self.path), folder=str(self.path.parent))

    def _begin(self) -> None:
        """BEGIN IMMEDIATE: the start of every change; a read-only ledger is refused here, before any send."""
        if self.read_only:
            raise self._read_only_error()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_read_only(exc):
                raise self._read_only_error() from None
            raise

    def _setup(self) -> None:
        db = self._db
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"cannot switch to WAL mode (got {mode})")
        # A checkpoint (copying the WAL into the file, with two fsyncs) every 4,000 pages written instead of
        # SQLite's 1,000: a send writes about four pages a message, and checkpointing every 250 messages was
        # a third of the ledger's time. No commit's durability depends on it (a checkpoint only moves pages
        # already committed); the WAL grows to about 16 MB during a long send, and goes when the ledger closes.
        db.execute("PRAGMA wal_autocheckpoint=4000")
        self._set_sync("FULL")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise LoyalsheetError("ledger.newer", file=str(self.path), version=version)
        columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
        if columns and "final_at" not in columns:  # a ledger from before the last-step mark: add it (all NULL)
            with self._tx(durable=True):
                db.execute("ALTER TABLE messages ADD COLUMN final_at TEXT")
        if version < SCHEMA_VERSION:
            # a ledger from before holdouts (version 1, or 2 with replies): the same rows in a table with a
            # wider state check and one more column
            rebuild = bool(columns) and "version" not in columns
            with self._tx(durable=True):
                if rebuild:
                    db.execute("ALTER TABLE messages RENAME TO messages_v1")
                    for index in ("messages_state", "messages_member", "messages_recipient"):
                        db.execute(f"DROP INDEX IF EXISTS {index}")
                # statement by statement: executescript() would commit on its own
                for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                    db.execute(statement)
                if rebuild:
                    db.execute(f"INSERT INTO messages ({_V1_COLUMNS}) SELECT {_V1_COLUMNS} FROM messages_v1")
                    db.execute("DROP TABLE messages_v1")
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # ----------------------------------------------------------------- plumbing

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit anything deferred, make it all durable, and close the file."""
        try:
            self.flush(durable=True)
        finally:
            self._db.close()

    def _set_sync(self, level: str) -> None:
        # Only ever changed between transactions: SQLite takes the level a transaction began with.
        if self._sync != level:
            self._db.execute(f"PRAGMA synchronous={level}")
            self._sync = level

    @contextmanager
    def _tx(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on success; fsynced when ``durable``.

        A deferred change still open is joined under a savepoint when this one need not be durable
        (a failure here rolls back only its own work); before a durable one it is committed first,
        so the durable transaction begins, and commits, with ``synchronous=FULL``.
        """
        if self._pending and durable:
            self.flush()
        joined = self._pending
        if joined:
            self._db.execute("SAVEPOINT op")
        else:
            self._set_sync("FULL" if durable else "NORMAL")
            self._begin()
            self._pending = True
        try:
            yield self._db
        except BaseException:
            if joined:
                self._db.execute("ROLLBACK TO op")
                self._db.execute("RELEASE op")
            else:
                self._db.execute("ROLLBACK")
                self._pending = False
            raise
        if joined:
            self._db.execute("RELEASE op")
        self._db.execute("COMMIT")
        self._pending = False

    @contextmanager
    def _deferred(self) -> Iterator[sqlite3.Connection]:
        """Write inside the open transaction, opening one if needed; the next commit carries it."""
        if not self._pending:
            self._set_sync("NORMAL")
            self._begin()
            self._pending = True
        yield self._db

    def flush(self, *, durable: bool = False) -> None:
        """Commit deferred changes; with ``durable``, also fsync everything committed so far."""
        if self._pending:
            self._db.execute("COMMIT")
            self._pending = False
        if durable and self._sync != "FULL":
            self._set_sync("FULL")
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @property
    def settings(self) -> dict[str, str]:
        """The SQLite settings durable commits use (for tests and ``--debug``): WAL, ``synchronous=FULL``."""
        self.flush()
        self._set_sync("FULL")
        mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
        level = int(self._db.execute("PRAGMA synchronous").fetchone()[0])
        return {"journal_mode": str(mode), "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[level]}

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold the ledger's run lock: a second run sending from the same ledger stops with a clear error.

        The lock is an OS file lock on ``<ledger>.lock``; the OS releases it when the process dies,
        so a killed run never leaves a stale lock behind.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        fh = lock_path.open("a+b")
        try:
            if not _try_lock(fh):
                raise LoyalsheetError("send.busy", file=str(self.path))
            try:
                yield
            finally:
                _unlock(fh)
        finally:
            fh.close()

    # ----------------------------------------------------------------- planning

    def plan(self, messages: Iterable[OutgoingMessage], at: datetime) -> PlanResult:
        """Add each message not yet known as ``planned`` (insert-or-ignore), in one transaction.

        Returns the keys added and the rows already known, with their state. A known row still
        ``planned`` (nothing was sent) takes the message's current recipient and body hash, so an
        edited template or corrected phone number is what gets sent.
        """
        msgs = list(messages)
        stamp = _iso(at)
        known: dict[str, Entry] = {}
        new: list[str] = []
        with self._tx() as db:
            keys = list(dict.fromkeys(m.key for m in msgs))
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for row in db.execute(f"SELECT {_COLUMNS} FROM messages WHERE key IN ({marks})", chunk):
                    entry = _entry(row)
                    known[entry.key] = entry
            fresh: dict[str, OutgoingMessage] = {}
            for m in msgs:
                if m.key in known or m.key in fresh:
                    continue
                fresh[m.key] = m
                new.append(m.key)
            db.executemany(
                "INSERT OR IGNORE INTO messages (key, member_id, campaign, channel, recipient, kind, body_sha256, "
                "planned_for, state, planned_at, updated_at, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?)",
                [(m.key, m.member_id, m.campaign, m.channel, m.to, m.kind, m.body_sha256, m.planned_for.isoformat(),
                  stamp, stamp, m.version) for m in fresh.values()],
            )
            updates = [(m.to, m.channel, m.kind, m.body_sha256, stamp, m.key) for m in msgs
                       if m.key in known and known[m.key].state is State.PLANNED
                       and (known[m.key].to, known[m.key].body_sha256, known[m.key].channel)
                       != (m.to, m.body_sha256, m.channel)]
            if updates:
                db.executemany(
                    "UPDATE messages SET recipient = ?, channel = ?, kind = ?, body_sha256 = ?, updated_at = ? "
                    "WHERE key = ? AND state = 'planned'", updates)
        return PlanResult(new=tuple(new), known=known)

    def record_holdouts(self, messages: Iterable[OutgoingMessage], at: datetime) -> list[str]:
        """Record messages held out to measure their campaign's effect (state ``holdout``, never sent).

        A key not yet known is added as ``holdout``; one still ``planned`` (never sent) becomes
        ``holdout``; any other row is left as it is. Returns the keys recorded now. The body is not
        kept (there is none): only who was due what, when, and by which channel.
        """
        stamp = _iso(at)
        recorded: list[str] = []
        with self._tx() as db:
            for m in messages:
                cur = db.execute(
                    "INSERT OR IGNORE INTO messages (key, member_id, campaign, channel, recipient, kind, body_sha256, "
                    "planned_for, state, planned_at, updated_at, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, '', ?, 'holdout', ?, ?, ?)",
                    (m.key, m.member_id, m.campaign, m.channel, m.to, m.kind, m.planned_for.isoformat(), stamp,
                     stamp, m.version))
                if not cur.rowcount:
                    cur = db.execute("UPDATE messages SET state = 'holdout', updated_at = ?, version = ? "
                                     "WHERE key = ? AND state = 'planned'", (stamp, m.version, m.key))
                if cur.rowcount:
                    recorded.append(m.key)
        return recorded

    def record_past(self, messages: Iterable[tuple[OutgoingMessage, State, datetime]], provider: str) -> int:
        """Record messages sent (or held out) elsewhere, each with its state and time, in one transaction:
        a demo's history, or an import. Keys already known are left as they are; returns how many were added."""
        done = (State.SENT, State.HOLDOUT)
        rows = []
        for m, state, at in messages:
            if state not in done:
                raise LedgerStateError(f"{m.key}: only sent or holdout rows can be recorded as past, not {state}")
            stamp = _iso(at)
            sent = state is State.SENT
            rows.append((m.key, m.member_id, m.campaign, m.channel, m.to, m.kind, m.body_sha256 if sent else "",
                         m.planned_for.isoformat(), state.value, provider if sent else None,
                         f"{provider}-{m.key}" if sent else None, int(sent), stamp, stamp if sent else None,
                         stamp if sent else None, stamp, stamp if sent else None, m.version))
        with self._tx(durable=True) as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO messages (key, member_id, campaign, channel, recipient, kind, body_sha256, "
                "planned_for, state, provider, provider_id, attempts, planned_at, sending_at, finished_at, "
                "updated_at, attempt_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return db.total_changes - before

    # ----------------------------------------------------------------- transitions

    def _move(self, db: sqlite3.Connection, key: str, allowed: Sequence[State], sets: str,
              params: Sequence[Any], extra_where: str = "") -> None:
        marks = ",".join("?" * len(allowed))
        cur = db.execute(
            f"UPDATE messages SET {sets} WHERE key = ? AND state IN ({marks}){extra_where}",
            [*params, key, *(s.value for s in allowed)],
        )
        if cur.rowcount != 1:
            row = db.execute("SELECT state, permanent, attempt_at FROM messages WHERE key = ?", (key,)).fetchone()
            if row is None:
                now = "no such key"
            else:
                now = f"it is {row[0]}{' (permanent)' if row[1] else ''}{' (attempted)' if row[2] else ''}"
            raise LedgerStateError(f"{key}: cannot move to the new state from {[s.value for s in allowed]}: {now}")

    _CLAIM = ("state = 'sending', provider = ?, sending_at = ?, updated_at = ?, claim_boot = ?, attempt_at = NULL, "
              "final_at = NULL, error_code = NULL, error_text = NULL, finished_at = NULL")

    def claim(self, items: Sequence[tuple[str, str]], at: datetime) -> None:
        """``planned`` (or ``failed`` that may be retried) -> ``sending`` for each ``(key, provider)``.

        All in one fsynced commit. Call :meth:`mark_attempt` just before each one's network call, and
        :meth:`release` for those that end up not being tried. All or none: a key that cannot be claimed
        raises :class:`LedgerStateError` and nothing is claimed.
        """
        stamp = _iso(at)
        with self._tx(durable=True) as db:
            for key, provider in items:
                self._move(db, key, (State.PLANNED, State.FAILED), self._CLAIM,
                           (provider, stamp, stamp, self.boot_id), extra_where=" AND permanent = 0")

    def mark_attempt(self, key: str, at: datetime) -> None:
        """A claimed row is being handed to its channel now (cheap commit: survives a crash of this process)."""
        stamp = _iso(at)
        with self._tx() as db:
            self._move(db, key, (State.SENDING,), "attempt_at = ?, attempts = attempts + 1, updated_at = ?",
                       (stamp, stamp), extra_where=" AND attempt_at IS NULL")

    def mark_final_step(self, key: str, at: datetime) -> None:
        """The channel is about to take the last step after which the provider may hold the message (SMTP:
        send DATA's final dot). Cheap commit, like :meth:`mark_attempt`: survives a crash of this process."""
        stamp = _iso(at)
        with self._tx() as db:
            self._move(db, key, (State.SENDING,), "final_at = ?, updated_at = ?", (stamp, stamp))

    def mark_sending(self, key: str, at: datetime, provider: str) -> None:
        """Claim one row and mark its attempt in one fsynced commit: the simple path, one fsync per message."""
        stamp = _iso(at)
        with self._tx(durable=True) as db:
            self._move(db, key, (State.PLANNED, State.FAILED),
                       self._CLAIM.replace("attempt_at = NULL", "attempt_at = ?") + ", attempts = attempts + 1",
                       (provider, stamp, stamp, self.boot_id, stamp), extra_where=" AND permanent = 0")

    def release(self, keys: Iterable[str], at: datetime) -> list[str]:
        """Claimed rows never handed to a channel go back to ``planned``; returns the keys released."""
        stamp = _iso(at)
        done = []
        with self._tx() as db:
            for key in keys:
                cur = db.execute("UPDATE messages SET state = 'planned', updated_at = ? WHERE key = ? "
                                 "AND state = 'sending' AND attempt_at IS NULL", (stamp, key))
                if cur.rowcount:
                    done.append(key)
        return done

    def release_unattempted(self, at: datetime) -> list[Entry]:
        """After a crash: rows claimed during this boot and never attempted go back to ``planned``.

        Safe because a claim is fsynced and the attempt mark is written before the network call: while
        the machine has not restarted, a missing mark means the channel never saw the message.
        Returns those rows as they were.
        """
        if self.boot_id is None:
            return []
        rows = [_entry(r) for r in self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE state = 'sending' AND attempt_at IS NULL AND claim_boot = ? "
            "ORDER BY planned_at, key", (self.boot_id,))]
        self.release([e.key for e in rows], at)
        return rows

    def mark_sent(self, key: str, provider_id: str, at: datetime, *, defer: bool = False) -> None:
        """``sending`` (or ``unknown``, when reconciliation finds it) -> ``sent`` with the provider's id.

        ``defer``: leave the change for the next commit (the next message's attempt mark).
        """
        stamp = _iso(at)
        with (self._deferred() if defer else self._tx()) as db:
            self._move(db, key, (State.SENDING, State.UNKNOWN),
                       "state = 'sent', provider_id = ?, finished_at = ?, updated_at = ?, permanent = 0",
                       (provider_id, stamp, stamp))

    def mark_failed(self, key: str, at: datetime, *, permanent: bool, code: str, text: str) -> None:
        """``sending`` -> ``failed``. A permanent failure (invalid number, unsubscribed) is never retried."""
        stamp = _iso(at)
        with self._tx() as db:
            self._move(db, key, (State.SENDING,),
                       "state = 'failed', permanent = ?, error_code = ?, error_text = ?, finished_at = ?, "
                       "updated_at = ?", (int(permanent), code, text, stamp, stamp))

    def mark_unknown(self, key: str, at: datetime, *, code: str, text: str) -> None:
        """``sending`` -> ``unknown``: it may have left; a person decides (or, for Twilio, the next run asks)."""
        stamp = _iso(at)
        with self._tx() as db:
            self._move(db, key, (State.SENDING,),
                       "state = 'unknown', error_code = ?, error_text = ?, finished_at = ?, updated_at = ?",
                       (code, text, stamp, stamp))

    def mark_planned(self, key: str, at: datetime, *, code: str, text: str) -> None:
        """``sending`` / ``unknown`` -> ``planned``: only when we KNOW nothing was sent.

        E.g. the connection was refused, or the provider was asked and has no such message.
        The reason stays in the error columns until the next attempt.
        """
        stamp = _iso(at)
        with self._tx() as db:
            self._move(db, key, (State.SENDING, State.UNKNOWN),
                       "state = 'planned', error_code = ?, error_text = ?, finished_at = NULL, updated_at = ?",
                       (code, text, stamp))

    # ----------------------------------------------------------------- opt-outs

    def record_opt_out(self, to: str, channel: ChannelName, source: str, at: datetime) -> None:
        """Remember that ``to`` wants nothing more on ``channel`` (the first report wins)."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO opt_outs (recipient, channel, source, at) VALUES (?, ?, ?, ?)",
                       (to, channel, source, _iso(at)))

    def opted_out(self, to: str, channel: ChannelName) -> bool:
        """True when ``to`` opted out of ``channel``."""
        row = self._db.execute("SELECT 1 FROM opt_outs WHERE recipient = ? AND channel = ?", (to, channel)).fetchone()
        return row is not None

    def opt_outs(self) -> list[OptOut]:
        """Every opt-out learned from a provider, oldest first."""
        rows = self._db.execute("SELECT recipient, channel, source, at FROM opt_outs ORDER BY at, recipient")
        result = []
        for to, channel, source, at in rows:
            when = _dt(at)
            assert when is not None
            result.append(OptOut(to=to, channel=channel, source=source, at=when))
        return result

    # ----------------------------------------------------------------- replies (read back from the provider)

    def record_reply(self, reply: Reply, read_at: datetime) -> bool:
        """Keep one reply (once per provider id); a confirmation also goes into ``event_confirmations``.
        Returns False when the reply was already kept (read by an earlier run)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO replies (provider, provider_id, sender, body, received_at, meaning, member_id, "
                "event_id, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (reply.provider, reply.provider_id, reply.sender, reply.body, _iso(reply.received_at), reply.meaning,
                 reply.member_id, reply.event_id, _iso(read_at)))
            if cur.rowcount and reply.meaning == "confirm" and reply.event_id and reply.member_id:
                db.execute("INSERT OR IGNORE INTO event_confirmations (event_id, member_id, day, recipient, source, at) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (reply.event_id, reply.member_id, reply.day.isoformat(), reply.sender,
                            f"{reply.provider} reply", _iso(reply.received_at)))
        return bool(cur.rowcount)

    def last_reply_at(self, provider: str) -> datetime | None:
        """When the newest reply kept from ``provider`` was received (the next read starts there)."""
        row = self._db.execute("SELECT MAX(received_at) FROM replies WHERE provider = ?", (provider,)).fetchone()
        return _dt(row[0]) if row and row[0] else None

    def replies(self, since: datetime | None = None) -> list[Reply]:
        """Replies kept, received on or after ``since``, newest first (the Replies sheet)."""
        rows = self._db.execute(
            "SELECT provider, provider_id, sender, body, received_at, meaning, member_id, event_id FROM replies "
            "WHERE received_at >= ? ORDER BY received_at DESC, provider_id", (_iso(since) if since else "",))
        return [Reply(provider=p, provider_id=i, sender=f, body=b, received_at=_dt(r) or datetime.min, meaning=m,
                      member_id=mid, event_id=ev) for p, i, f, b, r, m, mid, ev in rows]

    def confirmations(self, event_id: str | None = None) -> list[tuple[str, str, date]]:
        """(event id, member id, day) of each event confirmation, oldest first (the event funnel)."""
        sql = "SELECT event_id, member_id, day FROM event_confirmations"
        params: tuple[str, ...] = ()
        if event_id is not None:
            sql, params = sql + " WHERE event_id = ?", (event_id,)
        return [(e, m, date.fromisoformat(d)) for e, m, d in self._db.execute(sql + " ORDER BY at, member_id", params)]

    def invitations_to(self, to: str, campaign: str = "event") -> list[Entry]:
        """Messages of ``campaign`` sent to ``to``, newest first (what a "1" reply answers)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM messages WHERE recipient = ? AND campaign = ? "
                                "AND state = 'sent' ORDER BY sending_at DESC", (to, campaign))
        return [_entry(r) for r in rows]

    # ----------------------------------------------------------------- queries

    def entry(self, key: str) -> Entry | None:
        """The row for ``key``, or None."""
        row = self._db.execute(f"SELECT {_COLUMNS} FROM messages WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    def in_state(self, state: State, channel: ChannelName | None = None) -> list[Entry]:
        """Rows in ``state`` (optionally of one channel), in the order they were planned."""
        sql = f"SELECT {_COLUMNS} FROM messages WHERE state = ?"
        params: list[Any] = [state.value]
        if channel is not None:
            sql += " AND channel = ?"
            params.append(channel)
        return [_entry(r) for r in self._db.execute(sql + " ORDER BY planned_at, key", params)]

    def history(self, since: datetime | None = None) -> list[Entry]:
        """Every row (planned on or after ``since``), oldest first: the source of the Message log sheet."""
        if since is None:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM messages ORDER BY planned_at, key")
        else:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM messages WHERE planned_at >= ? ORDER BY planned_at, key",
                                    (_iso(since),))
        return [_entry(r) for r in rows]

    def sent_of(self, campaign: str) -> list[tuple[str, str]]:
        """(key, channel) of each message of ``campaign`` that was sent: its keys start ``campaign:``, so
        this is a range of the primary key, not a scan of the whole journal."""
        rows = self._db.execute("SELECT key, channel FROM messages WHERE key >= ? AND key < ? AND state = ? ORDER BY key",
                                (f"{campaign}:", f"{campaign};", State.SENT.value))
        return [(str(k), str(c)) for k, c in rows]

    def given(self, campaigns: Sequence[str]) -> list[Entry]:
        """The rows of these campaigns that were sent or are in doubt (the vouchers their messages gave)."""
        if not campaigns:
            return []
        marks = ",".join("?" * len(campaigns))
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM messages WHERE campaign IN ({marks}) "
                                "AND state IN ('sent', 'unknown') ORDER BY planned_for, key", list(campaigns))
        return [_entry(r) for r in rows]

    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        """The rows of those ``keys`` the ledger has (a bulk :meth:`entry`, for planning a day)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Entry] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_COLUMNS} FROM messages WHERE key IN ({marks})", chunk):
                entry = _entry(row)
                found[entry.key] = entry
        return found

    def planned_since(self, day: date) -> list[Entry]:
        """Rows planned for ``day`` or later (by ``planned_for``): the recent days, for daily limits and caps."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM messages WHERE planned_for >= ? ORDER BY planned_for, key",
                                (day.isoformat(),))
        return [_entry(r) for r in rows]

    def measured(self, since: date | None = None) -> list[Measured]:
        """Messages sent or held out (due on or after ``since``), in the order they were due: the effect report's rows."""
        sql = "SELECT key, member_id, campaign, state, planned_for, version FROM messages WHERE state IN ('sent', 'holdout')"
        params: list[Any] = []
        if since is not None:
            sql += " AND planned_for >= ?"
            params.append(since.isoformat())
        sent, held = State.SENT, State.HOLDOUT
        return [Measured(key, mid, campaign, sent if state == "sent" else held, date.fromisoformat(day), version)
                for key, mid, campaign, state, day, version in self._db.execute(sql + " ORDER BY planned_for, key",
                                                                                 params)]

    def counts(self) -> dict[State, int]:
        """How many rows are in each state."""
        result = dict.fromkeys(State, 0)
        for state, n in self._db.execute("SELECT state, COUNT(*) FROM messages GROUP BY state"):
            result[State(state)] = int(n)
        return result

    def sent_count(self, member_id: str, since: datetime, channel: ChannelName | None = None) -> int:
        """Messages that reached, or may have reached, ``member_id`` since ``since`` (for frequency caps).

        Counts ``sent`` rows and also ``sending`` / ``unknown`` ones: a message in doubt counts against
        the cap, so a cap is never exceeded because of a crash.
        """
        sql = ("SELECT COUNT(*) FROM messages WHERE member_id = ? AND sending_at >= ? "
               "AND state IN ('sent', 'sending', 'unknown')")
        params: list[Any] = [member_id, _iso(since)]
        if channel is not None:
            sql += " AND channel = ?"
            params.append(channel)
        return int(self._db.execute(sql, params).fetchone()[0])

    def provider_ids(self, to: str, channel: ChannelName) -> frozenset[str]:
        """Provider ids already recorded for ``to`` on ``channel`` (reconciliation must not reuse one)."""
        rows = self._db.execute(
            "SELECT provider_id FROM messages WHERE recipient = ? AND channel = ? AND provider_id IS NOT NULL",
            (to, channel))
        return frozenset(r[0] for r in rows)


# ------------------------------------------------------------------- file locks (POSIX and Windows)

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


__all__ = [
    "CHANNELS",
    "KINDS",
    "ChannelName",
    "Entry",
    "Kind",
    "Ledger",
    "LedgerStateError",
    "Measured",
    "OptOut",
    "OutgoingMessage",
    "PlanResult",
    "Reply",
    "State",
    "body_hash",
    "ledger_path_for",
]
