"""How many objectives the Dashboard has room for, and the warning when people typed more.

Every read asks this (`okr validate` warns `dashboard-short`), so it stands apart from the
Dashboard's formulas and the writer, which only writes need."""

from __future__ import annotations

from okrsheet.layout import cells
from okrsheet.layout.schema import (
    DASHBOARD_TAB,
    OKR_COLUMNS,
    TYPE_KEY_RESULT,
    TYPE_OBJECTIVE,
    is_archive,
    normalize_header,
)
from okrsheet.layout.tables import Finding, find_table, parse_row_type, tab_ref
from okrsheet.stores.base import Grid, RawWorkbook

#: The Dashboard's hidden column of slot numbers (1, 2, 3... one per line of its list).
SLOT_COLUMN = 19


def dashboard_grid(raw: RawWorkbook) -> Grid | None:
    wanted = normalize_header(DASHBOARD_TAB)
    return next((g for g in raw.grids if normalize_header(g.title) == wanted), None)


def objective_count(raw: RawWorkbook) -> int:
    """The objective rows of the live OKR tabs (readable or not: each needs a line)."""
    count = 0
    for grid in raw.grids:
        if is_archive(grid.title):
            continue
        table = find_table(grid, OKR_COLUMNS, min_matches=4)
        if table is None or "type" not in table.columns or "id" not in table.columns:
            continue  # as `okr_tabs.okr_tables`
        column = table.columns["type"] - 1
        for values in grid.rows[table.header_row :]:
            value = values[column] if column < len(values) else None
            if value in _KNOWN_TYPES:  # as typed by okr, or blank: told at once
                count += value == TYPE_OBJECTIVE
                continue
            try:
                kind = parse_row_type(value)
            except cells.CellValueError:
                continue
            count += kind == TYPE_OBJECTIVE
    return count


#: Type cells told without parsing: okr's own spellings, and blank ones (a prepared row).
_KNOWN_TYPES = frozenset({TYPE_OBJECTIVE, TYPE_KEY_RESULT, "", None})


def slots_of(grid: Grid) -> int | None:
    """How many objectives the Dashboard's list has room for, from its hidden slot numbers
    (None when they were not read: a spreadsheet made before they were read back)."""
    numbers = [
        v
        for row in grid.rows[1:]
        if len(row) >= SLOT_COLUMN
        for v in (row[SLOT_COLUMN - 1],)
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return int(max(numbers)) if numbers else None


def dashboard_findings(raw: RawWorkbook) -> list[Finding]:
    """A warning when the Dashboard lists fewer objectives than the workbook has."""
    grid = dashboard_grid(raw)
    have = slots_of(grid) if grid is not None else None
    if grid is None or have is None:
        return []
    objectives = objective_count(raw)
    if objectives <= have:
        return []
    message = (
        f"the Dashboard has room for {have} objectives but the workbook has {objectives}: "
        f"{objectives - have} are not listed and not in its totals; `okr validate --fix` "
        "(or any okr write) makes room"
    )
    return [Finding("warning", "dashboard-short", message, tab_ref(grid.title))]
