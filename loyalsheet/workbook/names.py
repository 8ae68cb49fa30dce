"""The built-in defined names an owned sheet needs in ``workbook.xml``: its print titles (the header
row repeated on every printed page) and its autofilter's range (``_xlnm._FilterDatabase``, which
Excel keeps beside the sheet's ``autoFilter``).

Only names scoped to an owned sheet (``localSheetId``) with one of these two built-in names are
ever added, changed or removed; every other defined name is the manager's and stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from .ooxml import NS_MAIN, XmlPart, insert_child, local_name, qn, quote_sheet

PRINT_TITLES = "_xlnm.Print_Titles"
FILTER_DATABASE = "_xlnm._FilterDatabase"
PRINT_AREA = "_xlnm.Print_Area"
OWNED_NAMES = (PRINT_TITLES, FILTER_DATABASE, PRINT_AREA)

# CT_Workbook children that come before definedNames
_BEFORE = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
           "functionGroups", "externalReferences")


def _absolute(ref: str) -> str:
    """``A1:L41`` -> ``$A$1:$L$41``."""
    out = []
    for cell in ref.split(":"):
        letters = "".join(ch for ch in cell if ch.isalpha())
        out.append(f"${letters}${cell[len(letters):]}")
    return ":".join(out)


def sheet_names(title: str, filter_ref: str | None, print_titles: bool,
                print_area: str | None = None) -> dict[str, str | None]:
    """The built-in names of sheet ``title``: name -> formula, ``None`` for a name it must not have."""
    sheet = quote_sheet(title)
    return {
        PRINT_TITLES: f"{sheet}!$1:$1" if print_titles else None,
        FILTER_DATABASE: f"{sheet}!{_absolute(filter_ref)}" if filter_ref else None,
        PRINT_AREA: f"{sheet}!{_absolute(print_area)}" if print_area else None,
    }


def set_sheet_names(workbook: XmlPart, wanted: Mapping[int, Mapping[str, str | None]]) -> None:
    """Make the built-in names of the sheets at positions ``wanted`` (0-based, as ``localSheetId``)
    what they say; marks ``workbook`` changed only when something differs."""
    root = workbook.root
    names_el = next((el for el in root if local_name(el) == "definedNames"), None)
    existing: dict[tuple[int, str], etree._Element] = {}
    if names_el is not None:
        for el in names_el:
            if local_name(el) != "definedName" or el.get("name") not in OWNED_NAMES:
                continue
            local = el.get("localSheetId")
            if local is not None and local.isdigit():
                existing[(int(local), str(el.get("name")))] = el
    for index in sorted(wanted):
        for name, formula in wanted[index].items():
            old = existing.get((index, name))
            if formula is None:
                if old is not None and names_el is not None:
                    names_el.remove(old)
                    workbook.changed = True
                continue
            if old is not None:
                if old.text != formula:
                    old.text = formula
                    workbook.changed = True
                continue
            if names_el is None:
                names_el = etree.Element(qn(NS_MAIN, "definedNames"))
                at = max((i for i, kid in enumerate(root) if local_name(kid) in _BEFORE), default=-1)
                insert_child(root, at + 1, names_el)
            el = etree.SubElement(names_el, qn(NS_MAIN, "definedName"))
            el.set("name", name)
            el.set("localSheetId", str(index))
            if name == FILTER_DATABASE:
                el.set("hidden", "1")
            el.text = formula
            workbook.changed = True
    if names_el is not None and len(names_el) == 0:
        root.remove(names_el)

