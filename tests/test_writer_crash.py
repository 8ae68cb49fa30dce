"""A write killed at any moment (SIGKILL) leaves the book exactly as it was or exactly as written.

A subprocess writes a 20,000-row owned sheet into a copy of a fixture; the test kills it after a
random delay (plus once at once and once after it surely finished), then checks that the file is
byte for byte the old book or the new one, that it opens, and that the next write cleans up the
temporary files the killed ones left.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict
from pathlib import Path

import openpyxl
import pytest

from loyalsheet.workbook.writer import BACKUP_DIR_NAME, fingerprint

FIXTURE = Path(__file__).parent / "fixtures" / "macro.xlsm"
ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 14
ROWS = 20_000

WRITER = """
import json, sys, time
from datetime import date, datetime, timedelta
from pathlib import Path
from loyalsheet.workbook.writer import Fingerprint, OwnedSheet, write_owned_sheets

path, expected, n = Path(sys.argv[1]), Fingerprint(**json.loads(sys.argv[2])), int(sys.argv[3])
rows = [[f"M{i:06d}", f"会员 {i}", i, i * 1.25, date(2020, 1, 1) + timedelta(days=i % 2000), "=not a formula"]
        for i in range(n)]
sheet = OwnedSheet("会员状态 Member status", ["编号", "姓名", "积分", "金额", "日期", "备注"], rows)
print("ready", flush=True)
start = time.perf_counter()
write_owned_sheets(path, [sheet], expected=expected, backups=3, now=datetime(2026, 11, 22, 10, 15))
print(f"done {time.perf_counter() - start:.3f}", flush=True)
"""


def _start(path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), json.dumps(asdict(fingerprint(path))), str(ROWS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


def _temp_files(folder: Path) -> list[Path]:
    found = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    backups = folder / BACKUP_DIR_NAME
    if backups.is_dir():
        found += [p for p in backups.iterdir() if p.name.endswith(".tmp")]
    return found


def _opens(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
    wb = openpyxl.load_workbook(path, read_only=True)
    assert "会员 Members" in wb.sheetnames
    wb.close()


@pytest.mark.slow
def test_killed_write_leaves_old_or_new_book(tmp_path: Path) -> None:
    old = FIXTURE.read_bytes()

    # the new book, written once without interruption (the writer's output is deterministic)
    reference = tmp_path / "reference" / "members.xlsm"
    reference.parent.mkdir()
    shutil.copyfile(FIXTURE, reference)
    proc = _start(reference)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    seconds = float(out.split()[-1])
    new = reference.read_bytes()
    assert new != old
    _opens(reference)
    wb = openpyxl.load_workbook(reference)
    assert wb["会员状态 Member status"].max_row == ROWS + 1

    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "members.xlsm"
    rnd = random.Random(int(os.environ.get("LOYALSHEET_CRASH_SEED", "20261122")))
    delays = [0.0, *(rnd.uniform(0, seconds * 1.3) for _ in range(ROUNDS - 2)), seconds * 3 + 0.5]
    outcomes = []
    deadline = time.monotonic() + 60
    for n, delay in enumerate(delays):
        if 0 < n < len(delays) - 1 and time.monotonic() > deadline:
            continue  # a slow machine: skip random rounds, never the first (kill at once) or the last (no kill)
        shutil.copyfile(FIXTURE, path)
        proc = _start(path)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        data = path.read_bytes()
        assert data in (old, new), f"killed after {delay:.3f} s: the book is neither the old nor the new one"
        outcomes.append("new" if data == new else "old")
        _opens(path)
    assert "old" in outcomes and "new" in outcomes, outcomes

    # the next write removes what the killed writers left behind
    shutil.copyfile(FIXTURE, path)
    proc = _start(path)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert path.read_bytes() == new
    assert _temp_files(folder) == []
