"""The scheduler: which jobs are due, missed or to retry, and running them, each in a fresh process.

Two jobs: the daily messages (``loyalsheet today``) at ``schedule.daily_at`` in each store's time zone,
and the weekly refresh (``loyalsheet refresh``) once for the whole chain on ``schedule.weekly_day`` at
``schedule.weekly_at`` in the first store's time zone.

The run journal (JSON lines beside the member file) decides what is due, not the process's memory,
so a job missed while the computer slept or was off is caught up at the next check, once:

- the daily job only on its own day (a day the computer was off is not replayed the next day: the
  messages core has windows of its own and catches up whatever is still due at the next daily run);
- the weekly refresh within its week (a refresh missed on a closed Monday runs at the first check
  later that week, as of that day).

With ``catch_up: false`` a job runs only within an hour after its time. A job that ended with exit
code 0 (done) or 1 (done, with problems to look at) has run; any other code (2: could not run, a
timeout, a crash) is a failure, tried again at the next check, at most ``max_retries_per_day`` more
times a day. A job that started and never ended (the scheduler was killed) counts as an attempt.

The core (``Scheduler``) takes the clock and the runner as arguments; ``CliRunner`` runs the real CLI
in a subprocess, ``run_forever`` drives the core with the ``schedule`` library, ``InstanceLock`` keeps
a second scheduler from running on the same member file.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo

from ..campaigns.settings import parse_hhmm
from ..errors import LoyalsheetError
from ..files import atomic_write, pid_alive
from ..i18n import t
from .settings import ScheduleSettings

Kind = Literal["daily", "weekly"]
Outcome = Literal["ok", "problems", "failed"]
Clock = Callable[[], datetime]

ON_TIME = timedelta(hours=1)  # with catch_up: false, a job runs only this long after its time
KEEP_DAYS = 62  # the journal keeps this many days of records


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------------------------
# Jobs and when they are due


@dataclass(frozen=True)
class Job:
    """One recurring job: the daily messages of a store, or the chain's weekly refresh."""

    kind: Kind
    store: str | None  # the daily job's store; the weekly refresh's with --store, else None (the whole chain)
    timezone: str
    at: time
    weekday: int | None = None  # weekly only: Monday 0 ... Sunday 6
    pass_store: bool = False  # give the CLI --store (only when config has more than one store)

    @property
    def name(self) -> str:
        """The job's name in the journal and the log: ``daily:<store>`` or ``weekly``."""
        if self.kind == "daily":
            return f"daily:{self.store}"
        return f"weekly:{self.store}" if self.store is not None else "weekly"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def slot_on(self, day: date) -> datetime:
        """When the job is due on ``day`` (local), as an aware datetime."""
        return datetime.combine(day, self.at, tzinfo=self.zone)

    def last_slot(self, now: datetime) -> datetime | None:
        """The latest time the job was due at or before ``now`` (within the last 8 days)."""
        today = now.astimezone(self.zone).date()
        for back in range(8):
            day = today - timedelta(days=back)
            if self.weekday is not None and day.weekday() != self.weekday:
                continue
            slot = self.slot_on(day)
            if slot <= now:
                return slot
        return None

    def next_slot(self, now: datetime) -> datetime:
        """The first time the job is due after ``now``."""
        today = now.astimezone(self.zone).date()
        for ahead in range(9):
            day = today + timedelta(days=ahead)
            if self.weekday is not None and day.weekday() != self.weekday:
                continue
            slot = self.slot_on(day)
            if slot > now:
                return slot
        raise AssertionError("a daily or weekly job is always due within 8 days")  # pragma: no cover


def jobs_for(settings: ScheduleSettings, stores: Sequence[tuple[str, str]], only: str | None = None) -> list[Job]:
    """The jobs of a config: the daily job of each store (name, time zone), then the weekly refresh.

    ``only`` (``schedule --store NAME`` in a chain, e.g. on each store's own computer): that store's
    daily job and its own weekly refresh (``refresh --store NAME``), at its time zone."""
    chain = len(stores) > 1
    picked = [(name, tz) for name, tz in stores if only is None or name == only] or list(stores[:1])
    daily = [Job("daily", name, tz, parse_hhmm(settings.daily_at), pass_store=chain) for name, tz in picked]
    if only is not None and chain:
        weekly = Job("weekly", picked[0][0], picked[0][1], parse_hhmm(settings.weekly_at), weekday=settings.weekday,
                     pass_store=True)
    else:
        weekly = Job("weekly", None, stores[0][1], parse_hhmm(settings.weekly_at), weekday=settings.weekday)
    return [*daily, weekly]


@dataclass(frozen=True)
class Due:
    """A job to run now: which occurrence, as of which local day and time, and which attempt."""

    job: Job
    day: date  # the occurrence: the local day it was due (a weekly refresh's weekly day)
    slot: datetime  # when it was due
    as_of: date  # the job's local day now: the CLI's --date
    at: time  # the job's local time now (minutes): the CLI's --at
    attempt: int  # 1 for the first try

    @property
    def late(self) -> timedelta:
        return datetime.combine(self.as_of, self.at, tzinfo=self.job.zone) - self.slot


@dataclass(frozen=True)
class JobResult:
    """What a runner reports: the CLI's exit code and a one-line summary."""

    code: int
    summary: str


def outcome_of(code: int) -> Outcome:
    return "ok" if code == 0 else "problems" if code == 1 else "failed"


@dataclass(frozen=True)
class Finished:
    """A job that was run: its occurrence, exit code, summary, time taken and whether it is tried again."""

    due: Due
    code: int
    summary: str
    seconds: float
    retry: bool  # failed, and will be tried again at a later check today

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.due.job.name, "kind": self.due.job.kind, "store": self.due.job.store,
            "day": self.due.day.isoformat(), "as_of": self.due.as_of.isoformat(),
            "at": self.due.at.strftime("%H:%M"), "attempt": self.due.attempt, "code": self.code,
            "outcome": self.outcome, "summary": self.summary, "seconds": round(self.seconds, 1), "retry": self.retry,
        }


# ---------------------------------------------------------------------------------------------------------------
# The run journal


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


# ---------------------------------------------------------------------------------------------------------------
# The core


Runner = Callable[[Due], JobResult]


@dataclass
class Scheduler:
    """Decides from the clock and the journal which jobs are due, and runs them through ``runner``."""

    settings: ScheduleSettings
    jobs: Sequence[Job]
    journal: Journal
    runner: Runner
    clock: Clock = utc_now
    on_start: Callable[[Due], None] = field(default=lambda due: None)
    on_end: Callable[[Finished], None] = field(default=lambda done: None)

    def due(self, now: datetime | None = None, *, exclude: frozenset[tuple[str, date]] = frozenset()) -> list[Due]:
        """The jobs to run at ``now`` (default: the clock), earliest first."""
        now = self.clock() if now is None else now
        records = self.journal.records()
        out: list[Due] = []
        for job in self.jobs:
            slot = job.last_slot(now)
            if slot is None:
                continue
            day = slot.astimezone(job.zone).date()
            local = now.astimezone(job.zone)
            if (job.name, day) in exclude:
                continue
            if job.kind == "daily" and day != local.date():
                continue  # never replay an older day
            if not self.settings.catch_up and now - slot > ON_TIME:
                continue
            hist = _history(records, job, day, local.date())
            if hist.ran or hist.attempts_today > self.settings.max_retries_per_day:
                continue
            out.append(Due(job, day, slot, local.date(), local.time().replace(second=0, microsecond=0),
                           hist.attempts_today + 1))
        return sorted(out, key=lambda d: (d.slot, d.job.kind != "weekly"))

    def run_due(self) -> list[Finished]:
        """Run every job due now, each at most once in this pass; what was run."""
        done: list[Finished] = []
        tried: set[tuple[str, date]] = set()
        while True:
            due = self.due(exclude=frozenset(tried))
            if not due:
                return done
            first = due[0]
            tried.add((first.job.name, first.day))
            done.append(self.run(first))

    def run(self, due: Due) -> Finished:
        started = self.clock()
        base = {"job": due.job.name, "day": due.day.isoformat(), "as_of": due.as_of.isoformat(),
                "attempt": due.attempt, "pid": os.getpid()}
        self.journal.add({**base, "event": "start", "at": started.isoformat(timespec="seconds")}, started)
        self.on_start(due)
        try:
            result = self.runner(due)
        except OSError as exc:  # the runner could not even start the job
            result = JobResult(2, str(exc))
        ended = self.clock()
        seconds = max(0.0, (ended - started).total_seconds())
        self.journal.add({**base, "event": "end", "at": ended.isoformat(timespec="seconds"), "code": result.code,
                          "outcome": outcome_of(result.code), "summary": result.summary,
                          "seconds": round(seconds, 1)}, ended)
        retry = outcome_of(result.code) == "failed" and due.attempt <= self.settings.max_retries_per_day
        finished = Finished(due, result.code, result.summary, seconds, retry)
        self.on_end(finished)
        return finished

    def next_slots(self, now: datetime | None = None) -> list[tuple[Job, datetime]]:
        now = self.clock() if now is None else now
        return sorted(((job, job.next_slot(now)) for job in self.jobs), key=lambda p: p[1])


# ---------------------------------------------------------------------------------------------------------------
# The runner: the real CLI in a fresh process


def _error_lines(text: str, limit: int = 400) -> str:
    """A failed command's error in one line: from its "Error:" line on (the error and what to do), else its
    last line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.startswith(("Error", "错误"))), max(0, len(lines) - 1))
    line = " ".join(lines[start:])
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class CliRunner:
    """Runs ``python -m loyalsheet today|refresh ... --json`` and sums its JSON up in one line."""

    config_path: Path
    lang: str
    sending: bool
    timeout_seconds: float
    python: str = sys.executable

    def command(self, due: Due) -> list[str]:
        base = [self.python, "-m", "loyalsheet"]
        tail = ["--config", str(self.config_path), "--json", "--lang", self.lang, "--date", due.as_of.isoformat()]
        if due.job.kind == "weekly":
            return [*base, "refresh", *tail]
        mode = "--send" if self.sending else "--write-plan"
        store = ["--store", due.job.store] if due.job.pass_store and due.job.store else []
        return [*base, "today", mode, *tail, "--at", due.at.strftime("%H:%M"), *store]

    def __call__(self, due: Due) -> JobResult:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}
        env.pop("LOYALSHEET_DEBUG", None)
        try:
            proc = subprocess.run(self.command(due), capture_output=True, text=True, encoding="utf-8",
                                  errors="replace", env=env, cwd=self.config_path.parent, timeout=self.timeout_seconds,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return JobResult(2, t("schedule.timeout", self.lang, minutes=round(self.timeout_seconds / 60)))
        return JobResult(proc.returncode, summarize(due.job.kind, self.sending, proc.returncode, proc.stdout,
                                                    proc.stderr, self.lang))


def summarize(kind: Kind, sending: bool, code: int, stdout: str, stderr: str, lang: str) -> str:
    """One line from a job's --json output (or its error line when it could not run)."""
    try:
        data = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        line = _error_lines(stderr) or _error_lines(stdout)
        return line or t("schedule.no_output", lang, code=code)
    if kind == "weekly":
        moves = data.get("moves")
        return t("schedule.sum.refresh", lang, members=data.get("members", "?"), calls=data.get("calls", "?"),
                 moves=len(moves) if isinstance(moves, list) else "?",
                 sheets=len(data.get("sheets") or ()), errors=data.get("errors", 0))
    planned = data.get("planned") if isinstance(data.get("planned"), list) else []
    held = data.get("held") if isinstance(data.get("held"), list) else []
    assert isinstance(planned, list) and isinstance(held, list)
    by_campaign = Counter(str(p.get("campaign", "?")) for p in planned if isinstance(p, dict))
    campaigns = ", ".join(f"{name} {n}" for name, n in by_campaign.most_common()) or "-"
    result = data.get("result")
    if sending and isinstance(result, dict) and result.get("summary"):
        return t("schedule.sum.sent", lang, summary=str(result["summary"]).strip(), planned=len(planned),
                 held=len(held))
    text = t("schedule.sum.plan", lang, planned=len(planned), campaigns=campaigns, held=len(held))
    sheet = data.get("approval_sheet")
    return text + (t("schedule.sum.plan_sheet", lang, sheet=sheet) if sheet else "")


# ---------------------------------------------------------------------------------------------------------------
# One instance at a time


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


# ---------------------------------------------------------------------------------------------------------------
# The foreground loop, with the ``schedule`` library


def timetable(core: Scheduler, tick: Callable[[], object]) -> Any:
    """A ``schedule.Scheduler`` that wakes at each job's time (in its time zone) and every check_minutes."""
    import schedule

    lib = schedule.Scheduler()
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    for job in core.jobs:
        every = lib.every()
        unit = every.day if job.weekday is None else getattr(every, weekdays[job.weekday])
        unit.at(job.at.strftime("%H:%M"), job.timezone).do(tick)
    lib.every(core.settings.check_minutes).minutes.do(tick)
    return lib


MAX_SLEEP = 60.0  # a computer that slept longer is noticed within this many seconds of waking


def run_forever(core: Scheduler, stop: threading.Event, sleep: Callable[[float], object] | None = None,
                after_pass: Callable[[], object] | None = None) -> None:
    """Run what is due now, then whatever falls due, until ``stop`` is set.

    ``schedule`` wakes the loop at each job's time and every ``check_minutes``; each wake-up asks the
    core (the journal) what is due. Sleeps are capped at a minute, because a process's sleep does not
    count the time the computer itself was asleep. ``after_pass`` is called after a pass that ran a job.
    """
    wait = sleep if sleep is not None else stop.wait

    def tick() -> None:
        if not stop.is_set() and core.run_due() and after_pass is not None:
            after_pass()

    tick()
    lib = timetable(core, tick)
    while not stop.is_set():
        lib.run_pending()
        if stop.is_set():
            break
        idle = lib.idle_seconds
        wait(max(1.0, min(MAX_SLEEP, idle if idle is not None else MAX_SLEEP)))
