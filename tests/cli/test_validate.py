"""`okr validate`: every problem with its cell; writes nothing unless --fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli.conftest import add_rows, kr_row

BAD_ROWS = [
    ["Key result", "CORP-1.4", "CORP-1", "Bad one", None, "Ana Lima", None, None,
     None, "TBD", 3, None, "31/31/2026"],
    ["Key result", None, "CORP-1", "No id yet", None, "Ana Lima", None, None,
     1, 5, 3, None, "2026-12-01"],
]  # fmt: skip


def test_a_valid_workbook(okr: Any, shop: Path) -> None:
    result = okr("validate", "-w", str(shop), "-f", "json")

    assert result.exit_code == 0
    assert result.json() == {"errors": 0, "warnings": 0, "findings": []}


def test_errors_name_their_cells(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", BAD_ROWS)
    before = shop.read_bytes()

    result = okr("validate", "-w", str(shop), "-f", "json")

    assert result.exit_code == 3
    assert result.json() == {
        "errors": 4,
        "warnings": 0,
        "findings": [
            {
                "severity": "error",
                "code": "invalid",
                "where": "Corporate!I6",
                "message": result.json()["findings"][0]["message"],
            },
            {
                "severity": "error",
                "code": "bad-cell",
                "where": "Corporate!J6",
                "message": "target: 'TBD' is a placeholder, not a number",
            },
            {
                "severity": "error",
                "code": "bad-cell",
                "where": "Corporate!M6",
                "message": (
                    "due: '31/31/2026' is not a valid date (month/day/year, as Settings say)"
                ),
            },
            {
                "severity": "error",
                "code": "missing-id",
                "where": "Corporate!B7",
                "message": "this key result has no ID; `okr validate --fix` assigns one",
            },
        ],
    }
    assert shop.read_bytes() == before


def test_missing_start_suggests_benchmarking(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", BAD_ROWS[:1])

    result = okr("validate", "-w", str(shop), "-f", "json")

    [missing] = [f for f in result.json()["findings"] if f["where"] == "Corporate!I6"]
    assert "start" in missing["message"]
    assert "measure" in missing["message"] or "benchmark" in missing["message"]


def test_table_output(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", BAD_ROWS)

    result = okr("validate", "-w", str(shop))

    assert result.exit_code == 3
    assert "Corporate!J6" in result.stdout
    assert "4 error(s), 0 warning(s)" in result.stderr


def test_warnings_pass_unless_strict(okr: Any, shop: Path) -> None:
    add_rows(
        shop,
        "Corporate",
        [["Objective", "TEAM-1", None, "A team objective serving nothing", "team", "Bo"]],
    )

    relaxed = okr("validate", "-w", str(shop), "-f", "json")
    strict = okr("validate", "-w", str(shop), "-f", "json", "--strict")

    assert relaxed.exit_code == 0
    codes = {f["code"] for f in relaxed.json()["findings"]}
    assert relaxed.json()["errors"] == 0
    assert relaxed.json()["warnings"] >= 2  # no key results, aligned to nothing
    assert codes
    assert strict.exit_code == 3


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """A row's cells apart from the live formulas okr keeps."""
    return {k: v for k, v in row.items() if not (isinstance(v, str) and v.startswith("="))}


def test_fix_assigns_ids_and_changes_no_typed_cell(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", BAD_ROWS[1:])
    before = kr_row(shop, "CORP-1.1")

    result = okr("validate", "-w", str(shop), "--fix")

    assert result.exit_code == 0, result.stderr
    assert kr_row(shop, "CORP-1.4")["Title"] == "No id yet"
    assert _typed(kr_row(shop, "CORP-1.1")) == _typed(before)
    assert kr_row(shop, "CORP-1.4")["Progress"].startswith("=")
    assert okr("validate", "-w", str(shop), "-f", "json").json()["errors"] == 0


def test_not_an_xlsx(okr: Any, tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("just some text")

    result = okr("validate", "-w", str(path))

    assert result.exit_code == 4  # not a readable .xlsx workbook
    assert "notes.xlsx" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_extension(okr: Any, tmp_path: Path) -> None:
    result = okr("validate", "-w", str(tmp_path / "okrs.csv"))

    assert result.exit_code == 2
    assert "--workbook" in result.stderr or ".xlsx" in result.stderr


def findings_of(okr: Any, path: Path) -> list[dict[str, str]]:
    findings: list[dict[str, str]] = okr("validate", "-w", str(path), "-f", "json").json()[
        "findings"
    ]
    return findings


def added_findings(okr: Any, path: Path, before: list[dict[str, str]]) -> list[dict[str, str]]:
    """What validate finds now that it did not find before an edit (the example workbook has
    one `interlock` warning on purpose: a plan that does not add up)."""
    return [f for f in findings_of(okr, path) if f not in before]


def set_cells(path: Path, tab: str, values: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    for ref, value in values.items():
        book[tab][ref] = value
    book.save(path)


def test_three_bad_due_dates_give_three_findings(okr: Any, example: Path) -> None:
    # SALES-1.1..1.3 sit on rows 3 to 5 of the Sales tab; Due is column M.
    before = findings_of(okr, example)
    set_cells(example, "Sales", {"M3": "n/a", "M4": "31/31/2026", "M5": "soon"})

    result = okr("validate", "-w", str(example), "-f", "json")

    assert result.exit_code == 3
    findings = [f for f in result.json()["findings"] if f not in before]
    assert [(f["severity"], f["where"]) for f in findings] == [
        ("error", "Sales!M3"),
        ("error", "Sales!M4"),
        ("error", "Sales!M5"),
    ]  # no knock-on: the objective still has its key results, the log its KRs


def test_commands_needing_a_key_result_name_its_problems(okr: Any, example: Path) -> None:
    set_cells(example, "Sales", {"J4": "TBD"})  # SALES-1.2's Target

    checkin = okr("checkin", "SALES-1.2", "--value", "80%", "-w", str(example))
    history = okr("history", "SALES-1.2", "-w", str(example))

    for result in (checkin, history):
        assert result.exit_code == 3, result.stderr
        assert "SALES-1.2 has problems: Sales!J4: target: 'TBD' is a placeholder" in result.stderr
        assert "no key result" not in result.stderr


def test_hints_survive_for_each_bad_format(okr: Any, example: Path) -> None:
    before = findings_of(okr, example)
    set_cells(example, "Sales", {"J3": "$15k", "O4": "n/a"})  # a Target, a Confidence

    findings = added_findings(okr, example, before)

    messages = {f["where"]: f["message"] for f in findings}
    assert "write the number in full" in messages["Sales!J3"]
    assert "'n/a' is a placeholder" in messages["Sales!O4"]
    assert len(findings) == 2


def test_fix_brings_no_new_finding_to_light(okr: Any, example: Path) -> None:
    before = findings_of(okr, example)
    # New rows typed without IDs: an objective, and below it a key result due after the cycle.
    add_rows(example, "Sales", [
        ["Objective", None, None, "Win the Nordics", "team", "Marcus Webb", "CORP-1"],
        ["Key result", None, None, "Nordic deals", None, "Marcus Webb", None, None,
         0, 10, None, None, "2027-02-01"],
    ])  # fmt: skip

    first = added_findings(okr, example, before)
    assert okr("validate", "--fix", "-w", str(example)).exit_code == 3
    after = added_findings(okr, example, before)

    # Everything wrong with the rows is said before --fix assigns their IDs, and only once.
    found = sorted((f["code"], f["where"]) for f in first)
    assert found == [
        ("due-outside-cycle", "Sales!M7"),
        ("few-key-results", "Sales!B6"),  # one key result: a warning, before and after
        ("missing-id", "Sales!B6"),
        ("missing-id", "Sales!B7"),
    ]
    assert sorted((f["code"], f["where"]) for f in after) == [
        (code, where) for code, where in found if code != "missing-id"
    ]
