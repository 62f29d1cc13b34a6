"""Skimming a long sheet: the rows a check-in needs (by the ids it looks for) without
parsing the rest, read straight from the sheet's XML; for a sheet the package inflates piece by
piece (`skim_stream`), without ever holding the whole of it."""

from __future__ import annotations

import functools
import posixpath
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence

from lxml import etree

from okrsheet.stores.xlsx.defer import row_end as _row_end
from okrsheet.stores.xlsx.defer import shared_indexes
from okrsheet.stores.xlsx.package import Outline, Package
from okrsheet.stores.xlsx.parts import _PARSER, PKG_REL_NS

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


_CACHED_RESULT = re.compile(
    rb"<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*<(?:\w+:)?v>\s*[^<\s]"
)


def has_cached_results(xml: bytes) -> bool:
    """Whether a formula of the sheet holds a cached result (then an append parses the sheet,
    to drop those it may have made wrong)."""
    if b"<f" not in xml and b":f" not in xml:
        return False
    return _CACHED_RESULT.search(xml) is not None


#: How much of the rows' end a `LongSheet` keeps: where an append looks for the last row.
NEAR_END = 200_000
#: How much of a long sheet `skim_stream` inflates at a time (and a write inflates again).
STEP = 1 << 20


class LongSheet(Outline):
    """A sheet known by its ends (`Outline`: before `<sheetData`, from `</sheetData>` on), with
    what an append needs of the rows between: their last `NEAR_END` bytes (`near_end`), whether
    there is any row (`rows`), and whether a formula holds a cached result (`results`)."""

    __slots__ = ("near_end", "results", "rows")

    def __init__(self, outline: Outline, near_end: bytes, rows: bool, results: bool) -> None:
        super().__init__(
            outline.head, outline.rest, outline.start, outline.end, outline.crc, outline.middle
        )
        self.near_end = near_end
        self.rows = rows
        self.results = results


class _Scan:
    """What one pass over a sheet's rows gathers, block by block of whole rows."""

    def __init__(self, patterns: Sequence[bytes], start: int) -> None:
        self.patterns = patterns
        self.at = start  # where the next block starts in the sheet
        self.crc = 0
        self.near_end = b""
        self.rows = False
        self.results = False
        self.kept: dict[int, bytes] = {}

    def block(self, xml: bytes, needles: bool = True) -> bool:
        """Take in the next `xml` of the sheet: whole rows (or the head, without `needles`);
        False when a needle lies outside a row, or in a row without its number."""
        self.crc = zlib.crc32(xml, self.crc)
        if len(xml) >= NEAR_END:
            self.near_end = xml[-NEAR_END:]
        else:
            self.near_end = (self.near_end + xml)[-NEAR_END:]
        self.rows = self.rows or b"<row" in xml
        self.results = self.results or has_cached_results(xml)
        if needles:
            size = len(xml)
            for at in _occurrences(xml, self.patterns, 0, size):
                row = xml.rfind(b"<row", 0, at)
                end = None if row < 0 else _row_end(xml, row, size)
                if row < 0 or end is None or end < at:
                    return False
                if not _ROW_NUMBER.search(xml, row, xml.find(b">", row)):
                    return False
                self.kept.setdefault(self.at + row, xml[row:end])
        self.at += len(xml)
        return True


def _head_end(xml: bytes, head_rows: int) -> tuple[int, int] | None:
    """Where `<sheetData` starts and where the first `head_rows` rows end in `xml`, the sheet's
    first bytes; None while they are not all there."""
    opening = xml.find(b"<sheetData")
    if opening < 0:
        return None
    end = xml.find(b">", opening) + 1
    if end <= 0:
        return None
    limit = len(xml)
    for _ in range(head_rows):
        row = xml.find(b"<row", end, limit)
        found = None if row < 0 else _row_end(xml, row, limit)
        if found is None:
            return None
        end = found
    return opening, end


def _closes(before: list[bytes], chunk: bytes) -> bool:
    """Whether `</sheetData>` ends in `chunk`, the piece that follows `before`."""
    last = before[-1][-11:] if before else b""
    return (last + chunk[:11]).find(b"</sheetData>") >= 0 or chunk.find(b"</sheetData>") >= 0


def skim_stream(
    package: Package, part: str, patterns: Sequence[bytes], head_rows: int
) -> tuple[bytes, LongSheet | None] | None:
    """`skim_sheet` of the member `part`, inflated and scanned piece by piece: the skimmed sheet,
    and the sheet's `LongSheet`, for an append to write without the sheet's XML (None when the
    sheet turned out short, and was read whole). None as for `skim_sheet`.

    The sheet is scanned in blocks of whole rows (cut just before a `<row`): a needle, a row
    and a cached result lie within one row, so each block tells what the whole would tell."""
    chunks = package.chunks(part, STEP)
    parts: list[bytes] = []  # what came and is not scanned yet
    size = 0
    head: tuple[int, int] | None = None
    tried = 0  # how much was there when the head was last looked for (each time twice as much)
    short = False  # `</sheetData>` came: a short sheet, or one that is all head, read whole
    for chunk in chunks:
        short = short or _closes(parts, chunk)
        parts.append(chunk)
        size += len(chunk)
        if short or size < max(400, 2 * tried):
            continue
        parts = [b"".join(parts)]
        if b"<x:" in parts[0][:400]:
            return None
        tried = size
        head = _head_end(parts[0], head_rows)
        if head is not None:
            break
    pending = b"".join(parts)
    if head is None:  # the whole sheet is in `pending`
        skimmed = skim_sheet(pending, patterns, head_rows)
        return None if skimmed is None else (skimmed, None)
    opening, head_end = head
    top = pending[:head_end]
    scan = _Scan(patterns, opening)
    scan.block(pending[opening:head_end], needles=False)
    pending = pending[head_end:]
    ending: list[bytes] = []  # from where `</sheetData>` came on, everything is kept
    for chunk in chunks:
        if ending or _closes([pending], chunk):
            ending.append(chunk)
            continue
        pending += chunk  # (what was pending is a row cut short: a copy costs little)
        cut = pending.rfind(b"<row")
        if cut > 0:
            if not scan.block(pending[:cut]):
                return None
            pending = pending[cut:]
    pending = b"".join([pending, *ending])
    close = pending.rfind(b"</sheetData>")
    if close < 0 or not scan.block(pending[:close]):
        return None
    rest = pending[close:]
    end = scan.at
    results = scan.results or has_cached_results(top[:opening]) or has_cached_results(rest)
    skimmed = b"".join([top, *(scan.kept[at] for at in sorted(scan.kept)), rest])
    outline = Outline(
        top[:opening],
        rest,
        opening,
        end,
        scan.crc,
        functools.partial(package.span, part, opening, end, STEP),
    )
    return skimmed, LongSheet(outline, scan.near_end, scan.rows, results)
