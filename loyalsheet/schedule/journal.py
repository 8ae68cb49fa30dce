"""The run journal: JSON lines beside the member file, a ``start`` and an ``end`` record for every
attempt, and what it says about one occurrence of a job (ran, attempts today)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import LoyalsheetError
from ..files import atomic_write
from .jobs import Job

KEEP_DAYS = 62  # the journal keeps this many days of records


class Journal:
    """JSON lines beside the member file: a ``start`` and an ``end`` record for every attempt.

    Each change rewrites the file atomically (a temporary file in the same folder, fsync, replace),
    keeping ``KEEP_DAYS`` days; a line that cannot be read is skipped and counted in ``skipped``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped = 0
        self._cache: tuple[tuple[int, int, int], list[dict[str, Any]]] | None = None

    def records(self) -> list[dict[str, Any]]:
        try:
            st = self.path.stat()
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
            if self._cache is not None and self._cache[0] == stamp:
                return list(self._cache[1])
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise LoyalsheetError("schedule.journal_unreadable", file=str(self.path), detail=str(exc)) from None
        out: list[dict[str, Any]] = []
        skipped = 0
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                skipped += 1
                continue
            if isinstance(rec, dict) and isinstance(rec.get("job"), str) and isinstance(rec.get("day"), str):
                out.append(rec)
            else:
                skipped += 1
        self.skipped = skipped
        self._cache = (stamp, out)
        return list(out)

    def add(self, record: dict[str, Any], now: datetime) -> None:
        cutoff = (now - timedelta(days=KEEP_DAYS)).date().isoformat()
        kept = [r for r in self.records() if str(r.get("day", "")) >= cutoff]
        kept.append(record)
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in kept)
        self._cache = None
        atomic_write(self.path, text.encode("utf-8"))


@dataclass(frozen=True)
class _History:
    ran: bool
    attempts_today: int  # attempts whose local day (as_of) is today


def _history(records: Iterable[dict[str, Any]], job: Job, day: date, today: date) -> _History:
    ran = False
    attempts = 0
    for r in records:
        if r.get("job") != job.name or r.get("day") != day.isoformat():
            continue
        if r.get("event") == "end" and r.get("code") in (0, 1):
            ran = True
        elif r.get("event") == "start" and r.get("as_of") == today.isoformat():
            attempts += 1
    return _History(ran, attempts)
