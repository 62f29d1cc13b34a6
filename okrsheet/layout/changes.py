"""Cell changes for commands that write: check-ins, grades, archived and carried-over cycles.

Planners run inside `WorkbookStore.update` on a fresh read, so every row is located by its id
at the moment of writing: rows that people inserted, deleted or sorted meanwhile cannot make a
write land in the wrong place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from okrsheet.domain.model import (
    CheckIn,
    Commitment,
    Cycle,
    KeyResult,
    Objective,
    Plan,
    Settings,
    unlogged_and_unapplied,
)
from okrsheet.errors import InvalidWorkbook
from okrsheet.layout import cells
from okrsheet.layout.checkin_log import find_checkin_log
from okrsheet.layout.kpis_tab import kpi_checkin_changes
from okrsheet.layout.okr_tabs import okr_tables
from okrsheet.layout.reader import Table
from okrsheet.layout.schema import (
    ARCHIVE_PREFIX,
    CHECKIN_COLUMNS,
    CHECKINS_TAB,
    SETTING_ROWS,
    SETTINGS_TAB,
    TYPE_KEY_RESULT,
    TYPE_OBJECTIVE,
)
from okrsheet.layout.settings_tab import settings_cells
from okrsheet.layout.writer import (
    checkin_row,
    dependencies_text,
    refresh_formulas,
    tab_formulas,
)
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    Change,
    ColumnSpec,
    DeleteRows,
    NumberFormat,
    RawWorkbook,
    SetCells,
    TabSpec,
    WriteValue,
)


def checkin_table(raw: RawWorkbook) -> Table:
    """The check-in log's table (`find_checkin_log`); InvalidWorkbook when there is none."""
    found = find_checkin_log(raw)
    if found is not None:
        return found[1]
    raise InvalidWorkbook(
        f"the workbook has no {CHECKINS_TAB!r} tab with Date, KR ID and Value headers",
        hint="restore the tab (see docs/workbook.md) before recording check-ins",
    )


def logged_ids(raw: RawWorkbook, log: Table) -> set[str]:
    """The check-in ids the log holds."""
    col = log.columns.get("checkin_id")
    grid = raw.grid(log.title)
    if col is None or grid is None:
        return set()
    return {
        text
        for row in range(log.header_row + 1, len(grid.rows) + 1)
        if (text := cells.parse_text(grid.cell(row, col)))
    }


def locate_rows(raw: RawWorkbook, ids: Sequence[str]) -> dict[str, tuple[Table, int]]:
    """Where each id's row is now; ids that are nowhere are left out."""
    wanted = set(ids)
    found: dict[str, tuple[Table, int]] = {}
    for table in okr_tables(raw):
        grid = raw.grid(table.title)
        assert grid is not None
        id_col = table.columns["id"]
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            text = cells.parse_text(grid.cell(row, id_col))
            if text in wanted and text not in found:
                found[text] = (table, row)
    return found


def row_for(table: Table, values: dict[str, WriteValue]) -> list[WriteValue]:
    """Place values under their headers, wherever those columns are in this tab."""
    width = max(table.columns.values(), default=0)
    row: list[WriteValue] = [None] * width
    for key, value in values.items():
        col = table.columns.get(key)
        if col is not None:
            row[col - 1] = value
    return row


def checkin_changes(
    raw: RawWorkbook, checkins: Sequence[CheckIn], logged: Mapping[str, date] | None = None
) -> list[Change]:
    """Append the check-ins to the log and update each KR row's current value, confidence and
    last check-in date. The newest check-in per KR wins; a back-dated one (older than what
    `logged` says the log already holds for that KR) goes to the log only.

    Check-ins whose id the log already holds are skipped: they landed in an earlier attempt
    (with their KR rows, in the same atomic write), so retrying can never duplicate them."""
    log = checkin_table(raw)
    already = logged_ids(raw, log)
    checkins = [c for c in checkins if not c.checkin_id or c.checkin_id not in already]
    if not checkins:
        return []
    keys = [c.key for c in CHECKIN_COLUMNS]
    rows = []
    for checkin in checkins:
        values = dict(zip(keys, checkin_row(checkin), strict=True))
        rows.append(row_for(log, values))
    formats = {
        log.columns[c.key]: c.spec.number_format for c in CHECKIN_COLUMNS if c.key in log.columns
    }
    # Each Value in its key result's unit (percent, currency), as `okr init` writes the log.
    from okrsheet.layout.transfer import kr_units
    from okrsheet.layout.writer import _UNIT_FORMATS as UNIT_FORMATS

    units = kr_units(raw)
    value_col = log.columns.get("value")
    cell_formats: dict[tuple[int, int], NumberFormat] = {
        (index, value_col): UNIT_FORMATS.get(units.get(c.kr_id, ""), "number")
        for index, c in enumerate(checkins)
        if value_col is not None
    }
    changes: list[Change] = [
        AppendRows(
            log.title,
            rows,
            id_column=log.columns.get("checkin_id"),
            formats=formats,
            cell_formats=cell_formats,
            header_row=log.header_row,
        )
    ]

    newest: dict[str, CheckIn] = {}
    for checkin in sorted(checkins, key=lambda c: c.date):
        if logged is None or checkin.date >= logged.get(checkin.kr_id, checkin.date):
            newest[checkin.kr_id] = checkin
    located = locate_rows(raw, list(newest))
    # A KPI is checked in like a key result: its row on the KPIs tab takes the new value.
    kpi_changes, kpis = kpi_checkin_changes(
        raw, {k: c for k, c in newest.items() if k not in located}
    )
    changes.extend(kpi_changes)
    missing = sorted(set(newest) - set(located) - kpis)
    if missing:
        raise InvalidWorkbook(
            f"key result(s) {', '.join(missing)} are no longer in the workbook; nothing was written"
        )
    by_tab = _rows_take_checkins(located, newest, changes, raw)
    # Every write tops up the live formulas of the tabs it touches.
    touched = {tab: {row for row, _ in cells} for tab, cells in by_tab.items()}
    changes.extend(refresh_formulas(raw, by_tab, touched=touched))
    return changes


def _rows_take_checkins(
    located: Mapping[str, tuple[Table, int]],
    checkins: Mapping[str, CheckIn],
    changes: list[Change],
    raw: RawWorkbook,
) -> dict[str, dict[tuple[int, int], WriteValue]]:
    """Each located key result's row takes its check-in: Current, Last check-in and (when
    given) Confidence, anchored on the row's ID cell; a Start that still says "baseline" takes
    the value too (the first measurement is the start). Appends the SetCells to `changes` and
    returns the cells set, by tab. Check-ins whose row is not located are left alone."""
    by_tab: dict[str, dict[tuple[int, int], WriteValue]] = {}
    anchors: dict[str, dict[int, tuple[int, str]]] = {}
    headers: dict[str, int] = {}
    for kr_id, checkin in checkins.items():
        if kr_id not in located:
            continue
        table, row = located[kr_id]
        anchors.setdefault(table.title, {})[row] = (table.columns["id"], kr_id)
        headers[table.title] = table.header_row
        cells_to_set = by_tab.setdefault(table.title, {})
        updates: dict[str, WriteValue] = {"current": checkin.value, "last_checkin": checkin.date}
        if checkin.confidence is not None:
            updates["confidence"] = checkin.confidence
        grid = raw.grid(table.title)
        start_col = table.columns.get("start")
        if grid is not None and start_col and cells.is_baseline(grid.cell(row, start_col)):
            updates["start"] = checkin.value
        for key, value in updates.items():
            col = table.columns.get(key)
            if col is not None:
                cells_to_set[(row, col)] = value
    changes.extend(
        SetCells(tab, values, anchors[tab], headers[tab])
        for tab, values in by_tab.items()
        if values
    )
    return by_tab


def truth_changes(raw: RawWorkbook, plan: Plan, today: date, now: datetime) -> list[Change]:
    """What `okr validate --fix` writes so that the rows and the log tell one story
    (docs/workbook.md, "One truth"): a check-in newer than its row is copied to the row; a
    Current typed over the newest check-in is recorded in the log as a check-in of its own."""
    unlogged, unapplied = unlogged_and_unapplied(plan)
    changes: list[Change] = []
    located = locate_rows(raw, list(unapplied))
    _rows_take_checkins(located, unapplied, changes, raw)
    if unlogged:
        day = min(max(today, plan.cycle.start), plan.cycle.end)
        records = [
            CheckIn(
                date=max(day, kr.last_checkin or day),
                kr_id=kr.id,
                value=kr.value,
                confidence=kr.confidence,
                note="typed in the sheet; recorded by okr validate --fix",
                author=kr.owner,
                recorded_at=now,
                checkin_id=f"fix-{kr.id}-{now:%Y%m%d%H%M%S}",
            )
            for kr in unlogged
        ]
        changes.extend(checkin_changes(raw, records))
    return changes


def measured_baselines(raw: RawWorkbook, plan: Plan) -> list[Change]:
    """The Start cells that still say "baseline" beside a typed Current, given that value (the
    first measurement is the start; `okr validate --fix`)."""
    located = locate_rows(raw, [k.id for k in plan.key_results if k.start is not None])
    by_tab: dict[str, dict[tuple[int, int], WriteValue]] = {}
    anchors: dict[str, dict[int, tuple[int, str]]] = {}
    for kr in plan.key_results:
        if kr.id not in located:
            continue
        table, row = located[kr.id]
        grid = raw.grid(table.title)
        col = table.columns.get("start")
        if grid is None or not col or not cells.is_baseline(grid.cell(row, col)):
            continue
        by_tab.setdefault(table.title, {})[(row, col)] = kr.start
        anchors.setdefault(table.title, {})[row] = (table.columns["id"], kr.id)
    return [SetCells(tab, values, anchors[tab]) for tab, values in by_tab.items()]


def grade_changes(
    raw: RawWorkbook,
    grades: Mapping[str, float | None],
    finals: Mapping[str, float | None] | None = None,
) -> list[Change]:
    """Write grades into the Grade column of each objective and KR row, located by id, and
    `finals` into their Final grade cells (the rows whose owner has not judged yet; a tab
    without the column, made before it existed, is left as it is)."""
    finals = finals or {}
    located = locate_rows(raw, list(grades))
    by_tab: dict[str, dict[tuple[int, int], WriteValue]] = {}
    anchors: dict[str, dict[int, tuple[int, str]]] = {}
    headers: dict[str, int] = {}
    for item_id, (table, row) in located.items():
        col = table.columns.get("grade")
        if col is None:
            raise InvalidWorkbook(
                f"the tab {table.title!r} has no Grade column; nothing was written",
                hint="add a column headed 'Grade' to it",
            )
        by_tab.setdefault(table.title, {})[(row, col)] = grades[item_id]
        final_col = table.columns.get("final_grade")
        if item_id in finals and final_col is not None:
            by_tab[table.title][(row, final_col)] = finals[item_id]
        anchors.setdefault(table.title, {})[row] = (table.columns["id"], item_id)
        headers[table.title] = table.header_row
    changes: list[Change] = [
        SetCells(tab, values, anchors[tab], headers[tab]) for tab, values in by_tab.items()
    ]
    touched = {tab: {row for row, _ in cells} for tab, cells in by_tab.items()}
    return changes + refresh_formulas(raw, by_tab, touched=touched)


ARCHIVE_COLUMNS = (
    "Tab",
    "Type",
    "ID",
    "Objective ID",
    "Title",
    "Level",
    "Owner",
    "Aligns to",
    "Kind",
    "Start",
    "Target",
    "Final value",
    "Unit",
    "Due",
    "Weight",
    "Confidence",
    "Grade",
    "Outcome",
    "Notes",
    "Final grade",
    "Grade reason",
    "What worked",
    "What to change",
    "Next cycle",
    # Committed or aspirational as the cycle had it (a blank cell read through the Settings
    # default): the key-result checks tell the two apart in finished cycles.
    "Commitment",
)


@dataclass(frozen=True)
class Rollover:
    """What happens to each item at the end of a cycle."""

    old: Cycle
    new: Cycle
    carried: frozenset[str]  # ids of objectives and KRs that go on
    grades: Mapping[str, float | None]


def archive_title(cycle: Cycle) -> str:
    return f"{ARCHIVE_PREFIX}{cycle.name}"[:31]


def rollover_changes(raw: RawWorkbook, plan: Plan, rollover: Rollover) -> list[Change]:
    """Archive the old cycle in a tab of its own, delete finished rows, re-baseline carried KRs
    (new start = last value), move the Settings to the new cycle, and rewrite the Progress
    formulas of rows that moved. Ids never change."""
    title = archive_title(rollover.old)
    if raw.grid(title) is not None:
        raise InvalidWorkbook(
            f"the tab {title!r} already exists: was this cycle rolled over already?",
            hint="rename that tab if you really mean to roll over again",
        )
    located = locate_rows(raw, [o.id for o in plan.objectives] + [k.id for k in plan.key_results])
    changes: list[Change] = []
    archive_rows: list[list[WriteValue]] = []
    rebaseline: dict[str, dict[tuple[int, int], WriteValue]] = {}
    anchors: dict[str, dict[int, tuple[int, str]]] = {}
    headers = {table.title: table.header_row for table, _row in located.values()}
    doomed: dict[str, set[int]] = {}
    id_columns = {table.title: table.columns["id"] for table, _row in located.values()}

    grouped = plan.krs_by_objective()
    for objective in plan.objectives:
        items: list[Objective | KeyResult] = [objective, *grouped.get(objective.id, ())]
        for item in items:
            item_table, item_row = located[item.id]
            goes_on = item.id in rollover.carried
            archive_rows.append(
                _archive_row(item_table.title, item, rollover, goes_on, plan.settings)
            )
            if not goes_on:
                doomed.setdefault(item_table.title, set()).add(item_row)
                continue
            # A grade belongs to the cycle that ended; it stays in the archive only.
            updates: dict[str, WriteValue] = {
                "grade": None,
                # So is the judgement of it: the next cycle is judged afresh.
                **dict.fromkeys(("final_grade", "grade_reason", "worked", "to_change")),
                "next_cycle": None,
            }
            if isinstance(item, KeyResult):
                updates |= {"current": None, "due": rollover.new.end, "last_checkin": None}
                # Re-baselined where it stopped; but a baseline still being measured, a
                # milestone or threshold, and a key result reached (carried over by choice:
                # its owner sets a new target) keep their start.
                if _rebaselined(item):
                    updates["start"] = item.value
                # What was archived is finished: nothing can wait on it any more.
                still = tuple(d for d in item.depends_on if d in rollover.carried)
                if still != item.depends_on:
                    kept = tuple((d, day) for d, day in item.needed_by if d in still)
                    rates = tuple(r for r in item.ratios if r[0] in still)
                    updates["depends_on"] = dependencies_text(still, kept, rates) or None
            anchors.setdefault(item_table.title, {})[item_row] = (
                item_table.columns["id"],
                item.id,
            )
            target = rebaseline.setdefault(item_table.title, {})
            for key, value in updates.items():
                col = item_table.columns.get(key)
                if col is not None:
                    target[(item_row, col)] = value

    changes.extend(
        SetCells(tab, values, anchors[tab], headers[tab])
        for tab, values in rebaseline.items()
        if values
    )
    changes.extend(
        DeleteRows(tab, tuple(sorted(rows)), id_column=id_columns[tab])
        for tab, rows in doomed.items()
    )
    changes.extend(_formulas_after_delete(raw, doomed))
    changes.append(_settings_for(raw, rollover.new))
    changes.append(AddTab(_archive_tab(title, archive_rows)))
    return changes


def _rebaselined(kr: KeyResult) -> bool:
    if kr.start is None or not kr.kind.paced:
        return False
    return not kr.kind.met(kr.value, kr.start, kr.target_value)


def _archive_row(
    tab: str, item: Objective | KeyResult, rollover: Rollover, goes_on: bool, settings: Settings
) -> list[WriteValue]:
    outcome = f"carried to {rollover.new.name}" if goes_on else "archived"
    grade = rollover.grades.get(item.id)
    if isinstance(item, Objective):
        return [
            tab,
            TYPE_OBJECTIVE,
            item.id,
            None,
            item.title,
            item.level.value,
            item.owner,
            item.aligns_to,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            grade,
            outcome,
            item.notes or None,
            *_closing_cells(item),
            item.commitment_in(settings).value,
        ]
    committed = Commitment.COMMITTED if item.committed else Commitment.ASPIRATIONAL
    return [
        tab,
        TYPE_KEY_RESULT,
        item.id,
        item.objective_id,
        item.title,
        None,
        item.owner,
        None,
        item.kind.value,
        item.start,
        item.target,
        # A baseline never measured ended with no value (`value` would be its target).
        None if item.measuring_baseline else item.value,
        item.unit or None,
        item.due,
        item.weight,
        item.confidence,
        grade,
        outcome,
        item.notes or None,
        *_closing_cells(item),
        committed.value,
    ]


def _closing_cells(item: Objective | KeyResult) -> list[WriteValue]:
    closing = item.closing
    return [
        closing.final_grade,
        closing.reason or None,
        closing.worked or None,
        closing.to_change or None,
        closing.next_cycle.value if closing.next_cycle else None,
    ]


def _archive_tab(title: str, rows: list[list[WriteValue]]) -> TabSpec:
    from okrsheet.layout.writer import _UNIT_FORMATS

    formats: dict[str, NumberFormat] = {
        "Due": "date",
        "Confidence": "percent",
        "Grade": "number",
        "Final grade": "number",
    }
    # Start, Target and Final value in each key result's unit (percent, currency), as on its tab.
    unit_col = ARCHIVE_COLUMNS.index("Unit")
    valued = [ARCHIVE_COLUMNS.index(h) + 1 for h in ("Start", "Target", "Final value")]
    cell_formats: dict[tuple[int, int], NumberFormat] = {}
    for index, row in enumerate(rows):
        unit = row[unit_col] if isinstance(row[unit_col], str) else ""
        if row[1] == TYPE_KEY_RESULT:
            fmt = _UNIT_FORMATS.get(str(unit), "number")
            cell_formats.update({(index, col): fmt for col in valued})
    return TabSpec(
        cell_formats=cell_formats,
        title=title,
        columns=[
            ColumnSpec(
                name,
                width=40 if name == "Title" else 12,
                number_format=formats.get(name, "general"),
            )
            for name in ARCHIVE_COLUMNS
        ],
        rows=rows,
        color="A5A5A5",
    )


def _formulas_after_delete(raw: RawWorkbook, doomed: Mapping[str, set[int]]) -> list[Change]:
    """openpyxl does not fix formulas in rows that move up: every calculated cell of a tab that
    lost rows is rewritten for the rows as they will be."""
    changes: list[Change] = []
    for table in okr_tables(raw):
        gone = doomed.get(table.title)
        grid = raw.grid(table.title)
        if not gone or grid is None:
            continue
        change = tab_formulas(grid, table, removed=len(gone))
        if change is not None:
            changes.append(change)
    return changes


_TIME_ZONE_ROW = next(r for r in SETTING_ROWS if r.key == "time_zone")


def time_zone_changes(raw: RawWorkbook, zone: str) -> list[Change]:
    """`zone` written into the Settings tab's Time zone, where that cell is blank (or the
    tab has no Time zone row yet: one is added under the others). A Time zone typed there,
    even one that cannot be read, is the workbook's own: nothing is changed then."""
    found = settings_cells(raw)
    if found is None or not zone:
        return []
    for row in found.rows_of("time_zone")[:1]:
        if not cells.is_blank(found.grid.cell(row, found.value_col)):
            return []
        anchor = {row: (found.key_col, found.label(row))}
        return [SetCells(found.grid.title, {(row, found.value_col): zone}, anchor)]
    key_col, value_col, about = found.key_col, found.value_col, found.about_col
    row_values: list[WriteValue] = [None] * max(key_col, value_col)
    row_values[key_col - 1], row_values[value_col - 1] = _TIME_ZONE_ROW.label, zone
    if about is not None:
        row_values += [None] * max(0, about - len(row_values))
        row_values[about - 1] = _TIME_ZONE_ROW.about
    return [AppendRows(found.grid.title, [row_values])]


_ARCHIVE_ROW = next(r for r in SETTING_ROWS if r.key == "archive_workbooks")


def archive_workbook_changes(raw: RawWorkbook, location: str) -> list[Change]:
    """The Settings tab's Archive workbooks ending with `location` (added after those listed,
    or a row added under the others when the tab has none); nothing when it is the last."""
    found = settings_cells(raw)
    if found is None:
        return []
    for row in found.rows_of("archive_workbooks")[:1]:
        try:
            listed = list(cells.parse_locations(found.grid.cell(row, found.value_col)))
        except cells.CellValueError:
            listed = []
        if listed and listed[-1] == location:
            return []
        text = ", ".join([*(i for i in listed if i != location), location])
        anchor = {row: (found.key_col, found.label(row))}
        return [SetCells(found.grid.title, {(row, found.value_col): text}, anchor)]
    key_col, value_col, about = found.key_col, found.value_col, found.about_col
    row_values: list[WriteValue] = [None] * max(key_col, value_col)
    row_values[key_col - 1], row_values[value_col - 1] = _ARCHIVE_ROW.label, location
    if about is not None:
        row_values += [None] * max(0, about - len(row_values))
        row_values[about - 1] = _ARCHIVE_ROW.about
    return [AppendRows(found.grid.title, [row_values])]


def _settings_for(raw: RawWorkbook, cycle: Cycle) -> SetCells:
    found = settings_cells(raw)
    if found is None:
        raise InvalidWorkbook(f"the workbook has no {SETTINGS_TAB!r} tab")
    values: dict[str, WriteValue] = {
        "cycle": cycle.name,
        "cycle_start": cycle.start,
        "cycle_end": cycle.end,
    }
    cells_set: dict[tuple[int, int], WriteValue] = {}
    anchors: dict[int, tuple[int, str]] = {}
    for row, label, setting in found.rows:
        if setting is not None and setting.key in values:
            cells_set[(row, found.value_col)] = values[setting.key]
            anchors[row] = (found.key_col, label)
    if len(cells_set) != len(values):
        raise InvalidWorkbook("the Settings tab lacks a Cycle, Cycle start or Cycle end row")
    return SetCells(found.grid.title, cells_set, anchors, found.header_row)
