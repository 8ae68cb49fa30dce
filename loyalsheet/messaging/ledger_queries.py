"""The send ledger's reads, and the opt-outs and replies it keeps: :class:`LedgerQueries`, a base of
:class:`loyalsheet.messaging.ledger.Ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from .ledger_schema import _COLUMNS, _dt, _entry, _iso
from .ledger_store import LedgerStore
from .ledger_types import ChannelName, Entry, Measured, OptOut, Reply, State


class LedgerQueries(LedgerStore):
    """The ledger's queries (the Message log, caps, the effect report) and its opt-outs and replies."""

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
