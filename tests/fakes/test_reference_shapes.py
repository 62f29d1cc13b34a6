"""okr's calls that no recording of the real API holds, checked against the published reference.

The recordings in `recordings/` (replayed by `test_sheets_api.py`) cover most of what okr sends;
these do not appear in them: `values:batchGetByDataFilter`, developer metadata (create, delete,
search, read back), `appendCells`, `appendDimension`, `addConditionalFormatRule` and Drive's
`appProperties`. Each answer of the fake is checked against the shape the API reference gives
(keys, required keys, types and enum values), written out below from these pages:

- https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/batchGetByDataFilter
- https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.developerMetadata
- https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/response
- https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/other#GridRange
- https://developers.google.com/drive/api/reference/rest/v3/files
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.fakes.sheets_api import SPREADSHEET_MIME, FakeGoogle, raw_session

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"

#: A shape: a type; a tuple of the strings an enum allows; a list of one item shape; or a dict
#: of keys to shapes ("key?" optional, "*" any key).
Shape = Any

DIMENSION_RANGE: Shape = {
    "sheetId?": int,
    "dimension": ("ROWS", "COLUMNS"),
    "startIndex?": int,
    "endIndex?": int,
}
GRID_RANGE: Shape = {
    "sheetId?": int,
    "startRowIndex?": int,
    "endRowIndex?": int,
    "startColumnIndex?": int,
    "endColumnIndex?": int,
}
LOCATION: Shape = {
    "locationType": ("ROW", "COLUMN", "SHEET", "SPREADSHEET"),
    "spreadsheet?": bool,
    "sheetId?": int,
    "dimensionRange?": DIMENSION_RANGE,
}
DEVELOPER_METADATA: Shape = {
    "metadataId": int,
    "metadataKey": str,
    "metadataValue?": str,
    "location": LOCATION,
    "visibility": ("DOCUMENT", "PROJECT"),
}
LOOKUP: Shape = {
    "locationType?": ("ROW", "COLUMN", "SHEET", "SPREADSHEET"),
    "metadataLocation?": LOCATION,
    "locationMatchingStrategy?": ("EXACT_LOCATION", "INTERSECTING_LOCATION"),
    "metadataId?": int,
    "metadataKey?": str,
    "metadataValue?": str,
    "visibility?": ("DOCUMENT", "PROJECT"),
}
DATA_FILTER: Shape = {
    "developerMetadataLookup?": LOOKUP,
    "a1Range?": str,
    "gridRange?": GRID_RANGE,
}
CELL_VALUE: Shape = (str, int, float, bool)
VALUE_RANGE: Shape = {
    "range": str,
    "majorDimension": ("ROWS", "COLUMNS"),
    "values?": [[CELL_VALUE]],
}
BATCH_GET_BY_DATA_FILTER: Shape = {
    "spreadsheetId": str,
    "valueRanges?": [{"valueRange": VALUE_RANGE, "dataFilters": [DATA_FILTER]}],
}
SEARCH_METADATA: Shape = {
    "matchedDeveloperMetadata?": [
        {"developerMetadata": DEVELOPER_METADATA, "dataFilters": [DATA_FILTER]}
    ]
}
EMPTY_REPLY: Shape = {}
CREATE_METADATA_REPLY: Shape = {
    "createDeveloperMetadata": {"developerMetadata": DEVELOPER_METADATA}
}
DELETE_METADATA_REPLY: Shape = {
    "deleteDeveloperMetadata": {"deletedDeveloperMetadata": [DEVELOPER_METADATA]}
}
DRIVE_FILE: Shape = {"id": str, "name?": str, "appProperties?": {"*": str}}
DRIVE_LIST: Shape = {"files": [DRIVE_FILE], "nextPageToken?": str, "incompleteSearch?": bool}


def mismatches(value: Any, shape: Shape, path: str = "$") -> list[str]:
    """Where `value` departs from `shape`; empty when it conforms."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{path}: an object expected, got {value!r}"]
        if "*" in shape:
            return [p for k, v in value.items() for p in mismatches(v, shape["*"], f"{path}.{k}")]
        known = {k.rstrip("?"): s for k, s in shape.items()}
        found = [f"{path}.{k}: not in the reference" for k in value if k not in known]
        found += [f"{path}.{k}: missing" for k in shape if not k.endswith("?") and k not in value]
        for key, item in value.items():
            if key in known:
                found += mismatches(item, known[key], f"{path}.{key}")
        return found
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{path}: a list expected, got {value!r}"]
        return [p for i, v in enumerate(value) for p in mismatches(v, shape[0], f"{path}[{i}]")]
    if isinstance(shape, tuple) and all(isinstance(s, str) for s in shape):
        return [] if value in shape else [f"{path}: {value!r} is not one of {shape}"]
    types = shape if isinstance(shape, tuple) else (shape,)
    if isinstance(value, bool) and bool not in types:
        return [f"{path}: {value!r} is a boolean, {types} expected"]
    if int in types and float not in types and isinstance(value, float):
        return [f"{path}: {value!r} is not an integer"]
    return [] if isinstance(value, types) else [f"{path}: {value!r} is not {types}"]


def test_the_shape_checker_finds_what_departs() -> None:
    good = {"metadataId": 1, "metadataKey": "k", "location": {"locationType": "SHEET",
            "sheetId": 0}, "visibility": "DOCUMENT"}  # fmt: skip
    assert mismatches(good, DEVELOPER_METADATA) == []
    assert mismatches({**good, "metadataId": "1"}, DEVELOPER_METADATA) == [
        "$.metadataId: '1' is not (<class 'int'>,)"
    ]
    assert mismatches({**good, "extra": 1}, DEVELOPER_METADATA) == ["$.extra: not in the reference"]
    assert mismatches({**good, "visibility": "ALL"}, DEVELOPER_METADATA)
    assert mismatches({"metadataKey": "k"}, DEVELOPER_METADATA)


@pytest.fixture
def fake() -> FakeGoogle:
    return FakeGoogle()


@pytest.fixture
def session(fake: FakeGoogle) -> requests.Session:
    return raw_session(fake, "okr-bot@example.com")


def batch_update(session: requests.Session, sid: str, *requests_: Any) -> list[Any]:
    answer = session.post(f"{SHEETS}/{sid}:batchUpdate", json={"requests": list(requests_)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert mismatches(body, {"spreadsheetId": str, "replies": [dict]}) == []
    return list(body["replies"])


def test_developer_metadata_as_the_reference_documents(
    fake: FakeGoogle, session: requests.Session
) -> None:
    sid = fake.add_spreadsheet({"Sheet1": [["ID"], ["O1"], ["O2"]], "Two": [["x"]]})
    two = fake.sheet(sid, "Two").sheet_id
    # okr's own: a sheet-level tag (stores/google/cell_data.py), and a row's.
    replies = batch_update(
        session,
        sid,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "okrsheet-computed",
                    "metadataValue": "1",
                    "visibility": "DOCUMENT",
                    "location": {"sheetId": two},
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "okr-row",
                    "metadataValue": "O2",
                    "visibility": "DOCUMENT",
                    "location": {
                        "dimensionRange": {
                            "sheetId": 0,
                            "dimension": "ROWS",
                            "startIndex": 2,
                            "endIndex": 3,
                        }
                    },
                }
            }
        },
    )
    for reply in replies:
        assert mismatches(reply, CREATE_METADATA_REPLY) == []
    tag, row = (r["createDeveloperMetadata"]["developerMetadata"] for r in replies)
    assert tag["location"] == {"locationType": "SHEET", "sheetId": two}
    assert row["location"]["locationType"] == "ROW"

    # Read back one by one, searched, and in spreadsheets.get.
    got = session.get(f"{SHEETS}/{sid}/developerMetadata/{tag['metadataId']}")
    assert got.status_code == 200 and mismatches(got.json(), DEVELOPER_METADATA) == []
    assert got.json() == tag
    searched = session.post(
        f"{SHEETS}/{sid}/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "okr-row"}}]},
    ).json()
    assert mismatches(searched, SEARCH_METADATA) == []
    assert [m["developerMetadata"] for m in searched["matchedDeveloperMetadata"]] == [row]
    sheets = session.get(f"{SHEETS}/{sid}", params={"fields": "sheets.developerMetadata"}).json()
    on_two = sheets["sheets"][1]["developerMetadata"]
    assert [mismatches(m, DEVELOPER_METADATA) for m in on_two] == [[]]

    # A missing id is an error shaped like every other (404 NOT_FOUND).
    missing = session.get(f"{SHEETS}/{sid}/developerMetadata/999999")
    assert missing.status_code == 404
    assert mismatches(missing.json(), {"error": {"code": int, "message": str, "status": str,
                                                 "details?": [dict]}}) == []  # fmt: skip

    deleted = batch_update(
        session,
        sid,
        {
            "deleteDeveloperMetadata": {
                "dataFilter": {"developerMetadataLookup": {"metadataKey": "okrsheet-computed"}}
            }
        },
    )
    assert mismatches(deleted[0], DELETE_METADATA_REPLY) == []
    assert deleted[0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"] == [tag]


def test_batch_get_by_data_filter_as_the_reference_documents(
    fake: FakeGoogle, session: requests.Session
) -> None:
    sid = fake.add_spreadsheet(
        {"Sheet1": [["ID", "Value"], ["O1", 1.5], ["O2", True]], "Empty": []}
    )
    empty = fake.sheet(sid, "Empty").sheet_id
    # okr's read (stores/google/read.py): one gridRange per tab, unformatted, serial dates.
    answer = session.post(
        f"{SHEETS}/{sid}/values:batchGetByDataFilter",
        json={
            "dataFilters": [{"gridRange": {"sheetId": 0}}, {"gridRange": {"sheetId": empty}}],
            "majorDimension": "ROWS",
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert mismatches(body, BATCH_GET_BY_DATA_FILTER) == []
    first, second = body["valueRanges"]
    assert first["valueRange"]["values"] == [["ID", "Value"], ["O1", 1.5], ["O2", True]]
    assert first["dataFilters"] == [{"gridRange": {"sheetId": 0}}]
    assert "values" not in second["valueRange"]  # an empty tab: no values key at all
    # A filter that matches nothing is a 400, not an empty answer.
    nothing = session.post(
        f"{SHEETS}/{sid}/values:batchGetByDataFilter",
        json={"dataFilters": [{"gridRange": {"sheetId": 424242}}]},
    )
    assert nothing.status_code == 400


def test_append_cells_dimension_and_conditional_format_as_the_reference_documents(
    fake: FakeGoogle, session: requests.Session
) -> None:
    sid = fake.add_spreadsheet({"Sheet1": [["ID"], ["O1"]]}, row_count=3, column_count=2)
    replies = batch_update(
        session,
        sid,
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 2}},
        {
            "appendCells": {
                "sheetId": 0,
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "O2"}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "addConditionalFormatRule": {
                "rule": {
                    "ranges": [{"sheetId": 0, "startRowIndex": 1}],
                    "booleanRule": {
                        "condition": {
                            "type": "CUSTOM_FORMULA",
                            "values": [{"userEnteredValue": '=$A2="O1"'}],
                        },
                        "format": {"textFormat": {"bold": True}},
                    },
                },
                "index": 0,
            }
        },
    )
    # None of the three has a reply body in the reference: each answers an empty Response.
    assert replies == [EMPTY_REPLY, EMPTY_REPLY, EMPTY_REPLY]
    assert fake.values(sid, "Sheet1") == [["ID"], ["O1"], ["O2"]]
    assert fake.sheet(sid, "Sheet1").row_count == 5
    rules = session.get(f"{SHEETS}/{sid}", params={"fields": "sheets.conditionalFormats"}).json()
    (rule,) = rules["sheets"][0]["conditionalFormats"]
    assert mismatches(rule["ranges"], [GRID_RANGE]) == []
    assert rule["booleanRule"]["condition"]["type"] == "CUSTOM_FORMULA"


def test_drive_app_properties_as_the_reference_documents(
    fake: FakeGoogle, session: requests.Session
) -> None:
    made = session.post(
        DRIVE_FILES,
        params={"fields": "id,name,appProperties"},
        json={"name": "Acme OKRs", "mimeType": SPREADSHEET_MIME, "appProperties": {"okr": "1"}},
    )
    assert made.status_code == 200, made.text
    assert mismatches(made.json(), DRIVE_FILE) == []
    listed = session.get(
        DRIVE_FILES,
        params={"q": "appProperties has { key='okr' and value='1' }", "fields": "files(id,name)"},
    )
    assert listed.status_code == 200 and mismatches(listed.json(), DRIVE_LIST) == []
    assert [f["id"] for f in listed.json()["files"]] == [made.json()["id"]]
    # files.update: a null value deletes its key; a file with none has no appProperties key.
    cleared = session.patch(
        f"{DRIVE_FILES}/{made.json()['id']}",
        params={"fields": "id,appProperties"},
        json={"appProperties": {"okr": None}},
    )
    assert cleared.status_code == 200 and mismatches(cleared.json(), DRIVE_FILE) == []
    assert "appProperties" not in cleared.json()
