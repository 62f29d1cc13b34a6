"""Check-in values keep their key result's unit format on Google: the rows okr appends, and
the whole log through push and pull (issue: `0.8` beside `78.6%`, `General` after a pull)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.conftest import Google
from tests.stores.test_gsheets_scale import number_format

KINDS = {"$": "CURRENCY", "%": "PERCENT", "": "NUMBER"}


def units_of(google: Google, sid: str) -> dict[str, str]:
    units: dict[str, str] = {}
    for tab in ("Corporate", "Sales", "Marketing", "Tom Alvarez"):
        header, *rows = google.fake.values(sid, tab)
        for row in rows:
            cells = dict(zip(header, row, strict=False))
            if cells.get("Type") == "Key result":
                units[str(cells["ID"])] = str(cells.get("Unit") or "")
    return units


def test_a_checkin_row_okr_appends_shows_its_value_in_the_key_results_unit(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    assert units_of(google, sid)["SALES-1.2"] == "%"

    assert okr("checkin", "SALES-1.2", "--value", "80%", "-w", gexample).exit_code == 0
    assert okr("checkin", "CORP-1.1", "--value", "2700000", "-w", gexample).exit_code == 0

    last = len(google.fake.values(sid, "Check-ins"))
    assert number_format(google, sid, "Check-ins", last - 1, "Value") == "PERCENT"
    assert number_format(google, sid, "Check-ins", last, "Value") == "CURRENCY"


def test_push_and_pull_keep_the_check_in_value_formats(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    local = tmp_path / "acme.xlsx"
    assert okr("init", str(local), "--example", "--cycle", "2026-Q4").exit_code == 0
    assert okr("push", str(local), "--to", "gsheet:new").exit_code == 0
    sid = google.sheet_id()
    units = units_of(google, sid)
    header, *log = google.fake.values(sid, "Check-ins")
    kr_col = header.index("KR ID")
    seen = set()
    for number, row in enumerate(log, start=2):
        unit = units.get(row[kr_col], "")
        if unit in KINDS:
            seen.add(unit)
            assert number_format(google, sid, "Check-ins", number, "Value") == KINDS[unit]
    assert seen == set(KINDS)

    back = tmp_path / "back.xlsx"
    assert okr("pull", f"gsheet:{sid}", "--to", str(back)).exit_code == 0
    sheet = load_workbook(back)["Check-ins"]
    names = [c.value for c in sheet[1]]
    value, kr = names.index("Value") + 1, names.index("KR ID") + 1
    formats = {
        units.get(sheet.cell(r, kr).value, ""): sheet.cell(r, value).number_format
        for r in range(2, sheet.max_row + 1)
    }
    assert "%" in formats["%"] and "$" in formats["$"]
    assert formats[""] != "General"


def test_the_rollover_archive_shows_values_in_their_units(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    units = units_of(google, sid)

    assert okr("rollover", "--to", "2027-Q1", "-w", gexample).exit_code == 0

    header, *rows = google.fake.values(sid, "Archive 2026-Q4")
    seen = set()
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(header, row, strict=False))
        if cells.get("Type") != "Key result":
            continue
        unit = units[str(cells["ID"])]
        if unit in KINDS:
            seen.add(unit)
            for name in ("Start", "Target", "Final value"):
                assert number_format(google, sid, "Archive 2026-Q4", number, name) == KINDS[unit]
    assert seen == set(KINDS)
