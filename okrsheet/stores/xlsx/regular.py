"""Reading a long tab of regular rows (a check-in log) with the reader only for what it must tell.

A year's check-in log of a large company is a hundred thousand rows of eight cells: the reader
(calamine) lexes every one of them, most of a report's read when the report needs every line
(`okr report` draws each key result's history). Such rows are regular: each cell is a number,
a date or a short text, written the same way. Here the rows are cut out of the sheet's XML by
one pattern (a cell's markup whole, `s="5" t="n"><v>46030</v></c>`), each distinct cell
markup is told once, and the rows are put together from what each markup tells, column by
column:

- a text plainly written (an inline string with nothing to unescape, trim or translate) is
  its text; an empty cell is "";
- every other markup (numbers, dates, times and booleans, whose value depends on the cell's
  style, and texts with entities or spaces at their ends) is told by the reader itself: one
  cell of each distinct markup, in a small sheet of its own (`Regular.probe`), read in place
  of the long one. The values are the reader's, by construction.

The rows come out as the reader gives them (`to_python(skip_empty_area=False)`): from A1 to
the farthest cell holding a value, missing cells "". Anything this does not recognise (a cell
or row written otherwise, shared strings, formulas, comments, rows out of order, a column past
Z, a stretch of rows without values that `stores.xlsx.sparse` would cut, bounds past those of
`stores.xlsx.bounds`, a markup the reader tells as blank) makes `scan` or `Regular.rows` say
None: the tab is then read as any other.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from dataclasses import dataclass

from okrsheet.stores.base import CellValue
from okrsheet.stores.xlsx.bounds import MAX_CELLS, MAX_ROWS, long_table
from okrsheet.stores.xlsx.sparse import GAP_ROWS

#: At most this many columns (A to Z): a check-in log has eight.
MAX_WIDTH = 26
#: Tabs whose sheet is longer than this are scanned (a year's log of 150 people: 41 MB).
MIN_BYTES = 1 << 20

# A cell's markup after its reference: empty (`/>`), or a value (`<v>`) or inline text
# (`<is><t>`) without markup inside. No `<` or `/` in its attributes: anything else (a
# formula, rich text, a prefixed tag) fails the row, and the tab is read as any other.
# (Possessive: nothing to go back for, and each row is told a fifth sooner.)
_CELL = (
    rb'(?:<c r="%s\1"([^<>/]*+(?:><v>[^<]*+</v></c>|><is><t[^<>]*+>[^<]*+</t></is></c>|/>|></c>)))?'
)
# An empty cell, told without the reader (`<c r="D5" s="3"/>`: nothing, and no extent).
_EMPTY = re.compile(rb'(?: s="\d+")?(?: t="n")?(?:/>|></c>)')
# Inline text with nothing to unescape (`&`), translate (`_x000D_`), normalise (control
# characters) or trim (spaces at either end): the text itself. (Empty text is asked: whether
# it counts toward the tab's extent is the reader's to say.)
_PLAIN = re.compile(
    rb'(?: s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>'
    rb"([^&<_\s](?:[^&<_\x00-\x1f]*[^&<_\s])?)</t></is></c>"
)
# What opens a plain text's markup, and what closes it.
_PLAIN_OPENING = re.compile(rb'(?: s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>')
_PLAIN_CLOSING = b"</t></is></c>"
# What a column's texts told together may not hold (one a line): what `_PLAIN` leaves out,
# and any control character (stricter than `_PLAIN`, which lets one open or close a text).
_UNPLAIN = re.compile(rb"[\x00-\x09\x0b-\x1f&<_]")
# Nor an empty text, or a space at either end of one.
_UNPLAIN_LINES = (b"\n\n", b"\n ", b" \n")
_SHEET_DATA = b"<sheetData>"
_SHEET_DATA_END = b"</sheetData>"
_LAST_CELL = re.compile(rb'<c r="([A-Z]+)\d+"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")


@functools.cache
def _row_pattern(width: int) -> re.Pattern[bytes]:
    letters = (chr(ord("A") + n).encode() for n in range(width))
    return re.compile(
        rb'<row r="(\d+)">' + b"".join(_CELL % letter for letter in letters) + b"</row>"
    )


@dataclass
class Regular:
    """A long tab's rows cut out of its XML, waiting for the reader to tell the markups
    `probe` holds (`rows`)."""

    head: bytes  # the sheet's XML before its rows (its namespaces, for the probe)
    numbers: list[int]  # each row's number, ascending
    columns: list[list[bytes]]  # each column's cell markups, row by row (b"": no cell)
    told: dict[bytes, CellValue]  # what the markups told without the reader say
    texts: dict[int, list[str]]  # the columns of plain texts only, by index: their texts
    nothing: frozenset[bytes]  # the markups of cells holding nothing (no extent)
    asked: list[bytes]  # the markups only the reader tells, in the probe's order

    def probe(self) -> bytes:
        """A sheet of one cell of each markup in `asked`, each in its own row (row n is
        `asked[n - 1]`), for the reader to read in place of the long tab."""
        cells = (b'<row r="%d"><c r="A%d"%s</row>' % (n, n, m) for n, m in enumerate(self.asked, 1))
        return b"".join([self.head, _SHEET_DATA, *cells, _SHEET_DATA_END, b"</worksheet>"])

    def rows(self, probed: list[list[CellValue]]) -> list[list[CellValue]] | None:
        """The tab's rows, as the reader would give them, from what it gave for `probe`;
        None when a markup it was asked about reads as blank (whether such a cell counts
        toward the tab's extent cannot be told from here: read the tab as any other)."""
        told = dict(self.told)
        for n, markup in enumerate(self.asked):
            value = probed[n][0] if n < len(probed) and probed[n] else ""
            if value == "":
                return None
            told[markup] = value
        # A cell counts toward the tab's extent unless it holds nothing (no cell, `/>`).
        nothing = self.nothing
        width = 0
        for index, column in enumerate(self.columns):
            if not nothing.issuperset(column):
                width = index + 1
        if width == 0:
            return None
        kept = self.columns[:width]
        if len(nothing) == 1:  # no cell written empty: a row holds a value if it has a cell
            filled = list(map(any, zip(*kept, strict=True)))
        else:
            filled = [not nothing.issuperset(markups) for markups in zip(*kept, strict=True)]
        held = list(itertools.compress(self.numbers, filled))
        if any(b - a - 1 > GAP_ROWS for a, b in itertools.pairwise(held)):
            return None  # the sparse reader would read it in pieces: read it as it does
        last = len(filled) - filled[::-1].index(True)
        get, texts = told.__getitem__, self.texts
        values = zip(
            *(
                texts[index][:last] if index in texts else map(get, column[:last])
                for index, column in enumerate(kept)
            ),
            strict=True,
        )
        if self.numbers[last - 1] == last:  # rows 1 to `last`, none missing
            return list(map(list, values))
        out: list[list[CellValue]] = []
        for number, row in zip(self.numbers[:last], values, strict=True):
            if number - 1 > len(out):
                out.extend([""] * width for _ in range(number - 1 - len(out)))
            out.append(list(row))
        return out


def scan(xml: bytes) -> Regular | None:
    """The rows of a worksheet's XML when they are regular (see the module); None to read it
    as any other tab."""
    opening = xml.find(_SHEET_DATA)
    close = xml.rfind(_SHEET_DATA_END)
    if opening < 0 or close < opening or xml.find(_SHEET_DATA, opening + 1) >= 0:
        return None
    start = opening + len(_SHEET_DATA)
    width = _width(xml, start, close)
    if width is None:
        return None
    pattern = _row_pattern(width)
    if pattern.match(xml, start, close) is None or b' t="s"' in xml[start : start + (1 << 16)]:
        return None  # not regular from its first row, or in shared strings (LibreOffice's)
    found = pattern.findall(xml, start, close)
    numbers_text, *columns = map(list, zip(*found, strict=True))
    del found
    # The rows found are the whole of the sheet's rows, one after another: their lengths
    # (`<row r="N">` and `</row>`, `<c r="AN"` and its markup) add up to it.
    lengths = list(map(len, numbers_text))
    found_length = 16 * len(lengths) + sum(lengths)
    per_cell = list(map(operator.add, lengths, itertools.repeat(8)))
    for column in columns:
        found_length += sum(map(len, column))
        found_length += sum(itertools.compress(per_cell, column))
    if found_length != close - start:
        return None
    numbers = list(map(int, numbers_text))
    last = numbers[-1]
    if numbers[0] < 1 or last > MAX_ROWS and not long_table(len(numbers), last):
        return None
    if last * width > MAX_CELLS:
        return None
    if not all(map(operator.lt, numbers, itertools.islice(numbers, 1, None))):
        return None  # rows out of order or twice: read as they are
    told: dict[bytes, CellValue] = {b"": ""}
    nothing = {b""}
    asked: list[bytes] = []
    # A column of different plain texts (a check-in's id, a new one on every row) is told in
    # one pass, not markup by markup.
    texts = {index: said for index, column in enumerate(columns) if (said := _texts(column))}
    others = (column for index, column in enumerate(columns) if index not in texts)
    plain = _PLAIN.fullmatch
    for markup in dict.fromkeys(itertools.chain.from_iterable(others)):
        text = plain(markup)
        if text is not None:
            try:
                told[markup] = text[1].decode()
            except UnicodeDecodeError:
                return None
        elif markup in told:
            continue
        elif _EMPTY.fullmatch(markup) is not None:
            told[markup] = ""
            nothing.add(markup)
        elif b' t="s"' in markup:
            return None  # shared strings: the reader's own way (and its bounds)
        else:
            asked.append(markup)
    head = _DIMENSION.sub(b"", xml[:opening], count=1)  # the probe is not that size
    return Regular(head, numbers, columns, told, texts, frozenset(nothing), asked)


def _texts(column: list[bytes]) -> list[str] | None:
    """The texts of a column whose every cell is plain text, as telling each markup
    (`_PLAIN`) would give them; None when one is not (the column is told one by one). The
    cells below the first (its header) are told together when opened the same way, and only
    where they look all different (a check-in's id): each markup told once is cheaper for
    texts that repeat."""
    middle = len(column) // 2
    sample = column[max(1, middle - 2048) : middle + 2048]
    if len(set(sample)) < len(sample) or len(column) < 2:
        return None  # values that repeat are told once each, cheaper than all together
    header = _PLAIN.fullmatch(column[0])
    second = column[1]
    opening = _PLAIN_OPENING.match(second)
    if header is None or opening is None or not second.endswith(_PLAIN_CLOSING):
        return None
    head, body = opening[0], column[1:]
    if not all(map(bytes.startswith, body, itertools.repeat(head))) or not all(
        map(bytes.endswith, body, itertools.repeat(_PLAIN_CLOSING))
    ):
        return None
    start, end = len(head), -len(_PLAIN_CLOSING)
    lines = b"\n".join([header[1], *[markup[start:end] for markup in body]])
    if (
        lines.count(b"\n") != len(body)
        or lines.endswith((b"\n", b" "))
        or any(x in lines for x in _UNPLAIN_LINES)
        or _UNPLAIN.search(lines) is not None
    ):
        return None
    try:
        return lines.decode().split("\n")
    except UnicodeDecodeError:
        return None


def _width(xml: bytes, start: int, close: int) -> int | None:
    """How many columns the rows' pattern looks for: as far as the first rows and the last
    reach (a row reaching farther fails the pattern, and the tab is read as any other)."""
    ends = [xml.rfind(b"</row>", start, close)]
    at = start
    for _ in range(50):
        at = xml.find(b"</row>", at + 1, close)
        if at < 0:
            break
        ends.append(at)
    width = 0
    for end in ends:
        if end < 0:
            return None
        begin = xml.rfind(b"<row", start, end)
        letters = _LAST_CELL.findall(xml, begin, end)
        if letters:
            column = sum(26**i * (c - 64) for i, c in enumerate(reversed(letters[-1])))
            width = max(width, column)
    return width if 0 < width <= MAX_WIDTH else None
