"""A tab past 250,000 rows whose rows are really there (a check-in log of years never rolled
over) is read, bounded by its cells; a few cells far apart are still refused
(okrsheet/stores/xlsx/bounds.py, `long_table`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from okrsheet.stores.xlsx.bounds import MAX_ROWS, MAX_TABLE_ROWS, _long_table, _scan, long_table
from tests.stores.test_xlsx_regular import HEADER, log_row, number, text, workbook

#: Rows just past the bound.
PAST = MAX_ROWS + 10


def _rows_xml(numbers: Any) -> bytes:
    return b"<sheetData>" + b"".join(b'<row r="%d"/>' % n for n in numbers) + b"</sheetData>"


def test_a_long_table_is_one_whose_rows_are_there() -> None:
    assert long_table(PAST, PAST)
    assert long_table(MAX_TABLE_ROWS // 2, MAX_TABLE_ROWS)
    assert not long_table(MAX_TABLE_ROWS, MAX_TABLE_ROWS + 1)  # past any sheet
    assert not long_table(100, PAST)  # a few rows and a far one


def test_the_sheet_says_whether_its_rows_are_there() -> None:
    dense = _rows_xml(range(1, PAST + 1))
    assert _scan(dense)[0] is not None  # past MAX_ROWS: the one-pass scan sees it
    assert _long_table(dense)
    # The same rows, then one cell at the last row of a sheet: most of the rows are not there.
    assert not _long_table(_rows_xml([*range(1, PAST + 1), MAX_TABLE_ROWS]))
    assert not _long_table(_rows_xml([1, 2, PAST]))
    # Rows written with a prefix, or without their number, are not told: refused as before.
    assert not _long_table(dense.replace(b"<row ", b"<x:row "))
    assert not _long_table(b"<sheetData>" + b"<row/>" * PAST + b"</sheetData>")


def _checkin(n: int) -> str:
    """A log line of the fewest cells: date, key result, value and check-in id."""
    return log_row(
        n,
        number(f"A{n}", str(46300 + n % 30), 5),  # October 2026
        text(f"B{n}", "SALES-1.1"),
        number(f"C{n}", str(n % 90), 11),
        text(f"H{n}", f"long-{n}"),
    )


@pytest.fixture(scope="module")
def long_log(tmp_path_factory: pytest.TempPathFactory, example_bytes: bytes) -> Path:
    """The example company with a log of 250,010 lines (a large company's three years)."""
    rows = [HEADER, *(_checkin(n) for n in range(2, PAST + 1))]
    return workbook(tmp_path_factory.mktemp("long"), example_bytes, rows)


def test_a_log_past_the_row_bound_is_read_whole(okr: Any, long_log: Path) -> None:
    """It was refused ('reaches row 250,001, beyond the 250,000 rows okr reads on a tab'),
    and `okr rollover`, the way out, refused it too."""
    shown = okr("history", "SALES-1.1", "--format", "json", "-w", str(long_log))
    assert shown.exit_code == 0, shown.stderr
    assert len(json.loads(shown.stdout)["checkins"]) == PAST - 1

    rolled = okr("rollover", "--to", "2027-Q1", "--dry-run", "-w", str(long_log))
    assert rolled.exit_code == 0, rolled.stderr
    assert f"move    {PAST - 1} check-in(s)" in rolled.stderr  # the plan, on stderr
