"""The scheduler's core with a clock the test controls: a month of days, catch-up, retries, the journal, the lock,
and the foreground loop driven by the `schedule` library under time-machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loyalsheet.errors import LoyalsheetError
from loyalsheet.schedule import (
    CliRunner,
    Due,
    InstanceLock,
    JobResult,
    Journal,
    Scheduler,
    jobs_for,
    run_forever,
    summarize,
)
from loyalsheet.schedule.settings import ScheduleSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
STORES = [("旗舰店", "Asia/Shanghai"), ("London", "Europe/London"), ("New York", "America/New_York")]


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Recorder:
    """A runner that records each job it is given, as the clock saw it, and answers with a scripted code."""

    clock: Clock
    codes: list[int] = field(default_factory=list)
    runs: list[tuple[Due, datetime]] = field(default_factory=list)

    def __call__(self, due: Due) -> JobResult:
        self.runs.append((due, self.clock.now))
        return JobResult(self.codes.pop(0) if self.codes else 0, "ok")


def make(tmp_path: Path, start: datetime, stores: list[tuple[str, str]] = STORES, weekly: bool = True,
         **settings: object) -> tuple[Scheduler, Clock, Recorder]:
    clock = Clock(start)
    recorder = Recorder(clock)
    config = ScheduleSettings.model_validate(settings)
    jobs = [j for j in jobs_for(config, stores) if weekly or j.kind == "daily"]
    core = Scheduler(config, jobs, Journal(tmp_path / "journal.jsonl"), recorder, clock)
    return core, clock, recorder


def local(day: date, hh: int, mm: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


def test_a_month_runs_each_job_exactly_when_due_in_each_stores_time_zone(tmp_path: Path) -> None:
    """Oct 12 - Nov 12 2026 spans both DST changes (London Oct 25, New York Nov 1); checks every 10 minutes."""
    start = datetime(2026, 10, 12, 0, 0, tzinfo=UTC)
    end = datetime(2026, 11, 12, 0, 0, tzinfo=UTC)
    core, clock, rec = make(tmp_path, start, catch_up=False)
    while clock.now < end:
        core.run_due()
        clock.advance(minutes=10)
    daily = [(d, t) for d, t in rec.runs if d.job.kind == "daily"]
    weekly = [(d, t) for d, t in rec.runs if d.job.kind == "weekly"]
    for name, tz in STORES:
        zone = ZoneInfo(tz)
        mine = [(d, t) for d, t in daily if d.job.store == name]
        days = [d.as_of for d, _ in mine]
        assert len(days) == len(set(days)), f"{name} ran twice on a day"
        first = start.astimezone(zone).date()
        span = (first + timedelta(days=i) for i in range(35))
        expected = {d for d in span if start <= datetime.combine(d, time(10), tzinfo=zone) < end}
        assert set(days) == expected and len(expected) in (30, 31)
        for due, ran_at in mine:
            at_local = ran_at.astimezone(zone)
            assert at_local.date() == due.as_of == due.day
            # each run within one check (10 minutes) after 10:00 local, DST or not
            assert time(10, 0) <= at_local.time() < time(10, 10), (name, at_local)
            assert due.at == at_local.time().replace(second=0) and due.attempt == 1
            assert due.job.pass_store  # three stores: --store NAME
    # The month starts at 08:00 Shanghai on Monday Oct 12, exactly the weekly slot; then each Monday.
    assert [d.day for d, _ in weekly] == [date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26),
                                          date(2026, 11, 2), date(2026, 11, 9)]
    for due, ran_at in weekly:
        assert time(8, 0) <= ran_at.astimezone(SHANGHAI).time() < time(8, 10)
        assert due.job.store is None and not due.job.pass_store


def test_catch_up_runs_todays_missed_daily_job_once_and_never_replays_yesterday(tmp_path: Path) -> None:
    day = date(2026, 11, 18)  # a Wednesday
    core, clock, rec = make(tmp_path, local(day - timedelta(days=2), 10, 0), stores=STORES[:1])
    core.run_due()  # Monday: ran (and the weekly refresh with it)
    assert {d.job.name for d, _ in rec.runs} == {"daily:旗舰店", "weekly"}
    rec.runs.clear()
    # Off from Monday evening to Wednesday 15:00: Tuesday is not replayed, Wednesday's run is caught up once.
    clock.now = local(day, 15, 0)
    finished = core.run_due()
    assert [(f.due.job.name, f.due.day, f.due.as_of, f.due.at) for f in finished] == [
        ("daily:旗舰店", day, day, time(15, 0))]
    assert finished[0].due.late == timedelta(hours=5)
    clock.advance(minutes=10)
    assert core.run_due() == []
    # Started before the day's time: nothing yet, then on time.
    clock.now = local(day + timedelta(days=1), 9, 0)
    assert core.run_due() == []
    clock.now = local(day + timedelta(days=1), 10, 0)
    assert [f.due.day for f in core.run_due()] == [day + timedelta(days=1)]


def test_a_missed_weekly_refresh_runs_later_that_week_once(tmp_path: Path) -> None:
    monday = date(2026, 11, 16)
    core, clock, _ = make(tmp_path, local(monday - timedelta(days=7), 8, 0), stores=STORES[:1], daily_at="23:59")
    assert [f.due.job.name for f in core.run_due()] == ["weekly"]
    clock.now = local(monday + timedelta(days=1), 9, 30)  # closed Monday, computer off
    finished = core.run_due()
    assert [(f.due.job.name, f.due.day, f.due.as_of) for f in finished] == [
        ("weekly", monday, monday + timedelta(days=1))]
    clock.now = local(monday + timedelta(days=3), 9, 30)
    assert core.run_due() == []


def test_without_catch_up_a_job_runs_only_within_an_hour_of_its_time(tmp_path: Path) -> None:
    day = date(2026, 11, 18)
    core, clock, _ = make(tmp_path, local(day, 15, 0), stores=STORES[:1], weekly=False, catch_up=False)
    assert core.run_due() == []
    clock.now = local(day + timedelta(days=1), 10, 50)
    assert [f.due.job.name for f in core.run_due()] == ["daily:旗舰店"]


def test_a_job_that_could_not_run_is_retried_at_the_next_check_at_most_n_times_a_day(tmp_path: Path) -> None:
    day = date(2026, 11, 18)
    core, clock, rec = make(tmp_path, local(day, 10, 0), stores=STORES[:1], weekly=False, max_retries_per_day=2)
    rec.codes = [2, 2, 2, 2, 0]
    first = core.run_due()
    assert [(f.code, f.outcome, f.retry, f.due.attempt) for f in first] == [(2, "failed", True, 1)]
    assert core.run_due() != []  # the next check retries
    clock.advance(minutes=10)
    last = core.run_due()
    assert [(f.due.attempt, f.retry) for f in last] == [(3, False)]  # 1 + 2 retries, then no more today
    clock.advance(minutes=10)
    assert core.run_due() == []
    assert len(rec.runs) == 3
    # The next day it is tried again; exit code 1 (done, with problems) counts as run.
    rec.codes = [1]
    clock.now = local(day + timedelta(days=1), 10, 5)
    assert [f.outcome for f in core.run_due()] == ["problems"]
    assert core.run_due() == []
    ends = [r for r in core.journal.records() if r["event"] == "end"]
    assert [r["code"] for r in ends] == [2, 2, 2, 1] and ends[0]["outcome"] == "failed"


def test_a_job_started_and_never_ended_counts_as_an_attempt(tmp_path: Path) -> None:
    day = date(2026, 11, 18)
    core, clock, rec = make(tmp_path, local(day, 11, 0), stores=STORES[:1], weekly=False, max_retries_per_day=1)
    for _ in range(2):  # the scheduler was killed twice in the middle of the job
        core.journal.add({"event": "start", "job": "daily:旗舰店", "day": day.isoformat(), "as_of": day.isoformat(),
                          "attempt": 1}, clock.now)
    assert core.run_due() == [] and rec.runs == []


def test_one_pass_tries_each_job_once_and_runs_them_in_order(tmp_path: Path) -> None:
    monday = date(2026, 11, 16)
    core, clock, rec = make(tmp_path, local(monday, 16, 0), stores=STORES[:2])
    rec.codes = [2, 2, 2]
    finished = core.run_due()
    assert [f.due.job.name for f in finished] == ["weekly", "daily:旗舰店"]  # London's 10:00 is later
    clock.now = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    assert [f.due.job.name for f in core.run_due()] == ["weekly", "daily:旗舰店", "daily:London"]


def test_the_journal_is_rewritten_atomically_keeps_two_months_and_skips_damaged_lines(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    journal.add({"event": "start", "job": "weekly", "day": "2026-09-25"}, now)
    journal.add({"event": "start", "job": "weekly", "day": "2026-11-16"}, now)
    assert [r["day"] for r in journal.records()] == ["2026-09-25", "2026-11-16"]
    path.write_text(path.read_text() + '{"event": "end", "job": "week\n[1]\n', encoding="utf-8")
    records = journal.records()
    assert len(records) == 2 and journal.skipped == 2
    journal.add({"event": "end", "job": "weekly", "day": "2026-11-16", "code": 0}, now + timedelta(days=30))
    assert [r["day"] for r in journal.records()] == ["2026-11-16", "2026-11-16"] and journal.skipped == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["j.jsonl"]  # no temporary file left behind
    assert all(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())


def test_summaries_of_the_jobs_json() -> None:
    plan = json.dumps({"planned": [{"campaign": "birthday"}, {"campaign": "event"}, {"campaign": "event"}],
                       "held": [{}]})
    assert summarize("daily", False, 0, plan, "", "en") == (
        "dry run: 3 messages planned (event 2, birthday 1), 1 held back; nothing was sent")
    sent = json.dumps({"planned": [{"campaign": "birthday"}], "held": [],
                       "result": {"summary": "1 sent, 0 failed"}})
    assert summarize("daily", True, 0, sent, "", "en") == "1 sent, 0 failed (1 planned, 0 held back)"
    refresh = json.dumps({"members": 60, "calls": 31, "moves": [{}, {}], "sheets": ["a", "b"], "errors": 0})
    assert summarize("weekly", False, 0, refresh, "", "zh").startswith("60 位会员，回访名单 31 人，2 项变化")
    error = "Usage: loyalsheet today\n\nError: members.xlsx: no such file\nWhat to do: check\n"
    assert summarize("daily", True, 2, "", error, "en") == "Error: members.xlsx: no such file What to do: check"
    assert summarize("weekly", True, 2, "", "错误：没有文件\n怎么办：检查\n", "zh") == "错误：没有文件 怎么办：检查"
    assert summarize("daily", True, -9, "", "", "en") == "no output (exit code -9)"


def test_the_runner_passes_date_at_and_store_and_the_mode(tmp_path: Path) -> None:
    config = ScheduleSettings()
    chain = jobs_for(config, STORES[:2])
    due = Due(chain[1], date(2026, 11, 20), local(date(2026, 11, 20), 10), date(2026, 11, 20), time(10, 3), 1)
    plan = CliRunner(tmp_path / "config.yaml", "en", False, 60).command(due)
    assert plan[1:4] == ["-m", "loyalsheet", "today"] and "--write-plan" in plan and "--send" not in plan
    assert plan[plan.index("--date") + 1] == "2026-11-20" and plan[plan.index("--at") + 1] == "10:03"
    assert plan[plan.index("--store") + 1] == "London" and "--json" in plan
    send = CliRunner(tmp_path / "config.yaml", "en", True, 60).command(due)
    assert "--send" in send and "--write-plan" not in send
    weekly = Due(chain[2], date(2026, 11, 16), local(date(2026, 11, 16), 8), date(2026, 11, 17), time(9, 0), 1)
    refresh = CliRunner(tmp_path / "config.yaml", "en", True, 60).command(weekly)
    assert refresh[3] == "refresh" and "--store" not in refresh and "--at" not in refresh
    assert refresh[refresh.index("--date") + 1] == "2026-11-17"
    single = jobs_for(config, STORES[:1])[0]
    alone = CliRunner(tmp_path / "c.yaml", "en", True, 60).command(Due(single, due.day, due.slot, due.as_of, due.at, 1))
    assert "--store" not in alone


def test_a_second_lock_on_the_same_file_is_refused_and_a_dead_processs_lock_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "s.lock"
    now = datetime(2026, 11, 20, tzinfo=UTC)
    first = InstanceLock(path)
    first.acquire(now)
    assert f"pid={os.getpid()}" in path.read_text()
    second = InstanceLock(path)
    with pytest.raises(LoyalsheetError) as exc:
        second.acquire(now)
    assert exc.value.code == "schedule.running" and exc.value.params["pid"] == os.getpid()
    first.release()
    # A process that wrote the lock and died (its pid no longer runs): the lock is stale and taken over.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    path.write_text(f"pid={pid} host=elsewhere since=2026-11-19T10:00:00+00:00\n")
    with InstanceLock(path) as third:
        third.acquire(now)
        assert third.stale is not None and third.stale.pid == pid and third.stale.host == "elsewhere"
    assert path.read_text() == ""  # released: emptied, not deleted


def test_the_foreground_loop_with_the_schedule_library_under_time_machine(tmp_path: Path) -> None:
    """The computer's own clock in Berlin, the stores in Shanghai and New York: ten days of the real loop, with
    a night where the computer slept through a store's time (caught up once when it woke)."""
    start = datetime(2026, 11, 9, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Monday
    with time_machine.travel(start, tick=False) as traveller:
        stores = [STORES[0], STORES[2]]
        config = ScheduleSettings(catch_up=True, check_minutes=30)
        runs: list[tuple[str, datetime]] = []

        def runner(due: Due) -> JobResult:
            runs.append((due.job.name, datetime.now(UTC)))
            return JobResult(0, "ok")

        core = Scheduler(config, jobs_for(config, stores), Journal(tmp_path / "j.jsonl"), runner)
        stop = threading.Event()
        end = start + timedelta(days=10)
        slept = datetime(2026, 11, 13, 20, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:00 Shanghai on Saturday
        asleep = [False]

        def sleep(seconds: float) -> None:
            now = datetime.now(UTC)
            if not asleep[0] and now >= slept:  # the lid closed for 8 hours: 10:00 in Shanghai passed meanwhile
                asleep[0] = True
                traveller.shift(timedelta(hours=8))
            else:
                traveller.shift(timedelta(seconds=seconds))
            if datetime.now(UTC) >= end:
                stop.set()

        run_forever(core, stop, sleep=sleep)
    by_job = Counter(name for name, _ in runs)
    assert by_job == {"weekly": 2, "daily:旗舰店": 11, "daily:New York": 10}
    for name, tz in stores:
        zone = ZoneInfo(tz)
        mine = [at.astimezone(zone) for n, at in runs if n == f"daily:{name}"]
        assert len(mine) == len({at.date() for at in mine}), (name, mine)
        late = [at for at in mine if not time(10, 0) <= at.time() < time(10, 2)]
        if name == "旗舰店":  # the start (Monday 19:00 Shanghai) caught Monday up; the sleep made Saturday late
            assert [(at.date(), at.hour) for at in late] == [(date(2026, 11, 9), 19), (date(2026, 11, 14), 11)]
        else:
            assert late == []
    weekly = [at.astimezone(SHANGHAI) for n, at in runs if n == "weekly"]
    assert [(at.date(), at.hour) for at in weekly] == [(date(2026, 11, 9), 19), (date(2026, 11, 16), 8)]
