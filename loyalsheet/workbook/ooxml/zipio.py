"""The zip itself: entries copied as raw compressed bytes and new parts deflated (:class:`ZipWriter`),
parts compressed ahead of time in a second thread (:func:`compress_chunks`), and a chunked search of a
part's bytes (:func:`scan_chunks`).
"""

from __future__ import annotations

import queue
import struct
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from .parts import PackageError

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
