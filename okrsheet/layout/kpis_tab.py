"""The KPIs tab: its columns, reading it (each bad cell a finding), laying it out for
`okr init`, and the cell changes of a KPI check-in (docs/workbook.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import CheckIn
from okrsheet.layout import cells
from okrsheet.layout.schema import UNIT_COLUMN, Column, column, date_column
from okrsheet.layout.side_tabs import (
    KPIS_TAB,
    ExtraTabs,
    _index,
    _parse_cell,
    _rows,
)
from okrsheet.layout.source_cells import read_source_cells
from okrsheet.layout.tables import Finding, Table, find_table
from okrsheet.layout.tables import grid_named as _grid_named
from okrsheet.layout.tables import pydantic_messages as _pydantic_messages
from okrsheet.stores.base import (
    CellValue,
    Change,
    Grid,
    NumberFormat,
    RawWorkbook,
    SetCells,
    TabSpec,
    WriteValue,
)

KPI_COLUMNS: tuple[Column, ...] = (
    column("id", "ID", "kpi id", required=True, width=10, number_format="text"),
    column("name", "KPI", "name", "metric", "title", required=True, width=36),
    column("owner", "Owner", width=16),
    column(
        "current",
        "Current",
        "value",
        "actual",
        "latest",
        width=11,
        note="Updated by `okr checkin KPI-ID --value V`, which also logs it in Check-ins.",
    ),
    column("healthy_from", "Healthy from", "min", "minimum", "lower", "from", width=12),
    column("healthy_to", "Healthy to", "max", "maximum", "upper", "to", width=12),
    UNIT_COLUMN,
    date_column("updated", "Updated", "last update", "last check in", "last checkin"),
)


def _read_kpis(
    grid: Grid,
    table: Table,
    out: ExtraTabs,
    order: cells.DateOrder,
    taken_ids: Mapping[str, str],
) -> None:
    seen: dict[str, str] = {}
    for row, get in _rows(grid, table):
        bad: list[Finding] = []

        def parse(key: str, parser: Callable[[CellValue], Any]) -> Any:
            return _parse_cell(table, row, get, key, parser, KPI_COLUMNS, bad)  # noqa: B023

        fields: dict[str, Any] = {
            "id": parse("id", cells.parse_id),
            "name": cells.parse_text(get("name")),
            "owner": cells.parse_text(get("owner")),
            "current": parse("current", cells.parse_number),
            "healthy_from": parse("healthy_from", cells.parse_number),
            "healthy_to": parse("healthy_to", cells.parse_number),
            "unit": cells.parse_text(get("unit")),
            "updated": parse("updated", lambda v: cells.parse_date(v, order=order)),
            **read_source_cells(grid, table, row, out.findings),
        }
        if bad:
            out.findings.extend(bad)
            continue
        kpi_id = fields["id"]
        where = table.ref(row, "id")
        if kpi_id is None:
            out.findings.append(Finding("error", "missing-id", "this KPI has no ID", where))
            continue
        other = seen.get(kpi_id) or taken_ids.get(kpi_id)
        if other is not None:
            out.findings.append(
                Finding(
                    "error",
                    "duplicate-id",
                    f"ID {kpi_id} is used twice; the other is at {other}",
                    where,
                )
            )
            continue
        # Before the model: 70 beside 0.85 reads as a range that runs backwards.
        _check_kpi_units(table, row, get, fields, out)
        try:
            kpi = KPI(**fields)
        except ValidationError as exc:
            for name, message in _pydantic_messages(exc):
                key = name if name in table.columns else "healthy_to"
                out.findings.append(
                    Finding("error", "invalid", f"{key.replace('_', ' ')}: {message}",
                            table.ref(row, key))
                )  # fmt: skip
            continue
        seen[kpi_id] = where
        out.kpis.append(kpi)


#: A KPI's numbers, by the column each is typed in.
_KPI_NUMBERS = ("current", "healthy_from", "healthy_to")


def kpi_percent_points(
    kpi: KPI, value: float | None = None, typed: CellValue = None
) -> dict[str, float]:
    """The numbers of a percent KPI typed on the 0-100 scale beside fractions (its bounds,
    its current value, or a new `value` as `typed`), each with the fraction it meant."""
    numbers: dict[str, tuple[float | None, CellValue]] = {
        key: (getattr(kpi, key), getattr(kpi, key)) for key in _KPI_NUMBERS
    }
    if value is not None:
        numbers["current"] = (value, typed)
    return cells.percent_points(numbers, kpi.unit)


def _check_kpi_units(
    table: Table,
    row: int,
    get: Callable[[str], CellValue],
    fields: Mapping[str, Any],
    out: ExtraTabs,
) -> None:
    slips = cells.percent_points({k: (fields[k], get(k)) for k in _KPI_NUMBERS}, fields["unit"])
    for key, meant in slips.items():
        message = cells.percent_points_message(fields[key], "a percent KPI")
        label = next(c.header for c in KPI_COLUMNS if c.key == key)
        out.findings.append(
            Finding(
                "warning",
                "units",
                f"{label}: {message}",
                table.ref(row, key),
                table.fix(row, key, meant),
            )
        )


#: How a KPI's numbers are shown, by its unit: a percent KPI's fractions as percentages.
_KPI_FORMATS: dict[str, NumberFormat] = {"%": "percent1", "$": "currency"}


def kpis_tab(kpis: Sequence[KPI] = ()) -> TabSpec:
    rows: list[list[WriteValue]] = []
    formats: dict[tuple[int, int], NumberFormat] = {}
    index = _index(KPI_COLUMNS)
    for number, kpi in enumerate(kpis):
        shown = _KPI_FORMATS.get(kpi.unit.strip())
        if shown:  # 0.76 on a percent KPI reads 76.0%
            formats.update({(number, index[k]): shown for k in _KPI_NUMBERS})
        values: dict[str, WriteValue] = {
            "id": kpi.id,
            "name": kpi.name,
            "owner": kpi.owner or None,
            "current": kpi.current,
            "healthy_from": kpi.healthy_from,
            "healthy_to": kpi.healthy_to,
            "unit": kpi.unit or None,
            "updated": kpi.updated,
        }
        rows.append([values.get(c.key) for c in KPI_COLUMNS])
    return TabSpec(
        title=KPIS_TAB,
        columns=[c.spec for c in KPI_COLUMNS],
        rows=rows,
        cell_formats=formats,
        wrap_columns=(_index(KPI_COLUMNS)["name"],),
        color="C0504D",
    )


# A KPI check-in ------------------------------------------------------------------------------


def kpi_rows(raw: RawWorkbook) -> tuple[Table | None, dict[str, int]]:
    """The KPIs tab's table and the row of each KPI ID in it, as they are now."""
    grid = _grid_named(raw, KPIS_TAB)
    table = find_table(grid, KPI_COLUMNS, min_matches=2) if grid else None
    if grid is None or table is None or "id" not in table.columns:
        return None, {}
    rows: dict[str, int] = {}
    for row in range(table.header_row + 1, len(grid.rows) + 1):
        text = cells.parse_text(grid.cell(row, table.columns["id"]))
        if text and text not in rows:
            rows[text] = row
    return table, rows


def kpi_checkin_changes(
    raw: RawWorkbook, newest: Mapping[str, CheckIn]
) -> tuple[list[Change], set[str]]:
    """Current and Updated on the KPI rows of these check-ins; returns the changes and the IDs
    they cover (the others are not KPIs)."""
    table, rows = kpi_rows(raw)
    if table is None:
        return [], set()
    values: dict[tuple[int, int], WriteValue] = {}
    anchors: dict[int, tuple[int, str]] = {}
    covered: set[str] = set()
    for kpi_id, checkin in newest.items():
        row = rows.get(kpi_id)
        if row is None:
            continue
        covered.add(kpi_id)
        anchors[row] = (table.columns["id"], kpi_id)
        for key, value in (("current", checkin.value), ("updated", checkin.date)):
            col = table.columns.get(key)
            if col is not None:
                values[(row, col)] = value
    changes: list[Change] = (
        [SetCells(table.title, values, anchors, table.header_row)] if values else []
    )
    return changes, covered
