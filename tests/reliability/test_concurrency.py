"""Several writers at once.

Local: two real processes record check-ins into the same .xlsx at the same time; every one of
them lands once and the workbook stays valid. Google has no lock between our read and our
write, so people (and other okr runs) change the spreadsheet in that moment; each such change
is applied in the fake just before our batchUpdate (tests/stores/test_gsheets.py covers rows
inserted, deleted and sorted on the key result's tab and a renamed KR tab; these go further).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from okrsheet.stores.google.store import SCRATCH_TAB, serial
from tests.conftest import TODAY, Google
from tests.fakes.sheets_api import FakeGoogle, FakeRequest
from tests.reliability.conftest import fingerprint

# Local: two processes ------------------------------------------------------------------------

#: One worker process: N check-ins in a row, each a separate run of the real command line
#: (`okr checkin ...`: its own lock, fresh read and atomic save), as fast as it can.
_WORKER = """
import json, sys
from typer.testing import CliRunner
from okrsheet.cli import app
book, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
runner, codes = CliRunner(), []
for n in range(count):
    kr = ("SALES-1.1", "SALES-1.3")[n % 2]
    # SALES-1.1 (0 to 180 opportunities) takes large values; SALES-1.3 (3 to 6 demos) plausible
    # ones: a thousand demos would fail the units guard.
    base = (1000 if tag == "a" else 2000) if kr == "SALES-1.1" else 0
    value = str(base + n)
    result = runner.invoke(app, ["checkin", kr, "--value", value, "--note", f"{tag}-{n}",
                                 "-w", book])
    codes.append(result.exit_code)
    if result.exit_code:
        print(result.output, file=sys.stderr)
print(json.dumps(codes))
"""


def okr_script() -> Path:
    """The installed `okr` console script, next to this interpreter."""
    script = Path(sys.executable).with_name("okr")
    assert script.is_file(), f"no okr script beside {sys.executable}"
    return script


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKR_")}
    return {**env, "OKR_TODAY": TODAY.isoformat(), "NO_COLOR": "1"}


def _notes(okr: Any, book: Path) -> list[str]:
    notes: list[str] = []
    for kr in ("SALES-1.1", "SALES-1.3"):
        history = okr("history", kr, "-f", "json", "-w", str(book))
        assert history.exit_code == 0, history.stderr
        notes += [c["note"] for c in history.json()["checkins"]]
    return notes


def test_two_processes_recording_50_checkins_each_lose_nothing(
    okr: Any, tmp_path: Path, example_bytes: bytes
) -> None:
    book = tmp_path / "okr.xlsx"
    book.write_bytes(example_bytes)
    count = 50
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(book), tag, str(count)],
            env=_env(),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for tag in ("a", "b")
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]

    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert json.loads(out) == [0] * count, err
    notes = _notes(okr, book)
    wanted = [f"{tag}-{n}" for tag in ("a", "b") for n in range(count)]
    assert sorted(n for n in notes if n[:2] in ("a-", "b-")) == sorted(wanted)
    validate = okr("validate", "-f", "json", "-w", str(book))
    assert validate.exit_code == 0, validate.stdout
    assert validate.json()["errors"] == 0
    status = okr("status", "-f", "json", "-w", str(book)).json()
    currents = {k["id"]: k["current"] for o in status["objectives"] for k in o["key_results"]}
    assert currents["SALES-1.1"] in {float(1000 + n) for n in range(0, count, 2)} | {
        float(2000 + n) for n in range(0, count, 2)
    }


def test_a_checkin_that_waited_for_the_lock_does_not_leave_the_row_behind_the_log(
    okr: Any, tmp_path: Path, example_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that waited for another one's write is written after it, so it must be the
    newer one in the log too (its `Recorded at` is taken under the lock, not at start-up)."""
    import contextlib

    from filelock import FileLock

    from okrsheet import checkins
    from okrsheet.stores import Location
    from okrsheet.stores.xlsx.store import XlsxStore

    book = tmp_path / "okr.xlsx"
    book.write_bytes(example_bytes)
    held = FileLock(str(XlsxStore(book).lock_path))
    held.acquire()
    try:
        waiting = subprocess.Popen(
            [str(okr_script()), "checkin", "SALES-1.1", "--value", "80", "-w", str(book)],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.5)  # it has started and is waiting for the lock: a second or more passes
        # ... while another writer (which had the lock) records the same key result and day.
        monkeypatch.setattr(XlsxStore, "_locked", lambda self: contextlib.nullcontext())
        other = checkins.CheckInRequest(kr_id="SALES-1.1", value="90", note="landed first")
        checkins.record(Location(path=book), [other], today=TODAY)
        monkeypatch.undo()
    finally:
        held.release()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err

    validate = okr("validate", "-f", "json", "-w", str(book)).json()
    status = okr("status", "-f", "json", "-w", str(book)).json()

    assert [f for f in validate["findings"] if f["code"] == "drift"] == []
    krs = [k for o in status["objectives"] for k in o["key_results"]]
    kr = next(k for k in krs if k["id"] == "SALES-1.1")
    assert kr["current"] == 80  # the value written last is the key result's value


def test_the_okr_script_run_by_two_shells_at_once(
    okr: Any, tmp_path: Path, example_bytes: bytes
) -> None:
    """The same through the installed console script: a process per check-in."""
    book = tmp_path / "okr.xlsx"
    book.write_bytes(example_bytes)
    script, per_shell = okr_script(), 3
    loop = (
        'for n in $(seq 1 {count}); do "{okr}" checkin SALES-1.2 --value 0.{tag}$n '
        '--note "{tag}-$n" -w "{book}" || exit 1; done'
    )
    shells = [
        subprocess.Popen(
            ["sh", "-c", loop.format(count=per_shell, okr=script, tag=tag, book=book)],
            env=_env(),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for tag in ("5", "6")
    ]
    for shell in shells:
        _out, err = shell.communicate(timeout=120)
        assert shell.returncode == 0, err

    history = okr("history", "SALES-1.2", "-f", "json", "-w", str(book)).json()
    notes = sorted(c["note"] for c in history["checkins"] if c["note"][:2] in ("5-", "6-"))
    assert notes == sorted(f"{t}-{n}" for t in "56" for n in range(1, per_shell + 1))
    assert okr("validate", "-w", str(book)).exit_code == 0


# Google: people editing between our read and our write -------------------------------------------


def rows_of(fake: FakeGoogle, sid: str, tab: str) -> list[dict[str, Any]]:
    """The rows people typed; the empty rows that hold only okr's prepared formulas aside.
    Calculated cells hold their formulas' text: what is checked here is what was written."""
    rows = fake.values(sid, f"'{tab}'", value_render_option="FORMULA")
    found = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
    if "Calc row" not in rows[0]:
        return found
    return [r for r in found if r.get("Type") or r.get("ID") or r.get("Title")]


def kr_row(fake: FakeGoogle, sid: str, tab: str, kr_id: str) -> dict[str, Any]:
    return next(r for r in rows_of(fake, sid, tab) if r.get("ID") == kr_id)


def log_of(fake: FakeGoogle, sid: str, kr_id: str, tab: str = "Check-ins") -> list[dict[str, Any]]:
    return [r for r in rows_of(fake, sid, tab) if r.get("KR ID") == kr_id]


def before_our_write(google: Google, edit: Callable[[FakeGoogle, str], None]) -> list[int]:
    """Run `edit(fake, sid)` once, just before okr's first batchUpdate is handled."""
    done: list[int] = []

    def hook(fake: FakeGoogle, request: FakeRequest) -> None:
        if request.path.endswith(":batchUpdate") and not done:
            done.append(1)
            edit(fake, google.sheet_id())

    google.fake.before_request(hook)
    return done


def row_index(fake: FakeGoogle, sid: str, tab: str, kr_id: str) -> int:
    """0-based index of the row holding kr_id."""
    rows = fake.values(sid, f"'{tab}'", value_render_option="FORMULA")
    return next(i for i, r in enumerate(rows) if kr_id in r)


def test_a_title_edited_between_read_and_write_is_kept(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    row = row_index(google.fake, sid, "Sales", "SALES-1.1") + 1
    edited = before_our_write(
        google, lambda fake, s: fake.set_values(s, f"Sales!D{row}", [["Qualified opps (new)"]])
    )

    result = okr("checkin", "SALES-1.1", "--value", "81", "--confidence", "65%", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert edited
    after = kr_row(google.fake, sid, "Sales", "SALES-1.1")
    assert after["Title"] == "Qualified opps (new)"  # the person's edit survives ...
    assert after["Current"] == 81 and after["Confidence"] == 0.65  # ... and so does ours
    assert [r["Value"] for r in log_of(google.fake, sid, "SALES-1.1")].count(81) == 1


def test_a_current_value_typed_between_read_and_write_is_kept_and_the_checkin_stops(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    row = row_index(google.fake, sid, "Sales", "SALES-1.1") + 1
    before_our_write(google, lambda fake, s: fake.set_values(s, f"Sales!K{row}", [[99]]))

    result = okr("checkin", "SALES-1.1", "--value", "82", "-w", gexample)

    assert result.exit_code == 5
    assert f"Sales!K{row} (Current of SALES-1.1, now 99)" in result.stderr
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Current"] == 99  # not lost
    assert 82 not in [r["Value"] for r in log_of(google.fake, sid, "SALES-1.1")]
    assert okr("checkin", "SALES-1.1", "--value", "82", "-w", gexample).exit_code == 0
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Current"] == 82
    assert okr("validate", "-w", gexample).exit_code == 0


def test_a_checkin_typed_into_the_log_between_read_and_write_is_not_overwritten(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()

    def type_a_row(fake: FakeGoogle, s: str) -> None:
        last = len(fake.values(s, "'Check-ins'"))
        fake.set_values(
            s, f"'Check-ins'!A{last + 1}", [[date(2026, 11, 13), "SALES-1.2", 0.74, "", "by hand"]]
        )

    before_our_write(google, type_a_row)

    result = okr("checkin", "SALES-1.1", "--value", "83", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert [r["Note"] for r in log_of(google.fake, sid, "SALES-1.2")].count("by hand") == 1
    assert [r["Value"] for r in log_of(google.fake, sid, "SALES-1.1")].count(83) == 1


@pytest.mark.parametrize(
    "edit",
    ["insert-above", "delete-a-row", "sort-descending"],
)
def test_the_log_rearranged_between_read_and_write(
    okr: Any, google: Google, gexample: str, edit: str
) -> None:
    sid = google.sheet_id()
    before = rows_of(google.fake, sid, "Check-ins")
    edits: dict[str, Callable[[FakeGoogle, str], None]] = {
        "insert-above": lambda f, s: f.insert_rows(s, "Check-ins", 1),
        "delete-a-row": lambda f, s: f.delete_rows(s, "Check-ins", 5, 6),
        "sort-descending": lambda f, s: f.sort_rows(s, "Check-ins", 0, descending=True),
    }
    before_our_write(google, edits[edit])

    result = okr("checkin", "SALES-1.1", "--value", "84", "--note", "rearranged", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    after = rows_of(google.fake, sid, "Check-ins")
    ours = [r for r in after if r.get("Note") == "rearranged"]
    assert len(ours) == 1 and ours[0]["KR ID"] == "SALES-1.1" and ours[0]["Value"] == 84
    expected = len(before) + 1 + {"insert-above": 1, "delete-a-row": -1}.get(edit, 0)
    assert len(after) == expected  # nothing of the log was overwritten
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Current"] == 84
    assert okr("validate", "-w", gexample).exit_code == 0


def test_the_log_renamed_between_read_and_write(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    before_our_write(google, lambda fake, s: fake.rename_tab(s, "Check-ins", "Log"))

    result = okr("checkin", "SALES-1.1", "--value", "85", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert [r["Value"] for r in log_of(google.fake, sid, "SALES-1.1", "Log")].count(85) == 1
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Current"] == 85


def test_the_kr_tab_deleted_between_read_and_write_stops_with_nothing_written(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    log_before = rows_of(google.fake, sid, "Check-ins")

    def delete_tab(fake: FakeGoogle, s: str) -> None:
        fake.batch_update(s, [{"deleteSheet": {"sheetId": fake.sheet(s, "Sales").sheet_id}}])

    before_our_write(google, delete_tab)

    result = okr("checkin", "SALES-1.1", "--value", "86", "-w", gexample)

    assert result.exit_code == 3, result.stderr  # the workbook changed under the command
    assert "SALES-1.1" in result.stderr and "nothing was written" in result.stderr
    assert rows_of(google.fake, sid, "Check-ins") == log_before


def test_grades_land_on_their_rows_when_rows_move_meanwhile(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    expected = {
        r["id"]: r["grade"]
        for r in okr("grade", "-f", "json", "-w", gexample).json()["key_results"]
    }

    def edit(fake: FakeGoogle, s: str) -> None:
        fake.insert_rows(s, "Marketing", 2)
        fake.sort_rows(s, "Sales", 1, descending=True)

    before_our_write(google, edit)

    result = okr("grade", "--write", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    for tab in ("Sales", "Marketing"):
        for row in rows_of(google.fake, sid, tab):
            if row.get("Type") == "Key result":
                assert row["Grade"] == pytest.approx(expected[row["ID"]]), row["ID"]
    assert okr("validate", "-w", gexample).exit_code == 0


def test_another_okr_checking_in_between_our_read_and_write(
    okr: Any, google: Google, gexample: str
) -> None:
    """Two okr runs on one spreadsheet: the other one lands in our read-write gap."""
    from okrsheet import checkins
    from okrsheet.stores import parse_location

    sid = google.sheet_id()

    def another_okr(fake: FakeGoogle, s: str) -> None:
        request = checkins.CheckInRequest(kr_id="SALES-1.1", value="87", note="the other run")
        checkins.record(parse_location(gexample), [request], today=TODAY)

    before_our_write(google, another_okr)

    result = okr("checkin", "SALES-1.1", "--value", "88", "--note", "this run", "-w", gexample)

    # The other run set the Current this one was writing: ours stops, theirs stays whole.
    assert result.exit_code == 5 and "Current of SALES-1.1, now 87" in result.stderr
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Current"] == 87
    assert (
        okr("checkin", "SALES-1.1", "--value", "88", "--note", "this run", "-w", gexample).exit_code
        == 0
    )
    notes = [r["Note"] for r in log_of(google.fake, sid, "SALES-1.1")]
    assert notes.count("the other run") == 1 and notes.count("this run") == 1
    ids = [r["Check-in ID"] for r in rows_of(google.fake, sid, "Check-ins")]
    assert len(ids) == len(set(ids))
    assert kr_row(google.fake, sid, "Sales", "SALES-1.1")["Current"] == 88


def test_ids_assigned_by_validate_fix_land_on_their_rows_when_rows_move_meanwhile(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    row = row_index(google.fake, sid, "Sales", "SALES-1.2") + 1
    google.fake.set_values(sid, f"Sales!B{row}", [[""]])  # a key result without an id
    before_our_write(google, lambda fake, s: fake.insert_rows(s, "Sales", 1))

    result = okr("validate", "--fix", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    by_title = {r.get("Title"): r.get("ID") for r in rows_of(google.fake, sid, "Sales")}
    assert by_title["Qualified opportunities created"] == "SALES-1.1"  # not renamed
    assert by_title["Forecast accuracy at week 6"] == "SALES-1.2"  # the row that had none
    assert okr("validate", "-w", gexample).exit_code == 0


# Rollover: rows inserted, sorted, deleted or edited between okr's read and its write -----------

#: A key result a person types in (inserted above the carried rows of Sales) meanwhile.
NEW_KR = ["Key result", "SALES-1.4", "SALES-1", "Win rate on qualified opps", "", "Marcus Webb",
          "", "increase", 0.2, 0.3, 0.25, "%", date(2026, 12, 31), 1, 0.6]  # fmt: skip
NEW_END = serial(date(2027, 3, 31))


def live_krs(fake: FakeGoogle, sid: str) -> dict[str, dict[str, Any]]:
    """Every key result row of the OKR tabs, by id."""
    tabs = ("Corporate", "Sales", "Marketing", "Tom Alvarez")
    return {
        r["ID"]: {**r, "tab": tab}
        for tab in tabs
        for r in rows_of(fake, sid, tab)
        if r.get("Type") == "Key result"
    }


def assert_rolled_over_once(
    okr: Any, google: Google, gexample: str, currents: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Exactly one archive and no scratch tab; each key result left is carried on its own row
    (new Start = its last value, Current and Last check-in cleared, Due = the new cycle's end);
    the workbook validates and is in the new cycle."""
    sid = google.sheet_id()
    titles = [s.title for s in google.fake.spreadsheet(sid).sheets]
    assert titles.count("Archive 2026-Q4") == 1, titles
    assert SCRATCH_TAB not in titles
    krs = live_krs(google.fake, sid)
    for kr_id, row in krs.items():
        assert row["Start"] == currents[kr_id], kr_id
        cleared = (row.get("Current", ""), row.get("Last check-in", ""), row["Due"])
        assert cleared == ("", "", NEW_END), kr_id
    validate = okr("validate", "-f", "json", "-w", gexample).json()
    assert validate["errors"] == 0, validate["findings"]
    settings = {r[0]: r[1] for r in google.fake.values(sid, "Settings")}
    assert settings["Cycle"] == "2027-Q1"
    return krs


def assert_taken_back_once(google: Google) -> None:
    """1 read + 1 write, taken back (1 write), then 1 read + 1 write + the scratch tab's
    deletion; each read is 2 calls (the tab list, then the values)."""
    assert (google.fake.count("sheets-read"), google.fake.count("sheets-write")) == (4, 4)


def archived(fake: FakeGoogle, sid: str) -> dict[str, str]:
    """Outcome by id in the archive tab."""
    return {r["ID"]: r["Outcome"] for r in rows_of(fake, sid, "Archive 2026-Q4")}


def test_rollover_while_someone_inserts_a_row(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    currents = {k: r["Current"] for k, r in live_krs(google.fake, sid).items()}
    currents["SALES-1.4"] = 0.25
    edited = before_our_write(google, lambda fake, s: fake.insert_rows(s, "Sales", 2, [NEW_KR]))

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert edited
    assert_taken_back_once(google)
    krs = assert_rolled_over_once(okr, google, gexample, currents)
    sales = [r.get("ID") for r in rows_of(google.fake, sid, "Sales")]
    assert sales == ["SALES-1", "SALES-1.4", "SALES-1.1", "SALES-1.2", "SALES-1.3"]
    theirs = krs["SALES-1.4"]  # the person's row is still there, with what they typed
    assert (theirs["Title"], theirs["Target"], theirs["Owner"]) == (
        "Win rate on qualified opps",
        0.3,
        "Marcus Webb",
    )
    assert archived(google.fake, sid)["SALES-1.4"] == "carried to 2027-Q1"
    assert archived(google.fake, sid)["CORP-2.2"] == "archived"
    assert "CORP-2.2" not in krs


def test_rollover_while_someone_sorts_a_kr_tab(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    currents = {k: r["Current"] for k, r in live_krs(google.fake, sid).items()}
    before_our_write(google, lambda fake, s: fake.sort_rows(s, "Corporate", 1, descending=True))

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert_taken_back_once(google)
    krs = assert_rolled_over_once(okr, google, gexample, currents)
    corporate = [r.get("ID") for r in rows_of(google.fake, sid, "Corporate")]
    assert corporate == ["CORP-2.3", "CORP-2.1", "CORP-2", "CORP-1.3", "CORP-1.2", "CORP-1.1",
                         "CORP-1"]  # fmt: skip
    assert "CORP-2.2" not in krs and archived(google.fake, sid)["CORP-2.2"] == "archived"


@pytest.mark.parametrize("gone", ["CORP-1.2", "CORP-2.2"], ids=["a-carried-row", "the-doomed-row"])
def test_rollover_while_someone_deletes_a_row(
    okr: Any, google: Google, gexample: str, gone: str
) -> None:
    sid = google.sheet_id()
    currents = {k: r["Current"] for k, r in live_krs(google.fake, sid).items()}
    index = row_index(google.fake, sid, "Corporate", gone)
    before_our_write(google, lambda fake, s: fake.delete_rows(s, "Corporate", index, index + 1))

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert_taken_back_once(google)
    krs = assert_rolled_over_once(okr, google, gexample, currents)
    assert gone not in krs and gone not in archived(google.fake, sid)  # the deletion stands
    left = {"CORP-1.1", "CORP-1.3", "CORP-2.1", "CORP-2.3"} | ({"CORP-1.2"} - {gone})
    assert {k for k, r in krs.items() if r["tab"] == "Corporate"} == left


def test_rollover_while_someone_changes_the_id_of_a_doomed_row(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    currents = {k: r["Current"] for k, r in live_krs(google.fake, sid).items()}
    row = row_index(google.fake, sid, "Corporate", "CORP-2.2") + 1
    before_our_write(
        google, lambda fake, s: fake.set_values(s, f"Corporate!B{row}", [["CORP-2.9"]])
    )

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert_taken_back_once(google)
    krs = assert_rolled_over_once(okr, google, gexample, currents)
    outcomes = archived(google.fake, sid)
    assert outcomes["CORP-2.9"] == "archived" and "CORP-2.2" not in outcomes  # their id stands
    assert "CORP-2.9" not in krs and "CORP-2.3" in krs


def test_rollover_whose_answer_is_lost_after_someone_inserted_a_row(
    okr: Any, google: Google, gexample: str
) -> None:
    """The write lands on the shifted rows and its answer is lost: the scratch tab, still
    there at the next read, shows the rows had moved, so the write is taken back then."""
    sid = google.sheet_id()
    currents = {k: r["Current"] for k, r in live_krs(google.fake, sid).items()}
    currents["SALES-1.4"] = 0.25
    before_our_write(google, lambda fake, s: fake.insert_rows(s, "Sales", 2, [NEW_KR]))
    google.fake.drop_next(after_apply=True, match=lambda r: r.path.endswith(":batchUpdate"))

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    # read, write (answer lost); read, take back; read, write, delete the scratch tab (each
    # read is 2 calls: the tab list, then the values).
    assert (google.fake.count("sheets-read"), google.fake.count("sheets-write")) == (6, 4)
    assert_rolled_over_once(okr, google, gexample, currents)
    sales = [r.get("ID") for r in rows_of(google.fake, sid, "Sales")]
    assert sales == ["SALES-1", "SALES-1.4", "SALES-1.1", "SALES-1.2", "SALES-1.3"]


def test_a_writer_that_gives_up_waiting_for_the_lock_writes_nothing(
    okr: Any, tmp_path: Path, example_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the workbook's lock (a long save): we wait, then say so."""
    import okrsheet.stores.xlsx.store as xlsx_module
    from okrsheet.stores.xlsx.store import XlsxStore

    book = tmp_path / "okr.xlsx"
    book.write_bytes(example_bytes)
    before = fingerprint(book)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, filelock; lock = filelock.FileLock(sys.argv[1]); "
         "lock.acquire(); print('locked', flush=True); sys.stdin.read()",
         str(XlsxStore(book).lock_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(xlsx_module, "LOCK_TIMEOUT_SECONDS", 0.2)
        result = okr("checkin", "SALES-1.1", "--value", "70", "-w", str(book))
    finally:
        holder.communicate("", timeout=30)

    assert result.exit_code == 5, result.stderr
    assert "another okr process" in result.stderr and "try again" in result.stderr
    assert fingerprint(book) == before
    assert okr("checkin", "SALES-1.1", "--value", "70", "-w", str(book)).exit_code == 0
