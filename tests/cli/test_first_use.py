"""What a new user meets first: the advice after `init --example`, a People CSV with a Team
column, and the small things of issue 24 point 15 (spacing, units, whole forecasts, a KPI typed
at set-up, help at 78 columns, `okr` alone, a new workbook's status, the cron mail's header)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.primitives import column_letter
from tests.cli.conftest import add_rows

DUE = dt.date(2026, 12, 31)


# 24.11 ---------------------------------------------------------------------------------------


def test_init_example_near_the_cycle_end_gives_no_cycle_next_advice(
    okr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2026-12-10")  # the last third of 2026-Q4

    example = okr("init", str(tmp_path / "demo.xlsx"), "--example")
    blank = okr("init", str(tmp_path / "blank.xlsx"))

    assert example.exit_code == 0, example.stderr
    assert "--cycle next" not in example.stderr  # it would give an example with 0 check-ins
    assert "--cycle next" in blank.stderr  # a real plan is still offered the next quarter


# 24.12 ---------------------------------------------------------------------------------------


def people_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "name,team,email\nAna Lima,Sales,\nBo Chen,Sales,\nCy Diaz,Support,\nDee Eng,Support,\n",
        encoding="utf-8",
    )
    return path


def okr_tabs(path: Path) -> list[str]:
    book = load_workbook(path)
    header = [c.value for c in book["People"][1]]
    tab = header.index("Tab")
    return sorted({row[tab] for row in book["People"].iter_rows(min_row=2, values_only=True)})


def test_a_people_csv_with_a_team_column_gives_team_tabs_and_says_so(
    okr: Any, tmp_path: Path
) -> None:
    result = okr("init", str(tmp_path / "t.xlsx"), "--people", str(people_csv(tmp_path)))

    assert result.exit_code == 0, result.stderr
    assert okr_tabs(tmp_path / "t.xlsx") == ["Sales", "Support"]  # not one tab per person
    assert "One OKR tab per team" in result.stderr and "--tabs person" in result.stderr


def test_tabs_person_still_gives_everyone_a_tab(okr: Any, tmp_path: Path) -> None:
    result = okr(
        "init", str(tmp_path / "p.xlsx"), "--people", str(people_csv(tmp_path)), "--tabs", "person"
    )

    assert result.exit_code == 0, result.stderr
    assert okr_tabs(tmp_path / "p.xlsx") == ["Ana Lima", "Bo Chen", "Cy Diaz", "Dee Eng"]
    assert "One OKR tab per person" in result.stderr


# 24.15 ---------------------------------------------------------------------------------------


def lagging_reasons(okr: Any, path: Path, *args: str) -> dict[str, list[str]]:
    result = okr("lagging", "--format", "json", "-w", str(path), *args)
    data = json.loads(result.stdout)
    reasons = {row["id"]: row["reasons"] for row in data["lagging"]}
    reasons.update({row["id"]: row["reasons"] for row in data["kpis"]})
    return reasons


def test_blocked_by_reads_at_26_percent_without_a_space(okr: Any, example: Path) -> None:
    reasons = " ".join(r for rs in lagging_reasons(okr, example).values() for r in rs)
    assert "Marketing-qualified leads at 26%" in reasons
    assert " %" not in reasons


def test_a_percent_threshold_is_written_as_a_percent(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", [
        ["Key result", "CORP-1.4", "CORP-1", "Refund rate stays low", None, "Ana Lima", None,
         "keep below", 0, 0.05, 0.08, "%", DUE, 1, 0.6],
    ])  # fmt: skip

    [why] = [r for r in lagging_reasons(okr, shop)["CORP-1.4"] if "threshold" in r]

    assert why == "above the threshold of 5%"  # not "of 0.05"


def test_whole_things_are_forecast_whole(okr: Any, example: Path) -> None:
    result = okr("history", "SALES-1.1", "--format", "json", "-w", str(example))  # opps
    forecast = json.loads(result.stdout)["forecast_at_due"]
    assert forecast is not None and forecast == round(forecast)
    assert str(round(forecast)) + " opps" in okr("history", "SALES-1.1", "-w", str(example)).stdout


def test_a_decreasing_key_result_reads_now_and_target_on_the_report(
    okr: Any, example: Path
) -> None:
    page = okr("report", "--out", "-", "-w", str(example)).stdout
    assert "now 86 days, target 70 days (from 94 days)" in page
    assert "86 days of 70 days" not in page


def test_a_kpi_typed_at_set_up_is_not_never_updated(
    okr: Any, shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_rows(shop, "KPIs", [["KPI-1", "Stock accuracy", "Ana Lima", 0.99, 0.97, 1, "%"]])

    monkeypatch.setenv("OKR_TODAY", "2026-10-06")  # days into the cycle: nothing to say
    early = lagging_reasons(okr, shop)
    monkeypatch.setenv("OKR_TODAY", "2026-11-16")
    late = lagging_reasons(okr, shop)

    assert "KPI-1" not in early
    assert late["KPI-1"] == ["not updated this cycle (46 days)"]


def test_help_at_78_columns_keeps_each_example_whole(
    okr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "78")

    text = okr("init", "--help").stdout

    assert 'okr init gsheet:new --title "Acme OKRs" --share lead@acme.com' in text
    assert "--share <email>" in text and "list[str]" not in text


def test_okr_alone_shows_help_and_exits_0(okr: Any) -> None:
    result = okr()

    assert result.exit_code == 0
    assert "Commands:" in result.stdout


def test_status_of_a_new_workbook_says_where_objectives_are_typed(okr: Any, blank: Path) -> None:
    result = okr("status", "-w", str(blank))

    assert result.exit_code == 0
    assert "No objectives yet: type them on the OKR tabs (Corporate)" in result.stderr


def test_the_lagging_mail_names_the_company(okr: Any, example: Path) -> None:
    text = okr("lagging", "-w", str(example)).stdout
    assert text.splitlines()[0].startswith("Northwind Analytics · Lagging key results")


def test_output_docs_say_what_a_pipe_gets(okr: Any, example: Path) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "output.md").read_text(encoding="utf-8")
    pipes = docs.split("## Terminal, colour and pipes", 1)[1].split("\n## ", 1)[0]
    assert "400 characters" not in pipes and "blocks layout" in pipes
    text = okr("status", "-w", str(example)).stdout  # not a terminal: blocks, not a table
    assert text.startswith("Northwind Analytics") and "│" not in text and "┃" not in text


# 24.8 ----------------------------------------------------------------------------------------


def test_an_hr_export_with_extra_columns_is_read_in_one_run(okr: Any, tmp_path: Path) -> None:
    export = tmp_path / "hr.csv"
    export.write_text(
        "Name;Job title;Team;Start date;Email\r\n"
        "Ana Lima;Buyer;Shop;01.02.2024;ana@example.com\r\n"
        "Bo Chen;Clerk;Shop;03.04.2025;\r\n",
        encoding="utf-8",
    )

    result = okr("init", str(tmp_path / "hr.xlsx"), "--people", str(export))

    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("okr does not use") == 1
    assert "'Job title', 'Start date'" in result.stderr
    assert okr_tabs(tmp_path / "hr.xlsx") == ["Shop"]


# 24.13 (the overall figures) -----------------------------------------------------------------


def test_the_dashboard_and_the_report_label_their_overall_progress(okr: Any, example: Path) -> None:
    """Mean of objectives on the Dashboard (40% on the example), weighted mean of key results
    on the report (38%): two definitions, each named where it is shown."""
    sheet = load_workbook(example)["Dashboard"]
    labels = [c.value for row in sheet.iter_rows(max_row=20) for c in row if c.value]
    page = okr("report", "--out", "-", "-w", str(example)).stdout

    assert "Overall progress (mean of objectives)" in labels
    assert 'Overall progress <span class="meta">(key results, by weight)</span>' in page


def test_the_kpis_tab_shows_a_percent_kpi_as_percentages(example: Path) -> None:
    sheet = load_workbook(example)["KPIs"]
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    margin = rows["KPI-3"]  # Gross margin, 70% to 85%: not 0.7 to 0.85 on the tab
    for column in ("Current", "Healthy from", "Healthy to"):
        assert "%" in margin[header.index(column)].number_format, column
    visitors = rows["KPI-1"]  # visits: as typed
    assert "%" not in visitors[header.index("Current")].number_format


def test_an_objective_typed_later_is_emphasised_like_okrs_own(
    okr: Any, blank: Path, google: Any
) -> None:
    """Rows okr writes are bold on a light fill for objectives; rows typed later get the same
    from a conditional format on the Calc row code (O), on both backends."""
    sheet = load_workbook(blank)["Corporate"]
    rules = [
        (str(cf.sqref), rule.formula, rule.dxf.font.b)
        for cf in sheet.conditional_formatting
        for rule in cf.rules
        if rule.type == "expression" and rule.dxf.font is not None
    ]
    keys = [c.key for c in OKR_COLUMNS]
    last, code = (column_letter(keys.index(k) + 1) for k in ("days_since", "calc_row"))
    assert rules == [(f"A2:{last}1000", [f'${code}2="O"'], True)]

    assert okr("init", "gsheet:new", "--cycle", "2026-Q4").exit_code == 0
    corporate = google.fake.sheet(google.sheet_id(), "Corporate")
    formulas = [
        rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for rule in corporate.conditional_formats
        if rule.get("booleanRule", {}).get("condition", {}).get("type") == "CUSTOM_FORMULA"
    ]
    assert formulas == [f'=${code}2="O"']


def test_the_dashboard_wraps_long_titles_instead_of_cutting_them(example: Path) -> None:
    sheet = load_workbook(example)["Dashboard"]
    header = [c.value for c in sheet[1]]
    title = header.index("Objective") + 1
    assert all(sheet.cell(row, title).alignment.wrap_text for row in range(2, 62))
    label = next(
        c for row in sheet.iter_rows(max_row=20) for c in row
        if isinstance(c.value, str) and c.value.startswith("Overall progress")
    )  # fmt: skip
    assert label.alignment.wrap_text  # the labels beside: "Overall progress (...)"


def test_a_percent_key_result_typed_later_shows_percentages(blank: Path) -> None:
    """Rows typed after `okr init` had no number format (0.91 as typed): Start, Target and
    Current take the Unit's (% or $) by a conditional format (Excel, LibreOffice)."""
    sheet = load_workbook(blank)["Corporate"]
    rules = {
        rule.formula[0]: (str(cf.sqref), rule.dxf.numFmt.formatCode)
        for cf in sheet.conditional_formatting
        for rule in cf.rules
        if rule.dxf is not None and rule.dxf.numFmt is not None
    }
    assert rules == {
        'TRIM($L2)="%"': ("I2:K1000", "0.0%"),
        'TRIM($L2)="$"': ("I2:K1000", '"$"#,##0'),
    }
