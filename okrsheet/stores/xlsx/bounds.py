"""How big a workbook okr agrees to read, checked on the package before the reader sees it.

The reader (calamine) holds each tab it reads as a dense rectangle from A1 to its farthest
cell, and gives every cell that refers to a shared string a copy of it. So a small file can
ask for a great deal of memory: one stray cell at XFD1048576 asks for 17 billion cells, and a
200 MB string shared by a thousand cells for 200 GB. Before a tab is read, its XML is scanned
(at the speed of a byte search) for its farthest row and column; the shared strings for the
longest one; the zip directory for what the parts unpack to. A tab past MAX_ROWS whose rows
are there (a check-in log of years) is a long table, not a stray cell: it is read, bounded by
its cells. What is beyond these bounds is
refused, naming the tab and the cell, with nothing read and nothing written. The bounds are
listed in docs/reliability.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from okrsheet.errors import WorkbookUnavailable
from okrsheet.stores.primitives import column_letter, letters_to_column

if TYPE_CHECKING:
    from okrsheet.stores.xlsx.package import Package

#: Rows of one tab okr reads, unless the tab's rows are really there (`long_table`).
MAX_ROWS = 250_000
#: Rows of a long table okr reads (a check-in log of years: at least half of its rows present,
#: and within MAX_CELLS): as far as a sheet goes in Excel and LibreOffice.
MAX_TABLE_ROWS = 1_048_576
#: Columns of one tab okr reads (A to ZZ).
MAX_COLUMNS = 702
#: Cells of one tab okr reads, blank ones inside its rectangle included.
MAX_CELLS = 20_000_000
#: What all the parts of the package unpack to, together.
MAX_UNPACKED_BYTES = 512 << 20
#: What the shared strings (the text of the cells, each distinct text once) unpack to.
MAX_SHARED_STRINGS_BYTES = 128 << 20
#: The text of the cells of the tabs okr reads, as the shared strings they refer to spell it.
MAX_SHARED_TEXT_BYTES = 256 << 20

_HINT = (
    "delete what is there (in Excel or LibreOffice, Ctrl+End goes to the last cell of a tab), "
    "or copy the OKR tabs into a new workbook"
)
# A row or cell reference (` r="..."`: rows' and cells' only, `ref=` and `r:id=` differ)
# whose row number is 200,000 or more; the number is then compared in Python. Starting with
# plain text lets the search skip ahead at the speed of a byte search.
_LONG_ROW = re.compile(rb' r="([A-Z]{0,3})([2-9]\d{5}|\d{7,})"')
# A cell in a column of two letters or more (AA, the 27th, or farther); and one in column CA
# (the 79th) or farther, short of which no tab within MAX_ROWS can pass MAX_CELLS.
_LETTERS = re.compile(rb' r="([A-Z]{2,})(\d+)"')
_WIDE = re.compile(rb' r="(?:[C-Z][A-Z]|[A-Z]{3,})\d')
# Either of the two above, in one pattern (group 2 is the row number of a long one). The
# letters are taken whole (`{0,3}+`): fewer of them would leave a letter where a digit must
# be, so there is nothing to go back for, and the usual cell is passed over a fifth sooner.
_FAR_OR_WIDE = re.compile(rb' r="(?:([A-Z]{0,3}+)([2-9]\d{5}|\d{7,})"|(?:[C-Z][A-Z]|[A-Z]{3,})\d)')
_ROW_NUMBER = re.compile(rb' r="(\d+)"')  # a row's (a cell's starts with its column)
_SHARED_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="s"[^>]*>\s*<(?:\w+:)?v>\s*(\d+)\s*<')
# A formula cell with no result: its formula, then no value (or an empty one) before it ends.
_NO_RESULT = re.compile(
    rb'<(?:\w+:)?c r="([A-Z]{1,3})(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)'
    rb"\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_STRING_ITEM = re.compile(rb"<(?:\w+:)?si\b")


class TooLarge(WorkbookUnavailable):
    """The workbook is beyond what okr reads (see the module's bounds)."""


def check_package(package: Package, where: str) -> None:
    """Refuse a package whose parts unpack to more than MAX_UNPACKED_BYTES (as its zip
    directory declares them; a part that unpacks to more than it declares is refused by
    `Package.read`)."""
    total = sum(package.size(name) for name in package.namelist())
    if total > MAX_UNPACKED_BYTES:
        raise TooLarge(
            f"{where} unpacks to {total / (1 << 20):,.0f} MB, beyond the "
            f"{MAX_UNPACKED_BYTES >> 20:,} MB okr reads; nothing was read",
            hint=_HINT,
        )


def check_sheets(
    package: Package,
    parts: dict[str, str],
    titles: Iterable[str],
    where: str,
    *,
    keep: bool = True,
    read: Callable[[str], bytes] | None = None,
    whole: Callable[[str], bytes] | None = None,
) -> None:
    """Refuse, naming the tab and the cell, a tab among `titles` whose farthest cell lies
    beyond MAX_ROWS or MAX_COLUMNS, or whose rectangle holds more than MAX_CELLS; and a
    workbook whose tabs' shared text exceeds MAX_SHARED_TEXT_BYTES. Unless `keep`, the
    sheets are inflated one at a time and not kept in `package` (for a read that needs
    none of them again: hundreds of person tabs come to hundreds of megabytes). `read`,
    when given, gives each sheet's XML by part instead of `package`: its values only (a
    formula holds no cell reference, so the bounds are the same), even without rows that
    lie within the bounds and refer to no shared string (`values.empty_tail`); then `whole`
    gives all its rows, to measure a wide sheet's rectangle."""
    names = set(package.namelist())
    if read is None:
        read = package.read if keep else package.peek
    shared_refs: list[str] = []
    references = 0
    for title in titles:
        part = parts.get(title)
        if part is None or part not in names:
            continue
        xml = read(part)
        far, wide = _scan(xml)
        if far is not None and _long_table(xml):
            far, wide = None, True  # its rows are there: bounded by its cells (`_check_area`)
        if far is not None:
            letters, row = far
            raise TooLarge(
                f"{where}: the tab {title!r} reaches row {row:,} ({_ref(title, letters, row)}), "
                f"beyond the {MAX_ROWS:,} rows okr reads on a tab; nothing was read",
                hint=_HINT,
            )
        if wide:  # wide enough to matter: measure it
            _check_area(xml if whole is None else whole(part), title, where)
        if b't="s"' in xml:
            shared_refs.append(part)
            references += xml.count(b't="s"')
    if shared_refs:
        _check_shared_text(package, shared_refs, references, read, where)


def long_table(present: int, last: int) -> bool:
    """Whether a tab of `present` rows down to row `last`, past MAX_ROWS, is read: a long
    table, not a few cells far apart (a check-in log never rolled over holds a row for each
    check-in of years). At least half of its rows must be there, down to MAX_TABLE_ROWS; the
    cells of its rectangle are then bounded by MAX_CELLS, as any tab's."""
    return last <= MAX_TABLE_ROWS and 2 * present >= last


def _long_table(xml: bytes) -> bool:
    """`long_table` of a sheet's XML: its last row's number (rows written in order, numbered,
    unprefixed, as okr, Excel and LibreOffice write them) against how many rows it holds."""
    at = xml.rfind(b"<row ")
    found = _ROW_NUMBER.match(xml, at + 4) if at >= 0 else None
    if found is None or b":row " in xml:
        return False
    return long_table(xml.count(b"<row "), int(found.group(1)))


def _check_area(xml: bytes, title: str, where: str) -> None:
    columns, widest = 26, (b"A", 1)
    for letters, row in set(_LETTERS.findall(xml)):
        column = letters_to_column(letters.decode())
        if column > columns:
            columns, widest = column, (letters, int(row))
    if columns > MAX_COLUMNS:
        raise TooLarge(
            f"{where}: the tab {title!r} reaches column {columns:,} ({_ref(title, *widest)}), "
            f"beyond the {MAX_COLUMNS:,} columns okr reads on a tab; nothing was read",
            hint=_HINT,
        )
    numbered = max(map(int, _ROW_NUMBER.findall(xml)), default=0)
    rows = max(numbered, xml.count(b"<row") + xml.count(b":row "))
    if rows * columns > MAX_CELLS:
        raise TooLarge(
            f"{where}: the tab {title!r} spans {rows:,} rows and {columns:,} columns, beyond "
            f"the {MAX_CELLS:,} cells okr reads on a tab; nothing was read",
            hint=_HINT,
        )


class FormulasWithoutResults:
    """The formula cells of a sheet that hold no result, asked cell by cell: a cell is looked
    up where its element is (`<c r="F2"`), without scanning the whole sheet, unless the sheet
    uses prefixed tags (then it is scanned once, `formulas_without_results`)."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.formulas = b"<f" in xml or b":f" in xml
        self.scanned = formulas_without_results(xml) if b":c " in xml else None

    def __contains__(self, cell: object) -> bool:
        if not self.formulas or not isinstance(cell, tuple) or len(cell) != 2:
            return False
        if self.scanned is not None:
            return cell in self.scanned
        row, column = cell
        letters = column_letter(column).encode()
        opening = b'<c r="%s%d"' % (letters, row)
        at = self.xml.find(opening)
        while at >= 0:
            found = _NO_RESULT.match(self.xml, at)
            if found is not None and found.group(1) == letters and int(found.group(2)) == row:
                return True
            at = self.xml.find(opening, at + 1)
        return False


def formulas_without_results(xml: bytes) -> set[tuple[int, int]]:
    """The formula cells of a sheet that hold no result, as (row, column)."""
    if b"<f" not in xml and b":f" not in xml:
        return set()
    return {
        (int(row), letters_to_column(letters.decode())) for letters, row in _NO_RESULT.findall(xml)
    }


def _scan(xml: bytes) -> tuple[tuple[bytes, int] | None, bool]:
    """`_far_row` and whether `_WIDE` occurs, in one pass over the sheet for the usual one
    (narrow, within MAX_ROWS): a long log is tens of megabytes. At the first wide cell, the
    two are looked for apart, as before."""
    for found in _FAR_OR_WIDE.finditer(xml):
        letters = found.group(1)
        if letters is None or len(letters) > 2 or (len(letters) == 2 and letters >= b"C"):
            return _far_row(xml), True  # a wide cell
        if int(found.group(2)) > MAX_ROWS:
            return _far_row(xml), _WIDE.search(xml) is not None
    return None, False


def _far_row(xml: bytes) -> tuple[bytes, int] | None:
    """The first reference beyond MAX_ROWS: a cell's, else a row's (then its first cell's)."""
    for found in _LONG_ROW.finditer(xml):
        row = int(found.group(2))
        if row <= MAX_ROWS:
            continue
        if not found.group(1):  # a row: name its first cell, if it has one
            cell = _LONG_ROW.search(xml, found.end())
            if cell is not None and cell.group(1) and int(cell.group(2)) == row:
                return cell.group(1), row
        return found.group(1), row
    return None


def _ref(title: str, letters: bytes, row: int) -> str:
    sheet = title if re.fullmatch(r"\w+", title) else "'" + title.replace("'", "''") + "'"
    return f"{sheet}!{(letters or b'A').decode()}{row}"


def _strings_within(strings: bytes, most: int) -> bool:
    """Whether every string of the shared strings part `strings` surely spans fewer than
    `most` bytes: a plain `<si>` starts in each stretch of `most // 2` bytes (a few hundred
    searches), or else no piece between two of them reaches `most` (a split, in C)."""
    step = (most - 4) // 2
    if step >= 256:
        starts = range(0, len(strings), step)
        if all(strings.find(b"<si>", at, at + step + 3) >= 0 for at in starts):
            return True
    return max(map(len, strings.split(b"<si>"))) + 4 <= most


def _check_shared_text(
    package: Package,
    sheets: list[str],
    references: int,
    read: Callable[[str], bytes],
    where: str,
) -> None:
    """The text the cells of these sheets take from the shared strings, bounded: first by
    (cells referring) x (longest string), which is enough for any ordinary workbook; when
    that is over the bound, exactly, string by string."""
    part = next((n for n in package.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if part is None:
        return
    if package.size(part) > MAX_SHARED_STRINGS_BYTES:
        raise TooLarge(
            f"{where}: its shared strings unpack to {package.size(part) / (1 << 20):,.0f} MB, "
            f"beyond the {MAX_SHARED_STRINGS_BYTES >> 20:,} MB okr reads; nothing was read",
            hint="shorten the longest texts, or copy the OKR tabs into a new workbook",
        )
    strings = package.read(part)
    # A bound of the longest string first: each piece between two plain `<si>` tags holds
    # one string or more (the 5.7 MB of a log LibreOffice saved: 98,746 strings).
    if _strings_within(strings, MAX_SHARED_TEXT_BYTES // references):
        return
    starts = [m.start() for m in _STRING_ITEM.finditer(strings)]
    if not starts:
        return
    lengths = [b - a for a, b in zip(starts, [*starts[1:], len(strings)], strict=True)]
    if references * max(lengths) <= MAX_SHARED_TEXT_BYTES:
        return
    total = 0
    for part in sheets:
        for index in _SHARED_CELL.findall(read(part)):
            number = int(index)
            total += lengths[number] if number < len(lengths) else 0
    if total > MAX_SHARED_TEXT_BYTES:
        raise TooLarge(
            f"{where}: its cells' text comes to {total / (1 << 20):,.0f} MB (the same long "
            f"text repeated in many cells), beyond the {MAX_SHARED_TEXT_BYTES >> 20:,} MB okr "
            "reads; nothing was read",
            hint="shorten the text that is repeated, or copy the OKR tabs into a new workbook",
        )
