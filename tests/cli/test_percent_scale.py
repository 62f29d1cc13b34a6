"""Percentages typed on the wrong scale: 38 for 38% where a percent row reads fractions (0.38),
in Start, Target, Current, KPI bounds and KPI check-ins; `validate` says "did you mean 38%?"
and `validate --fix` writes the fraction when the intent is unambiguous."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from okrsheet.layout import cells
from okrsheet.stores.base import CellValue
from tests.cli.conftest import add_rows, kr_row, read_tab

DUE = dt.date(2026, 12, 31)
#: Start 30%, Current 37%, and the Target typed as 38 meaning 38% (it reads as 3800%).
WIN_RATE = ["Key result", "CORP-1.4", "CORP-1", "Win rate", None, "Ana Lima", None, None,
            0.3, 38, 0.37, "%", DUE, 1, 0.6]  # fmt: skip
#: Every number typed on the 0-100 scale.
SHARE = ["Key result", "CORP-1.5", "CORP-1", "Market share", None, "Ana Lima", None, None,
         0, 38, 20, "%", DUE, 1, 0.6]  # fmt: skip


def findings(okr: Any, path: Path) -> list[dict[str, Any]]:
    result = okr("validate", "--format", "json", "-w", str(path))
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


def kr_status(okr: Any, path: Path, kr_id: str) -> dict[str, Any]:
    status = json.loads(okr("status", "--format", "json", "-w", str(path)).stdout)
    return next(k for o in status["objectives"] for k in o["key_results"] if k["id"] == kr_id)


def test_a_target_of_38_beside_fractions_is_a_finding_with_did_you_mean(
    okr: Any, shop: Path
) -> None:
    add_rows(shop, "Corporate", [WIN_RATE])
    assert kr_status(okr, shop, "CORP-1.4")["target"] == 38  # 37% of 3800%: the slip

    [units] = [f for f in findings(okr, shop) if f["code"] == "units"]

    assert units["where"] == "Corporate!J6"
    assert "did you mean 38%?" in units["message"] and "3800%" in units["message"]


def test_validate_fix_writes_the_fraction_and_the_progress_follows(okr: Any, shop: Path) -> None:
    add_rows(shop, "Corporate", [WIN_RATE, SHARE])

    result = okr("validate", "--fix", "-w", str(shop))

    assert "Wrote 3 percent(s)" in result.stderr
    assert [f for f in findings(okr, shop) if f["code"] == "units"] == []
    assert kr_row(shop, "CORP-1.4")["Target"] == 0.38
    share = kr_row(shop, "CORP-1.5")
    assert (share["Start"], share["Target"], share["Current"]) == (0, 0.38, 0.2)
    assert kr_status(okr, shop, "CORP-1.4")["progress"] == pytest.approx(0.875)
    assert kr_status(okr, shop, "CORP-1.5")["current"] == pytest.approx(0.2)


def test_a_typed_percent_sign_or_a_real_percent_beyond_100_is_left_alone(
    okr: Any, shop: Path
) -> None:
    meant = [*WIN_RATE[:9], "38%", *WIN_RATE[10:]]
    meant[1] = "CORP-1.6"
    big = [*SHARE[:8], 100, 250, 180, *SHARE[11:]]  # 100% to 250%: could be meant
    big[1] = "CORP-1.7"
    add_rows(shop, "Corporate", [meant, big])

    assert [f for f in findings(okr, shop) if f["code"] == "units"] == []


def test_kpi_checkin_of_74_on_a_70_to_85_percent_kpi_is_refused(okr: Any, example: Path) -> None:
    before = example.read_bytes()

    result = okr("checkin", "KPI-3", "--value", "74", "-w", str(example))

    assert result.exit_code == 2
    assert "did you mean 74%?" in result.stderr
    assert example.read_bytes() == before  # never 7400%
    assert okr("checkin", "KPI-3", "--value", "74%", "-w", str(example)).exit_code == 0


def test_kpi_checkin_of_33_on_at_least_30_percent_is_refused_not_healthy(
    okr: Any, shop: Path
) -> None:
    add_rows(shop, "KPIs", [["KPI-1", "Win rate", "Ana Lima", 0.32, 0.3, None, "%"]])

    result = okr("checkin", "KPI-1", "--value", "33", "-w", str(shop))

    assert result.exit_code == 2
    assert "did you mean 33%?" in result.stderr
    assert okr("checkin", "KPI-1", "--value", "0.33", "-w", str(shop)).exit_code == 0


def test_kpi_bounds_on_the_wrong_scale_are_found_and_fixed(okr: Any, shop: Path) -> None:
    add_rows(shop, "KPIs", [["KPI-1", "Gross margin", "Ana Lima", 0.76, 70, 0.85, "%"]])

    [units] = [f for f in findings(okr, shop) if f["code"] == "units"]
    assert units["where"] == "KPIs!E2" and "did you mean 70%?" in units["message"]

    okr("validate", "--fix", "-w", str(shop))

    header, row = read_tab(shop, "KPIs")[:2]
    assert dict(zip(header, row, strict=False))["Healthy from"] == 0.7
    status = json.loads(okr("status", "--format", "json", "-w", str(shop)).stdout)
    assert [(k["id"], k["healthy"]) for k in status["kpis"]] == [("KPI-1", True)]


@pytest.mark.parametrize(
    ("numbers", "slips"),
    [
        ({"start": (0.3, 0.3), "target": (38.0, 38.0)}, {"target": 0.38}),
        ({"start": (0.0, 0.0), "target": (38.0, "38")}, {"target": 0.38}),
        ({"start": (3.0, 3.0), "target": (38.0, 38.0)}, {"start": 0.03, "target": 0.38}),
        ({"start": (0.0, 0.0), "target": (2.0, 2.0)}, {}),  # 2% or 200%: unclear
        ({"start": (0.3, 0.3), "target": (38.0, "38%")}, {}),  # typed with its sign
        ({"start": (0.5, 0.5), "target": (150.0, 150.0)}, {}),  # beyond 100: could be meant
        ({"start": (0.98, 0.98), "target": (1.08, 1.08)}, {}),  # 98% to 108%: meant
        (
            {"start": (0.3, 0.3), "target": (38.0, 38.0), "current": (37.0, 37.0)},
            {"target": 0.38, "current": 0.37},
        ),
    ],
)
def test_percent_points_judgement(
    numbers: dict[str, tuple[float, CellValue]], slips: dict[str, float]
) -> None:
    assert cells.percent_points(numbers, "%") == pytest.approx(slips)
    assert cells.percent_points(numbers, "orders") == {}
