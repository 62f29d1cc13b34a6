"""Reading the Settings tab: company-wide settings and the cycle, each bad cell a finding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from okrsheet.domain.model import Cycle, Settings, Severity
from okrsheet.errors import InvalidWorkbook
from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError, is_blank
from okrsheet.layout.schema import SETTINGS_COLUMNS, SETTINGS_TAB, SettingRow, find_setting
from okrsheet.layout.tables import (
    Finding,
    cell_ref,
    find_table,
    grid_named,
    pydantic_messages,
    tab_ref,
)
from okrsheet.stores.base import CellValue, Grid, RawWorkbook


def _kr_checks(value: CellValue) -> tuple[str, ...] | None:
    """The `KR checks` setting: None for every check (okrsheet/lint parse_checks)."""
    from okrsheet.lint import parse_checks

    try:
        return parse_checks(cells.parse_text(value))
    except ValueError as exc:
        raise CellValueError(str(exc)) from None


def parse_decimal_sign(value: CellValue) -> str:
    """The `Decimal sign` setting: "comma", "dot", or "" (blank) for the file's convention."""
    if is_blank(value):
        return ""
    text = cells.parse_text(value).strip().casefold()
    if text in ("comma", ",", "decimal comma"):
        return "comma"
    if text in ("dot", ".", "point", "period", "decimal point"):
        return "dot"
    raise CellValueError(
        f"{cells.parse_text(value)!r} is not a decimal sign: write comma, dot or leave it blank"
    )


#: How each setting's cell is read (the date order is read first: dates depend on it).
_PARSERS: dict[str, Callable[[CellValue], Any]] = {
    "company": cells.parse_text,
    "cadence_days": cells.parse_number,
    "stale_grace_days": cells.parse_number,
    "on_track_gap": cells.parse_number,
    "at_risk_gap": cells.parse_number,
    "low_confidence": cells.parse_confidence,
    "max_objectives_per_owner": cells.parse_number,
    "min_krs_per_objective": cells.parse_number,
    "max_krs_per_objective": cells.parse_number,
    "linked_workbooks": cells.parse_locations,
    "archive_workbooks": cells.parse_locations,
    "time_zone": cells.parse_time_zone,
    "default_commitment": cells.parse_commitment,
    "kr_checks": _kr_checks,
    "decimal_sign": parse_decimal_sign,
}

_CYCLE_FIELDS = (("cycle", "name"), ("cycle_start", "start"), ("cycle_end", "end"))
_CYCLE_LABELS = {"cycle": "Cycle", "cycle_start": "Cycle start", "cycle_end": "Cycle end"}


@dataclass(frozen=True)
class SettingsCells:
    """Where the Settings tab keeps its settings: the one scan of it that reading and writing
    settings share. The header row is 0 for a tab without one (labels in A, values in B)."""

    grid: Grid
    header_row: int
    key_col: int
    value_col: int
    about_col: int | None
    #: (row, its label as typed, the setting the label names or None), for each labelled row.
    rows: tuple[tuple[int, str, SettingRow | None], ...]

    def rows_of(self, key: str) -> list[int]:
        """The rows of a setting (a setting typed twice has two)."""
        return [row for row, _, setting in self.rows if setting and setting.key == key]

    def label(self, row: int) -> str:
        return next(label for r, label, _ in self.rows if r == row)


def settings_cells(raw: RawWorkbook) -> SettingsCells | None:
    """The Settings tab's cells, or None for a workbook without one."""
    grid = grid_named(raw, SETTINGS_TAB)
    return _scan(grid) if grid is not None else None


def _scan(grid: Grid) -> SettingsCells:
    table = find_table(grid, SETTINGS_COLUMNS, min_matches=2)
    key_col = table.columns.get("setting", 1) if table else 1
    rows = []
    for row in range(table.header_row + 1 if table else 1, len(grid.rows) + 1):
        label = grid.cell(row, key_col)
        if not is_blank(label):
            text = cells.parse_text(label)
            rows.append((row, text, find_setting(text)))
    return SettingsCells(
        grid,
        table.header_row if table else 0,
        key_col,
        table.columns.get("value", 2) if table else 2,
        table.columns.get("about") if table else None,
        tuple(rows),
    )


class _SettingsTab:
    """The Settings tab's typed cells by setting key, and the findings about them."""

    def __init__(self, grid: Grid, findings: list[Finding]) -> None:
        self.title = grid.title
        self.findings = findings
        self.values: dict[str, tuple[CellValue, str]] = {}
        self.failed: set[str] = set()  # settings whose cell could not be read
        found = _scan(grid)
        for row, label, setting in found.rows:
            if setting is None:
                self.add(
                    "unknown-setting",
                    f"unknown setting {label!r}; ignored",
                    cell_ref(grid.title, row, found.key_col),
                    severity="warning",
                )
                continue
            where = cell_ref(grid.title, row, found.value_col)
            self.values[setting.key] = (grid.cell(row, found.value_col), where)

    def add(self, code: str, message: str, where: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(severity, code, message, where))

    def raw(self, key: str) -> CellValue:
        return self.values.get(key, (None, ""))[0]

    def where(self, key: str) -> str:
        return self.values[key][1] if key in self.values else tab_ref(self.title)

    def date_order(self, parsed: dict[str, Any]) -> cells.DateOrder:
        raw_order = self.raw("date_order")
        if is_blank(raw_order):
            return "MDY"
        text = cells.parse_text(raw_order).upper().replace("/", "").replace("-", "")
        if text not in ("MDY", "DMY"):
            self.add("bad-setting", "Date order must be MDY or DMY", self.where("date_order"))
            return "MDY"
        order: cells.DateOrder = "MDY" if text == "MDY" else "DMY"
        parsed["date_order"] = order
        return order

    def settings(self) -> tuple[Settings, cells.DateOrder]:
        parsed: dict[str, Any] = {}
        order = self.date_order(parsed)
        for key, parse in _PARSERS.items():
            if key not in self.values:
                continue
            try:
                value = parse(self.raw(key))
            except CellValueError as exc:
                self.add("bad-setting", str(exc), self.where(key))
                self.failed.add(key)
                continue
            if value is None or value == "":
                continue
            if isinstance(value, float) and key.endswith(("_days", "_owner", "_objective")):
                if not value.is_integer():
                    self.add("bad-setting", "must be a whole number", self.where(key))
                    continue
                value = int(value)
            parsed[key] = value
        try:
            return Settings(**parsed), order
        except ValidationError as exc:
            for name, message in pydantic_messages(exc):
                self.add("bad-setting", message, self.where(name or ""))
            return Settings(date_order=order), order

    def cycle(self, order: cells.DateOrder) -> Cycle:
        fields: dict[str, Any] = {}
        for key, name in _CYCLE_FIELDS:
            try:
                value: Any = (
                    cells.parse_text(self.raw(key))
                    if key == "cycle"
                    else cells.parse_date(self.raw(key), order=order)
                )
            except CellValueError as exc:
                self.add("bad-cycle", str(exc), self.where(key))
                continue
            if value in (None, ""):
                self.add("bad-cycle", f"{_CYCLE_LABELS[key]} is not set", self.where(key))
                continue
            fields[name] = value
        try:
            return Cycle(**fields)
        except ValidationError as exc:
            for _, message in pydantic_messages(exc):
                if "is missing" not in message:
                    self.add("bad-cycle", message, self.where("cycle_end"))
            raise InvalidWorkbook(
                "the cycle in the Settings tab is not usable",
                details=[str(f) for f in self.findings if f.severity == "error"],
            ) from None


def setting_ref(raw: RawWorkbook, key: str) -> str:
    """Where a setting's value is typed (`Settings!B9`), or the Settings tab, to name it in
    a message."""
    grid = grid_named(raw, SETTINGS_TAB)
    return _SettingsTab(grid, []).where(key) if grid is not None else SETTINGS_TAB


def read_settings(raw: RawWorkbook, findings: list[Finding]) -> tuple[Settings, Cycle]:
    """The Settings tab's settings and cycle; what is wrong in it goes to `findings`.

    Raises `InvalidWorkbook` when there is no Settings tab or no usable cycle."""
    grid = grid_named(raw, SETTINGS_TAB)
    if grid is None:
        raise InvalidWorkbook(
            f"the workbook has no {SETTINGS_TAB!r} tab",
            hint="every okrsheet workbook has one; create a fresh workbook with `okr init`",
        )
    tab = _SettingsTab(grid, findings)
    settings, order = tab.settings()
    if not settings.time_zone and raw.time_zone and "time_zone" not in tab.failed:
        # A Google spreadsheet records its own time zone: what its formulas' TODAY() uses.
        try:
            own = cells.parse_time_zone(raw.time_zone)
        except CellValueError:
            own = None
        if own:
            settings = settings.model_copy(update={"time_zone": own})
    return settings, tab.cycle(order)
