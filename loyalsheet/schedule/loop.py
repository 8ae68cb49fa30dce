"""The foreground loop: ``run_forever`` drives the core with the ``schedule`` library."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .scheduler import Scheduler


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
