"""More writing commands with a column moved (and a Current typed) between okr's read and its
write on Google (issue 26 points 1 and 3): a batch of check-ins from a CSV file, and `okr sync`.
Each either plans again and writes the right cells, or refuses; no cell under another header
changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from okrsheet.stores.primitives import column_letter
from tests.conftest import Google
from tests.reliability.test_concurrency import before_our_write, log_of
from tests.reliability.test_moved_columns import MOVES, by_id, cell_of, changed, types


@pytest.mark.parametrize("move", list(MOVES))
def test_a_batch_of_checkins_with_a_column_moved_writes_the_right_cells(
    okr: Any, google: Google, gexample: str, move: str, tmp_path: Path
) -> None:
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    batch = tmp_path / "week.csv"
    batch.write_text("kr_id,value\nSALES-1.2,80%\nSALES-1.3,3.5\n", encoding="utf-8")
    moved = before_our_write(google, MOVES[move])

    result = okr("checkin", "--from", str(batch), "-w", gexample)

    assert moved and result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales")
    assert changed(before, after) == {
        "SALES-1.2": {"Current", "Last check-in"},
        "SALES-1.3": {"Current", "Last check-in"},
    }
    assert (after["SALES-1.2"]["Current"], after["SALES-1.3"]["Current"]) == (0.8, 3.5)
    assert after["SALES-1.2"]["Target"] == before["SALES-1.2"]["Target"]
    assert [r["Value"] for r in log_of(google.fake, sid, "SALES-1.3")].count(3.5) == 1


def _with_a_source(google: Google) -> None:
    """SALES-1.1 (qualified opportunities) fed by a column of another spreadsheet."""
    fake = google.fake
    sid = google.sheet_id()
    source = fake.add_spreadsheet({"Pipeline": [["Week", "Opps"], [1, 140], [2, 150]]})
    fake.spreadsheets[sid] = fake.spreadsheets.pop(sid)  # the workbook stays the newest one
    header = fake.values(sid, "Sales")[0]
    col = column_letter(len(header) + 1)
    row = next(
        i for i, r in enumerate(fake.values(sid, "Sales"), start=1)
        if len(r) > 1 and r[1] == "SALES-1.1"
    )  # fmt: skip
    fake.set_values(sid, f"Sales!{col}1", [["Source"]], value_input_option="RAW")
    fake.set_values(
        sid, f"Sales!{col}{row}", [[f"gsheet:{source}!Pipeline!B:B"]], value_input_option="RAW"
    )
    fake.reset_calls()


@pytest.mark.parametrize("move", ["current-before-target", "current-to-front"])
def test_sync_with_a_column_moved_writes_the_right_cells(
    okr: Any, google: Google, gexample: str, move: str
) -> None:
    _with_a_source(google)
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    moved = before_our_write(google, MOVES[move])

    result = okr("sync", "-w", gexample)

    assert moved and result.exit_code == 0, result.stderr
    after = by_id(google.fake, sid, "Sales")
    assert set(changed(before, after)) == {"SALES-1.1"}
    assert changed(before, after)["SALES-1.1"] <= {"Current", "Last check-in", "Synced"}
    assert after["SALES-1.1"]["Current"] == 150
    assert after["SALES-1.1"]["Target"] == before["SALES-1.1"]["Target"]


def test_sync_with_a_current_typed_meanwhile_keeps_it_and_writes_nothing(
    okr: Any, google: Google, gexample: str
) -> None:
    _with_a_source(google)
    sid = google.sheet_id()
    before = by_id(google.fake, sid, "Sales")
    log = google.fake.values(sid, "'Check-ins'")
    place = cell_of(google.fake, sid, "Sales", "SALES-1.1", "Current").replace("'", "")
    before_our_write(google, types("Sales", "SALES-1.1", "Current", 155))

    result = okr("sync", "-w", gexample)

    assert result.exit_code == 5, result.stderr
    assert f"{place} (Current of SALES-1.1, now" in result.stderr
    after = by_id(google.fake, sid, "Sales")
    assert changed(before, after) == {"SALES-1.1": {"Current"}}  # theirs, none of ours
    assert after["SALES-1.1"]["Current"] == 155
    assert google.fake.values(sid, "'Check-ins'") == log
