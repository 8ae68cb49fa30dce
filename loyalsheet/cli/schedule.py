"""`loyalsheet schedule`: run the daily messages and the weekly refresh by themselves, at their times."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import FrameType

import click

from ..config import Config
from ..errors import LoyalsheetError
from ..schedule import CliRunner, Due, Finished, InstanceLock, Job, Journal, Scheduler, jobs_for, run_forever, utc_now
from ..schedule.tasks import TASK_KINDS, task_definition
from .common import App, collect_cycles, common_options, print_json

LOGGER = "loyalsheet.schedule"


def beside(folder: Path, name: str) -> Path:
    """A file named in config.yaml: relative to the member file's folder unless absolute."""
    path = Path(name).expanduser()
    return path if path.is_absolute() else folder / path


def _config_file(app: App) -> Path:
    path = app.config_path if not app.config_path.is_dir() else app.config_path / "config.yaml"
    return Path(os.path.abspath(path))


def _job_label(app: App, job: Job) -> str:
    if job.kind == "daily":
        return app.t("schedule.job.daily", store=job.store)
    weekly = app.t("schedule.job.weekly")
    return f"{weekly} · {job.store}" if job.store is not None else weekly


@contextmanager
def _logging(app: App, path: Path, config: Config, terminal: bool) -> Iterator[logging.Logger]:
    """The schedule's logger: a rotating file beside the member file and, unless --json, the terminal (stderr)."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            path, maxBytes=config.schedule.log_max_kb * 1024, backupCount=config.schedule.log_backups,
            encoding="utf-8")
    except OSError as exc:
        raise LoyalsheetError("schedule.log_unwritable", file=str(path), detail=str(exc)) from None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S%z"))
    handlers = [handler]
    if terminal:
        screen = logging.StreamHandler(sys.stderr)
        screen.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        handlers.append(screen)
    for h in handlers:
        logger.addHandler(h)
    try:
        yield logger
    finally:
        for h in handlers:
            logger.removeHandler(h)
            h.close()


@contextmanager
def _stop_on_signals(app: App, logger: logging.Logger) -> Iterator[threading.Event]:
    """SIGTERM (a service manager stopping it) and Ctrl-C stop the loop after the job that is running."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        logger.info(app.t("schedule.stopping", signal=signal.Signals(signum).name))
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _describe_plan(app: App, logger: logging.Logger, core: Scheduler) -> None:
    for job in core.jobs:
        at = job.at.strftime("%H:%M")
        if job.weekday is None:
            logger.info(app.t("schedule.plan_daily", job=_job_label(app, job), at=at, tz=job.timezone))
        else:
            day = app.t(f"schedule.weekday.{core.settings.weekly_day}")
            logger.info(app.t("schedule.plan_weekly", job=_job_label(app, job), day=day, at=at, tz=job.timezone))


def _log_next(app: App, logger: logging.Logger, core: Scheduler) -> None:
    job, when = core.next_slots()[0]
    local = when.astimezone(job.zone)
    logger.info(app.t("schedule.next", job=_job_label(app, job), when=local.strftime("%Y-%m-%d %H:%M %Z")))


def _span(app: App, minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return app.t("schedule.span.days", days=days, hours=hours)
    if hours:
        return app.t("schedule.span.hours", hours=hours, minutes=mins)
    return app.t("schedule.span.minutes", minutes=mins)


@click.command()
@click.option("--once", is_flag=True,
              help="Run what is due now, then exit: for cron, systemd timers, the Windows Task Scheduler / 运行到期任务后退出")
@click.option("--print-task", "task", type=click.Choice(TASK_KINDS), default=None,
              help="Print a ready task definition for windows (Task Scheduler XML), systemd (.service + .timer) "
                   "or launchd (plist) / 输出计划任务定义")
@common_options(json_flag=True)
def schedule(app: App, once: bool, task: str | None, as_json: bool) -> None:
    """Run the daily messages and the weekly refresh by themselves, at their times.  定时运行每日消息与每周刷新。

    Runs in the foreground until stopped (Ctrl-C): the daily messages at schedule.daily_at in each
    store's time zone (a dry run that writes the plan into the workbook, unless schedule.sending is
    on), and the weekly refresh on schedule.weekly_day at schedule.weekly_at. A job missed while the
    computer slept or was off runs at the next check, once (the daily job the same day, the refresh
    the same week); a job that could not run is tried again. Each job is the real `loyalsheet today`
    or `loyalsheet refresh`, in a fresh process. The log is kept beside the member file
    (loyalsheet-schedule.log), with the run journal (loyalsheet-schedule.jsonl) that says what ran.

    Exit code 0: done (or stopped); 1 (--once): a job had problems or could not run (it is retried
    at the next check); 2: could not run (a wrong setting, or another scheduler is already running).
    """
    config = app.config
    config_file = _config_file(app)
    settings = config.schedule
    only = app.store if config.is_chain else None
    jobs = jobs_for(settings, [(s.name, s.timezone) for s in config.stores], only)
    if task is not None:
        click.echo(task_definition(task, config_file, jobs, settings.check_minutes, settings.job_timeout_minutes),
                   nl=False)
        return
    folder = config.workbook_path.parent
    journal_path = beside(folder, settings.journal)
    if only is not None:  # one store's scheduler keeps a journal, a lock and a log of its own
        journal_path = journal_path.with_name(f"{journal_path.stem}-{_safe(only)}{journal_path.suffix}")
    journal = Journal(journal_path)
    lock = InstanceLock(journal.path.with_name(journal.path.stem + ".lock"))
    log_path = beside(folder, settings.log_file)
    if only is not None:
        log_path = log_path.with_name(f"{log_path.stem}-{_safe(only)}{log_path.suffix}")
    lock.acquire(utc_now())
    try:
        with _logging(app, log_path, config, terminal=not as_json) as logger:
            _run(app, once, as_json, config_file, settings.sending, jobs, journal, lock, log_path, logger)
    finally:
        lock.release()


def _safe(name: str) -> str:
    """A store's name as part of a file name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _run(app: App, once: bool, as_json: bool, config_file: Path, sending: bool, jobs: list[Job], journal: Journal,
         lock: InstanceLock, log_path: Path, logger: logging.Logger) -> None:
    config = app.config
    settings = config.schedule
    mode = app.t("schedule.mode.send" if sending else "schedule.mode.plan")
    header_done = False

    def header() -> None:
        """Who is running and the timetable: at the start, and for --once only when a job runs (a check
        every few minutes that finds nothing due leaves the log alone)."""
        nonlocal header_done
        if header_done:
            return
        header_done = True
        key = "schedule.once" if once else "schedule.started"
        logger.info(app.t(key, pid=os.getpid(), config=config_file, mode=mode, log=log_path))
        if lock.stale is not None:
            logger.warning(app.t("schedule.stale_lock", pid=lock.stale.pid, host=lock.stale.host,
                                 since=lock.stale.since))
        _describe_plan(app, logger, core)

    runner = CliRunner(config_file, app.lang, sending, settings.job_timeout_minutes * 60.0)

    def started(due: Due) -> None:
        header()
        late = int(due.late.total_seconds() // 60)
        late_text = app.t("schedule.late", late=_span(app, late)) if late > settings.check_minutes else ""
        command = " ".join(["loyalsheet", *runner.command(due)[3:]])
        logger.info(app.t("schedule.run", job=_job_label(app, due.job), day=due.day.isoformat(),
                          attempt=due.attempt, late=late_text, command=command))

    def ended(done: Finished) -> None:
        level = logging.INFO if done.outcome == "ok" else logging.WARNING if done.outcome == "problems" else logging.ERROR
        label = _job_label(app, done.due.job)
        logger.log(level, app.t("schedule.done", job=label, day=done.due.day.isoformat(), code=done.code,
                                outcome=app.t(f"schedule.outcome.{done.outcome}"), seconds=f"{done.seconds:.1f}",
                                summary=done.summary))
        if done.outcome == "failed":
            if done.retry:
                logger.warning(app.t("schedule.retry", job=label, minutes=settings.check_minutes))
            else:
                logger.error(app.t("schedule.gave_up", job=label, attempts=done.due.attempt))
        if as_json and not once:
            click.echo(_json_line(done))

    core = Scheduler(settings, jobs, journal, runner, on_start=started, on_end=ended)
    if once:
        if lock.stale is not None:
            header()
        finished = core.run_due()
        _warn_skipped(app, logger, journal)
        upcoming = core.next_slots()
        if finished:
            _log_next(app, logger, core)
        elif not as_json:
            job, when = upcoming[0]
            upcoming_text = app.t("schedule.next", job=_job_label(app, job),
                                  when=when.astimezone(job.zone).strftime("%Y-%m-%d %H:%M %Z"))
            click.echo(app.t("schedule.nothing_due", next=upcoming_text), err=True)
        if as_json:
            print_json({"config": str(config_file), "sending": sending, "journal": str(journal.path),
                        "log": str(log_path), "ran": [f.as_dict() for f in finished],
                        "next": [{"job": job.name, "at": when.isoformat(timespec="minutes")} for job, when in upcoming]})
        sys.exit(0 if all(f.outcome == "ok" for f in finished) else 1)
    header()
    collect_cycles()  # this process runs for days
    with _stop_on_signals(app, logger) as stop:
        _log_next(app, logger, core)
        run_forever(core, stop, after_pass=lambda: _after_pass(app, logger, core, journal))
    logger.info(app.t("schedule.stopped"))


def _after_pass(app: App, logger: logging.Logger, core: Scheduler, journal: Journal) -> None:
    _warn_skipped(app, logger, journal)
    _log_next(app, logger, core)


def _warn_skipped(app: App, logger: logging.Logger, journal: Journal) -> None:
    if journal.skipped:
        logger.warning(app.t("schedule.journal_skipped", count=journal.skipped, file=journal.path))


def _json_line(done: Finished) -> str:
    import json

    return json.dumps({**done.as_dict(), "finished": datetime.now().astimezone().isoformat(timespec="seconds")},
                      ensure_ascii=False)
