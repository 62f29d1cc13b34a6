"""One truth for blocked key results: the sheet's Status column is a key result's own status,
and `okr status --format json` says both (`status`, and `own_status` as the sheet has it)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Google


def test_a_blocked_key_result_carries_the_status_the_sheet_shows(
    okr: Any, google: Google, gexample: str
) -> None:
    # On its own numbers SALES-1.1 is on pace; what it needs upstream will fall short.
    assert okr("checkin", "SALES-1.1", "--value", "90", "-w", gexample).exit_code == 0
    status = okr("status", "-w", gexample, "-f", "json").json()
    objectives = {o["id"]: o for o in status["objectives"]}
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}

    blocked = krs["SALES-1.1"]  # short of what it needs upstream
    assert blocked["blocked_by"] and blocked["status"] == "at risk"
    assert blocked["own_status"] == "on track"
    free = krs["SALES-1.2"]
    assert free["blocked_by"] == [] and free["own_status"] == free["status"]
    # The objective, as the sheet and its Dashboard roll it up: from its key results' own.
    sales = objectives["SALES-1"]
    own = [k["own_status"] for k in sales["key_results"]]
    assert sales["own_status"] in own and sales["status"] == "at risk"

    # The sheet labels its Status column as that own status.
    sid = google.sheet_id()
    header = google.fake.values(sid, "Sales")[0]
    cell = google.fake.sheet(sid, "Sales").cell(0, header.index("Status"))
    assert cell is not None and "own_status" in cell["note"]
