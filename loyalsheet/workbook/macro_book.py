"""Build the member file with macros (``members.xlsm``): a Start sheet with four buttons, then every sheet
of the member file, and a VBA project compiled from ``loyalsheet/vba/`` by :mod:`.vba`.

The book is written in two steps, both on a brand-new file (never on a manager's book):

1. :func:`.template.write_book` writes the sheets with openpyxl, the Start sheet first, each sheet with
   the VBA code name (``Sheet1``...) its document module in the project has;
2. the parts a macro book adds go into the zip: ``xl/vbaProject.bin``, the buttons (a VML drawing with
   ``<x:FmlaMacro>`` for every Excel, plus the ``<controls>`` element and ``ctrlProps`` parts Excel 2010
   and later read), and the content types and relationships that declare them.

The buttons call the Subs of ``loyalsheet.bas``; those call ``RunPython`` of the embedded standalone
xlwings module, which runs :mod:`loyalsheet.excel` in Python.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.defined_name import DefinedName

from ..i18n import t
from . import ooxml
from .template import TEMPLATES_FOLDER, write_book
from .vba import VbaModule, build_vba_project

VBA_DIR = Path(__file__).resolve().parents[1] / "vba"
MACRO_TEMPLATE_PATH = TEMPLATES_FOLDER / "members.xlsm"  # the project folder's, or the installed package's
VBA_MODULE = "loyalsheet"  # the module of loyalsheet.bas
SEND_PROMPT_NAME = "LoyalsheetSendPrompt"
STATUS_NAME = "LoyalsheetStatus"
START_TITLES = {"zh": "开始", "en": "Start"}

NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = ooxml.NS_R + "/vmlDrawing"
REL_CTRL = ooxml.NS_R + "/ctrlProp"
CT_MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_CTRL = "application/vnd.ms-excel.controlproperties+xml"
_FIXED_TIME = "2026-11-01T09:00:00Z"


@dataclass(frozen=True)
class Button:
    """A form-control button on the Start sheet: the VBA Sub it runs, its text's catalog key, its first row."""

    macro: str
    key: str
    row: int  # 1-based; the button covers this row and the next, columns B:C

    @property
    def fmla_macro(self) -> str:
        return f"[0]!{self.macro}"


BUTTONS = (
    Button("RefreshSegments", "excel.button.refresh", 5),
    Button("PreviewToday", "excel.button.preview", 8),
    Button("SendToday", "excel.button.send", 11),
    Button("CheckMemberFile", "excel.button.check", 14),
)
STATUS_ROW = 17
SETUP_ROW = 19
PROMPT_ROW = 1  # column J (hidden): the text MsgBox asks before sending
_WIDTHS = {"A": 2.0, "B": 16.0, "C": 16.0, "D": 3.0}
_ROW_PT = 15.0
_TITLE_PT = 24.0


def start_title(header_style: str) -> str:
    if header_style == "zh":
        return START_TITLES["zh"]
    if header_style == "en":
        return START_TITLES["en"]
    first, second = ("en", "zh") if header_style == "en-zh" else ("zh", "en")
    return f"{START_TITLES[first]} {START_TITLES[second]}"


def _order(header_style: str) -> tuple[str, str]:
    return ("en", "zh") if header_style in ("en", "en-zh") else ("zh", "en")


def _both(key: str, header_style: str, sep: str = " ") -> str:
    a, b = _order(header_style)
    return f"{t(key, a)}{sep}{t(key, b)}"


def _start_rows(header_style: str) -> dict[int, dict[str, Any]]:
    """Row number -> {column letter: value} of the Start sheet."""
    a, b = _order(header_style)
    rows: dict[int, dict[str, Any]] = {
        1: {"B": t("excel.start.title", a) + "  " + t("excel.start.title", b)},
        2: {"B": t("excel.start.intro", a)},
        3: {"B": t("excel.start.intro", b)},
    }
    for button in BUTTONS:
        for offset, lang in enumerate((a, b)):
            rows[button.row + offset] = {"E": f"{t(button.key, lang)}: {t(button.key + '.what', lang)}"}
    rows[PROMPT_ROW]["J"] = _both("excel.send_prompt", header_style, "\n")
    rows[STATUS_ROW] = {"B": _both("excel.start.status", header_style), "E": _both("excel.start.status.none",
                                                                                     header_style)}
    rows[SETUP_ROW] = {"B": _both("excel.start.setup", header_style)}
    for n in range(1, 5):
        rows[SETUP_ROW + 2 * n - 1] = {"B": t(f"excel.start.setup{n}", a)}
        rows[SETUP_ROW + 2 * n] = {"B": t(f"excel.start.setup{n}", b)}
    return rows


def _add_start_sheet(wb: Any, header_style: str, language: str) -> None:
    """The Start sheet (first, code name Sheet1): title, what each button does, status cell, setup steps."""
    from openpyxl.cell import WriteOnlyCell

    title = start_title(header_style)
    ws = wb.create_sheet(title)
    ws.sheet_properties.codeName = "Sheet1"
    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["J"].hidden = True
    ws.row_dimensions[1].height = _TITLE_PT
    ws.sheet_view.showGridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    rows = _start_rows(header_style)
    for r in range(1, max(rows) + 1):
        cells: list[Any] = []
        values = rows.get(r, {})
        for letter in ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J"):
            value = values.get(letter)
            if value is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws, value=value)
            if r == 1:
                cell.font = Font(bold=True, size=16)
            elif r in (STATUS_ROW, SETUP_ROW) and letter == "B":
                cell.font = Font(bold=True)
            if letter == "J":
                cell.alignment = Alignment(wrap_text=True)
            cells.append(cell)
        while cells and cells[-1] is None:
            cells.pop()
        ws.append(cells)
    quoted = ooxml.quote_sheet(title)
    wb.defined_names[SEND_PROMPT_NAME] = DefinedName(SEND_PROMPT_NAME, attr_text=f"{quoted}!$J${PROMPT_ROW}")
    wb.defined_names[STATUS_NAME] = DefinedName(STATUS_NAME, attr_text=f"{quoted}!$E${STATUS_ROW}")


# -- the buttons -------------------------------------------------------------------------------------------


def _col_px(letter: str) -> int:
    return int(_WIDTHS.get(letter, 8.43) * 7 + 5)


def _vml(buttons: Sequence[Button], header_style: str) -> bytes:
    a, b = _order(header_style)
    left_pt = _col_px("A") * 0.75
    width_pt = (_col_px("B") + _col_px("C")) * 0.75
    shapes = []
    for n, button in enumerate(buttons):
        top_pt = _TITLE_PT + (button.row - 2) * _ROW_PT
        label = f"{escape(t(button.key, a))}<br/>{escape(t(button.key, b))}"
        shapes.append(
            f'<v:shape id="_x0000_s{1025 + n}" type="#_x0000_t201" style="position:absolute;'
            f"margin-left:{left_pt:g}pt;margin-top:{top_pt:g}pt;width:{width_pt:g}pt;height:{2 * _ROW_PT:g}pt;"
            f'z-index:{n + 1};mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" '
            'strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
            f'<div style="text-align:center"><font face="Calibri" size="220" color="#000000">{label}</font></div>'
            "</v:textbox>"
            '<x:ClientData ObjectType="Button">'
            f"<x:Anchor>1, 0, {button.row - 1}, 0, 3, 0, {button.row + 1}, 0</x:Anchor>"
            "<x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>{escape(button.fmla_macro)}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>"
            "</x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/>'
        '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
        '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    ).encode("utf-8")


def _controls(buttons: Sequence[Button], rids: Sequence[str]) -> etree._Element:
    parts = []
    for n, (button, rid) in enumerate(zip(buttons, rids, strict=True)):
        parts.append(
            f'<mc:AlternateContent><mc:Choice Requires="x14">'
            f'<control shapeId="{1025 + n}" r:id="{rid}" name={quoteattr("Button " + str(n + 1))}>'
            f'<controlPr defaultSize="0" autoFill="0" autoPict="0" macro={quoteattr(button.fmla_macro)}>'
            '<anchor moveWithCells="1" sizeWithCells="1">'
            f"<from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{button.row - 1}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></from>"
            f"<to><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{button.row + 1}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></to>"
            "</anchor></controlPr></control></mc:Choice></mc:AlternateContent>"
        )
    xml = (
        f'<mc:AlternateContent xmlns="{ooxml.NS_MAIN}" xmlns:r="{ooxml.NS_R}" xmlns:mc="{NS_MC}" '
        f'xmlns:x14="{NS_X14}" xmlns:xdr="{ooxml.NS_XDR}"><mc:Choice Requires="x14"><controls>'
        + "".join(parts)
        + "</controls></mc:Choice></mc:AlternateContent>"
    )
    return etree.fromstring(xml)


_AFTER_CONTROLS = {"webPublishItems", "tableParts", "extLst"}
_AFTER_LEGACY = {"legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "AlternateContent"} | _AFTER_CONTROLS


def _with_buttons(sheet_xml: bytes, vml_rid: str, ctrl_rids: Sequence[str]) -> bytes:
    """The Start sheet's XML with ``<legacyDrawing>`` and ``<controls>`` in their schema places."""
    old = etree.fromstring(sheet_xml)
    nsmap = {None: ooxml.NS_MAIN, "r": ooxml.NS_R, "mc": NS_MC, "x14": NS_X14, "xdr": ooxml.NS_XDR}
    root = etree.Element(old.tag, nsmap=nsmap)  # type: ignore[arg-type]  # lxml-stubs: None is the default  # declare the prefixes Excel expects on the root
    for key, value in old.attrib.items():
        root.set(key, value)
    for child in list(old):
        root.append(child)
    legacy = etree.Element(ooxml.qn(ooxml.NS_MAIN, "legacyDrawing"))
    legacy.set(ooxml.qn(ooxml.NS_R, "id"), vml_rid)
    tail = [i for i, el in enumerate(root) if ooxml.local_name(el) in _AFTER_LEGACY]
    root.insert(tail[0] if tail else len(root), legacy)
    tail = [i for i, el in enumerate(root) if ooxml.local_name(el) in _AFTER_CONTROLS]
    root.insert(tail[0] if tail else len(root), _controls(BUTTONS, ctrl_rids))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


# -- the VBA project ---------------------------------------------------------------------------------------


def vba_sources() -> dict[str, str]:
    """The VBA source files shipped with loyalsheet: our module, and xlwings' standalone module and class."""
    return {name: (VBA_DIR / name).read_text(encoding="ascii")
            for name in ("loyalsheet.bas", "xlwings.bas", "Dictionary.cls")}


def vba_modules(sheet_count: int) -> list[VbaModule]:
    """ThisWorkbook, a document module for each sheet, then loyalsheet, xlwings and Dictionary."""
    src = vba_sources()
    modules = [VbaModule("ThisWorkbook", "document", "")]
    modules += [VbaModule(f"Sheet{n}", "document", "") for n in range(1, sheet_count + 1)]
    modules += [
        VbaModule(VBA_MODULE, "standard", src["loyalsheet.bas"]),
        VbaModule("xlwings", "standard", src["xlwings.bas"]),
        VbaModule("Dictionary", "class", src["Dictionary.cls"]),
    ]
    return modules


# -- the package --------------------------------------------------------------------------------------------


def _core_xml() -> bytes:
    return (
        ooxml.XML_DECLARATION
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>loyalsheet</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_FIXED_TIME}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_FIXED_TIME}</dcterms:modified></cp:coreProperties>'
    ).encode("utf-8")


def _content_types(data: bytes, workbook_part: str, ctrl_parts: Sequence[str]) -> bytes:
    types = ooxml.ContentTypes(ooxml.XmlPart(ooxml.CONTENT_TYPES, data))
    root = types.part.root
    for el in root:
        if ooxml.local_name(el) == "Override" and el.get("PartName") == "/" + workbook_part:
            el.set("ContentType", CT_MACRO_WORKBOOK)
    for ext, content_type in (("bin", CT_VBA), ("vml", CT_VML)):
        default = etree.Element(ooxml.qn(ooxml.NS_CT, "Default"))
        default.set("Extension", ext)
        default.set("ContentType", content_type)
        ooxml.insert_child(root, 0, default)
    for name in ctrl_parts:
        types.add_override(name, CT_CTRL)
    types.part.changed = True
    return types.part.to_bytes()


def _macro_parts(plain: Path, header_style: str) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(plain) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
        order = [i.filename for i in zf.infolist()]
    workbook_part = "xl/workbook.xml"
    wb_rels = ooxml.Relationships(workbook_part, ooxml.XmlPart("xl/_rels/workbook.xml.rels",
                                                               parts["xl/_rels/workbook.xml.rels"]))
    workbook = etree.fromstring(parts[workbook_part])
    sheets = workbook.findall(f"{{{ooxml.NS_MAIN}}}sheets/{{{ooxml.NS_MAIN}}}sheet")
    start_rid = sheets[0].get(ooxml.qn(ooxml.NS_R, "id"), "")
    start_rel = wb_rels.by_id(start_rid)
    assert start_rel is not None
    start_part = ooxml.resolve_target(workbook_part, start_rel.target)
    sheet_rels_name = ooxml.rels_name(start_part)
    if sheet_rels_name in parts:
        raise ooxml.PackageError(f"{sheet_rels_name} already exists")

    vml_part = "xl/drawings/vmlDrawing1.vml"
    ctrl_parts = [f"xl/ctrlProps/ctrlProp{n}.xml" for n in range(1, len(BUTTONS) + 1)]
    rels = [f'<Relationship Id="rId1" Type="{REL_VML}" Target="../drawings/vmlDrawing1.vml"/>']
    rels += [f'<Relationship Id="rId{n + 1}" Type="{REL_CTRL}" Target="../ctrlProps/ctrlProp{n}.xml"/>'
             for n in range(1, len(BUTTONS) + 1)]
    sheet_rels = (ooxml.XML_DECLARATION + f'<Relationships xmlns="{ooxml.NS_PKG_REL}">' + "".join(rels)
                  + "</Relationships>").encode("utf-8")
    parts[start_part] = _with_buttons(parts[start_part], "rId1", [f"rId{n + 1}" for n in range(1, len(BUTTONS) + 1)])
    parts[sheet_rels_name] = sheet_rels
    parts[vml_part] = _vml(BUTTONS, header_style)
    ctrl = (ooxml.XML_DECLARATION + f'<formControlPr xmlns="{NS_X14}" objectType="Button" lockText="1"/>').encode()
    for name in ctrl_parts:
        parts[name] = ctrl
    parts["xl/vbaProject.bin"] = build_vba_project(vba_modules(len(sheets)))
    wb_rels.add(REL_VBA, "xl/vbaProject.bin")
    parts["xl/_rels/workbook.xml.rels"] = wb_rels.part.to_bytes()
    parts[ooxml.CONTENT_TYPES] = _content_types(parts[ooxml.CONTENT_TYPES], workbook_part, ctrl_parts)
    parts["docProps/core.xml"] = _core_xml()  # fixed times: the committed template rebuilds byte for byte

    new = [sheet_rels_name, vml_part, *ctrl_parts, "xl/vbaProject.bin"]
    first = [ooxml.CONTENT_TYPES] + [n for n in order if n != ooxml.CONTENT_TYPES]
    return [(name, parts[name]) for name in [*first, *new]]


def write_macro_book(path: Path, rows: Mapping[str, Iterable[Sequence[Any]]] | None = None, *,
                     header_style: str = "zh-en", language: str = "zh") -> None:
    """Write a new member file with macros at ``path`` (a temporary file moved into place); ``rows`` as
    for :func:`.template.write_book` (a demo store's rows, for instance)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix=".loyalsheet-", dir=str(path.parent)) as tmp:
        plain = Path(tmp) / "plain.xlsx"
        write_book(plain, rows, header_style=header_style, language=language, first_sheets=_add_start_sheet,
                   code_names=True)
        items = _macro_parts(plain, header_style)
        out = Path(tmp) / "book.xlsm"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 9, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(out, 0o666 & ~umask)
        os.replace(out, path)


def fmla_macros(xlsm: Path) -> list[str]:
    """Every macro a button of ``xlsm`` names (VML ``<x:FmlaMacro>`` and ``<controlPr macro>``)."""
    found: list[str] = []
    with zipfile.ZipFile(xlsm) as zf:
        for name in zf.namelist():
            if name.endswith(".vml"):
                found += re.findall(r"<x:FmlaMacro>([^<]*)</x:FmlaMacro>", zf.read(name).decode("utf-8"))
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r'<controlPr [^>]*macro="([^"]*)"', zf.read(name).decode("utf-8"))
    return found
