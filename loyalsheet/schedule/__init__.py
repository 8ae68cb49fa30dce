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

The modules: ``jobs`` (the jobs and when they are due), ``journal`` (the run journal), ``scheduler``
(the core), ``runner`` (the CLI in a subprocess), ``lock`` (one instance at a time), ``loop`` (the
foreground loop), ``settings`` (the ``schedule:`` section of config.yaml) and ``tasks`` (the operating
system's own scheduler).
"""

from __future__ import annotations

from .jobs import Due, Finished, Job, JobResult, jobs_for
from .journal import Journal
from .lock import InstanceLock
from .loop import run_forever
from .runner import CliRunner, summarize
from .scheduler import Scheduler, utc_now

__all__ = [
    "CliRunner",
    "Due",
    "Finished",
    "InstanceLock",
    "Job",
    "JobResult",
    "Journal",
    "Scheduler",
    "jobs_for",
    "run_forever",
    "summarize",
    "utc_now",
]
