"""A cell or range of another workbook (`'P&L'!C14`, `Pipeline!B2:B40`, `Data!C:C`), and its
last number in a workbook read through the stores."""

from __future__ import annotations

import re
from dataclasses import dataclass

from okrsheet.layout import cells
from okrsheet.sources.base import SourceError
from okrsheet.stores.base import CellValue, RawWorkbook
from okrsheet.stores.primitives import letters_to_column

_REF = re.compile(
    r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<bare>[^'!]+))!"
    r"(?P<c1>\$?[A-Za-z]{1,3})(?P<r1>\$?\d+)?(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<r2>\$?\d+)?)?$"
)


@dataclass(frozen=True)
class CellRange:
    tab: str
    first_row: int | None  # None: the whole column
    first_col: int
    last_row: int | None
    last_col: int
    text: str

    @property
    def single(self) -> bool:
        return self.first_row is not None and (self.first_row, self.first_col) == (
            self.last_row,
            self.last_col,
        )


def _col(letters: str) -> int:
    return letters_to_column(letters.lstrip("$").upper())


def parse_range(text: str) -> CellRange | None:
    """`Tab!C14`, `'P&L'!C14`, `Tab!B2:B40` or `Tab!C:C`; None when it is not one."""
    match = _REF.match(text.strip())
    if not match:
        return None
    tab = match["quoted"].replace("''", "'") if match["quoted"] else match["bare"].strip()
    c1, c2 = _col(match["c1"]), _col(match["c2"] or match["c1"])
    r1 = int(match["r1"].lstrip("$")) if match["r1"] else None
    r2 = int(match["r2"].lstrip("$")) if match["r2"] else r1 if match["c2"] is None else None
    if (r1 is None) != (r2 is None) or r1 == 0 or r2 == 0:
        return None
    if r1 is None and match["c2"] is None:
        return None  # `Tab!C` alone is not a reference
    rows = (r1, r2) if r1 is None or r2 is None else (min(r1, r2), max(r1, r2))
    return CellRange(tab, rows[0], min(c1, c2), rows[1], max(c1, c2), text.strip())


def last_number(raw: RawWorkbook, where: CellRange) -> float:
    """The range's last number, reading row by row; for one cell, that cell's number."""
    grid = raw.grid(where.tab) or next(
        (g for g in raw.grids if g.title.casefold() == where.tab.casefold()), None
    )
    if grid is None:
        raise SourceError(f"tab {where.tab!r} not found")
    first = where.first_row or 1
    last = where.last_row or len(grid.rows)
    found: float | None = None
    for row in range(first, last + 1):
        for col in range(where.first_col, where.last_col + 1):
            value = grid.cell(row, col)
            number = _number(value, strict=where.single)
            if number is not None:
                found = number
    if found is None:
        place = f"{where.tab}!{_letters(where.first_col)}{first}"
        if where.single:
            raise SourceError(f"{place} is empty")
        raise SourceError(f"no number in {where.text}")
    return found


def _number(value: CellValue, *, strict: bool) -> float | None:
    if cells.is_blank(value):
        return None
    try:
        return cells.parse_number(value)
    except cells.CellValueError as exc:
        if strict:
            raise SourceError(f"not a number: {exc}") from None
        return None


def _letters(col: int) -> str:
    from okrsheet.stores.primitives import column_letter

    return column_letter(col)
