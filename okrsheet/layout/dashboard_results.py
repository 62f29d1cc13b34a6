"""The results of the Dashboard's formulas (see layout/results.py): its list of objectives,
the summary beside it and the line per tab, as LibreOffice and Excel compute them over the OKR
tabs after a write. A cell whose result is not known for certain is left to calculation."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from okrsheet.layout import cells
from okrsheet.layout.dashboard import (
    _BAR,
    _CONFIDENCE,
    _DAYS,
    _EXPECTED,
    _ID,
    _INDEX,
    _ORDINAL,
    _OWNER,
    _PROGRESS,
    _REG_COUNT,
    _REG_CUMULATIVE,
    _ROW,
    _SHEET,
    _SIDE,
    _SIDE_VALUE,
    _STATUS,
    _TAB,
    _TITLE,
    fits,
)
from okrsheet.layout.schema import (
    CORPORATE_TAB,
    DASHBOARD_TAB,
    SETTINGS_TAB,
    TYPE_KEY_RESULT,
    TYPE_OBJECTIVE,
    normalize_header,
)
from okrsheet.layout.tables import parse_row_type
from okrsheet.stores.base import AddTab, Change, Formula, RawWorkbook, SetCells, WriteValue
from okrsheet.stores.primitives import serial

if TYPE_CHECKING:
    from okrsheet.layout.reader import ParsedWorkbook
    from okrsheet.layout.results import Result, _Results

_HEAD = 11  # the header of the lines per tab (see dashboard._tab_lines)
_LAST_ROW = re.compile(r"\$[A-Z]+\$2:\$[A-Z]+\$(\d+)")


def dashboard_results(
    changes: list[Change], raw: RawWorkbook, parsed: ParsedWorkbook, found: _Results
) -> list[Change]:
    """`changes` with the Dashboard's formulas in them given their results, where known."""
    wanted = normalize_header(DASHBOARD_TAB)
    if not any(_is_dashboard(c, wanted) for c in changes):
        return changes
    slots = 0
    for change in changes:
        if isinstance(change, SetCells) and normalize_header(change.tab) == wanted:
            slots = max([slots, *(r - 1 for r, c in change.cells if c == _PROGRESS)])
            summary = change.cells.get((7, _SIDE_VALUE))
            if isinstance(summary, Formula):
                ranged = _LAST_ROW.search(summary.text)
                slots = max(slots, int(ranged.group(1)) - 1 if ranged else 0)
        elif isinstance(change, AddTab) and normalize_header(change.spec.title) == wanted:
            slots = max(slots, len(change.spec.rows))
    values = _values(raw, found, slots)
    if not values:
        return changes
    out: list[Change] = []
    for change in changes:
        if isinstance(change, SetCells) and normalize_header(change.tab) == wanted:
            given = {key: _given(value, values.get(key)) for key, value in change.cells.items()}
            change = dataclasses.replace(change, cells=given)
        elif isinstance(change, AddTab) and normalize_header(change.spec.title) == wanted:
            rows = [
                [_given(v, values.get((r, c))) for c, v in enumerate(line, start=1)]
                for r, line in enumerate(change.spec.rows, start=2)
            ]
            change = dataclasses.replace(change, spec=dataclasses.replace(change.spec, rows=rows))
        out.append(change)
    return out


def _is_dashboard(change: Change, wanted: str) -> bool:
    if isinstance(change, AddTab):
        return normalize_header(change.spec.title) == wanted
    return isinstance(change, SetCells) and normalize_header(change.tab) == wanted


def _given(value: WriteValue, result: Result | None) -> WriteValue:
    if isinstance(value, Formula) and result is not None:
        return Formula(value.text, fill=value.fill, result=result)
    return value


def _setting(raw: RawWorkbook, label: str) -> object:
    """A Settings value as VLOOKUP finds it (the first row with that label, any case)."""
    grid = raw.grid(SETTINGS_TAB)
    if grid is None:
        return None
    for row in grid.rows:
        if row and isinstance(row[0], str) and row[0].casefold() == label.casefold():
            return row[1] if len(row) > 1 else None
    return None


def _as_result(value: object) -> Result | None:
    """A cell's value as a formula that refers to it gives it back; None when unsure."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime | date):
        return serial(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return value
    return None


def _text(value: object) -> str | None:
    """`cell&""`: a text cell as it is, blank as ""; None for anything else (a number's text
    is the spreadsheet's to write)."""
    if value is None:
        return ""
    return str(value) if isinstance(value, str) else None


def _values(raw: RawWorkbook, found: _Results, slots: int) -> dict[tuple[int, int], Result]:
    """The Dashboard's results over the OKR tabs of `raw`, with `slots` lines in its list."""
    from okrsheet.layout.okr_tabs import okr_tables

    tables = [t for t in okr_tables(raw) if fits(t.columns)]
    company = _text(_setting(raw, "Company"))
    listed: list[tuple[int, str, int, int, dict[str, Result] | None, object, object, object]] = []
    lines: list[dict[str, Result] | None] = []
    for index, table in enumerate(tables, start=1):
        grid = raw.grid(table.title)
        if grid is None:
            return {}
        ordinal = 0
        counts = {"K": 0, "behind": 0, "overdue": 0, "stale": 0}
        means: list[float] = []
        sure = True
        stale_after = found.plan.settings.cadence_days + found.plan.settings.stale_grace_days
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            try:
                typed = parse_row_type(grid.cell(row, table.columns["type"]))
            except cells.CellValueError:
                return {}  # the sheet may read that row otherwise
            if typed is None:
                continue
            results = found.row_results(table, grid, row)
            if typed == TYPE_OBJECTIVE:
                ordinal += 1
                cols = table.columns
                listed.append((index, table.title, ordinal, row, results,
                               grid.cell(row, cols["id"]), grid.cell(row, cols["title"]),
                               grid.cell(row, cols["owner"])))  # fmt: skip
                if results is None:
                    sure = False
                elif isinstance(results["progress"], float):
                    means.append(results["progress"])
            elif typed == TYPE_KEY_RESULT:
                counts["K"] += 1
                if results is None:
                    sure = False
                    continue
                status = results["status"]
                counts["behind"] += status in ("at risk", "off track")
                counts["overdue"] += status == "overdue"
                days = results["days_since"]
                if status != "done" and isinstance(days, float) and days > stale_after:
                    counts["stale"] += 1
        if not sure:
            lines.append(None)
            continue
        lines.append({
            "objectives": float(ordinal), "krs": float(counts["K"]),
            "behind": float(counts["behind"]), "overdue": float(counts["overdue"]),
            "stale": float(counts["stale"]),
            "mean": sum(means) / len(means) if means else "",
        })  # fmt: skip
    values: dict[tuple[int, int], Result] = {}
    # The register: objectives per tab, and the running total.
    total = 0
    counts_by_tab: dict[int, int] = {}
    for index, *_ in listed:
        counts_by_tab[index] = counts_by_tab.get(index, 0) + 1
    for index, _table in enumerate(tables, start=1):
        count = counts_by_tab.get(index, 0)
        total += count
        values[(index + 1, _REG_COUNT)] = float(count)
        values[(index + 1, _REG_CUMULATIVE)] = float(total)
    progress_seen: list[float] = []
    behind = 0
    sure_summary = True
    for n in range(1, slots + 1):
        r = n + 1
        if n > len(listed):
            for col in (_INDEX, _SHEET, _ORDINAL, _ROW, _TAB, _ID, _TITLE, _OWNER, _PROGRESS,
                        _BAR, _EXPECTED, _STATUS, _DAYS, _CONFIDENCE):  # fmt: skip
                values[(r, col)] = ""
            continue
        index, title, ordinal, row, results, item_id, item_title, owner = listed[n - 1]
        values[(r, _INDEX)] = float(index)
        values[(r, _SHEET)] = title
        values[(r, _ORDINAL)] = float(ordinal)
        values[(r, _ROW)] = float(row)
        values[(r, _TAB)] = title
        for col, cell in ((_ID, item_id), (_TITLE, item_title)):
            text = _text(cell)
            if text is not None:
                values[(r, col)] = text
        owned = _text(owner)
        if owned == "":
            owned = company if normalize_header(title) == normalize_header(CORPORATE_TAB) else title
        if owned is not None:
            values[(r, _OWNER)] = owned
        if results is None:
            sure_summary = False
            continue
        progress = results["progress"]
        values[(r, _PROGRESS)] = progress
        values[(r, _EXPECTED)] = results["expected"]
        values[(r, _STATUS)] = results["status"]
        values[(r, _DAYS)] = results["days_since"]
        values[(r, _CONFIDENCE)] = results["objective_confidence"]
        drawn = _bar(progress, rounded_tenths)
        if drawn is not None:
            values[(r, _BAR)] = drawn
        if isinstance(progress, float):
            progress_seen.append(progress)
        behind += results["status"] in ("at risk", "off track", "overdue")
    # The summary beside the list.
    for r, label in ((2, "Company"), (3, "Cycle")):
        text = _text(_setting(raw, label))
        if text is not None:
            values[(r, _SIDE_VALUE)] = text
    for r, label in ((4, "Cycle start"), (5, "Cycle end")):
        value = _as_result(_setting(raw, label))
        if value is not None:
            values[(r, _SIDE_VALUE)] = value
    end = values.get((5, _SIDE_VALUE))
    if isinstance(end, float):
        values[(6, _SIDE_VALUE)] = max(0.0, end - serial(found.day))
    elif end is not None:
        values[(6, _SIDE_VALUE)] = ""
    if sure_summary and len(listed) <= slots:
        overall: Result = sum(progress_seen) / len(progress_seen) if progress_seen else ""
        values[(7, _SIDE_VALUE)] = overall
        drawn = _bar(overall, rounded_tenths)
        if drawn is not None:
            values[(7, _SIDE_VALUE + 1)] = drawn
        values[(8, _SIDE_VALUE)] = float(behind)
    # A line per tab under the summary.
    for i, line in enumerate(lines):
        if line is None:
            continue
        r = _HEAD + 1 + i
        for col, key in zip(_SIDE[1:], ("objectives", "krs", "behind", "overdue", "stale", "mean"),
                            strict=True):  # fmt: skip
            values[(r, col)] = line[key]
    return values


def _bar(progress: Result, rounded: Callable[[float], int | None]) -> str | None:
    if not isinstance(progress, float):
        return ""
    filled = rounded(progress)
    if filled is None:
        return None
    return "█" * filled + "░" * (10 - filled)


def rounded_tenths(value: float) -> int | None:
    """ROUND(value * 10, 0) as a spreadsheet rounds it (halves away from zero); None just
    below a half, where a spreadsheet's own correction of the last bits may round up."""
    product = value * 10
    if 0 < 0.5 - (product - math.floor(product)) < 1e-9:
        return None
    return math.floor(product + 0.5)
