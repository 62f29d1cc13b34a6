"""Committed vs aspirational objectives, and the objective's rolled-up confidence: the rules,
the reader, the reports, and the CLI on .xlsx and on Google (the in-process fake)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.domain.model import (
    Commitment,
    Cycle,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Plan,
    Settings,
    Status,
)
from okrsheet.domain.scoring import (
    COMMITTED_MISS,
    grade_band,
    lag_reasons,
    objective_confidence,
    score_kr,
    score_plan,
    status,
)
from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.reports import grade_report
from tests.conftest import Google, type_cells

START = date(2026, 1, 1)
CYCLE = Cycle(name="test", start=START, end=START + timedelta(days=100))
COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def kr(**fields: Any) -> KeyResult:
    base: dict[str, Any] = {
        "id": "O-1.1",
        "objective_id": "O-1",
        "title": "Orders",
        "owner": "Ana",
        "kind": KRKind.INCREASE,
        "start": 0,
        "target": 100,
        "due": CYCLE.end,
    }
    return KeyResult(**(base | fields))


# Rules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "committed", "expected"),
    [
        (45, False, Status.ON_TRACK),  # 5 points behind: inside the 10-point gap
        (45, True, Status.AT_RISK),  # committed: any shortfall is at risk
        (50, True, Status.ON_TRACK),  # at pace
        (20, True, Status.OFF_TRACK),  # past the at-risk gap, as for any key result
        (20, False, Status.OFF_TRACK),
    ],
)
def test_a_committed_key_result_is_at_risk_on_any_shortfall(
    current: float, committed: bool, expected: Status
) -> None:
    halfway = START + timedelta(days=50)

    found = status(kr(current=current, committed=committed), CYCLE, halfway, Settings())

    assert found is expected


def test_a_committed_shortfall_lags_and_says_why() -> None:
    halfway = START + timedelta(days=50)
    score = score_kr(
        kr(current=45, committed=True, last_checkin=halfway), CYCLE, halfway, Settings()
    )

    lag = lag_reasons(score, CYCLE, halfway, Settings())

    assert lag.codes == ("behind",)
    assert lag.sentences == ("committed, 5 points behind pace: expected to reach 1.0",)


def test_grades_of_committed_key_results_are_met_or_missed() -> None:
    assert grade_band(1.0, committed=True) == "met"
    assert grade_band(0.9, committed=True) == COMMITTED_MISS
    assert grade_band(0.65) == "in the band"


def test_objective_confidence_is_the_weighted_mean_of_those_given() -> None:
    krs = [kr(confidence=0.8), kr(confidence=0.2, weight=3), kr(confidence=None, weight=5)]

    assert objective_confidence(krs) == pytest.approx((0.8 + 0.6) / 4)
    assert objective_confidence([kr()]) is None


def plan(*, default: Commitment = Commitment.ASPIRATIONAL) -> Plan:
    settings = Settings(default_commitment=default)
    objectives = (
        Objective(
            id="O-1", title="Keep", level=Level.TEAM, owner="Ana", commitment=Commitment.COMMITTED
        ),
        Objective(id="O-2", title="Stretch", level=Level.TEAM, owner="Ana"),
    )
    committed = {o.id for o in objectives if o.commitment_in(settings) is Commitment.COMMITTED}
    krs = (
        kr(id="O-1.1", current=90, confidence=0.9, committed="O-1" in committed),
        kr(id="O-2.1", objective_id="O-2", current=65, committed="O-2" in committed),
    )
    return Plan(cycle=CYCLE, settings=settings, objectives=objectives, key_results=krs)


def test_grade_reports_a_committed_miss_apart() -> None:
    report = grade_report(plan(), CYCLE.end)

    bands = {k.id: k.band for k in report.key_results}
    assert bands == {"O-1.1": COMMITTED_MISS, "O-2.1": "in the band"}
    assert report.committed_misses == ["O-1.1"]
    # The 0.6-0.7 share counts aspirational key results only.
    assert report.share_in_band == 1.0
    assert [(o.id, o.commitment, o.committed_miss) for o in report.objectives] == [
        ("O-1", "committed", True),
        ("O-2", "aspirational", False),
    ]


def test_blank_commitment_follows_the_settings_default() -> None:
    scores = score_plan(plan(default=Commitment.COMMITTED), CYCLE.end)

    assert [s.commitment for s in scores] == [Commitment.COMMITTED, Commitment.COMMITTED]
    assert scores[0].confidence == pytest.approx(0.9)
    assert scores[1].confidence is None


# The workbook and the CLI -----------------------------------------------------------------------


def objective_row(path: Path, tab: str, objective_id: str) -> int:
    sheet = openpyxl.load_workbook(path)[tab]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, COL["id"]).value == objective_id:
            return row
    raise AssertionError(objective_id)


def test_the_example_offers_the_columns_and_a_committed_objective(okr: Any, example: Path) -> None:
    book = openpyxl.load_workbook(example)
    header = [c.value for c in book["Sales"][1]]
    settings = {r[0].value: r[1].value for r in book["Settings"].iter_rows(min_row=2)}

    assert "Commitment" in header and "Objective confidence" in header
    assert settings["Default commitment"] == "aspirational"
    report = okr("status", "-w", str(example), "-f", "json").json()
    commitments = {o["id"]: o["commitment"] for o in report["objectives"]}
    assert commitments["CORP-2"] == "committed"
    assert list(commitments.values()).count("committed") == 1
    confident = [o for o in report["objectives"] if o["confidence"] is not None]
    assert confident, "the example's key results have confidences"
    assert all(0 <= o["confidence"] <= 1 for o in confident)


def test_a_typed_commitment_changes_status_and_a_bad_one_names_its_cell(
    okr: Any, example: Path
) -> None:
    row = objective_row(example, "Sales", "SALES-1")
    before = okr("status", "-w", str(example), "-f", "json", "--objective", "SALES-1").json()
    assert before["objectives"][0]["commitment"] == "aspirational"

    type_cells(example, {"Sales": {(row, COL["commitment"]): "COMMITTED"}})
    after = okr("status", "-w", str(example), "-f", "json", "--objective", "SALES-1").json()
    table = okr("status", "-w", str(example), "--objective", "SALES-1")

    assert after["objectives"][0]["commitment"] == "committed"
    assert all(k["committed"] for k in after["objectives"][0]["key_results"])
    assert "committed" in table.stdout
    lagging = okr("lagging", "-w", str(example), "-f", "json").json()["lagging"]
    flags = {row["committed"] for row in lagging if row["objective_id"] == "SALES-1"}
    assert flags == {True}
    assert {row["committed"] for row in lagging if row["objective_id"] == "TOM-1"} == {False}

    type_cells(example, {"Sales": {(row, COL["commitment"]): "maybe"}})
    found = okr("validate", "-w", str(example), "-f", "json").json()["findings"]
    letter = openpyxl.utils.get_column_letter(COL["commitment"])
    assert [f["where"] for f in found if f["code"] == "bad-cell"] == [f"Sales!{letter}{row}"]
    assert "committed, aspirational" in next(f["message"] for f in found if f["code"] == "bad-cell")


def test_grade_asks_why_a_committed_objective_missed(okr: Any, example: Path) -> None:
    result = okr("grade", "-w", str(example), "--as-of", "2026-12-31")
    data = okr("grade", "-w", str(example), "-f", "json", "--as-of", "2026-12-31").json()

    assert result.exit_code == 0, result.stderr
    missed = data["committed_misses"]
    assert missed and all(i.startswith("CORP-2.") for i in missed)
    assert "A committed miss needs a reason" in result.stdout
    assert any(o["committed_miss"] for o in data["objectives"] if o["id"] == "CORP-2")


def test_google_reads_and_writes_the_commitment(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    header = google.fake.values(sid, "Sales")[0]
    assert "Commitment" in header and "Calc committed" in header
    rows = google.fake.values(sid, "Sales")
    row = next(i for i, r in enumerate(rows, start=1) if len(r) > 1 and r[1] == "SALES-1")
    letter = openpyxl.utils.get_column_letter(header.index("Commitment") + 1)
    google.fake.set_values(sid, f"Sales!{letter}{row}", [["committed"]])

    report = okr("status", "-w", gexample, "-f", "json").json()
    by_id = {o["id"]: o for o in report["objectives"]}

    assert by_id["SALES-1"]["commitment"] == "committed"
    assert by_id["CORP-2"]["commitment"] == "committed"
    assert by_id["SALES-1"]["confidence"] is not None
    formulas = google.fake.values(sid, "Sales", value_render_option="FORMULA")
    status_col = header.index("Calc status")
    assert "Calc committed" in header
    assert any("IF($" in str(r[status_col]) for r in formulas[1:] if len(r) > status_col)


def test_the_report_shows_commitment_and_objective_confidence(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    status = okr("status", "-w", str(example), "-f", "json").json()
    corp2 = next(o for o in status["objectives"] if o["id"] == "CORP-2")

    made = okr("report", "-w", str(example), "--out", str(page))

    assert made.exit_code == 0, made.stderr
    html = page.read_text(encoding="utf-8")
    summary = html[html.index('id="o-CORP-2"') :]
    summary = summary[: summary.index("</summary>")]
    assert '<span class="committed">committed</span>' in summary
    assert f"confidence {round(corp2['confidence'] * 100)}%" in summary
