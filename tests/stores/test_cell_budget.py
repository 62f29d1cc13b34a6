"""Google's cell budget, scaled down from benchmarks/cells.py (1,000 people, 8 rollovers): the
live spreadsheet stays within the cells per person that keep 1,000 people under 5,000,000
cells, quarter after quarter, and every past check-in stays reachable by `okr history`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks.cells import TARGET_CELLS, layout_cells, live_cells, simulate
from tests.conftest import Google

#: Cells a person may take in the live spreadsheet at a quarter's end, its weekly check-ins
#: logged: their tab (62 rows × 52 columns), their share of the log (12 key results × 13
#: weeks × 8 columns), of the Dashboard and People; and what does not grow with people (Guide,
#: Settings, Corporate, Initiatives, KPIs, and the Dashboard's room for more objectives).
BUDGET = {"person tabs": 3_300, "log": 12 * 13 * 8 + 8, "dashboard and people": 300}
PER_PERSON = sum(BUDGET.values())
FIXED = {"rest": 5_000, "dashboard and people": 2_500, "person tabs": 0, "log": 0}
PEOPLE = 3


def test_the_budget_keeps_a_thousand_people_under_five_million_cells() -> None:
    assert sum(FIXED.values()) + 1_000 * PER_PERSON < TARGET_CELLS


def test_a_company_rolled_over_quarter_after_quarter_keeps_within_the_budget(
    okr: Any, google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    def at(*args: str, today: date) -> Any:
        monkeypatch.setenv("OKR_TODAY", today.isoformat())
        return okr(*args)

    # A small archive limit: the third quarter goes to a second archive spreadsheet.
    found, sid = simulate(google.fake, at, PEOPLE, 3, archive_cells=10_000)

    for quarter in found.quarters:
        assert quarter.logged >= PEOPLE * 12 * 12  # every key result, every week
        assert quarter.peak <= sum(FIXED.values()) + PEOPLE * PER_PERSON, quarter
        for part, cells in quarter.parts.items():
            assert cells <= FIXED[part] + PEOPLE * BUDGET.get(part, 0), (part, quarter)
        # The rollover takes the quarter's log away: what is left does not grow.
        assert quarter.after <= quarter.peak - quarter.logged * 8 + 8 * 20
    assert found.quarters[-1].after == found.quarters[0].after
    # What the layout asks for is what the spreadsheet gets (benchmarks/cells.py --layout
    # counts 1,000 people that way), and a rollover leaves the log its header row.
    tabs = layout_cells(PEOPLE)
    assert found.made == sum(tabs.values())
    assert found.quarters[-1].after == found.made - tabs["Check-ins"] + 8
    assert live_cells(google.fake, sid) == found.quarters[-1].after
    assert found.person_tab_cells / PEOPLE <= 3_300
    # Every past check-in is in an archive, and `okr history --cycle` shows each quarter.
    assert len({q.archive for q in found.quarters}) == 2  # a new one once the first filled
    assert found.reachable
    assert found.history_checked == 3


def test_google_tabs_are_made_close_to_their_rows_and_grow_as_check_ins_come(
    okr: Any, google: Google, gexample: str, tmp_path: Path
) -> None:
    fake, sid = google.fake, gexample.removeprefix("gsheet:")
    log = fake.sheet(sid, "Check-ins")
    used = log.last_content_row()
    assert log.row_count == used + 5  # the rows, and a margin of 5 (was at least 200)
    assert fake.sheet(sid, "Initiatives").row_count == 20  # at least 20
    values = list(range(84, 76, -1))  # CORP-1.2 (a decrease from 85) each day of a week
    updates = tmp_path / "updates.csv"
    updates.write_text(
        "kr_id,value,date\n"
        + "".join(f"CORP-1.2,{v},2026-11-{5 + n:02d}\n" for n, v in enumerate(values))
    )

    result = okr("checkin", "--from", str(updates), "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert log.last_content_row() == used + len(values)  # past the margin: the grid grew
    assert log.row_count >= used + len(values)
    history = okr("history", "CORP-1.2", "-w", gexample, "-f", "json").json()
    shown = {(c["date"], c["value"]) for c in history["checkins"]}
    assert {(f"2026-11-{5 + n:02d}", float(v)) for n, v in enumerate(values)} <= shown
