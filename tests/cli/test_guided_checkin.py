"""The guided check-in (issue 24 point 14): a default shown for each value, milestones in
words, the owner's KPIs offered, what was answered kept after Ctrl-C, a word on back-dated and
second same-day check-ins, and where each key result stands once recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from okrsheet.cli.commands import checkin as command
from tests.cli.conftest import kr_row
from tests.cli.test_checkin import log_rows


def test_each_value_shows_its_default_and_milestones_read_in_words(okr: Any, shop: Path) -> None:
    # Orders 62; Days kept; the checkout milestone done.
    answers = "62\n\n\n\n\n\ndone\n\n\ny\n"

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input=answers)

    assert result.exit_code == 0, result.stderr
    assert "New value [50 orders]" in result.stderr
    assert "New value [18 days]" in result.stderr
    assert "New value [not done]" in result.stderr and "target done" in result.stderr
    assert "not done → done" in result.stderr and "0 → 1" not in result.stderr


def test_after_recording_each_key_result_says_where_it_stands(okr: Any, shop: Path) -> None:
    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="75\n\n\n-\n-\ny\n")

    assert result.exit_code == 0, result.stderr
    assert "CORP-1.1  now 75%, expected" in result.stderr


def test_the_owners_kpis_are_offered(okr: Any, example: Path) -> None:
    # Priya Raman: CORP-1.1 to 1.3 and 2.1 to 2.3 skipped; then KPI-2 (hours) and KPI-3 (%).
    answers = "-\n-\n-\n-\n-\n-\n3.5\n74\n74%\ny\n"

    result = okr("checkin", "--owner", "Priya Raman", "-w", str(example), input=answers)

    assert result.exit_code == 0, result.stderr
    assert "KPI-2  Support first response time" in result.stderr
    assert "did you mean 74%?" in result.stderr  # the units guard, as for a key result
    logged = {e[1]: e[2] for e in log_rows(example)[-2:]}
    assert logged == {"KPI-2": 3.5, "KPI-3": 0.74}


def test_ctrl_c_part_way_offers_to_record_what_was_answered(
    okr: Any, shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    answers = iter(["62", "", "Quiet week"])

    def prompt(text: str, **_: Any) -> str:
        asked.append(text)
        try:
            return next(answers)
        except StopIteration:
            raise typer.Abort() from None  # Ctrl-C at the second key result

    monkeypatch.setattr(typer, "prompt", prompt)
    monkeypatch.setattr(command, "_at_terminal", lambda: True)
    monkeypatch.setattr(command, "_answers_available", lambda: True)

    result = okr("checkin", "--owner", "Ana Lima", "-w", str(shop), input="y\n")

    assert result.exit_code == 0, result.stderr
    assert "Interrupted. Record the 1 check-in(s) answered so far?" in result.stderr
    assert [(e[1], e[2], e[4]) for e in log_rows(shop)] == [("CORP-1.1", 62, "Quiet week")]


def test_a_second_same_day_check_in_and_a_back_dated_one_are_explained(
    okr: Any, shop: Path
) -> None:
    assert okr("checkin", "CORP-1.1", "--value", "55", "-w", str(shop)).exit_code == 0
    walk = "-w", str(shop)

    again = okr("checkin", "--owner", "Ana Lima", *walk, input="60\n\n\n-\n-\ny\n")
    earlier = okr(
        "checkin", "--owner", "Ana Lima", "--date", "2026-11-02", *walk, input="40\n\n\n-\n-\ny\n"
    )

    assert "a second check-in for 2026-11-16: the row now says 60 orders (was 55 orders)" in (
        again.stderr
    )
    assert "dated 2026-11-02, before its check-in of 2026-11-16: it is in the log" in (
        earlier.stderr
    )
    assert kr_row(shop, "CORP-1.1")["Current"] == 60
