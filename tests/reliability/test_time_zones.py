"""Check-ins made from different time zones, a second apart, through the installed `okr`
script with `TZ` set as a person's computer has it.

`Recorded at` keeps its offset from UTC; the log is ordered by date, then by the instant each
check-in was recorded; a check-in without `--date` is for today in the workbook's time zone
(Settings: Time zone), else in the zone of the computer it is made on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

#: POSIX TZ strings (no time zone database needed): a name in <>, then the offset with
#: the sign POSIX uses, west of Greenwich positive. "<+14>-14" is UTC+14.
UTC_PLUS_14, UTC_PLUS_9, UTC_MINUS_11 = "<+14>-14", "<+09>-9", "<-11>11"


def _okr(book: Path, tz: str, *args: str, today: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKR_")}
    env.update(TZ=tz, NO_COLOR="1", COLUMNS="200")
    if today:
        env["OKR_TODAY"] = today
    script = Path(sys.executable).with_name("okr")
    done = subprocess.run(
        [str(script), *args, "-w", str(book)], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _init(book: Path, tz: str) -> None:
    """The example company, made by `okr init` on a computer in `tz`, in a cycle around today
    wherever on Earth today is."""
    now = datetime.now(UTC).date()
    start, end = now - timedelta(days=40), now + timedelta(days=40)
    _okr(book, tz, "init", "--example", "--start", start.isoformat(), "--end",
         end.isoformat(), "--force", today=now.isoformat())  # fmt: skip


def _set_time_zone(book: Path, time_zone: str | None) -> None:
    workbook = load_workbook(book)
    settings = workbook["Settings"]
    row = next(
        r for r in range(1, settings.max_row + 1) if settings.cell(r, 1).value == "Time zone"
    )
    settings.cell(row, 2).value = time_zone
    workbook.save(book)


def _time_zone_setting(book: Path) -> Any:
    settings = load_workbook(book)["Settings"]
    found = [r[1].value for r in settings.iter_rows() if r[0].value == "Time zone"]
    assert len(found) == 1, found
    return found[0]


def _workbook(tmp_path: Path, time_zone: str | None) -> Path:
    """The example company with this Time zone; None leaves it blank, as workbooks made
    before `okr init` recorded one have it."""
    book = tmp_path / "okr.xlsx"
    _init(book, "UTC")
    _set_time_zone(book, time_zone)
    return book


def _newest(book: Path) -> tuple[Any, list[tuple[Any, ...]]]:
    """The KR row's Current value for SALES-1.1, and its check-ins (date, value, recorded
    at) in log order."""
    workbook = load_workbook(book)
    sales = workbook["Sales"]
    header = [c.value for c in sales[1]]
    row = next(r for r in sales.iter_rows(min_row=2, values_only=True) if r[1] == "SALES-1.1")
    current = row[header.index("Current")]
    log = workbook["Check-ins"]
    cols = [c.value for c in log[1]]
    lines = [
        (r[cols.index("Date")], r[cols.index("Value")], r[cols.index("Recorded at")])
        for r in log.iter_rows(min_row=2, values_only=True)
        if r[cols.index("KR ID")] == "SALES-1.1" and r[cols.index("Value")] in (111, 222, 333, 444)
    ]
    return current, lines


def _status_current(book: Path, tz: str, today: str | None = None) -> float:
    import json

    status = json.loads(_okr(book, tz, "status", "-f", "json", today=today))
    krs = [kr for o in status["objectives"] for kr in o["key_results"]]
    return float(next(kr for kr in krs if kr["id"] == "SALES-1.1")["current"])


def _validate_mentions_drift(book: Path, tz: str) -> bool:
    env_out = _okr(book, tz, "validate", "-f", "json")
    return "drift" in env_out


def test_recorded_at_keeps_its_offset_and_the_newest_instant_wins_on_one_date(
    tmp_path: Path,
) -> None:
    """UTC+14 then, a second later, UTC+9, on the same date: the second was recorded later
    though its clock shows five hours earlier. It is the newest everywhere."""
    book = _workbook(tmp_path, None)
    day = datetime.now(UTC).date().isoformat()
    _okr(book, UTC_PLUS_14, "checkin", "SALES-1.1", "--value", "333", today=day)
    time.sleep(1.1)
    _okr(book, UTC_PLUS_9, "checkin", "SALES-1.1", "--value", "444", today=day)

    current, lines = _newest(book)
    assert [value for _, value, _ in lines] == [333, 444]
    assert str(lines[0][2]).endswith("+14:00") and str(lines[1][2]).endswith("+09:00")
    assert current == 444
    for viewer in (UTC_PLUS_14, UTC_PLUS_9, UTC_MINUS_11, "UTC"):
        assert _status_current(book, viewer, today=day) == 444, viewer
    assert not _validate_mentions_drift(book, "UTC")


def test_with_a_workbook_time_zone_both_sides_of_the_date_line_share_one_today(
    tmp_path: Path,
) -> None:
    """UTC+14 then, a second later, UTC-11 (25 hours apart: never the same date), with the
    Settings' Time zone at UTC: both check-ins are for today in UTC, the later one wins, and
    every viewer sees it."""
    book = _workbook(tmp_path, "UTC")
    _okr(book, UTC_PLUS_14, "checkin", "SALES-1.1", "--value", "222")
    time.sleep(1.1)
    _okr(book, UTC_MINUS_11, "checkin", "SALES-1.1", "--value", "111")

    current, lines = _newest(book)
    today_in_utc = datetime.now(UTC).date()
    assert [(day.date(), value) for day, value, _ in lines] in (
        [(today_in_utc, 222), (today_in_utc, 111)],
        # the UTC date turned between the two runs: still one day, the later one
        [(today_in_utc - timedelta(days=1), 222), (today_in_utc, 111)],
    )
    assert all(str(at).endswith("+00:00") for _, _, at in lines)
    assert current == 111
    for viewer in (UTC_PLUS_14, UTC_MINUS_11, "UTC"):
        assert _status_current(book, viewer) == 111, viewer
    assert not _validate_mentions_drift(book, "UTC")


def test_without_a_workbook_time_zone_each_computer_dates_by_its_own_clock(
    tmp_path: Path,
) -> None:
    """UTC+14 then, a second later, UTC-11, with no Time zone setting: each check-in is for
    its own computer's today, so the one from UTC+14 is for a later date and stays the newest
    (a check-in for an earlier date does not replace a later one). The KR row and the log
    agree; a viewer for whom that date has come sees it."""
    book = _workbook(tmp_path, None)
    _okr(book, UTC_PLUS_14, "checkin", "SALES-1.1", "--value", "222")
    time.sleep(1.1)
    _okr(book, UTC_MINUS_11, "checkin", "SALES-1.1", "--value", "111")

    current, lines = _newest(book)
    (d14, v14, at14), (d11, v11, at11) = lines
    assert (v14, v11) == (222, 111)
    assert d14 > d11
    assert str(at14).endswith("+14:00") and str(at11).endswith("-11:00")
    assert current == 222
    assert _status_current(book, UTC_PLUS_14) == 222
    assert not _validate_mentions_drift(book, "UTC")


def test_a_bad_time_zone_setting_names_its_cell(tmp_path: Path) -> None:
    book = _workbook(tmp_path, "Mars/Olympus_Mons")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKR_")}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("okr")), "validate", "-w", str(book)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "Settings!B" in done.stdout + done.stderr
    assert "not a time zone" in done.stdout + done.stderr


def test_date_today_is_today_in_the_workbook_time_zone(tmp_path: Path) -> None:
    """`--date today` means what no --date means: today where the workbook's clock is."""
    book = _workbook(tmp_path, "UTC+14")
    _okr(book, UTC_MINUS_11, "checkin", "SALES-1.1", "--value", "222", "--date", "today")

    _, [(day, value, at)] = _newest(book)
    assert value == 222 and str(at).endswith("+14:00")
    assert day.date() == datetime.now(UTC).astimezone(timezone(timedelta(hours=14))).date()


def test_a_new_workbook_records_the_creating_computers_zone_so_every_viewer_agrees(
    tmp_path: Path,
) -> None:
    """`okr init` on a computer at UTC+14 records that zone; then UTC+14 and UTC-11 check in
    a second apart (never the same date on their clocks): both are for today at UTC+14, the
    later one is the key result's value, and every viewer, wherever, sees it."""
    book = tmp_path / "okr.xlsx"
    _init(book, UTC_PLUS_14)
    assert _time_zone_setting(book) == "UTC+14:00"

    _okr(book, UTC_PLUS_14, "checkin", "SALES-1.1", "--value", "222")
    time.sleep(1.1)
    _okr(book, UTC_MINUS_11, "checkin", "SALES-1.1", "--value", "111")

    current, lines = _newest(book)
    assert [value for _, value, _ in lines] == [222, 111]
    assert lines[0][0] <= lines[1][0]  # one day (or the later one's, past midnight at +14)
    assert all(str(at).endswith("+14:00") for _, _, at in lines)
    assert current == 111
    viewers = (UTC_PLUS_14, UTC_MINUS_11, UTC_PLUS_9, "UTC", "<-05>5", "<+0530>-5:30")
    assert [_status_current(book, viewer) for viewer in viewers] == [111] * len(viewers)
    assert not _validate_mentions_drift(book, UTC_MINUS_11)


def test_init_names_the_zone_as_the_computer_does(tmp_path: Path) -> None:
    for tz, recorded in (
        ("Europe/Berlin", "Europe/Berlin"),
        (":America/New_York", "America/New_York"),
        ("<-11>11", "UTC-11:00"),
        ("Etc/UTC", "UTC"),
    ):
        book = tmp_path / "okr.xlsx"
        _init(book, tz)
        assert _time_zone_setting(book) == recorded, tz


def _okr_run(book: Path, tz: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKR_")}
    env.update(TZ=tz, NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [str(Path(sys.executable).with_name("okr")), *args, "-w", str(book)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_validate_fix_records_the_computers_zone_in_an_older_workbook_and_says_so(
    tmp_path: Path,
) -> None:
    book = _workbook(tmp_path, None)  # made before init recorded a zone

    done = _okr_run(book, "Asia/Tokyo", "validate", "--fix")

    assert done.returncode == 0, done.stderr
    assert _time_zone_setting(book) == "Asia/Tokyo"
    assert "recorded this computer's time zone, Asia/Tokyo" in done.stderr
    again = _okr_run(book, "Europe/Berlin", "validate", "--fix")  # set now: left alone
    assert again.returncode == 0, again.stderr
    assert _time_zone_setting(book) == "Asia/Tokyo"
    assert "time zone" not in again.stderr


def test_validate_fix_adds_the_time_zone_row_to_a_settings_tab_without_one(
    tmp_path: Path,
) -> None:
    book = _workbook(tmp_path, None)
    workbook = load_workbook(book)
    settings = workbook["Settings"]
    row = next(
        r for r in range(1, settings.max_row + 1) if settings.cell(r, 1).value == "Time zone"
    )
    settings.delete_rows(row)
    workbook.save(book)

    done = _okr_run(book, "America/Sao_Paulo", "validate", "--fix")

    assert done.returncode == 0, done.stderr
    assert _time_zone_setting(book) == "America/Sao_Paulo"
    assert _okr_run(book, "UTC", "validate").returncode == 0


def test_validate_fix_leaves_a_time_zone_it_cannot_read_to_the_person(tmp_path: Path) -> None:
    book = _workbook(tmp_path, "Mars/Olympus_Mons")

    done = _okr_run(book, "Asia/Tokyo", "validate", "--fix")

    assert _time_zone_setting(book) == "Mars/Olympus_Mons"
    assert "not a time zone" in done.stdout + done.stderr


def _recorded_at_on_google(google: Any, value: float) -> str:
    sheet = google.fake.sheet(google.sheet_id(), "Check-ins")
    header = [(c or {}).get("formattedValue") or "" for c in sheet.rows[0]]
    column = header.index("Recorded at")
    for row in sheet.rows[1:]:
        cells = [(c or {}).get("userEnteredValue", {}) for c in row]
        if any(c.get("numberValue") == value for c in cells):
            return str(cells[column].get("stringValue", ""))
    raise AssertionError(f"no check-in of {value}")


def _time_zones_sent(google: Any) -> list[Any]:
    """The `timeZone` of every spreadsheet property update okr sent to the API."""
    return [
        request["updateSpreadsheetProperties"]["properties"]["timeZone"]
        for call in google.fake.calls
        if call.method == "POST" and call.path.endswith(":batchUpdate")
        for request in (call.body or {}).get("requests", [])
        if "updateSpreadsheetProperties" in request
    ]


@pytest.fixture
def computer_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Moves this process to another time zone (`TZ`), as okr run there would be."""

    def move(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield move
    monkeypatch.undo()
    time.tzset()


def test_a_new_google_spreadsheet_gets_the_creating_computers_time_zone(
    okr: Any, google: Any, computer_zone: Callable[[str], None]
) -> None:
    """`okr init gsheet:new` sets the new spreadsheet's own time zone (File > Settings) to the
    creating computer's, in the same write as its layout, as `okr init` records it in Settings
    for an .xlsx: two check-ins from both sides of the date line then date alike."""
    for tz, sent in (
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("<+14>-14", "GMT+14:00"),  # a fixed offset: Google's custom zone
        ("Etc/UTC", "Etc/GMT"),
    ):
        google.fake.calls.clear()
        computer_zone(tz)
        result = okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4")
        assert result.exit_code == 0, result.stderr
        assert _time_zones_sent(google) == [sent], tz
        assert google.fake.spreadsheets[google.sheet_id()].properties["timeZone"] == sent
    location = google.location()  # made at UTC+14
    settings = google.fake.sheet(google.sheet_id(), "Settings").rows
    zone_row = next(r for r in settings if (r[0] or {}).get("formattedValue") == "Time zone")
    assert not (zone_row[1] or {}).get("formattedValue")  # the spreadsheet's own is used
    computer_zone("<-11>11")  # another computer, at UTC-11
    assert okr("checkin", "SALES-1.1", "--value", "93.5", "-w", location).exit_code == 0
    assert _recorded_at_on_google(google, 93.5).endswith("+00:00")
    google.fake.calls.clear()
    google.fake.spreadsheets[google.sheet_id()].properties["timeZone"] = "Pacific/Kiritimati"
    assert okr("checkin", "SALES-1.1", "--value", "94.5", "-w", location).exit_code == 0
    assert _recorded_at_on_google(google, 94.5).endswith("+14:00")
    assert _time_zones_sent(google) == []  # a check-in never changes the spreadsheet's zone


def test_a_google_workbook_uses_the_spreadsheets_time_zone(
    okr: Any, google: Any, monkeypatch: Any
) -> None:
    """A Google spreadsheet records its own time zone (what its TODAY() uses); with the
    Settings' Time zone blank, okr uses it too. A Time zone in Settings still comes first."""
    monkeypatch.setenv("TZ", "Etc/UTC")
    result = okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4")
    assert result.exit_code == 0, result.stderr
    location = google.location()
    spreadsheet = google.fake.spreadsheets[google.sheet_id()]
    assert spreadsheet.properties["timeZone"] == "Etc/GMT"  # the creating computer's: UTC
    settings = google.fake.sheet(google.sheet_id(), "Settings").rows
    zone_row = next(r for r in settings if (r[0] or {}).get("formattedValue") == "Time zone")
    assert not (zone_row[1] or {}).get("formattedValue")  # left to the spreadsheet's own
    spreadsheet.properties["timeZone"] = "Pacific/Kiritimati"  # UTC+14

    assert okr("checkin", "SALES-1.1", "--value", "91.25", "-w", location).exit_code == 0
    assert _recorded_at_on_google(google, 91.25).endswith("+14:00")
    fixed = okr("validate", "--fix", "-w", location)  # the spreadsheet has a zone: left so
    assert fixed.exit_code == 0, fixed.stderr
    assert "time zone" not in fixed.stderr
    settings = google.fake.sheet(google.sheet_id(), "Settings").rows
    zone_row = next(r for r in settings if (r[0] or {}).get("formattedValue") == "Time zone")
    assert not (zone_row[1] or {}).get("formattedValue")

    google.fake.set_values(google.sheet_id(), "Settings!B16", [["UTC-11"]])
    assert okr("validate", "-w", location).exit_code == 0
    assert okr("checkin", "SALES-1.1", "--value", "92.75", "-w", location).exit_code == 0
    assert _recorded_at_on_google(google, 92.75).endswith("-11:00")
