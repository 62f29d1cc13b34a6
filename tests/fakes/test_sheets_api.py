"""Tests of the Google APIs fake: real recordings replayed, real gspread/google-auth on top."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from gspread.utils import ExportFormat, ValueInputOption

from tests.fakes.sheets_api import (
    SPREADSHEET_MIME,
    FakeGoogle,
    FakeRequest,
    NetworkBlockedError,
    apply_field_mask,
    apply_update_mask,
    authorized_session,
    authorized_user_info,
    gspread_client,
    parse_field_mask,
    raw_session,
    service_account_credentials,
)

RECORDINGS = Path(__file__).parent / "recordings"
#: The account the recordings were made with (it shows up as a protected range's editor).
RECORDED_EMAIL = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"
#: Values that differ from run to run: compared by type only, and learnt as id mappings.
VOLATILE = {
    "id",
    "spreadsheetId",
    "sheetId",
    "protectedRangeId",
    "namedRangeId",
    "metadataId",
    "createdTime",
    "modifiedTime",
    "spreadsheetUrl",
}
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"


# ---------------------------------------------------------------------------------------------
# Replaying the recordings of the real API
# ---------------------------------------------------------------------------------------------


def _compare(recorded: Any, actual: Any, path: str, ids: dict[Any, Any]) -> None:
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    if isinstance(recorded, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert set(recorded) == set(actual), (
            f"{path}: keys differ: recorded {sorted(recorded)}, fake {sorted(actual)}"
        )
        for k in recorded:
            _compare(recorded[k], actual[k], f"{path}.{k}", ids)
    elif isinstance(recorded, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        assert len(recorded) == len(actual), f"{path}: {recorded!r} != {actual!r}"
        for i, (r, a) in enumerate(zip(recorded, actual, strict=True)):
            _compare(r, a, f"{path}[{i}]", ids)
    else:
        assert type(recorded) is type(actual), f"{path}: {recorded!r} vs {actual!r} (types)"
        if key in VOLATILE:
            if recorded != actual:
                ids[recorded] = actual
        else:
            assert recorded == actual, f"{path}: recorded {recorded!r}, fake {actual!r}"


def _remap(value: Any, ids: dict[Any, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _remap(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_remap(v, ids) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value in ids:
        return ids[value]
    return value


def replay(fake: FakeGoogle, name: str) -> int:
    """Send a cassette's requests to the fake; compare each answer with the recorded one."""
    cassette = json.loads((RECORDINGS / name).read_text())
    session = raw_session(fake, RECORDED_EMAIL)
    ids: dict[Any, Any] = {}
    for n, interaction in enumerate(cassette["interactions"]):
        request, recorded = interaction["request"], interaction["response"]
        uri = request["uri"]
        for old, new in ids.items():
            if isinstance(old, str):
                uri = uri.replace(old, new)
        data = None
        if request["body"]:
            data = json.dumps(_remap(json.loads(request["body"]), ids)).encode()
        response = session.request(
            request["method"], uri, data=data, headers={"Content-Type": "application/json"}
        )
        where = f"{name} #{n} {request['method']} {uri}"
        assert response.status_code == recorded["status"]["code"], f"{where}: {response.text}"
        body = recorded["body"]["string"]
        if body.strip():
            _compare(json.loads(body), response.json(), where, ids)
        else:
            assert response.content == b"", where
    return len(cassette["interactions"])


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in RECORDINGS.glob("*.json") if "private" not in p.name),
)
def test_recordings_replay_identically(name: str) -> None:
    assert replay(FakeGoogle(), name) > 0


def test_recording_of_a_private_spreadsheet() -> None:
    fake = FakeGoogle()
    private = "1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc"
    fake.add_spreadsheet(spreadsheet_id=private, title="not yours")
    fake.set_access(private, {"someone-else@example.com": "owner"})
    replay(fake, "ClientTest.test_access_private_spreadsheet.json")


def test_recordings_credit_gspread() -> None:
    readme = (RECORDINGS / "README.md").read_text()
    assert "burnash/gspread" in readme and "MIT" in readme


# ---------------------------------------------------------------------------------------------
# Real gspread and google-auth on top of the fake
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> FakeGoogle:
    return FakeGoogle()


@pytest.fixture
def okrs(fake: FakeGoogle) -> str:
    return fake.add_spreadsheet(
        {
            "Objectives": [["id", "title", "score"], ["O1", "Grow", 0.5], ["O2", "Ship", 0.25]],
            "Bob Smith": [["due"], [dt.date(2026, 12, 31)]],
        },
        title="OKRs 2026-Q4",
    )


def test_open_by_key_and_read(fake: FakeGoogle, okrs: str) -> None:
    sh = gspread_client(fake).open_by_key(okrs)
    assert sh.title == "OKRs 2026-Q4"
    assert [ws.title for ws in sh.worksheets()] == ["Objectives", "Bob Smith"]
    ws = sh.worksheet("Objectives")
    assert ws.get_all_values() == [
        ["id", "title", "score"],
        ["O1", "Grow", "0.5"],
        ["O2", "Ship", "0.25"],
    ]
    assert ws.get("C2:C3", value_render_option="UNFORMATTED_VALUE") == [[0.5], [0.25]]
    assert sh.values_get("'Bob Smith'!A1:C3")["values"] == [["due"], ["2026-12-31"]]
    assert fake.values(okrs, "Bob Smith", dates=True) == [["due"], [dt.date(2026, 12, 31)]]


def test_update_raw_versus_user_entered(fake: FakeGoogle, okrs: str) -> None:
    ws = gspread_client(fake).open_by_key(okrs).sheet1
    ws.update(
        [["=1+1", "0042", "2020-01-01", "TRUE"]], "A5", value_input_option=ValueInputOption.raw
    )
    ws.update(
        [["=1+1", "0042", "2020-01-01", "TRUE"]],
        "A6",
        value_input_option=ValueInputOption.user_entered,
    )
    assert fake.values(okrs, "Objectives!A5:D6") == [
        ["=1+1", "0042", "2020-01-01", "TRUE"],
        [2, 42, 43831, True],
    ]
    assert ws.get("A6:D6", value_render_option="FORMULA") == [["=1+1", 42, 43831, True]]
    assert ws.get("A6:D6") == [["2", "42", "2020-01-01", "TRUE"]]
    assert fake.cell(okrs, "Objectives!C6")["userEnteredFormat"]["numberFormat"]["type"] == "DATE"


def test_append_row_and_batch_update(fake: FakeGoogle, okrs: str) -> None:
    ws = gspread_client(fake).open_by_key(okrs).sheet1
    result = ws.append_row(["O3", "Hire", 0])
    assert result["tableRange"] == "Objectives!A1:C3"
    assert result["updates"]["updatedRange"] == "Objectives!A4:C4"
    ws.batch_update(
        [{"range": "B2", "values": [["Grow more"]]}, {"range": "E1:E2", "values": [["x"], ["y"]]}]
    )
    assert fake.values(okrs, "Objectives") == [
        ["id", "title", "score", "", "x"],
        ["O1", "Grow more", 0.5, "", "y"],
        ["O2", "Ship", 0.25],
        ["O3", "Hire", 0],
    ]


def test_spreadsheet_get_with_field_masks(fake: FakeGoogle, okrs: str) -> None:
    sh = gspread_client(fake).open_by_key(okrs)
    meta = sh.fetch_sheet_metadata({"fields": "spreadsheetId,properties,sheets.properties"})
    assert set(meta) == {"spreadsheetId", "properties", "sheets"}
    assert all(set(s) == {"properties"} for s in meta["sheets"])
    fields = (
        "sheets(properties(title),"
        "data.rowData.values(userEnteredValue,effectiveValue,formattedValue,note))"
    )
    grid = sh.fetch_sheet_metadata({"fields": fields, "ranges": "Objectives!B1:C2"})
    (sheet,) = grid["sheets"]
    assert sheet["properties"] == {"title": "Objectives"}
    rows = sheet["data"][0]["rowData"]
    assert rows[1]["values"][1] == {
        "userEnteredValue": {"numberValue": 0.5},
        "effectiveValue": {"numberValue": 0.5},
        "formattedValue": "0.5",
    }
    notes = sh.fetch_sheet_metadata(
        {"fields": "sheets.data.rowData.values.note", "ranges": "Objectives"}
    )
    assert notes == {"sheets": [{"data": [{}]}]}


def test_field_mask_filter() -> None:
    tree = parse_field_mask("a,b.c,d(e,f/g),h.*")
    assert tree == {"a": None, "b": {"c": None}, "d": {"e": None, "f": {"g": None}}, "h": None}
    doc = {"a": 1, "b": [{"c": 2, "x": 3}, {"x": 4}], "d": {"e": 5, "f": {"g": 6, "y": 7}}, "z": 0}
    assert apply_field_mask(doc, tree) == {
        "a": 1,
        "b": [{"c": 2}, {}],
        "d": {"e": 5, "f": {"g": 6}},
    }
    assert parse_field_mask("*") is None
    assert apply_update_mask({"a": 1, "b": 2}, {"a": 9}, parse_field_mask("a,b")) == {"a": 9}


def test_batch_update_replies_and_atomicity(fake: FakeGoogle, okrs: str) -> None:
    sh = gspread_client(fake).open_by_key(okrs)
    before = fake.values(okrs, "Objectives")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        sh.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": "Key results"}}},
                    {
                        "updateCells": {
                            "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0},
                            "rows": [{"values": [{"userEnteredValue": {"stringValue": "gone"}}]}],
                            "fields": "userEnteredValue",
                        }
                    },
                    {"deleteSheet": {"sheetId": 4242}},
                ]
            }
        )
    assert excinfo.value.response.status_code == 400
    assert excinfo.value.response.json()["error"] == {
        "code": 400,
        "message": "Invalid requests[2].deleteSheet: No grid with id: 4242",
        "status": "INVALID_ARGUMENT",
    }
    assert [s.title for s in fake.spreadsheet(okrs).sheets] == ["Objectives", "Bob Smith"]
    assert fake.values(okrs, "Objectives") == before

    reply = sh.batch_update(
        {
            "requests": [
                {
                    "addSheet": {
                        "properties": {
                            "title": "Key results",
                            "gridProperties": {"rowCount": 5, "columnCount": 3},
                        }
                    }
                },
                {
                    "insertDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
                    }
                },
                {
                    "appendCells": {
                        "sheetId": 0,
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": "O9"}}]}],
                        "fields": "userEnteredValue",
                    }
                },
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "okr-row",
                            "metadataValue": "O2",
                            "location": {
                                "dimensionRange": {
                                    "sheetId": 0,
                                    "dimension": "ROWS",
                                    "startIndex": 3,
                                    "endIndex": 4,
                                }
                            },
                            "visibility": "DOCUMENT",
                        }
                    }
                },
                {
                    "deleteDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
                    }
                },
                {
                    "repeatCell": {
                        "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold",
                    }
                },
                {"updateBorders": {"range": {"sheetId": 0, "endRowIndex": 1}}},
                {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS"}}},
            ]
        }
    )
    replies = reply["replies"]
    assert len(replies) == 8
    assert replies[0]["addSheet"]["properties"]["gridProperties"] == {
        "rowCount": 5,
        "columnCount": 3,
    }
    assert (
        replies[3]["createDeveloperMetadata"]["developerMetadata"]["location"]["locationType"]
        == "ROW"
    )
    assert replies[1] == replies[2] == replies[4] == {}
    assert fake.values(okrs, "Objectives!A1:A5") == [["id"], ["O1"], ["O2"], ["O9"]]
    # The metadata followed its row when the row above it was deleted.
    found = sh.client.request(
        "post",
        f"{SHEETS}/{okrs}/values:batchGetByDataFilter",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "okr-row"}}]},
    ).json()
    assert found["valueRanges"][0]["valueRange"]["values"] == [["O2", "Ship", "0.25"]]


def test_values_errors_are_shaped_like_google(fake: FakeGoogle, okrs: str) -> None:
    session = raw_session(fake)
    bad = session.get(f"{SHEETS}/{okrs}/values/Nope!A1")
    assert bad.status_code == 400
    assert bad.json() == {
        "error": {
            "code": 400,
            "message": "Unable to parse range: Nope!A1",
            "status": "INVALID_ARGUMENT",
        }
    }
    missing = session.get(f"{SHEETS}/does-not-exist")
    assert missing.json()["error"]["status"] == "NOT_FOUND"
    unauthenticated = requests.Session()
    unauthenticated.mount("https://", session.get_adapter("https://"))
    assert unauthenticated.get(f"{SHEETS}/{okrs}").json()["error"]["status"] == "UNAUTHENTICATED"


def test_trailing_empty_cells_are_trimmed(fake: FakeGoogle) -> None:
    sid = fake.add_spreadsheet({"T": [["a", None, "c", None], [None], [None, "b"], [None, None]]})
    got = raw_session(fake).get(f"{SHEETS}/{sid}/values/T!A1:D4").json()
    assert got == {
        "range": "T!A1:D4",
        "majorDimension": "ROWS",
        "values": [["a", "", "c"], [], ["", "b"]],
    }
    columns = (
        raw_session(fake)
        .get(f"{SHEETS}/{sid}/values/T", params={"majorDimension": "COLUMNS"})
        .json()
    )
    assert columns["values"] == [["a"], ["", "", "b"], ["c"]]
    assert columns["range"] == "T!A1:Z1000"


# ---------------------------------------------------------------------------------------------
# Instrumentation and fault injection
# ---------------------------------------------------------------------------------------------


def test_call_counting(fake: FakeGoogle, okrs: str) -> None:
    ws = gspread_client(fake).open_by_key(okrs).sheet1
    fake.reset_calls()
    ws.get_all_values()
    ws.update([["x"]], "A9")
    assert fake.count("sheets-read") == 1 and fake.count("sheets-write") == 1
    assert [c.method for c in fake.sheets_writes()] == ["PUT"]
    method, path, query, body = fake.calls[-1]
    assert (method, path, query["valueInputOption"], body) == (
        "PUT",
        f"/v4/spreadsheets/{okrs}/values/'Objectives'!A9",
        ["RAW"],
        {"values": [["x"]], "majorDimension": None},
    )
    assert fake.bytes_sent() > 0 and fake.bytes_received() > fake.bytes_sent()


def test_fail_next_429_with_retry_after(fake: FakeGoogle, okrs: str) -> None:
    ws = gspread_client(fake).open_by_key(okrs).sheet1
    fake.fail_next(status=429, retry_after=7, match=lambda r: r.kind == "sheets-write")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        ws.update([["lost"]], "A9")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "7"
    assert excinfo.value.response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert fake.values(okrs, "Objectives!A9") == []
    ws.update([["kept"]], "A9")
    assert fake.values(okrs, "Objectives!A9") == [["kept"]]


def test_drop_before_and_after_apply(fake: FakeGoogle, okrs: str) -> None:
    ws = gspread_client(fake).open_by_key(okrs).sheet1
    fake.drop_next()
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.update([["never"]], "A9")
    assert fake.values(okrs, "Objectives!A9") == []
    fake.drop_next(timeout=True, after_apply=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.append_row(["O3", "applied but unanswered"])
    assert fake.values(okrs, "Objectives!A4:B4") == [["O3", "applied but unanswered"]]
    assert fake.exchanges[-1].outcome == "dropped-after"


def test_before_request_hook_mutates_between_read_and_write(fake: FakeGoogle, okrs: str) -> None:
    ws = gspread_client(fake).open_by_key(okrs).sheet1
    rows = ws.get_all_values()
    assert rows[2][0] == "O2"

    def person_edits(f: FakeGoogle, request: FakeRequest) -> None:
        if request.kind == "sheets-write":
            f.insert_rows(okrs, "Objectives", 1, [["O0", "Inserted by a person"]])
            f.rename_tab(okrs, "Objectives", "Goals")
            remove()

    remove = fake.before_request(person_edits)
    with pytest.raises(gspread.exceptions.APIError):  # the tab was renamed under us
        ws.update([[0.9]], "'Objectives'!C3")
    assert fake.values(okrs, "Goals!A1:A4") == [["id"], ["O0"], ["O1"], ["O2"]]
    fake.sort_rows(okrs, "Goals", 0, descending=True)
    assert fake.values(okrs, "Goals!A2:A4") == [["O2"], ["O1"], ["O0"]]


# ---------------------------------------------------------------------------------------------
# Auth and the network guard
# ---------------------------------------------------------------------------------------------


def test_service_account_flow_uses_real_google_auth(fake: FakeGoogle, okrs: str) -> None:
    creds = service_account_credentials(fake, "bot@proj.iam.gserviceaccount.com")
    assert not creds.valid
    client = gspread_client(fake, creds)
    client.open_by_key(okrs)
    assert creds.valid and creds.token.startswith("ya29.fake-")
    token_calls = [c for c in fake.calls if c.path == "/token"]
    assert len(token_calls) == 1
    assert token_calls[0].body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    fake.expire_tokens()  # 401 → google-auth refreshes and retries by itself
    client.open_by_key(okrs)
    assert len([c for c in fake.calls if c.path == "/token"]) == 2


def test_a_forged_service_account_is_refused(fake: FakeGoogle) -> None:
    other = FakeGoogle()
    creds = service_account_credentials(other, "stranger@proj.iam.gserviceaccount.com")
    session = authorized_session(fake, creds)
    with pytest.raises(Exception, match="Invalid JWT Signature"):
        session.get(f"{SHEETS}/anything")


def test_authorized_user_refresh_flow(fake: FakeGoogle, okrs: str) -> None:
    from google.oauth2.credentials import Credentials

    info = authorized_user_info(fake, "me@example.com")
    creds = Credentials.from_authorized_user_info(info)  # type: ignore[no-untyped-call]
    client = gspread_client(fake, creds)
    assert client.open_by_key(okrs).title == "OKRs 2026-Q4"
    assert fake.calls[0].body["grant_type"] == "refresh_token"


def test_readonly_scope_cannot_write(fake: FakeGoogle, okrs: str) -> None:
    session = raw_session(fake, scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"])
    assert session.get(f"{SHEETS}/{okrs}").status_code == 200
    put = session.put(
        f"{SHEETS}/{okrs}/values/A1", params={"valueInputOption": "RAW"}, json={"values": [[1]]}
    )
    assert put.status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://sheets.googleapis.com.evil/",
        "https://accounts.google.com/o/oauth2/auth",
    ],
)
def test_unknown_hosts_are_refused_immediately(fake: FakeGoogle, url: str) -> None:
    session = raw_session(fake)
    with pytest.raises(NetworkBlockedError):
        session.get(url, timeout=0.001)


def test_drive_files_and_permissions(fake: FakeGoogle) -> None:
    client = gspread_client(fake)
    sh = client.create("Fresh")
    assert [f["name"] for f in client.list_spreadsheet_files()] == ["Fresh"]
    sh.share("alice@example.com", perm_type="user", role="writer", notify=False)
    assert {p.get("emailAddress") for p in sh.list_permissions()} == {
        "okr-bot@fake-project.iam.gserviceaccount.com",
        "alice@example.com",
    }
    sh.sheet1.update([["a", "b"], [1, 2]], "A1")
    assert client.export(sh.id, ExportFormat.CSV) == b"a,b\r\n1,2\r\n"
    client.del_spreadsheet(sh.id)
    assert client.list_spreadsheet_files() == []
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open_by_key(sh.id)


DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
MARKED = "appProperties has { key='job' and value='a b' } and 'me' in owners and trashed = false"


def test_drive_app_properties_are_set_found_and_cleared_as_on_google(fake: FakeGoogle) -> None:
    bot, other = raw_session(fake, "bot@example.com"), raw_session(fake, "other@example.com")
    made = bot.post(
        DRIVE_FILES,
        params={"fields": "id,appProperties"},
        json={"name": "Plan", "mimeType": SPREADSHEET_MIME, "appProperties": {"job": "a b"}},
    ).json()
    sid = made["id"]
    assert made["appProperties"] == {"job": "a b"}
    assert [s.title for s in fake.spreadsheet(sid).sheets] == ["Sheet1"]  # as Drive makes it

    def found(session: requests.Session, q: str = MARKED) -> list[str]:
        answer = session.get(DRIVE_FILES, params={"q": q, "fields": "files(id)"})
        assert answer.status_code == 200, answer.text
        return [f["id"] for f in answer.json()["files"]]

    assert found(bot) == [sid]
    # Private to the app that set them; and `'me' in owners` is the caller.
    assert found(other) == []
    assert found(other, "appProperties has { key='job' and value='a b' }") == []
    assert (
        "appProperties"
        not in other.get(f"{DRIVE_FILES}/{sid}", params={"fields": "id,appProperties"}).json()
    )
    assert found(bot, "appProperties has { key='job' and value='a' }") == []
    # files.update: keys given are set, a null value removes its key, others stay.
    patched = bot.patch(
        f"{DRIVE_FILES}/{sid}",
        params={"fields": "appProperties"},
        json={"appProperties": {"job": None, "kept": "1"}},
    ).json()
    assert patched == {"appProperties": {"kept": "1"}}
    assert found(bot) == []


def test_drive_refuses_a_property_too_large_and_a_query_it_cannot_parse(fake: FakeGoogle) -> None:
    bot = raw_session(fake, "bot@example.com")
    too_big = bot.post(
        DRIVE_FILES,
        json={"name": "x", "mimeType": SPREADSHEET_MIME, "appProperties": {"k": "v" * 124}},
    )
    assert too_big.status_code == 400 and "124 bytes" in too_big.text
    assert fake.files == {}  # refused before anything was made
    bad = bot.get(DRIVE_FILES, params={"q": "appProperties has key='k'"})
    assert bad.status_code == 400 and "Invalid Value" in bad.text


def test_drive_search_lists_only_files_the_caller_can_see(fake: FakeGoogle) -> None:
    hidden = fake.add_spreadsheet({"Sheet1": []}, title="Hidden")
    fake.set_access(hidden, {"someone@example.com": "writer"})
    shown = fake.add_spreadsheet({"Sheet1": []}, title="Shown")
    answer = raw_session(fake, "bot@example.com").get(
        DRIVE_FILES, params={"q": f"mimeType='{SPREADSHEET_MIME}' and trashed = false"}
    )
    assert [f["id"] for f in answer.json()["files"]] == [shown]


def test_custom_hook_and_match_helpers_are_typed(fake: FakeGoogle) -> None:
    matcher: Callable[[FakeRequest], bool] = lambda r: r.spreadsheet_id == "x"  # noqa: E731
    fake.fail_next(status=503, match=matcher)
    response = raw_session(fake).get(f"{SHEETS}/x")
    assert response.status_code == 503
    assert response.json()["error"]["status"] == "UNAVAILABLE"


def test_copy_paste_copies_values_formulas_and_formats_and_moves_references(
    fake: FakeGoogle,
) -> None:
    sid = fake.add_spreadsheet(
        {"Data": [["a", 1, 2], ["b", 3, 4]], "Other": [["x"]]}, row_count=10, column_count=5
    )
    data, other = fake.sheet(sid, "Data").sheet_id, fake.sheet(sid, "Other").sheet_id
    fake.set_values(sid, "Data!D2", [["=B2+C2"]])
    fake.set_values(sid, "Data!E2", [["=$B$1+B1"]])
    sh = gspread_client(fake).open_by_key(sid)
    sh.batch_update(
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {"sheetId": data, "startRowIndex": 1, "endRowIndex": 2},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold",
                    }
                },
                {"addSheet": {"properties": {"sheetId": 77, "title": "Scratch", "hidden": True}}},
                {
                    "copyPaste": {
                        "source": {"sheetId": data, "startRowIndex": 1, "endRowIndex": 2},
                        # A one-cell destination still receives the whole row.
                        "destination": {
                            "sheetId": 77,
                            "startRowIndex": 4,
                            "endRowIndex": 5,
                            "startColumnIndex": 0,
                            "endColumnIndex": 1,
                        },
                        "pasteType": "PASTE_NORMAL",
                        "pasteOrientation": "NORMAL",
                    }
                },
                {
                    "copyPaste": {
                        "source": {"sheetId": data, "startRowIndex": 0, "endRowIndex": 1},
                        "destination": {"sheetId": other, "startRowIndex": 2, "endRowIndex": 4},
                        "pasteType": "PASTE_VALUES",
                    }
                },
            ]
        }
    )
    assert fake.spreadsheet(sid).sheet_by_id(77).properties["hidden"] is True  # type: ignore[union-attr]
    # References without a sheet name now point into Scratch (its B1 and B4 are empty).
    assert fake.values(sid, "Scratch!A5:E5") == [["b", 3, 4, 7, 0]]
    assert fake.cell(sid, "Scratch!D5")["userEnteredValue"] == {"formulaValue": "=B5+C5"}
    assert fake.cell(sid, "Scratch!E5")["userEnteredValue"] == {"formulaValue": "=$B$1+B4"}
    assert fake.cell(sid, "Scratch!A5")["userEnteredFormat"]["textFormat"]["bold"] is True
    # A destination two rows high repeats a one-row source; values only, no formulas.
    assert fake.values(sid, "Other!A3:C4") == [["a", 1, 2], ["a", 1, 2]]

    # Copied back where it came from, a moved formula is itself again.
    fake.batch_update(
        sid,
        [
            {"deleteDimension": {"range": {"sheetId": data, "dimension": "ROWS",
                                           "startIndex": 1, "endIndex": 2}}},
            {"insertDimension": {"range": {"sheetId": data, "dimension": "ROWS",
                                           "startIndex": 1, "endIndex": 2},
                                 "inheritFromBefore": True}},
            # Scratch is wider than Data (26 columns, not 5): only Data's width comes back.
            {"copyPaste": {"source": {"sheetId": 77, "startRowIndex": 4, "endRowIndex": 5,
                                      "endColumnIndex": 5},
                           "destination": {"sheetId": data, "startRowIndex": 1,
                                           "endRowIndex": 2}}},
        ],
    )  # fmt: skip
    assert fake.values(sid, "Data!A2:E2") == [["b", 3, 4, 7, 2]]
    assert fake.cell(sid, "Data!D2")["userEnteredValue"] == {"formulaValue": "=B2+C2"}
    assert fake.cell(sid, "Data!E2")["userEnteredValue"] == {"formulaValue": "=$B$1+B1"}


def test_copy_paste_refuses_what_google_refuses(fake: FakeGoogle) -> None:
    sid = fake.add_spreadsheet({"Data": [["a"], ["b"]]}, row_count=3, column_count=2)
    session = raw_session(fake)

    def paste(**body: Any) -> requests.Response:
        return session.post(f"{SHEETS}/{sid}:batchUpdate", json={"requests": [{"copyPaste": body}]})

    whole = {"sheetId": 0}
    beyond = paste(source=whole, destination={"sheetId": 0, "startRowIndex": 2})
    assert beyond.status_code == 400 and "exceeds grid limits" in beyond.json()["error"]["message"]
    wrong = paste(source=whole, destination=whole, pasteType="PASTE_EVERYTHING")
    assert wrong.status_code == 400 and "PasteType" in wrong.json()["error"]["message"]
    missing = paste(source={"sheetId": 9}, destination=whole)
    assert "No grid with id: 9" in missing.json()["error"]["message"]
    assert fake.values(sid, "Data") == [["a"], ["b"]]


def test_shift_formula_moves_relative_references_only() -> None:
    from tests.fakes.sheets_api import shift_formula

    assert shift_formula('=IF(A2="x",SUM(B2:C3),$D$1)', 3, 1) == '=IF(B5="x",SUM(C5:D6),$D$1)'
    assert shift_formula("='My tab'!A$2+LOG10(B2)", -1, 0) == "='My tab'!A$2+LOG10(B1)"
    assert shift_formula("=A1+1", -1, 0) == "=#REF!+1"
    assert shift_formula('="A1"&A1', 1, 0) == '="A1"&A2'


def test_repeat_cell_moves_a_formulas_relative_references_row_by_row(fake: FakeGoogle) -> None:
    from tests.fakes.sheets_api import formula_shifter, shift_formula

    sid = fake.add_spreadsheet({"Data": [["a", "b", "sum"], [1, 2], [3, 4], [5, 6]]})
    sheet_id = fake.sheet(sid, "Data").sheet_id
    fake.batch_update(
        sid,
        [
            {
                "repeatCell": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": 1,
                        "endRowIndex": 4,
                        "startColumnIndex": 2,
                        "endColumnIndex": 3,
                    },
                    "cell": {
                        "userEnteredValue": {"formulaValue": '=IF(A2="x","A9",A2+$B2+$A$1:B2)'}
                    },
                    "fields": "userEnteredValue",
                }
            }
        ],
    )

    assert fake.cell(sid, "Data!C4")["userEnteredValue"] == {
        "formulaValue": '=IF(A4="x","A9",A4+$B4+$A$1:B4)'
    }
    assert fake.cell(sid, "Data!C2")["userEnteredValue"] == {
        "formulaValue": '=IF(A2="x","A9",A2+$B2+$A$1:B2)'
    }
    formula = "=SUMIFS($X:$X,$Y:$Y,$Z7)+COUNTIF($A$2:$A7,\"O\")+'Tab 2'!B7"
    shift = formula_shifter(formula)
    for rows in (0, 1, 5, 93):
        assert shift(rows, 0) == shift_formula(formula, rows, 0)
    assert shift(0, 2) == shift_formula(formula, 0, 2)
