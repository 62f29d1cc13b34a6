"""Reading a Google spreadsheet lean: two small calls whatever the number of tabs or rows.

1. `spreadsheets.get` without grid data and with a narrow field mask: each tab's id, title,
   position, hidden flag and size (a few hundred bytes a tab);
2. `values:batchGetByDataFilter` for every tab at once (one `gridRange` per tab id, so no tab
   title has to fit in a URL), with `UNFORMATTED_VALUE` and dates as `SERIAL_NUMBER`: each
   row is a plain JSON list of numbers, strings and booleans, and Google leaves out the empty
   cells at the end of a row and the empty rows at the end of a tab (the rows `init` prepares
   with formats and dropdowns cost nothing).

Both ask for `prettyPrint=false`, which makes Google's JSON compact (3-4 times smaller than
the indented default), and requests asks for gzip on the wire. Asking `spreadsheets.get` for
the cells instead (`includeGridData`, `effectiveValue`) answers one JSON object per cell,
`{}` for every prepared empty one: 14 MB for a fresh 150-person workbook where this is about
100 kB.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from okrsheet.stores.base import CellValue
from okrsheet.stores.google.http import SHEETS_API

if TYPE_CHECKING:
    from okrsheet.stores.google.http import Http

#: The developer metadata key, on a tab, listing its columns of formulas okr fills
#: (`Formula.fill`), e.g. `17,22-41;8c7f01d2` (columns, then a CRC-32 of their header
#: texts). Their values are computed, so a read leaves them out below the header row; if a
#: person moved columns since (the headers there no longer match), the tab is read whole.
COMPUTED_KEY = "okrsheet.computed"
#: What the first call asks for: the tabs and which of their columns are computed, not cells.
META_FIELDS = (
    "spreadsheetId,properties(title,timeZone),"
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)),"
    "developerMetadata(metadataKey,metadataValue))"
)
#: What the second call asks for: each tab's values, not the filters echoed back.
VALUES_FIELDS = "valueRanges(valueRange(values))"
COMPACT = {"prettyPrint": "false"}


@dataclass(frozen=True)
class Tab:
    sheet_id: int
    title: str
    rows: int
    cols: int
    hidden: bool = False
    #: 1-based columns holding okr's filled formulas (recorded under `COMPUTED_KEY`).
    computed: frozenset[int] = frozenset()
    #: The CRC-32 of those columns' header texts when they were recorded.
    headers_crc: str = ""


def get_meta(http: Http, spreadsheet_id: str, *, what: str) -> Any:
    """The spreadsheet's title and tabs (one `spreadsheets.get`, no cells)."""
    return http.call(
        "get",
        f"{SHEETS_API}/{spreadsheet_id}",
        params={"fields": META_FIELDS, "includeGridData": "false", **COMPACT},
        idempotent=True,
        what=what,
    )


def tabs_of(meta: Any) -> list[Tab]:
    tabs: list[Tab] = []
    for sheet in (meta or {}).get("sheets", []) or []:
        props = sheet.get("properties", {})
        shape = props.get("gridProperties", {})
        tabs.append(
            Tab(
                int(props.get("sheetId", 0)),
                str(props.get("title", "")),
                int(shape.get("rowCount", 0)),
                int(shape.get("columnCount", 0)),
                bool(props.get("hidden")),
                *_computed(sheet),
            )
        )
    return tabs


def computed_value(columns: Iterable[int], header: Sequence[object]) -> str:
    """The `COMPUTED_KEY` value for these columns under this header row."""
    listed = ",".join(f"{a}-{b}" if b > a else str(a) for a, b in _runs(sorted(columns)))
    return f"{listed};{headers_crc(columns, header)}"


def headers_crc(columns: Iterable[int], header: Sequence[object]) -> str:
    texts = [
        str(header[c - 1]) if c <= len(header) and header[c - 1] is not None else ""
        for c in sorted(columns)
    ]
    return f"{zlib.crc32(chr(31).join(texts).encode()):08x}"


def _computed(sheet: Any) -> tuple[frozenset[int], str]:
    for meta in sheet.get("developerMetadata", []) or []:
        if meta.get("metadataKey") != COMPUTED_KEY:
            continue
        listed, _semi, crc = str(meta.get("metadataValue", "")).partition(";")
        found: set[int] = set()
        try:
            for part in filter(None, listed.split(",")):
                first, _dash, last = part.partition("-")
                found.update(range(int(first), int(last or first) + 1))
        except ValueError:
            return frozenset(), ""  # not ours to understand: read the tab whole
        return frozenset(found), crc
    return frozenset(), ""


def _filters(tab: Tab) -> list[dict[str, Any]]:
    """The ranges read of one tab: all of it, or, when it has computed columns, its header row
    and the other columns below it (one range per run of them)."""
    whole: dict[str, Any] = {"sheetId": tab.sheet_id}
    if not tab.computed:
        return [{"gridRange": whole}]
    filters = [{"gridRange": {**whole, "startRowIndex": 0, "endRowIndex": 1}}]
    for start, end in _runs([c for c in range(1, tab.cols + 1) if c not in tab.computed]):
        grid = {**whole, "startRowIndex": 1, "startColumnIndex": start - 1, "endColumnIndex": end}
        filters.append({"gridRange": grid})
    return filters


def _runs(columns: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive columns as (first, last) pairs: [1, 2, 3, 5] -> [(1, 3), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for column in columns:
        if runs and column == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], column)
        else:
            runs.append((column, column))
    return runs


def _stitch(tab: Tab, parts: list[list[list[Any]]]) -> list[list[Any]]:
    """One tab's rows from the parts `_filters` asked for: the header row, then each run of
    columns below it at its place; computed cells below the header are left empty."""
    if not tab.computed:
        return parts[0] if parts else []
    header = parts[0][0] if parts and parts[0] else []
    starts = [
        start for start, _end in _runs([c for c in range(1, tab.cols + 1) if c not in tab.computed])
    ]
    height = max((len(part) for part in parts[1:]), default=0)
    rows: list[list[Any]] = [list(header)]
    for index in range(height):
        row: list[Any] = []
        for start, part in zip(starts, parts[1:], strict=False):
            values = part[index] if index < len(part) else []
            if values:
                row.extend([""] * (start - 1 - len(row)))
                row.extend(values)
        rows.append(row)
    return rows


def get_values(
    http: Http, spreadsheet_id: str, tabs: Sequence[Tab], *, what: str
) -> list[list[list[CellValue]]]:
    """Every cell value of these tabs (one call), tab by tab in the order given: rows of
    plain values, 1-based row r at index r-1, empty cells None."""
    if not tabs:
        return []
    answer = http.call(
        "post",
        f"{SHEETS_API}/{spreadsheet_id}/values:batchGetByDataFilter",
        params={"fields": VALUES_FIELDS, **COMPACT},
        json={
            "dataFilters": [f for t in tabs for f in _filters(t)],
            "majorDimension": "ROWS",
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        },
        idempotent=True,  # a read, sent as POST only to keep the tab list out of the URL
        what=what,
    )
    ranges = (answer or {}).get("valueRanges", []) or []
    out: list[list[list[CellValue]]] = []
    index = 0
    moved: list[int] = []
    for position, tab in enumerate(tabs):
        parts: list[list[list[Any]]] = []
        for _filter in _filters(tab):
            found = ranges[index].get("valueRange", {}) if index < len(ranges) else {}
            parts.append(found.get("values", []) or [])
            index += 1
        rows = _stitch(tab, parts)
        if tab.computed and headers_crc(tab.computed, rows[0] if rows else []) != tab.headers_crc:
            moved.append(position)
        out.append(rows_of(rows))
    if moved:  # a person moved columns since okr recorded them: read those tabs whole
        whole = [replace(tabs[p], computed=frozenset(), headers_crc="") for p in moved]
        for position, rows in zip(
            moved, get_values(http, spreadsheet_id, whole, what=what), strict=True
        ):
            out[position] = rows
    return out


def rows_of(values: list[list[Any]]) -> list[list[CellValue]]:
    """Rows as the layer above expects them: "" is None, whole floats are ints, trailing
    empty rows dropped."""
    rows = [[_value(v) for v in row] for row in values]
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    return rows


def _value(value: Any) -> CellValue:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
