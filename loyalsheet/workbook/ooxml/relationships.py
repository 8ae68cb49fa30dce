"""Part names, relationships (``.rels`` parts) and content types (``[Content_Types].xml``)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from lxml import etree

from .parts import CT_RELS, NS_CT, NS_PKG_REL, XML_DECLARATION, XmlPart, append_child, insert_child, local_name, qn


def rels_name(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve_target(source_part: str, target: str) -> str:
    """A relationship target, relative to its source part (or absolute), as a zip entry name.
    (OPC stores a part under its name as written, percent escapes included, so none are decoded.)"""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    base = posixpath.dirname(source_part)
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def relative_target(source_part: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source_part) or ".")


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # as written
    external: bool


class Relationships:
    """A ``.rels`` part (existing or new) of the part ``source``."""

    def __init__(self, source: str, part: XmlPart | None) -> None:
        self.source = source
        if part is None:
            data = (XML_DECLARATION + f'<Relationships xmlns="{NS_PKG_REL}"></Relationships>').encode()
            part = XmlPart(rels_name(source), data)
            part.changed = True
        self.part = part

    def items(self) -> list[Relationship]:
        out = []
        for el in self.part.root:
            if local_name(el) == "Relationship":
                out.append(
                    Relationship(
                        el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                        (el.get("TargetMode") or "").lower() == "external",
                    )
                )
        return out

    def by_id(self, rid: str) -> Relationship | None:
        return next((r for r in self.items() if r.id == rid), None)

    def targets(self) -> list[tuple[Relationship, str]]:
        """Internal relationships with their resolved zip entry names."""
        return [(r, resolve_target(self.source, r.target)) for r in self.items() if not r.external]

    def new_id(self) -> str:
        used = {r.id for r in self.items()}
        n = 1
        while f"rId{n}" in used:
            n += 1
        return f"rId{n}"

    def add(self, rel_type: str, part: str) -> str:
        rid = self.new_id()
        el = etree.Element(qn(NS_PKG_REL, "Relationship"))
        el.set("Id", rid)
        el.set("Type", rel_type)
        el.set("Target", relative_target(self.source, part))
        append_child(self.part.root, el)
        self.part.changed = True
        return rid

    def remove_targets(self, parts: set[str]) -> None:
        lowered = {p.lower() for p in parts}
        for el in list(self.part.root):
            if local_name(el) != "Relationship" or (el.get("TargetMode") or "").lower() == "external":
                continue
            if resolve_target(self.source, el.get("Target", "")).lower() in lowered:
                _remove(el)
                self.part.changed = True


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    # keep the whitespace that followed the previous sibling; drop this element and its own tail
    prev = element.getprevious()
    if prev is not None and element.getnext() is None:
        prev.tail = element.tail
    parent.remove(element)


class ContentTypes:
    """``[Content_Types].xml``: defaults by extension and overrides by part name."""

    def __init__(self, part: XmlPart) -> None:
        self.part = part

    def of(self, part_name: str) -> str | None:
        wanted = "/" + part_name.lower()
        ext = posixpath.splitext(part_name)[1].lstrip(".").lower()
        default = None
        for el in self.part.root:
            name = local_name(el)
            if name == "Override" and (el.get("PartName") or "").lower() == wanted:
                return el.get("ContentType")
            if name == "Default" and (el.get("Extension") or "").lower() == ext:
                default = el.get("ContentType")
        return default

    def add_override(self, part_name: str, content_type: str) -> None:
        if self.of(part_name) == content_type:
            return
        el = etree.Element(qn(NS_CT, "Override"))
        el.set("PartName", "/" + part_name)
        el.set("ContentType", content_type)
        append_child(self.part.root, el)
        self.part.changed = True

    def ensure_rels_default(self) -> None:
        for el in self.part.root:
            if local_name(el) == "Default" and (el.get("Extension") or "").lower() == "rels":
                return
        el = etree.Element(qn(NS_CT, "Default"))
        el.set("Extension", "rels")
        el.set("ContentType", CT_RELS)
        insert_child(self.part.root, 0, el)
        self.part.changed = True

    def remove_overrides(self, parts: set[str]) -> None:
        lowered = {"/" + p.lower() for p in parts}
        for el in list(self.part.root):
            if local_name(el) == "Override" and (el.get("PartName") or "").lower() in lowered:
                _remove(el)
                self.part.changed = True
