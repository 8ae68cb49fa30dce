"""Build a VBA project (``xl/vbaProject.bin``) from VBA source text, as MS-OVBA describes it.

The project holds only source: its ``_VBA_PROJECT`` stream is the 7-byte version-independent header
(version 0xFFFF), so Excel ignores the absent compiled code (the performance cache) and compiles the
modules from their source when the book is opened. Streams written:

- ``PROJECT``: the project's text properties (modules, name, protection state, host extender);
- ``PROJECTwm``: module names in the code page and in UTF-16;
- ``VBA/_VBA_PROJECT``: the version-independent header;
- ``VBA/dir``: the project's records (MS-OVBA 2.3.4.2), compressed;
- ``VBA/<module>``: each module's source, compressed, starting at offset 0.

Everything is deterministic (fixed project GUID and encryption seed), so a template rebuilt from the
same sources has the same bytes. ``oletools.olevba`` and ``olefile`` read the result in the tests.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .cfb import write_compound_file

CHUNK = 4096
CODE_PAGE = 1252
CODEC = "cp1252"
LCID = 0x0409
SYS_KIND = 0x00000003  # 64-bit Windows, as Excel writes today; the source is recompiled on any platform

# Document module bases (MS-OVBA: VB_Base of a document module names the host object's class).
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"

ModuleKind = Literal["standard", "class", "document"]


class VbaError(ValueError):
    """VBA source that cannot go into a project as it is (not in the code page, a bad module name)."""


@dataclass(frozen=True)
class VbaModule:
    """One module: its name, kind, and its source text as the VBA editor would export it."""

    name: str
    kind: ModuleKind
    source: str


# -- MS-OVBA 2.4.1 compression -------------------------------------------------------------------------------


def _copy_token_help(difference: int) -> tuple[int, int]:
    """(bit count of the offset, maximum length) for a copy token at ``difference`` bytes into a chunk."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes) -> bytes:
    out = bytearray()
    pos, end = 0, len(data)
    # candidate positions by their first three bytes: every match of 3 or more starts at one of them
    heads: dict[bytes, list[int]] = {}
    indexed = 0
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            while indexed < pos:
                heads.setdefault(data[indexed:indexed + 3], []).append(indexed)
                indexed += 1
            bit_count, max_len = _copy_token_help(pos)
            best_len, best_off = 0, 0
            limit = min(max_len, end - pos)
            if limit >= 3:
                for cand in reversed(heads.get(data[pos:pos + 3], ())):
                    offset = pos - cand
                    if offset > (1 << bit_count):
                        break
                    length = 3
                    while length < limit and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, offset
                        if length == limit:
                            break
            if best_len >= 3:
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_len
            else:
                out.append(data[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.6: a CompressedContainer (signature byte 0x01, then one chunk per 4096 bytes).

    A chunk that does not shrink below 4096 bytes is stored raw; the format allows a raw chunk only as a
    whole 4096 bytes, so a last chunk of 3,641-4,095 incompressible bytes is, as the spec says, padded
    with zeros (never the case for source text, which always compresses).
    """
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        packed = _compress_chunk(chunk)
        if len(packed) + 2 <= 4098 and (len(packed) < CHUNK or len(chunk) < CHUNK):
            out += struct.pack("<H", 0xB000 | (len(packed) + 2 - 3))
            out += packed
        else:
            out += struct.pack("<H", 0x3000 | (4098 - 3))
            out += chunk.ljust(CHUNK, b"\x00")
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1: the bytes a CompressedContainer holds. Raises :class:`VbaError` when malformed."""
    if not data or data[0] != 1:
        raise VbaError("not a compressed container (no signature byte 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise VbaError("truncated chunk header")
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise VbaError(f"bad chunk signature at {pos}")
        chunk_end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if flags & (1 << bit):
                    if pos + 2 > chunk_end:
                        raise VbaError("truncated copy token")
                    token = struct.unpack_from("<H", data, pos)[0]
                    pos += 2
                    bit_count, _ = _copy_token_help(len(out) - start)
                    length = (token & (0xFFFF >> bit_count)) + 3
                    offset = (token >> (16 - bit_count)) + 1
                    if offset > len(out) - start:
                        raise VbaError("copy token points before the chunk")
                    for _ in range(length):
                        out.append(out[-offset])
                else:
                    out.append(data[pos])
                    pos += 1
    return bytes(out)


# -- MS-OVBA 2.4.3 data encryption (the CMG, DPB and GC properties of the PROJECT stream) --------------------


def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """MS-OVBA 2.4.3.2: ``data`` encrypted with the project key, as the hex text the PROJECT stream holds.
    The ignored bytes are fixed (0x07) instead of random, so the output is reproducible."""
    key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted1, encrypted1, encrypted2 = key, seed ^ key, seed ^ version

    def put(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte

    for _ in range((seed & 6) // 2):
        put(0x07)
    for byte in struct.pack("<I", len(data)) + data:
        put(byte)
    return out.hex().upper()


def decrypt(text: str) -> tuple[int, bytes]:
    """MS-OVBA 2.4.3.3: (project key, data) of an encrypted property value."""
    raw = bytes.fromhex(text)
    seed, version, key = raw[0], raw[1] ^ raw[0], raw[2] ^ raw[0]
    if version != 2:
        raise VbaError(f"unknown encryption version {version}")
    unencrypted1, encrypted1, encrypted2 = key, raw[2], raw[1]
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    body = bytes(plain[(seed & 6) // 2:])
    length = struct.unpack_from("<I", body)[0]
    if len(body) != 4 + length:
        raise VbaError("encrypted length does not match")
    return key, body[4:]


# -- module source ------------------------------------------------------------------------------------------


_ATTRIBUTE = re.compile(r'^Attribute VB_(\w+) = (.*)$')
_CLASS_HEADER = re.compile(r"\AVERSION 1\.0 CLASS\r?\nBEGIN\r?\n(?:.*\r?\n)*?END\r?\n")


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def module_source(module: VbaModule) -> str:
    """The text a module's stream holds: ``Attribute`` lines first (those the VBA editor hides), then code.

    A standard module's exported ``.bas`` text is kept as it is. A class's ``.cls`` export loses its
    ``VERSION 1.0 CLASS / BEGIN ... END`` header and gains the attributes Excel stores (``VB_Base``,
    ``VB_TemplateDerived``, ``VB_Customizable``). A document module gets the attributes of a workbook
    (``ThisWorkbook``) or worksheet object, then its code, if any.
    """
    text = crlf(module.source)
    if module.kind == "document":
        base = WORKBOOK_BASE if module.name == "ThisWorkbook" else WORKSHEET_BASE
        head = (
            f'Attribute VB_Name = "{module.name}"\r\nAttribute VB_Base = "{base}"\r\n'
            "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
            "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
            "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\n"
        )
        return head + text
    if module.kind == "class":
        text = _CLASS_HEADER.sub("", text, count=1)
        lines = text.split("\r\n")
        out = []
        for line in lines:
            m = _ATTRIBUTE.match(line)
            out.append(line)
            if m and m.group(1) == "Name":
                out.append(f'Attribute VB_Base = "{CLASS_BASE}"')
            elif m and m.group(1) == "Exposed":
                out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
        text = "\r\n".join(out)
    first = text.split("\r\n", 1)[0]
    if first != f'Attribute VB_Name = "{module.name}"':
        raise VbaError(f'module {module.name}: its source must start with Attribute VB_Name = "{module.name}"')
    return text


def _encode(text: str, what: str) -> bytes:
    try:
        return text.encode(CODEC)
    except UnicodeEncodeError as exc:
        raise VbaError(f"{what}: {text[exc.start:exc.end]!r} is not in code page {CODE_PAGE}; "
                       "use ChrW() or keep the text in a cell") from None


# -- the project --------------------------------------------------------------------------------------------


def _record(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _text_records(rid: int, rid_unicode: int, text: str) -> bytes:
    return _record(rid, _encode(text, "name")) + _record(rid_unicode, text.encode("utf-16-le"))


def dir_stream(project_name: str, modules: Sequence[VbaModule]) -> bytes:
    """The uncompressed ``VBA/dir`` stream: project information, no references, then the modules."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", SYS_KIND))
    out += _record(0x0002, struct.pack("<I", LCID))
    out += _record(0x0014, struct.pack("<I", LCID))
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))
    out += _record(0x0004, _encode(project_name, "project name"))
    out += _record(0x0005, b"") + _record(0x0040, b"")  # doc string
    out += _record(0x0006, b"") + _record(0x003D, b"")  # help file
    out += _record(0x0007, struct.pack("<I", 0))  # help context
    out += _record(0x0008, struct.pack("<I", 0))  # lib flags
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # version: Reserved (4) is followed by 6 bytes
    out += _record(0x000C, b"") + _record(0x003C, b"")  # constants
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # project cookie
    for module in modules:
        out += _text_records(0x0019, 0x0047, module.name)
        out += _text_records(0x001A, 0x0032, module.name)  # stream name
        out += _record(0x001C, b"") + _record(0x0048, b"")  # doc string
        out += _record(0x0031, struct.pack("<I", 0))  # source starts at offset 0: no compiled code
        out += _record(0x001E, struct.pack("<I", 0))  # help context
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # cookie
        out += _record(0x0021 if module.kind == "standard" else 0x0022, b"")
        out += _record(0x002B, b"")  # module terminator
    out += _record(0x0010, b"")
    return bytes(out)


def project_stream(project_id: str, project_name: str, modules: Sequence[VbaModule], seed: int) -> bytes:
    """The ``PROJECT`` stream: modules, name, and the protection state: not locked, no password, visible."""
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    unlocked, no_password, visible = struct.pack("<I", 0), bytes([0]), bytes([0xFF])
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(unlocked, project_id, seed)}"',
        f'DPB="{encrypt(no_password, project_id, seed)}"',
        f'GC="{encrypt(visible, project_id, seed)}"',
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
    ]
    return _encode("\r\n".join(lines) + "\r\n", "PROJECT")


def project_wm_stream(modules: Sequence[VbaModule]) -> bytes:
    out = bytearray()
    for m in modules:
        out += _encode(m.name, "module name") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


VBA_PROJECT_HEADER = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000)
PROJECT_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "loyalsheet:members.xlsm")).upper() + "}"


def build_vba_project(modules: Sequence[VbaModule], project_name: str = "VBAProject",
                      project_id: str = PROJECT_ID, seed: int = 0x5A) -> bytes:
    """The bytes of ``vbaProject.bin`` holding ``modules`` (source only, compiled by Excel on open)."""
    names = [m.name.casefold() for m in modules]
    if len(set(names)) != len(names):
        raise VbaError("two modules have the same name")
    for m in modules:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", m.name) or m.name.upper() in ("PROJECT", "DIR"):
            raise VbaError(f"bad module name {m.name!r}")
    streams = {
        "PROJECT": project_stream(project_id, project_name, modules, seed),
        "PROJECTwm": project_wm_stream(modules),
        "VBA/_VBA_PROJECT": VBA_PROJECT_HEADER,
        "VBA/dir": compress(dir_stream(project_name, modules)),
    }
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(_encode(module_source(m), f"module {m.name}"))
    return write_compound_file(streams)
