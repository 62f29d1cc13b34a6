"""Google Sheets request primitives: one cell's data, ranges, colours, and the
small requests every write and layout is made of (`_Sheet` is what a write knows of a tab)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from okrsheet.errors import BackendError
from okrsheet.stores.base import (
    CellValue,
    Formula,
    Grid,
    NumberFormat,
    WriteValue,
)
from okrsheet.stores.google.read import COMPUTED_KEY
from okrsheet.stores.primitives import NUMBER_FORMATS, cell_value, date_text, serial

# Google's number format type for each named format; the pattern is the shared code.
_TYPES: dict[NumberFormat, str] = {
    "text": "TEXT",
    "number": "NUMBER",
    "integer": "NUMBER",
    "percent": "PERCENT",
    "percent1": "PERCENT",
    "currency": "CURRENCY",
    "date": "DATE",
    "datetime": "DATE_TIME",
}
_PATTERNS = {name: (kind, NUMBER_FORMATS[name]) for name, kind in _TYPES.items()}


class _Sheet:
    def __init__(
        self,
        sheet_id: int,
        title: str,
        rows: int,
        cols: int,
        grid: Grid | None = None,
        computed: frozenset[int] = frozenset(),
        header: Sequence[CellValue] = (),
        recorded: bool = False,
    ) -> None:
        self.sheet_id, self.title, self.rows, self.cols = sheet_id, title, rows, cols
        self.grid = grid  # kept for the scratch tab only, which the workbook leaves out
        # Columns of filled formulas as recorded on the tab (google_read.COMPUTED_KEY), empty
        # when a person moved columns since; the header row read; whether a record exists.
        self.computed, self.header, self.recorded = computed, tuple(header), recorded

    def grown(self, rows: int, cols: int) -> _Sheet:
        return _Sheet(
            self.sheet_id,
            self.title,
            max(rows, self.rows),
            max(cols, self.cols),
            self.grid,
            self.computed,
            self.header,
            self.recorded,
        )


# Reading helpers ------------------------------------------------------------------------------


def _cell_value(cell: dict[str, Any]) -> CellValue:
    value = cell.get("effectiveValue")
    if not value:
        return None
    if "stringValue" in value:
        return str(value["stringValue"])
    if "numberValue" in value:
        number = float(value["numberValue"])
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "errorValue" in value:
        return str(value["errorValue"].get("type", "#ERROR!"))
    return None


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _copy_rows(
    source: int, source_row: int, target: int, target_row: int, rows: int, cols: int
) -> dict[str, Any]:
    """Copy `rows` whole rows (0-based start) of `cols` columns from one tab to another.
    Pasting back where they came from undoes the shift of relative references in formulas."""
    return {
        "copyPaste": {
            "source": _range(source, source_row, source_row + rows, 0, cols),
            "destination": _range(target, target_row, target_row + rows, 0, cols),
            "pasteType": "PASTE_NORMAL",
            "pasteOrientation": "NORMAL",
        }
    }


def _cells_of(grid: Grid) -> dict[tuple[int, int], CellValue]:
    return {
        (r, c): value
        for r, row in enumerate(grid.rows, start=1)
        for c, value in enumerate(row, start=1)
    }


def _cells_by_tab(spreadsheet: dict[str, Any]) -> dict[str, dict[tuple[int, int], CellValue]]:
    out: dict[str, dict[tuple[int, int], CellValue]] = {}
    for sheet in spreadsheet.get("sheets", []) or []:
        title = str(sheet.get("properties", {}).get("title", ""))
        cells = out.setdefault(title, {})
        for block in sheet.get("data", []) or []:
            r0, c0 = int(block.get("startRow", 0)), int(block.get("startColumn", 0))
            for i, row in enumerate(block.get("rowData", []) or []):
                for j, cell in enumerate(row.get("values", []) or []):
                    cells[(r0 + i + 1, c0 + j + 1)] = _cell_value(cell)
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _row_of(grid: Grid | None, col: int, text: str) -> int | None:
    if grid is None:
        return None
    for row in range(1, len(grid.rows) + 1):
        if _text(grid.cell(row, col)) == text:
            return row
    return None


def _writable(value: CellValue) -> WriteValue:
    if value is None or isinstance(value, str | bool | int | float | date):
        return value
    return str(value)


def _delete_row(sheet_id: int, row: int, last: int | None = None) -> dict[str, Any]:
    """Delete a row (1-based), or the rows from it to `last`."""
    return {
        "deleteDimension": {
            "range": {
                "sheetId": sheet_id,
                "dimension": "ROWS",
                "startIndex": row - 1,
                "endIndex": row if last is None else last,
            }
        }
    }


def row_runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Rows (1-based) as runs of adjacent ones, (first, last), in ascending order."""
    runs: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


# Writing helpers ------------------------------------------------------------------------------


def _cell(value: WriteValue, number_format: NumberFormat = "general") -> dict[str, Any]:
    """CellData for one value in a cell of that number format: `cell_value` first, as on
    every backend; text stays text, never a formula; a date in a cell formatted as text goes
    in as the text a person types there (`date_text`), leaving the cell's format alone."""
    value = cell_value(value)
    if value is None:
        return {}
    if number_format == "text" and isinstance(value, date):
        return {"userEnteredValue": {"stringValue": date_text(value)}}
    if isinstance(value, Formula):
        return {"userEnteredValue": {"formulaValue": value.text}}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": float(value)}}
    if isinstance(value, datetime):
        return {
            "userEnteredValue": {"numberValue": serial(value)},
            "userEnteredFormat": {"numberFormat": _number_format("datetime")},
        }
    if isinstance(value, date):
        return {
            "userEnteredValue": {"numberValue": serial(value)},
            "userEnteredFormat": {"numberFormat": _number_format("date")},
        }
    return {"userEnteredValue": {"stringValue": str(value)}}


def _number_format(name: NumberFormat) -> dict[str, str]:
    kind, pattern = _PATTERNS[name]
    return {"type": kind, "pattern": pattern}


def _sheet(index: dict[str, _Sheet], title: str) -> _Sheet:
    sheet = index.get(title)
    if sheet is None:
        raise BackendError(f"the tab {title!r} disappeared while writing; nothing was written")
    return sheet


def _is_fill(request: dict[str, Any]) -> bool:
    """Whether a request is a run of filled formulas (`_fills`)."""
    cell = request.get("repeatCell", {}).get("cell", {})
    return "formulaValue" in cell.get("userEnteredValue", {})


#: Requests that move rows: filled formulas planned after them hold their final rows.
_MOVES_ROWS = ("deleteDimension", "insertDimension")


def _fills_last(requests: Sequence[dict[str, Any]]) -> bool:
    """Whether every filled formula comes after the last request that moves rows, so that sent
    after the whole batch it lands on the same rows."""
    last_move = max(
        (i for i, r in enumerate(requests) if any(k in r for k in _MOVES_ROWS)), default=-1
    )
    return all(i > last_move for i, r in enumerate(requests) if _is_fill(r))


def _filled_columns(cells: Mapping[tuple[int, int], WriteValue]) -> frozenset[int]:
    """The columns of filled formulas whose values reads may leave out."""
    return frozenset(
        c for (_r, c), v in cells.items() if isinstance(v, Formula) and v.fill and not v.read
    )


def _read_columns(cells: Mapping[tuple[int, int], WriteValue]) -> frozenset[int]:
    """The columns of filled formulas whose values reads bring back (`Formula.read`)."""
    return frozenset(
        c for (_r, c), v in cells.items() if isinstance(v, Formula) and v.fill and v.read
    )


def _fills(sheet_id: int, cells: Mapping[tuple[int, int], WriteValue]) -> list[dict[str, Any]]:
    """One repeatCell per run of filled formulas in consecutive rows of a column, holding the
    run's first formula: Google moves its relative row numbers row by row, which gives each
    row the formula the layout made for it (`Formula.fill`). The formula text is sent once
    per run, not once per row."""
    by_column: dict[int, list[int]] = {}
    for (row, col), value in cells.items():
        if isinstance(value, Formula) and value.fill:
            by_column.setdefault(col, []).append(row)
    requests: list[dict[str, Any]] = []
    for col, rows in sorted(by_column.items()):
        runs: list[list[int]] = []
        for row in sorted(rows):
            if runs and row == runs[-1][1] + 1:
                runs[-1][1] = row
            else:
                runs.append([row, row])
        for first, last in runs:
            formula = cells[(first, col)]
            assert isinstance(formula, Formula)
            requests.append(
                {
                    "repeatCell": {
                        "range": _range(sheet_id, first - 1, last, col - 1, col),
                        "cell": {"userEnteredValue": {"formulaValue": formula.text}},
                        "fields": "userEnteredValue",
                    }
                }
            )
    return requests


def _tag_computed(sheet_id: int, value: str) -> list[dict[str, Any]]:
    return [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": COMPUTED_KEY,
                    "metadataValue": value,
                    "visibility": "DOCUMENT",
                    "location": {"sheetId": sheet_id},
                }
            }
        }
    ]


def _range(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def _rgb(hex_color: str) -> dict[str, float]:
    text = hex_color.lstrip("#")[-6:]
    return {
        "red": int(text[0:2], 16) / 255,
        "green": int(text[2:4], 16) / 255,
        "blue": int(text[4:6], 16) / 255,
    }
