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

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from .ledger_queries import LedgerQueries
from .ledger_schema import _COLUMNS, _entry, _iso
from .ledger_schema import SCHEMA_VERSION as SCHEMA_VERSION
from .ledger_store import ledger_path_for
from .ledger_store import machine_boot_id as machine_boot_id
from .ledger_types import (
    CHANNELS,
    KINDS,
    ChannelName,
    Entry,
    Kind,
    LedgerStateError,
    Measured,
    OptOut,
    OutgoingMessage,
    PlanResult,
    Reply,
    State,
    body_hash,
)
from .ledger_types import Meaning as Meaning


class Ledger(LedgerQueries):
    """The send journal. Open one per run (``with Ledger(path) as ledger:``); not shared between threads.

    Only two kinds of commit are fsynced: :meth:`claim` and :meth:`mark_sending` (a row enters
    ``sending``), and :meth:`plan` (once per run). Every other change is committed at once but not
    fsynced (see the module docstring); ``mark_sent(..., defer=True)`` even waits for the next commit.
    ``boot_id`` is for tests that pretend the machine restarted; by default it is the kernel's.
    """

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
