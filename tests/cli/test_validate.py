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

    assert result.exit_code in (3, 4)
    assert "notes.xlsx" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_extension(okr: Any, tmp_path: Path) -> None:
    result = okr("validate", "-w", str(tmp_path / "okrs.csv"))

    assert result.exit_code == 2
    assert "--workbook" in result.stderr or ".xlsx" in result.stderr
