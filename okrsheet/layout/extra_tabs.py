"""The Initiatives and KPIs tabs: reading them (with findings that name cells), laying them out
for `okr init`, and the cell changes of a KPI check-in.

Both tabs are optional: a workbook without them (made before they existed) reads as before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from okrsheet.initiatives import Initiative, parse_status
from okrsheet.interlock import needs, ratio_text, shortfalls
from okrsheet.kpis import KPI
from okrsheet.layout import cells
from okrsheet.layout.cells import is_blank
from okrsheet.layout.extra_schema import (
    INITIATIVE_COLUMNS,
    INITIATIVES_TAB,
    KPI_COLUMNS,
    KPIS_TAB,
)
from okrsheet.layout.schema import Column, normalize_header
from okrsheet.layout.source_cells import read_source_cells
from okrsheet.layout.tables import (
    Finding,
    Table,
    find_table,
    tab_ref,
)
from okrsheet.layout.tables import column_number as _column_number
from okrsheet.layout.tables import duplicate_headers as _duplicate_headers
from okrsheet.layout.tables import grid_named as _grid_named
from okrsheet.layout.tables import missing_headers as _missing_headers
from okrsheet.layout.tables import pydantic_messages as _pydantic_messages
from okrsheet.model import CheckIn, Cycle, Plan, amount
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


def read_extra_tabs(
    raw: RawWorkbook,
    *,
    cycle: Cycle,
    order: cells.DateOrder,
    kr_owners: Mapping[str, str],
    taken_ids: Mapping[str, str],
    unreadable_krs: Collection[str] = (),
) -> ExtraTabs:
    """Initiatives and KPIs, with a finding per unusable cell. `kr_owners` maps every key
    result's ID to its owner; `taken_ids` maps the IDs of objectives and key results to the
    cell they sit in (a KPI may not share one). An initiative of a key result whose row could
    not be read (`unreadable_krs`) is left out without a finding of its own: the row's cells
    are reported where they are."""
    out = ExtraTabs()
    grid = _grid_named(raw, INITIATIVES_TAB)
    table = _table(grid, INITIATIVE_COLUMNS, out.findings) if grid else None
    if grid is not None and table is not None:
        _read_initiatives(grid, table, out, cycle, order, kr_owners, unreadable_krs)
    grid = _grid_named(raw, KPIS_TAB)
    table = _table(grid, KPI_COLUMNS, out.findings) if grid else None
    if grid is not None and table is not None:
        _read_kpis(grid, table, out, order, taken_ids)
    return out


def _read_initiatives(
    grid: Grid,
    table: Table,
    out: ExtraTabs,
    cycle: Cycle,
    order: cells.DateOrder,
    kr_owners: Mapping[str, str],
    unreadable_krs: Collection[str],
) -> None:
    by_folded = {k.casefold(): k for k in kr_owners}
    unreadable = {k.casefold() for k in unreadable_krs}
    for row, get in _rows(grid, table):
        bad: list[Finding] = []

        def parse(key: str, parser: Callable[[CellValue], Any]) -> Any:
            return _parse_cell(table, row, get, key, parser, INITIATIVE_COLUMNS, bad)  # noqa: B023

        kr_id = parse("kr_id", cells.parse_id)
        status = parse("status", lambda v: parse_status(cells.parse_text(v)))
        due = parse("due", lambda v: cells.parse_date(v, order=order))
        if bad:
            # Every problem of the row at once: a bad cell does not hide an unknown key result.
            known = by_folded.get(kr_id.casefold()) if kr_id else None
            if kr_id and known is None and kr_id.casefold() not in unreadable:
                bad.append(_unknown_kr(table, row, kr_id))
            out.findings.extend(sorted(bad, key=lambda f: _column_number(f.where)))
            continue
        if kr_id is None:
            out.findings.append(
                Finding(
                    "error",
                    "invalid",
                    "Key result: name the key result this initiative moves",
                    table.ref(row, "kr_id"),
                )
            )
            continue
        known = by_folded.get(kr_id.casefold())
        if known is None and kr_id.casefold() in unreadable:
            continue
        if known is None:
            out.findings.append(_unknown_kr(table, row, kr_id))
            continue
        try:
            initiative = Initiative(
                id=cells.parse_text(get("id")),
                kr_id=known,
                title=cells.parse_text(get("title")),
                owner=cells.parse_text(get("owner")) or kr_owners[known],
                status=status,
                due=due,
                notes=cells.parse_text(get("notes")),
            )
        except ValidationError as exc:
            for name, message in _pydantic_messages(exc):
                out.findings.append(
                    Finding("error", "invalid", f"{name}: {message}", table.ref(row, name or "id"))
                )
            continue
        if due is not None and not cycle.contains(due):
            out.findings.append(
                Finding(
                    "warning",
                    "initiative-due-outside-cycle",
                    f"due date {due.isoformat()} is outside the cycle {cycle.name} "
                    f"({cycle.start.isoformat()} to {cycle.end.isoformat()})",
                    table.ref(row, "due"),
                )
            )
        out.initiatives.append(initiative)


def _unknown_kr(table: Table, row: int, kr_id: str) -> Finding:
    return Finding(  # a warning: rollover archives finished key results, not their work
        "warning",
        "unknown-key-result",
        f"initiative for {kr_id}, which is not a key result in this workbook; it is left out",
        table.ref(row, "kr_id"),
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


# Writing ------------------------------------------------------------------------------------


def _index(columns: Sequence[Column]) -> dict[str, int]:
    return {c.key: i for i, c in enumerate(columns, start=1)}


def initiatives_tab(initiatives: Sequence[Initiative] = ()) -> TabSpec:
    """The Initiatives tab; its Status column gets a dropdown of the four statuses."""
    rows: list[list[WriteValue]] = []
    for item in initiatives:
        values: dict[str, WriteValue] = {
            "id": item.id or None,
            "kr_id": item.kr_id,
            "title": item.title,
            "owner": item.owner or None,
            "status": item.status.value,
            "due": item.due,
            "notes": item.notes or None,
        }
        rows.append([values.get(c.key) for c in INITIATIVE_COLUMNS])
    index = _index(INITIATIVE_COLUMNS)
    return TabSpec(
        title=INITIATIVES_TAB,
        columns=[c.spec for c in INITIATIVE_COLUMNS],
        rows=rows,
        wrap_columns=(index["title"], index["notes"]),
        color="8064A2",
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
    from okrsheet.layout.formulas import SPARE_ROWS, kpi_cells
    from okrsheet.stores.cells import column_letter

    # Health by formula on every row, and on prepared rows below for KPIs typed later.
    rows += [[None] * len(KPI_COLUMNS) for _ in range(SPARE_ROWS)]
    for (row, col), formula in kpi_cells(index, 2, len(rows) + 1).items():
        rows[row - 2][col - 1] = formula
    unit = column_letter(index["unit"])
    return TabSpec(
        title=KPIS_TAB,
        columns=[c.spec for c in KPI_COLUMNS],
        rows=rows,
        cell_formats=formats,
        wrap_columns=(_index(KPI_COLUMNS)["name"],),
        color="C0504D",
        # A KPI typed later with Unit % or $ shows its numbers as such (0.76 as 76.0%).
        formats_when=tuple(
            (index["current"], index["healthy_to"], f'TRIM(${unit}2)="{sign}"', shown)
            for sign, shown in _KPI_FORMATS.items()
        ),
    )


def kpi_health_changes(raw: RawWorkbook, *, add_column: bool = False) -> list[Change]:
    """The KPIs tab's Health formulas, rewritten from its first row to `SPARE_ROWS` past its
    last KPI; with `add_column` (`okr validate --fix`), a tab made before the column existed
    gets it, headed after its last column."""
    from okrsheet.layout.formulas import KPI_INPUTS, SPARE_ROWS, kpi_cells

    grid = _grid_named(raw, KPIS_TAB)
    table = find_table(grid, KPI_COLUMNS, min_matches=2) if grid else None
    if grid is None or table is None or not all(k in table.columns for k in KPI_INPUTS):
        return []
    written: dict[tuple[int, int], WriteValue] = {}
    columns = dict(table.columns)
    if "health" not in columns:
        if not add_column:
            return []
        columns["health"] = max([len(r) for r in grid.rows] + list(columns.values())) + 1
        written[(table.header_row, columns["health"])] = "Health"
    id_col = columns["id"]
    typed = [
        r
        for r in range(table.header_row + 1, len(grid.rows) + 1)
        if not is_blank(grid.cell(r, id_col))
    ]
    last = max([table.header_row, *typed]) + SPARE_ROWS
    written.update(kpi_cells(columns, table.header_row + 1, last))
    return [SetCells(table.title, written, header_row=table.header_row)]


def extra_tabs(initiatives: Sequence[Initiative] = (), kpis: Sequence[KPI] = ()) -> list[TabSpec]:
    return [initiatives_tab(initiatives), kpis_tab(kpis)]


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


def is_extra_tab(title: str) -> bool:
    return normalize_header(title) in {normalize_header(t) for t in (INITIATIVES_TAB, KPIS_TAB)}


# Plans that interlock -----------------------------------------------------------------------


#: The findings of the interlock check, which spans workbooks when they are linked.
INTERLOCK_CODES = frozenset({"interlock", "interlock-unchecked"})


def cells_of(
    rows: Mapping[str, tuple[Table, int]], label: str = ""
) -> Callable[[str, str], str | None]:
    """`ref(kr_id, key)`: the cell of a key result's column (`Sales!J3`), prefixed with a
    linked workbook's label; None for a key result not in `rows`."""

    def ref(kr_id: str, key: str) -> str | None:
        place = rows.get(kr_id)
        if place is None:
            return None
        where = place[0].ref(place[1], key)
        return f"{label}: {where}" if label else where

    return ref


def interlock_findings(
    plan: Plan, rows: Mapping[str, tuple[Table, int]] | Callable[[str, str], str | None]
) -> list[Finding]:
    """`interlock` warnings at the upstream's Target cell, naming the dependants' cells; and an
    `interlock-unchecked` warning for a quantified link that cannot be checked. `rows` says
    where each key result is (or is a function giving its cells)."""
    cell = cells_of(rows) if isinstance(rows, Mapping) else rows

    def ref(kr_id: str, key: str) -> str:
        return cell(kr_id, key) or kr_id

    out: list[Finding] = []
    for short in shortfalls(plan):
        up = short.upstream
        parts = [
            f"{n.downstream.id} needs {amount(n.need or 0.0, up.unit)} "
            f"({amount(n.downstream.target_value, n.downstream.unit)} at "
            f"{ref(n.downstream.id, 'target')} {ratio_text(n.ratio, n.same_unit)} at "
            f"{ref(n.downstream.id, 'depends_on')})"
            for n in short.needs
        ]
        planned = amount(short.plan, up.unit)
        gap = amount(short.total - short.plan, up.unit)
        if len(parts) == 1:
            message = f"{up.id} plans {planned}, but {parts[0]}: {gap} short"
        else:
            message = (
                f"{up.id} plans {planned}, but the key results depending on it need "
                f"{amount(short.total, up.unit)} in all, {gap} more: " + "; ".join(parts)
            )
        out.append(Finding("warning", "interlock", message, ref(up.id, "target")))
    for need in needs(plan):
        if need.why_unchecked:
            out.append(
                Finding(
                    "warning",
                    "interlock-unchecked",
                    f"{need.upstream.id} {ratio_text(need.ratio, need.same_unit)} cannot be "
                    f"checked: {need.why_unchecked}",
                    ref(need.downstream.id, "depends_on"),
                )
            )
    return out
