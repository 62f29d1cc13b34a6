"""Reading a workbook: grids of cells in, a validated `Plan` and findings that name cells out."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from okrsheet.domain.model import (
    BENCHMARK_HINT,
    CHECKIN_KEY_PREFIX,
    MISSING,
    CheckIn,
    Closing,
    Commitment,
    Cycle,
    KeyResult,
    Level,
    Objective,
    Plan,
    Problem,
    Settings,
    Severity,
    check_plan,
    infer_kind,
    reconcile,
)
from okrsheet.domain.names import person_key
from okrsheet.domain.plan_rules import people_problems
from okrsheet.layout import cells
from okrsheet.layout.budget import cell_budget
from okrsheet.layout.cells import CellValueError, is_blank
from okrsheet.layout.checkin_log import LogNeed, looks_like_log, read_checkin_log
from okrsheet.layout.initiatives_tab import INITIATIVE_COLUMNS, _read_initiatives
from okrsheet.layout.kpis_tab import KPI_COLUMNS, _read_kpis
from okrsheet.layout.links import parse_links
from okrsheet.layout.schema import (
    CALCULATED_KEYS,
    CORPORATE_TAB,
    DASHBOARD_TAB,
    GUIDE_TAB,
    IDEAS_TAB,
    OKR_COLUMNS,
    PEOPLE_COLUMNS,
    PEOPLE_TAB,
    REMINDERS_TAB,
    SETTINGS_TAB,
    TYPE_KEY_RESULT,
    TYPE_OBJECTIVE,
    is_archive,
    normalize_header,
)
from okrsheet.layout.settings_tab import read_settings, setting_ref
from okrsheet.layout.side_tabs import EXTRA_TABS, INITIATIVES_TAB, KPIS_TAB, ExtraTabs, _table
from okrsheet.layout.source_cells import objective_source, read_source_cells
from okrsheet.layout.tables import HEADER_SCAN_ROWS as HEADER_SCAN_ROWS
from okrsheet.layout.tables import Finding as Finding
from okrsheet.layout.tables import Table as Table
from okrsheet.layout.tables import cell_ref as cell_ref
from okrsheet.layout.tables import column_letter as column_letter
from okrsheet.layout.tables import column_number as _column_number
from okrsheet.layout.tables import duplicate_headers as _duplicate_headers
from okrsheet.layout.tables import field_label as _field_label
from okrsheet.layout.tables import find_table as find_table
from okrsheet.layout.tables import grid_named as _grid_named
from okrsheet.layout.tables import missing_headers as _missing_headers
from okrsheet.layout.tables import model_errors, parse_row_type
from okrsheet.layout.tables import tab_ref as tab_ref
from okrsheet.stores.base import (
    BAR_HEADER,
    CellValue,
    Grid,
    RawWorkbook,
)


def _spans_outside(skip: Collection[int | None], width: int) -> list[tuple[int, int]]:
    """The runs of columns of a row not in `skip` (1-based numbers), as 0-based slices."""
    spans: list[tuple[int, int]] = []
    start = None
    for index in range(width + 1):
        if index < width and index + 1 not in skip:
            start = index if start is None else start
        elif start is not None:
            spans.append((start, index))
            start = None
    return spans


def _surely_blank(values: list[CellValue], spans: list[tuple[int, int]]) -> bool:
    """Whether every cell of `values` in `spans` is empty or None, counted in C: a tab's
    prepared rows hold results in the calculated columns only (LibreOffice keeps one in each
    of them), and a workbook has thousands of them. False says only "look closer"."""
    for start, end in spans:
        part = values[start:end]
        if part.count("") + part.count(None) != len(part):
            return False
    return True


@dataclass(frozen=True)
class Unreadable:
    """An objective or key result whose row has a type and an ID but cells that could not be
    read: it is left out of the plan, yet still known by its ID, title and owner, so that no
    other check reports it as missing and commands can say what is wrong with it."""

    id: str
    kind: str  # TYPE_OBJECTIVE or TYPE_KEY_RESULT
    title: str
    owner: str
    objective_id: str | None
    problems: tuple[str, ...]  # each `Tab!A1: message`

    def __str__(self) -> str:
        return f"{self.id} has problems: {'; '.join(self.problems)}"


@dataclass
class ParsedWorkbook:
    plan: Plan
    findings: list[Finding]
    okr_tables: list[Table]
    checkin_table: Table | None
    people: dict[str, str]
    # Where each objective / KR lives: id -> (table, row).
    rows: dict[str, tuple[Table, int]]
    notices: list[str] = field(default_factory=list)
    unreadable: dict[str, Unreadable] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


#: The OKR tabs read in this context, by grid (see `reuse_tab_reads`); None outside one.
_TAB_READS: ContextVar[dict[int, _TabRead] | None] = ContextVar("_TAB_READS", default=None)


@contextmanager
def reuse_tab_reads() -> Iterator[None]:
    """Within this, an OKR tab read once is not read again while its grid is the same:
    a write's planner parses the workbook, and working out the results it writes beside
    okr's formulas parses the workbook as it will be (`layout.results`), where all but the
    tabs it changes are the grids read a moment before (150 person tabs: 0.4 s each time)."""
    token = _TAB_READS.set({})
    try:
        yield
    finally:
        _TAB_READS.reset(token)


@dataclass
class _TabRead:
    """What reading one OKR tab added to a `_Reader`, and what it depended on: it is the same
    again for the same grid (the object, its rows unchanged), the same context (settings,
    people and teams), and no ID of the tab already taken by a tab read before it."""

    grid: Grid  # held, so that its id stays its own
    rows: list[list[CellValue]]
    length: int
    # The settings, people and teams it was read with: one tuple for all the tabs of a parse,
    # held, so that its id stays its own.
    context: tuple[Settings, dict[str, str], frozenset[str]]
    findings: list[Finding]
    objectives: list[Objective]
    pending: list[tuple[Table, int, dict[str, Any]]]  # as read, before `build_krs` fills them
    ids: dict[str, tuple[Table, int]]
    unreadable: dict[str, Unreadable]
    provisional: set[str]
    tables: list[Table]

    @classmethod
    def of(
        cls,
        reader: _Reader,
        grid: Grid,
        context: tuple[Settings, dict[str, str], frozenset[str]],
        objectives: list[Objective],
        pending: list[tuple[Table, int, dict[str, Any]]],
    ) -> _TabRead | None:
        """Read the tab into `reader`, and say what it added; None when it found an ID
        taken before it (its outcome depends on the other tabs then)."""
        marks = (
            len(reader.findings), len(objectives), len(pending), len(reader.rows),
            len(reader.unreadable), set(reader.provisional), len(reader.okr_tables),
        )  # fmt: skip
        rows = grid.rows
        reader._read_okr_tab(grid, context[0], objectives, pending)
        findings = reader.findings[marks[0] :]
        if any(f.code == "duplicate-id" for f in findings):
            return None
        return cls(
            grid=grid,
            rows=rows,
            length=len(rows),
            context=context,
            findings=findings,
            objectives=objectives[marks[1] :],
            pending=[(t, r, dict(f)) for t, r, f in pending[marks[2] :]],
            ids=dict(itertools.islice(reader.rows.items(), marks[3], None)),
            unreadable=dict(itertools.islice(reader.unreadable.items(), marks[4], None)),
            provisional=reader.provisional - marks[5],
            tables=reader.okr_tables[marks[6] :],
        )

    def fits(self, grid: Grid, reader: _Reader) -> bool:
        """Whether it holds for `grid` in `reader` (read with the same context: see
        `read_okr_tabs`)."""
        return (
            grid is self.grid
            and grid.rows is self.rows
            and len(grid.rows) == self.length
            and reader.rows.keys().isdisjoint(self.ids)
        )

    def replay(
        self,
        reader: _Reader,
        objectives: list[Objective],
        pending: list[tuple[Table, int, dict[str, Any]]],
    ) -> None:
        reader.findings.extend(self.findings)
        objectives.extend(self.objectives)
        pending.extend((t, r, dict(f)) for t, r, f in self.pending)
        reader.rows.update(self.ids)
        reader.unreadable.update(self.unreadable)
        reader.provisional |= self.provisional
        reader.okr_tables.extend(self.tables)


class _Reader:
    def __init__(self, raw: RawWorkbook, *, thorough: bool = False) -> None:
        self.raw = raw
        # `okr validate`: also the checks that read more of the file than the plan needs.
        self.thorough = thorough
        self.findings: list[Finding] = []
        self.rows: dict[str, tuple[Table, int]] = {}
        self.log: tuple[Table, list[int]] | None = None  # the log's table and each check-in's row
        self.okr_tables: list[Table] = []
        self.people: dict[str, str] = {}
        self.teams: set[str] = set()
        self.unreadable: dict[str, Unreadable] = {}
        # Rows without an ID are checked like the others under a stand-in ID (so that `validate
        # --fix`, which assigns IDs, brings no new finding to light); never part of the plan.
        self.provisional: set[str] = set()

    def add(self, severity: Severity, code: str, message: str, where: str | None) -> None:
        self.findings.append(Finding(severity, code, message, where))

    # Settings ---------------------------------------------------------------------------------

    def read_settings(self) -> tuple[Settings, Cycle]:
        return read_settings(self.raw, self.findings)

    # People -----------------------------------------------------------------------------------

    def read_people(self) -> None:
        grid = _grid_named(self.raw, PEOPLE_TAB)
        table = find_table(grid, PEOPLE_COLUMNS, min_matches=1) if grid else None
        if grid is None or table is None or "name" not in table.columns:
            return
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            name = cells.parse_text(grid.cell(row, table.columns["name"]))
            if not name:
                continue
            team = cells.parse_text(grid.cell(row, table.columns.get("team", 0)))
            self.people[name] = team
            if team:
                self.teams.add(team.casefold())

    # OKR tabs ---------------------------------------------------------------------------------

    def read_okr_tabs(
        self, settings: Settings
    ) -> tuple[list[Objective], list[tuple[Table, int, dict[str, Any]]]]:
        objectives: list[Objective] = []
        pending_krs: list[tuple[Table, int, dict[str, Any]]] = []
        reserved = {
            normalize_header(t)
            for t in (
                GUIDE_TAB,
                DASHBOARD_TAB,
                SETTINGS_TAB,
                PEOPLE_TAB,
                IDEAS_TAB,
                REMINDERS_TAB,
                *EXTRA_TABS,
            )
        }
        memo = None if self.thorough else _TAB_READS.get()
        # What a tab's read depends on besides its grid, once for all of them (a copy of the
        # People of a large company for each of its tabs came to 20 MB).
        context = (settings, dict(self.people), frozenset(self.teams))
        same: dict[int, bool] = {id(context): True}
        for grid in self.raw.grids:
            name = normalize_header(grid.title)
            if name in reserved or is_archive(grid.title):
                continue
            if memo is None:
                self._read_okr_tab(grid, settings, objectives, pending_krs)
                continue
            read = memo.get(id(grid))
            if read is not None:
                fits = same.get(id(read.context))
                if fits is None:
                    fits = same[id(read.context)] = read.context == context
                if fits and read.fits(grid, self):
                    read.replay(self, objectives, pending_krs)
                    continue
            read = _TabRead.of(self, grid, context, objectives, pending_krs)
            if read is not None:
                memo[id(grid)] = read
        return objectives, pending_krs

    def _read_okr_tab(
        self,
        grid: Grid,
        settings: Settings,
        objectives: list[Objective],
        pending_krs: list[tuple[Table, int, dict[str, Any]]],
    ) -> None:
        # A tab with an OKR header row is never a log (`looks_like_log`): the log's headers
        # are looked for only on a tab without one.
        table = find_table(grid, OKR_COLUMNS, min_matches=4)
        if table is None and looks_like_log(grid):
            return  # a check-in log (read with the others)
        if table is None:
            if any(not is_blank(v) for row in grid.rows for v in row):
                self.add(
                    "warning",
                    "unknown-tab",
                    "no OKR header row (Type, ID, Title, Start, Target, Due) in the first "
                    f"{HEADER_SCAN_ROWS} rows; the tab is ignored",
                    tab_ref(grid.title),
                )
            return
        problems = _missing_headers(grid, table, OKR_COLUMNS) + _duplicate_headers(
            grid, table, OKR_COLUMNS
        )
        self.findings.extend(problems)
        if any(p.code == "missing-header" for p in problems):
            return
        self.okr_tables.append(table)
        self._read_okr_rows(grid, table, settings, objectives, pending_krs)

    def _default_level(self, tab: str) -> Level:
        if normalize_header(tab) == normalize_header(CORPORATE_TAB):
            return Level.CORPORATE
        return Level.TEAM if tab.casefold() in self.teams else Level.INDIVIDUAL

    def _read_okr_rows(
        self,
        grid: Grid,
        table: Table,
        settings: Settings,
        objectives: list[Objective],
        pending_krs: list[tuple[Table, int, dict[str, Any]]],
    ) -> None:
        current_objective: str | None = None
        skip = {table.columns.get(key) for key in CALCULATED_KEYS}
        # A store's own drawing beside the table (Google's bar) is no content either.
        bar = normalize_header(BAR_HEADER)
        skip |= {c for c, text in table.extra_columns.items() if normalize_header(text) == bar}
        calculated: list[tuple[int, CellValue]] = []  # each typed row's Calc row cell
        spans = _spans_outside(skip, max(map(len, grid.rows), default=0))
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            values = grid.rows[row - 1]
            if _surely_blank(values, spans) or all(
                is_blank(v) for col, v in enumerate(values, start=1) if col not in skip
            ):
                continue

            def get(key: str, row: int = row) -> CellValue:
                col = table.columns.get(key)
                return grid.cell(row, col) if col else None

            errors_before = len(self.findings)
            row_type = self._parse(table, row, "type", get("type"), parse_row_type)
            if row_type is not None:
                calculated.append((row, get("calc_row")))
            if row_type is None and len(self.findings) == errors_before:
                self.add(
                    "error",
                    "missing-type",
                    f"the row has no Type: choose {TYPE_OBJECTIVE!r} or {TYPE_KEY_RESULT!r}",
                    table.ref(row, "type"),
                )
            item_id = self._parse(table, row, "id", get("id"), cells.parse_id)
            if item_id is None and row_type is not None and len(self.findings) == errors_before:
                self.add(
                    "error",
                    "missing-id",
                    f"this {row_type.lower()} has no ID; `okr validate --fix` assigns one",
                    table.ref(row, "id"),
                )
            if item_id is not None:
                if item_id in self.rows:
                    other_table, other_row = self.rows[item_id]
                    self.add(
                        "error",
                        "duplicate-id",
                        f"ID {item_id} is used twice; the other is at "
                        f"{other_table.ref(other_row, 'id')}",
                        table.ref(row, "id"),
                    )
                    item_id = None
                else:
                    self.rows[item_id] = (table, row)
            row_findings = self.findings[errors_before:]
            if (
                row_type is not None
                and item_id is None
                and row_findings
                and not any(f.code == "duplicate-id" for f in row_findings)
            ):
                item_id = f"(no ID, {table.ref(row, 'id')})"
                self.provisional.add(item_id)
                self.rows[item_id] = (table, row)
            if row_type == TYPE_OBJECTIVE:
                objective_source(grid, table, row, self.findings)
                current_objective = item_id
                if item_id is None:
                    continue
                objective = self._objective(grid, table, row, item_id, get, settings)
                if objective is not None:
                    objectives.append(objective)
                else:
                    self._unreadable(item_id, TYPE_OBJECTIVE, get, None, errors_before)
            elif row_type == TYPE_KEY_RESULT:
                fields = self._kr_fields(table, row, get, current_objective, settings)
                if fields is not None:
                    fields.update(read_source_cells(grid, table, row, self.findings))
                if item_id is not None and fields is not None:
                    fields["id"] = item_id
                    pending_krs.append((table, row, fields))
                    self._check_units(table, row, fields, get)
                    self._check_text_dates(table, row, fields, get)
                    self._check_measured(table, row, fields, get("start"))
                elif item_id is not None:
                    objective_id = cells.parse_text(get("objective_id")) or current_objective
                    self._unreadable(item_id, TYPE_KEY_RESULT, get, objective_id, errors_before)
        self._check_formulas(table, calculated)

    def _check_formulas(self, table: Table, calculated: Sequence[tuple[int, CellValue]]) -> None:
        """Typed rows without the tab's calculated cells: a row inserted in the sheet gets
        none, so the sheet shows no Progress or Status for it while okr counts it (53% on the
        Dashboard, 60% in okr); `okr validate --fix` writes the formulas.

        A row has them when its Calc row cell holds a result (O or K, saved by a spreadsheet
        program or computed by Google; even an error), or when that cell is a formula whose result
        the file does not hold (an .xlsx okr wrote and no program recalculated since: found
        by `okr validate` only, as it reads each tab's XML again). Told apart only in a tab
        that has the formulas at all."""
        if "calc_row" not in table.columns:
            return
        blank = [row for row, value in calculated if is_blank(value)]
        if not blank:
            return
        col = table.columns["calc_row"]
        unresolved = (
            self.raw.unresolved(table.title)
            if self.raw.unresolved is not None and self.thorough
            else None
        )
        waiting = {row for row in blank if (row, col) in unresolved} if unresolved else set()
        if not waiting and all(is_blank(v) for _, v in calculated):
            return  # no row shows that the tab has the formulas: nothing to tell apart
        for row in (row for row in blank if row not in waiting):
            self.add(
                "warning",
                "no-formulas",
                "this row has none of the tab's calculated cells (inserted in the sheet?): "
                "the sheet shows no Progress, Expected or Status for it while okr counts "
                "it; `okr validate --fix` writes them",
                table.ref(row, "progress"),
            )

    def _unreadable(
        self,
        item_id: str,
        kind: str,
        get: Callable[[str], CellValue],
        objective_id: str | None,
        errors_before: int,
    ) -> None:
        if item_id in self.provisional:
            return
        self.unreadable[item_id] = Unreadable(
            id=item_id,
            kind=kind,
            title=cells.parse_text(get("title")),
            owner=cells.parse_text(get("owner")),
            objective_id=objective_id,
            problems=tuple(str(f) for f in self.findings[errors_before:] if f.severity == "error"),
        )

    def _check_units(
        self, table: Table, row: int, fields: dict[str, Any], get: Callable[[str], CellValue]
    ) -> None:
        """The same units guard as `okr checkin`, on the Start, Target and Current typed into
        the sheet: 38 beside fractions on a percent row is 38%, and `--fix` writes 0.38."""
        current, start, target = fields["current"], fields["start"], fields["target"]
        if fields["kind"].value_words:  # done or not done: no units to slip
            return
        # A Start still saying `baseline` holds no number typed on a scale.
        keys = (
            ("target", "current")
            if cells.is_baseline(get("start"))
            else ("start", "target", "current")
        )
        slips = cells.percent_points({k: (fields[k], get(k)) for k in keys}, fields["unit"])
        for key in keys:
            if key in slips:
                message = cells.percent_points_message(fields[key], "a percent key result")
                self.findings.append(
                    Finding(
                        "warning",
                        "units",
                        f"{key}: {message}",
                        table.ref(row, key),
                        table.fix(row, key, slips[key]),
                    )
                )
        if slips or current is None or start is None or target is None:
            return
        problem = cells.implausible(
            current, typed=get("current"), start=start, target=target, unit=fields["unit"],
            kind=fields["kind"],
        )  # fmt: skip
        if problem:
            self.add("warning", "units", f"current: {problem}", table.ref(row, "current"))

    def _check_measured(
        self, table: Table, row: int, fields: dict[str, Any], typed_start: CellValue
    ) -> None:
        """A Start still saying "baseline" beside a typed Current: that value is the start, for
        now; it must be written into Start before a newer Current moves it."""
        if fields["start"] is not None and cells.is_baseline(typed_start):
            self.add(
                "warning",
                "baseline-measured",
                f"Start says baseline and Current holds {fields['start']:g}: that first value "
                "is the start; `okr validate --fix` writes it into Start (a check-in does so "
                "itself)",
                table.ref(row, "start"),
            )

    def _check_text_dates(
        self, table: Table, row: int, fields: dict[str, Any], get: Callable[[str], CellValue]
    ) -> None:
        """Due and Last check-in typed as text in a locale's form: okr reads them by the Date
        order, the sheet's formulas by the spreadsheet program's language (`31/03/2027` is no
        date to an English LibreOffice), so the sheet shows no Expected or Status. `--fix`
        writes the date okr read as a real date."""
        for key in ("due", "last_checkin"):
            typed = get(key)
            if fields.get(key) is None or not cells.locale_bound_date(typed):
                continue
            day = fields[key]
            self.findings.append(
                Finding(
                    "warning",
                    "text-date",
                    f"{_field_label(key)}: {str(typed).strip()!r} is text, which the sheet's "
                    f"formulas read by the spreadsheet program's language, not by the Date "
                    f"order: write it as a date, or run `okr validate --fix` "
                    f"(it writes {day.isoformat()})",
                    table.ref(row, key),
                    table.fix(row, key, day),
                )
            )

    def _parse(
        self, table: Table, row: int, key: str, value: CellValue, parse: Callable[[CellValue], Any]
    ) -> Any:
        try:
            return parse(value)
        except CellValueError as exc:
            self.add("error", "bad-cell", f"{_field_label(key)}: {exc}", table.ref(row, key))
            return None

    def _objective(
        self,
        grid: Grid,
        table: Table,
        row: int,
        item_id: str,
        get: Callable[[str], CellValue],
        settings: Settings,
    ) -> Objective | None:
        errors_before = len(self.findings)
        level = self._parse(table, row, "level", get("level"), cells.parse_level)
        owner = cells.parse_text(get("owner"))
        if not owner:
            is_corporate = normalize_header(grid.title) == normalize_header(CORPORATE_TAB)
            owner = (settings.company or grid.title) if is_corporate else grid.title
        aligns = self._parse(table, row, "aligns_to", get("aligns_to"), cells.parse_id)
        commitment = self._parse(
            table, row, "commitment", get("commitment"), cells.parse_commitment
        )
        grade = self._parse(table, row, "grade", get("grade"), cells.parse_grade)
        closing = self._closing(table, row, get)
        if len(self.findings) > errors_before:
            return None
        try:
            return Objective(
                id=item_id,
                title=cells.parse_text(get("title")),
                level=level or self._default_level(grid.title),
                owner=owner,
                aligns_to=aligns,
                notes=cells.parse_text(get("notes")),
                commitment=commitment,
                grade=grade,
                closing=closing,
            )
        except ValidationError as exc:
            self._model_errors(table, row, exc)
            return None

    def _closing(self, table: Table, row: int, get: Callable[[str], CellValue]) -> Closing:
        """The closing judgement of a row (errors go to the findings; the rest is kept)."""
        return Closing(
            final_grade=self._parse(
                table, row, "final_grade", get("final_grade"), cells.parse_grade
            ),
            reason=cells.parse_text(get("grade_reason")),
            worked=cells.parse_text(get("worked")),
            to_change=cells.parse_text(get("to_change")),
            next_cycle=self._parse(
                table, row, "next_cycle", get("next_cycle"), cells.parse_next_cycle
            ),
        )

    def _kr_fields(
        self,
        table: Table,
        row: int,
        get: Callable[[str], CellValue],
        current_objective: str | None,
        settings: Settings,
    ) -> dict[str, Any] | None:
        errors_before = len(self.findings)
        order = settings.date_order

        def parse_date(value: CellValue) -> Any:
            return cells.parse_date(value, order=order)

        typed_kind = self._parse(table, row, "kind", get("kind"), cells.parse_kind)
        # A baseline is measured: it means nothing for a kind whose start is implied.
        baseline = cells.is_baseline(get("start")) and (
            typed_kind is None or typed_kind.default_start is None
        )
        if baseline:
            # Unknown yet: the first value recorded is the start (the sheet reads it so too).
            try:
                start = cells.parse_number(get("current"))
            except CellValueError:
                start = None  # the Current cell's own error is reported below
        else:
            start = self._parse(table, row, "start", get("start"), cells.parse_number)
        target = self._parse(table, row, "target", get("target"), cells.parse_number)
        if typed_kind is not None:
            start = typed_kind.default_start if start is None else start
            target = typed_kind.default_target if target is None else target
        kind = typed_kind or infer_kind(start, target)

        def current_parser(value: CellValue) -> float | None:
            return cells.kind_value(value, kind)

        fields: dict[str, Any] = {
            "objective_id": self._parse(
                table, row, "objective_id", get("objective_id"), cells.parse_id
            )
            or current_objective
            or "",
            "title": cells.parse_text(get("title")),
            "owner": cells.parse_text(get("owner")),
            "kind": kind,
            "baseline": baseline and start is None,
            "start": start,
            "target": target,
            "current": self._parse(table, row, "current", get("current"), current_parser),
            "unit": cells.parse_text(get("unit")),
            "due": self._parse(table, row, "due", get("due"), parse_date),
            "confidence": self._parse(
                table, row, "confidence", get("confidence"), cells.parse_confidence
            ),
            "notes": cells.parse_text(get("notes")),
            "last_checkin": self._parse(
                table, row, "last_checkin", get("last_checkin"), parse_date
            ),
            "grade": self._parse(table, row, "grade", get("grade"), cells.parse_number),
            "closing": self._closing(table, row, get),
        }
        weight = self._parse(table, row, "weight", get("weight"), cells.parse_number)
        if weight is not None:
            fields["weight"] = weight
        fields.update(self._link_fields(table, row, get("depends_on"), order))
        fields["kpi"] = self._parse(table, row, "kpi", get("kpi"), cells.parse_id)
        self._hint_benchmark(table.ref(row, "start"), errors_before)
        if len(self.findings) > errors_before:
            # The row is rejected; still say everything that is wrong with it in one go.
            for key in ("start", "target", "due"):
                if fields[key] is None and cells.is_blank(get(key)):
                    self.add("error", "invalid", f"{key}: {MISSING[key]}", table.ref(row, key))
            self.findings[errors_before:] = sorted(
                self.findings[errors_before:], key=lambda f: _column_number(f.where)
            )
            return None
        if not fields["objective_id"]:
            self.add(
                "error",
                "no-objective",
                "this key result belongs to no objective: fill 'Objective ID' or put it "
                "below its objective",
                table.ref(row, "objective_id"),
            )
            return None
        return fields

    def _link_fields(
        self, table: Table, row: int, typed: CellValue, order: cells.DateOrder
    ) -> dict[str, Any]:
        """Depends on, with the dates needed by and the quantities (`ID@date`, `ID × 5`)."""
        links = self._parse(table, row, "depends_on", typed, lambda v: parse_links(v, order=order))
        return {
            "depends_on": tuple(link.kr_id for link in links or ()),
            "needed_by": tuple((x.kr_id, x.needed_by) for x in links or () if x.needed_by),
            "ratios": tuple(
                (x.kr_id, x.ratio, x.same_unit) for x in links or () if x.ratio is not None
            ),
        }

    def _hint_benchmark(self, start: str, errors_before: int) -> None:
        """A Start cell holding a placeholder (TBD, n/a: the start is not known) says how to
        find a start value; a number written in another way gets only its own advice."""
        if any(f.where == start for f in self.findings[errors_before:]):
            self.findings[errors_before:] = [
                Finding(f.severity, f.code, f"{f.message}; {BENCHMARK_HINT}", f.where)
                if f.where == start and "placeholder" in f.message
                else f
                for f in self.findings[errors_before:]
            ]

    def _model_errors(self, table: Table, row: int, exc: ValidationError) -> None:
        self.findings.extend(model_errors(table, row, exc))

    def build_krs(
        self,
        objectives: list[Objective],
        pending: list[tuple[Table, int, dict[str, Any]]],
        settings: Settings,
    ) -> list[KeyResult]:
        owners = {o.id: o.owner for o in objectives}
        committed = {o.id for o in objectives if o.commitment_in(settings) is Commitment.COMMITTED}
        krs = []
        for table, row, fields in pending:
            if not fields["owner"]:
                fields["owner"] = owners.get(fields["objective_id"], table.title)
            # An objective that is missing (or unreadable) leaves the Settings default.
            fields["committed"] = (
                fields["objective_id"] in committed
                if fields["objective_id"] in owners
                else settings.default_commitment is Commitment.COMMITTED
            )
            try:
                krs.append(KeyResult(**fields))
            except ValidationError as exc:
                before = len(self.findings)
                self._model_errors(table, row, exc)
                if fields["id"] not in self.provisional:
                    self.unreadable[fields["id"]] = Unreadable(
                        id=fields["id"],
                        kind=TYPE_KEY_RESULT,
                        title=fields["title"],
                        owner=fields["owner"],
                        objective_id=fields["objective_id"],
                        problems=tuple(str(f) for f in self.findings[before:]),
                    )
        return krs

    # Check-ins --------------------------------------------------------------------------------

    def read_checkins(
        self, settings: Settings, need: LogNeed | None = None
    ) -> tuple[Table | None, list[CheckIn]]:
        table, checkins, rows = read_checkin_log(self.raw, settings, self.findings, need)
        if table is not None:
            self.log = (table, rows)
        return table, checkins

    # Cross-item rules -------------------------------------------------------------------------

    def _row_of(self, item_id: str) -> tuple[Table, int] | None:
        """Where an objective, a key result or a check-in (`checkin#<index>`) sits."""
        if item_id.startswith(CHECKIN_KEY_PREFIX) and self.log is not None:
            table, rows = self.log
            index = item_id.removeprefix(CHECKIN_KEY_PREFIX)
            if index.isdigit() and int(index) < len(rows):
                return table, rows[int(index)]
        return self.rows.get(item_id)

    def locate(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            where = None
            located = self._row_of(problem.item_id) if problem.item_id else None
            if located is not None:
                table, row = located
                where = table.ref(row, problem.field or "id")
            self.add(problem.severity, problem.code, problem.message, where)


def _awaiting_recalculation(findings: list[Finding], raw: RawWorkbook) -> list[Finding]:
    """A finding at a formula cell whose result the file does not hold says so: the value is
    not missing, it awaits a recalculation in a spreadsheet program."""
    if raw.unresolved is None or not findings:
        return findings
    grids = {g.title: g for g in raw.grids}

    def awaits(where: str | None) -> bool:
        tab = _tab_of(where)
        if tab is None or where is None or raw.unresolved is None:
            return False
        # The finding's cell as (row, column), compared with the tab's unresolved cells (a
        # tab holds thousands of formulas: naming each of them would cost more).
        cell = _CELL.fullmatch(where.rpartition("!")[2])
        if cell is None:
            return False
        row, column = int(cell[2]), _column_number(cell[1])
        grid = grids.get(tab)
        if grid is not None and not is_blank(grid.cell(row, column)):
            return False  # it holds a value: a formula there has its result
        return cell_ref(tab, row, column) == where and (row, column) in raw.unresolved(tab)

    return [
        dataclasses.replace(
            f,
            message="needs recalculation in a spreadsheet program: the cell holds a formula "
            "whose result was not saved (open the workbook in Excel or LibreOffice and save it)",
        )
        if awaits(f.where)
        else f
        for f in findings
    ]


_CELL = re.compile(r"([A-Z]{1,3})([1-9][0-9]*)")


def _tab_of(where: str | None) -> str | None:
    """The tab of a cell reference `Sales!J4` or `'Tom''s'!J4`; None for anything else."""
    if not where or "!" not in where:
        return None
    tab, _, cell = where.rpartition("!")
    if not cell or not cell[0].isalpha() or ":" in cell:
        return None
    return tab[1:-1].replace("''", "'") if tab.startswith("'") else tab


def _place_key(titles: Sequence[str]) -> Callable[[Finding], tuple[int, int, int]]:
    """Findings in the workbook's order: tab by tab as the tabs stand, then row by row, left
    to right (a finding about the whole workbook first)."""
    order = {title: index for index, title in enumerate(titles)}

    def key(finding: Finding) -> tuple[int, int, int]:
        where = finding.where or ""
        tab, bang, cell = where.rpartition("!")
        if not bang:
            tab, cell = where, ""
        if tab.startswith("'") and tab.endswith("'"):
            tab = tab[1:-1].replace("''", "'")
        digits = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        row = int(digits) if digits.isdigit() else 0
        return (order.get(tab, -1), row, _column_number(where) if cell else 0)

    return key


def _name_date_order_cell(raw: RawWorkbook, findings: list[Finding]) -> None:
    """A date typed in the other order names the cell of the setting to change."""
    if not any(cells.DATE_ORDER_SETTING in f.message for f in findings):
        return
    where = f"Date order at {setting_ref(raw, 'date_order')}"
    findings[:] = [
        dataclasses.replace(f, message=f.message.replace(cells.DATE_ORDER_SETTING, where))
        if cells.DATE_ORDER_SETTING in f.message
        else f
        for f in findings
    ]


def _as_people_spell(plan: Plan, people: Mapping[str, str]) -> Plan:
    """Every owner as the People tab writes the name (`Zoe  muller` is Zoë Müller): one
    person is one owner in every report, filter and group."""
    if not people:
        return plan
    spelled = {person_key(name): name for name in people}

    def fix(items: Sequence[Any]) -> tuple[Any, ...]:
        out = []
        for item in items:
            name = spelled.get(person_key(item.owner)) if item.owner else None
            changed = name and name != item.owner
            out.append(item.model_copy(update={"owner": name}) if changed else item)
        return tuple(out)

    return plan.model_copy(
        update={
            "objectives": fix(plan.objectives),
            "key_results": fix(plan.key_results),
            "kpis": fix(plan.kpis),
            "initiatives": fix(plan.initiatives),
        }
    )


def parse_workbook(
    raw: RawWorkbook,
    *,
    with_log: bool = True,
    log_until: date | None = None,
    thorough: bool = False,
) -> ParsedWorkbook:
    """Read every tab; raise `InvalidWorkbook` only when no plan can be built at all.

    `with_log=False` leaves the check-in log out (the KR rows' own values stand): recording a
    check-in needs the plan, not a hundred thousand lines of history. `log_until` reads of a
    log the store read in part only what a report as of that day or later needs (`LogNeed`).
    `thorough` (`okr validate`) adds the findings that read more of the file than the plan
    needs (rows without formulas in an .xlsx no spreadsheet program has recalculated).
    """
    from okrsheet.domain.closing import closing_problems
    from okrsheet.layout.interlock_cells import interlock_findings

    reader = _Reader(raw, thorough=thorough)
    settings, cycle = reader.read_settings()
    reader.read_people()
    objectives, pending = reader.read_okr_tabs(settings)
    krs = reader.build_krs(objectives, pending, settings)
    extra = read_side_tabs(
        raw,
        cycle=cycle,
        order=settings.date_order,
        kr_owners={k.id: k.owner for k in krs},
        taken_ids={i: t.ref(r, "id") for i, (t, r) in reader.rows.items()},
        unreadable_krs=[u.id for u in reader.unreadable.values() if u.kind == TYPE_KEY_RESULT],
    )
    need = None
    if log_until is not None:  # the lines the report cannot do without (see `LogNeed`)
        upstream = {up for kr in krs for up, *_ in kr.ratios}
        need = LogNeed(log_until, frozenset({k.id for k in extra.kpis} | upstream))
    checkin_table, checkins = reader.read_checkins(settings, need) if with_log else (None, [])
    reader.findings.extend(extra.findings)
    plan = Plan(
        cycle=cycle,
        settings=settings,
        objectives=tuple(objectives),
        key_results=tuple(krs),
        checkins=tuple(checkins),
        initiatives=tuple(extra.initiatives),
        kpis=tuple(extra.kpis),
    )
    owners = {o.id: o.owner for o in objectives} | {
        u.id: u.owner for u in reader.unreadable.values() if u.kind == TYPE_OBJECTIVE
    }
    unreadable = {
        u.id: u if u.owner else dataclasses.replace(u, owner=owners.get(u.objective_id or "", ""))
        for u in reader.unreadable.values()
    }
    # Cross-item rules see every row that is there (unreadable and ID-less ones too), so that no
    # finding is a consequence of another; the plan keeps only the rows that could be read.
    problems = check_plan(
        plan,
        unreadable_krs={
            u.id: u.objective_id or "" for u in unreadable.values() if u.kind == TYPE_KEY_RESULT
        },
        unreadable_objectives={u.id for u in unreadable.values() if u.kind == TYPE_OBJECTIVE},
    )
    if reader.provisional:
        real = [o for o in objectives if o.id not in reader.provisional]
        plan = plan.model_copy(
            update={
                "objectives": tuple(real),
                "key_results": tuple(k for k in krs if k.id not in reader.provisional),
            }
        )
    plan, drift = reconcile(plan)
    others = [settings.company, *reader.people.values(), *(t.title for t in reader.okr_tables)]
    spelling = people_problems(plan, list(reader.people), others)
    plan = _as_people_spell(plan, reader.people)
    reader.locate([*problems, *drift, *spelling, *closing_problems(plan)])
    reader.findings.extend(interlock_findings(plan, reader.rows))
    reader.findings.extend(cell_budget(raw))
    from okrsheet.layout.slots import dashboard_findings

    reader.findings.extend(dashboard_findings(raw))
    _name_date_order_cell(raw, reader.findings)
    reader.findings.sort(key=_place_key(raw.titles))
    return ParsedWorkbook(
        plan=plan,
        findings=_awaiting_recalculation(reader.findings, raw),
        okr_tables=reader.okr_tables,
        checkin_table=checkin_table,
        people=reader.people,
        rows={i: place for i, place in reader.rows.items() if i not in reader.provisional},
        notices=list(raw.notices),
        unreadable=unreadable,
    )


def read_side_tabs(
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
