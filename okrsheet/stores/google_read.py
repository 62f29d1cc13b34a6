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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from okrsheet.stores.base import CellValue
from okrsheet.stores.google_http import SHEETS_API

if TYPE_CHECKING:
    from okrsheet.stores.google_http import Http

#: What the first call asks for: the tabs, not their cells.
META_FIELDS = (
    "spreadsheetId,properties(title),"
    "sheets(properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount)))"
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
            )
        )
    return tabs


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
            "dataFilters": [{"gridRange": {"sheetId": t.sheet_id}} for t in tabs],
            "majorDimension": "ROWS",
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        },
        idempotent=True,  # a read, sent as POST only to keep the tab list out of the URL
        what=what,
    )
    ranges = (answer or {}).get("valueRanges", []) or []
    out: list[list[list[CellValue]]] = []
    for index in range(len(tabs)):
        found = ranges[index].get("valueRange", {}) if index < len(ranges) else {}
        out.append(rows_of(found.get("values", []) or []))
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
