"""Google Sheets gets the same live formulas as the .xlsx file, through the real store on the
in-process fake. The functions are all in Google's function list (tests/layout/test_writer.py),
LibreOffice evaluates the very same text (tests/cli/test_sheet_agrees.py), and the fake, which
evaluates them as Google documents, computes what LibreOffice computes for every formula cell
(tests/fakes/test_formulas.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from okrsheet.layout.schema import OKR_COLUMNS
from tests.conftest import Google

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def xlsx_formulas(path: Path, tab: str) -> dict[tuple[int, int], str]:
    sheet = openpyxl.load_workbook(path)[tab]
    return {
        (cell.row, cell.column): str(cell.value)
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


def google_formulas(google: Google, tab: str) -> dict[tuple[int, int], str]:
    sheet = google.fake.sheet(google.sheet_id(), tab)
    found = {}
    for r in range(sheet.row_count):
        for c in range(sheet.column_count):
            value = (sheet.cell(r, c) or {}).get("userEnteredValue", {})
            if "formulaValue" in value:
                found[(r + 1, c + 1)] = value["formulaValue"]
    return found


def test_google_gets_the_same_formulas_as_the_xlsx(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    local = tmp_path / "local.xlsx"
    assert okr("init", str(local), "--example", "--cycle", "2026-Q4").exit_code == 0
    made = okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4")
    assert made.exit_code == 0, made.stderr

    for tab in ("Corporate", "Sales", "Dashboard"):
        mine = xlsx_formulas(local, tab)
        theirs = google_formulas(google, tab)
        assert len(mine) > 500
        # Google also has its Progress bar (SPARKLINE) beside the OKR tables.
        assert {k: v for k, v in theirs.items() if "SPARKLINE" not in v} == mine, tab
    # (The fake's formula parser knows neither whole-column ranges such as $A:$A nor array
    # literals, which Google accepts, so it cannot judge the syntax: see the module's doc.)


def test_a_checkin_on_google_tops_the_formulas_up(okr: Any, google: Google) -> None:
    assert okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4").exit_code == 0
    before = google_formulas(google, "Sales")
    sheet = google.fake.sheet(google.sheet_id(), "Sales")
    progress = COL["progress"]
    # A person clears a formula; the next check-in on that tab puts it back.
    sheet.set_cell(2, progress - 1, None)
    assert (3, progress) not in google_formulas(google, "Sales")
    result = okr("checkin", "SALES-1.1", "--value", "70", "-w", google.location())
    assert result.exit_code == 0, result.stderr
    after = google_formulas(google, "Sales")
    assert after[(3, progress)] == before[(3, progress)]
    assert set(before) <= set(after)
