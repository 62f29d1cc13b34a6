"""Messages for what goes wrong with Google: each says what happened and what to do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import BOT, Google

SID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"


def test_a_viewer_is_told_it_may_read_but_not_change_the_spreadsheet(
    okr: Any, google: Google, gexample: str
) -> None:
    google.fake.set_access(google.sheet_id(), {BOT: "reader"})
    assert okr("status", "-w", gexample).exit_code == 0  # reading is allowed

    result = okr("checkin", "SALES-1.1", "--value", "80", "-w", gexample)

    assert result.exit_code == 7
    assert f"may read {gexample} but not change it" in result.stderr
    assert "may not open" not in result.stderr
    assert f"share the spreadsheet with {BOT} as Editor" in result.stderr


def test_a_refused_share_of_a_new_spreadsheet_does_not_ask_to_share_it_with_its_owner(
    okr: Any, google: Google
) -> None:
    google.fake.fail_next(
        403,
        match=lambda r: r.path.endswith("/permissions"),
        message="The caller does not have permission",
    )

    result = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--share", "ceo@acme.test")

    assert result.exit_code != 0
    assert "Google refused to share" in result.stderr
    assert "owns it but may not share it" in result.stderr
    assert "may not open" not in result.stderr


def test_a_spreadsheet_that_is_not_an_okr_workbook_is_named_as_such(
    okr: Any, google: Google
) -> None:
    sid = google.fake.add_spreadsheet(
        {"Sheet1": [["Line", "Amount"], ["Rent", 1200]]}, title="Budget 2027", owner=BOT
    )

    result = okr("status", "-w", f"gsheet:{sid}")

    assert result.exit_code == 3
    assert f"gsheet:{sid} (Budget 2027) is not an okr workbook" in result.stderr
    assert "'Sheet1'" in result.stderr


@pytest.mark.parametrize(
    "given",
    [
        SID,
        f"docs.google.com/spreadsheets/d/{SID}/edit#gid=0",
        f"https://drive.google.com/open?id={SID}",
        f"drive.google.com/file/d/{SID}/view",
    ],
    ids=["bare-id", "url-without-https", "drive-open", "drive-file"],
)
def test_a_spreadsheet_given_another_way_gets_a_did_you_mean(okr: Any, given: str) -> None:
    result = okr("status", "-w", given)

    assert result.exit_code == 2
    assert f"did you mean gsheet:{SID}?" in result.stderr


def test_drift_shows_amounts_as_people_write_them(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    rows = google.fake.values(sid, "Corporate")
    header = rows[0]
    row = next(i for i, r in enumerate(rows) if len(r) > 1 and r[1] == "CORP-1.1") + 1
    letter = chr(ord("A") + header.index("Current"))
    google.fake.set_values(sid, f"Corporate!{letter}{row}", [[2_900_000]])

    result = okr("validate", "-w", gexample)

    assert "Current $2,900,000 differs from the newest check-in ($2,635,298" in result.stdout
    assert "e+06" not in result.stdout


def test_an_expired_sign_in_without_an_address_names_where_it_comes_from(
    okr: Any, google: Google, gexample: str, tmp_path: Any
) -> None:
    from tests.fakes.sheets_api import FakeGoogle, authorized_user_info

    expired = tmp_path / "authorized_user.json"  # a refresh token this Google does not know
    expired.write_text(json.dumps(authorized_user_info(FakeGoogle())))

    result = okr("--credentials", str(expired), "status", "-w", gexample)

    assert result.exit_code == 7
    assert "unknown account" not in result.stderr
    assert f"the user signed in through --credentials: {expired}" in " ".join(result.stderr.split())
    assert "okr auth login" in result.stderr
