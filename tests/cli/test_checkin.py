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
    # Recorded at: the moment, with its offset from UTC (a spreadsheet's date has no zone)
    assert dt.datetime.fromisoformat(entry[6]).utcoffset() is not None
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


def test_guided_walk_input_ending_writes_nothing(okr: Any, shop: Path) -> None:
    before = shop.read_bytes()

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="62\n")  # then EOF

    assert result.exit_code == 2  # not "interrupted" (130): nobody pressed Ctrl-C
    assert "--value" in result.stderr and "--from" in result.stderr
    assert shop.read_bytes() == before


def test_guided_walk_without_answers_asks_nothing(okr: Any, shop: Path) -> None:
    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="")

    assert result.exit_code == 2
    assert "New value" not in result.stderr  # stopped before the first question
    assert "no terminal" in result.stderr
    assert "okr checkin KR_ID --value N" in result.stderr


def test_guided_walk_refuses_a_date_before_asking(
    okr: Any, shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2026-09-20")  # the cycle starts on 1 October

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="62\n\n\n-\n-\ny\n")

    assert result.exit_code == 2
    assert "outside the cycle" in result.stderr
    assert "the cycle starts on 2026-10-01" in result.stderr
    assert "New value" not in result.stderr


def test_guided_walk_refuses_an_unknown_owner_before_asking(okr: Any, shop: Path) -> None:
    result = okr("checkin", "--owner", "Zed", "--date", "2026-13-45", "-w", str(shop), input="1\n")

    assert result.exit_code == 2
    assert "--date" in result.stderr  # the date first, then the owner: nothing is asked
    assert "New value" not in result.stderr


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


def excel_csv(path: Path, text: str) -> Path:
    """A CSV as Excel saves it in a semicolon locale: Windows-1252, CR LF, semicolons."""
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    return path


def test_batch_as_excel_writes_it(okr: Any, shop: Path, tmp_path: Path) -> None:
    batch = excel_csv(
        tmp_path / "updates.csv",
        'KR ID;Value;Confidence;Note\nCORP-1.1;60;80%;"Caf\u00e9 opened;\nsecond line"\n',
    )

    result = okr("checkin", "--from", str(batch), "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    assert "Windows-1252" in result.stderr
    [entry] = log_rows(shop)
    assert entry[1:4] == ["CORP-1.1", 60, 0.8]
    # The CR of the quoted CRLF is kept, as Excel's `_x000D_` (which openpyxl does not decode).
    assert entry[4].replace("_x000D_", "\r") == "Caf\u00e9 opened;\r\nsecond line"


def test_batch_with_bom_from_stdin(okr: Any, shop: Path) -> None:
    result = okr(
        "checkin", "--from", "-", "-w", str(shop),
        input="\ufeffkr_id,value\r\nCORP-1.2,15\r\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert [(e[1], e[2]) for e in log_rows(shop)] == [("CORP-1.2", 15)]


def test_batch_unterminated_quote_records_nothing(okr: Any, shop: Path, tmp_path: Path) -> None:
    batch = write_csv(
        tmp_path / "q.csv", 'kr_id,value,note\nCORP-1.1,60,"never closed\nCORP-1.2,14,x\n'
    )
    before = shop.read_bytes()

    result = okr("checkin", "--from", str(batch), "-w", str(shop))

    assert result.exit_code == 2
    assert "q.csv:2: a quoted field opened on this line is never closed" in result.stderr
    assert shop.read_bytes() == before


def set_date_order(path: Path, order: str) -> None:
    book = load_workbook(path)
    sheet = book["Settings"]
    for row in sheet.iter_rows():
        if row[0].value == "Date order":
            row[1].value = order
    book.save(path)


def test_dates_follow_the_workbooks_date_order(okr: Any, shop: Path, tmp_path: Path) -> None:
    set_date_order(shop, "DMY")
    batch = write_csv(tmp_path / "b.csv", "kr_id,value,date\nCORP-1.2,16,2/11/2026\n")

    flags = okr("checkin", "CORP-1.1", "--value", "40", "--date", "10/11/2026", "-w", str(shop))
    from_csv = okr("checkin", "--from", str(batch), "-w", str(shop))

    assert flags.exit_code == 0, flags.stderr
    assert from_csv.exit_code == 0, from_csv.stderr
    dates = {e[1]: e[0] for e in log_rows(shop)}
    assert dates == {"CORP-1.1": dt.datetime(2026, 11, 10), "CORP-1.2": dt.datetime(2026, 11, 2)}


def test_percent_without_a_percent_sign_is_refused(okr: Any, example: Path) -> None:
    before = example.read_bytes()

    result = okr("checkin", "SALES-1.2", "--value", "78", "-w", str(example))  # target 85%

    assert result.exit_code == 2
    assert "did you mean 78%?" in result.stderr
    assert example.read_bytes() == before  # never 7800%
    assert okr("checkin", "SALES-1.2", "--value", "78%", "-w", str(example)).exit_code == 0
    assert kr_row(example, "SALES-1.2", "Sales")["Current"] == 0.78


def test_values_orders_of_magnitude_off_are_refused(okr: Any, example: Path) -> None:
    result = okr("checkin", "CORP-1.1", "--value", "3000", "-w", str(example))  # ARR 2.4M..3M

    assert result.exit_code == 2
    assert "less than a hundredth" in result.stderr


def test_guided_walk_asks_again_after_a_units_slip(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2026-11-16")
    # Marcus Webb owns SALES-1.1 (opportunities), SALES-1.2 (percent) and SALES-1.3 (demos),
    # and the KPI KPI-4 (skipped).
    answers = "-\n78\n78%\n\n\n-\n-\ny\n"

    result = okr("checkin", "--owner", "Marcus Webb", "-w", str(example), input=answers)

    assert result.exit_code == 0, result.stderr
    assert "did you mean 78%?" in result.stderr
    assert kr_row(example, "SALES-1.2", "Sales")["Current"] == 0.78


def test_as_of_follows_the_workbooks_date_order(okr: Any, shop: Path) -> None:
    set_date_order(shop, "DMY")
    assert okr("checkin", "CORP-1.1", "--value", "40", "--date", "2026-11-02", "-w", str(shop))

    dmy = okr("status", "--as-of", "10/11/2026", "-w", str(shop), "-f", "json")
    unreadable = okr("status", "--as-of", "31/31/2026", "-w", str(shop))

    assert dmy.exit_code == 0, dmy.stderr
    assert dmy.json()["as_of"] == "2026-11-10"
    assert unreadable.exit_code == 2 and "--as-of" in unreadable.stderr


def test_batch_notes_keep_every_line_separator(okr: Any, shop: Path, tmp_path: Path) -> None:
    note = "two\nlines\u2028sep\x0cfeed\x85next"
    batch = write_csv(
        tmp_path / "n.csv", f'kr_id,value,note\nCORP-1.1,60,"{note}"\nCORP-1.2,14,x\n'
    )

    result = okr("checkin", "--from", str(batch), "-w", str(shop))

    assert result.exit_code == 0, result.stderr
    assert "Recorded 2 check-in(s)" in result.stderr
    history = okr("history", "CORP-1.1", "-w", str(shop), "-f", "json").json()
    assert [c["note"] for c in history["checkins"]] == [note]


def test_a_semicolon_csv_from_excel_in_europe_is_read_with_decimal_commas(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    """Excel in most of Europe saves `;` between columns and decimal commas, and HR or CRM
    exports bring columns okr does not use: they are left out, named once."""
    batch = write_csv(
        tmp_path / "eu.csv",
        "kr_id;value;confidence;Job title;Region\n"
        "SALES-1.2;80,5%;0,7;Lead;North\n"
        "CORP-1.1;2.700.000;0,6;CFO;All\n",
    )

    result = okr("checkin", "--from", str(batch), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("okr does not use") == 1
    assert "'Job title', 'Region'" in result.stderr
    assert kr_row(example, "SALES-1.2", "Sales")["Current"] == pytest.approx(0.805)
    assert kr_row(example, "CORP-1.1")["Current"] == 2_700_000
    assert kr_row(example, "CORP-1.1")["Confidence"] == pytest.approx(0.6)


def test_decimal_chooses_the_decimal_sign_when_the_file_does_not_say(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    tabbed = write_csv(tmp_path / "tab.csv", "kr_id\tvalue\nSALES-1.2\t80,5%\n")
    assert okr("checkin", "--from", str(tabbed), "-w", str(example)).exit_code == 2

    result = okr("checkin", "--from", str(tabbed), "--decimal", "comma", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert kr_row(example, "SALES-1.2", "Sales")["Current"] == pytest.approx(0.805)
    semicolons = write_csv(tmp_path / "semi.csv", "kr_id;value\nSALES-1.3;3.500\n")
    dotted = okr("checkin", "--from", str(semicolons), "--decimal", "dot", "-w", str(example))
    assert dotted.exit_code == 0, dotted.stderr
    assert kr_row(example, "SALES-1.3", "Sales")["Current"] == pytest.approx(3.5)
    wrong = okr("checkin", "--from", str(semicolons), "--decimal", "point", "-w", str(example))
    assert wrong.exit_code == 2 and "--decimal" in wrong.stderr
