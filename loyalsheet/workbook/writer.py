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
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import IO, Any, Literal

from lxml import etree

from ..errors import WorkbookError
from ..files import pid_alive
from . import names, ooxml
from .look import Look, SheetLook, plan_look
from .ooxml import (
    CONTENT_TYPES,
    MAX_COLS,
    MAX_ROWS,
    NS_MAIN,
    NS_R,
    Blob,
    CellStyles,
    ChartPlan,
    ContentTypes,
    PackageError,
    Relationships,
    SheetLayout,
    Styles,
    XmlPart,
    local_name,
    qn,
    rels_name,
)

CellValue = str | int | float | Decimal | bool | date | datetime | None
ChartKind = Literal["bar", "column", "line", "pie"]

BACKUP_DIR_NAME = ".loyalsheet-backups"
# Deflate level of the worksheet parts the tool writes (parts it does not own are copied as they are
# stored). 2 rather than zlib's usual 6: Member status of 100,000 members, 76 MB of XML, deflates in a
# third of the CPU time (0.35 s instead of 1.1 s) into 10.0 MB instead of 8.4 MB, and inflates as fast.
SHEET_DEFLATE_LEVEL = 2
_TEMP_MARK = ".loyalsheet-"
_STALE_TEMP_SECONDS = 6 * 3600
_BAD_TITLE_CHARS = set("[]:*?/\\")


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: size, modification time and content hash."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart: a range of the owned sheet (e.g. ``"B2:B6"``) and its legend name."""

    values: str
    title: str | None = None


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel chart placed in an owned sheet over ranges of that same sheet.

    Ranges are A1 references in the owned sheet as written (row 1 is the header). ``anchor`` is the
    top-left cell; the chart spans ``width`` columns and ``height`` rows.
    """

    kind: ChartKind
    title: str
    series: Sequence[ChartSeries]
    categories: str | None = None
    anchor: str = "H2"
    width: int = 8
    height: int = 16
    x_title: str | None = None
    y_title: str | None = None
    labels: bool = False
    value_format: str = "General"
    colors: Sequence[str] = ()


@dataclass(frozen=True)
class ListValidation:
    """A drop-down list on cells of an owned sheet (``cells``: an A1 range, row 1 the header). Other
    text may still be typed: Excel only warns, and what was typed is kept."""

    cells: str
    choices: Sequence[str]
    prompt: str | None = None


@dataclass(frozen=True)
class OwnedSheet:
    """A sheet the tool owns: rewritten whole on every write. Values only, never formulas."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[CellValue]]
    widths: Sequence[float] | None = None
    number_formats: Mapping[int, str] = field(default_factory=dict)
    charts: Sequence[ChartSpec] = ()
    validations: Sequence[ListValidation] = ()
    look: Look | None = None  # how it reads on screen and prints (see .look); None: plain cells


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


# -- fingerprints and locks ------------------------------------------------------------------------------


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


# -- validating what the caller asks for ---------------------------------------------------------------------


def _check_title(title: str) -> None:
    bad = (
        not title.strip()
        or len(title) > 31
        or any(ch in _BAD_TITLE_CHARS for ch in title)
        or title.startswith("'")
        or title.endswith("'")
        or title.casefold() == "history"
    )
    if bad:
        raise WorkbookError("write_bad_sheet_title", sheet=title)


def _validate(sheets: Sequence[OwnedSheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        _check_title(sheet.title)
        key = sheet.title.casefold()
        if key in seen:
            raise WorkbookError("write_duplicate_sheet", sheet=sheet.title)
        seen.add(key)
        nrows = len(sheet.rows) + 1
        ncols = max([len(sheet.header), *map(len, sheet.rows)]) if sheet.rows else len(sheet.header)
        if nrows > MAX_ROWS or ncols > MAX_COLS:
            raise WorkbookError("write_too_large", sheet=sheet.title, rows=nrows, columns=ncols)
        for chart in sheet.charts:
            _chart_plan(sheet, chart, sheet.title)  # raises on a bad range or kind


def _cell_value(sheet: OwnedSheet, row: int, col: int) -> object:
    if row == 1:
        return sheet.header[col] if col < len(sheet.header) else None
    index = row - 2
    if index >= len(sheet.rows):
        return None
    values = sheet.rows[index]
    return values[col] if col < len(values) else None


def _range_values(sheet: OwnedSheet, ref: str) -> list[object]:
    r1, c1, r2, c2 = ooxml.parse_range(ref)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
        raise ValueError(f"{ref} is larger than 100,000 cells")
    return [_cell_value(sheet, r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _chart_plan(sheet: OwnedSheet, chart: ChartSpec, title: str) -> ChartPlan:
    try:
        if chart.kind not in ("bar", "column", "line", "pie"):
            raise ValueError(f"unknown chart kind {chart.kind!r}")
        if not chart.series:
            raise ValueError("a chart needs at least one series")
        row, col = ooxml.parse_cell(chart.anchor)
        width, height = max(1, chart.width), max(1, chart.height)
        categories = ooxml.absolute_range(title, chart.categories) if chart.categories else None
        category_cache = _range_values(sheet, chart.categories) if chart.categories else []
        series = [(s.title, ooxml.absolute_range(title, s.values), _range_values(sheet, s.values))
                  for s in chart.series]
    except ValueError as exc:
        raise WorkbookError("write_bad_chart", sheet=sheet.title, chart=chart.title, reason=str(exc)) from exc
    anchor = (row - 1, col, min(row - 1 + height, MAX_ROWS - 1), min(col + width, MAX_COLS - 1))
    return ChartPlan(chart.kind, chart.title, categories, category_cache, series, anchor, chart.x_title,
                     chart.y_title, chart.labels, chart.value_format, tuple(chart.colors))


# -- the package and what changes in it ---------------------------------------------------------------------


@dataclass
class _SheetEntry:
    name: str
    sheet_id: int
    rid: str
    rel_type: str
    part: str | None


class _Package:
    """The source zip: its parts, the workbook's sheets, and the edits planned for the new zip."""

    def __init__(self, zf: zipfile.ZipFile, label: str) -> None:
        self.zf = zf
        self.label = label
        self.infos = zf.infolist()
        self.by_lower: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            key = info.filename.lower()
            if key in self.by_lower:
                raise PackageError(f"the part {info.filename} is in the zip twice")
            self.by_lower[key] = info
        self.replaced: dict[str, bytes | Blob] = {}
        self.added: dict[str, bytes | Blob] = {}
        self.removed: set[str] = set()
        self._allocated: set[str] = set()
        self._rels_cache: dict[str, Relationships] = {}

        self.content_types = ContentTypes(self.xml(CONTENT_TYPES))
        root_rels = Relationships("", self.xml("_rels/.rels"))
        main = next((t for r, t in root_rels.targets() if r.type == ooxml.REL_OFFICE_DOCUMENT), None)
        if main is None or not self.exists(main):
            raise PackageError("no workbook part")
        self.workbook_name = self.real_name(main)
        self.workbook = self.xml(self.workbook_name)
        namespace = etree.QName(self.workbook.root).namespace
        if namespace == ooxml.NS_STRICT_MAIN:
            raise WorkbookError("write_strict_unsupported", file=label)
        if namespace != NS_MAIN:
            raise PackageError(f"{self.workbook_name} is not a SpreadsheetML workbook")
        self.workbook_rels = self.rels(self.workbook_name)
        pr = self._wb_child("workbookPr")
        self.date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
        self.sheets = self._read_sheets()

    # parts
    def exists(self, name: str) -> bool:
        key = name.lower()
        return key in self.by_lower and key not in {r.lower() for r in self.removed}

    def real_name(self, name: str) -> str:
        return self.by_lower[name.lower()].filename

    def read(self, name: str) -> bytes:
        return self.zf.read(self.by_lower[name.lower()])

    def xml(self, name: str) -> XmlPart:
        if name.lower() not in self.by_lower:
            raise PackageError(f"missing part {name}")
        return XmlPart(self.real_name(name), self.read(name))

    def rels(self, source: str) -> Relationships:
        name = rels_name(source)
        if name not in self._rels_cache:
            part = self.xml(name) if name.lower() in self.by_lower else None
            self._rels_cache[name] = Relationships(source, part)
        return self._rels_cache[name]

    def free_name(self, pattern: str) -> str:
        taken = {n.lower() for n in self.by_lower if n.lower() not in {r.lower() for r in self.removed}}
        taken |= {n.lower() for n in self._allocated}
        n = 1
        while pattern.format(n).lower() in taken:
            n += 1
        name = pattern.format(n)
        self._allocated.add(name)
        return name

    def put(self, name: str, data: bytes | Blob) -> None:
        """Write ``name`` in the new zip: in place when it exists, at the end when new."""
        key = name.lower()
        self.removed = {r for r in self.removed if r.lower() != key}
        if key in self.by_lower:
            self.replaced[self.real_name(name)] = data
        else:
            self.added[name] = data

    # workbook
    def _wb_child(self, tag: str) -> etree._Element | None:
        for el in self.workbook.root:
            if local_name(el) == tag:
                return el
        return None

    def _read_sheets(self) -> list[_SheetEntry]:
        sheets_el = self._wb_child("sheets")
        if sheets_el is None:
            raise PackageError("the workbook lists no sheets")
        out = []
        for el in sheets_el:
            if local_name(el) != "sheet":
                continue
            rid = el.get(qn(NS_R, "id"), "")
            rel = self.workbook_rels.by_id(rid)
            part = None
            if rel is not None and not rel.external:
                target = ooxml.resolve_target(self.workbook_name, rel.target)
                part = self.real_name(target) if target.lower() in self.by_lower else None
            out.append(_SheetEntry(el.get("name", ""), int(el.get("sheetId", "0") or 0), rid,
                                   rel.type if rel else "", part))
        return out

    def find_sheet(self, title: str) -> _SheetEntry | None:
        key = title.casefold()
        return next((s for s in self.sheets if s.name.casefold() == key), None)

    def add_sheet(self, title: str) -> str:
        folder = _folder(self.workbook_name)
        part = self.free_name(f"{folder}worksheets/sheet{{}}.xml")
        rid = self.workbook_rels.add(ooxml.REL_WORKSHEET, part)
        sheets_el = self._wb_child("sheets")
        assert sheets_el is not None
        sheet_id = max([s.sheet_id for s in self.sheets] + [0]) + 1
        in_scope = sheets_el.nsmap
        # declare r: on the new element when the book binds it nowhere above (openpyxl declares it per sheet)
        nsmap = {"r": NS_R} if in_scope.get("r") != NS_R and "r" not in in_scope else None
        el = ooxml.sub_element(sheets_el, qn(NS_MAIN, "sheet"), nsmap)
        el.set("name", title)
        el.set("sheetId", str(sheet_id))
        el.set(qn(NS_R, "id"), rid)
        self.workbook.changed = True
        self.content_types.add_override(part, ooxml.CT_WORKSHEET)
        self.sheets.append(_SheetEntry(title, sheet_id, rid, ooxml.REL_WORKSHEET, part))
        return part

    # what hangs off an owned sheet
    def _all_referrers(self) -> dict[str, set[str]]:
        referrers: dict[str, set[str]] = {}
        for info in self.infos:
            name = info.filename
            if not name.lower().endswith(".rels"):
                continue
            folder, base = name.rsplit("/", 1) if "/" in name else ("", name)
            if not folder.endswith("_rels"):
                continue
            source = (folder[: -len("_rels")] + base[: -len(".rels")]).lstrip("/")
            try:
                rels = self.rels(source)
            except PackageError:
                continue
            for _rel, target in rels.targets():
                referrers.setdefault(target.lower(), set()).add(source.lower())
        return referrers

    def remove_subtree(self, sheet_part: str) -> None:
        """Remove the parts only the old owned sheet referred to (its old drawing, charts...)."""
        rels_part = rels_name(sheet_part)
        if rels_part.lower() not in self.by_lower:
            return
        referrers = self._all_referrers()
        found: set[str] = set()
        todo = [t for _r, t in self.rels(sheet_part).targets()]
        while todo:
            target = todo.pop().lower()
            if target in found or target not in self.by_lower or target == sheet_part.lower():
                continue
            found.add(target)
            todo.extend(t for _r, t in self.rels(self.real_name(target)).targets())
        changed = True
        while changed:
            changed = False
            inside = found | {sheet_part.lower()}
            for part in list(found):
                if not referrers.get(part, set()) <= inside:
                    found.discard(part)
                    changed = True
        doomed = {self.real_name(p) for p in found}
        doomed |= {self.real_name(rels_name(p)) for p in doomed if rels_name(p).lower() in self.by_lower}
        doomed.add(self.real_name(rels_part))
        self.removed |= doomed

    def tab_selected(self, sheet_part: str) -> bool:
        with self.zf.open(self.by_lower[sheet_part.lower()]) as fh:
            head = fh.read(65536)
        return re.search(rb'<(?:\w+:)?sheetView\b[^>]*\btabSelected="(?:1|true)"', head) is not None

    # recalculation
    def formulas_refer_to(self, titles: Sequence[str], owned_parts: set[str]) -> bool:
        """Whether a formula in a sheet the tool does not own, or a defined name, names an owned sheet."""
        needles_text = [t.casefold().replace("'", "''") for t in titles]
        names_el = self._wb_child("definedNames")
        if names_el is not None:
            for el in names_el:
                if (el.get("name") or "").startswith("_xlnm."):
                    continue  # print titles, print areas, filter ranges: nothing to recalculate
                if any(n in (el.text or "").casefold() for n in needles_text):
                    return True
        raw_needles = []
        quick_needles = []  # fewer needles, one of which is in a part wherever one of raw_needles is
        for t in titles:
            # the longest stretch of the title that XML writes as it is, or as character references
            longest = max(re.split(r"['&<>\"]", t), key=len)
            needles = [longest.encode("utf-8").lower()]
            if not longest.isascii():
                needles.append("".join(c if c.isascii() else f"&#{ord(c)};" for c in longest).encode().lower())
                needles.append("".join(c if c.isascii() else f"&#x{ord(c):x};" for c in longest).encode().lower())
            raw_needles += needles
            # its longest ASCII stretch is in each of them (a bilingual title's English half)
            ascii_run = max(re.split(r"[^\x00-\x7f]", longest), key=len).encode().lower()
            quick_needles += [ascii_run] if len(ascii_run) >= 4 else needles
        for sheet in self.sheets:
            if sheet.part is None or sheet.part.lower() in owned_parts:
                continue
            info = self.by_lower[sheet.part.lower()]
            with self.zf.open(info) as fh:
                if not ooxml.scan_chunks(fh.read, quick_needles):
                    continue
            with self.zf.open(info) as fh:
                if quick_needles != raw_needles and not ooxml.scan_chunks(fh.read, raw_needles):
                    continue
            with self.zf.open(info) as fh:
                for _event, el in etree.iterparse(fh, tag=qn(NS_MAIN, "f"), huge_tree=True,
                                                  resolve_entities=False, no_network=True):
                    text = (el.text or "").casefold()
                    if any(n in text for n in needles_text):
                        return True
                    el.clear()
        return False

    def full_calc_on_load(self) -> bool:
        """Whether the workbook already asks Excel to recalculate everything when it opens."""
        calc = self._wb_child("calcPr")
        return calc is not None and (calc.get("fullCalcOnLoad") or "").lower() in ("1", "true")

    def set_full_calc_on_load(self) -> bool:
        if self.full_calc_on_load():
            return False
        calc = self._wb_child("calcPr")
        if calc is not None:
            calc.set("fullCalcOnLoad", "1")
        else:
            calc = etree.Element(qn(NS_MAIN, "calcPr"))
            calc.set("fullCalcOnLoad", "1")
            before = ("sheets", "functionGroups", "externalReferences", "definedNames")
            index = max(i for i, el in enumerate(self.workbook.root) if local_name(el) in before or i == 0)
            ooxml.insert_child(self.workbook.root, index + 1, calc)
        self.workbook.changed = True
        return True

    def drop_calc_chain(self, sheet_ids: set[int]) -> None:
        """Drop calcChain.xml when it lists cells of a replaced sheet (Excel rebuilds it)."""
        target = next((t for r, t in self.workbook_rels.targets() if r.type == ooxml.REL_CALC_CHAIN), None)
        if target is None or not self.exists(target):
            return
        current = 0
        hit = False
        for _event, el in etree.iterparse(self.zf.open(self.by_lower[target.lower()]), tag=qn(NS_MAIN, "c")):
            if el.get("i"):
                current = int(el.get("i", "0"))
            if current in sheet_ids:
                hit = True
                break
            el.clear()
        if hit:
            name = self.real_name(target)
            self.removed.add(name)
            self.workbook_rels.remove_targets({name})


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's title -> its part in the zip (a sheet whose part is missing is left out)."""
    return {s.name: s.part for s in _Package(zf, zf.filename or "").sheets if s.part}


def _folder(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` -> ``xl/worksheets/``."""
    return part.rsplit("/", 1)[0] + "/" if "/" in part else ""


def _render_sheet(pkg: _Package, styles: Styles, sheet: OwnedSheet, title: str, part: str, selected: bool,
                  spool: contextlib.ExitStack) -> SheetLook | None:
    """Generate the worksheet part (and its drawing and charts) and queue them in ``pkg``; the look it
    was given, applied."""
    drawing_rid = None
    if sheet.charts:
        folder = _folder(_folder(part).rstrip("/"))
        drawing = pkg.free_name(f"{folder}drawings/drawing{{}}.xml")
        chart_rels = []
        anchors = []
        for n, chart in enumerate(sheet.charts, start=1):
            plan = _chart_plan(sheet, chart, title)
            chart_part = pkg.free_name(f"{folder}charts/chart{{}}.xml")
            pkg.put(chart_part, ooxml.chart_xml(plan))
            pkg.content_types.add_override(chart_part, ooxml.CT_CHART)
            rid = f"rId{n}"
            chart_rels.append((rid, ooxml.relative_target(drawing, chart_part)))
            anchors.append((plan.anchor, rid, chart.title or f"Chart {n}"))
        pkg.put(drawing, ooxml.drawing_xml(anchors))
        pkg.put(rels_name(drawing), ooxml.drawing_rels_xml(chart_rels))
        pkg.content_types.add_override(drawing, ooxml.CT_DRAWING)
        pkg.put(rels_name(part), ooxml.sheet_rels_xml(ooxml.relative_target(part, drawing)))
        pkg.content_types.ensure_rels_default()
        drawing_rid = "rId1"
    validations = tuple((v.cells, tuple(v.choices), v.prompt) for v in sheet.validations)
    look = plan_look(sheet.header, sheet.rows, sheet.look, styles) if sheet.look is not None else None
    if look is None:
        lines = max([1, *(str(h).count("\n") + 1 for h in sheet.header)])
        layout = SheetLayout(sheet.widths, lines, True, selected, drawing_rid, validations=validations)
        cell_styles = CellStyles(styles, sheet.number_formats)
    else:
        widths = list(sheet.widths) if sheet.widths else look.widths
        layout = SheetLayout(widths, look.header_lines, True, selected, drawing_rid, look.freeze_columns,
                             look.sheet_pr, look.after_data, look.page, look.row_heights, look.show_grid,
                             validations=validations)
        cell_styles = CellStyles(styles, {**look.number_formats, **sheet.number_formats}, wrap=look.wrap,
                                 decimal_formats=look.decimal_formats, top=look.top, header_fill=look.header_fill)
    chunks = (c.encode("utf-8") for c in ooxml.worksheet_xml(sheet.header, sheet.rows, cell_styles, layout,
                                                              pkg.date1904))
    sink = spool.enter_context(tempfile.SpooledTemporaryFile(max_size=64 << 20))  # noqa: SIM115 (closed by spool)
    pkg.put(part, ooxml.compress_chunks(chunks, sink, level=SHEET_DEFLATE_LEVEL))
    return look


@dataclass
class _Built:
    replaced: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    full_calc: bool


def _build(source: Path, sheets: Sequence[OwnedSheet], out: IO[bytes]) -> _Built:
    """Write the new package to ``out``."""
    with contextlib.ExitStack() as stack:
        zf = stack.enter_context(zipfile.ZipFile(source))
        raw = stack.enter_context(open(source, "rb"))
        pkg = _Package(zf, source.name)

        styles_target = next((t for r, t in pkg.workbook_rels.targets() if r.type == ooxml.REL_STYLES), None)
        if styles_target is not None and pkg.exists(styles_target):
            styles_part = pkg.xml(styles_target)
        else:
            name = _folder(pkg.workbook_name) + "styles.xml"
            if pkg.exists(name):
                name = pkg.free_name(_folder(pkg.workbook_name) + "styles{}.xml")
            styles_part = ooxml.minimal_styles(name)
            pkg.workbook_rels.add(ooxml.REL_STYLES, name)
            pkg.content_types.add_override(name, ooxml.CT_STYLES)
        styles = Styles(styles_part)

        plans: list[tuple[OwnedSheet, str, str, bool]] = []
        replaced_ids: set[int] = set()
        for sheet in sheets:
            existing = pkg.find_sheet(sheet.title)
            if existing is not None:
                if existing.rel_type != ooxml.REL_WORKSHEET or existing.part is None:
                    raise WorkbookError("write_sheet_not_worksheet", sheet=existing.name, file=source.name)
                pkg.remove_subtree(existing.part)
                replaced_ids.add(existing.sheet_id)
                plans.append((sheet, existing.name, existing.part, pkg.tab_selected(existing.part)))
            else:
                plans.append((sheet, sheet.title, "", False))
        for i, (sheet, title, part, selected) in enumerate(plans):
            if not part:
                part = pkg.add_sheet(title)
                plans[i] = (sheet, title, part, selected)
        positions = {s.part.lower(): i for i, s in enumerate(pkg.sheets) if s.part}
        wanted_names: dict[int, dict[str, str | None]] = {}
        for sheet, title, part, selected in plans:
            look = _render_sheet(pkg, styles, sheet, title, part, selected, stack)
            filter_ref, titles, area = ((look.filter_ref, look.print_titles, look.print_area) if look is not None
                                        else (None, False, None))
            wanted_names[positions[part.lower()]] = names.sheet_names(title, filter_ref, titles, area)
        names.set_sheet_names(pkg.workbook, wanted_names)

        owned_parts = {part.lower() for _s, _t, part, _sel in plans}
        full_calc = False
        # (a book that recalculates on opening already needs nothing: its sheets' formulas are not read)
        if not pkg.full_calc_on_load() and pkg.formulas_refer_to([title for _s, title, _p, _sel in plans], owned_parts):
            full_calc = pkg.set_full_calc_on_load()
        if replaced_ids:
            pkg.drop_calc_chain(replaced_ids)

        pkg.content_types.remove_overrides(pkg.removed)
        for edited in (pkg.content_types.part, pkg.workbook, pkg.workbook_rels.part, styles_part):
            if edited.changed:
                pkg.put(edited.name, edited.to_bytes())

        writer = ooxml.ZipWriter(out)
        removed = {r.lower() for r in pkg.removed}
        replaced_lower = {k.lower(): k for k in pkg.replaced}
        for info in pkg.infos:
            key = info.filename.lower()
            if key in removed:
                continue
            new = pkg.replaced.get(replaced_lower[key]) if key in replaced_lower else None
            if new is None:
                writer.copy_raw(raw, info.header_offset, info)
            elif isinstance(new, bytes):
                writer.add_bytes(info.filename, new)
            else:
                writer.add_blob(info.filename, new)
        for name, data in pkg.added.items():
            if isinstance(data, bytes):
                writer.add_bytes(name, data)
            else:
                writer.add_blob(name, data)
        writer.close()
        return _Built(tuple(pkg.replaced), tuple(pkg.added), tuple(sorted(pkg.removed)), full_calc)


# -- temp files, backups, the switch -----------------------------------------------------------------------


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


def read_owned_sheet(path: Path, title: str) -> list[list[CellValue]]:
    """The values of sheet ``title`` (matched ignoring case), header row first; ``[]`` when there is
    no such sheet. Empty cells are ``None``; numbers come back as floats or ints as stored."""
    return read_owned_sheets(path, [title])[title]


def read_owned_sheets(path: Path, titles: Sequence[str]) -> dict[str, list[list[CellValue]]]:
    """:func:`read_owned_sheet` for each of ``titles``, the book opened once (opening a big book reads
    its whole shared-strings table)."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.exists():
        raise WorkbookError("write_file_missing", file=path.name, path=str(path))
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for unreadable files
        raise WorkbookError("write_not_a_workbook", file=path.name, path=str(path), reason=str(exc)) from exc
    found: dict[str, list[list[CellValue]]] = {}
    try:
        for title in titles:
            name = next((n for n in book.sheet_names if str(n).casefold() == title.casefold()), None)
            out = [] if name is None else _as_cells(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            while out and all(v is None for v in out[-1]):
                out.pop()
            found[title] = out
    finally:
        book.close()
    return found


_AS_THEY_ARE = frozenset({str, int, float, bool, date, datetime, Decimal, type(None)})


def _as_cells(rows: Sequence[list[Any]]) -> list[list[CellValue]]:
    """calamine's rows as cell values: ``""`` (an empty cell) as None, times as text. When every value
    is one a cell holds as it is (the usual case: 1.9 million of them for 100,000 members), only the
    rows with an empty cell are copied, and no value goes through a function."""
    if set(map(type, chain.from_iterable(rows))) <= _AS_THEY_ARE:
        return [[None if v == "" else v for v in row] if "" in row else row for row in rows]
    return [[None if v == "" else _as_cell(v) for v in row] for row in rows]


def _as_cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | Decimal | date):
        return value
    return str(value)  # calamine gives a time or a timedelta for time-only cells
