"""Tabs read as tables, and the places in them: A1 references, header rows, findings that name
a cell (`Alice!G7`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from okrsheet.domain.model import Severity
from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError, is_blank
from okrsheet.layout.schema import TYPE_KEY_RESULT, TYPE_OBJECTIVE, Column, normalize_header
from okrsheet.stores.base import CellValue, Grid, RawWorkbook
from okrsheet.stores.primitives import column_letter as column_letter
from okrsheet.stores.primitives import letters_to_column

HEADER_SCAN_ROWS = 10


def tab_ref(tab: str) -> str:
    return tab if re.fullmatch(r"[A-Za-z0-9_]+", tab) else "'" + tab.replace("'", "''") + "'"


def cell_ref(tab: str, row: int, col: int) -> str:
    """`Alice!G7`, or `'Bob Smith'!G7` when the tab name needs quoting."""
    return f"{tab_ref(tab)}!{column_letter(col)}{row}"


@dataclass(frozen=True)
class CellFix:
    """What `okr validate --fix` writes for a finding whose intent is unambiguous: one cell
    (1-based row and column) of one tab, and its new value."""

    tab: str
    row: int
    col: int
    value: float | date


@dataclass(frozen=True)
class Finding:
    """A problem found in the workbook, with the place it is at (`Alice!G7`, `Settings`), and
    the cell `okr validate --fix` would write to repair it, when the repair is sure."""

    severity: Severity
    code: str
    message: str
    where: str | None = None
    fix: CellFix | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class Table:
    """A tab read as a table: where its header is and which column holds what."""

    title: str
    header_row: int
    columns: dict[str, int]
    extra_columns: dict[int, str] = field(default_factory=dict)

    def col(self, key: str) -> int | None:
        return self.columns.get(key)

    def ref(self, row: int, key: str) -> str:
        col = self.columns.get(key) or self.columns.get("id") or 1
        return cell_ref(self.title, row, col)

    def fix(self, row: int, key: str, value: float | date) -> CellFix | None:
        """The repair of one cell of this table, when the table has that column."""
        col = self.columns.get(key)
        return None if col is None else CellFix(self.title, row, col, value)


@functools.cache
def _header_lookup(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Every accepted spelling of every header, normalised, to its column."""
    lookup: dict[str, Column] = {}
    for column in reversed(columns):
        for name in (column.header, *column.aliases):
            lookup[normalize_header(name)] = column
    return lookup


def find_table(grid: Grid, columns: Sequence[Column], *, min_matches: int = 3) -> Table | None:
    """Find the header row (it may sit below a title row) and map known headers to columns."""
    # One command looks a tab up a dozen times (reader, planner, results): what was found is
    # kept with the grid, and holds while the rows it was found in are as they were.
    # (By the columns' identity: a schema's tuple of columns is a constant, and hashing its
    # columns on every look-up cost more than the look-up saved. The head is compared as
    # lists, without building tuples of it.)
    head = grid.rows[:HEADER_SCAN_ROWS]
    key = (id(columns), min_matches)
    kept: dict[object, _Found] = grid.__dict__.setdefault(_FOUND, {})
    found = kept.get(key)
    if (
        found is None
        or found.columns is not columns
        or found.title != grid.title
        or found.head != head
    ):
        table = _find_table(grid, columns, min_matches)
        found = kept[key] = _Found(columns, grid.title, [list(row) for row in head], table)
    table = found.table
    if table is None:
        return None
    return Table(table.title, table.header_row, dict(table.columns), dict(table.extra_columns))


#: The attribute of a `Grid` under which `find_table` keeps what it found.
_FOUND = "_okrsheet_tables"


@dataclass(frozen=True)
class _Found:
    """What `find_table` found, and what it was found in (a copy of the head rows)."""

    columns: Sequence[Column]
    title: str
    head: list[list[CellValue]]
    table: Table | None


def _find_table(grid: Grid, columns: Sequence[Column], min_matches: int) -> Table | None:
    lookup = _header_lookup(tuple(columns))
    for index, row in enumerate(grid.rows[:HEADER_SCAN_ROWS], start=1):
        mapping: dict[str, int] = {}
        extra: dict[int, str] = {}
        for col, value in enumerate(row, start=1):
            if is_blank(value):
                continue
            text = cells.parse_text(value)
            column = lookup.get(normalize_header(text))
            if column is None:
                extra[col] = text
            elif column.key not in mapping:
                mapping[column.key] = col
            else:
                extra[col] = text
        if len(mapping) >= min(min_matches, len(columns)):
            return Table(grid.title, index, mapping, extra)
    return None


def duplicate_headers(grid: Grid, table: Table, columns: Sequence[Column]) -> list[Finding]:
    findings = []
    for col, text in table.extra_columns.items():
        column = next((c for c in columns if c.matches(text)), None)
        if column is not None:
            first = table.columns[column.key]
            findings.append(
                Finding(
                    "error",
                    "duplicate-header",
                    f"a second {column.header!r} column; the first is "
                    f"{cell_ref(grid.title, table.header_row, first)}: rename or delete one",
                    cell_ref(grid.title, table.header_row, col),
                )
            )
    return findings


def missing_headers(grid: Grid, table: Table, columns: Sequence[Column]) -> list[Finding]:
    missing = [c.header for c in columns if c.required and c.key not in table.columns]
    if not missing:
        return []
    return [
        Finding(
            "error",
            "missing-header",
            f"the header row lacks {', '.join(repr(m) for m in missing)}",
            f"{tab_ref(grid.title)}!{table.header_row}:{table.header_row}",
        )
    ]


def column_number(where: str | None) -> int:
    """The column of a `Tab!G7` reference as a number, to list a row's problems left to right."""
    letters = (where or "").rpartition("!")[2].rstrip("0123456789")
    return letters_to_column(letters.upper())


def pydantic_messages(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(field, message) pairs in words a person understands."""
    out: list[tuple[str | None, str]] = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else None
        kind = error["type"]
        if kind == "string_too_short":
            message = "must not be empty"
        elif kind == "missing":
            message = "is missing"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        out.append((name, message))
    return out


def field_label(name: str | None) -> str:
    return (name or "row").replace("_", " ")


def grid_named(raw: RawWorkbook, title: str) -> Grid | None:
    wanted = normalize_header(title)
    return next((g for g in raw.grids if normalize_header(g.title) == wanted), None)


def model_errors(table: Table, row: int, exc: ValidationError) -> list[Finding]:
    """A row pydantic refused, one finding per field, at the field's cell."""
    return [
        Finding("error", "invalid", f"{field_label(name)}: {message}", table.ref(row, name or "id"))
        for name, message in pydantic_messages(exc)
    ]


def parse_row_type(value: CellValue) -> str | None:
    """`objective` or `key result` as a Type cell says it (also `O`, `KR`...); None when blank."""
    if is_blank(value):
        return None
    key = normalize_header(cells.parse_text(value))
    if key in ("objective", "o", "obj"):
        return TYPE_OBJECTIVE
    if key in ("key result", "kr", "keyresult", "result"):
        return TYPE_KEY_RESULT
    raise CellValueError(
        f"{cells.parse_text(value)!r} is not a row type; use {TYPE_OBJECTIVE!r} or "
        f"{TYPE_KEY_RESULT!r}"
    )
