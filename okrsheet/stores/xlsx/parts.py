"""Which zip member holds which tab of an .xlsx package: read by the size bounds check before
any sheet is parsed, and by the patcher before it writes."""

from __future__ import annotations

import posixpath

from lxml import etree

from okrsheet.stores.xlsx.package import Package

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_Q = f"{{{NS}}}"
# Entities are never resolved: a workbook is someone else's file.
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False, resolve_entities=False)


def sheet_parts_of(package: Package) -> dict[str, str]:
    """Tab title -> the zip member holding its worksheet (KeyError or XMLSyntaxError for a
    package without the parts that say so)."""
    workbook = etree.fromstring(package.read("xl/workbook.xml"), _PARSER)
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"), _PARSER)
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iterfind(f"{{{PKG_REL_NS}}}Relationship")
    }
    parts = {}
    for sheet in workbook.iterfind(f"{_Q}sheets/{_Q}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        parts[sheet.get("name", "")] = path
    return parts


def sheet_parts(package: Package) -> dict[str, str]:
    """Tab title -> the zip member holding its worksheet; empty for a package this module
    cannot make sense of (the caller then does without)."""
    try:
        return sheet_parts_of(package)
    except (KeyError, etree.XMLSyntaxError):
        return {}
