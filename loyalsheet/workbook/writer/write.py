"""The surgical write (:func:`write_owned_sheets`): checked, built in a temporary file beside the book,
the previous version backed up, and moved into place with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from ...errors import WorkbookError
from ..ooxml import PackageError
from .backups import BACKUP_DIR_NAME, _clean_temp_files, _fsync_dir, _make_backup, _prune_backups, _temp_prefix
from .build import _build
from .guard import Fingerprint, _reason, check_writable, fingerprint
from .sheets import OwnedSheet, _validate


@dataclass(frozen=True)
class WriteResult:
    """What a write did: the backup kept, the parts it replaced, added and removed, the new fingerprint."""

    path: Path
    backup: Path | None
    replaced: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    fingerprint: Fingerprint
    full_calc_on_load: bool


def write_owned_sheets(
    path: Path,
    sheets: Sequence[OwnedSheet],
    *,
    expected: Fingerprint,
    backups: int = 5,
    backup_dir: Path | None = None,
    now: datetime | None = None,
) -> WriteResult:
    """Replace (or add) the owned ``sheets`` in the book at ``path``, leaving every other part as it is.

    ``expected`` is the fingerprint taken when the book was read; the write is refused when the file
    changed since or is open in Excel or LibreOffice. The previous version is kept in ``backup_dir``
    (default ``.loyalsheet-backups`` beside the book), the last ``backups`` of them; ``now`` names it.
    """
    path = Path(path)
    _validate(sheets)
    check_writable(path, expected)
    _clean_temp_files(path.parent, path.name)
    folder = backup_dir if backup_dir is not None else path.parent / BACKUP_DIR_NAME
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WorkbookError("write_failed", file=path.name, path=str(path), reason=_reason(exc)) from exc
    tmp = Path(tmp_name)
    backup = None
    try:
        try:
            with os.fdopen(fd, "w+b") as out:
                built = _build(path, sheets, out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except zipfile.BadZipFile as exc:
            raise _not_a_workbook(path, exc) from exc
        except PackageError as exc:
            raise WorkbookError("write_damaged", file=path.name, path=str(path), reason=str(exc)) from exc
        except etree.XMLSyntaxError as exc:
            raise WorkbookError("write_damaged", file=path.name, path=str(path), reason=str(exc)) from exc
        except OSError as exc:
            raise WorkbookError("write_failed", file=path.name, path=str(path), reason=_reason(exc)) from exc
        check_writable(path, expected)
        if backups > 0:
            try:
                backup = _make_backup(path, folder, now or datetime.now())
            except OSError as exc:
                raise WorkbookError("write_backup_failed", file=path.name, dir=str(folder),
                                    reason=_reason(exc)) from exc
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise WorkbookError("write_failed", file=path.name, path=str(path), reason=_reason(exc)) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        _fsync_dir(path.parent)
    if backups > 0:
        _prune_backups(path, folder, backups)
    return WriteResult(path, backup, built.replaced, built.added, built.removed, fingerprint(path), built.full_calc)


def _not_a_workbook(path: Path, exc: BaseException) -> WorkbookError:
    try:
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError:
        magic = b""
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        return WorkbookError("write_encrypted", file=path.name, path=str(path))
    return WorkbookError("write_not_a_workbook", file=path.name, path=str(path), reason=str(exc))
