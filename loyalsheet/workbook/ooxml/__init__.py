"""Office Open XML plumbing for the surgical writer: zip parts, relationships, content types, styles, cells.

Nothing here loads a whole workbook. Parts are copied from one zip to the next as raw compressed bytes
(:class:`ZipWriter`), the few XML parts that list sheets are edited in place with lxml keeping their
declaration, prefixes and every element the writer does not touch (:class:`XmlPart`), and the parts
the tool owns (worksheets, drawings, charts) are generated as text.

Each module holds one of these jobs, and this package gives all of their names:
:mod:`.parts` (namespaces, part and content types, :class:`XmlPart` and the element helpers),
:mod:`.relationships` (part names, ``.rels`` parts, ``[Content_Types].xml``), :mod:`.styles`
(``styles.xml`` and a sheet's cell styles), :mod:`.cells` (cell values and A1 references),
:mod:`.worksheet` (the generated worksheet part), :mod:`.charts` (drawings and charts) and
:mod:`.zipio` (the zip: raw copies and new parts).
"""

from __future__ import annotations

from .cells import (
    absolute_range,
    cell_text,
    excel_serial,
    number_text,
    parse_cell,
    parse_range,
    plain_text,
    quote_sheet,
)
from .charts import PALETTE, ChartPlan, chart_xml, drawing_rels_xml, drawing_xml
from .parts import (
    CONTENT_TYPES,
    CT_CHART,
    CT_DRAWING,
    CT_RELS,
    CT_STYLES,
    CT_WORKSHEET,
    MAX_CELL_TEXT,
    MAX_COLS,
    MAX_ROWS,
    NS_A,
    NS_C,
    NS_CT,
    NS_MAIN,
    NS_PKG_REL,
    NS_R,
    NS_STRICT_MAIN,
    NS_XDR,
    REL_CALC_CHAIN,
    REL_CHART,
    REL_DRAWING,
    REL_OFFICE_DOCUMENT,
    REL_STYLES,
    REL_WORKSHEET,
    XML_DECLARATION,
    PackageError,
    XmlPart,
    append_child,
    canonical,
    insert_child,
    local_name,
    qn,
    sub_element,
)
from .relationships import ContentTypes, Relationship, Relationships, relative_target, rels_name, resolve_target
from .styles import BUILTIN_FORMATS, DATE_FORMAT, DATETIME_FORMAT, CellStyles, Styles, is_date_format, minimal_styles
from .worksheet import SheetLayout, render_cell, sheet_rels_xml, validations_xml, worksheet_xml
from .zipio import Blob, ZipWriter, compress_chunks, scan_chunks

__all__ = [
    "BUILTIN_FORMATS",
    "CONTENT_TYPES",
    "CT_CHART",
    "CT_DRAWING",
    "CT_RELS",
    "CT_STYLES",
    "CT_WORKSHEET",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "MAX_CELL_TEXT",
    "MAX_COLS",
    "MAX_ROWS",
    "NS_A",
    "NS_C",
    "NS_CT",
    "NS_MAIN",
    "NS_PKG_REL",
    "NS_R",
    "NS_STRICT_MAIN",
    "NS_XDR",
    "PALETTE",
    "REL_CALC_CHAIN",
    "REL_CHART",
    "REL_DRAWING",
    "REL_OFFICE_DOCUMENT",
    "REL_STYLES",
    "REL_WORKSHEET",
    "XML_DECLARATION",
    "Blob",
    "CellStyles",
    "ChartPlan",
    "ContentTypes",
    "PackageError",
    "Relationship",
    "Relationships",
    "SheetLayout",
    "Styles",
    "XmlPart",
    "ZipWriter",
    "absolute_range",
    "append_child",
    "canonical",
    "cell_text",
    "chart_xml",
    "compress_chunks",
    "drawing_rels_xml",
    "drawing_xml",
    "excel_serial",
    "insert_child",
    "is_date_format",
    "local_name",
    "minimal_styles",
    "number_text",
    "parse_cell",
    "parse_range",
    "plain_text",
    "qn",
    "quote_sheet",
    "relative_target",
    "rels_name",
    "render_cell",
    "resolve_target",
    "scan_chunks",
    "sheet_rels_xml",
    "sub_element",
    "validations_xml",
    "worksheet_xml",
]
