"""Write the tool's own sheets back into the manager's workbook, losing nothing else.

The .xlsx/.xlsm file is a zip of parts. :func:`write_owned_sheets` copies every part it does not own
as it is stored (same bytes, same compression, same order), replaces only the owned sheets' worksheet
parts (and their drawings and charts), and edits in place the few parts that list them: the
workbook, its relationships, the content types, and the styles (only ever appended to).

Before writing it refuses when Excel or LibreOffice has the file open or when the file changed since
it was read (:func:`check_writable`). It writes a temporary file in the same folder, fsyncs it,
keeps a dated backup of the previous version (the last N), and moves the new file into place with
``os.replace``, so a crash at any moment leaves either the old or the new book, never a broken one.
Temporary files left by a crash are removed by the next write.

Each module holds one of these jobs, and this package gives all of their names: :mod:`.sheets`
(what a caller asks to write, and its checks), :mod:`.guard` (fingerprints and the refusals),
:mod:`.package` (the source zip and the edits planned), :mod:`.build` (the new zip), :mod:`.backups`
(temporary files and backups), :mod:`.write` (the write itself) and :mod:`.read` (reading owned
sheets back).
"""

from __future__ import annotations

from .backups import BACKUP_DIR_NAME, list_backups
from .backups import _host as _host
from .build import SHEET_DEFLATE_LEVEL
from .guard import Fingerprint, check_writable, excel_lock_file, fingerprint, libreoffice_lock_file
from .package import sheet_parts
from .read import read_owned_sheet, read_owned_sheets
from .sheets import CellValue, ChartKind, ChartSeries, ChartSpec, ListValidation, OwnedSheet
from .write import WriteResult, write_owned_sheets

__all__ = [
    "BACKUP_DIR_NAME",
    "SHEET_DEFLATE_LEVEL",
    "CellValue",
    "ChartKind",
    "ChartSeries",
    "ChartSpec",
    "Fingerprint",
    "ListValidation",
    "OwnedSheet",
    "WriteResult",
    "check_writable",
    "excel_lock_file",
    "fingerprint",
    "libreoffice_lock_file",
    "list_backups",
    "read_owned_sheet",
    "read_owned_sheets",
    "sheet_parts",
    "write_owned_sheets",
]
