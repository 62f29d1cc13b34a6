"""A1 notation: column letters, sheet titles and ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------------------------

_A1_PART = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")
_CELLISH_TITLE = re.compile(r"^(?:[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


def column_letters(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """ "A" → 0, "AA" → 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def quote_title(title: str) -> str:
    """How the API writes a sheet title inside a range: quoted unless a plain identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not _CELLISH_TITLE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Format a resolved half-open grid range the way the API echoes it (``Sheet1!A1:B2``)."""
    start = f"{column_letters(c0)}{r0 + 1}"
    if r1 - r0 <= 1 and c1 - c0 <= 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{column_letters(c1 - 1)}{r1}"


@dataclass
class A1Range:
    """A parsed range: half-open indexes; ``None`` ends are unbounded (to the grid's edge)."""

    sheet_title: str | None
    r0: int
    c0: int
    r1: int | None
    c1: int | None
    whole_sheet: bool = False


def _split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'It''s'!A1`` into ("It's", "A1"); returns (None, text) without a sheet part."""
    if text.startswith("'"):
        i, name = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    name.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(name), None
                if rest.startswith("!"):
                    return "".join(name), rest[1:]
                raise ValueError(text)
            name.append(ch)
            i += 1
        raise ValueError(text)
    if "!" in text:
        sheet, cells = text.split("!", 1)
        return sheet, cells
    return None, text


def _parse_cells(cells: str) -> tuple[int, int, int | None, int | None]:
    parts = cells.split(":")
    if len(parts) > 2 or not cells:
        raise ValueError(cells)
    parsed: list[tuple[int | None, int | None]] = []
    for part in parts:
        m = _A1_PART.match(part)
        if not m or (m.group(1) is None and m.group(2) is None):
            raise ValueError(cells)
        col = column_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            raise ValueError(cells)
        parsed.append((col, row))
    (c_start, r_start) = parsed[0]
    if len(parsed) == 1:
        if c_start is None or r_start is None:
            raise ValueError(cells)
        return r_start, c_start, r_start + 1, c_start + 1
    (c_end, r_end) = parsed[1]
    # "A:A", "1:1", "A1:B", "A1:2" — missing parts become open ends.
    r0 = r_start if r_start is not None else 0
    c0 = c_start if c_start is not None else 0
    r1 = r_end + 1 if r_end is not None else None
    c1 = c_end + 1 if c_end is not None else None
    if r_start is None and r_end is not None:
        r0 = 0
    if r1 is not None and r1 <= r0:  # reversed ("B2:A1")
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return r0, c0, r1, c1
