"""`okr status` through the real Typer app."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.cli.conftest import add_rows

CYCLE = {"name": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31"}


def kr(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "objective_id": "CORP-1",
        "owner": "Ana Lima",
        "overachievement": 0.0,
        "last_checkin": None,
        "blocked_by": [],
        "weight": 1.0,
        "kpi": None,
        "initiatives": [],
        "committed": False,
        "measuring_baseline": False,
    }
    out = base | fields
    out.setdefault("own_status", out.get("status"))  # nothing blocks them: the same
    return out


def test_status_json_is_exact(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--format", "json")

    assert result.exit_code == 0, result.stderr
    # 2026-11-16 is day 46 of the 91 from 1 Oct to 31 Dec: expected 46/91 = 0.5055.
    assert result.json() == {
        "company": "Shop",
        "cycle": CYCLE,
        "as_of": "2026-11-16",
        "objectives": [
            {
                "id": "CORP-1",
                "title": "Become the easiest shop to buy from",
                "level": "corporate",
                "owner": "Ana Lima",
                "aligns_to": None,
                # weighted: (0.5 + 0.2 + 2 * 0.0) / 4 and (0.5055 + 0.5055 + 2 * 46/75) / 4
                "progress": 0.175,
                "expected": 0.5594,
                "status": "off track",
                "commitment": "aspirational",
                # weighted: (0.8 + 0.4 + 2 * 0.7) / 4
                "confidence": 0.65,
                "own_status": "off track",
                "key_results": [
                    kr(
                        id="CORP-1.1",
                        title="Orders per week",
                        kind="increase",
                        start=0.0,
                        target=100.0,
                        current=50.0,
                        unit="orders",
                        due="2026-12-31",
                        days_to_due=45,
                        confidence=0.8,
                        progress=0.5,
                        expected=0.5055,
                        status="on track",
                    ),
                    kr(
                        id="CORP-1.2",
                        title="Days to deliver",
                        kind="decrease",
                        start=20.0,
                        target=10.0,
                        current=18.0,
                        unit="days",
                        due="2026-12-31",
                        days_to_due=45,
                        confidence=0.4,
                        progress=0.2,
                        expected=0.5055,
                        status="off track",
                    ),
                    kr(
                        id="CORP-1.3",
                        title="Checkout abandonment below 50%",
                        kind="milestone",
                        start=0.0,
                        target=1.0,
                        current=0.0,
                        unit="",
                        due="2026-12-15",
                        days_to_due=29,
                        weight=2.0,
                        confidence=0.7,
                        progress=0.0,
                        expected=0.6133,
                        status="on track",
                    ),
                ],
            }
        ],
        "kpis": [],
    }
    assert result.stderr == ""


def test_as_of_moves_the_calendar(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--format", "json", "--as-of", "2026-10-01")

    objective = result.json()["objectives"][0]
    assert result.json()["as_of"] == "2026-10-01"
    assert [k["expected"] for k in objective["key_results"]] == [0.0, 0.0, 0.0]
    assert [k["status"] for k in objective["key_results"]] == ["on track"] * 3


def test_past_due_milestone_is_overdue(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--format", "json", "--as-of", "2026-12-20")

    statuses = {k["id"]: k["status"] for k in result.json()["objectives"][0]["key_results"]}
    assert statuses["CORP-1.3"] == "overdue"
    assert result.json()["objectives"][0]["key_results"][2]["days_to_due"] == -5


def test_filters(okr: Any, example: Path) -> None:
    everything = okr("status", "-w", str(example), "--format", "json").json()
    owners = {o["owner"] for o in everything["objectives"]}
    assert len(owners) > 2

    owner = sorted(owners)[0]
    mine = okr("status", "-w", str(example), "--format", "json", "--owner", owner).json()
    assert mine["objectives"]
    assert all(
        o["owner"] == owner or any(k["owner"] == owner for k in o["key_results"])
        for o in mine["objectives"]
    )

    corporate = okr("status", "-w", str(example), "-f", "json", "--level", "corporate").json()
    assert {o["level"] for o in corporate["objectives"]} == {"corporate"}

    one = okr("status", "-w", str(example), "-f", "json", "--objective", "CORP-1").json()
    assert [o["id"] for o in one["objectives"]] == ["CORP-1"]


def test_unknown_objective_is_a_usage_error(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--objective", "NOPE-9")

    assert result.exit_code == 2
    assert "--objective" in result.stderr
    assert "NOPE-9" in result.stderr
    assert result.stdout == ""


def test_unknown_owner_lists_the_owners(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--owner", "Anna Lima")

    assert result.exit_code == 2
    assert "--owner" in result.stderr
    assert "Ana Lima" in result.stderr


def test_owner_matches_without_case(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--owner", "ana lima", "-f", "json")

    assert result.exit_code == 0
    assert [o["id"] for o in result.json()["objectives"]] == ["CORP-1"]


def test_csv_has_one_row_per_key_result(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--format", "csv")

    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["CORP-1.1", "CORP-1.2", "CORP-1.3"]
    assert rows[1]["status"] == "off track"
    assert rows[1]["progress"] == "0.2"


def test_markdown_reads_as_text(okr: Any, shop: Path) -> None:
    """A bold title, then one list item per key result in words: short lines, no field names."""
    result = okr("status", "-w", str(shop), "--format", "md")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "**Shop · 2026-Q4 (2026-10-01 to 2026-12-31) · as of 2026-11-16**"
    assert "  - **CORP-1.2** Days to deliver:" in lines  # nested under its objective
    assert max(len(line) for line in lines) <= 100
    assert "_" not in result.stdout and "|" not in result.stdout  # no snake_case, no table


def test_table_shows_every_key_result(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop))

    assert result.exit_code == 0
    for kr_id in ("CORP-1", "CORP-1.1", "CORP-1.2", "CORP-1.3"):
        assert kr_id in result.stdout
    assert "off track" in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a terminal


def test_bad_as_of_names_the_option(okr: Any, shop: Path) -> None:
    result = okr("status", "-w", str(shop), "--as-of", "2026-02-30")

    assert result.exit_code == 2
    assert "--as-of" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_workbook(okr: Any, tmp_path: Path) -> None:
    result = okr("status", "-w", str(tmp_path / "nowhere.xlsx"))

    assert result.exit_code == 4
    assert "nowhere.xlsx" in result.stderr
    assert "okr init" in result.stderr  # says how to create one


def test_error_envelope_with_json(okr: Any, tmp_path: Path) -> None:
    result = okr("status", "-w", str(tmp_path / "nowhere.xlsx"), "--format", "json")

    assert result.exit_code == 4
    error = result.json()["error"]
    assert error["exit_code"] == 4
    assert "nowhere.xlsx" in error["message"]


def test_workbook_from_environment_and_okr_toml(
    okr: Any, shop: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OKR_WORKBOOK", str(shop))
    assert okr("status", "-f", "json").json()["company"] == "Shop"

    monkeypatch.delenv("OKR_WORKBOOK")
    (tmp_path / "okr.toml").write_text(f'workbook = "{shop.name}"\n')
    assert okr("status", "-f", "json").json()["company"] == "Shop"


def test_a_google_location_needs_credentials(okr: Any) -> None:
    result = okr("status", "-w", "gsheet:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")

    assert result.exit_code == 7
    assert "no Google credentials found" in result.stderr


def test_unreadable_rows_are_left_out_with_a_warning(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", [["Key result", "CORP-1.4", "CORP-1", "No target yet"]])
    result = okr("status", "-w", str(shop), "-f", "json")

    assert result.exit_code == 0
    ids = [k["id"] for k in result.json()["objectives"][0]["key_results"]]
    assert ids == ["CORP-1.1", "CORP-1.2", "CORP-1.3"]
    assert "could not be read" in result.stderr
    assert "okr validate" in result.stderr


def test_a_done_milestone_past_its_due_date_is_not_late(
    okr: Any, shop: Path, monkeypatch: Any
) -> None:
    """CORP-1.3 is due 2026-12-15; checked in done, it shows no countdown after that date, in
    the wide and narrow blocks and on the HTML page. CORP-1.1 (due 2026-12-31, not done) still
    counts down."""
    day = okr("checkin", "CORP-1.3", "--value", "done", "--date", "2026-11-16", "-w", str(shop))
    assert day.exit_code == 0, day.stderr
    for columns in ("200", "80"):
        monkeypatch.setenv("COLUMNS", columns)

        result = okr("status", "--as-of", "2026-12-20", "-w", str(shop))

        assert result.exit_code == 0, result.stderr
        before, done = result.stdout.split("CORP-1.3", 1)  # the last key result's entry
        assert "done" in done and "late" not in done, result.stdout
        assert "11 d left" in before, result.stdout  # CORP-1.1 and CORP-1.2
    page = okr("report", "--as-of", "2026-12-20", "--out", "-", "-w", str(shop))
    assert page.exit_code == 0, page.stderr
    assert "due 2026-12-15 (" not in page.stdout  # CORP-1.3: the date, no countdown
    assert "due 2026-12-31 (in 11 days)" in page.stdout, page.stdout
