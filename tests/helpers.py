"""Test helpers: run the real CLI, build messy workbooks by hand, open files in LibreOffice."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
    """Run `loyalsheet ARGS` as a person would, in a fresh process."""
    full_env = {**os.environ, "LANG": "C.UTF-8", "COLUMNS": "250", **(env or {})}
    full_env.pop("LOYALSHEET_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "loyalsheet", *args], cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """A workbook written by hand with openpyxl: any titles, headers and cells a person might type."""
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


# The send ledger as schema 1 made it (before replies and holdouts): tests of the upgrade start from it.
LEDGER_V1_SCHEMA = """
        CREATE TABLE messages (key TEXT PRIMARY KEY, member_id TEXT NOT NULL, campaign TEXT NOT NULL,
          channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')), recipient TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('service', 'marketing')), body_sha256 TEXT NOT NULL,
          planned_for TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed', 'unknown')),
          permanent INTEGER NOT NULL DEFAULT 0, provider TEXT, provider_id TEXT, error_code TEXT, error_text TEXT,
          attempts INTEGER NOT NULL DEFAULT 0, planned_at TEXT NOT NULL, sending_at TEXT, finished_at TEXT,
          updated_at TEXT NOT NULL, claim_boot TEXT, attempt_at TEXT) WITHOUT ROWID;
        CREATE INDEX messages_state ON messages (state);
        CREATE TABLE opt_outs (recipient TEXT NOT NULL, channel TEXT NOT NULL, source TEXT NOT NULL, at TEXT NOT NULL,
          PRIMARY KEY (recipient, channel)) WITHOUT ROWID;
        PRAGMA user_version=1;
"""

MEMBER_HEADER = ["Member ID", "Name", "Phone", "Email", "Joined"]
TXN_HEADER = ["Date", "Member ID", "Type", "Amount", "Points", "Paid with"]


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) is not installed: run scripts/test, which installs it")
    return exe


def libreoffice_csv(path: Path, outdir: Path) -> dict[str, list[list[str]]]:
    """Open ``path`` in LibreOffice headless and export every sheet to CSV: sheet title -> rows."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
             "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
             "--outdir", str(outdir), str(path)],
            check=True, capture_output=True, timeout=240,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    from openpyxl import load_workbook

    titles = load_workbook(path, read_only=True).sheetnames
    result: dict[str, list[list[str]]] = {}
    for title in titles:
        candidate = outdir / f"{path.stem}-{title}.csv"
        if candidate.exists():
            with candidate.open(encoding="utf-8", newline="") as fh:
                result[title] = list(csv.reader(fh))
    return result
