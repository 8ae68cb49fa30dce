"""The send ledger's SQLite file: opening it, upgrading its schema, its transactions and its run lock.

:class:`LedgerStore` is the base of :class:`loyalsheet.messaging.ledger.Ledger`: the plumbing every
change and query of the ledger goes through (see that module's docstring for what is fsynced when).
"""

from __future__ import annotations

import enum
import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self

from ..errors import LoyalsheetError
from .ledger_schema import _SCHEMA, _V1_COLUMNS, SCHEMA_VERSION


def ledger_path_for(workbook: Path) -> Path:
    """The ledger file that belongs to a member file: ``members.xlsx`` -> ``members.ledger.sqlite``."""
    return workbook.with_name(f"{workbook.stem}.ledger.sqlite")


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


class LedgerStore:
    """The ledger's SQLite connection: schema upgrade, transactions (durable or cheap), run lock."""

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

    def __enter__(self) -> Self:
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
