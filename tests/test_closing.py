"""Closing a cycle with judgement: the computed grade and the owner's Final grade with a reason,
the retrospective, and `okr rollover` following carry over / drop; on .xlsx and on Google."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.layout.schema import OKR_COLUMNS
from tests.conftest import Google, type_cells

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
END = "2026-12-31"


def row_of(path: Path, tab: str, item_id: str) -> int:
    sheet = openpyxl.load_workbook(path)[tab]
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, COL["id"]).value == item_id)


def cell(path: Path, tab: str, item_id: str, key: str) -> Any:
    return openpyxl.load_workbook(path)[tab].cell(row_of(path, tab, item_id), COL[key]).value


def type_in(path: Path, tab: str, item_id: str, **values: Any) -> None:
    row = row_of(path, tab, item_id)
    type_cells(path, {tab: {(row, COL[key]): value for key, value in values.items()}})


def grades(okr: Any, path: Path) -> dict[str, Any]:
    result = okr("grade", "-w", str(path), "-f", "json", "--as-of", END)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


def test_grade_write_proposes_the_final_grade_and_keeps_the_owners(okr: Any, example: Path) -> None:
    type_in(example, "Sales", "SALES-1", final_grade=0.9, grade_reason="the pipeline is real")

    written = okr("grade", "--write", "-w", str(example), "-f", "json", "--as-of", END)

    assert written.exit_code == 0, written.stderr
    computed = cell(example, "Sales", "SALES-1.1", "grade")
    assert cell(example, "Sales", "SALES-1.1", "final_grade") == computed
    assert cell(example, "Sales", "SALES-1", "final_grade") == 0.9  # the owner's stays
    assert cell(example, "Sales", "SALES-1", "grade") not in (None, 0.9)
    report = {o["id"]: o for o in written.json()["objectives"]}
    assert report["SALES-1"]["final_grade"] == 0.9
    assert report["SALES-1"]["reason"] == "the pipeline is real"
    assert report["CORP-1"]["final_grade"] == report["CORP-1"]["grade"]
    assert okr("validate", "-w", str(example), "-f", "json").json()["errors"] == 0


def test_a_changed_final_grade_needs_a_reason(okr: Any, example: Path) -> None:
    assert okr("grade", "--write", "-w", str(example), "--as-of", END).exit_code == 0
    type_in(example, "Sales", "SALES-1.2", final_grade="0.95")

    found = okr("validate", "-w", str(example), "-f", "json").json()["findings"]

    letter = openpyxl.utils.get_column_letter(COL["grade_reason"])
    row = row_of(example, "Sales", "SALES-1.2")
    missing = [f for f in found if f["code"] == "missing-reason"]
    assert [(f["severity"], f["where"]) for f in missing] == [("error", f"Sales!{letter}{row}")]
    assert "differs from the computed grade" in missing[0]["message"]
    # Nothing rolls over while a judgement lacks its reason.
    assert okr("rollover", "--to", "2027-Q1", "-w", str(example)).exit_code == 3

    type_in(example, "Sales", "SALES-1.2", grade_reason="the forecast held all quarter")
    again = okr("validate", "-w", str(example), "-f", "json").json()["findings"]
    assert not [f for f in again if f["code"] == "missing-reason"]


@pytest.mark.parametrize("bad", ["1.5", "soon"])
def test_a_bad_final_grade_names_its_cell(okr: Any, example: Path, bad: str) -> None:
    type_in(example, "Sales", "SALES-1.2", final_grade=bad, next_cycle="maybe")

    found = okr("validate", "-w", str(example), "-f", "json").json()["findings"]

    wheres = {f["where"] for f in found if f["code"] == "bad-cell"}
    row = row_of(example, "Sales", "SALES-1.2")
    final = openpyxl.utils.get_column_letter(COL["final_grade"])
    nxt = openpyxl.utils.get_column_letter(COL["next_cycle"])
    assert wheres == {f"Sales!{final}{row}", f"Sales!{nxt}{row}"}


def test_grade_and_report_show_the_judgement_and_the_retrospective(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    type_in(
        example,
        "Sales",
        "SALES-1",
        final_grade=0.5,
        grade_reason="demos came late",
        worked="weekly pipeline reviews",
        to_change="start the demo work in week one",
        next_cycle="Carry over",
    )

    data = {o["id"]: o for o in grades(okr, example)["objectives"]}
    table = okr("grade", "-w", str(example), "--as-of", END)
    page = tmp_path / "report.html"
    made = okr("report", "-w", str(example), "--as-of", END, "--out", str(page))

    assert data["SALES-1"]["worked"] == "weekly pipeline reviews"
    assert data["SALES-1"]["to_change"] == "start the demo work in week one"
    assert data["SALES-1"]["next_cycle"] == "carry over"
    for text in ("final 0.50 (demos came late)", "weekly pipeline reviews", "carry over"):
        assert text in table.stdout
    assert made.exit_code == 0, made.stderr
    html = page.read_text(encoding="utf-8")
    for text in ("Final grade", "demos came late", "start the demo work in week one"):
        assert text in html


def test_rollover_follows_carry_over_and_drop(okr: Any, example: Path) -> None:
    w = ("-w", str(example))
    before = okr("status", *w, "-f", "json").json()
    by_id = {o["id"]: o for o in before["objectives"]}
    assert by_id["MARKET-1"]["status"] != "done"  # unfinished: would carry over by default
    type_in(example, "Marketing", "MARKET-1", next_cycle="drop")
    done_kr = "CORP-2.3"  # a milestone checked in as done: archived by default
    assert okr("checkin", done_kr, "--value", "done", *w).exit_code == 0
    type_in(example, "Corporate", done_kr, next_cycle="carry over", worked="shipped early")
    type_in(example, "Sales", "SALES-1.2", next_cycle="drop")

    rolled = okr("rollover", "--to", "2027-Q1", *w)

    assert rolled.exit_code == 0, rolled.stderr
    after = okr("status", *w, "-f", "json", "--as-of", "2027-01-04").json()
    objectives = {o["id"] for o in after["objectives"]}
    krs = {k["id"] for o in after["objectives"] for k in o["key_results"]}
    assert "MARKET-1" not in objectives and not {k for k in krs if k.startswith("MARKET-1.")}
    assert done_kr in krs and "SALES-1.2" not in krs
    # The judgement stays in the archive; the carried row starts the new cycle blank.
    assert cell(example, "Corporate", done_kr, "next_cycle") is None
    assert cell(example, "Corporate", done_kr, "worked") is None
    archive = openpyxl.load_workbook(example)["Archive 2026-Q4"]
    header = [c.value for c in archive[1]]
    rows = {r[header.index("ID")]: r for r in archive.iter_rows(min_row=2, values_only=True)}
    assert rows["MARKET-1"][header.index("Next cycle")] == "drop"
    assert rows[done_kr][header.index("What worked")] == "shipped early"


def test_validate_fix_adds_the_columns_to_an_older_workbook(okr: Any, example: Path) -> None:
    book = openpyxl.load_workbook(example)
    for tab in ("Corporate", "Sales", "Marketing", "Tom Alvarez"):
        book[tab].delete_cols(COL["commitment"], len(OKR_COLUMNS))
    book.save(example)
    assert okr("grade", "--write", "-w", str(example), "--as-of", END).exit_code == 0

    fixed = okr("validate", "-w", str(example), "--fix")

    assert fixed.exit_code == 0, fixed.stderr
    header = [c.value for c in openpyxl.load_workbook(example)["Sales"][1]]
    for name in ("Commitment", "Final grade", "Grade reason", "What worked", "Next cycle"):
        assert name in header
    assert okr("grade", "--write", "-w", str(example), "--as-of", END).exit_code == 0
    sheet = openpyxl.load_workbook(example)["Sales"]
    final = header.index("Final grade") + 1
    assert sheet.cell(row_of(example, "Sales", "SALES-1.1"), final).value is not None


def test_google_closes_a_cycle_too(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    rows = google.fake.values(sid, "Sales")
    header = rows[0]
    row = next(i for i, r in enumerate(rows, start=1) if len(r) > 1 and r[1] == "SALES-1")
    reason = openpyxl.utils.get_column_letter(header.index("Grade reason") + 1)
    google.fake.set_values(sid, f"Sales!{reason}{row}", [["held back by hiring"]])

    written = okr("grade", "--write", "-w", gexample, "--as-of", END)
    assert written.exit_code == 0, written.stderr
    final = header.index("Final grade")
    values = google.fake.values(sid, "Sales")
    assert values[row - 1][final] not in ("", None)
    google.fake.set_values(
        sid, f"Sales!{openpyxl.utils.get_column_letter(final + 1)}{row}", [["0.2"]]
    )

    data = okr("grade", "-w", gexample, "-f", "json", "--as-of", END).json()
    sales = next(o for o in data["objectives"] if o["id"] == "SALES-1")
    assert sales["final_grade"] == 0.2 and sales["reason"] == "held back by hiring"
    assert okr("validate", "-w", gexample, "-f", "json").json()["errors"] == 0
