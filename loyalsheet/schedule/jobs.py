"""The scheduler's jobs and when they are due: the daily messages of a store and the chain's weekly
refresh (``Job``, ``jobs_for``), an occurrence to run now (``Due``), and what running it gave
(``JobResult``, ``Finished``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ..campaigns.settings import parse_hhmm
from .settings import ScheduleSettings

Kind = Literal["daily", "weekly"]
Outcome = Literal["ok", "problems", "failed"]


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
