"""The end of a cycle and the start of the next: grade, rollover, history, todo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import kr_row, read_tab


def checkin(okr: Any, path: Path, kr_id: str, value: str, *extra: str) -> None:
    result = okr("checkin", kr_id, "--value", value, "-w", str(path), *extra)
    assert result.exit_code == 0, result.stderr


def test_grade_json(okr: Any, shop: Path) -> None:
    checkin(okr, shop, "CORP-1.3", "done")

    result = okr("grade", "-w", str(shop), "-f", "json", "--as-of", "2026-12-31")

    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["provisional"] is False
    grades = {k["id"]: (k["grade"], k["band"]) for k in report["key_results"]}
    assert grades == {
        "CORP-1.1": (0.5, "learning"),
        "CORP-1.2": (0.2, "learning"),
        "CORP-1.3": (1.0, "maybe too easy"),
    }
    assert report["maybe_too_easy"] == ["CORP-1.3"]
    assert report["share_in_band"] == 0.0
    # (0.5 + 0.2 + 2 * 1.0) / 4, the milestone weighing double
    assert report["objectives"] == [
        {
            "id": "CORP-1",
            "title": "Become the easiest shop to buy from",
            "owner": "Ana Lima",
            "grade": 0.68,
            "commitment": "aspirational",
            "committed_miss": False,
            "final_grade": None,
            "reason": "",
            "worked": "",
            "to_change": "",
            "next_cycle": None,
        }
    ]
    assert report["owners"][0]["owner"] == "Ana Lima"
    assert report["owners"][0]["key_results"] == 3


def test_grade_before_the_end_is_provisional(okr: Any, shop: Path) -> None:
    result = okr("grade", "-w", str(shop), "-f", "json")

    assert result.json()["provisional"] is True
    assert "provisional" in result.stderr


def test_grade_write_stores_grades_and_nothing_else(okr: Any, shop: Path) -> None:
    log_before = read_tab(shop, "Check-ins")

    result = okr("grade", "-w", str(shop), "--write", "--as-of", "2026-12-31")

    assert result.exit_code == 0, result.stderr
    assert kr_row(shop, "CORP-1.1")["Grade"] == 0.5
    assert kr_row(shop, "CORP-1.2")["Grade"] == 0.2
    assert kr_row(shop, "CORP-1.1")["Current"] == 50
    assert read_tab(shop, "Check-ins") == log_before


def test_rollover_carries_and_archives(okr: Any, shop: Path) -> None:
    checkin(okr, shop, "CORP-1.1", "64", "--date", "2026-11-16")
    checkin(okr, shop, "CORP-1.3", "done", "--date", "2026-11-16")

    result = okr("rollover", "--to", "2027-Q1", "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    book = load_workbook(shop)
    assert "Archive 2026-Q4" in book.sheetnames
    archived = read_tab(shop, "Archive 2026-Q4")
    assert any("CORP-1.3" in row for row in archived)  # history stays readable
    status = okr("status", "-w", str(shop), "-f", "json", "--as-of", "2027-01-15").json()
    assert status["cycle"] == {"name": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31"}
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert set(krs) == {"CORP-1.1", "CORP-1.2"}  # the done milestone is archived
    assert krs["CORP-1.1"]["start"] == 64.0  # the new baseline is the last value
    assert krs["CORP-1.1"]["target"] == 100.0
    assert krs["CORP-1.1"]["due"] == "2027-03-31"
    assert krs["CORP-1.2"]["start"] == 18.0
    assert okr("validate", "-w", str(shop), "-f", "json").json()["errors"] == 0
    # The old cycle's check-ins left the live log for its archive.
    assert not [r for r in read_tab(shop, "Check-ins")[1:] if r[1]]
    moved = read_tab(shop, "Archive 2026-Q4 check-ins")
    assert [r[1] for r in moved[1:] if r[1]] == ["CORP-1.1", "CORP-1.3"]
    assert "2 check-in(s) moved out of the live log" in result.stderr


def test_rollover_twice_is_refused(okr: Any, shop: Path) -> None:
    assert okr("rollover", "--to", "2027-Q1", "-w", str(shop)).exit_code == 0
    before = shop.read_bytes()

    again = okr("rollover", "--to", "2027-Q1", "-w", str(shop))

    assert again.exit_code != 0
    assert "2027-Q1" in again.stderr
    assert shop.read_bytes() == before


def test_rollover_bad_cycle(okr: Any, shop: Path) -> None:
    before = shop.read_bytes()

    result = okr("rollover", "--to", "next", "-w", str(shop))

    assert result.exit_code == 2
    assert "--to" in result.stderr
    assert shop.read_bytes() == before


def test_history_and_forecast(okr: Any, shop: Path) -> None:
    for day, value in (("2026-10-19", "45"), ("2026-10-26", "50"), ("2026-11-02", "55")):
        checkin(okr, shop, "CORP-1.1", value, "--date", day)

    result = okr("history", "CORP-1.1", "-w", str(shop), "-f", "json")

    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert [(c["date"], c["value"]) for c in report["checkins"]] == [
        ("2026-10-19", 45.0),
        ("2026-10-26", 50.0),
        ("2026-11-02", 55.0),
    ]
    # five a week, 8 weeks and 4 days from 2 Nov to 31 Dec: 55 + 5 * 59 / 7 = 97.14, and
    # orders are whole things: 97, not 97.14
    assert report["forecast_at_due"] == round(55 + 5 * 59 / 7) == 97
    table = okr("history", "CORP-1.1", "-w", str(shop)).stdout
    assert any(ch in table for ch in "▁▂▃▄▅▆▇█")


def test_history_unknown_kr(okr: Any, shop: Path) -> None:
    result = okr("history", "CORP-7.7", "-w", str(shop))

    assert result.exit_code == 2
    assert "CORP-7.7" in result.stderr


def test_todo(okr: Any, shop: Path) -> None:
    checkin(okr, shop, "CORP-1.2", "17", "--confidence", "0.6")

    result = okr("todo", "--owner", "Ana Lima", "-w", str(shop), "-f", "json")

    assert result.exit_code == 0, result.stderr
    items = {(i["id"], i["action"]) for i in result.json()["items"]}
    assert ("CORP-1.1", "check in") in items
    assert ("CORP-1.3", "check in") in items
    assert all(i[0] != "CORP-1.2" or i[1] != "check in" for i in items)
    assert any(i[0] == "CORP-1.2" for i in items)  # off track: still on the list


def test_dates_written_as_dates(okr: Any, shop: Path) -> None:
    checkin(okr, shop, "CORP-1.1", "60", "--date", "2026-11-10")

    cell = load_workbook(shop)["Check-ins"]["A2"]
    assert cell.value == dt.datetime(2026, 11, 10)
    assert cell.is_date


def test_a_whole_cycle_on_the_example_company(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init --example, a week of check-ins, grades written, rollover, the new cycle's status."""
    w = ("-w", str(example))
    before = okr("status", *w, "-f", "json").json()
    krs = [k for o in before["objectives"] for k in o["key_results"]]
    numeric = [k for k in krs if k["kind"] in ("increase", "decrease")][:2]
    milestone = next(k for k in krs if k["kind"] == "milestone")
    for kr in numeric:
        value = str(kr["target"])  # hit the target this week
        assert okr("checkin", kr["id"], "--value", value, "--confidence", "90%", *w).exit_code == 0
    assert okr("checkin", milestone["id"], "--value", "done", *w).exit_code == 0

    graded = okr("grade", *w, "--write", "-f", "json", "--as-of", "2026-12-31")
    assert graded.exit_code == 0, graded.stderr
    grades = {k["id"]: k["grade"] for k in graded.json()["key_results"]}
    assert all(grades[k["id"]] == 1.0 for k in [*numeric, milestone])
    # 1.0 may be too easy for an aspirational key result; a committed one is simply met.
    bands = {k["id"]: k["band"] for k in graded.json()["key_results"]}
    assert {bands[k["id"]] for k in [*numeric, milestone] if k["committed"]} <= {"met"}
    assert set(graded.json()["maybe_too_easy"]) >= {
        k["id"] for k in [*numeric, milestone] if not k["committed"]
    }

    rolled = okr("rollover", "--to", "2027-Q1", *w)
    assert rolled.exit_code == 0, rolled.stderr
    assert okr("validate", *w, "-f", "json").json()["errors"] == 0

    after = okr("status", *w, "-f", "json", "--as-of", "2027-01-04").json()
    assert after["cycle"]["name"] == "2027-Q1"
    carried = {k["id"]: k for o in after["objectives"] for k in o["key_results"]}
    assert milestone["id"] not in carried  # done: archived
    assert carried, "unfinished key results go on"
    assert all(k["due"] == "2027-03-31" and k["current"] is None for k in carried.values())
    for kr_id, kr in carried.items():
        old = next(k for k in krs if k["id"] == kr_id)
        assert kr["start"] == old["current"] or old["current"] is None
    archive = read_tab(example, "Archive 2026-Q4")
    assert sum(1 for row in archive if milestone["id"] in row) == 1
    # The first check-in of the new cycle.
    first = next(iter(carried))
    assert okr("checkin", first, "--value", "1", *w).exit_code == 2  # 2026-11-16: old cycle
    monkeypatch.setenv("OKR_TODAY", "2027-01-04")
    assert okr("checkin", first, "--value", "1", *w).exit_code == 0
    history = okr("history", first, *w, "-f", "json").json()
    assert [c["date"] for c in history["checkins"]] == ["2027-01-04"]  # this cycle's only


def test_rollover_dry_run_says_what_it_would_do(okr: Any, shop: Path) -> None:
    checkin(okr, shop, "CORP-1.3", "done", "--date", "2026-11-16")
    before = shop.read_bytes()

    result = okr("rollover", "--to", "2027-Q1", "--dry-run", "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    assert shop.read_bytes() == before
    assert "runs until 2026-12-31 (45 day(s) left)" in result.stderr  # OKR_TODAY is 2026-11-16
    assert "carry   3: CORP-1, CORP-1.1, CORP-1.2" in result.stderr
    assert "archive 1: CORP-1.3" in result.stderr
    assert "create  the tab 'Archive 2026-Q4'" in result.stderr
    assert "nothing was written" in result.stderr


def test_rollover_asks_on_a_terminal(okr: Any, shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from okrsheet.cli.commands import rollover

    monkeypatch.setattr(rollover, "_on_a_terminal", lambda: True)
    before = shop.read_bytes()

    declined = okr("rollover", "--to", "2027-Q1", "-w", str(shop), input="\n")  # default: no
    assert declined.exit_code == 0, declined.stderr
    assert "Roll over now?" in declined.stderr and "Nothing was written" in declined.stderr
    assert shop.read_bytes() == before

    accepted = okr("rollover", "--to", "2027-Q1", "-w", str(shop), input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "Rolled over from 2026-Q4 to 2027-Q1" in accepted.stderr


def test_rollover_after_the_cycle_has_no_warning(
    okr: Any, shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2027-01-02")

    result = okr("rollover", "--to", "2027-Q1", "--yes", "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
