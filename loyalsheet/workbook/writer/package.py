"""The source zip as the writer sees it (:class:`_Package`): its parts, the workbook's sheets, the parts
that hang off an owned sheet, whether formulas elsewhere name an owned sheet, and the edits planned for
the new zip.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from ...errors import WorkbookError
from .. import ooxml
from ..ooxml import (
    CONTENT_TYPES,
    NS_MAIN,
    NS_R,
    Blob,
    ContentTypes,
    PackageError,
    Relationships,
    XmlPart,
    local_name,
    qn,
    rels_name,
)


@dataclass
class _SheetEntry:
    name: str
    sheet_id: int
    rid: str
    rel_type: str
    part: str | None


class _Package:
    """The source zip: its parts, the workbook's sheets, and the edits planned for the new zip."""

    def __init__(self, zf: zipfile.ZipFile, label: str) -> None:
        self.zf = zf
        self.label = label
        self.infos = zf.infolist()
        self.by_lower: dict[str, zipfile.ZipInfo] = {}
        for info in self.infos:
            key = info.filename.lower()
            if key in self.by_lower:
                raise PackageError(f"the part {info.filename} is in the zip twice")
            self.by_lower[key] = info
        self.replaced: dict[str, bytes | Blob] = {}
        self.added: dict[str, bytes | Blob] = {}
        self.removed: set[str] = set()
        self._allocated: set[str] = set()
        self._rels_cache: dict[str, Relationships] = {}

        self.content_types = ContentTypes(self.xml(CONTENT_TYPES))
        root_rels = Relationships("", self.xml("_rels/.rels"))
        main = next((t for r, t in root_rels.targets() if r.type == ooxml.REL_OFFICE_DOCUMENT), None)
        if main is None or not self.exists(main):
            raise PackageError("no workbook part")
        self.workbook_name = self.real_name(main)
        self.workbook = self.xml(self.workbook_name)
        namespace = etree.QName(self.workbook.root).namespace
        if namespace == ooxml.NS_STRICT_MAIN:
            raise WorkbookError("write_strict_unsupported", file=label)
        if namespace != NS_MAIN:
            raise PackageError(f"{self.workbook_name} is not a SpreadsheetML workbook")
        self.workbook_rels = self.rels(self.workbook_name)
        pr = self._wb_child("workbookPr")
        self.date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
        self.sheets = self._read_sheets()

    # parts
    def exists(self, name: str) -> bool:
        key = name.lower()
        return key in self.by_lower and key not in {r.lower() for r in self.removed}

    def real_name(self, name: str) -> str:
        return self.by_lower[name.lower()].filename

    def read(self, name: str) -> bytes:
        return self.zf.read(self.by_lower[name.lower()])

    def xml(self, name: str) -> XmlPart:
        if name.lower() not in self.by_lower:
            raise PackageError(f"missing part {name}")
        return XmlPart(self.real_name(name), self.read(name))

    def rels(self, source: str) -> Relationships:
        name = rels_name(source)
        if name not in self._rels_cache:
            part = self.xml(name) if name.lower() in self.by_lower else None
            self._rels_cache[name] = Relationships(source, part)
        return self._rels_cache[name]

    def free_name(self, pattern: str) -> str:
        taken = {n.lower() for n in self.by_lower if n.lower() not in {r.lower() for r in self.removed}}
        taken |= {n.lower() for n in self._allocated}
        n = 1
        while pattern.format(n).lower() in taken:
            n += 1
        name = pattern.format(n)
        self._allocated.add(name)
        return name

    def put(self, name: str, data: bytes | Blob) -> None:
        """Write ``name`` in the new zip: in place when it exists, at the end when new."""
        key = name.lower()
        self.removed = {r for r in self.removed if r.lower() != key}
        if key in self.by_lower:
            self.replaced[self.real_name(name)] = data
        else:
            self.added[name] = data

    # workbook
    def _wb_child(self, tag: str) -> etree._Element | None:
        for el in self.workbook.root:
            if local_name(el) == tag:
                return el
        return None

    def _read_sheets(self) -> list[_SheetEntry]:
        sheets_el = self._wb_child("sheets")
        if sheets_el is None:
            raise PackageError("the workbook lists no sheets")
        out = []
        for el in sheets_el:
            if local_name(el) != "sheet":
                continue
            rid = el.get(qn(NS_R, "id"), "")
            rel = self.workbook_rels.by_id(rid)
            part = None
            if rel is not None and not rel.external:
                target = ooxml.resolve_target(self.workbook_name, rel.target)
                part = self.real_name(target) if target.lower() in self.by_lower else None
            out.append(_SheetEntry(el.get("name", ""), int(el.get("sheetId", "0") or 0), rid,
                                   rel.type if rel else "", part))
        return out

    def find_sheet(self, title: str) -> _SheetEntry | None:
        key = title.casefold()
        return next((s for s in self.sheets if s.name.casefold() == key), None)

    def add_sheet(self, title: str) -> str:
        folder = _folder(self.workbook_name)
        part = self.free_name(f"{folder}worksheets/sheet{{}}.xml")
        rid = self.workbook_rels.add(ooxml.REL_WORKSHEET, part)
        sheets_el = self._wb_child("sheets")
        assert sheets_el is not None
        sheet_id = max([s.sheet_id for s in self.sheets] + [0]) + 1
        in_scope = sheets_el.nsmap
        # declare r: on the new element when the book binds it nowhere above (openpyxl declares it per sheet)
        nsmap = {"r": NS_R} if in_scope.get("r") != NS_R and "r" not in in_scope else None
        el = ooxml.sub_element(sheets_el, qn(NS_MAIN, "sheet"), nsmap)
        el.set("name", title)
        el.set("sheetId", str(sheet_id))
        el.set(qn(NS_R, "id"), rid)
        self.workbook.changed = True
        self.content_types.add_override(part, ooxml.CT_WORKSHEET)
        self.sheets.append(_SheetEntry(title, sheet_id, rid, ooxml.REL_WORKSHEET, part))
        return part

    # what hangs off an owned sheet
    def _all_referrers(self) -> dict[str, set[str]]:
        referrers: dict[str, set[str]] = {}
        for info in self.infos:
            name = info.filename
            if not name.lower().endswith(".rels"):
                continue
            folder, base = name.rsplit("/", 1) if "/" in name else ("", name)
            if not folder.endswith("_rels"):
                continue
            source = (folder[: -len("_rels")] + base[: -len(".rels")]).lstrip("/")
            try:
                rels = self.rels(source)
            except PackageError:
                continue
            for _rel, target in rels.targets():
                referrers.setdefault(target.lower(), set()).add(source.lower())
        return referrers

    def remove_subtree(self, sheet_part: str) -> None:
        """Remove the parts only the old owned sheet referred to (its old drawing, charts...)."""
        rels_part = rels_name(sheet_part)
        if rels_part.lower() not in self.by_lower:
            return
        referrers = self._all_referrers()
        found: set[str] = set()
        todo = [t for _r, t in self.rels(sheet_part).targets()]
        while todo:
            target = todo.pop().lower()
            if target in found or target not in self.by_lower or target == sheet_part.lower():
                continue
            found.add(target)
            todo.extend(t for _r, t in self.rels(self.real_name(target)).targets())
        changed = True
        while changed:
            changed = False
            inside = found | {sheet_part.lower()}
            for part in list(found):
                if not referrers.get(part, set()) <= inside:
                    found.discard(part)
                    changed = True
        doomed = {self.real_name(p) for p in found}
        doomed |= {self.real_name(rels_name(p)) for p in doomed if rels_name(p).lower() in self.by_lower}
        doomed.add(self.real_name(rels_part))
        self.removed |= doomed

    def tab_selected(self, sheet_part: str) -> bool:
        with self.zf.open(self.by_lower[sheet_part.lower()]) as fh:
            head = fh.read(65536)
        return re.search(rb'<(?:\w+:)?sheetView\b[^>]*\btabSelected="(?:1|true)"', head) is not None

    # recalculation
    def formulas_refer_to(self, titles: Sequence[str], owned_parts: set[str]) -> bool:
        """Whether a formula in a sheet the tool does not own, or a defined name, names an owned sheet."""
        needles_text = [t.casefold().replace("'", "''") for t in titles]
        names_el = self._wb_child("definedNames")
        if names_el is not None:
            for el in names_el:
                if (el.get("name") or "").startswith("_xlnm."):
                    continue  # print titles, print areas, filter ranges: nothing to recalculate
                if any(n in (el.text or "").casefold() for n in needles_text):
                    return True
        raw_needles = []
        quick_needles = []  # fewer needles, one of which is in a part wherever one of raw_needles is
        for t in titles:
            # the longest stretch of the title that XML writes as it is, or as character references
            longest = max(re.split(r"['&<>\"]", t), key=len)
            needles = [longest.encode("utf-8").lower()]
            if not longest.isascii():
                needles.append("".join(c if c.isascii() else f"&#{ord(c)};" for c in longest).encode().lower())
                needles.append("".join(c if c.isascii() else f"&#x{ord(c):x};" for c in longest).encode().lower())
            raw_needles += needles
            # its longest ASCII stretch is in each of them (a bilingual title's English half)
            ascii_run = max(re.split(r"[^\x00-\x7f]", longest), key=len).encode().lower()
            quick_needles += [ascii_run] if len(ascii_run) >= 4 else needles
        for sheet in self.sheets:
            if sheet.part is None or sheet.part.lower() in owned_parts:
                continue
            info = self.by_lower[sheet.part.lower()]
            with self.zf.open(info) as fh:
                if not ooxml.scan_chunks(fh.read, quick_needles):
                    continue
            with self.zf.open(info) as fh:
                if quick_needles != raw_needles and not ooxml.scan_chunks(fh.read, raw_needles):
                    continue
            with self.zf.open(info) as fh:
                for _event, el in etree.iterparse(fh, tag=qn(NS_MAIN, "f"), huge_tree=True,
                                                  resolve_entities=False, no_network=True):
                    text = (el.text or "").casefold()
                    if any(n in text for n in needles_text):
                        return True
                    el.clear()
        return False

    def full_calc_on_load(self) -> bool:
        """Whether the workbook already asks Excel to recalculate everything when it opens."""
        calc = self._wb_child("calcPr")
        return calc is not None and (calc.get("fullCalcOnLoad") or "").lower() in ("1", "true")

    def set_full_calc_on_load(self) -> bool:
        if self.full_calc_on_load():
            return False
        calc = self._wb_child("calcPr")
        if calc is not None:
            calc.set("fullCalcOnLoad", "1")
        else:
            calc = etree.Element(qn(NS_MAIN, "calcPr"))
            calc.set("fullCalcOnLoad", "1")
            before = ("sheets", "functionGroups", "externalReferences", "definedNames")
            index = max(i for i, el in enumerate(self.workbook.root) if local_name(el) in before or i == 0)
            ooxml.insert_child(self.workbook.root, index + 1, calc)
        self.workbook.changed = True
        return True

    def drop_calc_chain(self, sheet_ids: set[int]) -> None:
        """Drop calcChain.xml when it lists cells of a replaced sheet (Excel rebuilds it)."""
        target = next((t for r, t in self.workbook_rels.targets() if r.type == ooxml.REL_CALC_CHAIN), None)
        if target is None or not self.exists(target):
            return
        current = 0
        hit = False
        for _event, el in etree.iterparse(self.zf.open(self.by_lower[target.lower()]), tag=qn(NS_MAIN, "c")):
            if el.get("i"):
                current = int(el.get("i", "0"))
            if current in sheet_ids:
                hit = True
                break
            el.clear()
        if hit:
            name = self.real_name(target)
            self.removed.add(name)
            self.workbook_rels.remove_targets({name})


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's title -> its part in the zip (a sheet whose part is missing is left out)."""
    return {s.name: s.part for s in _Package(zf, zf.filename or "").sheets if s.part}


def _folder(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` -> ``xl/worksheets/``."""
    return part.rsplit("/", 1)[0] + "/" if "/" in part else ""
