"""Writing a workbook: the tabs `okr init` lays out, and the cell changes commands make."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from okrsheet.domain.initiatives import Initiative
from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import CheckIn, Cycle, KeyResult, Objective, Settings
from okrsheet.layout import cells
from okrsheet.layout.formulas import SPARE_ROWS, formula_cells, formulas_fit
from okrsheet.layout.links import Link, links_text
from okrsheet.layout.okr_tabs import completed_columns, okr_tables
from okrsheet.layout.schema import (
    CALCULATED_KEYS,
    CHECKIN_COLUMNS,
    CHECKINS_TAB,
    CORPORATE_TAB,
    GUIDE_TAB,
    OKR_COLUMNS,
    PEOPLE_COLUMNS,
    PEOPLE_TAB,
    SETTING_ROWS,
    SETTINGS_COLUMNS,
    SETTINGS_TAB,
    TYPE_KEY_RESULT,
    TYPE_OBJECTIVE,
    Column,
    normalize_header,
)
from okrsheet.layout.settings_tab import settings_cells
from okrsheet.layout.tables import Table, parse_row_type
from okrsheet.stores.base import BAR_HEADER, AppendRows, SetCells, TabSpec
from okrsheet.stores.primitives import column_letter

if TYPE_CHECKING:
    from okrsheet.stores.base import Change, Grid, NumberFormat, RawWorkbook, WriteValue


from okrsheet.layout.initiatives_tab import initiatives_tab
from okrsheet.layout.kpis_tab import kpis_tab
from okrsheet.stores.base import Change, Grid, NumberFormat, RawWorkbook, WriteValue

_FORMULA_ROWS = 1000
_INVALID_TAB_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Person:
    name: str
    team: str = ""
    email: str = ""
    tab: str = ""


@dataclass
class Draft:
    """Everything `okr init` writes: settings, tabs of objectives and KRs, people, check-ins."""

    cycle: Cycle
    settings: Settings
    # Tab title -> the objectives and key results on it, in row order.
    tabs: dict[str, list[Objective | KeyResult]] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    # With a people file: `team` (its members share a tab per team) or `person`.
    people_tabs: str = ""

    @property
    def objectives(self) -> list[Objective]:
        return [i for items in self.tabs.values() for i in items if isinstance(i, Objective)]


def safe_tab_title(name: str) -> str:
    """A tab name Excel and Google Sheets both accept (31 characters, no []:*?/\\)."""
    title = _INVALID_TAB_CHARS.sub(" ", name).strip().strip("'")
    # A tab name may not start or end with an apostrophe, even after the cut.
    return re.sub(r"\s+", " ", title)[:31].strip().strip("'").strip() or "Unnamed"


def id_prefix(tab: str, taken: Iterable[str] = ()) -> str:
    """A short id prefix for a tab: Corporate -> CORP, 'Alice Martin' -> ALICE."""
    if normalize_header(tab) == normalize_header(CORPORATE_TAB):
        base = "CORP"
    else:
        words = re.findall(r"[A-Za-z0-9]+", tab)
        base = (words[0] if words else "T")[:6].upper()
    used = {t.upper() for t in taken}
    prefix, n = base, 2
    while prefix in used:
        prefix, n = f"{base}{n}", n + 1
    return prefix


def _index(columns: Sequence[Column]) -> dict[str, int]:
    return {c.key: i for i, c in enumerate(columns, start=1)}


_OKR = _index(OKR_COLUMNS)


def last_filled_row(grid: Grid, table: Table) -> int:
    """The last row with anything typed in it, calculated columns aside (the header row when
    there is none)."""
    calculated = {table.columns[k] for k in CALCULATED_KEYS if k in table.columns}
    bar = normalize_header(BAR_HEADER)
    calculated |= {c for c, text in table.extra_columns.items() if normalize_header(text) == bar}
    for row in range(len(grid.rows), table.header_row, -1):
        values = grid.rows[row - 1]
        if any(not cells.is_blank(v) for c, v in enumerate(values, 1) if c not in calculated):
            return row
    return table.header_row


def tab_formulas(
    grid: Grid, table: Table, *, removed: int = 0, touched: Iterable[int] | None = None
) -> SetCells | None:
    """Every calculated cell of an OKR tab, from its first data row to `SPARE_ROWS` past the
    last filled one (`removed` rows are about to be deleted above that). With `touched`, only
    those rows and the spare rows after the last filled one: what a check-in keeps and tops
    up, without rewriting a long tab. None when the tab lacks a column the formulas need."""
    if not formulas_fit(table.columns):
        return None
    first = table.header_row + 1
    filled = max(last_filled_row(grid, table) - removed, table.header_row)
    last = filled + SPARE_ROWS
    rows = None if touched is None else [*touched, *range(filled + 1, last + 1)]
    cells: dict[tuple[int, int], WriteValue] = dict(formula_cells(table.columns, first, last, rows))
    return SetCells(table.title, cells, header_row=table.header_row)


def refresh_formulas(
    raw: RawWorkbook,
    titles: Iterable[str] | None = None,
    *,
    add_columns: bool = False,
    touched: Mapping[str, Iterable[int]] | None = None,
) -> list[Change]:
    """Calculated cells rewritten and topped up on the OKR tabs named (all when None): every
    okr write keeps them in place, and `okr validate --fix` repairs damaged ones. With
    `add_columns` (the fix), a tab made before a calculated column existed gets it, headed,
    after its last column."""
    wanted = None if titles is None else set(titles)
    changes: list[Change] = []
    for table in okr_tables(raw):
        if wanted is not None and table.title not in wanted:
            continue
        grid = raw.grid(table.title)
        assert grid is not None
        if add_columns:
            headers = completed_columns(grid, table)
            if headers:
                changes.append(SetCells(table.title, headers, header_row=table.header_row))
        rows = None if touched is None else touched.get(table.title, ())
        change = tab_formulas(grid, table, touched=rows)
        if change is not None:
            changes.append(change)
    if changes:
        from okrsheet.layout.dashboard import dashboard_refresh

        changes.extend(dashboard_refresh(raw))  # no stale result left on the Dashboard
    return changes


#: Settings rows `okr validate --fix` adds to a Settings tab made before they existed.
FIX_ADDS_SETTINGS = ("default_commitment", "decimal_sign")


def missing_settings(raw: RawWorkbook) -> list[Change]:
    """The newer Settings rows a workbook lacks, appended with their default values."""
    found = settings_cells(raw)
    if found is None:
        return []
    present = {setting.key for _, _, setting in found.rows if setting is not None}
    defaults = Settings()
    rows: list[list[WriteValue]] = [
        [r.label, str(getattr(defaults, r.key)) or None, r.about]
        for r in SETTING_ROWS
        if r.key in FIX_ADDS_SETTINGS and r.key not in present
    ]
    return [AppendRows(found.grid.title, rows)] if rows else []


def dependencies_text(
    depends_on: Sequence[str],
    needed_by: Sequence[tuple[str, date]] = (),
    ratios: Sequence[tuple[str, float, bool]] = (),
) -> str:
    """The Depends on cell: `MARKET-1.1 × 5 @2026-11-15, PROD-2.1@2026-11-30, OPS-1.2`."""
    dates = dict(needed_by)
    quantities = {kr_id: (ratio, same) for kr_id, ratio, same in ratios}
    return links_text(
        [
            Link(
                kr_id,
                quantities.get(kr_id, (None, False))[0],
                dates.get(kr_id),
                quantities.get(kr_id, (None, False))[1],
            )
            for kr_id in depends_on
        ]
    )


def okr_row(item: Objective | KeyResult) -> list[WriteValue]:
    values: dict[str, WriteValue]
    if isinstance(item, Objective):
        values = {
            "type": TYPE_OBJECTIVE,
            "id": item.id,
            "title": item.title,
            "level": item.level.value,
            "owner": item.owner,
            "aligns_to": item.aligns_to or None,
            "notes": item.notes or None,
            "commitment": item.commitment.value if item.commitment else None,
        }
    else:
        values = {
            "type": TYPE_KEY_RESULT,
            "id": item.id,
            "objective_id": item.objective_id,
            "title": item.title,
            "owner": item.owner,
            "kind": item.kind.value,
            "start": item.start,
            "target": item.target,
            "current": item.current,
            "unit": item.unit or None,
            "due": item.due,
            "weight": item.weight,
            "confidence": item.confidence,
            "depends_on": dependencies_text(item.depends_on, item.needed_by, item.ratios) or None,
            "last_checkin": item.last_checkin,
            "grade": item.grade,
            "notes": item.notes or None,
            "kpi": item.kpi,
        }
    closing = item.closing
    values |= {
        "final_grade": closing.final_grade,
        "grade_reason": closing.reason or None,
        "worked": closing.worked or None,
        "to_change": closing.to_change or None,
        "next_cycle": closing.next_cycle.value if closing.next_cycle else None,
    }
    if isinstance(item, Objective):
        values["grade"] = item.grade
    return [values.get(column.key) for column in OKR_COLUMNS]


_UNIT_FORMATS: dict[str, NumberFormat] = {"%": "percent1", "$": "currency"}


def okr_tab(title: str, items: Sequence[Objective | KeyResult]) -> TabSpec:
    """An OKR tab: a row per item, then empty rows whose formulas wait for people to type."""
    rows = [okr_row(item) for item in items]
    last = len(items) + 1 + SPARE_ROWS
    rows += [[None] * len(OKR_COLUMNS) for _ in range(SPARE_ROWS)]
    for (row, col), formula in formula_cells(_OKR, 2, last).items():
        rows[row - 2][col - 1] = formula
    formats: dict[tuple[int, int], NumberFormat] = {}
    for index, item in enumerate(items):
        fmt = _UNIT_FORMATS.get(item.unit) if isinstance(item, KeyResult) else None
        if fmt:
            formats.update({(index, _OKR[key]): fmt for key in ("start", "target", "current")})
    return TabSpec(
        title=title,
        columns=[c.spec for c in OKR_COLUMNS],
        rows=rows,
        wrap_columns=(_OKR["title"], _OKR["notes"]),
        color="2E75B6" if title == CORPORATE_TAB else None,
        cell_formats=formats,
        emphasized_rows=frozenset(i for i, item in enumerate(items) if isinstance(item, Objective)),
        print_columns=_OKR["days_since"],
        # An objective typed later in the sheet stands out as okr's own rows do.
        emphasized_when=f'${column_letter(_OKR["calc_row"])}2="O"',
        # A key result typed later with Unit % or $ shows its numbers as such (0.91 as 91.0%).
        formats_when=tuple(
            (_OKR["start"], _OKR["current"], f'TRIM(${column_letter(_OKR["unit"])}2)="{unit}"', fmt)
            for unit, fmt in _UNIT_FORMATS.items()
        ),
    )


def timestamp_text(moment: datetime | None) -> WriteValue:
    """`Recorded at` as written: `2026-11-16 09:30:05+14:00` for a moment that knows its
    offset from UTC (what okr records), as it was for one that does not (older logs)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.isoformat(sep=" ", timespec="seconds")


def checkin_row(checkin: CheckIn) -> list[WriteValue]:
    values: dict[str, WriteValue] = {
        "date": checkin.date,
        "kr_id": checkin.kr_id,
        "value": checkin.value,
        "confidence": checkin.confidence,
        "note": checkin.note or None,
        "author": checkin.author or None,
        # With its offset, as text: a spreadsheet's date and time has no zone.
        "recorded_at": timestamp_text(checkin.recorded_at),
        "checkin_id": checkin.checkin_id or None,
    }
    return [values.get(column.key) for column in CHECKIN_COLUMNS]


def checkins_tab(checkins: Sequence[CheckIn], units: Mapping[str, str] | None = None) -> TabSpec:
    """The log; each Value is formatted like its key result (percent, currency) by `units`."""
    value_col = _index(CHECKIN_COLUMNS)["value"]
    formats: dict[tuple[int, int], NumberFormat] = {}
    for index, checkin in enumerate(checkins):
        fmt = _UNIT_FORMATS.get((units or {}).get(checkin.kr_id, ""), "number")
        formats[(index, value_col)] = fmt
    return TabSpec(
        title=CHECKINS_TAB,
        columns=[c.spec for c in CHECKIN_COLUMNS],
        rows=[checkin_row(c) for c in checkins],
        cell_formats=formats,
        wrap_columns=(_index(CHECKIN_COLUMNS)["note"],),
        color="548235",
    )


def settings_values(settings: Settings, cycle: Cycle) -> dict[str, WriteValue]:
    return {
        "company": settings.company,
        "cycle": cycle.name,
        "cycle_start": cycle.start,
        "cycle_end": cycle.end,
        "cadence_days": settings.cadence_days,
        "stale_grace_days": settings.stale_grace_days,
        "on_track_gap": settings.on_track_gap,
        "at_risk_gap": settings.at_risk_gap,
        "low_confidence": settings.low_confidence,
        "max_objectives_per_owner": settings.max_objectives_per_owner,
        "min_krs_per_objective": settings.min_krs_per_objective,
        "max_krs_per_objective": settings.max_krs_per_objective,
        "date_order": settings.date_order,
        "linked_workbooks": ", ".join(settings.linked_workbooks) or None,
        "archive_workbooks": ", ".join(settings.archive_workbooks) or None,
        "time_zone": settings.time_zone or None,
        "default_commitment": settings.default_commitment.value,
        "kr_checks": _kr_checks_text(settings.kr_checks),
        "decimal_sign": settings.decimal_sign or None,
    }


def _kr_checks_text(codes: tuple[str, ...] | None) -> str:
    """The `KR checks` setting as people type it (`okrsheet.lint.parse_checks` reads it)."""
    if codes is None:
        return "all"
    return ", ".join(codes) or "off"


def settings_tab(settings: Settings, cycle: Cycle) -> TabSpec:
    values = settings_values(settings, cycle)
    return TabSpec(
        title=SETTINGS_TAB,
        columns=[c.spec for c in SETTINGS_COLUMNS],
        rows=[[row.label, values[row.key], row.about] for row in SETTING_ROWS],
        wrap_columns=(3,),
        color="7F7F7F",
    )


def people_tab(people: Sequence[Person]) -> TabSpec:
    return TabSpec(
        title=PEOPLE_TAB,
        columns=[c.spec for c in PEOPLE_COLUMNS],
        rows=[[p.name, p.team or None, p.email or None, p.tab or None] for p in people],
        color="7F7F7F",
    )


GUIDE_TEXT = (
    "How this workbook works",
    "",
    "Dashboard: every objective with its owner, progress, expected progress and status, the "
    "days left in the cycle, and who is behind. It is all formulas: right as soon as you type.",
    "Settings: the company, the current cycle (name, start, end), the check-in cadence and the "
    "thresholds that decide when a key result is on track, at risk or off track.",
    "Corporate: the company's objectives. Every other tab belongs to one person or team.",
    "People: who is who, their team, and which tab is theirs.",
    "Check-ins: one line per update of a key result. It is the history: add lines, never edit "
    "old ones.",
    "",
    "On the OKR tabs each row is an Objective or a Key result (column Type).",
    "To add an objective by hand: on the first empty row below the others, type Objective in "
    "Type, an ID (for example SALES-2), a Title and an Owner. Leave Start, Target and Due blank.",
    "To add a key result: on the rows just below its objective, type Key result in Type, an ID "
    "(SALES-2.1), a Title, Start, Target and Due, and Current when you know it. Below its "
    "objective, Objective ID may stay blank.",
    "Progress, Expected, Status and Days since check-in then appear by themselves: the empty "
    "rows already hold their formulas. Type on those rows rather than inserting new ones; if "
    "a row shows no Progress, `okr validate --fix` puts the formulas back.",
    "A key result needs a Start, a Target and a Due date: it is not a key result unless it has "
    "a number.",
    "If a metric was never tracked, type baseline as its Start: the first check-in measures "
    "it and becomes the start; until then its progress reads 'measuring the baseline'.",
    "Commitment (objectives): committed means expected to reach 1.0, so any shortfall is at "
    "risk; aspirational means 0.6-0.7 is success. Blank: Default commitment in Settings.",
    "Closing the cycle: okr grade --write fills Grade and proposes it as the Final grade. "
    "Change the Final grade if you judge otherwise and say why in Grade reason; note What "
    "worked and What to change; set Next cycle to carry over or drop for okr rollover.",
    "Kind: increase or decrease (worked out from start and target when left blank), milestone "
    "(0 = not done, 1 = done), keep above or keep below a threshold (the target).",
    "Team and individual objectives name the objective they serve in 'Aligns to'.",
    "Confidence accepts 70%, 0.7 or 7/10. Weight (default 1, also when blank) sets a key "
    "result's share of its objective.",
    "The key result row is what counts, for the sheet and for okr alike. When you type a new "
    "Current, also set Last check-in; `okr validate --fix` adds the line to Check-ins.",
    "Numbers may be typed as $16,000, 15% or 1,234.5; the sheet reads them as okr does.",
    "You may add columns of your own to the right of the last one: okr leaves them alone.",
    "",
    "With the okr command line: okr validate, okr lint, okr status, okr checkin, okr lagging.",
)


def guide_tab() -> TabSpec:
    from okrsheet.stores.base import ColumnSpec

    return TabSpec(
        title=GUIDE_TAB,
        columns=[ColumnSpec("How this workbook works", width=95)],
        rows=[[line or None] for line in GUIDE_TEXT[2:]],
        header=True,
        wrap_columns=(1,),
        color="FFC000",
        print_columns=1,
    )


def workbook_tabs(draft: Draft) -> list[TabSpec]:
    from okrsheet.layout.dashboard import MIN_SLOTS, dashboard_tab

    okr_tabs = [okr_tab(title, items) for title, items in draft.tabs.items()]
    slots = max(MIN_SLOTS, 2 * len(draft.objectives) + 20)
    dashboard = dashboard_tab([(t.title, _OKR) for t in okr_tabs], slots)
    tabs = [guide_tab(), dashboard, settings_tab(draft.settings, draft.cycle), *okr_tabs]
    units = {
        item.id: item.unit
        for items in draft.tabs.values()
        for item in items
        if isinstance(item, KeyResult)
    }
    tabs += [people_tab(draft.people), checkins_tab(draft.checkins, units)]
    tabs += side_tab_specs(draft.initiatives, draft.kpis)
    return tabs


# Changes to an existing workbook ----------------------------------------------------------------


def assign_missing_ids(raw: RawWorkbook) -> list[Change]:
    """IDs for objective and KR rows that lack one; nothing else is touched."""
    tables = okr_tables(raw)
    taken: set[str] = set()
    for table in tables:
        grid = raw.grid(table.title)
        assert grid is not None
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            text = cells.parse_text(grid.cell(row, table.columns["id"]))
            if text:
                taken.add(text)
    prefixes: list[str] = []
    changes: list[Change] = []
    for table in tables:
        grid = raw.grid(table.title)
        assert grid is not None
        prefix = id_prefix(table.title, prefixes)
        prefixes.append(prefix)
        objective: str | None = None
        new: dict[tuple[int, int], WriteValue] = {}
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            try:
                row_type = parse_row_type(grid.cell(row, table.columns["type"]))
            except cells.CellValueError:
                continue
            current = cells.parse_text(grid.cell(row, table.columns["id"]))
            if row_type == TYPE_OBJECTIVE:
                if not current:
                    current = _next_id(f"{prefix}-", taken)
                    new[(row, table.columns["id"])] = current
                objective = current
            elif row_type == TYPE_KEY_RESULT and not current:
                parent_col = table.columns.get("objective_id")
                parent = cells.parse_text(grid.cell(row, parent_col)) if parent_col else ""
                base = parent or objective or prefix
                new[(row, table.columns["id"])] = _next_id(f"{base}.", taken)
        if new:
            # The rows have no id to anchor them yet: a store that checks where its write
            # landed (Google) checks their titles instead.
            anchors = {row: _anchor(grid, table, row) for row, _col in new}
            changes.append(SetCells(table.title, new, anchors, table.header_row))
    return changes


def _anchor(grid: Grid, table: Table, row: int) -> tuple[int, str]:
    """A cell that tells a row without an id apart: its title, else its type."""
    for key in ("title", "type"):
        col = table.columns.get(key)
        value = grid.cell(row, col) if col else None
        if col and isinstance(value, str) and value.strip():
            return col, value.strip()
    return table.columns["type"], ""


def _next_id(stem: str, taken: set[str]) -> str:
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    taken.add(f"{stem}{n}")
    return f"{stem}{n}"


def side_tab_specs(
    initiatives: Sequence[Initiative] = (), kpis: Sequence[KPI] = ()
) -> list[TabSpec]:
    return [initiatives_tab(initiatives), kpis_tab(kpis)]
