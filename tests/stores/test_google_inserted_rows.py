"""A row a person inserts in a Google spreadsheet has none of the tab's formulas (issue 24
point 9): Sheets does not extend okr's per-row formulas to it, so the sheet shows no Progress
or Status for a key result okr counts. `okr validate` names the row and `--fix` writes its
formulas (the ones okr writes on every row, Calc row among the columns reads bring back).

The row is inserted the way Sheets' "Insert 1 row above" does it, through the API: an
`insertDimension` request, then the person's typing as USER_ENTERED values."""

from __future__ import annotations

from typing import Any

import pytest

from okrsheet.layout.formulas import SPARE_ROWS, row_formulas
from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.google.http import SHEETS_API
from okrsheet.stores.primitives import column_letter
from tests.conftest import BOT, Google
from tests.fakes.sheets_api import quote_title, raw_session

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def rows_by_id(google: Google, tab: str) -> dict[str, dict[str, Any]]:
    """The tab's rows by ID, with the results Sheets computes for its formulas."""
    rows = google.fake.values(google.sheet_id(), tab)
    header = rows[0]
    at = header.index("ID")
    return {
        str(r[at]): dict(zip(header, r, strict=False))
        for r in rows[1:]
        if len(r) > at and r[at] != ""
    }


def insert_typed_row(google: Google, tab: str, before: int, typed: dict[str, Any]) -> int:
    """Insert a row above 1-based row `before` and type `typed` into it, through the HTTP
    API as the Sheets UI does; returns the new row's number."""
    sid = google.sheet_id()
    session = raw_session(google.fake, BOT)
    sheet = google.fake.sheet(sid, tab)
    inserted = session.post(
        f"{SHEETS_API}/{sid}:batchUpdate",
        json={
            "requests": [
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": sheet.sheet_id,
                            "dimension": "ROWS",
                            "startIndex": before - 1,
                            "endIndex": before,
                        },
                        "inheritFromBefore": True,
                    }
                }
            ]
        },
    )
    assert inserted.status_code == 200, inserted.text
    last = max(COL[k] for k in typed)
    values: list[Any] = [""] * last
    for key, value in typed.items():
        values[COL[key] - 1] = value
    where = f"{quote_title(tab)}!A{before}:{column_letter(last)}{before}"
    wrote = session.put(
        f"{SHEETS_API}/{sid}/values/{where}",
        params={"valueInputOption": "USER_ENTERED"},
        json={"range": where, "majorDimension": "ROWS", "values": [values]},
    )
    assert wrote.status_code == 200, wrote.text
    return before


def test_a_row_inserted_in_google_sheets_is_named_and_fixed(
    okr: Any, google: Google, gexample: str
) -> None:
    before = rows_by_id(google, "Sales")
    first_kr = min(
        r for r, row in enumerate(google.fake.values(google.sheet_id(), "Sales"), start=1)
        if len(row) > 1 and row[1] == "SALES-1.2"
    )  # fmt: skip
    row = insert_typed_row(google, "Sales", first_kr, {
        "type": "Key result", "id": "SALES-1.9", "objective_id": "SALES-1",
        "title": "Partner deals", "owner": "Marcus Webb", "start": 0, "target": 10,
        "current": 6, "due": "2026-12-31",
    })  # fmt: skip
    inserted = rows_by_id(google, "Sales")["SALES-1.9"]
    assert inserted.get("Progress", "") == inserted.get("Status", "") == ""  # as reported
    assert before["SALES-1.2"]["Progress"] != ""  # the rows around it kept theirs

    found = okr("validate", "-f", "json", "-w", gexample).json()["findings"]

    [finding] = [f for f in found if f["code"] == "no-formulas"]
    assert finding["where"] == f"Sales!{column_letter(COL['progress'])}{row}"
    assert "`okr validate --fix` writes them" in finding["message"]

    fixed = okr("validate", "--fix", "-w", gexample)
    assert fixed.exit_code == 0, fixed.stderr
    again = okr("validate", "-f", "json", "-w", gexample).json()["findings"]
    assert [f for f in again if f["code"] == "no-formulas"] == []

    # The row now holds the formulas okr writes for it, and reads back its Calc row.
    sid = google.sheet_id()
    formulas = google.fake.values(sid, "Sales", value_render_option="FORMULA")
    header = formulas[0]
    columns = {c.key: header.index(c.header) + 1 for c in OKR_COLUMNS if c.header in header}
    wanted = row_formulas(columns, row, 2, row + SPARE_ROWS)
    got = formulas[row - 1]
    for key, formula in wanted.items():
        assert got[columns[key] - 1] == formula.text, key
    assert google.fake.values(sid, f"Sales!{column_letter(columns['calc_row'])}{row}") != []
    status = okr("status", "-f", "json", "-w", gexample).json()
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert krs["SALES-1.9"]["progress"] == pytest.approx(0.6)


def test_a_google_workbook_okr_wrote_has_no_such_finding(
    okr: Any, google: Google, gexample: str
) -> None:
    found = okr("validate", "-f", "json", "-w", gexample).json()["findings"]
    assert [f for f in found if f["code"] == "no-formulas"] == []


def test_a_spreadsheet_that_left_calc_row_out_of_reads_reads_it_after_fix(
    okr: Any, google: Google, gexample: str
) -> None:
    """A spreadsheet laid out before the Calc row was read back has it recorded among the
    columns reads leave out; the next write of the formulas (`validate --fix`) records it
    anew, after which an inserted row is named."""
    from okrsheet.stores.google.read import COMPUTED_KEY, computed_value

    sid = google.sheet_id()
    spreadsheet = google.fake.spreadsheet(sid)
    sheet_id = google.fake.sheet(sid, "Sales").sheet_id
    [meta] = [
        m for m in spreadsheet.developer_metadata
        if m.get("metadataKey") == COMPUTED_KEY
        and m.get("location", {}).get("sheetId") == sheet_id
    ]  # fmt: skip
    header = google.fake.values(sid, "Sales")[0]
    listed, _, _ = str(meta["metadataValue"]).partition(";")
    recorded: set[int] = set()
    for part in listed.split(","):
        first, _, last = part.partition("-")
        recorded.update(range(int(first), int(last or first) + 1))
    calc_row = header.index("Calc row") + 1
    assert calc_row not in recorded  # read back since
    meta["metadataValue"] = computed_value(recorded | {calc_row}, header)  # as it was before
    typed = {
        "type": "Key result", "id": "SALES-1.9", "objective_id": "SALES-1",
        "title": "Partner deals", "owner": "Marcus Webb", "start": 0, "target": 10,
        "current": 6, "due": "2026-12-31",
    }  # fmt: skip
    insert_typed_row(google, "Sales", 4, typed)
    found = okr("validate", "-f", "json", "-w", gexample).json()["findings"]
    assert [f for f in found if f["code"] == "no-formulas"] == []  # Calc row left unread

    assert okr("validate", "--fix", "-w", gexample).exit_code == 0
    insert_typed_row(google, "Sales", 4, {**typed, "id": "SALES-1.8"})

    found = okr("validate", "-f", "json", "-w", gexample).json()["findings"]
    [named] = [f for f in found if f["code"] == "no-formulas"]
    assert named["where"] == f"Sales!{column_letter(COL['progress'])}4"
