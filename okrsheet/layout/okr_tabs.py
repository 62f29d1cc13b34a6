"""The live OKR tabs of a workbook (archived cycles are history, never written to), and the
columns okr adds to a tab made before they existed: what the writer, the Dashboard, check-ins
and transfers share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from okrsheet.layout.formulas import INPUT_KEYS
from okrsheet.layout.schema import (
    CALCULATED_KEYS,
    FIX_ADDS_KEYS,
    OKR_COLUMNS,
    is_archive,
)
from okrsheet.layout.tables import Table, find_table

if TYPE_CHECKING:
    from okrsheet.stores.base import Grid, RawWorkbook, WriteValue


def okr_tables(raw: RawWorkbook) -> list[Table]:
    """The live OKR tabs; archived cycles are history and never written to."""
    tables = []
    for grid in raw.grids:
        if is_archive(grid.title):
            continue
        table = find_table(grid, OKR_COLUMNS, min_matches=4)
        if table is not None and "type" in table.columns and "id" in table.columns:
            tables.append(table)
    return tables


def completed_columns(grid: Grid, table: Table) -> dict[tuple[int, int], WriteValue]:
    """Headers for the calculated columns (and the newer typed ones, FIX_ADDS_KEYS) a tab
    lacks, placed after everything in it; the
    table's column map is extended in place. Nothing when an input column is missing."""
    if not all(key in table.columns for key in INPUT_KEYS):
        return {}
    wanted = CALCULATED_KEYS | set(FIX_ADDS_KEYS)
    missing = [c for c in OKR_COLUMNS if c.key in wanted and c.key not in table.columns]
    width = max([len(r) for r in grid.rows] + [max(table.columns.values())])
    headers: dict[tuple[int, int], WriteValue] = {}
    for offset, column in enumerate(missing, start=1):
        table.columns[column.key] = width + offset
        headers[(table.header_row, width + offset)] = column.header
    return headers
