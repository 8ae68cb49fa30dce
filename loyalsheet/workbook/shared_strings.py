"""Store a new book's text the way Excel does: once, in a shared-strings table.

openpyxl's write-only mode writes every text cell inline (``<c r="B2" t="inlineStr"><is><t>…``), every
character outside ASCII as a character reference (``&#26085;``) and numbers with ``t="n"``. A book
saved by Excel, WPS or LibreOffice keeps each distinct text once in ``xl/sharedStrings.xml`` and
points at it from the cell (``<c r="B2" t="s"><v>17</v></c>``), all in UTF-8. :func:`share_strings`
rewrites a book openpyxl has just written that way, so a demo book is as big, and as quick to read,
as a real member file.

Worksheets are streamed: read in chunks cut just after a ``</row>`` (a cell never spans the end of a
row), rewritten, and deflated on a second thread, so a sheet of a million rows is never in memory at
once; only the table of distinct texts is. Every part is written afresh with the same fixed zip
time, so the same book gives the same bytes. Only for files this tool has just written with
openpyxl 3.1 (its exact spelling of a cell); a cell it does not recognise (rich text) stays inline.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from . import ooxml
from .ooxml import ContentTypes, PackageError, Relationships, XmlPart

__all__ = ["CT_SHARED_STRINGS", "REL_SHARED_STRINGS", "SHARED_STRINGS", "share_strings", "utf8_text"]

SHARED_STRINGS = "xl/sharedStrings.xml"
CT_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
REL_SHARED_STRINGS = ooxml.NS_R + "/sharedStrings"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_CORE = "docProps/core.xml"

_CHUNK = 1 << 20
_ROW_END = b"</row>"
_SPOOL = 16 << 20  # a deflated part up to this size stays in memory, a bigger one goes to a temporary file
_TABLE_BATCH = 20_000  # <si> items per chunk of sharedStrings.xml

# A text cell as openpyxl 3.1 writes it: group 1 is the start tag up to its type, group 3 the text.
_TEXT_CELL = re.compile(
    rb'(<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]+")?) t="inlineStr"><is><t( xml:space="preserve")?>([^<]*)</t></is>'
)
# A number's type, the default one: the only place it can be, as a quote inside an attribute value is
# written &quot; and a > in text &gt;.
_NUMBER_TYPE = b' t="n">'
_EMPTY_NUMBER_TYPE = b' t="n"/>'
_CHAR_REF = re.compile(rb"&#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7});")
_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_OTHER_ENCODING = re.compile(rb"^<\?xml[^>]*encoding=[\"'](?![Uu][Tt][Ff]-?8[\"'])")


def _char(match: re.Match[bytes]) -> bytes:
    ref = match.group(1)
    code = int(ref[1:], 16) if ref[:1] == b"x" else int(ref)
    if code < 0x80 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF) or code > 0x10FFFF:
        return match.group(0)  # ASCII stays escaped (&#13; is a carriage return XML would otherwise lose)
    return chr(code).encode("utf-8")


def utf8_text(data: bytes) -> bytes:
    """XML in UTF-8 with every character reference beyond ASCII (``&#26085;``) written as the character."""
    return _CHAR_REF.sub(_char, data) if b"&#" in data else data


def _in_utf8(head: bytes) -> bool:
    """Whether an XML part starting with ``head`` is in UTF-8 (declared so, or with no encoding declared)."""
    return _OTHER_ENCODING.match(head) is None


class _Table:
    """The distinct texts in the order first met, as Excel numbers them, and how many cells use one."""

    def __init__(self) -> None:
        self.index: dict[bytes, int] = {}  # the text as openpyxl escaped it -> its number
        self.items: list[bytes] = []  # <si> elements, UTF-8
        self.count = 0

    def cell(self, match: re.Match[bytes]) -> bytes:
        text = match.group(3)
        self.count += 1
        n = self.index.get(text)
        if n is None:
            n = self.index[text] = len(self.items)
            body = utf8_text(text)
            # leading or trailing white space (openpyxl marked it), or a line break inside, is kept as typed
            if match.group(2) is not None or b"\n" in body or b"&#13;" in body:
                self.items.append(b'<si><t xml:space="preserve">' + body + b"</t></si>")
            else:
                self.items.append(b"<si><t>" + body + b"</t></si>")
        return match.group(1) + b' t="s"><v>%d</v>' % n

    def xml(self) -> Iterator[bytes]:
        yield (ooxml.XML_DECLARATION + f'<sst xmlns="{ooxml.NS_MAIN}" count="{self.count}" '
               f'uniqueCount="{len(self.items)}">').encode("utf-8")
        for start in range(0, len(self.items), _TABLE_BATCH):
            yield b"".join(self.items[start : start + _TABLE_BATCH])
        yield b"</sst>"


def _segments(stream: IO[bytes]) -> Iterator[bytes]:
    """The part in pieces of about a megabyte, each ending just after a ``</row>`` (the last: the rest)."""
    carry = b""
    while chunk := stream.read(_CHUNK):
        data = carry + chunk
        cut = data.rfind(_ROW_END)
        if cut < 0:
            carry = data
            continue
        cut += len(_ROW_END)
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _sheet_chunks(stream: IO[bytes], table: _Table) -> Iterator[bytes]:
    utf8: bool | None = None
    for segment in _segments(stream):
        if utf8 is None:
            utf8 = _in_utf8(segment[:200])
        shared = _TEXT_CELL.sub(table.cell, segment).replace(_NUMBER_TYPE, b">").replace(_EMPTY_NUMBER_TYPE, b"/>")
        yield utf8_text(shared) if utf8 else shared


def share_strings(src: Path, dst: Path, *, created: datetime | None = None) -> None:
    """Write to ``dst`` the book ``src`` (just written by openpyxl) with its text in a shared-strings table.

    Values, styles and every other part stay as they are (character references beyond ASCII become
    UTF-8). ``created`` (UTC), when given, is written as the book's created and modified time, so the
    same rows give the same file.
    """
    with zipfile.ZipFile(src) as zin, open(dst, "wb") as out:
        infos = zin.infolist()
        names = [i.filename for i in infos]
        if SHARED_STRINGS in names:
            raise PackageError(f"{src} already has {SHARED_STRINGS}")
        types = ContentTypes(XmlPart(ooxml.CONTENT_TYPES, zin.read(ooxml.CONTENT_TYPES)))
        sheets = [n for n in names if types.of(n) == ooxml.CT_WORKSHEET]
        if not sheets or _WORKBOOK_RELS not in names:
            raise PackageError(f"{src} is not a workbook written by openpyxl")
        table = _Table()
        writer = ooxml.ZipWriter(out)
        for info in infos:
            name = info.filename
            if name in sheets:
                with zin.open(info) as stream, tempfile.SpooledTemporaryFile(max_size=_SPOOL) as sink:
                    writer.add_blob(name, ooxml.compress_chunks(_sheet_chunks(stream, table), sink))
                if name == sheets[-1]:
                    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as sink:
                        writer.add_blob(SHARED_STRINGS, ooxml.compress_chunks(table.xml(), sink))
                continue
            data = zin.read(info)
            if name == ooxml.CONTENT_TYPES:
                types.add_override(SHARED_STRINGS, CT_SHARED_STRINGS)
                data = types.part.to_bytes()
            elif name == _WORKBOOK_RELS:
                rels = Relationships(_WORKBOOK, XmlPart(name, data))
                rels.add(REL_SHARED_STRINGS, SHARED_STRINGS)
                data = rels.part.to_bytes()
            elif name == _CORE and created is not None:
                stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
                data = _CORE_TIME.sub(rb"\g<1>" + stamp + rb"\g<3>", data)
            writer.add_bytes(name, utf8_text(data) if name.endswith(".xml") and _in_utf8(data[:200]) else data)
        writer.close()
