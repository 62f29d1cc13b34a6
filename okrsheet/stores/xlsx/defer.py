"""Reading a long tab in part (`Deferred`, `RowsWanted`): its first rows with the other tabs,
and later only the rows a reader asks for, picked from the sheet's XML without parsing it.

A year's check-in log of a large company is a sheet of tens of megabytes, most of a read's
cost, while a report needs only a few of its rows. The rows asked for (a date after a day, or
anything but a plain date; a needle in a cell) are found with a few scans of the bytes, cut
out, numbered one after another so that the reader does not build the empty rectangle
between them, read, and put back at their own row numbers; the other rows read as empty.
Anything unusual (prefixed tags, a row without its number, the 1904 date system, a needle
that is not plain text) reads every row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from okrsheet.stores.base import RowsWanted
from okrsheet.stores.primitives import column_letter, serial
from okrsheet.stores.xlsx.package import Package
from okrsheet.stores.xlsx.sparse import _renumber

#: Needles that can be looked for as they are: their XML text is the text itself.
PLAIN_NEEDLE = re.compile(r"[A-Za-z0-9._-]+")
_ANY_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_SHARED_ITEM = re.compile(rb"<si[\s/>]")


def row_end(xml: bytes, row: int, limit: int) -> int | None:
    """Where the <row> element starting at `row` ends, or None if it does not look like one."""
    if not xml[row + 4 : row + 5].isspace() and xml[row + 4 : row + 5] not in (b">", b"/"):
        return None
    tag_end = xml.find(b">", row, limit)
    if tag_end < 0:
        return None
    if xml[tag_end - 1 : tag_end] == b"/":
        return tag_end + 1
    close = xml.find(b"</row>", tag_end, limit)
    return None if close < 0 else close + 6


def head(xml: bytes, head_rows: int) -> tuple[bytes, int] | None:
    """The sheet with its first `head_rows` rows only (and no `<dimension>`, by which a
    reader may size the tab), and where those rows end in `xml`; None when the sheet is
    unusual or has no more rows than that."""
    opening = xml.find(b"<sheetData")
    if opening < 0 or b":row" in xml or b"<x:" in xml[:400]:
        return None
    end = xml.find(b">", opening) + 1
    close = xml.rfind(b"</sheetData>")
    if end <= 0 or close < end:
        return None
    for _ in range(head_rows):
        row = xml.find(b"<row", end, close)
        if row < 0:
            return None  # the whole sheet is its head
        found = row_end(xml, row, close)
        if found is None:
            return None
        end = found
    if xml.find(b"<row", end, close) < 0:
        return None
    return _DIMENSION.sub(b"", xml[:end], count=1) + xml[close:], end


def pick(
    package: Package, xml: bytes, head_end: int, wanted: RowsWanted
) -> tuple[bytes, int, list[int]] | None:
    """The sheet with its head and the rows `wanted` asks for, numbered on from the head's
    last row, that row's number, and the number each row asked for has in `xml`; None to read
    every row."""
    if wanted.date_column < 1 or _date1904(package):
        return None
    patterns = _needle_patterns(package, wanted.needles)
    close = xml.rfind(b"</sheetData>")
    if patterns is None or close < head_end:
        return None
    rows = xml.count(b"<row", head_end, close)
    if not rows or xml.count(b'<row r="', head_end, close) != rows:
        return None  # a row without its number first: read as it is
    # Every row but those whose first cell is a plain number in the date column below the
    # day after `until` (a date on or before it), in one pass that yields only those rows.
    letters = column_letter(wanted.date_column).encode()
    bound = int(serial(wanted.until)) + 1
    keep = {
        int(n)
        for n in re.compile(
            rb'<row r="(\d+)"[^>]*+>(?!\s*<c r="' + letters + rb'\1"(?: s="\d+")?(?: t="n")?>'
            rb"\s*<v>(?:" + _below(bound) + rb")(?:\.\d+)?</v>)"
        ).findall(xml, head_end, close)
    }
    for at in _occurrences(xml, patterns, head_end, close):
        number = _number_at(xml, xml.rfind(b"<row", head_end, at))
        if number is None:
            return None
        keep.add(number)
    if 2 * len(keep) > rows:
        return None  # most rows: reading them all costs no more
    last = _number_at(xml, xml.rfind(b"<row", 0, head_end)) or 0
    kept = sorted(keep)
    if kept and kept[0] <= last:
        return None
    body: list[bytes] = []
    at = head_end
    for index, number in enumerate(kept, start=last + 1):
        start = _find_row(xml, number, at, close)
        if start is None:  # rows out of order: look from the top
            start = _find_row(xml, number, head_end, close)
        end = None if start is None else row_end(xml, start, close)
        if start is None or end is None:
            return None
        body.append(_renumber(xml[start:end], number - index))
        at = end
    top = _DIMENSION.sub(b"", xml[:head_end], count=1)  # a reader may size the tab by it
    return b"".join([top, *body, xml[close:]]), last, kept


def _find_row(xml: bytes, number: int, start: int, stop: int) -> int | None:
    """Where the row numbered `number` starts, looked for from `start` on."""
    at = xml.find(b'<row r="%d"' % number, start, stop)
    if at >= 0:
        return at
    found = re.compile(rb'<row\b[^>]*?\sr="%d"' % number).search(xml, start, stop)
    return None if found is None else found.start()


def _number_at(xml: bytes, at: int) -> int | None:
    """The number of the row whose tag starts at `at` (None without one)."""
    if at < 0:
        return None
    found = _ROW_NUMBER.search(xml, at, xml.find(b">", at))
    return int(found[1]) if found else None


def _below(bound: int) -> bytes:
    """A pattern for the whole numbers written in plain digits that are below `bound` (> 0):
    negative ones, those with fewer digits, and those with as many whose first differing
    digit is lower (`46388`: `-\\d+|\\d{1,4}|[0-3]\\d{4}|4[0-5]\\d{3}|...`)."""
    digits = str(bound).encode()
    choices = [rb"-\d+"]
    if len(digits) > 1:
        choices.append(rb"\d{1,%d}" % (len(digits) - 1))
    for index, digit in enumerate(digits):
        if digit > ord("0"):
            rest = len(digits) - index - 1
            lower = b"[0-%c]" % (digit - 1)
            choices.append(digits[:index] + lower + (rb"\d{%d}" % rest if rest else b""))
    return b"|".join(choices)


def _date1904(package: Package) -> bool:
    """Whether the workbook counts dates from 1904 (or cannot be told): read every row."""
    try:
        return b"date1904" in package.read("xl/workbook.xml")
    except KeyError:
        return True


def _needle_patterns(package: Package, needles: Iterable[str]) -> list[bytes] | None:
    """What a cell holding one of `needles` contains in sheet XML: the text itself (inline
    strings, cached formula results) or `<v>N</v>` for each shared string N that contains it.
    None when a needle is not plain, or the shared strings cannot be told apart."""
    wanted = sorted({n.encode() for n in needles})
    if not all(PLAIN_NEEDLE.fullmatch(n.decode()) for n in wanted):
        return None
    patterns = list(wanted)
    shared = [n for n in package.namelist() if n.lower().endswith("sharedstrings.xml")]
    if len(shared) > 1:
        return None
    if not shared or not wanted:
        return patterns
    table = package.read(shared[0])
    if b"<x:" in table[:400]:
        return None
    for needle in wanted:
        at = table.find(needle)
        while at >= 0:
            index = len(_SHARED_ITEM.findall(table, 0, at)) - 1
            if index < 0:
                return None
            patterns.append(b"<v>%d</v>" % index)
            at = table.find(needle, at + len(needle))
    return patterns


def _occurrences(xml: bytes, patterns: list[bytes], start: int, stop: int) -> Iterable[int]:
    if not patterns:
        return []
    longest_first = sorted(set(patterns), key=len, reverse=True)
    either = re.compile(b"|".join(map(re.escape, longest_first)))
    return [m.start() for m in either.finditer(xml, start, stop)]
