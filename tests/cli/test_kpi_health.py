"""The KPIs tab for people who only read the sheet (issue 24 point 13): a Health column whose
formula says what `okr status` says of each KPI (healthy, unhealthy, no value, no range), and
numbers shown by the KPI's unit on every row, also on the rows typed after `okr init`.
LibreOffice recalculates the sheet and every Health cell is compared with the CLI's JSON."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.cli.test_sheet_agrees import (
    SOFFICE,
    health_word,
    kpi_disagreements,
    real_today,  # noqa: F401 - a fixture
    recalculate,
    status_of,
)

#: KPIs typed on the prepared rows, each for one way of judging health.
TYPED = [
    # ID, KPI, current, healthy from, healthy to, unit: the CLI's word
    ("KPI-5", "Churn", 0.05, None, 0.05, "%"),  # on the upper end: healthy
    ("KPI-6", "Tickets", 120, 100, 110, "tickets"),  # above: unhealthy
    ("KPI-7", "NPS", None, 30, None, ""),  # no value
    ("KPI-8", "Headcount", 41, None, None, "people"),  # no range
    ("KPI-9", "Margin typed as text", "76%", 0.7, 0.85, "%"),  # healthy
    ("KPI-10", "Uptime", 0.99499, 0.995, None, "%"),  # just below: unhealthy
    ("KPI-11", "Spend", "$12,500", None, 10000, "$"),  # above: unhealthy
]


def kpi_header(path: Path) -> list[Any]:
    return [c.value for c in openpyxl.load_workbook(path)["KPIs"][1]]


def type_kpis(path: Path) -> None:
    """Type the KPIs above on the first empty rows of the KPIs tab (openpyxl, no okr)."""
    book = openpyxl.load_workbook(path)
    sheet = book["KPIs"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 2) if sheet.cell(r, 1).value is None)
    for kpi_id, name, current, low, high, unit in TYPED:
        values = {"ID": kpi_id, "KPI": name, "Owner": "Priya Raman", "Current": current,
                  "Healthy from": low, "Healthy to": high, "Unit": unit or None}  # fmt: skip
        for title, value in values.items():
            sheet.cell(row, header.index(title) + 1).value = value
        row += 1
    book.save(path)


def test_init_writes_health_on_every_row_and_formats_by_unit(example: Path) -> None:
    sheet = openpyxl.load_workbook(example)["KPIs"]
    header = [c.value for c in sheet[1]]
    health = header.index("Health") + 1
    assert str(sheet.cell(2, health).value).startswith("=IF(")  # KPI-1
    prepared = [sheet.cell(r, health).value for r in range(6, 46)]  # below the 4 KPIs
    assert all(str(v).startswith("=IF(") for v in prepared)
    letter = openpyxl.utils.get_column_letter
    unit = letter(header.index("Unit") + 1)
    numbers = f"{letter(header.index('Current') + 1)}2:{letter(header.index('Healthy to') + 1)}"
    rules = {
        rule.formula[0]: (str(cf.sqref), rule.dxf.numFmt.formatCode)
        for cf in sheet.conditional_formatting
        for rule in cf.rules
        if rule.dxf is not None and rule.dxf.numFmt is not None
    }
    assert rules[f'TRIM(${unit}2)="%"'][1] == "0.0%"
    assert rules[f'TRIM(${unit}2)="$"'][1] == '"$"#,##0'
    assert all(where.startswith(numbers) for where, _ in rules.values())


def test_validate_fix_adds_health_to_a_kpis_tab_made_before_it(okr: Any, example: Path) -> None:
    book = openpyxl.load_workbook(example)
    book["KPIs"].delete_cols(kpi_header(example).index("Health") + 1)
    book.save(example)
    assert "Health" not in kpi_header(example)

    fixed = okr("validate", "--fix", "-w", str(example))

    assert fixed.exit_code == 0, fixed.stderr
    header = kpi_header(example)
    assert header[-1] == "Health"
    sheet = openpyxl.load_workbook(example)["KPIs"]
    assert str(sheet.cell(2, len(header)).value).startswith("=IF(")
    assert okr("validate", "-w", str(example)).exit_code == 0


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_sheets_kpi_health_is_the_clis(
    okr: Any,
    tmp_path: Path,
    real_today: None,  # noqa: F811
) -> None:
    made = tmp_path / "made" / "acme.xlsx"
    made.parent.mkdir()
    assert okr("init", str(made), "--example").exit_code == 0
    typed = tmp_path / "typed.xlsx"
    shutil.copy(made, typed)
    type_kpis(typed)
    # And changed by okr: KPI-1 (unhealthy below 8000) checked in inside its range.
    checked = tmp_path / "checked.xlsx"
    shutil.copy(typed, checked)
    result = okr("checkin", "KPI-1", "--value", "8000", "-w", str(checked))
    assert result.exit_code == 0, result.stderr
    statuses = {p: status_of(okr, p) for p in (made, typed, checked)}
    done = recalculate(list(statuses), tmp_path / "out")

    for path, status in statuses.items():
        assert kpi_disagreements(done[path], status) == [], path.name
    words = {k["id"]: health_word(k) for k in statuses[checked]["kpis"]}
    assert words == {
        "KPI-1": "healthy", "KPI-2": "healthy", "KPI-3": "healthy", "KPI-4": "healthy",
        "KPI-5": "healthy", "KPI-6": "unhealthy", "KPI-7": "no value", "KPI-8": "no range",
        "KPI-9": "healthy", "KPI-10": "unhealthy", "KPI-11": "unhealthy",
    }  # fmt: skip
    assert {k["id"]: health_word(k) for k in statuses[made]["kpis"]}["KPI-1"] == "unhealthy"
