"""`okr init` and `okr templates`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import read_tab

TABS = ["Guide", "Dashboard", "Settings", "Corporate", "People", "Check-ins"]


def test_blank_workbook(okr: Any, tmp_path: Path) -> None:
    result = okr("init", "--cycle", "2027-Q1", "--company", "Acme")

    assert result.exit_code == 0, result.stderr
    path = tmp_path / "okr.xlsx"  # the default location
    book = load_workbook(path)
    assert book.sheetnames == TABS
    settings = {row[0]: row[1] for row in read_tab(path, "Settings")[1:]}
    assert settings["Company"] == "Acme"
    assert settings["Cycle"] == "2027-Q1"
    assert str(settings["Cycle start"])[:10] == "2027-01-01"
    assert str(settings["Cycle end"])[:10] == "2027-03-31"
    corporate = book["Corporate"]
    assert corporate.freeze_panes == "A2"  # header row frozen
    assert [c.value for c in corporate[1]][:4] == ["Type", "ID", "Objective ID", "Title"]
    validations = corporate.data_validations.dataValidation
    assert any('"increase,decrease' in (v.formula1 or "") for v in validations)
    assert okr("validate", "-f", "json").json()["errors"] == 0


def test_refuses_to_overwrite(okr: Any, blank: Path) -> None:
    before = blank.read_bytes()

    result = okr("init", str(blank))

    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert blank.read_bytes() == before
    assert okr("init", str(blank), "--force", "--cycle", "2026-Q4").exit_code == 0


@pytest.mark.parametrize("template", ["sales", "product"])
def test_templates_are_valid(okr: Any, tmp_path: Path, template: str) -> None:
    path = tmp_path / f"{template}.xlsx"

    result = okr("init", str(path), "--template", template, "--cycle", "2026-Q4")

    assert result.exit_code == 0, result.stderr
    report = okr("validate", "-w", str(path), "-f", "json").json()
    assert report["errors"] == 0, report
    status = okr("status", "-w", str(path), "-f", "json").json()
    assert len(status["objectives"]) >= 3
    # Key results carry a Progress formula so people reading the sheet see live progress.
    sheet = load_workbook(path)["Corporate"]
    header = [c.value for c in sheet[1]]
    progress = [row[header.index("Progress")].value for row in sheet.iter_rows(min_row=2)]
    assert any(isinstance(v, str) and v.startswith("=") for v in progress)


def test_example_has_history_for_every_report(okr: Any, example: Path) -> None:
    status = okr("status", "-w", str(example), "-f", "json").json()
    statuses = {kr["status"] for o in status["objectives"] for kr in o["key_results"]}
    assert {"on track", "at risk", "off track"} <= statuses
    assert okr("lagging", "-w", str(example), "--fail").exit_code == 6
    assert okr("validate", "-w", str(example), "-f", "json").json()["errors"] == 0
    checkins = [r for r in read_tab(example, "Check-ins")[1:] if r[1]]
    assert len(checkins) > 50


def test_people_file(okr: Any, tmp_path: Path) -> None:
    people = tmp_path / "team.csv"
    people.write_text("name,team,email\nAlice Moreau,Sales,alice@example.com\nBob Smith,,\n")

    result = okr("init", "acme.xlsx", "--people", str(people), "--cycle", "2026-Q4")

    assert result.exit_code == 0, result.stderr
    assert load_workbook(tmp_path / "acme.xlsx").sheetnames == [
        "Guide", "Dashboard", "Settings", "Corporate", "Alice Moreau", "Bob Smith", "People",
        "Check-ins",
    ]  # fmt: skip
    people_rows = read_tab(tmp_path / "acme.xlsx", "People")
    assert people_rows[1][:3] == ["Alice Moreau", "Sales", "alice@example.com"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cycle", "2026-Q5"], "--cycle"),
        (["--start", "2026-10-01"], "--end"),
        (["--start", "2026-12-01", "--end", "2026-10-01"], "after the start"),
        (["--template", "nope"], "sales"),
        (["--people", "missing.csv"], "missing.csv"),
    ],
)
def test_bad_options(okr: Any, tmp_path: Path, args: list[str], message: str) -> None:
    result = okr("init", "new.xlsx", *args)

    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "new.xlsx").exists()


def test_custom_dates_and_name(okr: Any, tmp_path: Path) -> None:
    result = okr(
        "init", "s1.xlsx", "--cycle", "2027-S1", "--start", "2027-01-04", "--end", "2027-06-27"
    )

    assert result.exit_code == 0, result.stderr
    status = okr("status", "-w", "s1.xlsx", "-f", "json").json()
    assert status["cycle"] == {"name": "2027-S1", "start": "2027-01-04", "end": "2027-06-27"}


def test_templates_command(okr: Any) -> None:
    result = okr("templates")

    assert result.exit_code == 0
    for name in ("blank", "sales", "product"):
        assert name in result.stdout
