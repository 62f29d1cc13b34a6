"""Skimming a long sheet: the rows a check-in needs (by the ids it looks for) without
parsing the rest, read straight from the sheet's XML."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence

from lxml import etree

from okrsheet.stores.xlsx.defer import row_end as _row_end
from okrsheet.stores.xlsx.defer import shared_indexes
from okrsheet.stores.xlsx.package import Package
from okrsheet.stores.xlsx.patch import _PARSER, PKG_REL_NS

SHARED_STRINGS_TYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)
#: Needles `skim_sheet` can look for: their XML text is the text itself, with no escapes.
PLAIN_NEEDLE = re.compile(r"[A-Za-z0-9._-]+")


def shared_strings_part(package: Package) -> str | None:
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"), _PARSER)
    for rel in rels.iterfind(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("Type") == SHARED_STRINGS_TYPE:
            target = str(rel.get("Target", ""))
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']""")


def needle_patterns(package: Package, needles: Iterable[str]) -> list[bytes] | None:
    """What a cell holding one of `needles` contains in sheet XML: the text itself (inline
    strings, cached formula results) or `<v>N</v>` for each shared string N that contains it.
    None when a needle is not plain (its XML spelling could vary)."""
    wanted = [n.encode() for n in needles]
    if not all(PLAIN_NEEDLE.fullmatch(n.decode()) for n in wanted):
        return None
    patterns = list(wanted)
    part = shared_strings_part(package)
    if part is None or part not in package.namelist():
        return patterns
    found = shared_indexes(package.read(part), wanted)
    return None if found is None else patterns + found


def _occurrences(xml: bytes, patterns: Sequence[bytes], start: int, stop: int) -> Iterator[int]:
    """Where any of `patterns` occurs in `xml[start:stop]`: one scan per pattern for a few
    (bytes.find is the fastest scan there is), one regular expression for many."""
    if len(patterns) <= 8:
        for pattern in patterns:
            at = xml.find(pattern, start, stop)
            while at >= 0:
                yield at
                at = xml.find(pattern, at + 1, stop)
        return
    longest_first = sorted(set(patterns), key=len, reverse=True)
    for match in re.compile(b"|".join(map(re.escape, longest_first))).finditer(xml, start, stop):
        yield match.start()


def skim_sheet(xml: bytes, patterns: Sequence[bytes], head_rows: int) -> bytes | None:
    """The sheet with only its first `head_rows` rows and the rows where one of `patterns`
    occurs; everything around the rows is kept. Rows keep their numbers (`r`), so a reader
    sees the kept rows where they are and blank rows between them. None when the sheet is
    unusual (prefixed tags, a kept row without its number) or has no rows to leave out."""
    opening = xml.find(b"<sheetData")
    if opening < 0 or b"<x:" in xml[:400]:
        return None
    rows_start = xml.find(b">", opening) + 1
    close = xml.rfind(b"</sheetData>")
    if rows_start <= 0 or close < rows_start:
        return None
    head_end = rows_start
    for _ in range(head_rows):
        row = xml.find(b"<row", head_end, close)
        if row < 0:
            return None  # the whole sheet is its head: nothing to leave out
        end = _row_end(xml, row, close)
        if end is None:
            return None
        head_end = end
    kept: set[tuple[int, int]] = set()
    for at in _occurrences(xml, patterns, head_end, close):
        row = xml.rfind(b"<row", head_end, at)
        end = None if row < 0 else _row_end(xml, row, close)
        if row < 0 or end is None or end < at:
            return None
        if not _ROW_NUMBER.search(xml, row, xml.find(b">", row)):
            return None  # its number comes from its place: it cannot move
        kept.add((row, end))
    return b"".join([xml[:head_end], *(xml[a:b] for a, b in sorted(kept)), xml[close:]])
