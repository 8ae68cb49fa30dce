"""Ready task definitions that run `loyalsheet schedule --once` by the operating system's own scheduler.

Each runs the check every ``schedule.check_minutes`` (the run journal decides what is due, so a check
costs little and a run missed while the computer was off happens at the first check after it comes
back): a Windows Task Scheduler XML, a systemd .service + .timer pair (which also fires at each job's
exact time, in its store's time zone), and a launchd plist for macOS.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from .jobs import Job

TASK_KINDS = ("windows", "systemd", "launchd")
UNIT = "loyalsheet-schedule"
LAUNCHD_LABEL = "com.loyalsheet.schedule"
_TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
_SYSTEMD_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def loyalsheet_command() -> list[str]:
    """The real loyalsheet executable of this installation (beside this Python), else ``python -m loyalsheet``."""
    python = Path(sys.executable).absolute()  # not resolved: a virtual environment's python is a symlink
    names = ("loyalsheet.exe", "loyalsheet-script.py", "loyalsheet") if os.name == "nt" else ("loyalsheet",)
    for folder in (python.parent, python.parent / "Scripts", python.parent / "bin"):
        for name in names:
            candidate = folder / name
            if candidate.is_file() and not name.endswith(".py"):
                return [str(candidate)]
    found = shutil.which("loyalsheet")
    if found:
        return [str(Path(found).absolute())]
    return [str(python), "-m", "loyalsheet"]


def _arguments(config: Path, jobs: Sequence[Job]) -> list[str]:
    """``schedule --once`` for this config, for one store's scheduler with its ``--store``."""
    store = next((j.store for j in jobs if j.kind == "weekly" and j.store is not None), None)
    return ["schedule", "--once", "--config", str(config), *(["--store", store] if store is not None else [])]


def _describe(jobs: Sequence[Job], config: Path) -> str:
    parts = []
    for job in jobs:
        when = job.at.strftime("%H:%M")
        if job.kind == "daily":
            parts.append(f"daily messages of {job.store} at {when} {job.timezone}")
        else:
            assert job.weekday is not None
            parts.append(f"weekly refresh on {_SYSTEMD_DAYS[job.weekday]} at {when} {job.timezone}")
    return f"loyalsheet for {config}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# systemd


def _systemd_quote(arg: str) -> str:
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{escaped}"'


def systemd_units(command: Sequence[str], config: Path, jobs: Sequence[Job], check_minutes: int,
                  timeout_minutes: int) -> dict[str, str]:
    """``{file name: text}`` of a oneshot service and its timer, for ``systemctl --user``."""
    exec_start = " ".join(_systemd_quote(a) for a in [*command, *_arguments(config, jobs)])
    description = _describe(jobs, config).replace("%", "%%")
    service = (
        "[Unit]\n"
        f"Description={description}\n"
        "Wants=network-online.target\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={str(config.parent).replace('%', '%%')}\n"
        f"ExecStart={exec_start}\n"
        f"TimeoutStartSec={timeout_minutes + 10}min\n"
        "Environment=PYTHONIOENCODING=utf-8\n"
    )
    calendars = []
    for job in jobs:
        day = "*" if job.weekday is None else _SYSTEMD_DAYS[job.weekday]
        spec = f"*-*-* {job.at.strftime('%H:%M')}:00 {job.timezone}"
        calendars.append(f"OnCalendar={spec if day == '*' else day + ' ' + spec}\n")
    timer = (
        "[Unit]\n"
        f"Description={description} (timer)\n"
        "\n"
        "[Timer]\n"
        + "".join(dict.fromkeys(calendars))
        + "OnBootSec=2min\n"
        f"OnUnitActiveSec={check_minutes}min\n"
        "Persistent=true\n"
        "AccuracySec=30s\n"
        f"Unit={UNIT}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


def systemd_text(command: Sequence[str], config: Path, jobs: Sequence[Job], check_minutes: int,
                 timeout_minutes: int) -> str:
    units = systemd_units(command, config, jobs, check_minutes, timeout_minutes)
    head = (
        f"# loyalsheet schedule for {config}: a systemd user service and its timer.\n"
        "# Save each part below under ~/.config/systemd/user/ with the name on its '# file:' line, then run:\n"
        "#   systemctl --user daemon-reload\n"
        f"#   systemctl --user enable --now {UNIT}.timer\n"
        "#   loginctl enable-linger \"$USER\"    # so it runs while nobody is logged in\n"
        f"# What it did: the log beside the member file, or journalctl --user -u {UNIT}.service\n"
    )
    return head + "".join(f"\n# file: {name}\n{text}" for name, text in units.items())


# ---------------------------------------------------------------------------------------------------------------
# launchd (macOS)


def launchd_plist(command: Sequence[str], config: Path, check_minutes: int, jobs: Sequence[Job] = ()) -> dict[str, object]:
    return {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [*command, *_arguments(config, jobs)],
        "WorkingDirectory": str(config.parent),
        "StartInterval": check_minutes * 60,
        "RunAtLoad": True,
        "ProcessType": "Background",
        "EnvironmentVariables": {"PYTHONIOENCODING": "utf-8", "LANG": "en_US.UTF-8"},
    }


def launchd_text(command: Sequence[str], config: Path, jobs: Sequence[Job], check_minutes: int) -> str:
    body = plistlib.dumps(launchd_plist(command, config, check_minutes, jobs), sort_keys=False).decode("utf-8")
    note = (
        f"<!-- {_describe(jobs, config)}.\n"
        f"     Save as ~/Library/LaunchAgents/{LAUNCHD_LABEL}.plist, then run:\n"
        f"       launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/{LAUNCHD_LABEL}.plist\n"
        f"     It checks every {check_minutes} minutes (and when you log in) and runs what is due;\n"
        "     a check missed while the Mac slept happens when it wakes. -->\n"
    )
    head, sep, rest = body.partition("<plist")
    return head + _xml_comment_safe(note) + sep + rest


def _xml_comment_safe(text: str) -> str:
    inner = text[len("<!--"):-len("-->\n")]
    while "--" in inner:
        inner = inner.replace("--", "- -")
    return "<!--" + inner + "-->\n"


# ---------------------------------------------------------------------------------------------------------------
# Windows Task Scheduler


def _windows_quote(arg: str) -> str:
    return f'"{arg}"' if (not arg or any(c in arg for c in " \t")) else arg


def windows_xml(command: Sequence[str], config: Path, jobs: Sequence[Job], check_minutes: int,
                timeout_minutes: int) -> str:
    """A Task Scheduler task (schema 1.2) that runs the check every ``check_minutes``, and as soon as
    possible after a start it missed while the computer was off."""

    def el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        node = etree.SubElement(parent, f"{{{_TASK_NS}}}{tag}")
        if text is not None:
            node.text = text
        return node

    task = etree.Element(f"{{{_TASK_NS}}}Task", nsmap={None: _TASK_NS})  # type: ignore[dict-item]
    task.set("version", "1.2")
    info = el(task, "RegistrationInfo")
    el(info, "Author", "loyalsheet")
    el(info, "Description", _describe(jobs, config))
    triggers = el(task, "Triggers")
    trigger = el(triggers, "CalendarTrigger")  # its children in the schema's order
    el(trigger, "Enabled", "true")
    el(trigger, "StartBoundary", "2026-01-01T00:00:00")
    repetition = el(trigger, "Repetition")
    el(repetition, "Interval", f"PT{check_minutes}M")
    el(repetition, "Duration", "P1D")
    el(repetition, "StopAtDurationEnd", "false")
    el(el(trigger, "ScheduleByDay"), "DaysInterval", "1")
    principal = el(el(task, "Principals"), "Principal")
    principal.set("id", "Author")
    el(principal, "LogonType", "InteractiveToken")
    el(principal, "RunLevel", "LeastPrivilege")
    settings = el(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"), ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"), ("AllowHardTerminate", "true"), ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"), ("AllowStartOnDemand", "true"), ("Enabled", "true"),
        ("Hidden", "false"), ("RunOnlyIfIdle", "false"), ("WakeToRun", "false"),
        ("ExecutionTimeLimit", f"PT{timeout_minutes + 10}M"), ("Priority", "7"),
    ):
        el(settings, tag, value)
    actions = el(task, "Actions")
    actions.set("Context", "Author")
    exe = el(actions, "Exec")
    el(exe, "Command", command[0])
    el(exe, "Arguments", " ".join(_windows_quote(a) for a in [*command[1:], *_arguments(config, jobs)]))
    el(exe, "WorkingDirectory", str(config.parent))
    xml = etree.tostring(task, encoding="unicode", pretty_print=True)
    file = "loyalsheet-task.xml"
    note = _xml_comment_safe(
        f"<!-- {_describe(jobs, config)}.\n"
        f"     Save this text as {file} (Notepad: Save as, Encoding UTF-8), then in a Command Prompt:\n"
        f"       schtasks /Create /TN loyalsheet /XML {file}\n"
        "     or Task Scheduler, Action, Import Task. It checks every "
        f"{check_minutes} minutes and runs what is due. -->\n"
    )
    return '<?xml version="1.0"?>\n' + note + xml


def task_definition(kind: str, config: Path, jobs: Sequence[Job], check_minutes: int, timeout_minutes: int,
                    command: Sequence[str] | None = None) -> str:
    """The text ``--print-task KIND`` prints, with ``config`` made absolute."""
    cmd = list(command) if command is not None else loyalsheet_command()
    config = Path(os.path.abspath(config))
    if kind == "systemd":
        return systemd_text(cmd, config, jobs, check_minutes, timeout_minutes)
    if kind == "launchd":
        return launchd_text(cmd, config, jobs, check_minutes)
    if kind == "windows":
        return windows_xml(cmd, config, jobs, check_minutes, timeout_minutes)
    raise ValueError(kind)
