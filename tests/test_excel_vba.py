"""The VBA project builder: MS-OVBA compression and encryption, the compound file, read back by oletools/olefile."""

from __future__ import annotations

import io
import struct

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from loyalsheet.workbook import vba
from loyalsheet.workbook.cfb import CompoundFileError, write_compound_file


def olevba_decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


# -- compression -------------------------------------------------------------------------------------------


def test_compression_matches_the_specification_example() -> None:
    # MS-OVBA 3.2.1: "abcdefghijklmnopqrstuv." compresses to exactly these bytes
    assert vba.compress(b"abcdefghijklmnopqrstuv.") == b"\x01\x19\xb0\x00abcdefgh\x00ijklmnop\x00qrstuv."
    # MS-OVBA 3.2.2: the spec's compressed bytes decompress to its text (with both decompressors)
    spec = bytes.fromhex("012FB000236161616263646582660070616768696A0138086 16B6C00306D6E6F700671027004107273747576107778797A003C"
                         .replace(" ", ""))
    text = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
    assert vba.decompress(spec) == text
    assert olevba_decompress(spec) == text
    assert vba.decompress(vba.compress(text)) == text


def _roundtrip(data: bytes) -> None:
    packed = vba.compress(data)
    ours, theirs = vba.decompress(packed), olevba_decompress(packed)
    assert ours == theirs
    last = data[len(data) - len(data) % vba.CHUNK:] if len(data) % vba.CHUNK else b""
    if ours != data:
        # the one case MS-OVBA cannot represent: a short, incompressible last chunk is stored raw, padded
        assert last and len(ours) == len(data) + (vba.CHUNK - len(last)) and ours.startswith(data)
        assert set(ours[len(data):]) == {0}
    else:
        assert ours == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=9, max_codepoint=126), max_size=12000))
def test_text_compresses_and_decompresses_exactly(text: str) -> None:
    data = vba.crlf(text).encode("ascii")
    packed = vba.compress(data)
    assert vba.decompress(packed) == data
    assert olevba_decompress(packed) == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=9000) | st.lists(st.sampled_from([b"Sub ", b"End Sub\r\n", b"a", b"\x00", b"RunPython"]),
                                            max_size=3000).map(b"".join))
def test_any_bytes_round_trip(data: bytes) -> None:
    _roundtrip(data)


def test_real_sources_round_trip() -> None:
    from loyalsheet.workbook.macro_book import vba_sources

    for text in vba_sources().values():
        data = vba.crlf(text).encode("ascii")
        assert olevba_decompress(vba.compress(data)) == data


def test_malformed_containers_are_refused() -> None:
    for bad in (b"", b"\x02abc", b"\x01\x19", b"\x01\xff\x0f"):
        with pytest.raises(vba.VbaError):
            vba.decompress(bad)


# -- encryption of the PROJECT stream's protection properties --------------------------------------------------


def test_decrypts_what_excel_wrote() -> None:
    # CMG, DPB and GC of an unprotected, visible project saved by Excel (xlwings' quickstart_standalone.xlsm)
    project_id = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
    key = sum(project_id.encode()) & 0xFF
    assert vba.decrypt("8D8FA61394EA98EA98EA98EA98") == (key, b"\x00\x00\x00\x00")
    assert vba.decrypt("8D8FA61394EF95EF95EF") == (key, b"\x00")
    assert vba.decrypt("8D8FA61394EF95EF9510") == (key, b"\xff")


@given(st.binary(max_size=40), st.integers(0, 255))
def test_encryption_round_trips(data: bytes, seed: int) -> None:
    key, plain = vba.decrypt(vba.encrypt(data, vba.PROJECT_ID, seed))
    assert plain == data
    assert key == sum(vba.PROJECT_ID.encode()) & 0xFF


# -- the compound file --------------------------------------------------------------------------------------

_NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_ 会员", min_size=1,
                max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(
    st.tuples(st.sampled_from(["", "VBA/", "VBA/sub/"]), _NAME).map("".join),
    st.binary(max_size=600) | st.integers(0, 9000).map(lambda n: bytes(i % 251 for i in range(n))),
    min_size=1, max_size=25,
))
def test_olefile_reads_every_stream_back(streams: dict[str, bytes]) -> None:
    folded = {k.upper() for k in streams}
    if any(k.upper() + "/" in {f[: len(k) + 1] for f in folded} for k in streams):
        return  # a name used both as a stream and as a storage
    if len(folded) != len(streams):
        return
    data = write_compound_file(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        listed = {"/".join(p) for p in ole.listdir(streams=True, storages=False)}
        assert listed == set(streams)
        for name, content in streams.items():
            assert ole.openstream(name).read() == content
        _check_trees(ole)
    finally:
        ole.close()


def _check_trees(ole: olefile.OleFileIO) -> None:
    """Every storage's children form a binary search tree in MS-CFB order that is a valid red-black tree."""
    entries = ole.direntries

    def key(sid: int) -> tuple[int, str]:
        name = entries[sid].name
        return (len(name.encode("utf-16-le")), name.upper())

    def walk(sid: int, lo: tuple[int, str] | None, hi: tuple[int, str] | None) -> int:
        if sid == olefile.NOSTREAM:
            return 1
        e = entries[sid]
        assert (lo is None or key(sid) > lo) and (hi is None or key(sid) < hi)
        if e.color == 0:  # red: its children are black
            for child in (e.sid_left, e.sid_right):
                assert child == olefile.NOSTREAM or entries[child].color == 1
        left, right = walk(e.sid_left, lo, key(sid)), walk(e.sid_right, key(sid), hi)
        assert left == right, "black heights differ"
        return left + (1 if e.color == 1 else 0)

    for e in entries:
        if e is not None and e.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE):
            walk(e.sid_child, None, None)
            if e.sid_child != olefile.NOSTREAM:
                assert entries[e.sid_child].color == 1


def test_bad_names_are_refused() -> None:
    for streams in ({"a/b": b"1", "A": b"2"}, {"x" * 32: b""}, {"a!b": b""}, {"a": b"1", "A": b"2"}):
        with pytest.raises(CompoundFileError):
            write_compound_file(streams)


# -- a whole project ------------------------------------------------------------------------------------------


MODULE = 'Attribute VB_Name = "Buttons"\nOption Explicit\n\nSub Hello()\n    MsgBox "hi"\nEnd Sub\n'


def test_project_parses_with_olevba_and_holds_the_sources() -> None:
    modules = [
        vba.VbaModule("ThisWorkbook", "document", ""),
        vba.VbaModule("Sheet1", "document", "Private Sub Worksheet_Activate()\nEnd Sub\n"),
        vba.VbaModule("Buttons", "standard", MODULE),
        vba.VbaModule("Thing", "class", 'VERSION 1.0 CLASS\nBEGIN\n  MultiUse = -1  \'True\nEND\n'
                                         'Attribute VB_Name = "Thing"\nAttribute VB_Exposed = False\nPublic X\n'),
    ]
    data = vba.build_vba_project(modules)
    assert data == vba.build_vba_project(modules), "the project is not deterministic"
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x00\x00"
        project = ole.openstream("PROJECT").read().decode("cp1252")
        for line in ("Document=ThisWorkbook/&H00000000", "Document=Sheet1/&H00000000", "Module=Buttons",
                     "Class=Thing", 'Name="VBAProject"', "[Host Extender Info]"):
            assert line in project.splitlines()
        cmg = next(x for x in project.splitlines() if x.startswith("CMG="))[5:-1]
        assert vba.decrypt(cmg)[1] == struct.pack("<I", 0)
        wm = ole.openstream("PROJECTwm").read()
        assert wm.endswith(b"Thing\x00" + "Thing".encode("utf-16-le") + b"\x00\x00\x00\x00")
    finally:
        ole.close()
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        found = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert set(found) == {"ThisWorkbook", "Sheet1", "Buttons", "Thing"}
    for module in modules:  # exactly the source given, with the attributes Excel keeps in the stream
        assert found[module.name] == vba.module_source(module)
    assert found["Buttons"] == vba.crlf(MODULE)
    assert found["Sheet1"].endswith("Attribute VB_Customizable = True\r\nPrivate Sub Worksheet_Activate()\r\nEnd Sub\r\n")
    assert found["Thing"].endswith('Attribute VB_Exposed = False\r\nAttribute VB_TemplateDerived = False\r\n'
                                   'Attribute VB_Customizable = False\r\nPublic X\r\n')
    assert "VERSION 1.0" not in found["Thing"]
    assert vba.module_source(modules[3]).startswith(
        'Attribute VB_Name = "Thing"\r\nAttribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"\r\n')


def test_project_refuses_what_vba_cannot_hold() -> None:
    with pytest.raises(vba.VbaError, match="code page"):
        vba.build_vba_project([vba.VbaModule("M", "standard", 'Attribute VB_Name = "M"\nSub A()\n MsgBox "发送"\nEnd Sub\n')])
    with pytest.raises(vba.VbaError, match="VB_Name"):
        vba.build_vba_project([vba.VbaModule("M", "standard", 'Attribute VB_Name = "N"\n')])
    with pytest.raises(vba.VbaError, match="same name"):
        vba.build_vba_project([vba.VbaModule("M", "standard", 'Attribute VB_Name = "M"\n')] * 2)
