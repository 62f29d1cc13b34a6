"""`okr push` and `okr pull`: a workbook goes to Google Sheets and comes back unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from okrsheet.layout.schema import OKR_COLUMNS
from tests.conftest import BOT, Google


def cell_values(path: Path) -> dict[str, list[list[Any]]]:
    """Every tab's cell values (formulas as their text), trailing empty rows dropped."""
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        while rows and not any(v is not None for v in rows[-1]):
            rows.pop()
        out[sheet.title] = rows
    return out


def test_push_then_pull_gives_back_the_same_workbook(
    okr: Any, google: Google, example: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(example)
    own = get_column_letter(len(OKR_COLUMNS) + 1)  # a column of a person's own, past okr's
    book["Sales"][f"{own}1"] = "My own column"
    book["Sales"][f"{own}3"] = "=1+1 typed as text"
    book["Sales"][f"{own}3"].data_type = "s"
    book.create_sheet("Scratch")["B2"] = "a person's notes"
    book.save(example)

    pushed = okr("push", str(example), "--to", "gsheet:new", "--share", "ceo@acme.test")
    assert pushed.exit_code == 0, pushed.stderr
    assert google.fake.count("sheets-write") <= 3
    # A search for an unfinished copy, the spreadsheet made, the share, the mark cleared.
    assert google.fake.count("drive") == 4
    back = tmp_path / "back.xlsx"
    pulled = okr("pull", google.location(), "--to", str(back))
    assert pulled.exit_code == 0, pulled.stderr

    assert cell_values(back) == cell_values(example)
    assert openpyxl.load_workbook(back)["Sales"][f"{own}3"].data_type == "s"  # text, not a formula
    for location in (str(example), google.location(), str(back)):
        assert okr("validate", "-w", location).exit_code == 0
    statuses = {okr("status", "-f", "json", "-w", w).stdout for w in (str(example), str(back))}
    assert len(statuses) == 1


def test_pull_keeps_dates_as_dates(okr: Any, google: Google, example: Path, tmp_path: Path) -> None:
    assert okr("push", str(example), "--to", "gsheet:new").exit_code == 0
    back = tmp_path / "back.xlsx"
    assert okr("pull", google.location(), "--to", str(back)).exit_code == 0

    sheet = openpyxl.load_workbook(back)["Check-ins"]
    assert sheet["A2"].is_date and sheet["G2"].is_date


def test_push_refuses_a_spreadsheet_that_holds_something(
    okr: Any, google: Google, example: Path
) -> None:
    sid = google.fake.add_spreadsheet({"Budget": [["Rent", 1200]]})
    google.fake.set_access(sid, {BOT: "writer"})

    refused = okr("push", str(example), "--to", f"gsheet:{sid}")
    assert refused.exit_code == 2
    assert google.fake.values(sid, "Budget") == [["Rent", 1200]]

    forced = okr("push", str(example), "--to", f"gsheet:{sid}", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert okr("validate", "-w", f"gsheet:{sid}").exit_code == 0


def test_pull_will_not_overwrite_a_local_file(
    okr: Any, google: Google, example: Path, tmp_path: Path
) -> None:
    assert okr("push", str(example), "--to", "gsheet:new").exit_code == 0
    before = example.read_bytes()

    result = okr("pull", google.location(), "--to", str(example))

    assert result.exit_code == 2
    assert example.read_bytes() == before


def test_the_direction_is_checked(okr: Any, example: Path, tmp_path: Path) -> None:
    wrong = okr("push", str(example), "--to", str(tmp_path / "copy.xlsx"))
    assert wrong.exit_code == 2 and "okr pull" in wrong.stderr

    backwards = okr("pull", str(example), "--to", str(tmp_path / "copy.xlsx"))
    assert backwards.exit_code == 2 and "okr push" in backwards.stderr


def test_a_file_that_is_not_an_okr_workbook_is_not_pushed(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "hello"
    book.save(other)

    result = okr("push", str(other), "--to", "gsheet:new")

    assert result.exit_code == 3
    assert "Settings" in result.stderr
    assert not google.fake.spreadsheets
