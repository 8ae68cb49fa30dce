"""One instance at a time: ``InstanceLock`` keeps a second scheduler from running on the same member
file."""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from ..errors import LoyalsheetError
from ..files import pid_alive


@dataclass(frozen=True)
class LockHolder:
    pid: int | None
    host: str
    since: str


class InstanceLock:
    """A lock file holding the scheduler's pid, host and start time.

    The file is also locked by the operating system (``flock``, or ``msvcrt.locking`` on Windows) for
    as long as the process lives, so a lock file left by a process that died is stale: it is taken
    over, and ``stale`` says whose it was. Where the OS has no such lock, the pid is asked instead.
    The file is emptied, not deleted, when the lock is released (deleting it would let two processes
    lock two different files).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        self.stale: LockHolder | None = None

    def holder(self) -> LockHolder | None:
        """Who wrote the lock file, when it names anyone."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        parts = dict(p.split("=", 1) for p in text.split() if "=" in p)
        if not parts:
            return None
        try:
            pid: int | None = int(parts.get("pid", ""))
        except ValueError:
            pid = None
        return LockHolder(pid, parts.get("host", "?"), parts.get("since", "?"))

    def acquire(self, now: datetime) -> None:
        """Take the lock, or raise ``schedule.running`` naming the process that has it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        previous = self.holder()
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while the lock is held
        locked = _os_lock(fh)
        if locked is False or (locked is None and previous is not None and previous.pid is not None
                               and previous.pid != os.getpid() and pid_alive(previous.pid)):
            fh.close()
            holder = self.holder() or previous or LockHolder(None, "?", "?")
            raise LoyalsheetError("schedule.running", file=str(self.path), pid=holder.pid or "?",
                                  host=holder.host, since=holder.since)
        if previous is not None and previous.pid != os.getpid():
            self.stale = previous
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid={os.getpid()} host={socket.gethostname()} since={now.isoformat(timespec='seconds')}\n")
        fh.flush()
        os.fsync(fh.fileno())
        self._fh = fh

    def release(self) -> None:
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        self._fh.close()  # closing drops the OS lock
        self._fh = None

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _os_lock(fh: IO[str]) -> bool | None:
    """Lock ``fh`` for this process without waiting: True, False when another process holds it, None
    when the operating system offers no such lock."""
    if os.name == "posix":
        import fcntl

        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return None  # e.g. a network folder without locks
        return True
    if os.name == "nt":  # pragma: no cover - Windows only
        import msvcrt

        pos = fh.tell()
        try:
            fh.seek(4096)  # a byte past the text, so others can still read who holds the lock
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:  # held by another process
            return False
        finally:
            fh.seek(pos)
        return True
    return None  # pragma: no cover
