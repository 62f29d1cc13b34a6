"""Reading the Archive tabs (`okr rollover` writes one per finished cycle) as history for the
key-result checks: what each key result aimed at, where it ended and its grade.

Archive tabs are history: nothing here reports a problem. A cell that cannot be read is taken
as blank, a tab without a recognisable header row is passed over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import ValidationError

from okrsheet.domain.kinds import Kind
from okrsheet.domain.model import Commitment, KeyResult, cycle_from_name
from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError
from okrsheet.layout.schema import ARCHIVE_PREFIX, column, is_archive, normalize_header
from okrsheet.layout.tables import find_table
from okrsheet.lint import History, PastResult
from okrsheet.stores.base import CellValue, Grid, RawWorkbook

#: The columns `okr rollover` writes (layout/changes.py ARCHIVE_COLUMNS) that history needs,
#: and the spellings a person's own archive may use.
ARCHIVE_READ_COLUMNS = (
    column("type", "Type", "row type"),
    column("id", "ID", "key"),
    column("objective_id", "Objective ID", "objective", "parent id"),
    column("title", "Title", "objective key result", "description", "name"),
    column("owner", "Owner"),
    column("kind", "Kind", "direction"),
    column("start", "Start", "baseline"),
    column("target", "Target", "goal"),
    column("final", "Final value", "current", "final", "value", "actual"),
    column("unit", "Unit", "units"),
    column("grade", "Grade", "score"),
    column("final_grade", "Final grade"),
    column("commitment", "Commitment"),
    column("due", "Due"),
)


def read_history(raw: RawWorkbook, default: Commitment = Commitment.ASPIRATIONAL) -> History:
    """Every Archive tab's key results, the cycles oldest first (by the cycle's dates when every
    tab names a cycle `okr` can read, such as 2026-Q3; otherwise in tab order).

    A key result is committed as its Commitment cell says, else as its objective's says (the
    words the OKR tabs take: committed, aspirational); where neither says, as `default` (the
    workbook's Default commitment setting)."""
    read = [
        (grid.title.removeprefix(ARCHIVE_PREFIX).strip(), _results(grid, default))
        for grid in raw.grids
        if is_archive(grid.title)
    ]
    cycles = [(name, results) for name, results in read if results]
    ends = [_end(name) for name, _ in cycles]
    if all(end is not None for end in ends):
        order = sorted(range(len(cycles)), key=lambda i: ends[i] or date.min)
        cycles = [cycles[i] for i in order]
    return History(tuple((name, tuple(results)) for name, results in cycles))


def _end(name: str) -> date | None:
    try:
        return cycle_from_name(name).end
    except ValueError:  # a name okr cannot read as a cycle: keep the tab order
        return None


def _read(value: CellValue, parse: Callable[[CellValue], object]) -> object:
    try:
        return parse(value)
    except CellValueError:
        return None


def _number(value: CellValue) -> float | None:
    found = _read(value, lambda v: cells.parse_number(v, allow_bool=True))
    return found if isinstance(found, float) else None


def _commitment(value: CellValue) -> Commitment | None:
    found = _read(value, cells.parse_commitment)
    return found if isinstance(found, Commitment) else None


def _results(grid: Grid, default: Commitment) -> list[PastResult]:
    table = find_table(grid, ARCHIVE_READ_COLUMNS, min_matches=4)
    if table is None or "title" not in table.columns or "type" not in table.columns:
        return []
    cycle = grid.title.removeprefix(ARCHIVE_PREFIX).strip()
    results: list[PastResult] = []
    commitments: dict[str, Commitment | None] = {}
    current_objective = ""
    for row in range(table.header_row + 1, len(grid.rows) + 1):

        def get(key: str, row: int = row) -> CellValue:
            col = table.columns.get(key)
            return grid.cell(row, col) if col else None

        row_type = normalize_header(cells.parse_text(get("type")))
        item_id = cells.parse_text(get("id"))
        if row_type in ("objective", "o", "obj"):
            current_objective = item_id
            commitments[item_id] = _commitment(get("commitment"))
            continue
        if row_type not in ("key result", "kr", "keyresult", "result") or not item_id:
            continue
        objective_id = cells.parse_text(get("objective_id")) or current_objective
        kind = _read(get("kind"), cells.parse_kind)
        grade = _number(get("final_grade"))
        commitment = _commitment(get("commitment")) or commitments.get(objective_id) or default
        results.append(
            PastResult(
                cycle=cycle,
                id=item_id,
                title=cells.parse_text(get("title")),
                owner=cells.parse_text(get("owner")),
                kind=kind if isinstance(kind, Kind) else None,
                start=_number(get("start")),
                target=_number(get("target")),
                final=_number(get("final")),
                grade=grade if grade is not None else _number(get("grade")),
                unit=cells.parse_text(get("unit")),
                committed=commitment is Commitment.COMMITTED,
            )
        )
    return results


def archived_cycles(raw: RawWorkbook) -> dict[str, Grid]:
    """The Archive tabs of finished cycles (not their check-in tabs), by cycle name."""
    from okrsheet.layout.log_archive import is_log_archive

    return {
        grid.title.removeprefix(ARCHIVE_PREFIX).strip(): grid
        for grid in raw.grids
        if is_archive(grid.title) and not is_log_archive(grid.title)
    }


def archived_key_result(grid: Grid, kr_id: str, due: date | None = None) -> KeyResult | None:
    """A key result as an Archive tab recorded it at the end of its cycle (its final value as
    its current one), or None when the tab has no readable row with that ID."""
    table = find_table(grid, ARCHIVE_READ_COLUMNS, min_matches=4)
    if table is None or "id" not in table.columns:
        return None
    for row in range(table.header_row + 1, len(grid.rows) + 1):

        def get(key: str, row: int = row) -> CellValue:
            col = table.columns.get(key)
            return grid.cell(row, col) if col else None

        item_id = cells.parse_text(get("id"))
        if item_id.casefold() != kr_id.casefold() or not cells.parse_text(get("kind")):
            continue
        kind = _read(get("kind"), cells.parse_kind)
        recorded = _read(get("due"), cells.parse_date)
        if not isinstance(kind, Kind):
            return None
        try:
            return KeyResult(
                id=item_id,
                objective_id=cells.parse_text(get("objective_id")) or "-",
                title=cells.parse_text(get("title")) or item_id,
                owner=cells.parse_text(get("owner")) or "-",
                kind=kind,
                start=_number(get("start")),
                target=_number(get("target")),
                current=_number(get("final")),
                unit=cells.parse_text(get("unit")),
                due=recorded if isinstance(recorded, date) else due,
            )
        except ValidationError:
            return None
    return None
