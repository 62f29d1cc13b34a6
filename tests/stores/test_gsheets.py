"""The Google Sheets store on the in-process fake: API-call budget, what lands where, and
safety while people edit the sheet between our read and our write."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.base import (
    AddTab,
    Change,
    ColumnSpec,
    DeleteRows,
    Grid,
    RawWorkbook,
    SetCells,
    TabSpec,
)
from okrsheet.stores.google.http import QUOTA_WAIT
from okrsheet.stores.google.store import (
    LAYOUT_MARK,
    SCRATCH_TAB,
    SETUP_TAB,
    _Guard,
    _requests_for,
    _Sheet,
)
from okrsheet.stores.primitives import column_letter
from tests.conftest import BOT, Google
from tests.fakes.sheets_api import FakeGoogle, FakeRequest

REPORTS = [
    ("status", "-f", "json"),
    ("lagging", "-f", "json"),
    ("validate",),
    ("grade", "-f", "json"),
    ("todo", "--owner", "Marcus Webb", "-f", "json"),
    ("history", "SALES-1.1", "-f", "json"),
    ("tree", "-f", "json"),
    ("deps", "--owner", "Marcus Webb", "-f", "json"),
]


def kr_row(fake: FakeGoogle, sid: str, tab: str, kr_id: str) -> dict[str, Any]:
    """A key result's row as written (calculated cells as their formulas' text)."""
    rows = fake.values(sid, tab, value_render_option="FORMULA")
    header = rows[0]
    id_col = header.index("ID")
    return next(
        dict(zip(header, r, strict=False)) for r in rows if len(r) > id_col and r[id_col] == kr_id
    )


def log_rows(fake: FakeGoogle, sid: str, kr_id: str) -> list[dict[str, Any]]:
    rows = fake.values(sid, "Check-ins")
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if kr_id in r]


def letter(key: str) -> str:
    """The column letter of an OKR tab column, as `okr init` lays the tab out."""
    return column_letter(next(i for i, c in enumerate(OKR_COLUMNS, start=1) if c.key == key))


def only_on_batch_update(request: FakeRequest) -> bool:
    return request.path.endswith(":batchUpdate")


#: Calls one whole read of a workbook costs: the tab list, then every tab's values.
READ = 2


# Budget -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", REPORTS, ids=lambda a: a[0])
def test_a_report_is_one_lean_read(
    okr: Any, google: Google, gexample: str, args: tuple[str, ...]
) -> None:
    result = okr(*args, "-w", gexample)

    assert result.exit_code == 0, result.stderr  # lagging exits 6 only with --fail
    assert google.fake.count("sheets-read") == READ
    assert google.fake.count("sheets-write") == 0
    assert google.fake.count("drive") == 0
    meta, values = google.fake.sheets_reads()
    assert meta.query["includeGridData"] == ["false"]
    assert not re.search(r"[,(]data\(", meta.query["fields"][0])  # no cells
    assert values.path.endswith("/values:batchGetByDataFilter")
    assert values.body["valueRenderOption"] == "UNFORMATTED_VALUE"
    assert values.body["dateTimeRenderOption"] == "SERIAL_NUMBER"
    assert all(call.query.get("prettyPrint") == ["false"] for call in (meta, values))
    assert google.fake.bytes_received() < 100_000


def test_a_checkin_is_one_read_and_one_write(okr: Any, google: Google, gexample: str) -> None:
    result = okr("checkin", "SALES-1.1", "--value", "70", "--confidence", "0.6", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert google.fake.count("sheets-read") == READ
    # One write, then one small call deleting the scratch tab it was checked with.
    assert google.fake.count("sheets-write") == 2
    row = kr_row(google.fake, google.sheet_id(), "Sales", "SALES-1.1")
    assert row["Current"] == 70
    assert row["Confidence"] == 0.6
    assert (
        len([r for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1") if r["Value"] == 70])
        == 1
    )


def drive_calls(fake: FakeGoogle) -> list[str]:
    """The Drive calls made, as `METHOD path` with the file id left out."""
    return [
        f"{e.request.method} {re.sub(r'/files/[^/]+', '/files/ID', e.request.path)}"
        for e in fake.exchanges
        if e.request.kind == "drive"
    ]


def people_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "team", "email"])
        for n in range(count):
            writer.writerow([f"Person {n:03d}", f"Team {n % 7}", f"p{n}@acme.test"])
    return path


def test_init_with_150_people_lays_out_in_three_writes_and_reads_lean(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    """One 150-person init (its layout takes seconds on the fake), then what it costs: the
    writes and Drive calls of the init, no request over 2 MB, and a report of 2 reads."""
    people = people_csv(tmp_path / "people.csv", 150)
    shares = ["ceo@acme.test", "coo@acme.test"]

    result = okr(
        "init",
        "gsheet:new",
        "--people",
        str(people),
        "--tabs",
        "person",  # a tab each: the layout at its largest
        "--cycle",
        "2026-Q4",
        "--title",
        "Acme OKRs",
        "--share",
        shares[0],
        "--share",
        shares[1],
    )

    assert result.exit_code == 0, result.stderr
    # The layout in parts of at most 1.5 MB: four with the calculated columns (commitment and
    # confidence among them) and the Dashboard.
    assert google.fake.count("sheets-write") <= 4
    assert google.fake.count("sheets-read") == 0
    sent = [e.request_bytes for e in google.fake.exchanges if e.request.kind == "sheets-write"]
    assert max(sent) < 2_000_000
    # One search for an unfinished spreadsheet, the spreadsheet made (marked unfinished), one
    # call per share, and the mark cleared.
    assert drive_calls(google.fake) == [
        "GET /drive/v3/files",
        "POST /drive/v3/files",
        *["POST /drive/v3/files/ID/permissions"] * len(shares),
        "PATCH /drive/v3/files/ID",
    ]
    titles = [s.title for s in google.fake.spreadsheets[google.sheet_id()].sheets]
    assert "Person 000" in titles and "Person 149" in titles
    assert not any(t.startswith((LAYOUT_MARK, SETUP_TAB)) for t in titles)
    assert google.fake.spreadsheets[google.sheet_id()].properties["title"] == "Acme OKRs"
    google.fake.reset_calls()
    assert okr("validate", "-w", google.location()).exit_code == 0
    assert google.fake.count("sheets-read") == READ
    google.fake.reset_calls()

    status = okr("status", "-f", "json", "-w", google.location())

    assert status.exit_code == 0, status.stderr
    assert google.fake.count("sheets-read") == READ
    assert google.fake.bytes_received() < 300_000


def test_init_prints_where_the_new_spreadsheet_is(okr: Any, google: Google) -> None:
    result = okr("init", "gsheet:new", "--cycle", "2026-Q4")

    assert result.exit_code == 0, result.stderr
    assert f"https://docs.google.com/spreadsheets/d/{google.sheet_id()}" in result.stderr
    assert f"OKR_WORKBOOK=gsheet:{google.sheet_id()}" in result.stderr


def test_init_lays_out_the_sheet_for_people(okr: Any, google: Google, gexample: str) -> None:
    sheet = google.fake.sheet(google.sheet_id(), "Sales")
    props = sheet.properties["gridProperties"]
    assert props["frozenRowCount"] == 1
    header = google.fake.values(google.sheet_id(), "Sales")[0]
    assert {"ID", "Start", "Target", "Due", "Current"} <= set(header)
    due_col = header.index("Due")
    cell = sheet.cell(2, due_col)  # row 3: the first key result
    assert cell is not None
    assert cell["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert "numberValue" in cell["userEnteredValue"]
    assert any("dataValidation" in (c or {}) for row in sheet.rows for c in row)
    assert sheet.basic_filter


def test_init_refuses_a_spreadsheet_that_is_not_empty(okr: Any, google: Google) -> None:
    sid = google.fake.add_spreadsheet({"Budget": [["Item", "Cost"], ["Rent", 1200]]})
    google.fake.set_access(sid, {BOT: "writer"})

    result = okr("init", f"gsheet:{sid}", "--cycle", "2026-Q4")

    assert result.exit_code == 2
    assert "not empty" in result.stderr
    assert google.fake.values(sid, "Budget") == [["Item", "Cost"], ["Rent", 1200]]


def test_init_fills_an_empty_shared_spreadsheet(okr: Any, google: Google) -> None:
    sid = google.fake.add_spreadsheet({"Sheet1": []})
    google.fake.set_access(sid, {BOT: "writer"})

    assert okr("init", f"gsheet:{sid}", "--cycle", "2026-Q4").exit_code == 0
    assert (
        okr("validate", "-w", f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0").exit_code
        == 0
    )


# Text stays text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note", ['=HYPERLINK("http://evil.test","x")', "=IMPORTXML(A1,B1)", "+1", "-1+1", "@SUM(1)"]
)
def test_a_note_is_never_a_formula(okr: Any, google: Google, gexample: str, note: str) -> None:
    result = okr("checkin", "SALES-1.1", "--value", "71", "--note", note, "-w", gexample)

    assert result.exit_code == 0, result.stderr
    sheet = google.fake.sheet(google.sheet_id(), "Check-ins")
    stored = [
        c
        for row in sheet.rows
        for c in row
        if c and c.get("userEnteredValue") == {"stringValue": note}
    ]
    assert len(stored) == 1
    assert not any(
        "formulaValue" in (c.get("userEnteredValue") or {}) for row in sheet.rows for c in row if c
    )


# Safety while people edit -----------------------------------------------------------------------


def edit_before_write(google: Google, edit: Any) -> None:
    """Run `edit(fake, sid)` once, just before our batchUpdate is handled."""
    done: list[bool] = []

    def hook(fake: FakeGoogle, request: FakeRequest) -> None:
        if only_on_batch_update(request) and not done:
            done.append(True)
            edit(fake, google.sheet_id())

    google.fake.before_request(hook)


def test_a_row_inserted_between_read_and_write_does_not_misplace_the_write(
    okr: Any, google: Google, gexample: str
) -> None:
    before = {
        r["ID"]: r
        for r in (
            dict(zip(google.fake.values(google.sheet_id(), "Sales")[0], row, strict=False))
            for row in google.fake.values(google.sheet_id(), "Sales")[1:]
        )
        if r.get("ID")
    }
    edit_before_write(
        google, lambda fake, sid: fake.insert_rows(sid, "Sales", 1, [["(typed by a person)"]])
    )

    result = okr("checkin", "SALES-1.1", "--value", "77", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    rows = google.fake.values(google.sheet_id(), "Sales")
    assert [v for v in rows[1] if v not in (None, "")] == ["(typed by a person)"]
    after = {
        r["ID"]: r
        for r in (dict(zip(rows[0], row, strict=False)) for row in rows[1:])
        if r.get("ID")
    }
    assert after["SALES-1.1"]["Current"] == 77
    for kr_id, row in before.items():
        if kr_id != "SALES-1.1":  # every other row as it was (the live formula aside)
            assert {**after[kr_id], "Progress": None} == {**row, "Progress": None}, kr_id
    assert (
        len([r for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1") if r["Value"] == 77])
        == 1
    )
    # Noticed in the write's own answer, taken back, planned again from a fresh read; the
    # scratch tab holding the copy of the cells written is deleted after the write.
    assert google.fake.count("sheets-read") == 2 * READ
    assert google.fake.count("sheets-write") == 4


def test_rows_sorted_between_read_and_write(okr: Any, google: Google, gexample: str) -> None:
    edit_before_write(google, lambda fake, sid: fake.sort_rows(sid, "Sales", 3, descending=True))

    result = okr("checkin", "SALES-1.2", "--value", "5%", "-w", gexample)  # a percent KR

    assert result.exit_code == 0, result.stderr
    assert kr_row(google.fake, google.sheet_id(), "Sales", "SALES-1.2")["Current"] == 0.05
    assert okr("validate", "-w", gexample).exit_code == 0


def test_a_key_result_deleted_between_read_and_write_stops_with_nothing_written(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    rows = google.fake.values(sid, "Sales")
    index = next(i for i, r in enumerate(rows) if "SALES-1.1" in r)
    log_before = google.fake.values(sid, "Check-ins")
    edit_before_write(google, lambda fake, s: fake.delete_rows(s, "Sales", index, index + 1))

    result = okr("checkin", "SALES-1.1", "--value", "88", "-w", gexample)

    assert result.exit_code == 3  # the workbook changed under the command (exit-codes.md)
    assert "SALES-1.1" in result.stderr and "nothing was written" in result.stderr
    assert google.fake.values(sid, "Check-ins") == log_before
    expected = rows[:index] + rows[index + 1 :]
    # Typed rows as they were; the taken-back write may leave one more formula-only row below
    # the prepared ones (no content, see the notes of the live formulas).
    after = google.fake.values(sid, "Sales")
    assert after[: len(expected)] == expected
    assert all(not any(v not in ("", None) for v in r[:13]) for r in after[len(expected) :])


# Faults -----------------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried_and_honoured(
    okr: Any, google: Google, gexample: str
) -> None:
    google.fake.fail_next(429, times=2, retry_after=7)

    result = okr("status", "-f", "json", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert google.fake.count("sheets-read") == 2 + READ  # the tab list asked for 3 times
    assert google.sleeps[:2] and all(s >= 7 for s in google.sleeps[:2])


def test_a_permanent_429_gives_up_after_the_documented_wait(
    okr: Any, google: Google, gexample: str
) -> None:
    google.fake.fail_next(429, times=1000)

    result = okr("status", "-w", gexample)

    assert result.exit_code == 5
    assert "quota exceeded ('Read requests per minute per user')" in result.stderr
    assert "Quotas" in result.stderr  # where a higher one is asked for
    assert QUOTA_WAIT - 62 <= sum(google.sleeps) <= QUOTA_WAIT
    assert google.fake.count("sheets-read") == len(google.sleeps) + 1


def test_with_a_read_quota_of_5_a_minute_8_reports_in_a_row_all_wait_and_succeed(
    okr: Any, google: Google, gexample: str
) -> None:
    google.fake.set_quota("sheets-read", 5)
    waits: list[float] = []

    for _run in range(8):
        before = sum(google.sleeps)
        result = okr("status", "-f", "json", "-w", gexample)
        assert result.exit_code == 0, result.stderr
        waits.append(sum(google.sleeps) - before)

    assert google.fake.count("sheets-read") >= 8 * READ
    assert any(waits) and max(waits) <= QUOTA_WAIT
    refused = [e for e in google.fake.exchanges if e.outcome == "quota"]
    assert refused and all(e.status == 429 for e in refused)


def test_a_write_waits_for_the_quota_too(okr: Any, google: Google, gexample: str) -> None:
    google.fake.set_quota("sheets-write", 0)  # refused until the quota is lifted
    lifted: list[bool] = []

    def lift(fake: FakeGoogle, request: FakeRequest) -> None:
        if google.sleeps and not lifted:  # the first wait is over: the minute has passed
            lifted.append(True)
            fake.set_quota("sheets-write", None)

    google.fake.before_request(lift)

    result = okr("checkin", "SALES-1.1", "--value", "61", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert len(log_rows(google.fake, google.sheet_id(), "SALES-1.1")) >= 1
    assert [r["Value"] for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1")].count(
        61
    ) == 1
    assert 1 <= google.sleeps[0] <= 62


def test_the_quota_wait_is_said_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from okrsheet.stores.google import http as google_http

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr("sys.stderr", stream)
        google_http.say("waiting for Google's quota", terminal_only=True)
        assert ("waiting for Google's quota" in stream.getvalue()) is shown


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_the_write_never_duplicate_a_checkin(
    okr: Any, google: Google, gexample: str, status: int
) -> None:
    google.fake.fail_next(status, times=1, match=only_on_batch_update)

    result = okr("checkin", "SALES-1.1", "--value", "66", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert (
        len([r for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1") if r["Value"] == 66])
        == 1
    )


@pytest.mark.parametrize("timeout", [False, True])
def test_a_lost_answer_after_the_write_landed_is_not_sent_again(
    okr: Any, google: Google, gexample: str, timeout: bool
) -> None:
    google.fake.drop_next(times=1, timeout=timeout, after_apply=True, match=only_on_batch_update)

    result = okr("checkin", "SALES-1.1", "--value", "65", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    # The re-read saw it landed: only its scratch tab is left to delete.
    assert google.fake.count("sheets-write") == 2
    assert (
        len([r for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1") if r["Value"] == 65])
        == 1
    )
    assert kr_row(google.fake, google.sheet_id(), "Sales", "SALES-1.1")["Current"] == 65


def test_a_write_whose_answer_is_lost_three_times_lands_once_and_a_rerun_is_new(
    okr: Any, google: Google, gexample: str
) -> None:
    google.fake.drop_next(times=3, after_apply=True, match=only_on_batch_update)
    first = okr("checkin", "SALES-1.1", "--value", "64", "-w", gexample)
    again = okr("checkin", "SALES-1.1", "--value", "64", "-w", gexample)

    assert first.exit_code == 0, first.stderr  # the write landed and the re-read saw it
    assert again.exit_code == 0, again.stderr
    # Confirmed, the run again is a new check-in, as on a local workbook (docs/reliability.md,
    # "Check-in identity"): two lines, two ids.
    lines = [r for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1") if r["Value"] == 64]
    assert len(lines) == 2
    assert len({r["Check-in ID"] for r in lines}) == 2


def test_timeouts_on_a_read_are_retried(okr: Any, google: Google, gexample: str) -> None:
    google.fake.drop_next(times=2, timeout=True)

    assert okr("status", "-w", gexample).exit_code == 0
    assert google.fake.count("sheets-read") == 2 + READ


# Errors a person can act on ---------------------------------------------------------------------


def test_403_names_the_account_to_share_with(okr: Any, google: Google) -> None:
    sid = google.fake.add_spreadsheet({"Sheet1": [["x"]]})
    google.fake.set_access(sid, {"someone@acme.test": "writer"})

    result = okr("status", "-w", f"gsheet:{sid}")

    assert result.exit_code == 7
    assert BOT in result.stderr and "share" in result.stderr.casefold()


def test_404_says_the_id_is_wrong_or_not_shared(okr: Any, google: Google) -> None:
    result = okr("status", "-w", "gsheet:1NoSuchSpreadsheet0000000000000000000000000")

    assert result.exit_code == 4
    assert "no spreadsheet found" in result.stderr and BOT in result.stderr


def test_disabled_api_says_to_enable_it(okr: Any, google: Google, gexample: str) -> None:
    google.fake.fail_next(
        403,
        message="Google Sheets API has not been used in project 123 before or it is disabled.",
    )

    result = okr("status", "-w", gexample)

    assert result.exit_code == 5
    assert "enable the Google Sheets API" in result.stderr


def test_expired_tokens_are_refreshed_without_the_user_noticing(
    okr: Any, google: Google, gexample: str
) -> None:
    google.fake.expire_tokens()

    assert okr("status", "-w", gexample).exit_code == 0


def test_a_revoked_key_is_an_auth_error_that_prints_no_secret(
    okr: Any, google: Google, gexample: str, tmp_path: Path
) -> None:
    from tests.fakes.sheets_api import service_account_info

    other = FakeGoogle()  # a key the fake Google never heard of
    stale = tmp_path / "stale.json"
    info = service_account_info(other, "old-bot@fake-project.iam.gserviceaccount.com")
    stale.write_text(__import__("json").dumps(info))

    result = okr("--credentials", str(stale), "status", "-w", gexample)

    assert result.exit_code == 7
    assert "old-bot@fake-project.iam.gserviceaccount.com" in result.stderr
    output = result.stdout + result.stderr
    assert "PRIVATE KEY" not in output and "ya29" not in output


def test_no_google_credentials_at_all(okr: Any) -> None:
    result = okr("status", "-w", "gsheet:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")

    assert result.exit_code == 7
    assert "--credentials" in result.stderr


def test_nearing_googles_limits_is_a_warning(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    requests = [{"addSheet": {"properties": {"title": f"Spare {n}"}}} for n in range(180)]
    google.fake.batch_update(sid, requests)

    result = okr("status", "-f", "json", "-w", gexample)

    assert result.exit_code == 0
    assert "close to Google's limit of 200" in result.stderr


@pytest.mark.parametrize(
    ("args", "writes"),
    [
        # The second write deletes the scratch tab that let the write be checked.
        (("grade", "--write"), 2),
        (("rollover", "--to", "2027-Q1"), 2),
        (("checkin", "--from", "updates.csv"), 2),
    ],
    ids=lambda a: a[0] if isinstance(a, tuple) else str(a),
)
def test_every_writing_command_is_one_read_and_one_write(
    okr: Any, google: Google, gexample: str, args: tuple[str, ...], writes: int, tmp_path: Path
) -> None:
    (tmp_path / "updates.csv").write_text(
        "kr_id,value,confidence,note\nSALES-1.1,90,70%,ok\nSALES-1.2,0.8,,\nMARKET-1.1,10,,x\n"
    )

    result = okr(*args, "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert (google.fake.count("sheets-read"), google.fake.count("sheets-write")) == (READ, writes)
    assert SCRATCH_TAB not in [s.title for s in google.fake.spreadsheet(google.sheet_id()).sheets]
    google.fake.reset_calls()
    assert okr("validate", "-w", gexample).exit_code == 0


def test_a_tab_renamed_between_read_and_write(okr: Any, google: Google, gexample: str) -> None:
    edit_before_write(google, lambda fake, sid: fake.rename_tab(sid, "Sales", "Sales team"))

    result = okr("checkin", "SALES-1.1", "--value", "79", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert kr_row(google.fake, google.sheet_id(), "Sales team", "SALES-1.1")["Current"] == 79
    assert (
        len([r for r in log_rows(google.fake, google.sheet_id(), "SALES-1.1") if r["Value"] == 79])
        == 1
    )


# Taking back a write that deletes rows (a rollover) -----------------------------------------------


def _data_sheet(fake: FakeGoogle) -> tuple[str, RawWorkbook, dict[str, _Sheet]]:
    """A tab of rows with ids, names and a formula per row, as okr would read it."""
    sid = fake.add_spreadsheet(
        {
            "Data": [["ID", "Name", "Shout"], ["a", "ann"], ["b", "bob"], ["c", "cy"]],
            "Other": [["x"]],
        },
        row_count=8,
        column_count=4,
    )
    for row in (2, 3, 4):
        fake.set_values(sid, f"Data!C{row}", [[f'=B{row}&"!"']])
    raw = RawWorkbook([Grid(t, fake.values(sid, t)) for t in ("Data", "Other")])
    index = {
        s.title: _Sheet(s.sheet_id, s.title, s.row_count, s.column_count)
        for s in fake.spreadsheet(sid).sheets
    }
    return sid, raw, index


#: Rename the row of "a", delete the row of "b", add an archive tab.
_CHANGES: list[Change] = [
    SetCells("Data", {(2, 2): "ANN"}, {2: (1, "a")}),
    DeleteRows("Data", (3,), id_column=1),
    AddTab(TabSpec("Archive", [ColumnSpec("ID")], rows=[["b"]])),
]


def _write(fake: FakeGoogle, sid: str, guard: _Guard) -> dict[tuple[int, int], Any]:
    """Send the checked write as `update` does; the scratch copies' cells afterwards."""
    fake.batch_update(sid, guard.copies() + _requests_for(_CHANGES, guard.index, guard.added))
    rows = fake.values(sid, SCRATCH_TAB)
    return {(r, c): v for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v != ""}


def test_a_checked_write_on_unmoved_rows_is_kept(google: Google) -> None:
    fake = google.fake
    sid, raw, index = _data_sheet(fake)
    guard = _Guard(_CHANGES, raw, index)

    copied = _write(fake, sid, guard)

    assert guard.active and guard.held(copied)
    assert [r[:2] for r in fake.values(sid, "Data")] == [["ID", "Name"], ["a", "ANN"], ["c", "cy"]]
    assert fake.sheet(sid, SCRATCH_TAB).properties["hidden"] is True


def test_taking_back_a_checked_write_restores_a_row_that_was_not_ours(google: Google) -> None:
    """A person inserted a row above ours between the read and the write: the write renamed
    their row and deleted the row of "a". Taking it back restores both exactly (values,
    formulas, formats), and leaves no archive or scratch tab."""
    fake = google.fake
    sid, raw, index = _data_sheet(fake)
    guard = _Guard(_CHANGES, raw, index)
    fake.insert_rows(sid, "Data", 1, [["z", "zed"]])
    fake.set_values(sid, "Data!C2", [['=B2&"?"']])
    fake.batch_update(
        sid,
        [
            {
                "repeatCell": {
                    "range": {
                        "sheetId": index["Data"].sheet_id,
                        "startRowIndex": 2,
                        "endRowIndex": 3,
                    },
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        ],
    )
    before = fake.values(sid, "Data")
    formulas = [fake.cell(sid, f"Data!C{r}").get("userEnteredValue") for r in range(1, 7)]

    copied = _write(fake, sid, guard)

    assert [r[:2] for r in fake.values(sid, "Data")] == [
        ["ID", "Name"],
        ["z", "ANN"],
        ["b", "bob"],
        ["c", "cy"],
    ]
    assert not guard.held(copied)

    fake.batch_update(sid, guard.undo())

    assert fake.values(sid, "Data") == before
    assert [r[:2] for r in before[1:3]] == [["z", "zed"], ["a", "ann"]]
    assert [fake.cell(sid, f"Data!C{r}").get("userEnteredValue") for r in range(1, 7)] == formulas
    assert fake.cell(sid, "Data!A3")["userEnteredFormat"]["textFormat"]["bold"] is True
    assert [s.title for s in fake.spreadsheet(sid).sheets] == ["Data", "Other"]


def test_a_scratch_tab_left_behind_is_never_read_and_goes_with_the_next_write(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    fake = google.fake
    fake.batch_update(
        sid,
        [{"addSheet": {"properties": {"sheetId": 999, "title": SCRATCH_TAB, "hidden": True}}}],
    )
    fake.set_values(
        sid, f"'{SCRATCH_TAB}'!A1", [["Type", "ID", "Title"], ["Key result", "X-1", "x"]]
    )

    validate = okr("validate", "-f", "json", "-w", gexample)
    status = okr("status", "-f", "json", "-w", gexample)

    assert validate.exit_code == 0 and validate.json()["errors"] == 0, validate.stdout
    assert SCRATCH_TAB not in validate.stdout + validate.stderr  # not even an unknown tab
    assert status.exit_code == 0 and "X-1" not in status.stdout
    assert okr("checkin", "SALES-1.1", "--value", "70", "-w", gexample).exit_code == 0

    assert SCRATCH_TAB not in [s.title for s in fake.spreadsheet(sid).sheets]


def test_the_multi_account_url_form_names_the_spreadsheet(
    okr: Any, google: Google, gexample: str
) -> None:
    url = f"https://docs.google.com/spreadsheets/u/1/d/{google.sheet_id()}/edit#gid=0"

    result = okr("status", "-f", "json", "-w", url)

    assert result.exit_code == 0, result.stderr
    assert result.json()["objectives"]


def test_a_write_over_the_budget_sends_its_filled_formulas_after_it(
    okr: Any, google: Google, gexample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import okrsheet.stores.google.store as gsheets

    budget = 30_000
    monkeypatch.setattr(gsheets, "CHUNK_BYTES", budget)
    sid = google.sheet_id()
    google.fake.reset_calls()

    result = okr("grade", "--write", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    writes = google.fake.sheets_writes()
    assert len(writes) > 1
    first, *rest = [w.body["requests"] for w in writes]
    # The write itself holds no formulas: they follow, each call within the budget.
    assert not [r for r in first if "formulaValue" in str(r.get("repeatCell", ""))]
    *rest, scratch = rest  # the scratch tab the write was checked with goes last
    assert scratch == [{"deleteSheet": {"sheetId": scratch[0]["deleteSheet"]["sheetId"]}}]
    assert all("formulaValue" in str(r) for part in rest for r in part)
    sent = [e.request_bytes for e in google.fake.exchanges if e.request.kind == "sheets-write"]
    assert max(sent[1:]) <= budget
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Grade"] not in ("", None)
    status = google.fake.cell(sid, f"Sales!{letter('status')}2")["userEnteredValue"]
    assert status["formulaValue"].startswith(f"=IF(${letter('calc_row')}2=")
