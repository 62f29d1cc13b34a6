"""`okr checkin`: flags, CSV batch and the guided walk, on a real workbook file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import kr_row, read_tab

LOG = "Check-ins"


def log_rows(path: Path) -> list[list[Any]]:
    return [row for row in read_tab(path, LOG)[1:] if any(v not in (None, "") for v in row)]


def test_one_checkin_updates_the_log_and_the_kr_row(okr: Any, shop: Path) -> None:
    result = okr(
        "checkin", "CORP-1.2", "--value", "14", "--confidence", "7/10", "--note", "New carrier",
        "-w", str(shop),
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert "Recorded 1 check-in" in result.stderr
    [entry] = log_rows(shop)
    assert entry[:6] == [dt.datetime(2026, 11, 16), "CORP-1.2", 14, 0.7, "New carrier", "Ana Lima"]
    assert isinstance(entry[6], dt.datetime)  # recorded at
    assert entry[7]  # a check-in id, so a retry can be recognised
    row = kr_row(shop, "CORP-1.2")
    assert row["Current"] == 14
    assert row["Confidence"] == 0.7
    assert row["Last check-in"] == dt.datetime(2026, 11, 16)

    status = okr("status", "-w", str(shop), "-f", "json").json()
    scored = status["objectives"][0]["key_results"][1]
    assert scored["current"] == 14.0
    assert scored["progress"] == 0.6  # (20 - 14) / (20 - 10): lower is better
    assert scored["last_checkin"] == "2026-11-16"


def test_values_and_dates_in_human_forms(okr: Any, shop: Path) -> None:
    result = okr(
        "checkin", "CORP-1.1", "--value", "1,234", "--confidence", "65%",
        "--date", "11/9/2026", "--by", "Bo", "-w", str(shop),
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    [entry] = log_rows(shop)
    assert entry[:6] == [dt.datetime(2026, 11, 9), "CORP-1.1", 1234, 0.65, None, "Bo"]


def test_milestone_done(okr: Any, shop: Path) -> None:
    assert okr("checkin", "CORP-1.3", "--value", "done", "-w", str(shop)).exit_code == 0

    status = okr("status", "-w", str(shop), "-f", "json").json()
    milestone = status["objectives"][0]["key_results"][2]
    assert (milestone["progress"], milestone["status"]) == (1.0, "done")


@pytest.mark.parametrize(
    "note",
    [
        '=HYPERLINK("http://example.com","click")',
        '=IMPORTXML("http://example.com","//a")',
        "+1",
        "-1+1",
        "@SUM(1)",
    ],
)
def test_notes_stay_text(okr: Any, shop: Path, note: str) -> None:
    result = okr("checkin", "CORP-1.1", "--value", "55", "--note", note, "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    cell = load_workbook(shop)[LOG]["E2"]
    assert cell.value == note
    assert cell.data_type == "s"  # a string, not a formula
    history = okr("history", "CORP-1.1", "-w", str(shop), "-f", "json").json()
    assert history["checkins"][0]["note"] == note


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE-1", "--value", "3"], "NOPE-1"),
        (["CORP-1.1", "--value", "lots"], "lots"),
        (["CORP-1.1", "--value", "3", "--confidence", "150%"], "--confidence"),
        (["CORP-1.1", "--value", "3", "--date", "2027-01-05"], "2027-01-05"),
        (["CORP-1.1", "--value", "3", "--date", "2026-11-30"], "future"),
        (["CORP-1.1", "--value", "3", "--date", "2026-02-30"], "--date"),
        (["CORP-1.1"], "--value"),
        (["--value", "3"], "KR_ID"),
    ],
)
def test_bad_input_writes_nothing(okr: Any, shop: Path, args: list[str], message: str) -> None:
    before = shop.read_bytes()

    result = okr("checkin", *args, "-w", str(shop))

    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert shop.read_bytes() == before


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_batch(okr: Any, shop: Path, tmp_path: Path) -> None:
    batch = write_csv(
        tmp_path / "updates.csv",
        "kr_id,value,confidence,note\n"
        "CORP-1.1,60,0.8,Good week\n"
        "CORP-1.2,16,60%,=cmd|' /C calc'!A0\n"
        "corp-1.3,yes,,\n",
    )

    result = okr("checkin", "--from", str(batch), "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    entries = log_rows(shop)
    assert [e[1] for e in entries] == ["CORP-1.1", "CORP-1.2", "CORP-1.3"]
    assert [e[2] for e in entries] == [60, 16, 1]
    assert entries[1][4] == "=cmd|' /C calc'!A0"
    assert len({e[7] for e in entries}) == 3  # distinct check-in ids
    assert kr_row(shop, "CORP-1.1")["Current"] == 60


def test_batch_with_one_bad_row_writes_nothing(okr: Any, shop: Path, tmp_path: Path) -> None:
    batch = write_csv(
        tmp_path / "updates.csv",
        "kr_id,value,confidence,note\nCORP-1.1,60,0.8,ok\nCORP-1.2,soon,,\nCORP-9.9,1,,\n",
    )
    before = shop.read_bytes()

    result = okr("checkin", "--from", str(batch), "-w", str(shop))

    assert result.exit_code == 2
    assert "updates.csv:3:" in result.stderr  # names the bad CSV line
    assert "CORP-9.9" in result.stderr  # and every other problem too
    assert shop.read_bytes() == before


def test_batch_file_problems(okr: Any, shop: Path, tmp_path: Path) -> None:
    missing = okr("checkin", "--from", str(tmp_path / "none.csv"), "-w", str(shop))
    assert missing.exit_code == 2
    assert "none.csv" in missing.stderr

    no_value = write_csv(tmp_path / "bad.csv", "kr_id,confidence\nCORP-1.1,0.5\n")
    result = okr("checkin", "--from", str(no_value), "-w", str(shop))
    assert result.exit_code == 2
    assert "value" in result.stderr


def test_guided_walk(okr: Any, shop: Path) -> None:
    # Orders: 62 at 80%; Days: keep 18, confidence 50%, a note; milestone: skipped; confirm.
    answers = "62\n\nQuiet week\n\n50%\nCarrier contract signed\n-\ny\n"

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input=answers)

    assert result.exit_code == 0, result.stderr
    assert "About to record" in result.stderr
    entries = log_rows(shop)
    assert [(e[1], e[2], e[3], e[4]) for e in entries] == [
        ("CORP-1.1", 62, 0.8, "Quiet week"),
        ("CORP-1.2", 18, 0.5, "Carrier contract signed"),
    ]


def test_guided_walk_declined_writes_nothing(okr: Any, shop: Path) -> None:
    before = shop.read_bytes()

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="62\n\n\n-\n-\nn\n")

    assert result.exit_code == 0
    assert "Nothing was written" in result.stderr
    assert shop.read_bytes() == before


def test_guided_walk_interrupted_writes_nothing(okr: Any, shop: Path) -> None:
    before = shop.read_bytes()

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="62\n")  # then EOF

    assert result.exit_code == 130
    assert shop.read_bytes() == before


def test_guided_walk_retries_a_bad_value(okr: Any, shop: Path) -> None:
    answers = "sixty\n61\n\n\n-\n-\ny\n"

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input=answers)

    assert result.exit_code == 0, result.stderr
    assert "sixty" in result.stderr
    assert [e[2] for e in log_rows(shop)] == [61]


def test_guided_walk_picks_the_owner_from_a_list(okr: Any, shop: Path) -> None:
    result = okr("checkin", "-w", str(shop), input="1\n-\n-\n70\nyes\n\n\ny\n")

    assert result.exit_code == 0, result.stderr
    assert "1. Ana Lima" in result.stderr
    assert "'70' is not done/not done" in result.stderr  # a milestone is yes or no
    assert [(e[1], e[2]) for e in log_rows(shop)] == [("CORP-1.3", 1)]


def test_unknown_owner_in_guided_walk(okr: Any, shop: Path) -> None:
    result = okr("checkin", "--owner", "Zed", "-w", str(shop))

    assert result.exit_code == 2
    assert "--owner" in result.stderr
    assert "Ana Lima" in result.stderr


def test_a_current_typed_after_the_check_in_counts_and_fix_logs_it(okr: Any, shop: Path) -> None:
    assert okr("checkin", "CORP-1.1", "--value", "70", "-w", str(shop)).exit_code == 0
    book = load_workbook(shop)
    sheet = book["Corporate"]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "CORP-1.1":
            row[10].value = 12  # someone overtypes Current by hand
    book.save(shop)

    # The row is what the sheet shows, so it is what okr reports too.
    status = okr("status", "-w", str(shop), "-f", "json").json()
    assert status["objectives"][0]["key_results"][0]["current"] == 12.0
    validate = okr("validate", "-w", str(shop), "-f", "json")
    assert validate.exit_code == 0  # drift is a warning
    [finding] = validate.json()["findings"]
    assert (finding["severity"], finding["code"]) == ("warning", "drift")
    assert finding["where"] == "Corporate!K3"
    assert "not in the log" in finding["message"] and "--fix" in finding["message"]

    assert okr("validate", "-w", str(shop), "--fix").exit_code == 0
    assert okr("validate", "-w", str(shop), "-f", "json").json()["findings"] == []
    log = [r for r in read_tab(shop, "Check-ins")[1:] if r[1] == "CORP-1.1"]
    assert [r[2] for r in log] == [70, 12]
    again = okr("status", "-w", str(shop), "-f", "json").json()
    assert again["objectives"][0]["key_results"][0]["current"] == 12.0
