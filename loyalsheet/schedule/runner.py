"""The runner: the real CLI (``python -m loyalsheet today|refresh ... --json``) in a fresh process,
its output summed up in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..i18n import t
from .jobs import Due, JobResult, Kind


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
