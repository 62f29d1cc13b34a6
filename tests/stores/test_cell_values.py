"""One value table, every way okr writes a cell: each backend's encoder gives the value the
same meaning, read back through that backend's own reader.

The ways: on a local .xlsx, a cell set on an existing row and a row appended (the patcher's XML),
a tab laid out by openpyxl (`okr init`, full rewrites) and a plain tab patched in (`okr remind`'s
Reminders tab); on Google (the in-process fake), a cell set, a row appended and a tab laid out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from okrsheet.stores import open_store, parse_location
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    CellValue,
    ColumnSpec,
    SetCells,
    TabSpec,
    WorkbookStore,
)
from okrsheet.stores.primitives import EPOCH, cell_value
from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import Google

LONG = "long text, " * 2978  # 32,758 characters: just under the 32,767 a cell holds in Excel
DAY = date(2026, 11, 2)
MOMENT = datetime(2026, 11, 2, 9, 30)
BLANK = None

#: (what it is, the value written, "text" or "general" column, what reads back).
VALUES: list[tuple[str, Any, str, CellValue]] = [
    ("nothing", None, "general", BLANK),
    ("true", True, "general", True),
    ("false", False, "general", False),
    ("int", 7, "general", 7.0),
    ("float", 2.5, "general", 2.5),
    ("decimal", Decimal("1.25"), "general", 1.25),
    ("negative", -0.125, "general", -0.125),
    ("NaN", math.nan, "general", BLANK),
    ("infinity", math.inf, "general", BLANK),
    ("formula-like text", "=1+1", "general", "=1+1"),
    ("formula-like text in a text cell", "=1+1", "text", "=1+1"),
    ("text starting with +", "+1", "general", "+1"),
    ("text that reads like a date", "2026-11-02", "general", "2026-11-02"),
    ("text that reads like a number", "007", "text", "007"),
    ("long text", LONG, "general", LONG),
    ("text with a line break", "one\ntwo", "general", "one\ntwo"),
    ("date", DAY, "general", DAY),
    ("datetime", MOMENT, "general", MOMENT),
    # A time with an offset is written as the wall-clock time it says (what a sheet shows).
    ("datetime with a time zone", MOMENT.replace(tzinfo=timezone(timedelta(hours=2))), "general",
     MOMENT),
    # A cell formatted as text keeps its format: the date goes in as the text a person types.
    ("date in a text cell", DAY, "text", "2026-11-02"),
    ("datetime with a time zone in a text cell",
     MOMENT.replace(tzinfo=timezone(timedelta(hours=-5))), "text", "2026-11-02 09:30:00"),
]  # fmt: skip

COLUMNS = [
    ColumnSpec("Name", width=30),
    ColumnSpec("Text", number_format="text"),
    ColumnSpec("General"),
]
TEXT_COL, GENERAL_COL = 2, 3


def row_of(name: str, value: Any, where: str) -> list[Any]:
    return [name, value, None] if where == "text" else [name, None, value]


def spec(rows: list[list[Any]], title: str = "Values") -> TabSpec:
    return TabSpec(title, list(COLUMNS), rows)


def placeholders() -> list[list[Any]]:
    """A row for each value: a number to be overwritten in the general column, nothing in the
    text column (a new cell there takes the column's text format)."""
    return [row_of(name, None if where == "text" else 0, where) for name, _, where, _ in VALUES]


#: Ways of writing: (the store, where the tab is) -> the tab's title after writing every value.
Writer = Callable[[WorkbookStore], str]


def set_cells(store: WorkbookStore) -> str:
    store.create([spec(placeholders())], overwrite=True)
    cells = {
        (n, TEXT_COL if where == "text" else GENERAL_COL): value
        for n, (_, value, where, _) in enumerate(VALUES, start=2)
    }
    # The column's format as the planner knows it: a local file sees it in the cell's style,
    # Google (whose write cannot see a cell's format without another read) is told.
    store.update(lambda raw: [SetCells("Values", cells, formats={TEXT_COL: "text"})])
    return "Values"


def append_rows(store: WorkbookStore) -> str:
    store.create([spec([])], overwrite=True)
    rows = [row_of(name, value, where) for name, value, where, _ in VALUES]
    store.update(lambda raw: [AppendRows("Values", rows, formats={TEXT_COL: "text"})])
    return "Values"


def lay_out(store: WorkbookStore) -> str:
    store.create([spec([row_of(n, v, w) for n, v, w, _ in VALUES])], overwrite=True)
    return "Values"


def add_tab(store: WorkbookStore) -> str:
    """A tab added to a workbook that has one (on a local file: patched in, no rewrite)."""
    store.create([TabSpec("First", [ColumnSpec("A")], [["a"]])], overwrite=True)
    rows = [row_of(n, v, w) for n, v, w, _ in VALUES if not isinstance(v, bool)]
    store.update(lambda raw: [AddTab(spec(rows))])
    return "Values"


WRITERS: dict[str, Writer] = {
    "set": set_cells,
    "append": append_rows,
    "lay-out": lay_out,
    "add-tab": add_tab,
}


def read_back(store: WorkbookStore, title: str) -> dict[str, CellValue]:
    grid = store.read().grid(title)
    assert grid is not None
    found: dict[str, CellValue] = {}
    for row in grid.rows[1:]:
        cells = list(row) + [None] * 3
        name = cells[0]
        assert isinstance(name, str)
        value = next((c for c in cells[1:3] if c not in (None, "")), None)
        found[name] = value
    return found


def as_okr_reads(got: CellValue, expected: CellValue) -> CellValue:
    """A date as okr reads it: Google answers a dated cell with its serial number (the layout
    reads it by the column), a local file with the date."""
    if isinstance(expected, date) and isinstance(got, int | float) and not isinstance(got, bool):
        moment = datetime.combine(EPOCH, datetime.min.time()) + timedelta(days=got)
        return moment if isinstance(expected, datetime) else moment.date()
    return got


def check(found: dict[str, CellValue], writer: str, backend: str) -> None:
    wrong = []
    for name, value, _, expected in VALUES:
        if writer == "add-tab" and isinstance(value, bool):
            continue  # a tab with booleans is laid out by openpyxl: "lay-out" covers it
        got = as_okr_reads(found.get(name), expected)
        same = type(got) is type(expected) or {type(got), type(expected)} <= {int, float}
        if not (same and got == expected):
            wrong.append(f"{name}: {got!r:.60} (expected {expected!r:.60})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("writer", WRITERS)
def test_every_value_means_the_same_on_a_local_workbook(writer: str, tmp_path: Path) -> None:
    store = XlsxStore(tmp_path / "values.xlsx")
    title = WRITERS[writer](store)
    check(read_back(XlsxStore(tmp_path / "values.xlsx"), title), writer, "xlsx")


@pytest.mark.parametrize("writer", WRITERS)
def test_every_value_means_the_same_on_google(writer: str, google: Google) -> None:
    created = open_store(parse_location("gsheet:new"), title="Values")
    WRITERS[writer](created)
    store = open_store(parse_location(google.location()))
    check(read_back(store, "Values"), writer, "google")


def _request_for(google: Google, a1_col: int, row: int) -> tuple[Any, str]:
    """The CellData the last write sent for one cell (0-based column), and its field mask."""
    for call in reversed(google.fake.sheets_writes()):
        for request in call.body.get("requests", []):
            update = request.get("updateCells")
            if not update:
                continue
            start = update["start"]
            for r, row_data in enumerate(update["rows"], start=start.get("rowIndex", 0)):
                for c, cell in enumerate(row_data["values"], start=start.get("columnIndex", 0)):
                    if (r, c) == (row - 1, a1_col):
                        return cell, update["fields"]
    raise AssertionError(f"no updateCells wrote row {row}, column {a1_col + 1}")


def test_a_date_set_in_a_text_column_on_google_is_sent_as_its_text(google: Google) -> None:
    """At the HTTP layer: the date of a text column goes as a string and leaves the cell's text
    format alone; a date in a general column goes as a serial number with a date format."""
    set_cells(open_store(parse_location("gsheet:new"), title="Values"))
    names = [name for name, *_ in VALUES]
    text_row = names.index("date in a text cell") + 2
    date_row = names.index("date") + 2

    sent, fields = _request_for(google, TEXT_COL - 1, text_row)
    assert (sent, fields) == (
        {"userEnteredValue": {"stringValue": "2026-11-02"}},
        "userEnteredValue",
    )
    sent, fields = _request_for(google, GENERAL_COL - 1, date_row)
    assert sent["userEnteredValue"] == {"numberValue": (DAY - EPOCH).days}
    assert sent["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert fields == "userEnteredValue,userEnteredFormat.numberFormat"

    sid = google.sheet_id()
    stored = google.fake.cell(sid, f"Values!B{text_row}")
    assert stored["effectiveValue"] == {"stringValue": "2026-11-02"}
    assert stored["userEnteredFormat"]["numberFormat"]["type"] == "TEXT"
    assert google.fake.cell(sid, f"Values!C{date_row}")["effectiveValue"] == {
        "numberValue": (DAY - EPOCH).days
    }


def test_the_one_rule_every_encoder_applies_first() -> None:
    """What a cell can hold of a value, before any backend's syntax: the shared rule."""
    assert cell_value(math.nan) is None
    assert cell_value(-math.inf) is None
    assert cell_value(Decimal("1.25")) == 1.25
    assert cell_value(MOMENT.replace(tzinfo=UTC)) == MOMENT
    assert cell_value("=1+1") == "=1+1"
    assert cell_value(True) is True
