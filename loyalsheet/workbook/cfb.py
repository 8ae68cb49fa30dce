"""Write a Microsoft compound file (MS-CFB, "OLE2"): the container a VBA project (``vbaProject.bin``) lives in.

Only writing, and only what a VBA project needs: version 3 (512-byte sectors), storages and streams given
as paths (``"VBA/dir"``), streams under 4096 bytes in the mini stream. Everything is deterministic (no
timestamps, no random CLSIDs), so the same streams always give the same bytes. Reading is left to
``olefile``, which the tests use to check what is written here.

Layout of the file written: header, the regular streams' sectors, the mini stream's sectors, the mini
FAT, the directory, then the FAT (which lists itself). Sibling entries of each storage form a balanced
red-black tree ordered as MS-CFB 2.6.4 says: shorter names first, then by upper-cased UTF-16 code units.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_DIFAT = 109
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


class CompoundFileError(ValueError):
    """The streams asked for cannot be written as a compound file (bad name, too large)."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    sid: int = -1
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    return (len(name.encode("utf-16-le")), name.upper())


def _check_name(name: str) -> None:
    if not name or len(name.encode("utf-16-le")) > 62 or any(ch in name for ch in "/\\:!"):
        raise CompoundFileError(f"bad entry name {name!r}: 1-31 characters, none of / \\ : !")


def _tree(paths: Mapping[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", _ROOT)
    for path, data in paths.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            _check_name(part)
            node = node.children.setdefault(part.upper(), _Entry(part, _STORAGE))
            if node.kind != _STORAGE:
                raise CompoundFileError(f"{path}: {part} is a stream, not a storage")
        _check_name(parts[-1])
        if parts[-1].upper() in node.children:
            raise CompoundFileError(f"{path} is given twice")
        node.children[parts[-1].upper()] = _Entry(parts[-1], _STREAM, bytes(data))
    return root


def _number(entry: _Entry, order: list[_Entry]) -> None:
    """Give every entry its directory index, parents before children."""
    entry.sid = len(order)
    order.append(entry)
    for child in sorted(entry.children.values(), key=lambda e: _sort_key(e.name)):
        _number(child, order)


def _balance(siblings: list[_Entry]) -> int:
    """Link sorted siblings into a balanced binary search tree coloured as a valid red-black tree: every
    level is full except perhaps the deepest, whose nodes are red; the root's index is returned."""
    depth_of: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        node = siblings[mid]
        depth_of[mid] = depth
        node.left = build(lo, mid, depth + 1)
        node.right = build(mid + 1, hi, depth + 1)
        return node.sid

    root = build(0, len(siblings), 0)
    if siblings:
        deepest = max(depth_of.values())
        full = len(siblings) == 2 ** (deepest + 1) - 1
        for i, node in enumerate(siblings):
            node.color = _RED if depth_of[i] == deepest and not full and deepest > 0 else _BLACK
    return root


def _link(entry: _Entry) -> None:
    siblings = sorted(entry.children.values(), key=lambda e: _sort_key(e.name))
    entry.child = _balance(siblings)
    for child in siblings:
        _link(child)


def _sectors(data: bytes, size: int) -> bytes:
    pad = (-len(data)) % size
    return data + b"\x00" * pad


def _dir_entry(e: _Entry | None) -> bytes:
    if e is None:
        return b"\x00" * 64 + struct.pack("<HBB3I16sIQQIQ", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\x00" * 16,
                                          0, 0, 0, 0, 0)
    name = e.name.encode("utf-16-le") + b"\x00\x00"
    return name.ljust(64, b"\x00") + struct.pack(
        "<HBB3I16sIQQIQ", len(name), e.kind, e.color, e.left, e.right, e.child, b"\x00" * 16, 0, 0, 0,
        e.start if e.kind != _STORAGE else 0, e.size,
    )


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """The bytes of a compound file holding ``streams``: ``{"PROJECT": b"...", "VBA/dir": b"..."}``.

    Storages are made for the folders the paths name. Raises :class:`CompoundFileError` for a name MS-CFB
    does not allow or a file too large for a header-only FAT list (about 7 MB).
    """
    root = _tree(streams)
    order: list[_Entry] = []
    _number(root, order)
    _link(root)
    root.left = root.right = NOSTREAM

    fat: list[int] = []
    body = bytearray()

    def place(data: bytes) -> int:
        count = -(-len(data) // SECTOR)
        if count == 0:
            return ENDOFCHAIN
        first = len(fat)
        fat.extend(range(first + 1, first + count))
        fat.append(ENDOFCHAIN)
        body.extend(_sectors(data, SECTOR))
        return first

    mini = bytearray()
    minifat: list[int] = []
    for e in order:
        if e.kind != _STREAM:
            continue
        e.size = len(e.data)
        if e.size >= MINI_CUTOFF:
            e.start = place(e.data)
        elif e.size:
            first = len(minifat)
            count = -(-e.size // MINI_SECTOR)
            minifat.extend(range(first + 1, first + count))
            minifat.append(ENDOFCHAIN)
            mini.extend(_sectors(e.data, MINI_SECTOR))
            e.start = first
    root.size = len(mini)
    root.start = place(bytes(mini)) if mini else ENDOFCHAIN
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_bytes = _sectors(minifat_bytes + struct.pack("<I", FREESECT) * ((-len(minifat)) % 128), SECTOR)
    first_minifat = place(minifat_bytes) if minifat else ENDOFCHAIN
    directory = b"".join(_dir_entry(e) for e in order)
    directory += b"".join(_dir_entry(None) for _ in range((-len(order)) % 4))
    first_dir = place(directory)

    n_fat = 0
    while n_fat * 128 < len(fat) + n_fat:
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise CompoundFileError("the compound file is too large for this writer (over 109 FAT sectors)")
    fat_start = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * 128 - len(fat)))
    difat = list(range(fat_start, fat_start + n_fat)) + [FREESECT] * (_HEADER_DIFAT - n_fat)
    header = (
        SIGNATURE + b"\x00" * 16
        + struct.pack("<HHHHH6sIIIIIIIII", 0x003E, 0x0003, 0xFFFE, 9, 6, b"\x00" * 6, 0, n_fat, first_dir, 0,
                      MINI_CUTOFF, first_minifat, len(minifat_bytes) // SECTOR if minifat else 0, ENDOFCHAIN, 0)
        + struct.pack(f"<{_HEADER_DIFAT}I", *difat)
    )
    assert len(header) == SECTOR
    return header + bytes(body) + struct.pack(f"<{len(fat)}I", *fat)
