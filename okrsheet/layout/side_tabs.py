"""The tabs beside the OKR tabs, Initiatives and KPIs: their names, and the reading both
share (the table found by its headers, each row's cells parsed). Both tabs are optional:
a workbook without them (made before they existed) reads as before."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from okrsheet.domain.initiatives import Initiative
from okrsheet.domain.kpis import KPI
from okrsheet.layout.cells import is_blank
from okrsheet.layout.schema import Column
from okrsheet.layout.tables import Finding, Table, find_table, tab_ref
from okrsheet.layout.tables import duplicate_headers as _duplicate_headers
from okrsheet.layout.tables import missing_headers as _missing_headers
from okrsheet.stores.base import (
    CellValue,
    Grid,
)

INITIATIVES_TAB = "Initiatives"
KPIS_TAB = "KPIs"
EXTRA_TABS = (INITIATIVES_TAB, KPIS_TAB)


@dataclass
class ExtraTabs:
    initiatives: list[Initiative] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _table(grid: Grid, columns: Sequence[Column], findings: list[Finding]) -> Table | None:
    table = find_table(grid, columns, min_matches=2)
    if table is None:
        if any(not is_blank(v) for row in grid.rows for v in row):
            findings.append(
                Finding(
                    "error",
                    "missing-header",
                    "no header row with "
                    + ", ".join(repr(c.header) for c in columns if c.required)
                    + " in the first rows; the tab is not read",
                    tab_ref(grid.title),
                )
            )
        return None
    problems = _missing_headers(grid, table, columns) + _duplicate_headers(grid, table, columns)
    findings.extend(problems)
    if any(p.code == "missing-header" for p in problems):
        return None
    return table


def _rows(grid: Grid, table: Table) -> list[tuple[int, Callable[[str], CellValue]]]:
    def getter(row: int) -> Callable[[str], CellValue]:
        def get(key: str) -> CellValue:
            col = table.columns.get(key)
            return grid.cell(row, col) if col else None

        return get

    return [
        (row, getter(row))
        for row in range(table.header_row + 1, len(grid.rows) + 1)
        if not all(is_blank(v) for v in grid.rows[row - 1])
    ]


def _parse_cell(
    table: Table,
    row: int,
    get: Callable[[str], CellValue],
    key: str,
    parser: Callable[[CellValue], Any],
    columns: Sequence[Column],
    bad: list[Finding],
) -> Any:
    """A cell through its parser; a `bad-cell` finding (and None) when it cannot be read."""
    try:
        return parser(get(key))
    except ValueError as exc:  # CellValueError is one
        label = next(c.header for c in columns if c.key == key)
        bad.append(Finding("error", "bad-cell", f"{label}: {exc}", table.ref(row, key)))
        return None


# Writing ------------------------------------------------------------------------------------


def _index(columns: Sequence[Column]) -> dict[str, int]:
    return {c.key: i for i, c in enumerate(columns, start=1)}
