"""A tiny, hand-typed workbook whose every figure can be checked on paper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsheet.stores.xlsx import XlsxStore
from tests.conftest import init_bytes, type_cells

#: One objective, three key results, typed into the Corporate tab as a person would.
SHOP_ROWS: list[list[Any]] = [
    ["Objective", "CORP-1", None, "Become the easiest shop to buy from", "corporate", "Ana Lima"],
    ["Key result", "CORP-1.1", "CORP-1", "Orders per week", None, "Ana Lima", None, None,
     0, 100, 50, "orders", dt.date(2026, 12, 31), 1, 0.8],
    ["Key result", "CORP-1.2", "CORP-1", "Days to deliver", None, "Ana Lima", None, None,
     20, 10, 18, "days", dt.date(2026, 12, 31), 1, 0.4],
    ["Key result", "CORP-1.3", "CORP-1", "Checkout abandonment below 50%", None, "Ana Lima", None,
     "milestone", 0, 1, 0, None, dt.date(2026, 12, 15), 2, "70%"],
]  # fmt: skip


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


@pytest.fixture(scope="session")
def shop_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The shop: a blank 2026-Q4 workbook made by the real `okr init`, its rows typed in."""
    path = tmp_path_factory.mktemp("shop") / "shop.xlsx"
    init_bytes(path, "--company", "Shop")
    add_rows(path, "Corporate", SHOP_ROWS)
    return path.read_bytes()


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
