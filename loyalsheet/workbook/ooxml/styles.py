"""The book's ``styles.xml`` (:class:`Styles`), only ever appended to, and the style indexes of one
generated sheet's cells (:class:`CellStyles`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from .parts import NS_MAIN, XML_DECLARATION, XmlPart, append_child, canonical, insert_child, local_name, qn

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
