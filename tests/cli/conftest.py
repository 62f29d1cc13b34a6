"""The shop (tests/conftest.py) for each test, and typing rows into a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import type_cells


def add_rows(path: Path, tab: str, rows: list[list[Any]]) -> None:
    """Type rows into a tab the way a person would in Excel: on the first rows below the data
    that hold nothing but okr's prepared formulas (whose cells read as empty), with
    `type_cells`."""
    grid = next(g for g in XlsxStore(path).read().grids if g.title == tab)
    row = len(grid.rows)
    while row > 1 and all(v in (None, "") for v in grid.rows[row - 1]):
        row -= 1
    cells = {
        (row + offset, col): value
        for offset, values in enumerate(rows, start=1)
        for col, value in enumerate(values, start=1)
        if value is not None
    }
    type_cells(path, {tab: cells})


@pytest.fixture
def shop(shop_bytes: bytes, tmp_path: Path) -> Path:
    """A copy of the shop for this test."""
    path = tmp_path / "shop.xlsx"
    path.write_bytes(shop_bytes)
    return path


def read_tab(path: Path, tab: str) -> list[list[Any]]:
    """A tab's cell values as openpyxl sees them (formulas as their text)."""
    sheet = load_workbook(path)[tab]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def kr_row(path: Path, kr_id: str, tab: str = "Corporate") -> dict[str, Any]:
    rows = read_tab(path, tab)
    header = [str(h) for h in rows[0]]
    for row in rows[1:]:
        if row[1] == kr_id:
            return dict(zip(header, row, strict=False))
    raise AssertionError(f"{kr_id} not in {tab}")
