"""What a full rewrite through openpyxl would lose, found before anything is written.

openpyxl models most of a workbook but not all of it: charts and images it did not load,
drawings, threaded comments, slicers, and the extension lists where Excel and LibreOffice keep
data bars, icon sets and sparklines of the 2010 format. The store's fallback writer saves
through openpyxl only when the package it would write keeps every kind of part and every
extension the workbook had; otherwise it refuses, with nothing written.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False)
# Rebuilt by every spreadsheet program, or rewritten by openpyxl on purpose.
_REBUILT = ("calcChain", "sharedStrings", "theme", "core-properties", "extended-properties")
_EXT_URI = re.compile(rb'<(?:\w+:)?ext\b[^>]*?\buri="([^"]+)"')

#: Names people know for the kinds of parts, by the last word of their content type.
_KINDS = {
    "drawing": "drawings",
    "chart": "charts",
    "vmlDrawing": "comment boxes or form controls (VML)",
    "comments": "comments",
    "threadedComments": "threaded comments",
    "custom-properties": "custom document properties",
    "table": "tables",
    "pivotTable": "pivot tables",
    "slicer": "slicers",
    "image": "images",
}
#: Extensions (by the `uri` of their `<ext>`) people know by name.
_EXTENSIONS = {
    "{78C0D931-6437-407d-A8EE-F0AAD7539E65}": "conditional formats of the 2010 format "
    "(data bars, icon sets)",
    "{B025F937-C7B1-47D3-B67F-A62EFF666E3E}": "conditional formats of the 2010 format",
    "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}": "sparklines",
    "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}": "data validations of the 2010 format",
    "{A8765BA9-456A-4dab-B4F3-ACF838C121DE}": "slicers",
}


def _part_kinds(package: zipfile.ZipFile) -> dict[str, int]:
    """How many parts of each content type the package holds."""
    types = etree.fromstring(package.read("[Content_Types].xml"), _PARSER)
    defaults = {
        d.get("Extension", "").lower(): d.get("ContentType", "")
        for d in types.iterfind(f"{_CT_NS}Default")
    }
    overrides = {
        o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
        for o in types.iterfind(f"{_CT_NS}Override")
    }
    counts: dict[str, int] = {}
    for name in package.namelist():
        if name.endswith("/") or name == "[Content_Types].xml" or "_rels/" in name:
            continue
        kind = overrides.get(name) or defaults.get(posixpath.splitext(name)[1][1:].lower(), "")
        if kind.startswith("image/"):
            kind = "image"
        else:
            kind = re.sub(r"\+xml$", "", kind).rsplit(".", 1)[-1]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _extensions(package: zipfile.ZipFile) -> set[str]:
    found: set[str] = set()
    for name in package.namelist():
        if name.startswith("xl/") and name.endswith(".xml"):
            data = package.read(name)
            if b"extLst" in data:
                found.update(m.decode() for m in _EXT_URI.findall(data))
    return found


def lost_in_rewrite(old: bytes, new: bytes) -> list[str]:
    """What the workbook `old` holds that the rewritten `new` no longer does, in words;
    empty when nothing is lost."""
    with zipfile.ZipFile(io.BytesIO(old)) as before, zipfile.ZipFile(io.BytesIO(new)) as after:
        kinds_before, kinds_after = _part_kinds(before), _part_kinds(after)
        lost = [
            _KINDS.get(kind, f"parts of type {kind}")
            for kind, count in sorted(kinds_before.items())
            if kind not in _REBUILT and kinds_after.get(kind, 0) < count
        ]
        missing = _extensions(before) - _extensions(after)
    lost.extend(sorted({_EXTENSIONS.get(uri, f"the extension {uri}") for uri in missing}))
    return list(dict.fromkeys(lost))
