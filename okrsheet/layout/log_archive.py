"""Moving a finished cycle's check-ins out of the live log, and reading them back.

`okr rollover` moves every check-in dated before the new cycle out of the Check-ins tab into a
tab of its own, `Archive <cycle> check-ins` (beside `Archive <cycle>`, in this workbook or in
the archive workbook the Settings name), so that the live log holds one cycle. `okr history`
reads those tabs again when asked about an earlier cycle. Check-ins of KPIs stay in the live
log: a KPI's trend runs across cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from okrsheet.domain.model import CheckIn, Cycle, Settings
from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError, is_blank
from okrsheet.layout.checkin_log import read_log_grid
from okrsheet.layout.schema import (
    ARCHIVE_PREFIX,
    CHECKIN_COLUMNS,
    CHECKINS_TAB,
    is_archive,
    normalize_header,
)
from okrsheet.layout.tables import Table, find_table
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    CellValue,
    Change,
    ColumnSpec,
    DeleteRows,
    Grid,
    RawWorkbook,
    TabSpec,
    WriteValue,
)

LOG_SUFFIX = " check-ins"


def log_archive_title(cycle: Cycle | str) -> str:
    """`Archive 2026-Q4 check-ins` (a long cycle name is cut so that the title fits in 31)."""
    name = cycle if isinstance(cycle, str) else cycle.name
    room = 31 - len(ARCHIVE_PREFIX) - len(LOG_SUFFIX)
    return f"{ARCHIVE_PREFIX}{name[:room]}{LOG_SUFFIX}"


def is_log_archive(title: str) -> bool:
    return is_archive(title) and title.endswith(LOG_SUFFIX)


@dataclass(frozen=True)
class LogMove:
    """The live log's rows that leave it (1-based, ascending) and their cells as written to
    the archive, under the log's own headers."""

    tab: str
    header: list[WriteValue]
    rows: tuple[int, ...]
    values: list[list[WriteValue]]
    id_column: int | None

    def keys(self) -> list[tuple[object, ...]]:
        return [row_key(v) for v in self.values]


def row_key(values: Sequence[object]) -> tuple[object, ...]:
    """What tells one archived check-in row from another, as written and as read back: its
    cells, trailing blanks left out (a check-in ID alone is not enough: rows typed by hand
    have none). A date read back with a midnight time is the date; a number is a float."""
    out = [_key(v) for v in values]
    while out and out[-1] is None:
        out.pop()
    return tuple(out)


def _key(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return value.strip()
    return value if isinstance(value, date) else str(value)


def _writable(value: CellValue) -> WriteValue:
    if value is None or isinstance(value, str | bool | int | float | date):
        return value
    return str(value)


def live_log(raw: RawWorkbook) -> tuple[Grid, Table] | None:
    """The Check-ins tab and its table (never an archived log)."""
    wanted = normalize_header(CHECKINS_TAB)
    for grid in raw.grids:
        if normalize_header(grid.title) == wanted:
            table = find_table(grid, CHECKIN_COLUMNS)
            return (grid, table) if table is not None else None
    return None


def log_to_move(
    raw: RawWorkbook,
    before: date,
    *,
    keep_ids: Iterable[str] = (),
    order: cells.DateOrder = "MDY",
    only: set[tuple[object, ...]] | None = None,
) -> LogMove | None:
    """The check-ins dated before `before` (the new cycle's first day), except those of
    `keep_ids` (KPIs) and rows whose date cannot be read (they stay for `okr validate` to
    name). With `only`, just the rows whose `row_key` is in it (those an archive workbook
    already holds)."""
    found = live_log(raw)
    if found is None:
        return None
    grid, table = found
    date_col, kr_col = table.columns.get("date"), table.columns.get("kr_id")
    if date_col is None or kr_col is None:
        return None
    kept = {normalize_header(i) for i in keep_ids}
    width = max(table.columns.values())
    header = [_writable(grid.cell(table.header_row, c)) for c in range(1, width + 1)]
    rows: list[int] = []
    values: list[list[WriteValue]] = []
    for row in range(table.header_row + 1, len(grid.rows) + 1):
        cell = grid.cell(row, date_col)
        if is_blank(cell):
            continue
        try:
            day = cells.parse_date(cell, order=order)
        except CellValueError:
            continue
        if day is None or day >= before:
            continue
        if normalize_header(cells.parse_text(grid.cell(row, kr_col))) in kept:
            continue
        line = [_writable(grid.cell(row, c)) for c in range(1, width + 1)]
        if only is not None and row_key(line) not in only:
            continue
        rows.append(row)
        values.append(line)
    if not rows:
        return None
    return LogMove(grid.title, header, tuple(rows), values, table.columns.get("checkin_id"))


def log_archive_tab(title: str, move: LogMove) -> TabSpec:
    """The archived check-ins under the live log's headers, with its formats."""
    specs = {normalize_header(c.spec.header): c.spec for c in CHECKIN_COLUMNS}
    columns = []
    for head in move.header:
        text = str(head) if head is not None else ""
        spec = specs.get(normalize_header(text))
        columns.append(
            ColumnSpec(text, spec.width, spec.number_format) if spec else ColumnSpec(text)
        )
    return TabSpec(title=title, columns=columns, rows=list(move.values), color="A5A5A5")


def move_changes(raw: RawWorkbook, move: LogMove, title: str, *, here: bool) -> list[Change]:
    """The rows leave the live log; with `here`, into an archive tab of this workbook (the
    rows it lacks, should a tab of that name be there already)."""
    changes: list[Change] = [DeleteRows(move.tab, move.rows, id_column=move.id_column)]
    if here:
        changes.extend(archive_log_changes(raw, title, move))
    return changes


def archive_log_changes(raw: RawWorkbook, title: str, move: LogMove) -> list[Change]:
    """For the archive workbook: the tab with the moved rows, or (written by an earlier run
    that did not finish) the rows it lacks, appended."""
    grid = raw.grid(title)
    if grid is None:
        return [AddTab(log_archive_tab(title, move))]
    held = {row_key(r) for r in grid.rows[1:]}
    missing = [v for v in move.values if row_key(v) not in held]
    return [AppendRows(title, missing)] if missing else []


def held_keys(raw: RawWorkbook, title: str) -> set[tuple[object, ...]]:
    grid = raw.grid(title)
    return {row_key(r) for r in grid.rows[1:]} if grid is not None else set()


def archived_checkins(
    raws: Sequence[RawWorkbook], settings: Settings, *, tab: str | None = None
) -> list[CheckIn]:
    """The check-ins of every archived log (or only of the tab named `tab`) of these
    workbooks; rows that cannot be read are passed over (history is not validated)."""
    found: list[CheckIn] = []
    for raw in raws:
        for grid in raw.grids:
            if not is_log_archive(grid.title) or (tab is not None and grid.title != tab):
                continue
            found.extend(read_log_grid(grid, settings))
    return found
