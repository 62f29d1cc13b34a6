"""`okr init` and `okr templates`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import read_tab

TABS = ["Guide", "Dashboard", "Settings", "Corporate", "People", "Check-ins", "Initiatives", "KPIs"]


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

    result = okr("init", str(path), "--template", template, "--cycle", "2026-Q4", "--example")

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


#: The made-up company of the sales template: none of it belongs in a client's workbook.
SAMPLES = ("Priya Raman", "Marcus Webb", "Lena Okafor", "Tom Alvarez", "Northwind")


def every_text(path: Path) -> list[str]:
    """Every tab name and every text cell of every tab."""
    book = load_workbook(path)
    found = list(book.sheetnames)
    for sheet in book:
        found += [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    return found


def test_client_workbook_from_a_template_holds_no_sample_people(okr: Any, tmp_path: Path) -> None:
    team = tmp_path / "team.csv"  # as Excel saves it: BOM, semicolons, CR LF
    team.write_bytes(
        "\ufeffName;Team;Email\r\nJosé García;Field Sales;jose@contoso.test\r\n"
        "Mei Chen;Field Sales;\r\nAmir Haddad;Customer Success;\r\nLiv Berg;;\r\n".encode()
    )

    result = okr(
        "init", "client.xlsx", "--template", "sales", "--people", str(team),
        "--company", "Contoso", "--cycle", "2027-Q1",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    path = tmp_path / "client.xlsx"
    texts = every_text(path)
    assert not [t for t in texts if any(name in t for name in SAMPLES)]
    book = load_workbook(path)
    # A tab per team of the file (the sales template says so), one for the person without one.
    assert book.sheetnames == [
        "Guide", "Ideas", "Dashboard", "Settings", "Corporate", "Field Sales", "Customer Success",
        "Liv Berg",
        "People", "Check-ins", "Initiatives", "KPIs",
    ]  # fmt: skip
    people = [r[:4] for r in read_tab(path, "People")[1:]]
    assert people == [
        ["José García", "Field Sales", "jose@contoso.test", "Field Sales"],
        ["Mei Chen", "Field Sales", None, "Field Sales"],
        ["Amir Haddad", "Customer Success", None, "Customer Success"],
        ["Liv Berg", None, None, "Liv Berg"],
    ]
    settings = {row[0]: row[1] for row in read_tab(path, "Settings")[1:]}
    assert settings["Company"] == "Contoso"
    # The template's wording is kept to start from, on a tab okr never reads.
    ideas = read_tab(path, "Ideas")
    assert any(r[2] == "Grow annual recurring revenue" for r in ideas)
    report = okr("validate", "-w", str(path), "-f", "json").json()
    assert report["findings"] == []
    status = okr("status", "-w", str(path), "-f", "json").json()
    assert status["objectives"] == []  # no sample objectives, numbers or owners


def test_people_tabs_per_person_on_request(okr: Any, tmp_path: Path) -> None:
    team = tmp_path / "team.csv"
    team.write_text("name,team\nAna,Ops\nBo,Ops\n")

    result = okr(
        "init", "c.xlsx", "-t", "sales", "--people", str(team), "--tabs", "person",
        "--cycle", "2027-Q1",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    names = load_workbook(tmp_path / "c.xlsx").sheetnames
    assert names[names.index("Corporate") :] == [
        "Corporate", "Ana", "Bo", "People", "Check-ins", "Initiatives", "KPIs",
    ]  # fmt: skip


def test_template_without_people_keeps_team_tabs_only(okr: Any, tmp_path: Path) -> None:
    result = okr("init", "s.xlsx", "-t", "sales", "--cycle", "2027-Q1")

    assert result.exit_code == 0, result.stderr
    texts = every_text(tmp_path / "s.xlsx")
    assert not [t for t in texts if any(name in t for name in SAMPLES)]
    assert load_workbook(tmp_path / "s.xlsx").sheetnames[4:7] == ["Corporate", "Sales", "Marketing"]


def test_a_cycle_nearly_over_is_said_and_next_offered(
    okr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2026-12-01")

    late = okr("init", "late.xlsx")
    following = okr("init", "next.xlsx", "--cycle", "next")
    monkeypatch.setenv("OKR_TODAY", "2026-10-20")
    early = okr("init", "early.xlsx")

    assert late.exit_code == 0, late.stderr
    assert "2026-Q4 ends on 2026-12-31, in 30 day(s)" in late.stderr
    assert "--cycle next" in late.stderr and "2027-Q1" in late.stderr
    assert following.exit_code == 0, following.stderr
    assert "cycle 2027-Q1 (2027-01-01 to 2027-03-31)" in following.stderr
    assert "warning" not in following.stderr
    assert "warning" not in early.stderr


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
    # The file names teams: Alice gets her team's tab, Bob (no team) one of his own.
    assert load_workbook(tmp_path / "acme.xlsx").sheetnames == [
        "Guide", "Dashboard", "Settings", "Corporate", "Sales", "Bob Smith", "People",
        "Check-ins", "Initiatives", "KPIs",
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
        (["--people", "missing.csv", "--tabs", "office"], "--tabs"),
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


def test_people_file_in_windows_1252_and_from_stdin(okr: Any, tmp_path: Path) -> None:
    team = tmp_path / "team.csv"  # Excel's "CSV (Comma delimited)" in a semicolon locale
    team.write_bytes("name;team\r\nZoë Brontë;Équipe Nord\r\n".encode("cp1252"))

    from_file = okr("init", "a.xlsx", "--people", str(team), "--cycle", "2027-Q1")
    from_stdin = okr(
        "init", "b.xlsx", "--people", "-", "--cycle", "2027-Q1", input="name,team\nAda,Ops\n"
    )

    assert from_file.exit_code == 0, from_file.stderr
    assert "Windows-1252" in from_file.stderr
    assert read_tab(tmp_path / "a.xlsx", "People")[1][:2] == ["Zoë Brontë", "Équipe Nord"]
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert read_tab(tmp_path / "b.xlsx", "People")[1][:2] == ["Ada", "Ops"]


def test_people_file_problems_name_file_and_line(okr: Any, tmp_path: Path) -> None:
    team = tmp_path / "team.csv"
    team.write_text('name,team\nAna,Ops\n"Bo,Ops\nCy,Ops\n')

    result = okr("init", "c.xlsx", "--people", str(team))

    assert result.exit_code == 2
    assert "team.csv:3: a quoted field opened on this line is never closed" in result.stderr
    assert not (tmp_path / "c.xlsx").exists()


@pytest.mark.parametrize("example", [True, False], ids=["example", "blank"])
def test_init_ends_with_the_next_two_commands_which_work(
    okr: Any, tmp_path: Path, example: bool
) -> None:
    import shlex

    path = tmp_path / "first steps.xlsx"
    result = okr("init", str(path), "--cycle", "2026-Q4", *(["--example"] if example else []))

    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[-3] == "Next:"
    for line in lines[-2:]:
        command = shlex.split(line.split("#", 1)[0])
        assert command[0] == "okr"
        assert command[-2:] == ["-w", str(path)]
        assert okr(*command[1:]).exit_code == 0, line
