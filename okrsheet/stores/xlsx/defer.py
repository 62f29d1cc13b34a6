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
from collections.abc import Iterable, Iterator

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
_DATE1904 = re.compile(rb"""\sdate1904\s*=\s*["']\s*([^"'\s]*)\s*["']""")


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


def head_of(chunks: Iterable[bytes], head_rows: int) -> tuple[bytes, int] | None:
    """`head` of a sheet given as its inflated `chunks`, reading only as many of them as its
    first rows take (what follows the rows is left out of the head: a reader of cell values
    does not need it); None when the sheet is unusual or has no more rows than that."""
    tail = b"</sheetData></worksheet>"
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        if b"</sheetData>" in buffer:
            continue  # a short sheet: told whole, as `head` tells it
        # None while the head rows are not all whole or no row follows them yet.
        cut = head(buffer + tail, head_rows)
        if cut is not None:
            return cut
    return head(buffer, head_rows)


def pick(
    package: Package, xml: bytes, head_end: int, wanted: RowsWanted
) -> tuple[bytes, int, list[int]] | None:
    """The sheet with its head and the rows `wanted` asks for, numbered on from the head's
    last row, that row's number, and the number each row asked for has in `xml`; None to read
    every row."""
    return pick_streamed(package, [xml], head_end, wanted)


def pick_streamed(
    package: Package, chunks: Iterable[bytes], head_end: int, wanted: RowsWanted
) -> tuple[bytes, int, list[int]] | None:
    """`pick` of a sheet given as its inflated `chunks` (see `Package.chunks`), scanned as
    they come: only the rows asked for are kept, so a long log costs its inflating and one
    scan, and never the memory of its whole XML."""
    if wanted.date_column < 1 or _date1904(package):
        return None
    patterns = _needle_patterns(package, wanted.needles)
    if patterns is None:
        return None
    # Every row but those whose first cell is a plain number in the date column below the
    # day after `until` (a date on or before it), in one pass that yields only those rows.
    letters = column_letter(wanted.date_column).encode()
    bound = int(serial(wanted.until)) + 1
    # A row without its number first matches too, and so does a prefixed row tag (`<x:row`):
    # their group 1 is None, and every row is read. The search is for `ow` (an `o` is four
    # times rarer in a log than an `r`: a seventh of the scan's time), then what comes before
    # it is told: the one pass over the log finds all three.
    dated = re.compile(
        rb'ow(?:(?<=<row)(?: r="(\d+)"[^>]*+>(?!\s*<c r="' + letters + rb'\1"(?: s="\d+")?'
        rb'(?: t="n")?>\s*<v>(?:' + _below(bound) + rb')(?:\.\d+)?</v>)|(?! r="))|(?<=:row)\b)'
    )
    either = _either(patterns)
    scanned = [0, 0, 0]  # bytes of rows scanned, whether a row was, bytes of the rows kept
    kept: dict[int, bytes] = {}

    def scan(xml: bytes, start: int, stop: int) -> bool:
        """Keep the rows asked for among the whole rows in `xml[start:stop]`, scanned where
        they lie (a copy would cost as much as a scan); False to read every row."""
        scanned[0] += stop - start
        if not scanned[1] and xml.find(b"<row", start, stop) >= 0:
            scanned[1] = 1
        starts: dict[int, int] = {}
        for found in dated.finditer(xml, start, stop):
            if found[1] is None:
                return False  # a row without its number first, or prefixed tags
            at = found.start() - 2  # where its `<row` starts
            if starts.setdefault(int(found[1]), at) != at:
                return False  # two rows of one number: read as they are
        for found in () if either is None else either.finditer(xml, start, stop):
            at = xml.rfind(b"<row", start, found.start())
            number = _number_at(xml, at)
            if number is None or starts.setdefault(number, at) != at:
                return False
        for number, at in starts.items():
            end = row_end(xml, at, stop)
            if end is None or number in kept:
                return False
            kept[number] = xml[at:end]
            scanned[2] += end - at
        return True

    top: bytes | None = None
    last = 0
    pending = b""  # what came and is not scanned yet: a row cut short, or the sheet's end
    ending = False  # `</sheetData>` came (or may have): the rest is taken whole
    for chunk in _ended(chunks):
        final = not chunk
        if top is None:
            pending += chunk
            if len(pending) <= head_end and not final:
                continue
            if len(pending) < head_end:
                return None
            top = _DIMENSION.sub(b"", pending[:head_end], count=1)  # a reader may size by it
            last = _number_at(pending, pending.rfind(b"<row", 0, head_end)) or 0
            chunk, pending = pending[head_end:], b""  # the rest, as if it came alone
        # `</sheetData>` follows the last row: looked for from there, not through the chunk.
        ending = (
            ending
            or chunk.find(b"</sheetData>", max(0, chunk.rfind(b"</row>"))) >= 0
            or b"</sheetData>" in pending[-11:] + chunk[:11]
        )
        first = -1 if ending else chunk.find(b"<row")
        if first < 0 or final:
            pending += chunk
            if not final:
                continue
            close = pending.rfind(b"</sheetData>")
            if close < 0 or not scan(pending, 0, close):
                return None
            pending = pending[close:]
            break
        joined = pending + chunk[:first]  # the row cut short, now whole
        cut = chunk.rfind(b"<row")  # the rows before it are whole
        if not scan(joined, 0, len(joined)) or not scan(chunk, first, cut):
            return None
        pending = chunk[cut:]
    if top is None or not scanned[1] or 2 * scanned[2] > scanned[0]:
        return None  # most of the rows: reading them all costs no more
    numbers = sorted(kept)
    if numbers and numbers[0] <= last:
        return None
    body_rows = [
        _renumber(kept[number], number - index)
        for index, number in enumerate(numbers, start=last + 1)
    ]
    return b"".join([top, *body_rows, pending]), last, numbers


def _ended(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks that are not empty, then an empty one to say the sheet ended."""
    for chunk in chunks:
        if chunk:
            yield chunk
    yield b""


def _number_at(xml: bytes, at: int) -> int | None:
    """The number of the row whose tag starts at `at` (None without one)."""
    if at < 0:
        return None
    found = _ROW_NUMBER.search(xml, at, xml.find(b">", at))
    return int(found[1]) if found else None


def _below(bound: int) -> bytes:
    """A pattern for the whole numbers written in plain digits that are below `bound` (> 0):
    negative ones, those with fewer digits, and those with as many whose first differing
    digit is lower (`46388`: `4638[0-7]|463[0-7]\\d{1}|...|[0-3]\\d{4}|\\d{1,4}|-\\d+`).
    The closest to `bound` come first: a log's dates are, and each row is told in fewer
    steps (a fifth of the scan's time)."""
    digits = str(bound).encode()
    choices = [rb"-\d+"]
    if len(digits) > 1:
        choices.append(rb"\d{1,%d}" % (len(digits) - 1))
    for index, digit in enumerate(digits):
        if digit > ord("0"):
            rest = len(digits) - index - 1
            lower = b"[0-%c]" % (digit - 1)
            choices.append(digits[:index] + lower + (rb"\d{%d}" % rest if rest else b""))
    return b"|".join(reversed(choices))


def _date1904(package: Package) -> bool:
    """Whether the workbook counts dates from 1904 (or cannot be told): read every row. An
    attribute that says it does not (`date1904="false"`, as LibreOffice writes it) is told."""
    try:
        xml = package.read("xl/workbook.xml")
    except KeyError:
        return True
    said = _DATE1904.findall(xml)
    return len(said) != xml.count(b"date1904") or any(v not in (b"false", b"0") for v in said)


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
    found = shared_indexes(package.read(shared[0]), wanted)
    return None if found is None else patterns + found


def shared_indexes(table: bytes, wanted: Iterable[bytes]) -> list[bytes] | None:
    """`<v>N</v>` for each shared string N of the sharedStrings part `table` that contains one
    of `wanted` (as a cell holding it spells it); None when the strings cannot be told apart
    (a prefixed part, or a needle before the first string)."""
    if b"<x:" in table[:400]:
        return None
    found: list[bytes] = []
    for needle in wanted:
        at = table.find(needle)
        while at >= 0:
            index = len(_SHARED_ITEM.findall(table, 0, at)) - 1
            if index < 0:
                return None
            found.append(b"<v>%d</v>" % index)
            at = table.find(needle, at + len(needle))
    return found


def _either(patterns: list[bytes]) -> re.Pattern[bytes] | None:
    """One pattern for any of `patterns` (None for none)."""
    if not patterns:
        return None
    longest_first = sorted(set(patterns), key=len, reverse=True)
    return re.compile(b"|".join(map(re.escape, longest_first)))
