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
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

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


def _workbook(tmp_path: Path, time_zone: str | None) -> Path:
    """The example company, in a cycle around today wherever on Earth today is."""
    book = tmp_path / "okr.xlsx"
    now = datetime.now(UTC).date()
    start, end = now - timedelta(days=40), now + timedelta(days=40)
    _okr(book, "UTC", "init", "--example", "--start", start.isoformat(), "--end",
         end.isoformat(), "--force", today=now.isoformat())  # fmt: skip
    if time_zone is not None:
        workbook = load_workbook(book)
        settings = workbook["Settings"]
        row = next(
            r for r in range(1, settings.max_row + 1) if settings.cell(r, 1).value == "Time zone"
        )
        settings.cell(row, 2).value = time_zone
        workbook.save(book)
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
