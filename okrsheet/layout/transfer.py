"""Moving a whole workbook from one store to another (`okr push`, `okr pull`).

Everything a person can see is carried: every tab in order, every row and column, including
tabs and columns okr does not know. Known columns get the formats, widths and dropdowns `okr
init` gives them; dates stay dates (Google hands them over as day numbers); the live Progress
formulas are rebuilt for the rows where they now sit. Nothing is interpreted or tidied on the
way: a cell okr cannot read arrives exactly as it left, for `okr validate` to point at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError
from okrsheet.layout.formulas import SPARE_ROWS, formula_cells, formulas_fit
from okrsheet.layout.initiatives_tab import INITIATIVE_COLUMNS
from okrsheet.layout.kpis_tab import KPI_COLUMNS
from okrsheet.layout.reader import Table, find_table
from okrsheet.layout.reminders_tab import REMINDER_COLUMNS
from okrsheet.layout.schema import (
    CALCULATED_KEYS,
    CHECKIN_COLUMNS,
    CHECKINS_TAB,
    CORPORATE_TAB,
    DASHBOARD_TAB,
    GUIDE_TAB,
    OKR_COLUMNS,
    PEOPLE_COLUMNS,
    PEOPLE_TAB,
    REMINDERS_TAB,
    SETTINGS_COLUMNS,
    SETTINGS_TAB,
    TYPE_OBJECTIVE,
    Column,
    find_setting,
    normalize_header,
)
from okrsheet.layout.side_tabs import INITIATIVES_TAB, KPIS_TAB
from okrsheet.layout.writer import _UNIT_FORMATS as UNIT_FORMATS
from okrsheet.stores.base import (
    BAR_HEADER,
    CellValue,
    ColumnSpec,
    Grid,
    NumberFormat,
    RawWorkbook,
    TabSpec,
    WriteValue,
)

_TAB_COLORS = {
    CORPORATE_TAB: "2E75B6",
    CHECKINS_TAB: "548235",
    SETTINGS_TAB: "7F7F7F",
    PEOPLE_TAB: "7F7F7F",
}


def copy_tabs(raw: RawWorkbook) -> list[TabSpec]:
    """Every tab of `raw`, as tabs to create in another store."""
    from okrsheet.layout.dashboard import dashboard_tab, slots_for
    from okrsheet.layout.okr_tabs import okr_tables
    from okrsheet.layout.slots import objective_count

    units = kr_units(raw)
    tabs = [_copy_tab(grid, units) for grid in raw.grids]
    # The Dashboard is formulas over the OKR tabs: built afresh, never copied as values.
    wanted = normalize_header(DASHBOARD_TAB)
    for index, grid in enumerate(raw.grids):
        if normalize_header(grid.title) == wanted:
            tables = [(t.title, t.columns) for t in okr_tables(raw)]
            slots = slots_for(objective_count(raw))
            tabs[index] = replace(dashboard_tab(tables, slots), title=grid.title)
    return tabs


_SCHEMAS: dict[str, tuple[Column, ...]] = {
    CHECKINS_TAB: CHECKIN_COLUMNS,
    PEOPLE_TAB: PEOPLE_COLUMNS,
    SETTINGS_TAB: SETTINGS_COLUMNS,
    GUIDE_TAB: (),
    INITIATIVES_TAB: INITIATIVE_COLUMNS,
    KPIS_TAB: KPI_COLUMNS,
    REMINDERS_TAB: REMINDER_COLUMNS,
}


def kr_units(raw: RawWorkbook) -> dict[str, str]:
    """Each key result's Unit, by its ID, as typed on the OKR tabs."""
    from okrsheet.layout.okr_tabs import okr_tables

    units: dict[str, str] = {}
    for table in okr_tables(raw):
        grid = raw.grid(table.title)
        id_col, unit_col = table.columns["id"], table.columns.get("unit")
        if grid is None or unit_col is None:
            continue
        for row in grid.rows[table.header_row :]:
            kr_id = row[id_col - 1] if id_col <= len(row) else None
            unit = row[unit_col - 1] if unit_col <= len(row) else None
            if isinstance(kr_id, str) and isinstance(unit, str) and kr_id.strip():
                units.setdefault(kr_id.strip(), unit.strip())
    return units


def _copy_tab(grid: Grid, units: Mapping[str, str] | None = None) -> TabSpec:
    schema = _SCHEMAS.get(grid.title, OKR_COLUMNS)
    table = find_table(grid, schema, min_matches=2) if schema else None
    if grid.title == GUIDE_TAB and grid.rows:
        table = Table(grid.title, 1, {})
    if table is not None and table.header_row == 1:
        return _table_tab(grid, table, schema, units or {})
    width = max((len(r) for r in grid.rows), default=0)
    return TabSpec(
        title=grid.title,
        columns=[ColumnSpec("", width=14) for _ in range(width)],
        rows=[[_plain(v) for v in row] for row in grid.rows],
        header=False,
        frozen_rows=0,
    )


def _table_tab(
    grid: Grid, table: Table, schema: Sequence[Column], units: Mapping[str, str]
) -> TabSpec:
    """A tab okr knows, carried with the formats, widths and dropdowns `okr init` gives its
    columns: its header read against the schema, its cells typed by column, and, per tab,
    what that tab adds (Settings' cycle dates, the log's value formats, the OKR tabs' live
    formulas, unit formats and objective rows)."""
    if grid.title == GUIDE_TAB:
        return _guide_tab(grid)
    grid = _without_bar(grid)
    body = grid.rows[1:]
    columns = _known_columns(grid.rows[0] if grid.rows else [], schema, body)
    rows = [
        [
            _typed(row[i] if i < len(row) else None, column.number_format)
            for i, column in enumerate(columns)
        ]
        for row in body
    ]
    emphasized: frozenset[int] = frozenset()
    formats: dict[tuple[int, int], NumberFormat] = {}
    if schema is SETTINGS_COLUMNS:
        _type_cycle_dates(rows, body)
    elif schema is CHECKIN_COLUMNS:
        formats = _value_formats(rows, table, units)
    elif schema is OKR_COLUMNS:
        _rebuild_progress(rows, table)
        formats = _unit_formats(rows, table)
        emphasized = _objective_rows(rows, table)
    wrap = tuple(table.columns[k] for k in ("title", "notes", "note") if k in table.columns)
    return TabSpec(
        title=grid.title,
        columns=columns,
        rows=rows,
        emphasized_rows=emphasized,
        color=_TAB_COLORS.get(grid.title),
        wrap_columns=wrap,
        cell_formats=formats,
    )


def _guide_tab(grid: Grid) -> TabSpec:
    """The Guide: one wide column of wrapped text under its heading."""
    head = str(grid.rows[0][0] or "") if grid.rows[0] else ""
    return TabSpec(
        title=grid.title,
        columns=[ColumnSpec(head, width=110)],
        rows=[[_plain(v) for v in row] for row in grid.rows[1:]],
        wrap_columns=(1,),
        color="FFC000",
    )


def _without_bar(grid: Grid) -> Grid:
    """The tab without the progress-bar column a store draws itself (and the one it is copied
    to draws again)."""
    header = grid.rows[0] if grid.rows else []
    if BAR_HEADER not in header:
        return grid
    cut = header.index(BAR_HEADER)
    return Grid(grid.title, [row[:cut] + row[cut + 1 :] for row in grid.rows], grid.hidden)


def _known_columns(
    header: Sequence[CellValue], schema: Sequence[Column], body: Sequence[Sequence[CellValue]]
) -> list[ColumnSpec]:
    """One column per header cell, with its schema column's format when okr knows the header
    (also by an alias), then plain columns as far as the widest row reaches."""
    known = {normalize_header(name): c for c in schema for name in (c.header, *c.aliases)}
    known.update({normalize_header(c.header): c for c in schema})
    columns: list[ColumnSpec] = []
    for value in header:
        text = "" if value is None else str(value)
        column = known.get(normalize_header(text)) if text else None
        columns.append(replace(column.spec, header=text) if column else ColumnSpec(text, width=14))
    width = max([len(columns), *(len(r) for r in body)])
    return columns + [ColumnSpec("", width=14) for _ in range(width - len(columns))]


def _type_cycle_dates(rows: list[list[WriteValue]], body: Sequence[Sequence[CellValue]]) -> None:
    """The Settings' cycle start and end as dates (their Value column holds other settings'
    values too, so it has no date format of its own)."""
    for row, source in zip(rows, body, strict=True):
        setting = find_setting(row[0]) if row and isinstance(row[0], str) else None
        if setting is not None and setting.key in ("cycle_start", "cycle_end") and len(row) > 1:
            row[1] = _typed(source[1] if len(source) > 1 else None, "date")


def _objective_rows(rows: list[list[WriteValue]], table: Table) -> frozenset[int]:
    """The rows of objectives (shown emphasized), by their Type cell."""
    type_col = table.columns.get("type")
    if not type_col:
        return frozenset()
    objective = TYPE_OBJECTIVE.casefold()
    return frozenset(
        i
        for i, row in enumerate(rows)
        if str(row[type_col - 1] or "").strip().casefold() == objective
    )


def _unit_formats(
    rows: list[list[WriteValue]], table: Table
) -> dict[tuple[int, int], NumberFormat]:
    """Start, Target and Current shown as `okr init` shows them for each row's unit ($, %)."""
    unit_col = table.columns.get("unit")
    if unit_col is None:
        return {}
    cols = [table.columns[k] for k in ("start", "target", "current") if k in table.columns]
    formats: dict[tuple[int, int], NumberFormat] = {}
    for index, row in enumerate(rows):
        unit = row[unit_col - 1] if unit_col <= len(row) else None
        fmt = UNIT_FORMATS.get(str(unit).strip()) if isinstance(unit, str) else None
        if fmt:
            formats.update({(index, col): fmt for col in cols})
    return formats


def _value_formats(
    rows: list[list[WriteValue]], table: Table, units: Mapping[str, str]
) -> dict[tuple[int, int], NumberFormat]:
    """Each check-in's Value shown as its key result's (percent, currency), as `okr init`
    writes the log."""
    value_col, kr_col = table.columns.get("value"), table.columns.get("kr_id")
    if value_col is None or kr_col is None:
        return {}
    formats: dict[tuple[int, int], NumberFormat] = {}
    for index, row in enumerate(rows):
        kr_id = row[kr_col - 1] if kr_col <= len(row) else None
        if isinstance(kr_id, str) and kr_id.strip():
            unit = units.get(kr_id.strip(), "")
            formats[(index, value_col)] = UNIT_FORMATS.get(unit, "number")
    return formats


def _rebuild_progress(rows: list[list[WriteValue]], table: Table) -> None:
    """The live formulas, rebuilt for the rows where each item now sits (and the empty rows
    prepared below them)."""
    columns = table.columns
    if not formulas_fit(columns):
        return
    calculated = {columns[k] for k in CALCULATED_KEYS}
    filled = [
        offset
        for offset, row in enumerate(rows)
        if any(v not in (None, "") for c, v in enumerate(row, 1) if c not in calculated)
    ]
    last = (filled[-1] + 2 if filled else 1) + SPARE_ROWS
    width = max([len(r) for r in rows] + [max(columns.values())])
    while len(rows) < last - 1:
        rows.append([None] * width)
    for (row_number, col), formula in formula_cells(columns, 2, last).items():
        rows[row_number - 2][col - 1] = formula


def _typed(value: CellValue, number_format: NumberFormat) -> WriteValue:
    """Day numbers back into dates in date columns; anything unreadable left as it was."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if number_format in ("date", "datetime") and numeric:
        assert isinstance(value, int | float)
        try:
            if number_format == "date":
                return cells.serial_to_date(value)
            return cells.parse_datetime(value)
        except (CellValueError, OverflowError, ValueError):
            return value
    return _plain(value)


def _plain(value: CellValue) -> WriteValue:
    if value is None or isinstance(value, str | bool | int | float | date | datetime):
        return value
    return str(value)  # a time or duration: kept as it reads
