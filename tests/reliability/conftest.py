"""What the reliability suites share: a hand-typed shop built once per session through the
real `okr init`, and the checks every failing command must pass."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import init_bytes

#: Rows of a tiny shop typed into the Corporate tab: one objective, three key results.
SHOP_ROWS: list[list[Any]] = [
    ["Objective", "CORP-1", None, "Become the easiest shop to buy from", "corporate", "Ana Lima"],
    ["Key result", "CORP-1.1", "CORP-1", "Orders per week", None, "Ana Lima", None, "increase",
     0, 100, 50, "orders", "2026-12-31", 1, 0.8],
    ["Key result", "CORP-1.2", "CORP-1", "Days to deliver", None, "Ana Lima", None, "decrease",
     20, 10, 18, "days", "2026-12-31", 1, 0.4],
    ["Key result", "CORP-1.3", "CORP-1", "Checkout abandonment below 50%", None, "Ana Lima", None,
     "milestone", 0, 1, 0, None, "2026-12-15", 1, "70%"],
]  # fmt: skip


@pytest.fixture(scope="session")
def shop_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A blank 2026-Q4 workbook with the shop's rows typed in, as a person would."""
    from openpyxl import load_workbook

    path = tmp_path_factory.mktemp("pristine") / "shop.xlsx"
    init_bytes(path, "--company", "Shop")
    book = load_workbook(path)
    for row in SHOP_ROWS:
        book["Corporate"].append(row)
    book.save(path)
    return path.read_bytes()


def fingerprint(path: Path) -> str | None:
    """What a file is, byte for byte (None when it is not a file)."""
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_no_crash(exit_code: int, output: str) -> None:
    """A failure is one of the documented exit codes with a message, never a traceback."""
    assert "Traceback" not in output, output
    assert exit_code != 1, output
    assert "error: unexpected" not in output, output
