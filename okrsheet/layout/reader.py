"""Reading a workbook: grids of cells in, a validated `Plan` and findings that name cells out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError, is_blank
from okrsheet.layout.checkin_log import read_checkin_log
from okrsheet.layout.extra_schema import EXTRA_TABS
from okrsheet.layout.links import parse_links
from okrsheet.layout.schema import (
    ARCHIVE_PREFIX,
    CALCULATED_KEYS,
    CHECKIN_COLUMNS,
    CORPORATE_TAB,
    DASHBOARD_TAB,
    GUIDE_TAB,
    IDEAS_TAB,
    OKR_COLUMNS,
    PEOPLE_COLUMNS,
    PEOPLE_TAB,
    SETTINGS_TAB,
    TYPE_KEY_RESULT,
    TYPE_OBJECTIVE,
    normalize_header,
)
from okrsheet.layout.settings_tab import read_settings
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
from okrsheet.layout.tables import model_errors
from okrsheet.layout.tables import tab_ref as tab_ref
from okrsheet.model import (
    BENCHMARK_HINT,
    CHECKIN_KEY_PREFIX,
    MISSING,
    CheckIn,
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
from okrsheet.stores.base import BAR_HEADER, CellValue, Grid, RawWorkbook


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


class _Reader:
    def __init__(self, raw: RawWorkbook) -> None:
        self.raw = raw
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
            for t in (GUIDE_TAB, DASHBOARD_TAB, SETTINGS_TAB, PEOPLE_TAB, IDEAS_TAB, *EXTRA_TABS)
        }
        for grid in self.raw.grids:
            name = normalize_header(grid.title)
            if name in reserved or grid.title.startswith(ARCHIVE_PREFIX):
                continue
            if find_table(grid, CHECKIN_COLUMNS, min_matches=3) and not find_table(
                grid, OKR_COLUMNS, min_matches=4
            ):
                continue
            table = find_table(grid, OKR_COLUMNS, min_matches=4)
            if table is None:
                if any(not is_blank(v) for row in grid.rows for v in row):
                    self.add(
                        "warning",
                        "unknown-tab",
                        "no OKR header row (Type, ID, Title, Start, Target, Due) in the first "
                        f"{HEADER_SCAN_ROWS} rows; the tab is ignored",
                        tab_ref(grid.title),
                    )
                continue
            problems = _missing_headers(grid, table, OKR_COLUMNS) + _duplicate_headers(
                grid, table, OKR_COLUMNS
            )
            self.findings.extend(problems)
            if any(p.code == "missing-header" for p in problems):
                continue
            self.okr_tables.append(table)
            self._read_okr_rows(grid, table, settings, objectives, pending_krs)
        return objectives, pending_krs

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
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            values = grid.rows[row - 1]
            if all(is_blank(v) for col, v in enumerate(values, start=1) if col not in skip):
                continue

            def get(key: str, row: int = row) -> CellValue:
                col = table.columns.get(key)
                return grid.cell(row, col) if col else None

            errors_before = len(self.findings)
            row_type = self._parse(table, row, "type", get("type"), _parse_row_type)
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
                if item_id is not None and fields is not None:
                    fields["id"] = item_id
                    pending_krs.append((table, row, fields))
                    self._check_units(table, row, fields, get("current"))
                elif item_id is not None:
                    objective_id = cells.parse_text(get("objective_id")) or current_objective
                    self._unreadable(item_id, TYPE_KEY_RESULT, get, objective_id, errors_before)

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
        self, table: Table, row: int, fields: dict[str, Any], typed: CellValue
    ) -> None:
        """The same units guard as `okr checkin`, on a Current typed into the sheet."""
        current, start, target = fields["current"], fields["start"], fields["target"]
        if current is None or start is None or target is None:
            return
        problem = cells.implausible(
            current, typed=typed, start=start, target=target, unit=fields["unit"],
            kind=fields["kind"],
        )  # fmt: skip
        if problem:
            self.add("warning", "units", f"current: {problem}", table.ref(row, "current"))

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
            )
        except ValidationError as exc:
            self._model_errors(table, row, exc)
            return None

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
        """A Start cell that could not be read says how to find a start value."""
        if any(f.where == start for f in self.findings[errors_before:]):
            self.findings[errors_before:] = [
                Finding(f.severity, f.code, f"{f.message}; {BENCHMARK_HINT}", f.where)
                if f.where == start
                else f
                for f in self.findings[errors_before:]
            ]

    def _model_errors(self, table: Table, row: int, exc: ValidationError) -> None:
        self.findings.extend(model_errors(table, row, exc))

    def build_krs(
        self, objectives: list[Objective], pending: list[tuple[Table, int, dict[str, Any]]]
    ) -> list[KeyResult]:
        owners = {o.id: o.owner for o in objectives}
        krs = []
        for table, row, fields in pending:
            if not fields["owner"]:
                fields["owner"] = owners.get(fields["objective_id"], table.title)
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

    def read_checkins(self, settings: Settings) -> tuple[Table | None, list[CheckIn]]:
        table, checkins, rows = read_checkin_log(self.raw, settings, self.findings)
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


def _parse_row_type(value: CellValue) -> str | None:
    if is_blank(value):
        return None
    key = normalize_header(cells.parse_text(value))
    if key in ("objective", "o", "obj"):
        return TYPE_OBJECTIVE
    if key in ("key result", "kr", "keyresult", "result"):
        return TYPE_KEY_RESULT
    raise CellValueError(
        f"{cells.parse_text(value)!r} is not a row type; use {TYPE_OBJECTIVE!r} or "
        f"{TYPE_KEY_RESULT!r}"
    )


def parse_workbook(raw: RawWorkbook, *, with_log: bool = True) -> ParsedWorkbook:
    """Read every tab; raise `InvalidWorkbook` only when no plan can be built at all.

    `with_log=False` leaves the check-in log out (the KR rows' own values stand): recording a
    check-in needs the plan, not a hundred thousand lines of history.
    """
    from okrsheet.layout.extra_tabs import interlock_findings, read_extra_tabs

    reader = _Reader(raw)
    settings, cycle = reader.read_settings()
    reader.read_people()
    objectives, pending = reader.read_okr_tabs(settings)
    krs = reader.build_krs(objectives, pending)
    checkin_table, checkins = reader.read_checkins(settings) if with_log else (None, [])
    extra = read_extra_tabs(
        raw,
        cycle=cycle,
        order=settings.date_order,
        kr_owners={k.id: k.owner for k in krs},
        taken_ids={i: t.ref(r, "id") for i, (t, r) in reader.rows.items()},
        unreadable_krs=[u.id for u in reader.unreadable.values() if u.kind == TYPE_KEY_RESULT],
    )
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
    reader.locate([*problems, *drift])
    reader.findings.extend(interlock_findings(plan, reader.rows))
    from okrsheet.layout.dashboard import dashboard_findings

    reader.findings.extend(dashboard_findings(raw))
    return ParsedWorkbook(
        plan=plan,
        findings=reader.findings,
        okr_tables=reader.okr_tables,
        checkin_table=checkin_table,
        people=reader.people,
        rows={i: place for i, place in reader.rows.items() if i not in reader.provisional},
        notices=list(raw.notices),
        unreadable=unreadable,
    )
