"""The results of okr's own formulas, written beside them (docs/workbook.md, "Cached results").

A reader that does not calculate (openpyxl's `data_only`, a preview, a script) sees only the
result a file keeps beside each formula. okr knows what its own columns compute: the numbers of
`okr status`. So every write to a store that keeps results (an .xlsx) gives the cells people
read on the OKR tabs it changes (Progress, Expected, Status, Days since check-in, Objective
confidence) and on the Dashboard the results of the workbook as it is after the write, by the
same rules as the formulas (docs/scoring.md). Where a result cannot be known for certain (a
row okr cannot read, a key result whose objective lies on another tab, the hidden helper
columns), the formula is written without one, and a spreadsheet program computes it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from okrsheet.domain.vocab import MEASURING_BASELINE
from okrsheet.layout import cells
from okrsheet.layout.dashboard import dashboard_refresh, dashboard_room, on_dashboard
from okrsheet.layout.dashboard_results import dashboard_results
from okrsheet.layout.formulas import SPARE_ROWS, formula_cells, formulas_fit
from okrsheet.layout.schema import TYPE_KEY_RESULT, TYPE_OBJECTIVE, normalize_header
from okrsheet.layout.tables import Table, parse_row_type
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    CellValue,
    Change,
    ChangePlanner,
    DeleteRows,
    Formula,
    Grid,
    RawWorkbook,
    SetCells,
    TabSpec,
    WriteValue,
)

if TYPE_CHECKING:
    from okrsheet.domain.model import KeyResult
    from okrsheet.domain.scoring import KRScore, ObjectiveScore
    from okrsheet.layout.reader import ParsedWorkbook

Result = str | float | bool
#: The columns people read, given results; the hidden `Calc` columns are left to calculation.
SHOWN = ("progress", "expected", "status", "days_since", "objective_confidence")


def today() -> date:
    """The day the results are for: $OKR_TODAY when set (as every command), else today."""
    pinned = os.environ.get("OKR_TODAY", "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            pass
    return date.today()


def with_results(planner: ChangePlanner) -> ChangePlanner:
    """`planner`, with results beside okr's own formulas where the store keeps them."""

    def planned(raw: RawWorkbook) -> Sequence[Change]:
        changes = list(planner(raw))
        if not changes or not raw.keeps_results:
            return changes
        return give_results(raw, changes)

    return planned


def give_results(
    raw: RawWorkbook, changes: Sequence[Change], *, every_tab: bool = False
) -> list[Change]:
    """`changes`, then the shown cells of every OKR tab they touch (of every one, with
    `every_tab`) written again with their results; the Dashboard's formulas in `changes` get
    theirs. Nothing is added when the workbook after the changes cannot be read."""
    from okrsheet.errors import OkrError

    after = apply(raw, changes)
    try:
        from okrsheet.layout.reader import parse_workbook

        parsed = parse_workbook(after, with_log=False)
    except (OkrError, ValueError):
        return list(changes)
    touched = {normalize_header(c.tab) for c in changes if not isinstance(c, AddTab)}
    touched |= {normalize_header(c.spec.title) for c in changes if isinstance(c, AddTab)}
    found = _Results(after, parsed, today())
    added: list[Change] = []
    out = list(changes)
    for table in parsed.okr_tables:
        if not (every_tab or normalize_header(table.title) in touched):
            continue
        written = found.tab(table)
        _given_in_place(out, table.title, written)
        if written:
            given: dict[tuple[int, int], WriteValue] = dict(written)
            added.append(SetCells(table.title, given, header_row=table.header_row))
    out += added
    if added and not any(on_dashboard(c) for c in out) and not every_tab:
        # The Dashboard reads the tabs written: its old results would stay, wrong.
        out += dashboard_refresh(after)

    return dashboard_results(out, after, parsed, found)


def _given_in_place(
    changes: list[Change], tab: str, results: dict[tuple[int, int], Formula]
) -> None:
    """The formulas `changes` already write on `tab` given their results where `results` has
    the same formula for the same cell (taken out of `results`): each cell written once. Only
    changes after the tab's last row deletion count (their rows are the rows of the end)."""
    wanted = normalize_header(tab)
    start = 0
    for index, change in enumerate(changes):
        if isinstance(change, DeleteRows | AppendRows) and normalize_header(change.tab) == wanted:
            start = index + 1
    for index in range(start, len(changes)):
        change = changes[index]
        if not (isinstance(change, SetCells) and normalize_header(change.tab) == wanted):
            continue
        cells = None
        for key, value in change.cells.items():
            mine = results.get(key)
            if mine is not None and isinstance(value, Formula) and value.text == mine.text:
                if cells is None:
                    cells = dict(change.cells)
                cells[key] = mine
                del results[key]
        if cells is not None:
            changes[index] = dataclasses.replace(change, cells=cells)


# The workbook as it will be ------------------------------------------------------------------


def apply(raw: RawWorkbook, changes: Sequence[Change]) -> RawWorkbook:
    """The grids of `raw` with `changes` made, as values: a formula reads as blank (what it
    computes is worked out from the typed cells). Grids and rows are copied only where they
    change."""
    grids = list(raw.grids)
    index = {normalize_header(g.title): i for i, g in enumerate(grids)}
    copied: set[int] = set()

    def grid_of(tab: str) -> Grid | None:
        at = index.get(normalize_header(tab))
        if at is None:
            return None
        if at not in copied:
            old = grids[at]
            grids[at] = Grid(old.title, list(old.rows), old.hidden)
            copied.add(at)
        return grids[at]

    for change in changes:
        if isinstance(change, AddTab):
            spec = change.spec
            rows: list[list[CellValue]] = []
            if spec.header:
                rows.append([c.header for c in spec.columns])
            rows += [[_plain(v) for v in r] for r in spec.rows]
            made = Grid(spec.title, rows)
            grids.append(made)
            index = {normalize_header(g.title): i for i, g in enumerate(grids)}
            copied.add(len(grids) - 1)
            continue
        grid = grid_of(change.tab)
        if grid is None:
            continue
        if isinstance(change, SetCells):
            touched: set[int] = set()
            rows = grid.rows
            for (row, col), value in change.cells.items():
                if row not in touched:
                    if len(rows) < row:
                        rows.extend([] for _ in range(row - len(rows)))
                    rows[row - 1] = list(rows[row - 1])
                    touched.add(row)
                line = rows[row - 1]
                if len(line) < col:
                    line.extend([None] * (col - len(line)))
                line[col - 1] = None if isinstance(value, Formula) else value
        elif isinstance(change, AppendRows):
            last = len(grid.rows)
            while last and all(cells.is_blank(v) for v in grid.rows[last - 1]):
                last -= 1
            del grid.rows[last:]
            grid.rows.extend([_plain(v) for v in r] for r in change.rows)
        elif isinstance(change, DeleteRows):
            for row in sorted(set(change.rows), reverse=True):
                if 1 <= row <= len(grid.rows):
                    del grid.rows[row - 1]
    return RawWorkbook(
        grids, list(raw.notices), None, raw.time_zone, keeps_results=raw.keeps_results
    )


def _plain(value: object) -> CellValue:
    return None if isinstance(value, Formula) else value  # type: ignore[return-value]


# Results by the rules of the formulas --------------------------------------------------------


@dataclass
class _Row:
    """What okr read on one row of an OKR tab: an objective's or a key result's scores."""

    objective: ObjectiveScore | None = None
    kr: KRScore | None = None


class _Results:
    """The results of the shown cells of the OKR tabs of one workbook, as its formulas
    compute them."""

    def __init__(self, raw: RawWorkbook, parsed: ParsedWorkbook, day: date) -> None:
        from okrsheet.domain.scoring import score_plan

        self.raw, self.parsed, self.day = raw, parsed, day
        self.plan = parsed.plan
        self.scores = score_plan(self.plan, day)
        self.by_row: dict[tuple[str, int], _Row] = {}
        for score in self.scores:
            self._place(score.objective.id, _Row(objective=score))
            for kr_score in score.key_results:
                self._place(kr_score.kr.id, _Row(kr=kr_score))
        # Rows with an error okr reported: what their formulas compute is not known.
        self.doubtful: set[tuple[str, int]] = set()
        for finding in parsed.errors:
            where = _row_of(finding.where)
            if where is not None:
                self.doubtful.add(where)
        self.grids = {g.title: g for g in raw.grids}
        self._rows: dict[tuple[str, int], dict[str, Result] | None] = {}

    def _place(self, item_id: str, row: _Row) -> None:
        found = self.parsed.rows.get(item_id)
        if found is not None:
            table, number = found
            self.by_row[(normalize_header(table.title), number)] = row

    def tab(self, table: Table) -> dict[tuple[int, int], Formula]:
        """The shown cells of the tab's prepared rows, each its formula with its result (or
        without, where it is not known)."""
        if not formulas_fit(table.columns):
            return {}
        grid = self.grids.get(table.title)
        if grid is None:
            return {}
        from okrsheet.layout.writer import last_filled_row

        first = table.header_row + 1
        # Down to the tab's last objective or key result (and the spare rows after it), not to
        # a stray cell typed far below: that would give a million cells their formulas.
        items = [n for t, n in self.parsed.rows.values() if t.title == table.title]
        filled = min(last_filled_row(grid, table), max(items, default=table.header_row))
        last = max(filled, table.header_row) + SPARE_ROWS
        made = formula_cells(table.columns, first, last, keys=SHOWN)
        shown = {table.columns[key]: key for key in SHOWN if key in table.columns}
        out: dict[tuple[int, int], Formula] = {}
        for (row, col), formula in made.items():
            key = shown[col]
            values = self.row_results(table, grid, row)
            result = None if values is None else values.get(key)
            out[(row, col)] = Formula(formula.text, fill=True, result=result)
        return out

    def row_results(self, table: Table, grid: Grid, row: int) -> dict[str, Result] | None:
        """The shown results of one row, by column key; None when they are not known."""
        key = (table.title, row)
        if key not in self._rows:
            self._rows[key] = self._row_results(table, grid, row)
        return self._rows[key]

    def _row_results(self, table: Table, grid: Grid, row: int) -> dict[str, Result] | None:
        tab = normalize_header(table.title)
        if (tab, row) in self.doubtful:
            return None
        found = self.by_row.get((tab, row))
        type_cell = grid.cell(row, table.columns["type"])
        if found is None:
            if cells.is_blank(type_cell):
                return dict.fromkeys(SHOWN, "")
            return None  # a row typed as something okr did not read
        try:
            typed = parse_row_type(type_cell)
        except cells.CellValueError:
            return None
        if found.kr is not None and typed == TYPE_KEY_RESULT:
            return self._kr(table, grid, row, found.kr)
        if found.objective is not None and typed == TYPE_OBJECTIVE:
            return self._objective(table, found.objective)
        return None

    def _kr(self, table: Table, grid: Grid, row: int, score: KRScore) -> dict[str, Result] | None:
        kr = score.kr
        if kr.kind.paced and not kr.measuring_baseline and kr.start_value == kr.target_value:
            return None  # the sheet shows nothing where okr reports an error
        checked = grid.cell(row, table.columns["last_checkin"])
        if isinstance(checked, datetime) and checked.time() != datetime.min.time():
            return None  # a time of day: the sheet counts part days
        own = score.own_status or score.status
        return {
            "progress": MEASURING_BASELINE if kr.measuring_baseline else float(score.progress),
            "expected": float(score.expected),
            "status": own.value,
            "days_since": float(self._days_since(kr)),
            "objective_confidence": "",
        }

    def _days_since(self, kr: KeyResult) -> int:
        return max(0, (self.day - (kr.last_checkin or self.plan.cycle.start)).days)

    def _objective(self, table: Table, score: ObjectiveScore) -> dict[str, Result] | None:
        tab = normalize_header(table.title)
        if any(where[0] == tab for where in self.doubtful):
            return None  # a row okr left out may still count in the sheet's roll-ups
        krs = [k.kr for k in score.key_results]
        for kr in krs:  # the sheet rolls up the key results of the objective's own tab
            where = self.parsed.rows.get(kr.id)
            if where is None or normalize_header(where[0].title) != tab:
                return None
            if (tab, where[1]) in self.doubtful:
                return None
        grid = self.grids.get(table.title) or Grid(table.title, [])
        if any(self._kr(table, grid, self.parsed.rows[k.kr.id][1], k) is None
               for k in score.key_results):  # fmt: skip
            return None
        own = score.own_status or score.status
        days: Result = ""
        if score.progress is not None:
            newest = max((kr.last_checkin or self.plan.cycle.start for kr in krs), default=None)
            if newest is not None:
                days = float(max(0, (self.day - newest).days))
        return {
            "progress": "" if score.progress is None else float(score.progress),
            "expected": "" if score.expected is None else float(score.expected),
            "status": "" if own is None else own.value,
            "days_since": days,
            "objective_confidence": "" if score.confidence is None else float(score.confidence),
        }


def _row_of(where: str | None) -> tuple[str, int] | None:
    """(tab, row) of a `Tab!G7` reference."""
    if not where or "!" not in where:
        return None
    tab, _, cell = where.rpartition("!")
    digits = cell.lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not digits.isdigit():
        return None
    if tab.startswith("'"):
        tab = tab[1:-1].replace("''", "'")
    return normalize_header(tab), int(digits)


def tabs_with_results(tabs: Sequence[TabSpec]) -> list[TabSpec]:
    """New tabs (`okr init`) with results beside the formulas people read, where known."""
    made = [AddTab(spec) for spec in tabs]
    given = give_results(RawWorkbook([], keeps_results=True), made, every_tab=True)
    by_tab: dict[str, dict[tuple[int, int], Formula]] = {}
    specs: dict[str, TabSpec] = {}
    for change in given:
        if isinstance(change, SetCells):
            for key, value in change.cells.items():
                if isinstance(value, Formula) and value.result is not None:
                    by_tab.setdefault(normalize_header(change.tab), {})[key] = value
        elif isinstance(change, AddTab):
            specs[normalize_header(change.spec.title)] = change.spec
    out: list[TabSpec] = []
    for spec in tabs:
        spec = specs.get(normalize_header(spec.title), spec)
        results = by_tab.get(normalize_header(spec.title))
        if results:
            top = 2 if spec.header else 1
            rows = [list(row) for row in spec.rows]
            for (row, col), value in results.items():
                line = rows[row - top] if 0 <= row - top < len(rows) else None
                old = line[col - 1] if line is not None and col <= len(line) else None
                if line is not None and isinstance(old, Formula) and old.text == value.text:
                    line[col - 1] = value
            spec = dataclasses.replace(spec, rows=rows)
        out.append(spec)
    return out


def with_room(planner: ChangePlanner) -> ChangePlanner:
    """`planner`, and when it writes anything, room on the Dashboard for every objective."""

    def planned(raw: RawWorkbook) -> Sequence[Change]:
        changes = list(planner(raw))
        if not changes or any(on_dashboard(c) for c in changes):
            # Nothing written, or the Dashboard written whole already (`dashboard_refresh`,
            # with room for every objective): one writer per write, never two over one cell.
            return changes
        return [*changes, *dashboard_room(raw)]

    return with_results(planned)  # and okr's own formulas with their results
