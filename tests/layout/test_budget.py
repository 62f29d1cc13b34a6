"""`okr validate` warns when a workbook nears the cells a Google spreadsheet can hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from okrsheet.layout import budget
from okrsheet.layout.budget import GOOGLE_MAX_CELLS, archive_budget, cell_budget, workbook_cells
from okrsheet.stores.base import Grid, RawWorkbook
from okrsheet.stores.xlsx.store import XlsxStore


def wide(title: str, rows: int, cols: int) -> Grid:
    row: list[Any] = [None] * cols
    return Grid(title, [row] * rows)  # one row shared: millions of cells, no memory


def test_cells_are_rows_times_the_widest_row() -> None:
    raw = RawWorkbook([Grid("A", [[1, 2, 3], [4]]), Grid("B", []), wide("Check-ins", 10, 8)])
    assert workbook_cells(raw) == 2 * 3 + 0 + 80


def test_no_warning_below_eighty_percent() -> None:
    assert cell_budget(RawWorkbook([wide("Check-ins", 999_999, 8)])) == []


def test_a_warning_from_eighty_percent_says_what_to_do() -> None:
    raw = RawWorkbook([wide("Alice", 100, 25), wide("Check-ins", 1_000_000, 8)])
    [finding] = cell_budget(raw)
    assert finding.severity == "warning"
    assert finding.code == "cell-budget"
    assert "8,002,500 cells, 80% of the 10,000,000" in finding.message
    assert "'Check-ins' (1,000,000 rows)" in finding.message
    assert "Linked workbooks" in finding.message
    assert "okr rollover --to NEXT --archive-to gsheet:ID" in finding.message
    assert "Archive workbooks" in finding.message
    assert GOOGLE_MAX_CELLS == 10_000_000


def test_an_archive_workbook_nearly_full_says_to_give_the_next_rollover_a_new_one() -> None:
    assert archive_budget(RawWorkbook([wide("Archive 2026-Q4 check-ins", 999_999, 8)]), "a") == []
    full = RawWorkbook([wide("Archive 2026-Q4 check-ins", 1_000_000, 8)])

    [finding] = archive_budget(full, "gsheet:abc")

    assert finding.message.startswith("the archive workbook gsheet:abc has 8,000,000 cells, 80%")
    assert "okr rollover --to NEXT --archive-to gsheet:NEW_ID" in finding.message


def test_validate_says_it(okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = workbook_cells(XlsxStore(example).read())
    monkeypatch.setattr(budget, "GOOGLE_MAX_CELLS", int(cells / 0.8))
    result = okr("validate", "--format", "json", "-w", str(example))
    [found] = [f for f in result.json()["findings"] if f["code"] == "cell-budget"]
    assert found["severity"] == "warning"
    assert f"{cells:,} cells, 80% of the" in found["message"]
    monkeypatch.setattr(budget, "GOOGLE_MAX_CELLS", int(cells / 0.79))
    result = okr("validate", "--format", "json", "-w", str(example))
    assert not [f for f in result.json()["findings"] if f["code"] == "cell-budget"]
