"""Namespaces, relationship and content types, the sheet size limits, and the XML parts edited in place
(:class:`XmlPart`, written back with their declaration and prefixes) with the element helpers that keep
a part's indentation.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

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
