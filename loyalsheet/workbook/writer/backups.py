"""Temporary files (named so that the next write removes what a crashed one left) and the dated backups
of a book's previous versions, the last N kept.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ...files import pid_alive

BACKUP_DIR_NAME = ".loyalsheet-backups"
_TEMP_MARK = ".loyalsheet-"
_STALE_TEMP_SECONDS = 6 * 3600


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:20] or "host"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}{_TEMP_MARK}{_host()}-{os.getpid()}-"


def _clean_temp_files(folder: Path, name: str) -> list[Path]:
    """Remove temporary files a crashed write of ``name`` left in ``folder``."""
    cleaned: list[Path] = []
    if not folder.is_dir():
        return cleaned
    pattern = re.compile(re.escape(f".{name}{_TEMP_MARK}") + r"([A-Za-z0-9]*)-(\d+)-.*\.tmp$")
    host = _host()
    now = time.time()
    for candidate in folder.iterdir():
        match = pattern.match(candidate.name)
        if match is None:
            continue
        pid = int(match.group(2))
        try:
            age = now - candidate.stat().st_mtime
        except OSError:
            continue
        mine_dead = match.group(1) == host and pid != os.getpid() and not pid_alive(pid)
        if mine_dead or age > _STALE_TEMP_SECONDS:
            with contextlib.suppress(OSError):
                candidate.unlink()
                cleaned.append(candidate)
    return cleaned


def _fsync_dir(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_BACKUP_STAMP = "%Y-%m-%dT%H%M%S"


def _backup_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(path.stem) + r"\.(\d{4}-\d\d-\d\dT\d{6})(?:-(\d+))?" + re.escape(path.suffix) + "$")


def list_backups(path: Path, backup_dir: Path | None = None) -> list[Path]:
    """Backups of ``path``, oldest first."""
    folder = backup_dir or path.parent / BACKUP_DIR_NAME
    if not folder.is_dir():
        return []
    pattern = _backup_pattern(path)
    found = []
    for candidate in folder.iterdir():
        match = pattern.match(candidate.name)
        if match:
            found.append(((match.group(1), int(match.group(2) or 0)), candidate))
    return [p for _key, p in sorted(found)]


def _make_backup(path: Path, folder: Path, now: datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _clean_temp_files(folder, path.name)
    stamp = now.strftime(_BACKUP_STAMP)
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        shutil.copystat(path, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    return target


def _prune_backups(path: Path, folder: Path, keep: int) -> None:
    backups = list_backups(path, folder)
    for old in backups[: max(0, len(backups) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()
