"""Cell changes for commands that write: check-ins, grades, archived and carried-over cycles.

Planners run inside `WorkbookStore.update` on a fresh read, so every row is located by its id
at the moment of writing: rows that people inserted, deleted or sorted meanwhile cannot make a
write land in the wrong place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from okrsheet.errors import InvalidWorkbook
from okrsheet.layout import cells
from okrsheet.layout.reader import Table, find_table
from okrsheet.layout.schema import CHECKIN_COLUMNS, CHECKINS_TAB, OKR_COLUMNS, normalize_header
from okrsheet.layout.writer import checkin_row, okr_tables
from okrsheet.model import CheckIn
from okrsheet.stores.base import AppendRows, Change, RawWorkbook, SetCells, WriteValue


def checkin_table(raw: RawWorkbook) -> Table:
    wanted = normalize_header(CHECKINS_TAB)
    named = [g for g in raw.grids if normalize_header(g.title) == wanted]
    others = [g for g in raw.grids if normalize_header(g.title) != wanted]
    for grid in named + others:
        table = find_table(grid, CHECKIN_COLUMNS, min_matches=3)
        if table is not None and not find_table(grid, OKR_COLUMNS, min_matches=4):
            return table
    raise InvalidWorkbook(
        f"the workbook has no {CHECKINS_TAB!r} tab with Date, KR ID and Value headers",
        hint="restore the tab (see docs/workbook.md) before recording check-ins",
    )


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
    `logged` says the log already holds for that KR) goes to the log only."""
    log = checkin_table(raw)
    keys = [c.key for c in CHECKIN_COLUMNS]
    rows = []
    for checkin in checkins:
        values = dict(zip(keys, checkin_row(checkin), strict=True))
        rows.append(row_for(log, values))
    changes: list[Change] = [AppendRows(log.title, rows)]

    newest: dict[str, CheckIn] = {}
    for checkin in sorted(checkins, key=lambda c: c.date):
        if logged is None or checkin.date >= logged.get(checkin.kr_id, checkin.date):
            newest[checkin.kr_id] = checkin
    located = locate_rows(raw, list(newest))
    missing = sorted(set(newest) - set(located))
    if missing:
        raise InvalidWorkbook(
            f"key result(s) {', '.join(missing)} are no longer in the workbook; nothing was written"
        )
    by_tab: dict[str, dict[tuple[int, int], WriteValue]] = {}
    for kr_id, checkin in newest.items():
        table, row = located[kr_id]
        cells_to_set = by_tab.setdefault(table.title, {})
        updates: dict[str, WriteValue] = {"current": checkin.value, "last_checkin": checkin.date}
        if checkin.confidence is not None:
            updates["confidence"] = checkin.confidence
        for key, value in updates.items():
            col = table.columns.get(key)
            if col is not None:
                cells_to_set[(row, col)] = value
    changes.extend(SetCells(tab, values) for tab, values in by_tab.items() if values)
    return changes
