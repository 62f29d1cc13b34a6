"""What makes two check-ins the same one: a retry of one submission, never equal text.

Locally every run records what it was given (its writes land whole or not at all, under a
lock). On Google, a run that repeats a check-in whose write could not be confirmed (it landed,
its answer was lost) is recognised, however it is spelled; after a confirmed write the same
command records again, as locally, and a correction is never taken for a repeat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, Google
from tests.fakes.sheets_api import FakeRequest


def _written_checkins(google: Google) -> list[str]:
    """The check-in ids okr made up in the fake's log."""
    rows = google.fake.values(google.sheet_id(), "'Check-ins'")
    header = rows[0]
    lines = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    ids = [str(line.get("Check-in ID")) for line in lines]
    return [i for i in ids if i.startswith("ci-")]


def _unconfirmed(okr: Any, google: Google, *args: str) -> None:
    """Run `okr` with `args` on Google so that its write lands but every answer from then on
    is lost: okr cannot confirm it and says so (exit 5)."""
    wrote: list[bool] = []

    def the_write_and_all_after(request: FakeRequest) -> bool:
        wrote.append(wrote[-1] if wrote else False)
        wrote[-1] = wrote[-1] or request.kind == "sheets-write"
        return wrote[-1] and request.kind != "token"

    landed = len(_written_checkins(google))
    google.fake.drop_next(times=99, after_apply=True, match=the_write_and_all_after)
    try:
        lost = okr(*args, "-w", google.location())
    finally:
        google.fake._faults.clear()
    assert lost.exit_code == 5, lost.stderr
    assert len(_written_checkins(google)) > landed  # it landed; its answer did not


def _today_log(okr: Any, workbook: str) -> list[tuple[float, str]]:
    history = okr("history", "SALES-1.1", "-f", "json", "-w", workbook).json()
    return [(c["value"], c["note"]) for c in history["checkins"] if c["date"] == TODAY.isoformat()]


def _current(okr: Any, workbook: str) -> float:
    status = okr("status", "-f", "json", "-w", workbook).json()
    krs = [kr for o in status["objectives"] for kr in o["key_results"]]
    return float(next(kr for kr in krs if kr["id"] == "SALES-1.1")["current"])


def _checkin(okr: Any, workbook: str, *args: str) -> str:
    result = okr("checkin", "SALES-1.1", *args, "-w", workbook)
    assert result.exit_code == 0, result.stderr
    return str(result.stderr)


@pytest.fixture(params=["xlsx", "google"])
def workbook(request: pytest.FixtureRequest, example: Path) -> str:
    if request.param == "xlsx":
        return str(example)
    return str(request.getfixturevalue("gexample"))


def test_a_correction_back_to_an_earlier_value_is_recorded(okr: Any, workbook: str) -> None:
    """A-B-A: the person types 90, corrects it to 95, then back to 90."""
    for value in ("90", "95", "90"):
        assert "Recorded 1 check-in(s)" in _checkin(okr, workbook, "--value", value)

    assert [value for value, _ in _today_log(okr, workbook)] == [90, 95, 90]
    assert _current(okr, workbook) == 90


def test_locally_the_same_check_in_typed_twice_is_recorded_twice(okr: Any, example: Path) -> None:
    """Under the lock a write lands whole or not at all: nothing is a retry, nothing is
    dropped because it looks like an earlier line."""
    for _ in range(2):
        _checkin(okr, str(example), "--value", "90", "--note", "same")
    assert _today_log(okr, str(example)) == [(90, "same"), (90, "same")]


@pytest.mark.parametrize(
    ("first", "again"),
    [
        (("--value", "90"), ("--value", "90.0")),
        (("--value", "90", "--confidence", "0.7"), ("--value", "90", "--confidence", "70%")),
        (("--value", "90"), ("--value", "90", "--by", "Marcus Webb")),
        (("--value", "90", "--by", "Marcus Webb"), ("--value", "90")),
    ],
    ids=["90-and-90.0", "0.7-and-70%", "by-the-owner", "owner-then-default"],
)
def test_on_google_a_run_repeating_an_unconfirmed_check_in_is_a_retry_however_spelled(
    okr: Any, google: Google, gexample: str, first: tuple[str, ...], again: tuple[str, ...]
) -> None:
    _unconfirmed(okr, google, "checkin", "SALES-1.1", *first)
    said = _checkin(okr, gexample, *again)

    assert "Recorded 0 check-in(s)" in said and "1 were already in the log" in said
    assert len(_today_log(okr, gexample)) == 1


def test_on_google_okr_author_names_the_same_person_as_by(
    okr: Any, google: Google, gexample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unconfirmed(okr, google, "checkin", "SALES-1.1", "--value", "90", "--by", "Dana Cruz")
    monkeypatch.setenv("OKR_AUTHOR", "Dana Cruz")
    assert "1 were already in the log" in _checkin(okr, gexample, "--value", "90")


def test_on_google_a_csv_again_under_another_name_or_with_a_row_on_top_is_a_retry(
    okr: Any, google: Google, gexample: str, tmp_path: Path
) -> None:
    first = tmp_path / "updates.csv"
    first.write_text("kr_id,value,note\nSALES-1.1,90,week 46\n", encoding="utf-8")
    renamed = tmp_path / "updates (1).csv"
    renamed.write_text(
        "kr_id,value,note\nSALES-1.2,0.5,new row\nSALES-1.1,90.0,week 46\n", encoding="utf-8"
    )
    _unconfirmed(okr, google, "checkin", "--from", str(first))
    again = okr("checkin", "--from", str(renamed), "-w", gexample)

    assert again.exit_code == 0, again.stderr
    assert "Recorded 1 check-in(s)" in again.stderr and "1 were already" in again.stderr
    assert _today_log(okr, gexample) == [(90, "week 46")]


def test_on_google_the_command_line_then_the_same_row_in_a_csv_is_a_retry(
    okr: Any, google: Google, gexample: str, tmp_path: Path
) -> None:
    _unconfirmed(okr, google, "checkin", "SALES-1.1", "--value", "90", "--note", "week 46")
    batch = tmp_path / "updates.csv"
    batch.write_text("kr_id,value,note\nSALES-1.1,90,week 46\n", encoding="utf-8")
    again = okr("checkin", "--from", str(batch), "-w", gexample)
    assert "1 were already in the log" in again.stderr
    assert len(_today_log(okr, gexample)) == 1


def test_on_google_a_lost_answer_then_the_same_command_records_once(
    okr: Any, google: Google, gexample: str
) -> None:
    """Google applied the write, its answer never came back, and okr gave up: the person
    runs the same command again."""
    _unconfirmed(okr, google, "checkin", "SALES-1.1", "--value", "90")
    again = _checkin(okr, gexample, "--value", "90")
    assert "1 were already in the log" in again
    assert _today_log(okr, gexample) == [(90, "")]
    assert len(_written_checkins(google)) == 1


def test_on_google_a_confirmed_check_in_run_again_is_recorded_again_as_locally(
    okr: Any, gexample: str
) -> None:
    """Both backends answer alike: a run that was confirmed is done, and the same command
    again is a new check-in (the person sees two lines, and can see why)."""
    _checkin(okr, gexample, "--value", "90", "--note", "same")
    assert "Recorded 1 check-in(s)" in _checkin(okr, gexample, "--value", "90", "--note", "same")
    assert _today_log(okr, gexample) == [(90, "same"), (90, "same")]


def test_an_unconfirmed_check_in_then_a_correction_then_the_first_again(
    okr: Any, google: Google, gexample: str
) -> None:
    """A lost answer for 90, then a correction to 95, then 90 once more: a check-in sent for
    the key result after the unconfirmed one ends its chance of being retried, so the last 90
    is a correction back (A-B-A), recorded, and the key result is at 90."""
    _unconfirmed(okr, google, "checkin", "SALES-1.1", "--value", "90")
    _checkin(okr, gexample, "--value", "95")
    said = _checkin(okr, gexample, "--value", "90")
    assert "Recorded 1 check-in(s)" in said
    assert [value for value, _ in _today_log(okr, gexample)] == [90, 95, 90]
    assert _current(okr, gexample) == 90
