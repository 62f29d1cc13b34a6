"""`okr validate` says what is wrong in each cell in words that fit it (issue 24 point 10):
European numbers and units typed in Start, dates in the other order or with a short year, a
misspelled objective ID, findings in the workbook's order, every problem of an Initiatives row."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.cli.conftest import add_rows

DUE = dt.date(2026, 12, 31)


def kr(kr_id: str, start: Any, due: Any = DUE, objective: str = "CORP-1") -> list[Any]:
    return ["Key result", kr_id, objective, f"Result {kr_id}", None, "Ana Lima", None, None,
            start, 10, None, None, due]  # fmt: skip


@pytest.fixture(scope="module")
def found(shop_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The shop with every kind of slip typed once, as `okr validate --format json` lists it."""
    from typer.testing import CliRunner

    from okrsheet.cli import app

    path = tmp_path_factory.mktemp("wording") / "shop.xlsx"
    path.write_bytes(shop_bytes)
    add_rows(path, "Corporate", [
        kr("CORP-1.4", "€ 8.400.000"),   # row 6
        kr("CORP-1.5", "4,5"),            # row 7
        kr("CORP-1.6", "21 days"),        # row 8
        kr("CORP-1.7", 0, "31/12/2026"),  # row 9: day first, Settings say MDY
        kr("CORP-1.8", 0, "12/31/26"),    # row 10
        kr("CORP-1.9", 0, DUE, "CORP-l"),  # row 11: a misspelled objective ID
        kr("CORP-1.10", "TBD"),           # row 12: unknown: benchmark it
    ])  # fmt: skip
    add_rows(path, "Initiatives", [["IN-1", "CORP-9", "Do it", None, "in progress", "someday"]])
    result = CliRunner().invoke(app, ["validate", "--format", "json", "-w", str(path)])
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return findings


def message(found: list[dict[str, Any]], where: str) -> str:
    [text] = [str(f["message"]) for f in found if f["where"] == where]
    return text


def test_dotted_thousands_say_how_to_write_the_number(found: list[dict[str, Any]]) -> None:
    text = message(found, "Corporate!I6")
    assert "groups thousands with dots: write 8400000" in text
    assert "benchmark" not in text


def test_a_decimal_comma_says_how_to_write_it(found: list[dict[str, Any]]) -> None:
    text = message(found, "Corporate!I7")
    assert "use a dot for decimals (write 4.5)" in text and "benchmark" not in text


def test_a_unit_in_start_goes_to_the_unit_column(found: list[dict[str, Any]]) -> None:
    text = message(found, "Corporate!I8")
    assert "write the number alone (21) and 'days' in the Unit column" in text
    assert "benchmark" not in text


def test_a_placeholder_start_still_says_benchmark_it(found: list[dict[str, Any]]) -> None:
    assert "benchmark it first" in message(found, "Corporate!I12")


def test_a_day_first_date_names_the_settings_cell(found: list[dict[str, Any]]) -> None:
    text = message(found, "Corporate!M9")
    assert "puts the day first" in text and "write 12/31/2026" in text
    assert "set Date order at Settings!B" in text and "to DMY" in text


def test_a_two_digit_year_asks_for_four(found: list[dict[str, Any]]) -> None:
    assert "year in full: write it with 4 digits (12/31/2026)" in message(found, "Corporate!M10")


def test_a_misspelled_objective_id_gets_did_you_mean(found: list[dict[str, Any]]) -> None:
    assert message(found, "Corporate!C11").endswith("which does not exist; did you mean CORP-1?")


def test_findings_are_in_tab_and_row_order(found: list[dict[str, Any]]) -> None:
    for severity in ("error", "warning"):
        places = [f["where"] for f in found if f["severity"] == severity]
        corporate = [int(w[len("Corporate!") + 1 :]) for w in places if w.startswith("Corporate!")]
        assert corporate == sorted(corporate)
        tabs = [w.split("!")[0] for w in places]
        assert tabs == sorted(tabs, key=["Corporate", "Initiatives"].index)


def test_a_bad_cell_does_not_hide_the_rows_other_problem(found: list[dict[str, Any]]) -> None:
    assert "'someday' is not a date" in message(found, "Initiatives!F2")
    assert "initiative for CORP-9, which is not a key result" in message(found, "Initiatives!B2")
