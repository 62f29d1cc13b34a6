"""The Google store at scale and on failures a layout in parts can meet: request sizes under
the budget, a part that fails for good, the spreadsheet never lost, a rerun that reuses it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import okrsheet.stores.google.store as gsheets_module
from okrsheet.stores.google.chunks import BUDGET, chunks, size, split
from okrsheet.stores.google.http import DRIVE_API
from okrsheet.stores.google.store import LAYOUT_MARK, SETUP_TAB, UNFINISHED
from tests.conftest import BOT, Google
from tests.fakes.sheets_api import SPREADSHEET_MIME, FakeRequest, raw_session

TWO_MB = 2_000_000
DRIVE_OFF = "Google Drive API has not been used in project 123 before or it is disabled."


def titles(google: Google, sid: str) -> list[str]:
    return [s.title for s in google.fake.spreadsheet(sid).sheets]


def unfinished(google: Google, sid: str) -> str | None:
    """The mark okrsheet's account set on a spreadsheet it has not finished, if any."""
    return google.fake.app_properties.get(sid, {}).get(BOT, {}).get(UNFINISHED)


def shared_with(google: Google, sid: str) -> set[str]:
    return {
        str(p["emailAddress"])
        for p in google.fake.permissions.get(sid, [])
        if p.get("role") == "writer" and p.get("emailAddress")
    }


def test_updatecells_too_big_for_a_request_is_split_by_rows() -> None:
    rows = [{"values": [{"userEnteredValue": {"stringValue": "x" * 100}}]} for _ in range(500)]
    request = {"updateCells": {"start": {"sheetId": 3, "rowIndex": 1}, "rows": rows, "fields": "*"}}

    parts = list(split(request, 10_000))

    assert len(parts) > 1 and all(size(p) <= 10_000 for p in parts)
    assert [p["updateCells"]["start"]["rowIndex"] for p in parts][:2] == [
        1,
        1 + len(parts[0]["updateCells"]["rows"]),
    ]
    assert sum(len(p["updateCells"]["rows"]) for p in parts) == 500
    packed = chunks([{"addSheet": {}}, request, {"setBasicFilter": {}}], 10_000)
    assert packed[0][0] == {"addSheet": {}} and packed[-1][-1] == {"setBasicFilter": {}}
    assert all(size({"requests": c}) <= 10_000 for c in packed)


def part_fails(google: Google, number: int, *, undo_fails: bool = False) -> None:
    """Layout part `number` (1-based batchUpdate) is refused for good; so is the take-back."""
    seen = [0]

    def hook(fake: Any, request: FakeRequest) -> None:
        if request.path.endswith(":batchUpdate"):
            seen[0] += 1

    google.fake.before_request(hook)

    def match(request: FakeRequest) -> bool:
        return request.path.endswith(":batchUpdate") and (
            seen[0] == number or (undo_fails and seen[0] > number)
        )

    google.fake.fail_next(400, times=100, match=match, message="Invalid requests[3]: too big")


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gsheets_module, "CHUNK_BYTES", 12_000)


@pytest.mark.usefixtures("small_parts")
def test_a_part_that_fails_for_good_is_taken_back_and_the_spreadsheet_reused(
    okr: Any, google: Google
) -> None:
    part_fails(google, 3)

    first = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")

    assert first.exit_code == 5
    (sid,) = google.fake.spreadsheets
    assert f"Created gsheet:{sid}: https://docs.google.com/spreadsheets/d/{sid}" in first.stderr
    assert re.search(r"part 3 of \d+", first.stderr) and "taken back" in first.stderr
    assert f"run the same command again: it is safe, and finishes gsheet:{sid}" in first.stderr
    assert titles(google, sid) == [SETUP_TAB]  # its one tab, named as okr names it
    google.fake._faults.clear()

    again = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")

    assert again.exit_code == 0, again.stderr
    assert f"Resuming gsheet:{sid}" in again.stderr
    assert len(google.fake.spreadsheets) == 1
    assert "Settings" in titles(google, sid) and SETUP_TAB not in titles(google, sid)
    assert unfinished(google, sid) is None


@pytest.mark.usefixtures("small_parts")
def test_a_spreadsheet_named_in_place_of_gsheet_new_is_laid_out_there(
    okr: Any, google: Google
) -> None:
    part_fails(google, 3)
    assert okr("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop").exit_code == 5
    (sid,) = google.fake.spreadsheets
    google.fake._faults.clear()

    again = okr("init", f"gsheet:{sid}", "--cycle", "2026-Q4", "--company", "Shop")

    assert again.exit_code == 0, again.stderr
    assert len(google.fake.spreadsheets) == 1
    assert "Settings" in titles(google, sid) and SETUP_TAB not in titles(google, sid)


@pytest.mark.usefixtures("small_parts")
def test_a_half_made_spreadsheet_says_where_it_is_and_a_rerun_finishes_it(
    okr: Any, google: Google
) -> None:
    part_fails(google, 3, undo_fails=True)

    first = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")

    assert first.exit_code == 5
    (sid,) = google.fake.spreadsheets
    assert "half made" in first.stderr and f"gsheet:{sid}" in first.stderr
    assert f"run the same command again: it finds gsheet:{sid}" in first.stderr
    assert any(t.startswith(LAYOUT_MARK) for t in titles(google, sid))
    google.fake._faults.clear()

    # Its own half-made layout is found and laid out again: no --force, no second spreadsheet.
    again = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")

    assert again.exit_code == 0, again.stderr
    assert len(google.fake.spreadsheets) == 1
    assert not any(t.startswith((LAYOUT_MARK, SETUP_TAB, "okr-old")) for t in titles(google, sid))
    assert unfinished(google, sid) is None
    assert okr("validate", "-w", f"gsheet:{sid}").exit_code == 0


def test_a_failed_share_names_the_spreadsheet_and_the_next_step(okr: Any, google: Google) -> None:
    google.fake.fail_next(403, match=lambda r: r.path.endswith("/permissions"), message=DRIVE_OFF)

    first = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--share", "ceo@acme.test")

    assert first.exit_code == 5
    (sid,) = google.fake.spreadsheets
    assert f"gsheet:{sid} is ready" in first.stderr
    assert f"okr share gsheet:{sid} ceo@acme.test" in first.stderr
    assert "enable the Google Sheets API (and the Google Drive API" in first.stderr
    assert unfinished(google, sid) is not None

    shared = okr("share", f"gsheet:{sid}", "ceo@acme.test")

    assert shared.exit_code == 0, shared.stderr
    assert len(google.fake.spreadsheets) == 1
    assert shared_with(google, sid) == {"ceo@acme.test"}
    # Finished by hand: the same init run again makes a new spreadsheet.
    assert unfinished(google, sid) is None


SHARED_INIT = ("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")


def test_a_failed_share_and_the_same_command_again_finish_one_spreadsheet(
    okr: Any, google: Google
) -> None:
    google.fake.fail_next(403, match=lambda r: r.path.endswith("/permissions"), message=DRIVE_OFF)

    first = okr(*SHARED_INIT, "--share", "ceo@acme.test")

    assert first.exit_code == 5
    (sid,) = google.fake.spreadsheets
    assert f"Created gsheet:{sid}" in first.stderr and f"gsheet:{sid} is ready" in first.stderr
    assert "run the same command again (it finishes this spreadsheet" in first.stderr
    laid_out = titles(google, sid)
    google.fake.reset_calls()

    again = okr(*SHARED_INIT, "--share", "ceo@acme.test")

    assert again.exit_code == 0, again.stderr
    assert f"Resuming gsheet:{sid}, made by an earlier run that did not finish" in again.stderr
    assert list(google.fake.spreadsheets) == [sid]
    assert titles(google, sid) == laid_out and "Settings" in laid_out
    assert google.fake.count("sheets-write") == 0  # laid out already: only shared
    assert shared_with(google, sid) == {"ceo@acme.test"}
    assert unfinished(google, sid) is None
    assert okr("validate", "-w", f"gsheet:{sid}").exit_code == 0


def test_a_finished_init_is_never_picked_up_by_the_same_command_again(
    okr: Any, google: Google
) -> None:
    assert okr(*SHARED_INIT, "--share", "ceo@acme.test").exit_code == 0
    first = google.sheet_id()

    again = okr(*SHARED_INIT, "--share", "ceo@acme.test")

    assert again.exit_code == 0, again.stderr
    assert "Resuming" not in again.stderr
    assert len(google.fake.spreadsheets) == 2 and google.sheet_id() != first


@pytest.mark.parametrize(
    "other",
    [("--title", "Shop goals"), ("--company", "Other shop"), ("--cycle", "2027-Q1")],
    ids=["title", "company", "cycle"],
)
def test_an_unfinished_spreadsheet_is_not_picked_up_for_another_workbook(
    okr: Any, google: Google, other: tuple[str, str]
) -> None:
    google.fake.fail_next(403, match=lambda r: r.path.endswith("/permissions"), message=DRIVE_OFF)
    assert okr(*SHARED_INIT, "--share", "ceo@acme.test").exit_code == 5
    (first,) = google.fake.spreadsheets
    args = dict(zip(SHARED_INIT[2::2], SHARED_INIT[3::2], strict=True)) | {other[0]: other[1]}

    again = okr("init", "gsheet:new", *[v for pair in args.items() for v in pair])

    assert again.exit_code == 0, again.stderr
    assert "Resuming" not in again.stderr
    assert len(google.fake.spreadsheets) == 2
    assert unfinished(google, first) is not None  # still there to be finished


def test_an_unfinished_spreadsheet_of_another_account_is_not_picked_up(
    okr: Any, google: Google
) -> None:
    google.fake.fail_next(403, match=lambda r: r.path.endswith("/permissions"), message=DRIVE_OFF)
    assert okr(*SHARED_INIT, "--share", "ceo@acme.test").exit_code == 5
    (first,) = google.fake.spreadsheets
    # The same mark, set by another account on a spreadsheet it owns.
    other = raw_session(google.fake, "someone@acme.test")
    mark = google.fake.app_properties[first][BOT][UNFINISHED]
    made = other.post(
        DRIVE_API,
        json={"name": "x", "mimeType": SPREADSHEET_MIME, "appProperties": {UNFINISHED: mark}},
    )
    assert made.status_code == 200

    again = okr(*SHARED_INIT, "--share", "ceo@acme.test")

    assert again.exit_code == 0, again.stderr
    assert f"Resuming gsheet:{first}" in again.stderr
    assert len(google.fake.spreadsheets) == 2  # the other account's is left alone


def test_a_lost_answer_to_the_create_finds_the_spreadsheet_google_made(
    okr: Any, google: Google
) -> None:
    google.fake.drop_next(
        after_apply=True, match=lambda r: r.method == "POST" and r.path == "/drive/v3/files"
    )

    result = okr(*SHARED_INIT)

    assert result.exit_code == 0, result.stderr
    (sid,) = google.fake.spreadsheets
    assert "Settings" in titles(google, sid) and unfinished(google, sid) is None


def test_without_drive_search_a_new_spreadsheet_is_still_made(okr: Any, google: Google) -> None:
    google.fake.fail_next(403, match=lambda r: r.kind == "drive", message=DRIVE_OFF)

    result = okr(*SHARED_INIT)

    assert result.exit_code == 0, result.stderr
    (sid,) = google.fake.spreadsheets
    assert "Settings" in titles(google, sid)
    assert google.fake.count("drive") == 1  # the search only: made through Sheets, unmarked
    assert google.fake.app_properties.get(sid) is None


def test_a_full_drive_is_not_reported_as_a_sharing_problem(okr: Any, google: Google) -> None:
    from tests.fakes.sheets_api import GoogleApiError

    original = google.fake._drive_create

    def create(body: Any, principal: Any, fields: Any) -> Any:
        raise GoogleApiError(
            403,
            "The user's Drive storage quota has been exceeded.",
            reason="storageQuotaExceeded",  # Drive names it in `errors[].reason`
        )

    google.fake._drive_create = create  # type: ignore[method-assign]
    try:
        result = okr("init", "gsheet:new", "--cycle", "2026-Q4")
    finally:
        google.fake._drive_create = original  # type: ignore[method-assign]

    assert result.exit_code == 5
    assert "is full" in result.stderr and "share the spreadsheet with" not in result.stderr
    assert not google.fake.spreadsheets


def test_a_linked_workbook_google_will_not_open_is_a_warning_and_the_report_goes_on(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    corporate = tmp_path / "corp.xlsx"
    assert okr("init", str(corporate), "--example", "--cycle", "2026-Q4").exit_code == 0
    other = google.fake.add_spreadsheet({"Sheet1": [["x"]]})
    google.fake.set_access(other, {"someone@acme.test": "writer"})  # not shared with okr
    book = load_workbook(corporate)
    sheet = book["Settings"]
    row = next(
        r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "Linked workbooks"
    )
    sheet.cell(row, 2, f"gsheet:{other}")
    book.save(corporate)

    lagging = okr("lagging", "-f", "json", "-w", str(corporate))
    status = okr("status", "-f", "json", "-w", str(corporate))

    assert status.exit_code == 0, status.stderr
    assert lagging.exit_code == 0, lagging.stderr  # 6 only with --fail
    assert f"warning: Settings!B{row}: the linked workbook gsheet:{other}" in status.stderr
    assert "may not open" in status.stderr
    assert status.json()["objectives"]


# Formats kept ------------------------------------------------------------------------------------


def number_format(google: Google, sid: str, tab: str, row: int, header: str) -> str | None:
    """The number format type of a cell under `header` (1-based row) on the fake."""
    rows = google.fake.values(sid, tab)
    col = rows[0].index(header)
    cell = google.fake.sheet(sid, tab).cell(row - 1, col) or {}
    fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    return fmt.get("type")


def unit_rows(rows: list[list[Any]]) -> dict[str, int]:
    """The first 1-based row of each unit ($, %) among the KR rows."""
    unit = rows[0].index("Unit")
    found: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > unit and row[unit] in ("$", "%"):
            found.setdefault(row[unit], number)
    return found


def test_a_checkin_row_on_google_keeps_the_column_formats(
    okr: Any, google: Google, gexample: str
) -> None:
    result = okr("checkin", "SALES-1.1", "--value", "70", "--confidence", "0.7", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    sid = google.sheet_id()
    last = len(google.fake.values(sid, "Check-ins"))
    assert number_format(google, sid, "Check-ins", last, "Confidence") == "PERCENT"
    assert number_format(google, sid, "Check-ins", last, "Date") == "DATE"
    assert number_format(google, sid, "Check-ins", last, "Recorded at") == "DATE_TIME"


def test_push_and_pull_keep_unit_formats_on_start_target_current(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    local = tmp_path / "acme.xlsx"
    assert okr("init", str(local), "--example", "--cycle", "2026-Q4").exit_code == 0
    assert okr("push", str(local), "--to", "gsheet:new").exit_code == 0
    sid = google.sheet_id()
    places = {  # unit -> (tab, row)
        unit: (tab, row)
        for tab in ("Sales", "Corporate", "Marketing")
        for unit, row in unit_rows(google.fake.values(sid, tab)).items()
    }
    assert set(places) == {"$", "%"}
    kinds = {"$": "CURRENCY", "%": "PERCENT"}
    for unit, (tab, row) in places.items():
        for header in ("Start", "Target", "Current"):
            assert number_format(google, sid, tab, row, header) == kinds[unit], (unit, header)

    back = tmp_path / "back.xlsx"
    assert okr("pull", f"gsheet:{sid}", "--to", str(back)).exit_code == 0
    book = load_workbook(back)
    for unit, (tab, row) in places.items():
        sheet = book[tab]
        names = [c.value for c in sheet[1]]
        for name in ("Start", "Target", "Current"):
            assert unit in sheet.cell(row, names.index(name) + 1).number_format, (unit, name)
        assert sheet.cell(row, names.index("Due") + 1).number_format == "yyyy-mm-dd"


# Smaller failures ------------------------------------------------------------------------------


def test_an_outage_of_googles_sign_in_service_is_a_temporary_failure(
    okr: Any, google: Google, gexample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # google-auth's own retries do not sleep in tests (tests/conftest.py).
    google.fake.expire_tokens()
    google.fake.fail_next(503, times=1000, match=lambda r: r.kind == "token")

    result = okr("status", "-w", gexample)

    assert result.exit_code == 5, result.stderr
    assert "sign-in service did not answer" in result.stderr
    assert "key is still valid" not in result.stderr


@pytest.mark.parametrize(
    ("drop", "named"),
    [("private_key", "'private_key'"), ("client_email", "'client_email'")],
)
def test_a_key_file_missing_a_field_names_it(
    okr: Any, google: Google, gexample: str, drop: str, named: str
) -> None:
    import json

    info = json.loads(google.key_file.read_text())
    del info[drop]
    google.key_file.write_text(json.dumps(info))

    result = okr("status", "-w", gexample)

    assert result.exit_code == 7
    assert f"incomplete: no {named}" in result.stderr
    assert "PRIVATE KEY" not in result.stderr


def test_a_key_file_with_a_broken_private_key_says_which_field(
    okr: Any, google: Google, gexample: str
) -> None:
    import json

    info = json.loads(google.key_file.read_text())
    info["private_key"] = "-----BEGIN PRIVATE KEY-----\nZZZsecretZZZ\n-----END PRIVATE KEY-----\n"
    google.key_file.write_text(json.dumps(info))

    result = okr("status", "-w", gexample)

    assert result.exit_code == 7
    assert "'private_key'" in result.stderr and "ZZZsecretZZZ" not in result.stderr


@pytest.mark.parametrize("command", ["status", "lagging"])
def test_reports_warn_when_the_checkins_tab_was_deleted(
    okr: Any, google: Google, gexample: str, command: str
) -> None:
    sid = google.sheet_id()
    log = google.fake.sheet(sid, "Check-ins").sheet_id
    google.fake.batch_update(sid, [{"deleteSheet": {"sheetId": log}}])

    result = okr(command, "-f", "json", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert "warning: no 'Check-ins' tab" in result.stderr


def test_reads_in_one_process_ask_google_for_one_token(
    okr: Any, google: Google, gexample: str
) -> None:
    """The guided check-in reads twice (to ask, then to write): one sign-in serves both."""
    assert okr("status", "-f", "json", "-w", gexample).exit_code == 0
    assert okr("lagging", "-f", "json", "-w", gexample).exit_code == 0

    assert google.fake.count("token") == 1
    assert google.fake.count("sheets-read") == 4


def test_a_rollover_too_big_for_one_request_stages_its_archive_and_ends_the_same(
    okr: Any, google: Google, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrsheet.stores.google.store import STAGING_TAB

    def rolled(budget: int) -> tuple[list[tuple[str, bool, list[list[Any]]]], list[int]]:
        monkeypatch.setattr(gsheets_module, "CHUNK_BYTES", budget)
        assert okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4").exit_code == 0
        sid = google.sheet_id()
        google.fake.reset_calls()
        result = okr("rollover", "--to", "2027-Q1", "-w", f"gsheet:{sid}")
        assert result.exit_code == 0, result.stderr
        sizes = [e.request_bytes for e in google.fake.exchanges if e.request.kind == "sheets-write"]
        tabs = [
            (s.title, bool(s.properties.get("hidden")), google.fake.values(sid, s.title))
            for s in google.fake.spreadsheet(sid).sheets
        ]
        return tabs, sizes

    whole, one = rolled(BUDGET)
    staged, parts = rolled(3_000)

    def masked(tabs: list[tuple[str, bool, list[list[Any]]]]) -> list[Any]:
        return [(t, h, [[v for v in r if not str(v).startswith("20")] for r in rows])
                for t, h, rows in tabs]  # fmt: skip

    assert len(one) == 2 and len(parts) > 3
    assert not any(t.startswith(STAGING_TAB) for t, _h, _r in staged)
    assert masked(staged) == masked(whole)  # Recorded-at times aside
