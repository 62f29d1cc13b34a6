"""A person moves a column of the spreadsheet between okr's read and its write (Google).

Cells are written by position, so a write planned on the columns as read would land under
other headers. Every writing command must either plan again on the columns as they are now
and write the right cells, or refuse; no cell under another header may change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Google
from tests.fakes.sheets_api import FakeGoogle
from tests.reliability.test_concurrency import before_our_write, log_of

Rows = dict[str, dict[str, Any]]


def by_id(fake: FakeGoogle, sid: str, tab: str, key: str = "ID") -> Rows:
    """Every row of a tab with an id, by id, each cell under its header (wherever that column
    is); okr's formulas are left out (the fake keeps their text through a move)."""
    header, *rows = fake.values(sid, f"'{tab}'", value_render_option="FORMULA")
    out: Rows = {}
    for row in rows:
        cells = dict(zip(header, row, strict=False))
        if cells.get(key):
            out[str(cells[key])] = {
                h: v for h, v in cells.items() if not (isinstance(v, str) and v.startswith("="))
            }
    return out


def changed(before: Rows, after: Rows) -> dict[str, set[str]]:
    """By id: the headers whose value differs (rows gone or new count as every header)."""
    out: dict[str, set[str]] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        diff = {h for h in old.keys() | new.keys() if old.get(h, "") != new.get(h, "")}
        if diff:
            out[key] = diff
    return out


def column_of(fake: FakeGoogle, sid: str, tab: str, header: str) -> int:
    """0-based index of a header in a tab's header row."""
    return list(fake.values(sid, f"'{tab}'")[0]).index(header)


Move = Callable[[FakeGoogle, str], None]


def swap(tab: str, left: str, right: str) -> Move:
    """Drag the column `right` to sit just before `left` (two neighbours trade places)."""

    def move(fake: FakeGoogle, sid: str) -> None:
        a, b = column_of(fake, sid, tab, left), column_of(fake, sid, tab, right)
        fake.move_columns(sid, tab, b, b + 1, a)

    return move


def to_front(tab: str, header: str) -> Move:
    """Drag a column to be the first (every column left of it shifts one to the right)."""

    def move(fake: FakeGoogle, sid: str) -> None:
        col = column_of(fake, sid, tab, header)
        fake.move_columns(sid, tab, col, col + 1, 0)

    return move


def test_the_fake_moves_a_column_as_a_person_would(google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    target = column_of(google.fake, sid, "Sales", "Target")
    swap("Sales", "Target", "Current")(google.fake, sid)

    assert column_of(google.fake, sid, "Sales", "Current") == target
    assert column_of(google.fake, sid, "Sales", "Target") == target + 1
    assert by_id(google.fake, sid, "Sales") == before  # the same cells, under their headers


MOVES = {
    "current-before-target": swap("Sales", "Target", "Current"),
    "current-to-front": to_front("Sales", "Current"),
    "grade-before-last-checkin": swap("Sales", "Last check-in", "Grade"),
}


@pytest.mark.parametrize("move", list(MOVES))
def test_a_checkin_with_a_column_moved_writes_the_right_cells(
    okr: Any, google: Google, gexample: str, move: str
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    moved = before_our_write(google, MOVES[move])

    result = okr("checkin", "SALES-1.2", "--value", "80%", "-w", gexample)

    assert moved and result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales")
    assert changed(before, after) == {"SALES-1.2": {"Current", "Last check-in"}}
    assert after["SALES-1.2"]["Current"] == 0.8
    assert after["SALES-1.2"]["Target"] == before["SALES-1.2"]["Target"]
    assert [r["Value"] for r in log_of(google.fake, sid, "SALES-1.2")].count(0.8) == 1


def test_a_checkin_with_a_log_column_moved_logs_under_the_right_headers(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    before_our_write(google, to_front("Check-ins", "Value"))

    result = okr("checkin", "SALES-1.2", "--value", "81%", "--note", "moved", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    ours = [r for r in log_of(google.fake, sid, "SALES-1.2") if r.get("Note") == "moved"]
    assert len(ours) == 1 and ours[0]["Value"] == 0.81


@pytest.mark.parametrize("move", list(MOVES))
def test_grade_write_with_a_column_moved_writes_grades_only(
    okr: Any, google: Google, gexample: str, move: str
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    before_our_write(google, MOVES[move])

    result = okr("grade", "--write", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales")
    # The computed Grade, and the Final grade it proposes where that was blank.
    assert {h for hs in changed(before, after).values() for h in hs} == {"Grade", "Final grade"}
    assert all(isinstance(r["Grade"], float) for r in after.values())
    assert all(r["Final grade"] == r["Grade"] for r in after.values())


@pytest.mark.parametrize("move", list(MOVES))
def test_rollover_with_a_column_moved_rebaselines_the_right_cells(
    okr: Any, google: Google, gexample: str, move: str
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    before_our_write(google, MOVES[move])

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales")
    for kr_id, row in after.items():
        if row["Type"] != "Key result":
            continue
        old = before[kr_id]
        assert (row["Kind"], row["Target"]) == (old["Kind"], old["Target"]), kr_id
        assert row["Start"] == old["Current"] and row.get("Current", "") == "", kr_id
    assert okr("validate", "-w", gexample).exit_code == 0


@pytest.mark.parametrize("move", list(MOVES))
def test_validate_fix_with_a_column_moved_writes_the_right_cells(
    okr: Any, google: Google, gexample: str, move: str
) -> None:
    sid = google.sheet_id()
    row = 1 + next(
        i
        for i, r in enumerate(google.fake.values(sid, "Sales"))
        if len(r) > 1 and r[1] == "SALES-1.1"
    )
    google.fake.set_values(sid, f"Sales!B{row}", [[""]])  # a key result without an id
    before = by_id(google.fake, sid, "Sales", key="Title")
    before_our_write(google, MOVES[move])

    result = okr("validate", "--fix", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales", key="Title")
    assert changed(before, after) == {"Qualified opportunities created": {"ID"}}
    assert after["Qualified opportunities created"]["ID"] == "SALES-1.1"


def test_a_kpi_checkin_with_a_column_moved_writes_the_right_cells(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "KPIs")
    before_our_write(google, to_front("KPIs", "Current"))

    result = okr("checkin", "KPI-1", "--value", "8,250", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "KPIs")
    assert changed(before, after) == {"KPI-1": {"Current", "Updated"}}
    assert after["KPI-1"]["Current"] == 8250


# A person types into a cell okr is about to overwrite, between its read and its write -------


def cell_of(fake: FakeGoogle, sid: str, tab: str, item: str, header: str) -> str:
    """The A1 place of an item's cell under a header (items by their ID)."""
    rows = fake.values(sid, f"'{tab}'")
    col = list(rows[0]).index(header)
    row = next(i for i, r in enumerate(rows) if len(r) > 1 and item in r[:2])
    letter = chr(ord("A") + col)
    return f"'{tab}'!{letter}{row + 1}"


def types(tab: str, item: str, header: str, value: Any) -> Move:
    def edit(fake: FakeGoogle, sid: str) -> None:
        fake.set_values(sid, cell_of(fake, sid, tab, item, header), [[value]])

    return edit


@pytest.mark.parametrize(
    ("args", "tab", "item", "header", "typed"),
    [
        (("checkin", "SALES-1.2", "--value", "80%"), "Sales", "SALES-1.2", "Current", 0.9),
        (("checkin", "SALES-1.2", "--value", "80%"), "Sales", "SALES-1.2", "Last check-in", ""),
        (("grade", "--write"), "Sales", "SALES-1.1", "Grade", 0.3),
        (("checkin", "KPI-1", "--value", "8,250"), "KPIs", "KPI-1", "Current", 9100),
    ],
    ids=["checkin-current", "checkin-date-cleared", "grade", "kpi-checkin"],
)
def test_a_value_typed_into_a_cell_being_written_is_kept_and_said(
    okr: Any,
    google: Google,
    gexample: str,
    args: tuple[str, ...],
    tab: str,
    item: str,
    header: str,
    typed: Any,
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, tab)
    log = google.fake.values(sid, "'Check-ins'")
    place = cell_of(google.fake, sid, tab, item, header).replace("'", "")
    before_our_write(google, types(tab, item, header, typed))

    result = okr(*args, "-w", gexample)

    assert result.exit_code == 5, result.stderr
    assert f"{place} ({header} of {item}, now" in result.stderr
    assert "was kept and nothing was written" in result.stderr
    expected = {item: {header}} if before[item].get(header, "") != typed else {}
    assert changed(before, by_id(google.fake, sid, tab)) == expected  # theirs, none of ours
    assert by_id(google.fake, sid, tab)[item].get(header, "") == typed
    assert google.fake.values(sid, "'Check-ins'") == log
    assert "okrsheet-undo" not in [s.title for s in google.fake.spreadsheet(sid).sheets]
    again = okr(*args, "-w", gexample)  # once seen, running it again records it
    assert again.exit_code == 0, again.stderr


def test_a_checkin_with_nothing_typed_meanwhile_costs_one_more_small_write(
    okr: Any, google: Google, gexample: str
) -> None:
    result = okr("checkin", "SALES-1.2", "--value", "80%", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    writes = google.fake.sheets_writes()
    assert len(writes) == 2  # the write (with its copies), then the scratch tab deleted
    assert list(writes[1].body["requests"][0]) == ["deleteSheet"]
    sid = google.sheet_id()
    assert "okrsheet-undo" not in [s.title for s in google.fake.spreadsheet(sid).sheets]


def test_rollover_plans_again_on_a_current_typed_meanwhile(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    before_our_write(google, types("Sales", "SALES-1.2", "Current", 0.51))

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales")
    assert after["SALES-1.2"]["Start"] == 0.51  # the person's value carried on ...
    archive = by_id(google.fake, sid, "Archive 2026-Q4")
    assert archive["SALES-1.2"]["Final value"] == 0.51  # ... and archived


def test_validate_fix_keeps_an_id_a_person_types_meanwhile(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    place = cell_of(google.fake, sid, "Sales", "SALES-1.1", "ID").replace("'", "")
    google.fake.set_values(sid, place, [[""]])  # a key result without an id ...
    before_our_write(google, lambda fake, s: fake.set_values(s, place, [["SALES-1.7"]]))

    result = okr("validate", "--fix", "-w", gexample)  # ... given one by a person meanwhile

    assert result.exit_code == 5
    assert f"{place} (ID of Qualified opportunities created, now SALES-1.7)" in result.stderr
    assert google.fake.values(sid, place) == [["SALES-1.7"]]
    assert okr("validate", "--fix", "-w", gexample).exit_code == 0
    assert google.fake.values(sid, place) == [["SALES-1.7"]]


def test_columns_moved_before_every_write_end_in_a_refusal_with_nothing_wrong_written(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    log = google.fake.values(sid, "'Check-ins'")

    def keep_moving(fake: FakeGoogle, request: Any) -> None:
        body = request.body if isinstance(request.body, dict) else {}
        if request.path.endswith(":batchUpdate") and body.get("responseRanges"):
            fake.move_columns(sid, "Sales", 9, 10, 11)  # J and K trade places, every time

    google.fake.before_request(keep_moving)

    result = okr("checkin", "SALES-1.2", "--value", "80%", "-w", gexample)

    assert result.exit_code == 5
    assert "columns were moved" in result.stderr
    assert changed(before, by_id(google.fake, sid, "Sales")) == {}
    assert google.fake.values(sid, "'Check-ins'") == log
