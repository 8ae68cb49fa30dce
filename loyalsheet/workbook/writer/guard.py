"""Refusing a write: a book's fingerprint taken when it is read (:class:`Fingerprint`), and the check
before writing that it is not open in Excel or LibreOffice, not marked read-only, and unchanged since
(:func:`check_writable`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ...errors import WorkbookError


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: size, modification time and content hash."""

    size: int
    mtime_ns: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    """Size, mtime and SHA-256 of ``path``, taken when the book is read and checked before it is written."""
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return Fingerprint(st.st_size, st.st_mtime_ns, digest)


def excel_lock_file(path: Path) -> Path:
    return path.with_name("~$" + path.name)


def libreoffice_lock_file(path: Path) -> Path:
    return path.with_name(".~lock." + path.name + "#")


def _lock_owner(lock: Path) -> str:
    """The user named in a LibreOffice lock file (``,user,host,date,profile;``), or ``""``."""
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    fields = text.split(",")
    return fields[1].strip() if len(fields) > 2 else ""


def check_writable(path: Path, expected: Fingerprint) -> None:
    """Refuse (raise :class:`WorkbookError`) when the book is open in Excel or LibreOffice, is gone, is
    marked read-only (the folder may be writable, but replacing the file would undo the mark), or changed
    since it was read. Only a change of content counts: a file whose size and SHA-256 are
    the same as ``expected`` is the one that was read, even if its modification time moved."""
    path = Path(path)
    excel = excel_lock_file(path)
    if excel.exists():
        raise WorkbookError("file_locked_excel", file=path.name, path=str(path), lock=excel.name)
    office = libreoffice_lock_file(path)
    if office.exists():
        raise WorkbookError(
            "file_locked_libreoffice", file=path.name, path=str(path), lock=office.name, user=_lock_owner(office)
        )
    try:
        now = fingerprint(path)
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise WorkbookError("write_file_missing", file=path.name, path=str(path)) from None
    except OSError as exc:
        raise WorkbookError("write_failed", file=path.name, path=str(path), reason=_reason(exc)) from exc
    if not mode & stat.S_IWUSR:  # marked read-only (chmod a-w, or Windows' read-only box): the owner meant it
        raise WorkbookError("file_read_only", file=path.name, path=str(path))
    if now.size != expected.size or now.sha256 != expected.sha256:
        raise WorkbookError("file_changed", file=path.name, path=str(path))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
