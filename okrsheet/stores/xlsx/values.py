"""A sheet's XML with its formulas left out, for a reader of cell values.

A person tab okr lays out is mostly formulas: twenty hidden helper columns and the shown
columns' formulas, over its rows and the spare rows prepared below them (about 520 kB of XML
for 12 key results, nine tenths of it formula text). A reader of values (calamine gives
values only) lexes all of it for nothing. Each `<f>` element is cut out with one pass of a
regular expression, which leaves every cell, its type and its cached result (`<v>`) as they
were: the values read are the same, from a tenth of the bytes. (In a row, a run of cells
whose formulas give empty text is cut to its first cell: the reader reads the others as the
empty text it reads where no cell is.)

Prefixed tags (`<x:f>`) and formulas whose text is not plain (a CDATA section) are left as
they are: the reader reads them as before.
"""

from __future__ import annotations

import re

# A formula element after its `<f`: empty (a shared formula's follower), or with its text
# (no `<` inside: XML escapes it). `\b` keeps out other tags that start with an f (`<filters>`).
_F = rb"\b[^>]*+>(?:(?<=/>)|[^<]*+</f>)"
# A formula, or a run of text formulas with empty results (`t="str"`, `<v></v>`) cut from the
# first one's formula to the last one's, so that the first cell stays, with the last one's
# empty result: LibreOffice caches one in each helper column of every prepared row, and the
# reader reads them as empty text, as it reads a cell that is not there. A run ends before
# a cell (`<c r=`), never at the end of the row: the row reaches as far as it did.
_FORMULA = re.compile(
    rb'<f(?:(?<= t="str"><f)' + _F + rb'(?:<v></v></c><c r="[A-Z]{1,3}+\d++"(?: s="\d++")?'
    rb' t="str"><f' + _F + rb')+(?=<v></v></c><c r=")|' + _F + rb")"
)


def without_formulas(xml: bytes) -> bytes | None:
    """`xml` without its `<f>` elements (and the cells of a run of empty text results but the
    first, see above); None when it has none (read it as it is)."""
    if b"<f" not in xml:
        return None
    return _FORMULA.sub(b"", xml)


# A row a reader takes as nothing: each cell empty, or with an empty result of a type the
# reader passes over (an empty text result, `t="str"`, or inline string counts: not here).
# Its number and its cells' lie where the bounds check has nothing to say of them (rows below
# 200,000, columns A to BZ: see `stores/xlsx/bounds`), so a tail of such rows needs no scan.
# The row's number comes first (okr, Excel and LibreOffice write it so): a row without it, or
# anything else, ends the tail where it is. Possessive throughout: a row is looked at once.
_NEAR = rb"(?:1\d{5}|\d{1,5})"
_EMPTY_CELL = (
    rb'<c r="[AB]?[A-Z]' + _NEAR + rb'"(?: s="\d++")?(?: t="[nsbe]")?(?:/>|>(?:<v></v>)?</c>)'
)
_EMPTY_ROWS = re.compile(
    rb'(?:<row r="' + _NEAR + rb'"[^>]*+>(?:(?<=/>)|(?:' + _EMPTY_CELL + rb")*+</row>))*+"
)


def empty_tail(xml: bytes) -> tuple[int, int] | None:
    """Where the rows at the end of the sheet data that hold nothing a reader takes begin,
    and where they end (`</sheetData>`); None when there are none. Those rows need no bounds
    check of their own (see above); a person tab's spare rows, 40 of them, or in a workbook
    LibreOffice saved, 983 (it writes every row it formats down to row 1000).

    One pattern takes each run of such rows whole, from the first row on; the rows that hold
    something are passed over one at a time (a tab's own rows, a few dozen), so a long tab
    whose last row holds something is answered at once."""
    close = xml.rfind(b"</sheetData>")
    if close < 0:
        return None
    last = xml.rfind(b"<row", 0, close)
    if last < 0 or _run_end(xml, last, close) != close:
        return None
    at = xml.find(b"<row", 0, close)
    while at >= 0:
        end = _run_end(xml, at, close)
        if end == close:
            return at, close
        at = xml.find(b"<row", end + 1, close)
    return None  # pragma: no cover - the last row was found empty above


def _run_end(xml: bytes, at: int, close: int) -> int:
    """Where the run of empty rows from `at` ends (`at` itself when there is none)."""
    found = _EMPTY_ROWS.match(xml, at, close)
    return at if found is None else found.end()


def without_empty_tail(xml: bytes) -> bytes | None:
    """`xml` without the rows at the end of its sheet data that hold nothing a reader takes
    (a person tab's spare rows, prepared below its key results, once their formulas are cut
    out: half of what is left); None when there are none (see `empty_tail`). For the reader
    only: the bounds are checked on every row."""
    tail = empty_tail(xml)
    return None if tail is None else xml[: tail[0]] + xml[tail[1] :]
