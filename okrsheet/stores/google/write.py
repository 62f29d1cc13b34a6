"""The requests of a write: cells set, rows appended and deleted, tabs added."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    Change,
    DeleteRows,
    Formula,
    NumberFormat,
    SetCells,
    WriteValue,
)
from okrsheet.stores.google.cell_data import (
    _cell,
    _delete_row,
    _filled_columns,
    _fills,
    _number_format,
    _read_columns,
    _Sheet,
    _sheet,
    _tag_computed,
    row_runs,
)
from okrsheet.stores.google.layout import _tab_requests
from okrsheet.stores.google.read import COMPUTED_KEY, computed_value


def _requests_for(
    changes: Sequence[Change], index: dict[str, _Sheet], added: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """The requests of a write; the sheet id of each tab it adds goes into `added`."""
    requests: list[dict[str, Any]] = []
    index = dict(index)
    next_id = max((s.sheet_id for s in index.values()), default=0) + 1
    for change in changes:
        if isinstance(change, AddTab):
            sheet_id, next_id = next_id, next_id + 1
            if added is not None:
                added[change.spec.title] = sheet_id
            position = list(index).index(change.before) if change.before in index else len(index)
            requests.extend(_tab_requests(change.spec, sheet_id, position))
            index[change.spec.title] = _Sheet(sheet_id, change.spec.title, 0, 0)
        elif isinstance(change, SetCells):
            sheet = _sheet(index, change.tab)
            # Formulas prepared ahead of the data may reach past the grid: grow it first.
            rows = max((r for r, _ in change.cells), default=0)
            cols = max((c for _, c in change.cells), default=0)
            for dimension, wanted, have in (
                ("ROWS", rows, sheet.rows),
                ("COLUMNS", cols, sheet.cols),
            ):
                if have and wanted > have:
                    requests.append(
                        {
                            "appendDimension": {
                                "sheetId": sheet.sheet_id,
                                "dimension": dimension,
                                "length": wanted - have,
                            }
                        }
                    )
            if sheet.rows and rows > sheet.rows or sheet.cols and cols > sheet.cols:
                index[change.tab] = sheet = sheet.grown(rows, cols)
            requests.extend(_set_cells(sheet.sheet_id, change.cells, change.formats))
            recorded, index[change.tab] = _record_computed(sheet, change.cells)
            requests.extend(recorded)
        elif isinstance(change, AppendRows):
            requests.append(
                {
                    "appendCells": {
                        "sheetId": _sheet(index, change.tab).sheet_id,
                        "rows": [
                            {"values": _formatted(row, change.formats, change.cell_formats, n)}
                            for n, row in enumerate(change.rows)
                        ],
                        # Every cell's number format is set (the column's, or the date's), so
                        # a row past the prepared ones looks like the rows above it.
                        "fields": "userEnteredValue,userEnteredFormat.numberFormat",
                    }
                }
            )
        elif isinstance(change, DeleteRows):
            sheet_id = _sheet(index, change.tab).sheet_id
            # One request per run of adjacent rows (a rollover moves a quarter's check-ins),
            # bottom-up: the rows above keep their numbers.
            for top, bottom in reversed(row_runs(change.rows)):
                requests.append(_delete_row(sheet_id, top, bottom))
    return requests


def _formatted(
    row: Sequence[WriteValue],
    formats: dict[int, NumberFormat],
    cell_formats: dict[tuple[int, int], NumberFormat] | None = None,
    index: int = 0,
) -> list[Any]:
    """The cells of an appended row, each with its own number format (`cell_formats`), else
    its column's (a date or a time keeps its own when the column has none)."""
    cells = []
    for col, value in enumerate(row, start=1):
        named = (cell_formats or {}).get((index, col)) or formats.get(col, "general")
        cell = _cell(value, named)
        if named != "general":
            cell["userEnteredFormat"] = {"numberFormat": _number_format(named)}
        cells.append(cell)
    return cells


def _set_cells(
    sheet_id: int,
    cells: dict[tuple[int, int], WriteValue],
    formats: Mapping[int, NumberFormat] | None = None,
) -> list[dict[str, Any]]:
    """One updateCells per run of adjacent cells in a row; dates apart, since they also set a
    number format and the other cells must keep theirs (a date in a column `formats` says is
    text is its text, and keeps the cell's format). Filled formulas go as one repeatCell per
    run of rows in a column (`_fills`)."""
    formats = formats or {}
    requests: list[dict[str, Any]] = []
    by_row: dict[int, list[int]] = {}
    for (row, col), value in cells.items():
        if not (isinstance(value, Formula) and value.fill):
            by_row.setdefault(row, []).append(col)

    def dated(row: int, col: int) -> bool:
        return isinstance(cells[(row, col)], date) and formats.get(col) != "text"

    for row, cols in sorted(by_row.items()):
        run: list[int] = []
        for col in sorted(cols):
            if run and (col != run[-1] + 1 or dated(row, col) != dated(row, run[0])):
                requests.append(_update_run(sheet_id, row, run, cells, formats, dated(row, run[0])))
                run = []
            run.append(col)
        if run:
            requests.append(_update_run(sheet_id, row, run, cells, formats, dated(row, run[0])))
    return requests + _fills(sheet_id, cells)


def _record_computed(
    sheet: _Sheet, cells: Mapping[tuple[int, int], WriteValue]
) -> tuple[list[dict[str, Any]], _Sheet]:
    """Record on the tab (google_read.COMPUTED_KEY) which columns hold filled formulas, so that
    reads leave their values out; again when a write fills a column not recorded yet, or the
    recorded columns no longer sit under the headers they had."""
    filled = _filled_columns(cells)
    # A column recorded before its values were read back (the Calc row) leaves the record.
    columns = (sheet.computed - _read_columns(cells)) | filled
    if not columns or (sheet.recorded and columns == sheet.computed):
        return [], sheet
    header = list(sheet.header)
    for (row, col), value in cells.items():  # headers this write puts in row 1
        if row == 1:
            header.extend([None] * (col - len(header)))
            header[col - 1] = value if isinstance(value, str) else None
    requests: list[dict[str, Any]] = []
    if sheet.recorded:
        lookup = {"metadataKey": COMPUTED_KEY, "metadataLocation": {"sheetId": sheet.sheet_id}}
        requests.append(
            {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}
        )
    requests += _tag_computed(sheet.sheet_id, computed_value(columns, header))
    updated = _Sheet(
        sheet.sheet_id, sheet.title, sheet.rows, sheet.cols, sheet.grid, columns, header, True
    )
    return requests, updated


def _update_run(
    sheet_id: int,
    row: int,
    cols: list[int],
    cells: dict[tuple[int, int], WriteValue],
    formats: Mapping[int, NumberFormat],
    dated: bool,
) -> dict[str, Any]:
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": cols[0] - 1},
            "rows": [{"values": [_cell(cells[(row, c)], formats.get(c, "general")) for c in cols]}],
            "fields": "userEnteredValue,userEnteredFormat.numberFormat"
            if dated
            else "userEnteredValue",
        }
    }
