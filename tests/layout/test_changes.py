"""Cell changes for check-ins, grades and rollovers: the right cells, located by id on a fresh
read, and the result of applying them to a real workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from okrsheet.domain.model import CheckIn, cycle_from_name
from okrsheet.errors import InvalidWorkbook
from okrsheet.layout import parse_workbook
from okrsheet.layout.changes import (
    ARCHIVE_COLUMNS,
    Rollover,
    archive_title,
    checkin_changes,
    checkin_table,
    grade_changes,
    locate_rows,
    rollover_changes,
    row_for,
)
from okrsheet.layout.formulas import SPARE_ROWS, row_formulas
from okrsheet.layout.reader import column_letter
from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    DeleteRows,
    Formula,
    Grid,
    RawWorkbook,
    SetCells,
)
from okrsheet.stores.xlsx.store import XlsxStore

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
Q4 = cycle_from_name("2026-Q4")
Q1 = cycle_from_name("2027-Q1")


def read(path: Path) -> RawWorkbook:
    return XlsxStore(path).read(whole=True)  # as a write reads it: the Dashboard too


def log_rows(path: Path) -> int:
    grid = read(path).grid("Check-ins")
    assert grid is not None
    return len(grid.rows)


# Check-ins ------------------------------------------------------------------------------------


def test_checkin_changes_append_to_the_log_and_update_the_kr_rows(example: Path) -> None:
    raw = read(example)
    older = CheckIn(date=date(2026, 11, 14), kr_id="CORP-1.1", value=2_700_000, note="a")
    newer = CheckIn(date=date(2026, 11, 16), kr_id="CORP-1.1", value=2_750_000, confidence=0.8)
    sales = CheckIn(date=date(2026, 11, 15), kr_id="SALES-1.2", value=0.74, author="Marcus")
    changes = checkin_changes(raw, [newer, older, sales])

    append = changes[0]
    assert isinstance(append, AppendRows)
    assert append.tab == "Check-ins"
    assert append.rows == [
        [date(2026, 11, 16), "CORP-1.1", 2_750_000, 0.8, None, None, None, None],
        [date(2026, 11, 14), "CORP-1.1", 2_700_000, None, "a", None, None, None],
        [date(2026, 11, 15), "SALES-1.2", 0.74, None, None, "Marcus", None, None],
    ]
    sets = {c.tab: c.cells for c in changes[1:] if isinstance(c, SetCells) and c.anchors}
    # The live formulas of the tabs written to are topped up in the same write, and the
    # Dashboard's written again (no result a spreadsheet program saved stays behind).
    topped = [c for c in changes if isinstance(c, SetCells) and not c.anchors]
    assert sorted(c.tab for c in topped) == ["Corporate", "Dashboard", "Sales"]
    assert all(isinstance(v, Formula) for c in topped for v in c.cells.values())
    assert len(changes) == 6
    assert sets == {
        "Corporate": {
            (3, COL["current"]): 2_750_000,
            (3, COL["last_checkin"]): date(2026, 11, 16),
            (3, COL["confidence"]): 0.8,
        },
        # No confidence given: the row's confidence is left as it is.
        "Sales": {(4, COL["current"]): 0.74, (4, COL["last_checkin"]): date(2026, 11, 15)},
    }


def test_checkin_lands_in_the_workbook_and_reads_back(example: Path) -> None:
    store = XlsxStore(example)
    before = log_rows(example)
    checkin = CheckIn(date=date(2026, 11, 16), kr_id="SALES-1.1", value=80, confidence=0.55)
    store.update(lambda raw: checkin_changes(raw, [checkin]))
    assert log_rows(example) == before + 1
    parsed = parse_workbook(store.read())
    kr = parsed.plan.key_result("SALES-1.1")
    assert kr is not None
    assert (kr.current, kr.confidence, kr.last_checkin) == (80, 0.55, date(2026, 11, 16))
    assert [f for f in parsed.findings if f.code == "drift"] == []
    assert parsed.plan.checkins_of("SALES-1.1")[-1].value == 80


def test_checkin_finds_kr_rows_after_people_moved_them(example: Path) -> None:
    workbook = openpyxl.load_workbook(example)
    sheet = workbook["Sales"]
    # A title row above the header, and the last two KR rows swapped.
    sheet.insert_rows(1)
    sheet["A1"] = "Sales team OKRs"
    width = len(OKR_COLUMNS)
    row5 = [sheet.cell(5, c).value for c in range(1, width + 1)]
    row6 = [sheet.cell(6, c).value for c in range(1, width + 1)]
    for col in range(1, width + 1):
        sheet.cell(5, col).value = row6[col - 1]
        sheet.cell(6, col).value = row5[col - 1]
    workbook.save(example)

    raw = read(example)
    located = locate_rows(raw, ["SALES-1.2", "SALES-1.3", "NOPE"])
    assert {k: (t.title, r) for k, (t, r) in located.items()} == {
        "SALES-1.2": ("Sales", 6),
        "SALES-1.3": ("Sales", 5),
    }
    checkin = CheckIn(date=date(2026, 11, 16), kr_id="SALES-1.2", value=0.8)
    changes = checkin_changes(raw, [checkin])
    assert (
        SetCells(
            "Sales",
            {(6, COL["current"]): 0.8, (6, COL["last_checkin"]): date(2026, 11, 16)},
            anchors={6: (COL["id"], "SALES-1.2")},
        )
        in changes
    )
    XlsxStore(example).update(lambda fresh: checkin_changes(fresh, [checkin]))
    sheet = openpyxl.load_workbook(example)["Sales"]
    assert sheet.cell(6, COL["id"]).value == "SALES-1.2"
    assert sheet.cell(6, COL["current"]).value == 0.8
    assert sheet.cell(5, COL["current"]).value != 0.8


def test_a_back_dated_checkin_goes_to_the_log_only(example: Path) -> None:
    raw = read(example)
    late = CheckIn(date=date(2026, 11, 1), kr_id="CORP-1.1", value=1)
    changes = checkin_changes(raw, [late], logged={"CORP-1.1": date(2026, 11, 12)})
    assert [type(c) for c in changes] == [AppendRows]
    # Same day as the newest logged entry still updates the row.
    same_day = CheckIn(date=date(2026, 11, 12), kr_id="CORP-1.1", value=2)
    changes = checkin_changes(raw, [same_day], logged={"CORP-1.1": date(2026, 11, 12)})
    # The row's cells, then its tab's live formulas topped up, then the Dashboard's.
    assert [type(c) for c in changes] == [AppendRows, SetCells, SetCells, SetCells]
    last = changes[-1]
    assert isinstance(last, SetCells) and last.tab == "Dashboard"


def test_a_checkin_for_a_vanished_kr_writes_nothing(example: Path) -> None:
    raw = read(example)
    checkin = CheckIn(date=date(2026, 11, 16), kr_id="GONE-1.1", value=1)
    with pytest.raises(InvalidWorkbook, match="GONE-1.1 are no longer in the workbook"):
        checkin_changes(raw, [checkin])


def test_the_log_is_found_by_its_headers_wherever_its_columns_are() -> None:
    okr = Grid(
        "Team",
        [
            ["Type", "ID", "Title", "Start", "Target", "Due", "Current"],
            ["Objective", "T-1", "x"],
            ["Key result", "T-1.1", "y", 0, 1, "2026-12-01"],
        ],
    )
    log = Grid("History", [["Note", "Value", "My column", "Date", "KR ID"]])
    raw = RawWorkbook([okr, log])
    assert checkin_table(raw).title == "History"
    changes = checkin_changes(
        raw, [CheckIn(date=date(2026, 11, 16), kr_id="T-1.1", value=0.5, note="n")]
    )
    assert changes[0] == AppendRows("History", [["n", 0.5, None, date(2026, 11, 16), "T-1.1"]])
    # The OKR tab has no Last check-in or Confidence column: only Current is set.
    assert changes[1] == SetCells("Team", {(3, 7): 0.5}, anchors={3: (2, "T-1.1")})


def test_row_for_places_values_under_headers() -> None:
    table = checkin_table(RawWorkbook([Grid("Check-ins", [["Value", "", "Date", "KR ID"]])]))
    assert row_for(table, {"date": date(2026, 1, 1), "kr_id": "K", "note": "dropped"}) == [
        None,
        None,
        date(2026, 1, 1),
        "K",
    ]


def test_without_a_log_there_is_nowhere_to_record(example: Path) -> None:
    workbook = openpyxl.load_workbook(example)
    del workbook["Check-ins"]
    workbook.save(example)
    with pytest.raises(InvalidWorkbook, match="no 'Check-ins' tab"):
        checkin_changes(
            read(example), [CheckIn(date=date(2026, 11, 16), kr_id="CORP-1.1", value=1)]
        )


# Grades ---------------------------------------------------------------------------------------


def test_grade_changes_write_the_grade_column_by_id(example: Path) -> None:
    raw = read(example)
    changes = grade_changes(raw, {"SALES-1": 0.6, "SALES-1.1": 0.7, "CORP-1.1": None, "NOPE": 1})
    assert {c.tab: c.cells for c in changes if isinstance(c, SetCells) and c.anchors} == {
        "Sales": {(2, COL["grade"]): 0.6, (3, COL["grade"]): 0.7},
        "Corporate": {(3, COL["grade"]): None},
    }
    XlsxStore(example).update(lambda fresh: grade_changes(fresh, {"SALES-1.1": 0.7}))
    parsed = parse_workbook(read(example))
    assert parsed.plan.key_result("SALES-1.1").grade == 0.7  # type: ignore[union-attr]
    assert parsed.errors == []


def test_grading_a_tab_without_a_grade_column_is_refused(example: Path) -> None:
    workbook = openpyxl.load_workbook(example)
    workbook["Sales"].cell(1, COL["grade"]).value = None
    workbook.save(example)
    with pytest.raises(InvalidWorkbook, match="no Grade column"):
        grade_changes(read(example), {"SALES-1.1": 0.5})


# Rollover -------------------------------------------------------------------------------------


def _rollover(example: Path) -> tuple[RawWorkbook, Rollover, list[object]]:
    raw = read(example)
    plan = parse_workbook(raw).plan
    rollover = Rollover(
        old=Q4,
        new=Q1,
        carried=frozenset({"SALES-1", "SALES-1.1"}),
        grades={"SALES-1.1": 0.4, "CORP-1": 0.7},
    )
    return raw, rollover, list(rollover_changes(raw, plan, rollover))


def test_rollover_changes(example: Path) -> None:
    raw, rollover, changes = _rollover(example)
    plan = parse_workbook(raw).plan
    carried = plan.key_result("SALES-1.1")
    assert carried is not None
    sets = [c for c in changes if isinstance(c, SetCells)]
    deletes = {c.tab: c.rows for c in changes if isinstance(c, DeleteRows)}
    adds = [c for c in changes if isinstance(c, AddTab)]

    # The carried KR is re-baselined at its last value, in its current row; the carried
    # objective's old grade is cleared, and so is the dependency on an archived KR.
    assert carried.depends_on == ("MARKET-1.1",)
    # The closing judgement belongs to the old cycle too.
    judged = ("final_grade", "grade_reason", "worked", "to_change", "next_cycle")
    assert sets[0] == SetCells(
        "Sales",
        {
            (2, COL["grade"]): None,
            **{(row, COL[key]): None for row in (2, 3) for key in judged},
            (3, COL["depends_on"]): None,
            (3, COL["start"]): carried.value,
            (3, COL["current"]): None,
            (3, COL["due"]): Q1.end,
            (3, COL["last_checkin"]): None,
            (3, COL["grade"]): None,
        },
        # Each row written carries its id, for a store that checks where the write landed.
        {2: (COL["id"], "SALES-1"), 3: (COL["id"], "SALES-1.1")},
    )
    assert {c.id_column for c in changes if isinstance(c, DeleteRows)} == {COL["id"]}
    assert deletes == {
        "Corporate": (2, 3, 4, 5, 6, 7, 8, 9),
        "Sales": (4, 5),
        "Marketing": (2, 3, 4, 5),
        "Tom Alvarez": (2, 3, 4, 5),
    }
    # The formulas of the tab that lost rows are rewritten for the rows as they will be.
    [sales] = [c for c in sets if c.tab == "Sales" and (2, COL["progress"]) in c.cells]
    last = 3 + SPARE_ROWS
    assert sales.cells[(2, COL["progress"])] == row_formulas(COL, 2, 2, last)["progress"]
    assert max(row for row, _ in sales.cells) == last
    assert (
        SetCells(
            "Settings",
            {(3, 2): "2027-Q1", (4, 2): Q1.start, (5, 2): Q1.end},
            {3: (1, "Cycle"), 4: (1, "Cycle start"), 5: (1, "Cycle end")},
        )
        in sets
    )
    assert len(adds) == 1
    archive = adds[0].spec
    assert archive.title == archive_title(Q4) == "Archive 2026-Q4"
    assert [c.header for c in archive.columns] == list(ARCHIVE_COLUMNS)
    assert len(archive.rows) == len(plan.objectives) + len(plan.key_results)
    by_id = {row[2]: row for row in archive.rows}
    assert by_id["SALES-1.1"][0] == "Sales"
    assert by_id["SALES-1.1"][11] == carried.value
    assert by_id["SALES-1.1"][16:18] == [0.4, "carried to 2027-Q1"]
    assert by_id["CORP-1"][16:18] == [0.7, "archived"]
    assert by_id["CORP-1.2"][16:18] == [None, "archived"]


def test_rollover_applied_to_the_workbook(example: Path) -> None:
    store = XlsxStore(example)
    raw = store.read()
    old_value = parse_workbook(raw).plan.key_result("SALES-1.1").value  # type: ignore[union-attr]
    _, rollover, _ = _rollover(example)
    plan = parse_workbook(raw).plan
    store.update(lambda fresh: rollover_changes(fresh, plan, rollover))

    fresh = store.read()
    assert fresh.titles[-1] == "Archive 2026-Q4"
    parsed = parse_workbook(fresh)
    assert parsed.plan.cycle == Q1
    assert [o.id for o in parsed.plan.objectives] == ["SALES-1"]
    [kr] = parsed.plan.key_results
    assert (kr.id, kr.start, kr.current, kr.due, kr.grade) == (
        "SALES-1.1",
        old_value,
        None,
        Q1.end,
        None,
    )
    # (SALES-1.1 depends on the archived MARKET-1.1: see the test below.)
    assert [f for f in parsed.errors if f.code != "unknown-dependency"] == []
    sheet = openpyxl.load_workbook(example)["Sales"]
    progress = column_letter(COL["progress"])
    last = 3 + SPARE_ROWS
    assert sheet[f"{progress}2"].value == row_formulas(COL, 2, 2, last)["progress"].text
    assert sheet[f"{progress}3"].value == row_formulas(COL, 3, 2, last)["progress"].text
    assert all(sheet.cell(r, c).value is None for r in range(4, sheet.max_row + 1) for c in (1, 2))
    # Rolling the same cycle over twice is refused.
    with pytest.raises(InvalidWorkbook, match="already exists"):
        rollover_changes(fresh, plan, rollover)


def test_rollover_leaves_no_dependency_on_an_archived_kr(example: Path) -> None:
    """SALES-1.1 depends on MARKET-1.1. When SALES-1.1 goes on and MARKET-1.1 is archived, the
    rolled-over workbook must still be valid: an 'unknown-dependency' error would make every
    later write (check-ins, grades) refuse to run until someone edits the cell by hand."""
    store = XlsxStore(example)
    raw, rollover, _ = _rollover(example)
    plan = parse_workbook(raw).plan
    assert plan.key_result("SALES-1.1").depends_on == ("MARKET-1.1",)  # type: ignore[union-attr]
    assert "MARKET-1.1" not in rollover.carried
    store.update(lambda fresh: rollover_changes(fresh, plan, rollover))
    parsed = parse_workbook(store.read())
    assert [str(f) for f in parsed.errors] == []


def test_rollover_needs_the_cycle_rows_in_settings(example: Path) -> None:
    _, rollover, _ = _rollover(example)
    plan = parse_workbook(read(example)).plan
    workbook = openpyxl.load_workbook(example)
    settings = workbook["Settings"]
    row = next(r for r in range(1, 20) if settings.cell(r, 1).value == "Cycle end")
    settings.cell(row, 1).value = "Something else"
    workbook.save(example)
    with pytest.raises(InvalidWorkbook, match="lacks a Cycle, Cycle start or Cycle end"):
        rollover_changes(read(example), plan, rollover)
