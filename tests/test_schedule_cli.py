"""`loyalsheet schedule` as a person (or cron) runs it: --once end to end on a demo store, two instances,
retries, and the task definitions for Windows, systemd and launchd."""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import signal
import subprocess
import sys
import time as clock
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from openpyxl import load_workbook

from tests.helpers import REPO, Result

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY_SHEET = "今日消息 Today's messages"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "shop"
    proc = subprocess.run([sys.executable, "-m", "loyalsheet", "demo", str(folder), "--members", "60"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return folder


@pytest.fixture
def store(demo_store: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "my shop"  # a space in the path, as on many a Windows desktop
    folder.mkdir()
    for name in ("members.xlsx", "config.yaml"):
        shutil.copy(demo_store / name, folder / name)
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    # SMS may go at any hour, so what is sent does not depend on when the test runs.
    assert "\nmessaging:\n" in text
    config.write_text(text.replace("\nmessaging:\n", '\nmessaging:\n  quiet_hours: {start: "00:00", end: "00:00"}\n'),
                      encoding="utf-8")
    return folder


def set_schedule(store: Path, **settings: object) -> None:
    lines = ["schedule:"] + [f"  {k}: {json.dumps(v)}" for k, v in settings.items()]
    config = store / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def due_now() -> dict[str, object]:
    """Times that make both jobs due now: the daily job at midnight, the weekly refresh today at midnight."""
    return {"daily_at": "00:00", "weekly_day": WEEKDAYS[datetime.now(SHANGHAI).weekday()], "weekly_at": "00:00"}


def far_from_now() -> dict[str, object]:
    """Times that make nothing due for hours (catch_up off): the daily job six hours from now."""
    now = datetime.now(SHANGHAI)
    return {"daily_at": (now + timedelta(hours=6)).strftime("%H:%M"), "catch_up": False,
            "weekly_day": WEEKDAYS[(now.weekday() + 3) % 7], "weekly_at": "12:00"}


def once(cli: Callable[..., Result], store: Path, *args: str) -> Result:
    return cli("schedule", "--once", "--config", str(store / "config.yaml"), "--lang", "en", *args, cwd=store)


def as_json(result: Result) -> dict[str, object]:
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def outbox(store: Path) -> list[Path]:
    folder = store / "outbox"
    return sorted(folder.iterdir()) if folder.exists() else []


def journal(store: Path) -> list[dict[str, object]]:
    path = store / "loyalsheet-schedule.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_once_with_sending_on_sends_into_the_outbox_and_a_second_run_that_day_sends_nothing(
        cli: Callable[..., Result], store: Path) -> None:
    set_schedule(store, sending=True, **due_now())
    first = once(cli, store, "--json")
    assert first.code == 0, first.err + first.out
    data = as_json(first)
    ran = data["ran"]
    assert isinstance(ran, list)
    assert [(r["job"], r["outcome"], r["code"], r["attempt"]) for r in ran] == [
        ("weekly", "ok", 0, 1), ("daily:旗舰店", "ok", 0, 1)]
    today = datetime.now(SHANGHAI).date().isoformat()
    assert {r["as_of"] for r in ran} == {today}
    sent = outbox(store)
    assert len(sent) > 3
    assert f"{len(sent)} sent, 0 failed" in ran[1]["summary"] and "members" in ran[0]["summary"]
    assert data["sending"] is True and data["journal"] == str(store / "loyalsheet-schedule.jsonl")
    records = journal(store)
    assert [(r["event"], r["job"]) for r in records] == [
        ("start", "weekly"), ("end", "weekly"), ("start", "daily:旗舰店"), ("end", "daily:旗舰店")]
    log = (store / "loyalsheet-schedule.log").read_text(encoding="utf-8")
    assert "sending: on" in log and "exit 0 (done)" in log and "today --send" in log and "--date " + today in log
    book = load_workbook(store / "members.xlsx", read_only=True)
    assert "发送记录 Message log" in book.sheetnames and "回访名单 Call list" in book.sheetnames
    book.close()

    again = once(cli, store)
    assert again.code == 0, again.err
    assert "Nothing is due now. Next:" in again.err
    assert outbox(store) == sent and len(journal(store)) == 4
    assert as_json(once(cli, store, "--json"))["ran"] == []


def test_once_with_sending_off_writes_the_plan_into_the_workbook_and_sends_nothing(
        cli: Callable[..., Result], store: Path) -> None:
    set_schedule(store, **due_now())
    result = once(cli, store)
    assert result.code == 0, result.err
    assert "sending: off (a dry run" in result.err and "today --write-plan" in result.err
    assert "dry run:" in result.err and "nothing was sent" in result.err and TODAY_SHEET in result.err
    assert outbox(store) == [] and not (store / "members.ledger.sqlite").exists()
    book = load_workbook(store / "members.xlsx", read_only=True)
    rows = list(book[TODAY_SHEET].iter_rows(values_only=True))
    book.close()
    assert len(rows) > 3
    assert [r["job"] for r in journal(store)] == ["weekly", "weekly", "daily:旗舰店", "daily:旗舰店"]


def test_a_job_that_cannot_run_is_retried_then_given_up_for_the_day(cli: Callable[..., Result], store: Path) -> None:
    (store / "members.xlsx").rename(store / "elsewhere.xlsx")
    set_schedule(store, max_retries_per_day=1, **due_now())
    first = once(cli, store, "--json")
    assert first.code == 1
    ran = as_json(first)["ran"]
    assert isinstance(ran, list) and [(r["outcome"], r["code"], r["retry"]) for r in ran] == [
        ("failed", 2, True), ("failed", 2, True)]
    assert "members.xlsx" in ran[0]["summary"]
    second = once(cli, store)
    assert second.code == 1
    assert "attempt 2" in second.err and "no more tries today" in second.err
    third = once(cli, store, "--json")
    assert third.code == 0 and as_json(third)["ran"] == []
    log = (store / "loyalsheet-schedule.log").read_text(encoding="utf-8")
    assert log.count("exit 2 (could not run)") == 4 and "tried again at the next check" in log


def wait_for(predicate: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = clock.monotonic() + seconds
    while not predicate():
        assert clock.monotonic() < deadline, f"gave up waiting for {what}"
        clock.sleep(0.1)


def start_foreground(store: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LANG": "C.UTF-8"}
    out = (tmp_path / "fg.out").open("wb")
    err = (tmp_path / "fg.err").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "loyalsheet", "schedule", "--config", str(store / "config.yaml"),
                             "--lang", "en"], cwd=REPO, env=env, stdout=out, stderr=err)
    lock = store / "loyalsheet-schedule.lock"
    wait_for(lambda: lock.exists() and f"pid={proc.pid} " in lock.read_text(), "the scheduler to take its lock")
    wait_for(lambda: "Next:" in (store / "loyalsheet-schedule.log").read_text(encoding="utf-8"), "its first log")
    return proc


def test_two_instances_cannot_run_together_and_a_dead_ones_lock_is_taken_over(
        cli: Callable[..., Result], store: Path, tmp_path: Path) -> None:
    set_schedule(store, **far_from_now())
    proc = start_foreground(store, tmp_path)
    try:
        second = once(cli, store)
        assert second.code == 2
        assert "Another loyalsheet schedule is already running" in second.err and f"process {proc.pid}" in second.err
        assert "Only one may run at a time" in second.err
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = (store / "loyalsheet-schedule.log").read_text(encoding="utf-8")
    assert "loyalsheet schedule started" in log and "Stopping (signal SIGTERM)" in log
    assert "loyalsheet schedule stopped." in log and "Running" not in log
    assert (store / "loyalsheet-schedule.lock").read_text() == ""

    killed = start_foreground(store, tmp_path)
    killed.kill()  # no chance to clean up: its pid stays in the lock file
    killed.wait()
    assert f"pid={killed.pid} " in (store / "loyalsheet-schedule.lock").read_text()
    after = once(cli, store)
    assert after.code == 0, after.err
    assert f"Took over a lock left by process {killed.pid}" in after.err


def parse_units(text: str) -> dict[str, dict[str, dict[str, list[str]]]]:
    """``# file: NAME`` parts of --print-task systemd -> {file: {section: {key: [values]}}}."""
    files: dict[str, dict[str, dict[str, list[str]]]] = {}
    current: dict[str, dict[str, list[str]]] | None = None
    section = ""
    for line in text.splitlines():
        if line.startswith("# file: "):
            current = files.setdefault(line.removeprefix("# file: "), {})
        elif current is None or not line.strip() or line.startswith("#"):
            continue
        elif line.startswith("["):
            section = line.strip("[]")
            current[section] = {}
        else:
            key, _, value = line.partition("=")
            current[section].setdefault(key, []).append(value)
    return files


CHAIN = """workbook: members.xlsx
stores:
  - {name: 旗舰店, timezone: Asia/Shanghai}
  - {name: London, timezone: Europe/London}
schedule:
  daily_at: "9:30"
  weekly_day: fri
  weekly_at: "07:00"
  check_minutes: 15
"""


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    folder = tmp_path / "my chain"
    folder.mkdir()
    (folder / "config.yaml").write_text(CHAIN, encoding="utf-8")
    return folder / "config.yaml"


def executable() -> Path:
    path = Path(sys.executable).absolute().parent / "loyalsheet"
    assert path.is_file() and os.access(path, os.X_OK)
    return path


def test_print_task_systemd_is_a_service_and_timer_pair_systemd_accepts(
        cli: Callable[..., Result], chain: Path, tmp_path: Path) -> None:
    result = cli("schedule", "--print-task", "systemd", "--config", str(chain), cwd=tmp_path)
    assert result.code == 0, result.err
    units = parse_units(result.out)
    assert sorted(units) == ["loyalsheet-schedule.service", "loyalsheet-schedule.timer"]
    service, timer = units["loyalsheet-schedule.service"], units["loyalsheet-schedule.timer"]
    assert service["Service"]["Type"] == ["oneshot"]
    assert service["Service"]["ExecStart"] == [f'"{executable()}" "schedule" "--once" "--config" "{chain}"']
    assert service["Service"]["WorkingDirectory"] == [str(chain.parent)]
    assert timer["Timer"]["OnCalendar"] == ["*-*-* 09:30:00 Asia/Shanghai", "*-*-* 09:30:00 Europe/London",
                                            "Fri *-*-* 07:00:00 Asia/Shanghai"]
    assert timer["Timer"]["Persistent"] == ["true"] and timer["Timer"]["OnUnitActiveSec"] == ["15min"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    analyze = shutil.which("systemd-analyze")
    if analyze:  # systemd's own check, where systemd is installed: silent when every line is understood
        folder = tmp_path / "units"
        folder.mkdir()
        for name in units:
            part = result.out.split(f"# file: {name}\n", 1)[1].split("\n# file: ", 1)[0]
            (folder / name).write_text(part, encoding="utf-8")
        check = subprocess.run([analyze, "verify", *(str(folder / n) for n in sorted(units))], capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 0 and check.stderr.strip() == "", check.stderr
        for spec in timer["Timer"]["OnCalendar"]:
            assert subprocess.run([analyze, "calendar", spec], capture_output=True, timeout=60).returncode == 0


def test_print_task_launchd_is_a_plist(cli: Callable[..., Result], chain: Path, tmp_path: Path) -> None:
    result = cli("schedule", "--print-task", "launchd", "--config", str(chain), cwd=tmp_path)
    assert result.code == 0, result.err
    plist = plistlib.loads(result.out.encode("utf-8"))
    assert plist["Label"] == "com.loyalsheet.schedule"
    assert plist["ProgramArguments"] == [str(executable()), "schedule", "--once", "--config", str(chain)]
    assert plist["StartInterval"] == 15 * 60 and plist["RunAtLoad"] is True
    assert plist["WorkingDirectory"] == str(chain.parent)


def test_print_task_windows_is_task_scheduler_xml(cli: Callable[..., Result], chain: Path, tmp_path: Path) -> None:
    result = cli("schedule", "--print-task", "windows", "--config", str(chain), "--lang", "zh", cwd=tmp_path)
    assert result.code == 0, result.err
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    root = etree.fromstring(result.out.encode("utf-8"))
    assert root.tag == "{http://schemas.microsoft.com/windows/2004/02/mit/task}Task"
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=ns) == str(executable())
    assert root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns) == f'schedule --once --config "{chain}"'
    assert root.findtext("t:Actions/t:Exec/t:WorkingDirectory", namespaces=ns) == str(chain.parent)
    trigger = root.find("t:Triggers/t:CalendarTrigger", namespaces=ns)
    assert trigger is not None
    # the schema's order: Enabled, StartBoundary, Repetition, then the schedule
    assert [etree.QName(c).localname for c in trigger] == ["Enabled", "StartBoundary", "Repetition", "ScheduleByDay"]
    assert trigger.findtext("t:Repetition/t:Interval", namespaces=ns) == "PT15M"
    assert root.findtext("t:Settings/t:StartWhenAvailable", namespaces=ns) == "true"
    assert root.findtext("t:Settings/t:MultipleInstancesPolicy", namespaces=ns) == "IgnoreNew"
    assert "旗舰店" in (root.findtext("t:RegistrationInfo/t:Description", namespaces=ns) or "")


def test_settings_and_options_are_checked_without_a_traceback(cli: Callable[..., Result], tmp_path: Path) -> None:
    missing = cli("schedule", "--once", "--config", str(tmp_path / "nope.yaml"), "--lang", "en")
    assert missing.code == 2 and "nope.yaml" in missing.err
    config = tmp_path / "config.yaml"
    config.write_text("workbook: members.xlsx\nschedule:\n  daily_at: \"25:00\"\n", encoding="utf-8")
    bad = cli("schedule", "--once", "--config", str(config), "--lang", "en")
    assert bad.code == 2 and "schedule.daily_at" in bad.err and "line 3" in bad.err and "HH:MM" in bad.err
    config.write_text("workbook: members.xlsx\nschedule:\n  weekly_day: funday\n", encoding="utf-8")
    assert cli("schedule", "--once", "--config", str(config), "--lang", "en").code == 2
    wrong = cli("schedule", "--print-task", "cron", "--config", str(config))
    assert wrong.code == 2 and "windows" in wrong.err
    help_ = cli("schedule", "--help")
    assert help_.code == 0 and "--once" in help_.out and "--print-task" in help_.out


def test_a_chain_runs_the_daily_job_per_store_and_the_refresh_once(cli: Callable[..., Result], tmp_path: Path) -> None:
    folder = tmp_path / "chain"
    made = cli("demo", str(folder), "--stores", "3", "--members", "90", cwd=tmp_path)
    assert made.code == 0, made.err
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("\nmessaging:\n", '\nmessaging:\n  quiet_hours: {start: "00:00", end: "00:00"}\n'),
                      encoding="utf-8")
    set_schedule(folder, sending=True, **due_now())
    first = once(cli, folder, "--json")
    assert first.code == 0, first.err + first.out
    ran = as_json(first)["ran"]
    assert isinstance(ran, list)
    assert [(r["job"], r["outcome"]) for r in ran] == [
        ("weekly", "ok"), ("daily:旗舰店", "ok"), ("daily:东城店", "ok"), ("daily:西湖店", "ok")]
    log = (folder / "loyalsheet-schedule.log").read_text(encoding="utf-8")
    assert all(f"--store {name}" in log for name in ("旗舰店", "东城店", "西湖店"))
    assert "refresh --config" in log and "refresh --store" not in log
    sent = outbox(folder)
    assert len(sent) > 3
    assert as_json(once(cli, folder, "--json"))["ran"] == [] and outbox(folder) == sent
    # one store's own scheduler (its own computer): its daily job and its own refresh, a journal of its own
    store = once(cli, folder, "--json", "--store", "东城店")
    assert [(r["job"], r["outcome"]) for r in as_json(store)["ran"]] == [("weekly:东城店", "ok"), ("daily:东城店", "ok")]
    store_log = (folder / "loyalsheet-schedule-东城店.log").read_text(encoding="utf-8")
    assert "refresh --config" in store_log and "--store 东城店" in store_log
    assert outbox(folder) == sent  # the chain's run already sent the store's messages: never twice
    task = cli("schedule", "--print-task", "systemd", "--store", "东城店", "--config", str(config))
    assert task.code == 0 and '"--store" "东城店"' in task.out
