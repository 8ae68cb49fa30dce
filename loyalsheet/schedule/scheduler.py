"""The core: ``Scheduler`` decides from the clock and the journal which jobs are due, and runs them
through a runner; both the clock and the runner are arguments."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .jobs import Due, Finished, Job, JobResult, outcome_of
from .journal import Journal, _history
from .settings import ScheduleSettings

Clock = Callable[[], datetime]

ON_TIME = timedelta(hours=1)  # with catch_up: false, a job runs only this long after its time


def utc_now() -> datetime:
    return datetime.now(UTC)


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
