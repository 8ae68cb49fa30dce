"""Build new member files: the empty template (``init``) and books full of rows (``demo``).

Only ever used to create a new file, never to re-save a manager's book. Uses openpyxl's write-only
mode so a book of a million rows streams to disk in bounded memory; a book with rows then gets its
text moved into a shared-strings table, as Excel stores it (:mod:`.shared_strings`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .schema import CHOICES, SHEETS, Column, Sheet, bilingual_header, bilingual_title, column_letter
from .shared_strings import share_strings

_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "birthday": "yyyy-mm-dd", "money": "#,##0.00"}
_HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_YESNO = {"zh": ("是", "否"), "en": ("yes", "no")}
_GENDER = {"zh": ("女", "男"), "en": ("F", "M")}
_LAST_ROW = 1048576
# the narrowest a column with each format may be for its values to show (not "###")
_FORMAT_WIDTHS = {"date": 12, "birthday": 12, "datetime": 17.5, "money": 12}

# The committed template (zh-en headers, zh drop-downs): `scripts/make_templates` rebuilds it with write_book.
_PACKAGED = Path(__file__).resolve().parents[1] / "workbook_templates"  # inside an installed wheel
TEMPLATES_FOLDER = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "workbook_templates"
TEMPLATE_PATH = TEMPLATES_FOLDER / "members.xlsx"


def _choice_words(name: str, lang: str) -> list[str]:
    words = []
    for canonical, aliases in CHOICES[name].items():
        if lang == "zh":
            zh = next((a for a in aliases if any("\u4e00" <= ch <= "\u9fff" for ch in a)), canonical)
            words.append(zh)
        else:
            words.append(canonical)
    return words


def dropdown_words(column: Column, lang: str) -> list[str] | None:
    """The drop-down list a column gets in a new book, in the book's language."""
    if column.kind == "yesno":
        return list(_YESNO[lang])
    if column.kind == "gender":
        return list(_GENDER[lang])
    if column.kind.startswith("choice:"):
        return _choice_words(column.kind.split(":", 1)[1], lang)
    return None


def header_language(header_style: str) -> str:
    """The language a reader meets first in headers of this style: zh-en and zh are Chinese, en-zh and en English."""
    return "en" if header_style.startswith("en") else "zh"


def _header_cells(ws: Any, sheet: Sheet, style: str) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=bilingual_header(column, style))
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cells.append(cell)
    return cells


def _print_setup(ws: Any, sheet: Sheet) -> None:
    """A print set-up like the owned sheets': one page wide, landscape when wide, the header row on
    every page, a footer with the sheet's name, the date and the page. (Before the first row: a
    write-only sheet writes its properties then.)"""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_setup.paperSize = 9  # A4
    wide = sum(column.width for column in sheet.columns) > 100
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text = "&A", "&D", "&P / &N"


def _prepare_sheet(wb: Workbook, sheet: Sheet, style: str, lang: str, code_name: str | None = None) -> Any:
    ws = wb.create_sheet(bilingual_title(sheet, style))
    if code_name is not None:
        ws.sheet_properties.codeName = code_name  # set before the first row: write-only sheets stream at once
    ws.freeze_panes = "B2" if sheet.key == "members" else "A2"
    for idx, column in enumerate(sheet.columns):
        letter = column_letter(idx)
        dim = ws.column_dimensions[letter]
        dim.width = max(column.width, _FORMAT_WIDTHS.get(column.kind, 0)) + (4 if style in ("zh-en", "en-zh") else 0)
        fmt = _FORMATS.get(column.kind)
        if fmt:
            dim.number_format = fmt
        words = dropdown_words(column, lang)
        if words:
            dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
            dv.error = "Choose from the list" if lang == "en" else "请从下拉列表中选择"
            dv.showErrorMessage = False  # other spellings are accepted too; the list is a help, not a wall
            dv.add(f"{letter}2:{letter}{_LAST_ROW}")
            ws.data_validations.append(dv)
    ws.row_dimensions[1].height = 32 if style in ("zh-en", "en-zh") else 18
    _print_setup(ws, sheet)
    ws.append(_header_cells(ws, sheet, style))
    return ws


def write_book(
    path: Path,
    rows: Mapping[str, Iterable[Sequence[Any]]] | None = None,
    *,
    header_style: str = "zh-en",
    language: str = "zh",
    progress: Callable[[str, int, int], None] | None = None,
    first_sheets: Callable[[Any, str, str], None] | None = None,
    code_names: bool = False,
    shared_strings: bool = True,
    created: datetime | None = None,
) -> None:
    """Write a new member file with every sheet of the contract.

    ``rows`` maps a sheet key (``members``, ``transactions``...) to rows whose values are in the
    schema's column order. The file is written to a temporary name and moved into place, so a
    half-written book never appears under ``path``.

    ``first_sheets(wb, header_style, language)`` may add sheets before the member file's (the macro
    book's Start sheet). ``code_names`` gives the workbook and each sheet the VBA code names a macro
    project refers to: ``ThisWorkbook``, ``Sheet1``, ``Sheet2``... in order.

    A book with rows stores its text as Excel does, once in a shared-strings table (UTF-8), unless
    ``shared_strings`` is false (openpyxl's inline strings, which an empty book keeps). Every zip
    entry of such a book gets the same fixed date and ``created`` (UTC), when given, is its created
    and modified time, so the same rows give the same bytes.
    """
    rows = rows or {}
    lang = "en" if header_style in ("en", "en-zh") and language == "en" else language
    words = header_language(header_style)  # drop-downs speak the headers' (first) language
    wb = Workbook(write_only=True)
    if code_names:
        wb.code_name = "ThisWorkbook"
    if first_sheets is not None:
        first_sheets(wb, header_style, lang)
    has_rows = False
    for sheet in SHEETS:
        code_name = f"Sheet{len(wb.worksheets) + 1}" if code_names else None
        ws = _prepare_sheet(wb, sheet, header_style, words, code_name)
        sheet_rows = rows.get(sheet.key, ())
        total = len(sheet_rows) if isinstance(sheet_rows, Sized) else 0
        n = 0
        for n, row in enumerate(sheet_rows, start=1):
            ws.append(list(row))
            has_rows = True
            if progress is not None and n % 10000 == 0:
                progress(sheet.key, n, max(total, n))
        ws.auto_filter.ref = f"A1:{column_letter(len(sheet.columns) - 1)}{n + 1}"
    fd, tmp = tempfile.mkstemp(prefix=".loyalsheet-", suffix=".xlsx", dir=str(path.parent))
    os.close(fd)
    try:
        wb.save(tmp)  # a brand-new file: no manager's book is ever saved through openpyxl
        if has_rows and shared_strings:
            fd, shared = tempfile.mkstemp(prefix=".loyalsheet-", suffix=".xlsx", dir=str(path.parent))
            os.close(fd)
            try:
                share_strings(Path(tmp), Path(shared), created=created)
                os.replace(shared, tmp)
            except BaseException:
                Path(shared).unlink(missing_ok=True)
                raise
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a new workbook gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
