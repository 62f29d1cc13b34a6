"""The Initiatives and KPIs tabs, typed by hand, read by every report, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import add_rows, read_tab
from tests.conftest import SHOP_ROWS, Google
from tests.stores.test_gsheets import READ

INITIATIVE_HEADER = ["ID", "Key result", "Title", "Owner", "Status", "Due", "Notes"]
KPI_HEADER = ["ID", "KPI", "Owner", "Current", "Healthy from", "Healthy to", "Unit", "Updated"]


@dataclass
class Shop:
    """The hand-typed shop (tests/cli/conftest.py) on one backend, and a way to type rows into
    any of its tabs the way a person would."""

    location: str
    type_rows: Callable[[str, list[list[Any]]], None]
    values: Callable[[str], list[list[Any]]]


@pytest.fixture(params=["xlsx", "gsheet"])
def shop(request: Any, okr: Any, tmp_path: Path) -> Shop:
    if request.param == "xlsx":
        path = tmp_path / "shop.xlsx"
        path.write_bytes(request.getfixturevalue("shop_bytes"))
        return Shop(
            str(path),
            lambda tab, rows: add_rows(path, tab, rows),
            lambda tab: read_tab(path, tab),
        )
    google: Google = request.getfixturevalue("google")
    result = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop")
    assert result.exit_code == 0, result.stderr
    sid = google.sheet_id()

    def type_rows(tab: str, rows: list[list[Any]]) -> None:
        first = len(
            [r for r in google.fake.values(sid, tab) if any(v not in (None, "") for v in r)]
        )
        google.fake.set_values(sid, f"'{tab}'!A{first + 1}", rows)

    type_rows("Corporate", SHOP_ROWS)
    return Shop(google.location(), type_rows, lambda tab: google.fake.values(sid, tab))


def test_init_writes_both_tabs_empty_with_a_status_dropdown(okr: Any, blank: Path) -> None:
    book = load_workbook(blank)
    initiatives, kpis = book["Initiatives"], book["KPIs"]
    assert [c.value for c in initiatives[1]] == INITIATIVE_HEADER
    assert [c.value for c in kpis[1]] == KPI_HEADER
    assert initiatives.max_row == 1 and kpis.max_row == 1
    [dropdown] = initiatives.data_validations.dataValidation
    assert dropdown.formula1 == '"not started,in progress,done,blocked"'
    assert str(dropdown.sqref).startswith("E2:E")  # the Status column


def test_init_on_google_writes_the_dropdown_too(okr: Any, google: Google) -> None:
    assert okr("init", "gsheet:new", "--cycle", "2026-Q4").exit_code == 0
    sheet = google.fake.sheet(google.sheet_id(), "Initiatives")
    assert google.fake.values(google.sheet_id(), "Initiatives")[0] == INITIATIVE_HEADER
    rules = [c["dataValidation"] for row in sheet.rows for c in row if c and "dataValidation" in c]
    assert rules
    values = [v["userEnteredValue"] for v in rules[0]["condition"]["values"]]
    assert values == ["not started", "in progress", "done", "blocked"]


def test_an_initiative_typed_by_hand_shows_under_its_key_result_and_in_todo(
    okr: Any, shop: Shop
) -> None:
    shop.type_rows(
        "Initiatives",
        [
            ["IN-1", "CORP-1.2", "Second courier for the north", "Ben Ode", "blocked",
             dt.date(2026, 12, 1), "Contract with legal"],
            [None, "corp-1.1", "Weekly promotion e-mail", None, "In Progress", None, None],
        ],
    )  # fmt: skip
    w = ("-w", shop.location)

    status = okr("status", *w, "-f", "json").json()
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert krs["CORP-1.2"]["initiatives"] == [
        {
            "id": "IN-1",
            "key_result": "CORP-1.2",
            "title": "Second courier for the north",
            "owner": "Ben Ode",
            "status": "blocked",
            "due": "2026-12-01",
            "overdue": False,
            "notes": "Contract with legal",
        }
    ]
    # The key result as the workbook spells it; the owner blank means the key result's.
    [mail] = krs["CORP-1.1"]["initiatives"]
    assert (mail["key_result"], mail["owner"], mail["status"]) == (
        "CORP-1.1",
        "Ana Lima",
        "in progress",
    )
    assert krs["CORP-1.3"]["initiatives"] == []

    todo = okr("todo", "--owner", "Ben Ode", *w, "-f", "json")
    assert todo.exit_code == 0, todo.stderr
    assert todo.json()["items"] == [
        {
            "id": "IN-1",
            "title": "Second courier for the north",
            "action": "unblock",
            "why": "initiative for CORP-1.2 is blocked",
        }
    ]
    table = okr("status", *w)
    assert "Second courier for the north" in table.stdout and "blocked" in table.stdout


def test_lagging_says_when_nothing_is_in_progress(okr: Any, shop: Shop) -> None:
    # CORP-1.2 (days to deliver, 20 to 10, now 18) is 31 points behind pace.
    w = ("-w", shop.location)
    shop.type_rows("Initiatives", [["IN-1", "CORP-1.2", "Second courier", None, "blocked"]])
    row = next(
        r for r in okr("lagging", *w, "-f", "json").json()["lagging"] if r["id"] == "CORP-1.2"
    )
    assert row["reasons"][-1] == "no initiative in progress"
    assert row["codes"][-1] == "no-initiative"

    shop.type_rows("Initiatives", [["IN-2", "CORP-1.2", "Pack at night", None, "in progress"]])
    row = next(
        r for r in okr("lagging", *w, "-f", "json").json()["lagging"] if r["id"] == "CORP-1.2"
    )
    assert "no-initiative" not in row["codes"]


def test_overdue_initiatives_are_on_their_owners_list(okr: Any, shop: Shop) -> None:
    shop.type_rows(
        "Initiatives",
        [["IN-1", "CORP-1.1", "Newsletter", "Ana Lima", "not started", dt.date(2026, 11, 1)],
         ["IN-2", "CORP-1.1", "Old campaign", "Ana Lima", "done", dt.date(2026, 11, 1)]],
    )  # fmt: skip
    items = okr("todo", "--owner", "Ana Lima", "-w", shop.location, "-f", "json").json()["items"]
    [overdue] = [i for i in items if i["id"].startswith("IN-")]
    assert overdue["id"] == "IN-1" and overdue["action"] == "finish or re-plan"
    assert overdue["why"] == "initiative for CORP-1.1 was due 2026-11-01 (15 days ago), not started"


def test_initiative_rows_are_validated_cell_by_cell(okr: Any, shop: Shop) -> None:
    shop.type_rows(
        "Initiatives",
        [["IN-1", "NOPE-1", "Lost", None, "doing"],
         ["IN-2", "CORP-1.1", "Typo", None, "finsihed"],
         ["IN-3", "CORP-1.1", "Next year", None, "done", dt.date(2027, 2, 1)]],
    )  # fmt: skip

    result = okr("validate", "-w", shop.location, "-f", "json")

    assert result.exit_code == 3
    found = {(f["where"], f["severity"], f["code"]) for f in result.json()["findings"]}
    assert ("Initiatives!B2", "warning", "unknown-key-result") in found
    assert ("Initiatives!E3", "error", "bad-cell") in found
    assert ("Initiatives!F4", "warning", "initiative-due-outside-cycle") in found
    bad = next(f for f in result.json()["findings"] if f["where"] == "Initiatives!E3")
    assert (
        "'finsihed' is not a status; use one of: not started, in progress, done, blocked"
        in (bad["message"])
    )


def test_a_kpi_outside_its_range_lags_and_a_checkin_updates_it(okr: Any, shop: Shop) -> None:
    w = ("-w", shop.location)
    shop.type_rows(
        "KPIs",
        [["KPI-1", "Returns rate", "Ana Lima", "6%", None, "4%", "%", dt.date(2026, 11, 13)],
         ["KPI-2", "Stock accuracy", "Ana Lima", 0.99, 0.97, 1, "%", dt.date(2026, 11, 13)]],
    )  # fmt: skip

    lagging = okr("lagging", *w, "-f", "json").json()
    [kpi] = lagging["kpis"]
    assert kpi["id"] == "KPI-1" and kpi["healthy"] is False
    assert kpi["reasons"] == ["6%, above the healthy 4%"] and kpi["codes"] == ["unhealthy"]
    assert "Returns rate" in okr("lagging", *w).stdout

    status = okr("status", *w, "-f", "json").json()
    assert [(k["id"], k["healthy"]) for k in status["kpis"]] == [("KPI-1", False), ("KPI-2", True)]

    result = okr("checkin", "KPI-1", "--value", "3.5%", "--date", "2026-11-16", *w)
    assert result.exit_code == 0, result.stderr
    header, *rows = shop.values("KPIs")
    row = dict(zip(header, rows[0], strict=False))
    assert row["Current"] == pytest.approx(0.035)
    assert row["Updated"] in (dt.datetime(2026, 11, 16), dt.date(2026, 11, 16), 46342)
    log = [r for r in shop.values("Check-ins") if "KPI-1" in r]
    assert len(log) == 1 and log[0][2] == pytest.approx(0.035)

    after = okr("status", *w, "-f", "json").json()["kpis"][0]
    assert (after["current"], after["healthy"], after["updated"]) == (0.035, True, "2026-11-16")
    assert okr("lagging", *w, "-f", "json").json()["kpis"] == []  # healthy again
    # A KPI's line in the log is not a check-in of an unknown key result.
    codes = {f["code"] for f in okr("validate", *w, "-f", "json").json()["findings"]}
    assert "unknown-checkin-kr" not in codes


def test_a_kpi_not_updated_within_the_cadence_lags(okr: Any, shop: Shop) -> None:
    shop.type_rows(
        "KPIs", [["KPI-1", "Stock accuracy", "Ana Lima", 0.99, 0.97, 1, "%", dt.date(2026, 11, 1)]]
    )
    [kpi] = okr("lagging", "-w", shop.location, "-f", "json").json()["kpis"]
    # 15 days > the weekly cadence and its 3 grace days.
    assert kpi["reasons"] == ["not updated for 15 days"] and kpi["stale"] is True


def test_a_key_result_names_its_kpi(okr: Any, tmp_path: Path) -> None:
    path = tmp_path / "shop.xlsx"
    assert okr("init", str(path), "--cycle", "2026-Q4").exit_code == 0
    rows = [list(r) for r in SHOP_ROWS]
    kpi_col = [c.value for c in load_workbook(path)["Corporate"][1]].index("KPI")
    for row in rows[1:3]:
        row.extend([None] * (kpi_col + 1 - len(row)))
    rows[1][kpi_col], rows[2][kpi_col] = "KPI-1", "KPI-9"
    add_rows(path, "Corporate", rows)
    add_rows(path, "KPIs", [["KPI-1", "Returns rate", "Ana Lima", 0.03, None, 0.04, "%"]])

    status = okr("status", "-w", str(path), "-f", "json").json()
    assert status["objectives"][0]["key_results"][0]["kpi"] == "KPI-1"
    findings = okr("validate", "-w", str(path), "-f", "json").json()["findings"]
    [unknown] = [f for f in findings if f["code"] == "unknown-kpi"]
    assert unknown["message"] == "names KPI KPI-9, which is not on the KPIs tab"


def test_a_workbook_made_before_the_tabs_existed_reads_as_before(okr: Any, tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    assert okr("init", str(path), "--cycle", "2026-Q4").exit_code == 0
    add_rows(path, "Corporate", SHOP_ROWS)
    book = load_workbook(path)
    del book["Initiatives"], book["KPIs"]
    book.save(path)

    status = okr("status", "-w", str(path), "-f", "json")
    assert status.exit_code == 0 and status.stderr == ""
    assert status.json()["kpis"] == []
    validate = okr("validate", "-w", str(path), "-f", "json").json()
    assert validate["errors"] == 0
    assert okr("checkin", "CORP-1.1", "--value", "60", "-w", str(path)).exit_code == 0
    assert okr("checkin", "KPI-1", "--value", "60", "-w", str(path)).exit_code == 2


def test_a_kpi_checkin_on_google_is_one_read_and_one_write(
    okr: Any, google: Google, gexample: str
) -> None:
    result = okr("checkin", "KPI-1", "--value", "8,250", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert google.fake.count("sheets-read") == READ  # one read: tab list, then values
    assert google.fake.count("sheets-write") == 2  # and the scratch tab it was checked with
    header, *rows = google.fake.values(google.sheet_id(), "KPIs")
    kpi = dict(zip(header, rows[0], strict=False))
    assert (kpi["ID"], kpi["Current"]) == ("KPI-1", 8250)
    [kpi_json] = [
        k for k in okr("status", "-w", gexample, "-f", "json").json()["kpis"] if k["id"] == "KPI-1"
    ]
    assert kpi_json["healthy"] is True and kpi_json["updated"] == "2026-11-16"


def test_push_and_pull_keep_the_tabs_dropdown_and_dates(
    okr: Any, google: Google, example: Path, tmp_path: Path
) -> None:
    assert okr("push", str(example), "--to", "gsheet:new").exit_code == 0
    sheet = google.fake.sheet(google.sheet_id(), "Initiatives")
    assert any(c and "dataValidation" in c for row in sheet.rows for c in row)
    back = tmp_path / "back.xlsx"
    assert okr("pull", google.location(), "--to", str(back)).exit_code == 0

    book = load_workbook(back)
    assert book["Initiatives"]["F2"].is_date and book["KPIs"]["H2"].is_date
    assert book["Initiatives"].data_validations.dataValidation
    reports = {
        okr("status", "-f", "json", "-w", w).stdout
        for w in (str(example), google.location(), str(back))
    }
    assert len(reports) == 1


def test_an_owner_of_kpis_alone_can_filter_lagging(okr: Any, shop: Shop) -> None:
    shop.type_rows("KPIs", [["KPI-1", "Returns rate", "Rui Sá", 0.06, None, 0.04, "%"]])

    result = okr("lagging", "--owner", "Rui Sá", "-w", shop.location, "-f", "json")

    assert result.exit_code == 0, result.stderr
    assert result.json()["lagging"] == []
    assert [k["id"] for k in result.json()["kpis"]] == ["KPI-1"]
