"""The Settings tab's Decimal sign (issue 24 point 8): how okr reads the numbers of a check-in
CSV whose separator does not tell the decimal sign. `--decimal` wins over it; a file separated
by semicolons has decimal commas whatever it says; a bad value is a finding naming its cell;
`okr init` writes the row blank and `okr validate --fix` adds it to a workbook made before it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.cli.conftest import kr_row


def set_setting(path: Path, label: str, value: Any) -> str:
    """Type a setting's value; the cell it went to (`B17`)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Settings"]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == label:
            sheet.cell(row, 2).value = value
            book.save(path)
            return f"B{row}"
    raise AssertionError(f"no {label} setting")


def settings_rows(path: Path) -> dict[str, Any]:
    sheet = openpyxl.load_workbook(path)["Settings"]
    return {str(row[0]): row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_init_writes_a_blank_decimal_sign(example: Path) -> None:
    rows = settings_rows(example)
    assert "Decimal sign" in rows and rows["Decimal sign"] is None


def test_the_setting_reads_decimal_commas_in_a_tab_separated_file(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    tabbed = write(tmp_path / "tab.csv", "kr_id\tvalue\tconfidence\nSALES-1.2\t80,5%\t0,7\n")
    refused = okr("checkin", "--from", str(tabbed), "-w", str(example))
    assert refused.exit_code == 2  # blank: a dot, and `80,5%` is ambiguous
    set_setting(example, "Decimal sign", "comma")

    result = okr("checkin", "--from", str(tabbed), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    row = kr_row(example, "SALES-1.2", "Sales")
    assert row["Current"] == pytest.approx(0.805)
    assert row["Confidence"] == pytest.approx(0.7)


def test_the_setting_reads_a_comma_file_with_quoted_decimal_commas(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    """Google Sheets in a European language downloads CSV with commas between columns and
    decimal commas in quoted numbers."""
    quoted = write(tmp_path / "google.csv", 'kr_id,value\nSALES-1.3,"3,5"\n')
    set_setting(example, "Decimal sign", "Comma")

    result = okr("checkin", "--from", str(quoted), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert kr_row(example, "SALES-1.3", "Sales")["Current"] == pytest.approx(3.5)


def test_decimal_on_the_command_wins_over_the_setting(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    tabbed = write(tmp_path / "tab.csv", "kr_id\tvalue\nSALES-1.3\t3.500\n")
    set_setting(example, "Decimal sign", "comma")  # would read 3500

    result = okr("checkin", "--from", str(tabbed), "--decimal", "dot", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert kr_row(example, "SALES-1.3", "Sales")["Current"] == pytest.approx(3.5)


def test_a_semicolon_file_has_decimal_commas_whatever_the_setting(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    semicolons = write(tmp_path / "eu.csv", "kr_id;value\nSALES-1.2;80,5%\n")
    set_setting(example, "Decimal sign", "dot")

    result = okr("checkin", "--from", str(semicolons), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert kr_row(example, "SALES-1.2", "Sales")["Current"] == pytest.approx(0.805)


def test_a_dot_setting_reads_thousands_commas_as_before(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    batch = write(tmp_path / "us.csv", 'kr_id,value\nCORP-1.1,"2,700,000"\n')
    set_setting(example, "Decimal sign", "dot")

    result = okr("checkin", "--from", str(batch), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert kr_row(example, "CORP-1.1")["Current"] == 2_700_000


def test_a_bad_decimal_sign_is_a_finding_naming_its_cell(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    cell = set_setting(example, "Decimal sign", "semicolon")

    found = json.loads(okr("validate", "-f", "json", "-w", str(example)).stdout)["findings"]

    [bad] = [f for f in found if f["where"] == f"Settings!{cell}"]
    assert bad["code"] == "bad-setting" and bad["severity"] == "error"
    assert "'semicolon' is not a decimal sign: write comma, dot" in bad["message"]
    batch = write(tmp_path / "b.csv", "kr_id\tvalue\nSALES-1.3\t3\n")
    # A workbook with an error in its Settings still takes check-ins; the sign reads a dot.
    result = okr("checkin", "--from", str(batch), "-w", str(example))
    assert result.exit_code == 0, result.stderr


def test_validate_fix_adds_the_row_to_an_older_workbook(okr: Any, example: Path) -> None:
    book = openpyxl.load_workbook(example)
    sheet = book["Settings"]
    [row] = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "Decimal sign"]
    sheet.delete_rows(row)
    book.save(example)
    assert "Decimal sign" not in settings_rows(example)

    fixed = okr("validate", "--fix", "-w", str(example))

    assert fixed.exit_code == 0, fixed.stderr
    assert "Added 1 newer setting(s)" in fixed.stderr
    rows = settings_rows(example)
    assert "Decimal sign" in rows and rows["Decimal sign"] is None
    again = okr("validate", "--fix", "-w", str(example))
    assert "newer setting" not in again.stderr
