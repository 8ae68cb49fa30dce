"""Office Open XML plumbing for the surgical writer: zip parts, relationships, content types, styles, cells.

Nothing here loads a whole workbook. Parts are copied from one zip to the next as raw compressed bytes
(:class:`ZipWriter`), the few XML parts that list sheets are edited in place with lxml keeping their
declaration, prefixes and every element the writer does not touch (:class:`XmlPart`), and the parts
the tool owns (worksheets, drawings, charts) are generated as text.
"""

from __future__ import annotations

import posixpath
import queue
import re
import struct
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from lxml import etree

from .schema import column_letter

# -- namespaces, relationship types, content types -------------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"

REL_OFFICE_DOCUMENT = NS_R + "/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_STYLES = NS_R + "/styles"
REL_DRAWING = NS_R + "/drawing"
REL_CHART = NS_R + "/chart"
REL_CALC_CHAIN = NS_R + "/calcChain"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

CONTENT_TYPES = "[Content_Types].xml"
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL_TEXT = 32_767

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)
_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>\s*")
_DECL_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class PackageError(Exception):
    """The zip or one of its XML parts is not what an Office file must be; ``reason`` says what."""


# -- XML parts edited in place ---------------------------------------------------------------------


class XmlPart:
    """An XML part parsed with lxml and written back with its original declaration and prefixes."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.original = data
        self.changed = False
        match = _DECLARATION.match(data)
        self._prolog = match.group(0) if match else b""
        try:
            self.root: etree._Element = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise PackageError(f"{name}: {exc}") from exc

    def to_bytes(self) -> bytes:
        """The part as bytes: the original bytes when nothing changed."""
        if not self.changed:
            return self.original
        encoding = "UTF-8"
        enc = _DECL_ENCODING.search(self._prolog)
        if enc is not None:
            encoding = enc.group(1).decode("ascii")
        if encoding.upper().replace("-", "") != "UTF8":
            whole = etree.tostring(self.root.getroottree(), encoding=encoding, xml_declaration=True)
            assert isinstance(whole, bytes)
            return whole
        body = etree.tostring(self.root.getroottree(), encoding="UTF-8", xml_declaration=False)
        assert isinstance(body, bytes)
        return self._prolog + body


def qn(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def append_child(parent: etree._Element, child: etree._Element) -> None:
    """Append ``child`` keeping the parent's indentation style (pretty-printed or not)."""
    kids = [k for k in parent]
    if kids:
        last = kids[-1]
        child.tail = last.tail
        last.tail = kids[-2].tail if len(kids) >= 2 else parent.text
    parent.append(child)


def sub_element(parent: etree._Element, tag: str, nsmap: dict[str, str] | None = None) -> etree._Element:
    """A new last child of ``parent`` (declaring ``nsmap`` on it), indented like its siblings."""
    kids = [k for k in parent]
    child = etree.SubElement(parent, tag, nsmap=nsmap) if nsmap else etree.SubElement(parent, tag)
    if kids:
        child.tail = kids[-1].tail
        kids[-1].tail = kids[-2].tail if len(kids) >= 2 else parent.text
    return child


def insert_child(parent: etree._Element, index: int, child: etree._Element) -> None:
    """Insert ``child`` at ``index`` keeping the indentation style."""
    kids = [k for k in parent]
    if index >= len(kids):
        append_child(parent, child)
        return
    if index == 0:
        child.tail = parent.text
    else:
        child.tail = kids[index - 1].tail
    parent.insert(index, child)


def canonical(element: etree._Element) -> tuple[Any, ...]:
    """A comparable form of an element: tag, attributes and children, ignoring whitespace between them."""
    attrs = tuple(sorted((str(k), str(v)) for k, v in element.attrib.items()))
    text = (element.text or "").strip()
    return (element.tag, attrs, text, tuple(canonical(k) for k in element if isinstance(k.tag, str)))


# -- part names, relationships, content types -----------------------------------------------------


def rels_name(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve_target(source_part: str, target: str) -> str:
    """A relationship target, relative to its source part (or absolute), as a zip entry name.
    (OPC stores a part under its name as written, percent escapes included, so none are decoded.)"""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    base = posixpath.dirname(source_part)
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def relative_target(source_part: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source_part) or ".")


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # as written
    external: bool


class Relationships:
    """A ``.rels`` part (existing or new) of the part ``source``."""

    def __init__(self, source: str, part: XmlPart | None) -> None:
        self.source = source
        if part is None:
            data = (XML_DECLARATION + f'<Relationships xmlns="{NS_PKG_REL}"></Relationships>').encode()
            part = XmlPart(rels_name(source), data)
            part.changed = True
        self.part = part

    def items(self) -> list[Relationship]:
        out = []
        for el in self.part.root:
            if local_name(el) == "Relationship":
                out.append(
                    Relationship(
                        el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                        (el.get("TargetMode") or "").lower() == "external",
                    )
                )
        return out

    def by_id(self, rid: str) -> Relationship | None:
        return next((r for r in self.items() if r.id == rid), None)

    def targets(self) -> list[tuple[Relationship, str]]:
        """Internal relationships with their resolved zip entry names."""
        return [(r, resolve_target(self.source, r.target)) for r in self.items() if not r.external]

    def new_id(self) -> str:
        used = {r.id for r in self.items()}
        n = 1
        while f"rId{n}" in used:
            n += 1
        return f"rId{n}"

    def add(self, rel_type: str, part: str) -> str:
        rid = self.new_id()
        el = etree.Element(qn(NS_PKG_REL, "Relationship"))
        el.set("Id", rid)
        el.set("Type", rel_type)
        el.set("Target", relative_target(self.source, part))
        append_child(self.part.root, el)
        self.part.changed = True
        return rid

    def remove_targets(self, parts: set[str]) -> None:
        lowered = {p.lower() for p in parts}
        for el in list(self.part.root):
            if local_name(el) != "Relationship" or (el.get("TargetMode") or "").lower() == "external":
                continue
            if resolve_target(self.source, el.get("Target", "")).lower() in lowered:
                _remove(el)
                self.part.changed = True


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # keep the whitespace that followed the previous sibling; drop this element and its own tail
    prev = element.getprevious()
    if prev is not None and element.getnext() is None:
        prev.tail = element.tail
    parent.remove(element)


class ContentTypes:
    """``[Content_Types].xml``: defaults by extension and overrides by part name."""

    def __init__(self, part: XmlPart) -> None:
        self.part = part

    def of(self, part_name: str) -> str | None:
        wanted = "/" + part_name.lower()
        ext = posixpath.splitext(part_name)[1].lstrip(".").lower()
        default = None
        for el in self.part.root:
            name = local_name(el)
            if name == "Override" and (el.get("PartName") or "").lower() == wanted:
                return el.get("ContentType")
            if name == "Default" and (el.get("Extension") or "").lower() == ext:
                default = el.get("ContentType")
        return default

    def add_override(self, part_name: str, content_type: str) -> None:
        if self.of(part_name) == content_type:
            return
        el = etree.Element(qn(NS_CT, "Override"))
        el.set("PartName", "/" + part_name)
        el.set("ContentType", content_type)
        append_child(self.part.root, el)
        self.part.changed = True

    def ensure_rels_default(self) -> None:
        for el in self.part.root:
            if local_name(el) == "Default" and (el.get("Extension") or "").lower() == "rels":
                return
        el = etree.Element(qn(NS_CT, "Default"))
        el.set("Extension", "rels")
        el.set("ContentType", CT_RELS)
        insert_child(self.part.root, 0, el)
        self.part.changed = True

    def remove_overrides(self, parts: set[str]) -> None:
        lowered = {"/" + p.lower() for p in parts}
        for el in list(self.part.root):
            if local_name(el) == "Override" and (el.get("PartName") or "").lower() in lowered:
                _remove(el)
                self.part.changed = True


# -- styles: only ever appended --------------------------------------------------------------------

BUILTIN_FORMATS = {
    "general": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "0.00e+00": 11, "@": 49,
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_MINIMAL_STYLES = (
    XML_DECLARATION
    + f'<styleSheet xmlns="{NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

# CT_Stylesheet children in schema order
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst")


def minimal_styles(name: str) -> XmlPart:
    part = XmlPart(name, _MINIMAL_STYLES.encode())
    part.changed = True
    return part


class Styles:
    """The book's ``styles.xml``. New fonts, number formats and cell formats are appended, and an
    identical entry appended by an earlier write is reused, so existing indexes never move."""

    def __init__(self, part: XmlPart) -> None:
        self.part = part
        self.ns = etree.QName(part.root).namespace or NS_MAIN
        self._cache: dict[tuple[Any, ...], int] = {}
        self._bold: int | None = None

    def _child(self, tag: str, create: bool) -> etree._Element | None:
        for el in self.part.root:
            if local_name(el) == tag:
                return el
        if not create:
            return None
        el = etree.Element(qn(self.ns, tag))
        later = _STYLE_ORDER[_STYLE_ORDER.index(tag) + 1:]
        index = len(self.part.root)
        for i, kid in enumerate(self.part.root):
            if local_name(kid) in later:
                index = i
                break
        insert_child(self.part.root, index, el)
        self.part.changed = True
        return el

    def _append(self, container: etree._Element, element: etree._Element) -> int:
        items = [k for k in container if isinstance(k.tag, str)]
        append_child(container, element)
        container.set("count", str(len(items) + 1))
        self.part.changed = True
        return len(items)

    def number_format(self, code: str) -> int:
        builtin = BUILTIN_FORMATS.get(code.lower())
        if builtin is not None:
            return builtin
        numfmts = self._child("numFmts", create=False)
        ids = [163]
        if numfmts is not None:
            for el in numfmts:
                if local_name(el) != "numFmt":
                    continue
                if el.get("formatCode") == code:
                    return int(el.get("numFmtId", "0"))
                ids.append(int(el.get("numFmtId", "0")))
        numfmts = self._child("numFmts", create=True)
        assert numfmts is not None
        new_id = max(ids) + 1
        el = etree.Element(qn(self.ns, "numFmt"))
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        self._append(numfmts, el)
        return new_id

    def bold_font(self) -> int:
        if self._bold is not None:
            return self._bold
        fonts = self._child("fonts", create=True)
        assert fonts is not None
        items = [k for k in fonts if isinstance(k.tag, str)]
        base = etree.fromstring(etree.tostring(items[0])) if items else etree.Element(qn(self.ns, "font"))
        for kid in list(base):
            if local_name(kid) == "b":
                base.remove(kid)
        base.insert(0, etree.Element(qn(self.ns, "b")))
        for kid in base:
            kid.tail = None
        base.text = None
        wanted = canonical(base)
        for i, font in enumerate(items):
            if canonical(font) == wanted:
                self._bold = i
                return i
        self._bold = self._append(fonts, base)
        return self._bold

    def _find_or_append(self, tag: str, element: etree._Element) -> int:
        """The index of an entry of list ``tag`` equal to ``element``, appended when there is none."""
        container = self._child(tag, create=True)
        assert container is not None
        wanted = canonical(element)
        for i, existing in enumerate(k for k in container if isinstance(k.tag, str)):
            if canonical(existing) == wanted:
                return i
        return self._append(container, element)

    def fill(self, rgb: str) -> int:
        """A solid fill of colour ``rgb`` (``"FCE4D6"``)."""
        fill = etree.Element(qn(self.ns, "fill"))
        pattern = etree.SubElement(fill, qn(self.ns, "patternFill"))
        pattern.set("patternType", "solid")
        etree.SubElement(pattern, qn(self.ns, "fgColor")).set("rgb", "FF" + rgb.upper())
        etree.SubElement(pattern, qn(self.ns, "bgColor")).set("indexed", "64")
        return self._find_or_append("fills", fill)

    def dxf(self, fill: str | None = None, bold: bool = False, color: str | None = None) -> int:
        """A differential format (what a conditional format applies): a fill, bold, a font colour."""
        dxf = etree.Element(qn(self.ns, "dxf"))
        if bold or color:
            font = etree.SubElement(dxf, qn(self.ns, "font"))
            if bold:
                etree.SubElement(font, qn(self.ns, "b"))
            if color:
                etree.SubElement(font, qn(self.ns, "color")).set("rgb", "FF" + color.upper())
        if fill:
            pattern = etree.SubElement(etree.SubElement(dxf, qn(self.ns, "fill")), qn(self.ns, "patternFill"))
            pattern.set("patternType", "solid")
            etree.SubElement(pattern, qn(self.ns, "fgColor")).set("rgb", "FF" + fill.upper())
            etree.SubElement(pattern, qn(self.ns, "bgColor")).set("rgb", "FF" + fill.upper())
        return self._find_or_append("dxfs", dxf)

    def cell_format(self, num_fmt: int = 0, bold: bool = False, wrap: bool = False, fill: str | None = None,
                    top: bool = False) -> int:
        """A cell format: number format, bold, wrapped text, a fill colour, aligned to the top."""
        key = (num_fmt, bold, wrap, fill, top)
        if key in self._cache:
            return self._cache[key]
        font = self.bold_font() if bold else 0
        fill_id = self.fill(fill) if fill else 0
        xf = etree.Element(qn(self.ns, "xf"))
        for attr, value in (("numFmtId", num_fmt), ("fontId", font), ("fillId", fill_id), ("borderId", 0),
                            ("xfId", 0)):
            xf.set(attr, str(value))
        if num_fmt:
            xf.set("applyNumberFormat", "1")
        if bold:
            xf.set("applyFont", "1")
        if fill_id:
            xf.set("applyFill", "1")
        if wrap or top:
            xf.set("applyAlignment", "1")
            align = etree.SubElement(xf, qn(self.ns, "alignment"))
            align.set("vertical", "top" if top else "center")
            if wrap:
                align.set("wrapText", "1")
        xfs = self._child("cellXfs", create=True)
        assert xfs is not None
        wanted = canonical(xf)
        for i, existing in enumerate(k for k in xfs if isinstance(k.tag, str)):
            if canonical(existing) == wanted:
                self._cache[key] = i
                return i
        index = self._append(xfs, xf)
        self._cache[key] = index
        return index


# -- cell values -------------------------------------------------------------------------------------

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _escape_match(match: re.Match[str]) -> str:
    s = match.group(0)
    if len(s) > 1:  # a literal "_x0041_" in the text: escape its underscore so Excel does not decode it
        return "_x005F" + s
    entity = _ENTITIES.get(s)
    if entity is not None:
        return entity
    return f"_x{ord(s):04X}_"


def cell_text(value: str) -> str:
    """Text for an inline-string cell: XML-escaped, control characters as Excel's ``_xHHHH_`` escapes."""
    if len(value) > MAX_CELL_TEXT:
        value = value[:MAX_CELL_TEXT]
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return _NEEDS_ESCAPE.sub(_escape_match, value)


def plain_text(value: str) -> str:
    """Text for drawing and chart parts: XML-escaped, characters XML cannot hold dropped."""
    value = _ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_LEAP_BUG_END = date(1900, 3, 1)
_FIRST_1900 = date(1900, 1, 1)


def excel_serial(value: date, date1904: bool) -> str | None:
    """A date or date-time as Excel's serial number text, or ``None`` when Excel cannot show it."""
    day = value.date() if isinstance(value, datetime) else value
    if date1904:
        days = (day - _EPOCH_1904).days
        if days < 0:
            return None
    else:
        if day < _FIRST_1900:
            return None
        days = (day - _EPOCH_1900).days
        if day < _LEAP_BUG_END:
            days -= 1  # Excel counts a 29 February 1900 that never was
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        if seconds:
            return repr(days + seconds / 86400)
    return str(days)


def number_text(value: float | Decimal) -> str | None:
    """A number as it goes in ``<v>``; ``None`` for NaN and infinities (written as ``#NUM!``)."""
    f = float(value)
    if f != f or f in (float("inf"), float("-inf")):
        return None
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def parse_cell(ref: str) -> tuple[int, int]:
    """``"B3"`` -> (row 3, column index 1)."""
    match = _CELL_REF.match(ref.strip())
    if match is None:
        raise ValueError(ref)
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    row = int(match.group(2))
    if not (1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
        raise ValueError(ref)
    return row, col - 1


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"A2:B9"`` -> (first row, first column, last row, last column); rows 1-based, columns 0-based."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def absolute_range(title: str, ref: str) -> str:
    r1, c1, r2, c2 = parse_range(ref)
    return f"{quote_sheet(title)}!${column_letter(c1)}${r1}:${column_letter(c2)}${r2}"


# -- worksheet part ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetLayout:
    """How a generated worksheet looks, apart from its cells.

    The optional parts are XML fragments made by :mod:`.look`, each put where the schema wants it:
    ``sheet_pr`` before the dimension, ``after_data`` (autofilter, conditional formats) after the
    cells, ``page`` (print options, margins, page set-up, footer) in place of the default margins."""

    widths: Sequence[float] | None
    header_lines: int
    freeze_header: bool
    tab_selected: bool
    drawing_rid: str | None
    freeze_columns: int = 0
    sheet_pr: str = ""
    after_data: str = ""
    page: str = ""
    row_heights: Sequence[str] | None = None  # each data row's height attributes, in order
    show_grid: bool = True
    validations: tuple[tuple[str, tuple[str, ...], str | None], ...] = ()  # (cells, choices, prompt)


class CellStyles:
    """Style indexes for one sheet's cells, asked of :class:`Styles` only when first needed.

    ``number_formats`` by column; ``decimal_formats`` by column for the Decimal values of a column
    that holds counts and money alike (a Dashboard); ``wrap`` the columns whose text wraps; ``top``
    aligns every cell to the top (rows of wrapped text read from their first line);
    ``header_fill`` colours the header row."""

    def __init__(self, styles: Styles, number_formats: Mapping[int, str], *, wrap: frozenset[int] = frozenset(),
                 decimal_formats: Mapping[int, str] | None = None, top: bool = False,
                 header_fill: str | None = None) -> None:
        self._styles = styles
        self._formats = dict(number_formats)
        self._decimal_formats = dict(decimal_formats or {})
        self._wrap = wrap
        self._top = top
        self._by_column: dict[int, str] = {}
        self._by_decimal: dict[int, str] = {}
        self._date: str | None = None
        self._datetime: str | None = None
        self.header = self._attr(styles.cell_format(0, bold=True, wrap=True, fill=header_fill))

    @staticmethod
    def _attr(index: int) -> str:
        return f' s="{index}"' if index else ""

    def _format(self, code: str | None, col: int) -> str:
        number = self._styles.number_format(code) if code else 0
        if not number and not self._top and col not in self._wrap:
            return ""
        return self._attr(self._styles.cell_format(number, wrap=col in self._wrap, top=self._top))

    def column(self, col: int) -> str:
        attr = self._by_column.get(col)
        if attr is None:
            attr = self._by_column[col] = self._format(self._formats.get(col), col)
        return attr

    def decimal(self, col: int) -> str:
        """The style of a Decimal value in column ``col``."""
        if col not in self._decimal_formats:
            return self.column(col)
        attr = self._by_decimal.get(col)
        if attr is None:
            attr = self._by_decimal[col] = self._format(self._decimal_formats[col], col)
        return attr

    def date(self, col: int, with_time: bool) -> str:
        """The style of a date in column ``col``: the column's format when it is a date format, else the
        date (or date and time) format (a date in a column of counts, the Report's event day)."""
        code = self._formats.get(col)
        if code is not None and is_date_format(code):
            return self.column(col)
        if with_time:
            if self._datetime is None:
                self._datetime = self._format(DATETIME_FORMAT, -1)
            return self._datetime
        if self._date is None:
            self._date = self._format(DATE_FORMAT, -1)
        return self._date


def is_date_format(code: str) -> bool:
    """Whether a number format shows a date or time (quoted text, such as a currency, aside)."""
    bare = re.sub(r'"[^"]*"|\\.', "", code).lower()
    return any(ch in bare for ch in "ydhs") or ("mm" in bare and "0" not in bare)


def _text_cell(ref: str, style: str, value: str) -> str:
    body = cell_text(value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{body}</t></is></c>'


def render_cell(ref: str, col: int, value: object, styles: CellStyles, date1904: bool) -> str:
    """One ``<c>`` element, or ``""`` for an empty value. Text is always an inline string, never a formula."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_cell(ref, styles.column(col), value) if value else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{styles.column(col)} t="b"><v>{1 if value else 0}</v></c>'
    if isinstance(value, int):
        if abs(value) < 10**15:
            return f'<c r="{ref}"{styles.column(col)}><v>{value}</v></c>'
        value = float(value)
    if isinstance(value, float | Decimal):
        text = number_text(value)
        style = styles.decimal(col) if isinstance(value, Decimal) else styles.column(col)
        if text is None:
            return f'<c r="{ref}"{style} t="e"><v>#NUM!</v></c>'
        return f'<c r="{ref}"{style}><v>{text}</v></c>'
    if isinstance(value, date):
        serial = excel_serial(value, date1904)
        if serial is None:
            return _text_cell(ref, "", value.isoformat())
        return f'<c r="{ref}"{styles.date(col, isinstance(value, datetime))}><v>{serial}</v></c>'
    return _text_cell(ref, styles.column(col), str(value))


_ORD_1900 = _EPOCH_1900.toordinal()
_ORD_1904 = _EPOCH_1904.toordinal()
_FIRST_FAST_1900 = 61  # serial of 1900-03-01: later dates need no leap-year fix


def _text_tail(value: str) -> str:
    """What follows the style of an inline-string cell holding ``value`` (not empty)."""
    text = cell_text(value)
    if value[0].isspace() or value[-1].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f' t="inlineStr"><is><t>{text}</t></is></c>'


def _rows_xml(
    header: Sequence[str], rows: Iterable[Sequence[Any]], styles: CellStyles, date1904: bool, header_lines: int,
    ncols: int, row_heights: Sequence[str] | None = None,
) -> Iterator[str]:
    """The ``<row>`` elements (``row_heights``: each data row's height attributes, or ``""``). The loop dispatches on the exact type of each value (the common cases
    inline, everything else through :func:`render_cell`); a text is escaped once however many cells
    hold it (segment names, reasons): 1.9 million cells take a couple of seconds."""
    letters = [column_letter(i) for i in range(ncols)]
    if header:
        height = f' ht="{15 * header_lines}" customHeight="1"' if header_lines > 1 else ""
        cells = "".join(_text_cell(f"{letters[c]}1", styles.header, str(v)) for c, v in enumerate(header) if v)
        yield f'<row r="1"{height}>{cells}</row>'
    col_style = [styles.column(c) for c in range(ncols)]
    dec_style = [styles.decimal(c) for c in range(ncols)]
    date_style: dict[int, str] = {}
    dt_style: dict[int, str] = {}
    base = _ORD_1904 if date1904 else _ORD_1900
    first_fast = 0 if date1904 else _FIRST_FAST_1900
    tails: dict[str, str] = {}  # text -> the rest of its cell after the style
    tail_of = tails.get
    buf: list[str] = []
    for r, row in enumerate(rows, start=2):
        rs = str(r)
        out: list[str] = []
        add = out.append
        for c, v in enumerate(row):
            tv = type(v)
            if tv is str:
                if not v:
                    continue
                tail = tail_of(v)
                if tail is None:
                    tail = tails[v] = _text_tail(v)
                add(f'<c r="{letters[c]}{rs}"{col_style[c]}{tail}')
            elif v is None:
                continue
            elif tv is int and -1_000_000_000_000_000 < v < 1_000_000_000_000_000:
                add(f'<c r="{letters[c]}{rs}"{col_style[c]}><v>{v}</v></c>')
            elif tv is float and -1e15 < v < 1e15:
                num = str(int(v)) if v.is_integer() else repr(v)
                add(f'<c r="{letters[c]}{rs}"{col_style[c]}><v>{num}</v></c>')
            elif tv is Decimal and -1e15 < (f := float(v)) < 1e15:  # as number_text() writes it
                num = str(int(f)) if f.is_integer() else repr(f)
                add(f'<c r="{letters[c]}{rs}"{dec_style[c]}><v>{num}</v></c>')
            elif tv is date and v.toordinal() - base >= first_fast:
                st = date_style.get(c)
                if st is None:
                    st = date_style[c] = styles.date(c, False)
                add(f'<c r="{letters[c]}{rs}"{st}><v>{v.toordinal() - base}</v></c>')
            elif tv is datetime and v.toordinal() - base >= first_fast:
                st = dt_style.get(c)
                if st is None:
                    st = dt_style[c] = styles.date(c, True)
                days = v.toordinal() - base
                secs = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
                add(f'<c r="{letters[c]}{rs}"{st}><v>{repr(days + secs / 86400) if secs else days}</v></c>')
            else:
                add(render_cell(letters[c] + rs, c, v, styles, date1904))
        if out:
            height = row_heights[r - 2] if row_heights is not None else ""
            buf.append(f'<row r="{rs}"{height}>{"".join(out)}</row>')
            if len(buf) >= 500:
                yield "".join(buf)
                buf.clear()
    if buf:
        yield "".join(buf)


def worksheet_xml(
    header: Sequence[str], rows: Sequence[Sequence[object]], styles: CellStyles, layout: SheetLayout, date1904: bool,
) -> Iterator[str]:
    """A worksheet part, as chunks of text."""
    ncols = max([len(header), *map(len, rows)]) if rows or header else 0
    nrows = len(rows) + 1 if rows else (1 if header else 0)
    dimension = f"A1:{column_letter(max(ncols, 1) - 1)}{max(nrows, 1)}" if ncols else "A1"
    head = [
        XML_DECLARATION,
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">',
        layout.sheet_pr,
        f'<dimension ref="{dimension}"/>',
        '<sheetViews><sheetView workbookViewId="0"' + (' tabSelected="1"' if layout.tab_selected else "")
        + ("" if layout.show_grid else ' showGridLines="0"') + ">",
    ]
    if layout.freeze_header and header and layout.freeze_columns:
        corner = f"{column_letter(layout.freeze_columns)}2"
        head.append(f'<pane xSplit="{layout.freeze_columns}" ySplit="1" topLeftCell="{corner}" activePane="bottomRight"'
                    ' state="frozen"/><selection pane="topRight"/><selection pane="bottomLeft"/>'
                    f'<selection pane="bottomRight" activeCell="{corner}" sqref="{corner}"/>')
    elif layout.freeze_header and header:
        head.append('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
    head.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if layout.widths:
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{float(w):.6g}" customWidth="1"/>'
            for i, w in enumerate(layout.widths) if w and w > 0
        )
        if cols:
            head.append(f"<cols>{cols}</cols>")
    head.append("<sheetData>")
    yield "".join(head)
    yield from _rows_xml(header, rows, styles, date1904, layout.header_lines, ncols, layout.row_heights)
    page = layout.page or '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    tail = [f"</sheetData>{layout.after_data}{validations_xml(layout.validations)}{page}"]
    if layout.drawing_rid:
        tail.append(f'<drawing r:id="{layout.drawing_rid}"/>')
    tail.append("</worksheet>")
    yield "".join(tail)


def validations_xml(validations: Sequence[tuple[str, Sequence[str], str | None]]) -> str:
    """``<dataValidations>``: a drop-down list on each range; any other text only draws a warning (and is
    kept). The choices are one quoted list (Excel allows 255 characters; commas cannot be in a choice)."""
    if not validations:
        return ""
    out = [f'<dataValidations count="{len(validations)}">']
    for cells, choices, prompt in validations:
        listed = ",".join(c.replace(",", " ").replace('"', "'") for c in choices)[:255]
        tip = f' prompt="{plain_text(prompt[:255])}"' if prompt else ""
        formula = plain_text(f'"{listed}"')
        out.append(f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showInputMessage="1" '
                   f'showErrorMessage="1"{tip} sqref="{cells}"><formula1>{formula}</formula1></dataValidation>')
    out.append("</dataValidations>")
    return "".join(out)


def sheet_rels_xml(drawing_target: str) -> bytes:
    return (
        XML_DECLARATION
        + f'<Relationships xmlns="{NS_PKG_REL}">'
        + f'<Relationship Id="rId1" Type="{REL_DRAWING}" Target="{plain_text(drawing_target)}"/>'
        + "</Relationships>"
    ).encode()


# -- drawings and charts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPlan:
    """A chart ready to serialise: kind, titles, absolute ranges and the cached values they hold."""

    kind: str
    title: str
    categories: str | None
    category_cache: Sequence[object]
    series: Sequence[tuple[str | None, str, Sequence[object]]]  # (title, values formula, cached values)
    anchor: tuple[int, int, int, int]  # from row, from col, to row, to col (0-based)
    x_title: str | None
    y_title: str | None
    labels: bool = False  # values on the bars, slices or points (a pie: and percentages)
    value_format: str = "General"  # of the value axis and the labels, e.g. "#,##0"
    colors: Sequence[str] = ()  # one fill per point (category), e.g. tiers in their colours


def _labels(plan: ChartPlan) -> str:
    if not plan.labels:
        return ""
    pie = plan.kind == "pie"
    # (a pie's percentages would take the values' format too: its values keep their own)
    number = "" if pie else f'<c:numFmt formatCode="{plain_text(plan.value_format)}" sourceLinked="0"/>'
    return (f"<c:dLbls>{number}"
            '<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>'
            + ('<c:dLblPos val="outEnd"/>' if plan.kind in ("bar", "column") else "")
            + f'<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
            f'<c:showPercent val="{1 if pie else 0}"/><c:showBubbleSize val="0"/>'
            + ('<c:separator>\n</c:separator><c:showLeaderLines val="1"/>' if pie else "")
            + "</c:dLbls>")


def _rich(text: str) -> str:
    return (
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr>"
        f"<a:r><a:t>{plain_text(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title>"
    )


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool) and number_text(v) is not None


def _cache(values: Sequence[object], numeric: bool) -> str:
    pts = []
    for i, v in enumerate(values):
        if numeric:
            if _is_number(v):
                pts.append(f'<c:pt idx="{i}"><c:v>{number_text(v)}</c:v></c:pt>')  # type: ignore[arg-type]
        elif v is not None and v != "":
            text = v.isoformat() if isinstance(v, date) else str(v)
            pts.append(f'<c:pt idx="{i}"><c:v>{plain_text(text)}</c:v></c:pt>')
    count = f'<c:ptCount val="{len(values)}"/>'
    if numeric:
        return f"<c:numCache><c:formatCode>General</c:formatCode>{count}{''.join(pts)}</c:numCache>"
    return f"<c:strCache>{count}{''.join(pts)}</c:strCache>"


def _ref(formula: str, values: Sequence[object], numeric: bool) -> str:
    kind = "numRef" if numeric else "strRef"
    return f"<c:{kind}><c:f>{plain_text(formula)}</c:f>{_cache(values, numeric)}</c:{kind}>"


# Office's default palette; written out because LibreOffice draws series without one unfilled
PALETTE = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E", "636363", "997300")


def _fill(i: int, colors: Sequence[str] = ()) -> str:
    color = colors[i % len(colors)] if colors else PALETTE[i % len(PALETTE)]
    return f'<a:solidFill><a:srgbClr val="{plain_text(color)}"/></a:solidFill>'


def chart_xml(plan: ChartPlan) -> bytes:
    """A ``c:chartSpace`` part for a bar, column, line or pie chart."""
    sers = []
    numeric_cats = bool(plan.category_cache) and all(_is_number(v) for v in plan.category_cache)
    for i, (title, formula, values) in enumerate(plan.series):
        parts = [f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>']
        if title:
            parts.append(f"<c:tx><c:v>{plain_text(title)}</c:v></c:tx>")
        if plan.kind in ("bar", "column"):
            parts.append(f'<c:spPr>{_fill(i)}</c:spPr><c:invertIfNegative val="0"/>')
            for p in range(len(values) if plan.colors and len(plan.series) == 1 else 0):
                parts.append(f'<c:dPt><c:idx val="{p}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/>'
                             f'<c:spPr>{_fill(p, plan.colors)}</c:spPr></c:dPt>')
        elif plan.kind == "line":
            parts.append(f'<c:spPr><a:ln w="28575" cap="rnd">{_fill(i)}<a:round/></a:ln></c:spPr>'
                         f'<c:marker><c:symbol val="circle"/><c:size val="5"/><c:spPr>{_fill(i)}</c:spPr></c:marker>')
        else:
            parts.append('<c:spPr><a:ln w="12700"><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:ln></c:spPr>')
            for p in range(len(values)):
                parts.append(f'<c:dPt><c:idx val="{p}"/><c:bubble3D val="0"/>'
                             f'<c:spPr>{_fill(p, plan.colors)}</c:spPr></c:dPt>')
        parts.append(_labels(plan))
        if plan.categories:
            parts.append(f"<c:cat>{_ref(plan.categories, plan.category_cache, numeric_cats)}</c:cat>")
        parts.append(f"<c:val>{_ref(formula, values, True)}</c:val>")
        if plan.kind == "line":
            parts.append('<c:smooth val="0"/>')
        parts.append("</c:ser>")
        sers.append("".join(parts))
    body = "".join(sers)
    axes = ""
    if plan.kind == "pie":
        plot = f'<c:pieChart><c:varyColors val="1"/>{body}<c:firstSliceAng val="0"/></c:pieChart>'
    else:
        if plan.kind == "line":
            plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{body}'
                    '<c:marker val="1"/><c:axId val="500000001"/><c:axId val="500000002"/></c:lineChart>')
        else:
            bar_dir = "bar" if plan.kind == "bar" else "col"
            plot = (f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
                    f'{body}<c:gapWidth val="150"/><c:axId val="500000001"/><c:axId val="500000002"/></c:barChart>')
        cat_pos, val_pos = ("l", "b") if plan.kind == "bar" else ("b", "l")
        axes = (
            f'<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{cat_pos}"/>'
            + (_rich(plan.x_title) if plan.x_title else "")
            + '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/>'
            '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
            '<c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{val_pos}"/><c:majorGridlines/>'
            + (_rich(plan.y_title) if plan.y_title else "")
            + f'<c:numFmt formatCode="{plain_text(plan.value_format)}" sourceLinked="0"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000001"/>'
            '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
        )
    legend = ""
    if plan.kind == "pie" or len(plan.series) > 1:
        legend = '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>'
    xml = (
        XML_DECLARATION
        + f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        '<c:roundedCorners val="0"/><c:chart>'
        + (_rich(plan.title) if plan.title else "")
        + f'<c:autoTitleDeleted val="{0 if plan.title else 1}"/>'
        f"<c:plotArea><c:layout/>{plot}{axes}</c:plotArea>{legend}"
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    )
    return xml.encode("utf-8")


def drawing_xml(anchors: Sequence[tuple[tuple[int, int, int, int], str, str]]) -> bytes:
    """A drawing part holding one graphic frame per chart: ((from row, from col, to row, to col), rId, name)."""
    frames = []
    for n, ((r1, c1, r2, c2), rid, name) in enumerate(anchors, start=2):
        frames.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{c2}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r2}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n}" name="{plain_text(name)}"/>'
            "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>"
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" r:id="{rid}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        )
    return (
        XML_DECLARATION
        + f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        + "".join(frames)
        + "</xdr:wsDr>"
    ).encode("utf-8")


def drawing_rels_xml(charts: Sequence[tuple[str, str]]) -> bytes:
    rels = "".join(
        f'<Relationship Id="{rid}" Type="{REL_CHART}" Target="{plain_text(target)}"/>' for rid, target in charts
    )
    return (XML_DECLARATION + f'<Relationships xmlns="{NS_PKG_REL}">{rels}</Relationships>').encode()


# -- zip: raw copies and new parts -------------------------------------------------------------------------

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_END_SIG = b"PK\x05\x06"
_DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1
_LIMIT32 = 0xFFFFFFFF
_CHUNK = 1 << 20


@dataclass
class _Entry:
    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    csize: int
    usize: int
    offset: int
    extract_version: int
    create_version: int
    create_system: int
    internal_attr: int
    external_attr: int


@dataclass
class Blob:
    """A part compressed ahead of time, kept in a temporary file."""

    stream: IO[bytes]
    crc: int
    csize: int
    usize: int


def compress_chunks(chunks: Iterable[bytes], sink: IO[bytes], level: int = 6) -> Blob:
    """Deflate ``chunks`` into ``sink``. zlib runs in a second thread (it releases the GIL), so it
    overlaps with the Python code producing the chunks."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    state = {"crc": 0, "usize": 0, "csize": 0}
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            while (chunk := pending.get()) is not None:
                state["crc"] = zlib.crc32(chunk, state["crc"])
                state["usize"] += len(chunk)
                out = comp.compress(chunk)
                if out:
                    sink.write(out)
                    state["csize"] += len(out)
            out = comp.flush()
            sink.write(out)
            state["csize"] += len(out)
        except BaseException as exc:  # handed to the producing thread below
            failure.append(exc)
            while pending.get() is not None:
                pass

    worker = threading.Thread(target=work, name="loyalsheet-deflate", daemon=True)
    worker.start()
    try:
        for chunk in chunks:
            if failure:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        worker.join()
    if failure:
        raise failure[0]
    sink.seek(0)
    return Blob(sink, state["crc"] & 0xFFFFFFFF, state["csize"], state["usize"])


class ZipWriter:
    """A minimal zip writer: copies entries of another zip as raw compressed bytes, adds deflated parts.

    Copying raw keeps every part the tool does not own byte-for-byte (content and compression alike)
    and costs no recompression, whatever the size of the manager's sheets.
    """

    def __init__(self, fp: IO[bytes]) -> None:
        self._fp = fp
        self._entries: list[_Entry] = []
        self._names: set[bytes] = set()

    def _start(self, entry: _Entry, extra: bytes = b"") -> None:
        if entry.name.lower() in self._names:
            raise PackageError(f"duplicate part {entry.name!r}")
        self._names.add(entry.name.lower())
        entry.offset = self._fp.tell()
        if max(entry.offset, entry.csize, entry.usize) > _LIMIT32:
            raise PackageError("the workbook is larger than 4 GB")
        self._fp.write(_LOCAL.pack(
            _LOCAL_SIG, entry.extract_version, 0, entry.flags, entry.method, entry.dos_time, entry.dos_date,
            entry.crc, entry.csize, entry.usize, len(entry.name), len(extra),
        ))
        self._fp.write(entry.name)
        self._fp.write(extra)
        self._entries.append(entry)

    def copy_raw(self, src: IO[bytes], header_offset: int, info: Any) -> None:
        """Copy one entry of ``src`` (a zip opened in binary) as it is stored; ``info`` is its ZipInfo."""
        src.seek(header_offset)
        head = src.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != _LOCAL_SIG:
            raise PackageError(f"{info.filename}: bad local header")
        fields = _LOCAL.unpack(head)
        name = src.read(fields[10])
        src.seek(fields[11], 1)
        if info.flag_bits & 0x1:
            raise PackageError(f"{info.filename}: encrypted zip entry")
        entry = _Entry(
            name=name, flags=info.flag_bits & ~0x8, method=info.compress_type, dos_time=fields[5],
            dos_date=fields[6], crc=info.CRC, csize=info.compress_size, usize=info.file_size, offset=0,
            extract_version=min(max(info.extract_version, 20), 45), create_version=info.create_version,
            create_system=info.create_system, internal_attr=info.internal_attr, external_attr=info.external_attr,
        )
        self._start(entry)
        remaining = info.compress_size
        while remaining:
            chunk = src.read(min(_CHUNK, remaining))
            if not chunk:
                raise PackageError(f"{info.filename}: truncated")
            self._fp.write(chunk)
            remaining -= len(chunk)

    def add_blob(self, name: str, blob: Blob) -> None:
        self._start(self._new_entry(name, blob.crc, blob.csize, blob.usize))
        blob.stream.seek(0)
        while chunk := blob.stream.read(_CHUNK):
            self._fp.write(chunk)

    def add_bytes(self, name: str, data: bytes, level: int = 6) -> None:
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        packed = comp.compress(data) + comp.flush()
        self._start(self._new_entry(name, zlib.crc32(data) & 0xFFFFFFFF, len(packed), len(data)))
        self._fp.write(packed)

    @staticmethod
    def _new_entry(name: str, crc: int, csize: int, usize: int) -> _Entry:
        raw = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800
        return _Entry(raw, flags, 8, 0, _DOS_DATE_1980, crc, csize, usize, 0, 20, 20, 0, 0, 0)

    def close(self) -> None:
        start = self._fp.tell()
        for e in self._entries:
            self._fp.write(_CENTRAL.pack(
                _CENTRAL_SIG, e.create_version, e.create_system, e.extract_version, 0, e.flags, e.method,
                e.dos_time, e.dos_date, e.crc, e.csize, e.usize, len(e.name), 0, 0, 0, e.internal_attr,
                e.external_attr, e.offset,
            ))
            self._fp.write(e.name)
        size = self._fp.tell() - start
        if len(self._entries) > 0xFFFF or start > _LIMIT32:
            raise PackageError("the workbook has too many parts or is larger than 4 GB")
        self._fp.write(_END.pack(_END_SIG, 0, 0, len(self._entries), len(self._entries), size, start, 0))


def scan_chunks(read: Callable[[int], bytes], needles: Sequence[bytes]) -> bool:
    """Whether any of ``needles`` (ASCII-lowercased) occurs in the stream, read in chunks."""
    needles = [n for n in needles if n]
    if not needles:
        return False
    keep = max(len(n) for n in needles) - 1
    tail = b""
    while chunk := read(_CHUNK):
        window = tail + chunk.lower()
        if any(n in window for n in needles):
            return True
        tail = window[-keep:] if keep else b""
    return False
