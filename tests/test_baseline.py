"""Key results whose baseline is not known yet: Start "baseline", measured by the first
check-in, on .xlsx and on Google (the in-process fake)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.domain.model import Cycle, KeyResult, KRKind, Settings, Status
from okrsheet.domain.scoring import grade, objective_progress, progress, status
from okrsheet.layout.schema import OKR_COLUMNS
from tests.conftest import Google, type_cells

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
CYCLE = Cycle(name="test", start=date(2026, 1, 1), end=date(2026, 4, 10))


def measuring(**fields: Any) -> KeyResult:
    base: dict[str, Any] = {
        "id": "O-1.1",
        "objective_id": "O-1",
        "title": "Renewal rate",
        "owner": "Ana",
        "kind": KRKind.INCREASE,
        "baseline": True,
        "target": 0.9,
        "due": CYCLE.end,
    }
    return KeyResult(**(base | fields))


def test_a_baseline_key_result_is_valid_and_not_scored() -> None:
    kr = measuring()
    other = measuring(id="O-1.2", baseline=False, start=0, target=10, current=5)

    assert kr.measuring_baseline and kr.start is None
    assert progress(kr) == 0.0 and grade(kr) == 0.0
    assert status(kr, CYCLE, CYCLE.start + timedelta(days=50), Settings()) is Status.NOT_STARTED
    assert status(kr, CYCLE, CYCLE.end + timedelta(days=1), Settings()) is Status.OVERDUE
    # Its objective rolls up the key results that have a start.
    assert objective_progress([kr, other]) == 0.5


def test_without_the_word_a_start_is_still_required() -> None:
    with pytest.raises(ValueError, match="start value is missing"):
        measuring(baseline=False)


def kr_row(path: Path, tab: str, kr_id: str) -> int:
    sheet = openpyxl.load_workbook(path)[tab]
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, COL["id"]).value == kr_id)


def start_cell(path: Path, tab: str, kr_id: str) -> Any:
    return openpyxl.load_workbook(path)[tab].cell(kr_row(path, tab, kr_id), COL["start"]).value


def baseline_in(path: Path, tab: str, kr_id: str) -> None:
    """Type "baseline" over the Start and clear the Current, as a person would."""
    row = kr_row(path, tab, kr_id)
    type_cells(path, {tab: {(row, COL["start"]): "Baseline", (row, COL["current"]): None}})


def kr_json(okr: Any, where: str, kr_id: str) -> dict[str, Any]:
    report = okr("status", "-w", where, "-f", "json").json()
    return next(k for o in report["objectives"] for k in o["key_results"] if k["id"] == kr_id)


def test_status_reads_measuring_the_baseline_until_the_first_checkin(
    okr: Any, example: Path
) -> None:
    baseline_in(example, "Corporate", "CORP-1.1")
    w = ("-w", str(example))

    before = kr_json(okr, str(example), "CORP-1.1")
    table = okr("status", *w, "--objective", "CORP-1")

    assert before["measuring_baseline"] is True and before["start"] is None
    assert before["status"] == "not started" and before["progress"] == 0.0
    assert "measuring the baseline" in table.stdout

    assert okr("checkin", "CORP-1.1", "--value", "2500000", *w).exit_code == 0
    assert start_cell(example, "Corporate", "CORP-1.1") == 2500000  # same write
    assert okr("checkin", "CORP-1.1", "--value", "2750000", "--force", *w).exit_code == 0
    after = kr_json(okr, str(example), "CORP-1.1")

    assert start_cell(example, "Corporate", "CORP-1.1") == 2500000  # only the first sets it
    assert after["measuring_baseline"] is False
    assert after["start"] == 2500000 and after["current"] == 2750000
    assert after["progress"] == 0.5


def test_validate_warns_after_two_cadences(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline_in(example, "Sales", "SALES-1.1")
    row = kr_row(example, "Sales", "SALES-1.1")
    letter = openpyxl.utils.get_column_letter(COL["start"])

    late = okr("validate", "-w", str(example), "-f", "json").json()  # 2026-11-16
    monkeypatch.setenv("OKR_TODAY", "2026-10-14")  # 13 days in: under two weekly cadences
    early = okr("validate", "-w", str(example), "-f", "json").json()

    found = [f for f in late["findings"] if f["code"] == "baseline-unknown"]
    assert [(f["severity"], f["where"]) for f in found] == [("warning", f"Sales!{letter}{row}")]
    assert "SALES-1.1" in found[0]["message"]
    assert late["errors"] == 0
    assert not [f for f in early["findings"] if f["code"] == "baseline-unknown"]


def test_google_measures_the_baseline_too(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    rows = google.fake.values(sid, "Sales")
    header = rows[0]
    row = next(i for i, r in enumerate(rows, start=1) if len(r) > 1 and r[1] == "SALES-1.1")
    start = openpyxl.utils.get_column_letter(header.index("Start") + 1)
    current = openpyxl.utils.get_column_letter(header.index("Current") + 1)
    google.fake.set_values(sid, f"Sales!{start}{row}", [["baseline"]])
    google.fake.set_values(sid, f"Sales!{current}{row}", [[""]])

    assert kr_json(okr, gexample, "SALES-1.1")["measuring_baseline"] is True
    assert okr("checkin", "SALES-1.1", "--value", "64", "-w", gexample).exit_code == 0

    assert google.fake.values(sid, "Sales")[row - 1][header.index("Start")] in (64, "64")
    after = kr_json(okr, gexample, "SALES-1.1")
    assert after["start"] == 64 and not after["measuring_baseline"]


def test_the_report_says_the_baseline_is_being_measured(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    baseline_in(example, "Corporate", "CORP-1.1")
    page = tmp_path / "report.html"

    made = okr("report", "-w", str(example), "--out", str(page))

    assert made.exit_code == 0, made.stderr
    html = page.read_text(encoding="utf-8")
    kr = html[html.index("CORP-1.1</span> Grow") :]
    kr = kr[: kr.index("</svg>")]
    assert "measuring the baseline" in kr
    assert "Measuring the baseline; target" in kr  # the chart's words for screen readers


def test_a_current_typed_beside_baseline_is_the_start_and_fix_writes_it(
    okr: Any, example: Path
) -> None:
    baseline_in(example, "Corporate", "CORP-1.1")
    row = kr_row(example, "Corporate", "CORP-1.1")
    type_cells(example, {"Corporate": {(row, COL["current"]): 2500000}})

    found = okr("validate", "-w", str(example), "-f", "json").json()["findings"]
    measured = kr_json(okr, str(example), "CORP-1.1")

    letter = openpyxl.utils.get_column_letter(COL["start"])
    assert [f["where"] for f in found if f["code"] == "baseline-measured"] == [
        f"Corporate!{letter}{row}"
    ]
    assert measured["start"] == 2500000 and measured["progress"] == 0.0
    assert okr("validate", "-w", str(example), "--fix").exit_code == 0
    assert start_cell(example, "Corporate", "CORP-1.1") == 2500000
    type_cells(example, {"Corporate": {(row, COL["current"]): 2750000}})
    assert kr_json(okr, str(example), "CORP-1.1")["progress"] == 0.5  # the start stayed
