"""Reading a tab whose cells lie far apart, without the empty rectangle between them.

The reader (calamine) holds a tab as a dense rectangle from A1 to its farthest cell: one
stray cell at `Sales!A200000` makes it build 200,000 rows of every column, seconds and
hundreds of megabytes for nothing. Before the reader sees such a tab, its XML is cut, at
every stretch of more than `GAP_ROWS` rows without a value, into pieces, each renumbered to
start at row 1; each piece is read on its own and the rows are put back where they were, the
rows between them empty (and short: a reader takes a short row's missing cells for blank).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: An empty stretch longer than this (in rows) between two rows holding values splits a tab.
GAP_ROWS = 1_000
#: A tab cut into more pieces than this is read whole (each piece costs a read).
MAX_PIECES = 8

_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>")
_R = re.compile(rb'\sr="(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_ROW_REF = re.compile(rb'(<(?:\w+:)?row\b[^>]*?\sr=")(\d+)(")')
_CELL_REF = re.compile(rb'(<(?:\w+:)?c\b[^>]*?\sr=")([A-Z]{1,3})(\d+)(")')
_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
_PLAIN_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')


def _rows(xml: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, bool]]:
    """(number, where it starts, where the next one starts, whether it holds a value) for
    each row between `start` and `end`; a row without its number stops the scan."""
    found = list(_ROW_START.finditer(xml, start, end))
    for index, match in enumerate(found):
        number = _R.search(match.group(1))
        if number is None:
            raise ValueError("a row without its number")
        stop = found[index + 1].start() if index + 1 < len(found) else end
        holds = not match.group(2) and _VALUE.search(xml, match.end(), stop) is not None
        yield int(number.group(1)), match.start(), stop, holds


# Every row tag, with its number when it comes first and whether its first cell holds a value
# ("v" or "is"; "" when it does not, or cannot be told so, and for a row without its number
# first or a prefixed tag: then the rows are looked at as `_dense` does). The search is for
# `row`, then what comes before it is told (a row's tag, a prefixed one, or text).
_ROW_FIRST_VALUE = re.compile(
    rb'row(?:(?<=<row)(?: r="(\d+)"[^>]*>\s*(?:<c\b[^>]*>\s*<(v|is)>)?)?|(?<=:row)\b)'
)


def _dense_at_once(xml: bytes, start: int, end: int) -> bool | None:
    """`_dense` of the rows between `start` and `end` of `xml`, told in one pass without
    copying them when every row is numbered first and its first cell holds a value (a check-in
    log: a hundred thousand rows); None when it cannot be told so."""
    found = _ROW_FIRST_VALUE.findall(xml, start, end)
    if not all(v for _, v in found):
        return None
    holding = [int(n) for n, _ in found]
    return all(b - a - 1 <= GAP_ROWS for a, b in zip(holding, holding[1:], strict=False))


def _dense(rows: bytes) -> bool:
    """Whether no stretch of more than `GAP_ROWS` rows without a value lies between two rows
    holding values, told in a few passes of C (a long log is a hundred thousand rows): True
    only when sure; False (look row by row) for prefixed tags or a row without its number."""
    if b":row" in rows:
        return False
    pieces = rows.split(b"<row")[1:]
    numbers = _PLAIN_ROW_NUMBER.findall(rows)
    if len(numbers) != len(pieces):
        return False
    # A piece runs from a row's tag to the next row's: a value in it is in that row.
    found = map(_VALUE.search, pieces)
    holding = [int(n) for n, value in zip(numbers, found, strict=True) if value]
    return all(b - a - 1 <= GAP_ROWS for a, b in zip(holding, holding[1:], strict=False))


def pieces(xml: bytes) -> list[tuple[int, bytes]] | None:
    """The worksheet `xml` as pieces read apart: (how many rows come before the piece, a
    worksheet of its rows numbered from 1; the first piece keeps its numbers). None when the
    rows holding values have no empty stretch longer than `GAP_ROWS` (or more than
    `MAX_PIECES` of them, or rows without numbers): then the tab is read whole."""
    last = xml.rfind(b"<row ")
    found = _PLAIN_ROW_NUMBER.match(xml, last) if last >= 0 else None
    if found is not None and int(found[1]) <= GAP_ROWS and xml.find(b":row", last) < 0:
        return None  # the common case, told from the last row alone
    tail = _LAST_ROW.findall(xml, max(0, len(xml) - (1 << 16)))
    if tail and int(tail[-1]) <= GAP_ROWS:
        return None  # told from the end of the file alone
    data = _SHEET_DATA.search(xml)
    if data is None:
        return None
    last = xml.rfind(b"</sheetData>", data.end())  # told from the end: no scan of the rows
    end = _SHEET_DATA_END.search(xml, last if last >= 0 else data.end())
    if end is None:
        return None
    dense = _dense_at_once(xml, data.end(), end.start())
    if dense if dense is not None else _dense(xml[data.end() : end.start()]):
        return None
    try:
        filled = [row for row in _rows(xml, data.end(), end.start()) if row[3]]
    except ValueError:
        return None
    groups: list[list[tuple[int, int, int, bool]]] = []
    for row in filled:
        if groups and row[0] - groups[-1][-1][0] - 1 <= GAP_ROWS:
            groups[-1].append(row)
        else:
            groups.append([row])
    if not 1 < len(groups) <= MAX_PIECES:
        return None
    head = _DIMENSION.sub(b"", xml[: data.end()])  # a reader may size the tab by it
    close = xml[end.start() : end.end()] + xml[xml.rindex(b"</") :]
    out: list[tuple[int, bytes]] = []
    for index, group in enumerate(groups):
        body = xml[group[0][1] : group[-1][2]]
        before = 0 if index == 0 else group[0][0] - 1
        if before:
            body = _renumber(body, before)
        out.append((before, head + body + close))
    return out


def _renumber(body: bytes, before: int) -> bytes:
    body = _ROW_REF.sub(lambda m: m[1] + str(int(m[2]) - before).encode() + m[3], body)
    return _CELL_REF.sub(lambda m: m[1] + m[2] + str(int(m[3]) - before).encode() + m[4], body)
