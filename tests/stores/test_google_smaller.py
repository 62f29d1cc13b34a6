"""Smaller things seen on Google: a 503 on the create, a Drive search answered 400, what
`validate --fix` costs."""

from __future__ import annotations

from typing import Any

from tests.conftest import Google

INIT = ("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")
READ = 2  # one read of the workbook: the tab list, then the values


def test_a_503_on_the_create_is_retried_once_the_search_says_nothing_was_made(
    okr: Any, google: Google
) -> None:
    google.fake.fail_next(503, match=lambda r: r.method == "POST" and r.path == "/drive/v3/files")

    result = okr(*INIT)

    assert result.exit_code == 0, result.stderr
    (sid,) = google.fake.spreadsheets  # one spreadsheet, finished
    assert "Settings" in [s.title for s in google.fake.spreadsheet(sid).sheets]
    assert google.fake.app_properties.get(sid, {}).get("okrsheet-unfinished") is None


def test_a_drive_search_answered_400_says_the_spreadsheet_is_made_unmarked(
    okr: Any, google: Google
) -> None:
    google.fake.fail_next(
        400, match=lambda r: r.method == "GET" and r.kind == "drive", message="Invalid query"
    )

    result = okr(*INIT)

    assert result.exit_code == 0, result.stderr
    assert "Google Drive could not be searched (" in result.stderr
    assert "without the mark" in result.stderr
    assert len(google.fake.spreadsheets) == 1


def test_validate_fix_costs_what_the_docs_say(okr: Any, google: Google, gexample: str) -> None:
    """docs/google.md: 1 read + 1 write (+ 1 deleting the scratch tab when it sets cells of
    key result rows), then 1 read for the report."""
    sid = google.sheet_id()
    rows = google.fake.values(sid, "Sales")
    row = next(i for i, r in enumerate(rows) if len(r) > 1 and r[1] == "SALES-1.2") + 1
    google.fake.set_values(sid, f"Sales!B{row}", [[""]])
    google.fake.reset_calls()

    assert okr("validate", "--fix", "-w", gexample).exit_code == 0

    assert google.fake.count("sheets-read") == 2 * READ
    assert google.fake.count("sheets-write") == 2
