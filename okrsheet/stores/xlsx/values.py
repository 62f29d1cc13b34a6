"""A sheet's XML with its formulas left out, for a reader of cell values.

A person tab okr lays out is mostly formulas: twenty hidden helper columns and the shown
columns' formulas, over its rows and the spare rows prepared below them (about 520 kB of XML
for 12 key results, nine tenths of it formula text). A reader of values (calamine gives
values only) lexes all of it for nothing. Each `<f>` element is cut out with one pass of a
regular expression, which leaves every cell, its type and its cached result (`<v>`) as they
were: the values read are the same, from a tenth of the bytes.

Prefixed tags (`<x:f>`) and formulas whose text is not plain (a CDATA section) are left as
they are: the reader reads them as before.
"""

from __future__ import annotations

import re

# A formula element: empty (a shared formula's follower), or with its text (no `<` inside:
# XML escapes it). `\b` keeps out other tags that start with an f (`<filters>`).
_FORMULA = re.compile(rb"<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>")


def without_formulas(xml: bytes) -> bytes | None:
    """`xml` without its `<f>` elements; None when it has none (read it as it is)."""
    if b"<f" not in xml:
        return None
    return _FORMULA.sub(b"", xml)


# A row a reader takes as nothing: each cell empty, or with an empty result of a type the
# reader passes over (an empty text result, `t="str"`, or inline string counts: not here).
_EMPTY_ROW = re.compile(
    rb"<row\b[^>]*/>|<row\b[^>]*>"
    rb'(?:<c r="[A-Z]{1,3}\d+"(?: s="\d+")?(?: t="[nsbe]")?(?:/>|>(?:<v></v>)?</c>))*</row>'
)


def without_empty_tail(xml: bytes) -> bytes | None:
    """`xml` without the rows at the end of its sheet data that hold nothing a reader takes
    (a person tab's spare rows, prepared below its key results, once their formulas are cut
    out: half of what is left); None when there are none. Each row is looked at once, from
    the last one back. For the reader only: the bounds are checked on every row."""
    close = xml.rfind(b"</sheetData>")
    if close < 0:
        return None
    cut = close
    while True:
        row = xml.rfind(b"<row", 0, cut)
        if row < 0 or _EMPTY_ROW.fullmatch(xml, row, cut) is None:
            break
        cut = row
    return None if cut == close else xml[:cut] + xml[close:]
