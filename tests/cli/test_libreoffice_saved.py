"""A workbook last saved by LibreOffice, changed by okr, then opened in LibreOffice again
(issue 24 point 3): LibreOffice shows the results it saved beside each formula without
recalculating them, so okr leaves none on the Dashboard that its write made wrong. Every
Dashboard line and every row then agrees with `okr status --format json`."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.stores.primitives import column_letter
from tests.cli.libreoffice_typing import needs_libreoffice_typing, type_in_libreoffice
from tests.cli.test_sheet_agrees import (
    COL,
    POINT,
    SOFFICE,
    disagreements,
    real_today,  # noqa: F401 - a fixture
    recalculate,
    sheet_rows,
    status_of,
)


def tab_means(path: Path) -> dict[str, float | None]:
    """The Dashboard's Mean progress of each tab, as LibreOffice computed or kept it."""
    sheet = openpyxl.load_workbook(path, data_only=True)["Dashboard"]
    rows = list(sheet.iter_rows(values_only=True))
    # The per-tab lines beside the list: found by their header, wherever the columns are.
    top, row = next((n, r) for n, r in enumerate(rows) if "Tab (person or team)" in r)
    name, mean_at = row.index("Tab (person or team)"), row.index("Mean progress")
    means: dict[str, float | None] = {}
    for line in rows[top + 1 :]:
        title, mean = line[name], line[mean_at]
        if isinstance(title, str):
            means[title] = mean if isinstance(mean, float | int) else None
    return means


def expected_means(recalculated: Path, status: dict[str, Any]) -> dict[str, float]:
    tab_of = {i: row["tab"] for i, row in sheet_rows(recalculated).items()}
    by_tab: dict[str, list[float]] = {}
    for objective in status["objectives"]:
        by_tab.setdefault(tab_of[objective["id"]], []).append(objective["progress"])
    return {tab: sum(values) / len(values) for tab, values in by_tab.items()}


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.filterwarnings("ignore::UserWarning")  # LibreOffice's extensions, for openpyxl
def test_the_dashboard_of_a_libreoffice_saved_workbook_is_fresh_after_okr_writes(
    okr: Any,
    tmp_path: Path,
    real_today: None,  # noqa: F811
) -> None:
    made = tmp_path / "made" / "acme.xlsx"
    made.parent.mkdir()
    assert okr("init", str(made), "--example").exit_code == 0
    saved = recalculate([made], tmp_path / "saved")[made]  # the file as LibreOffice saves it
    changed = tmp_path / "acme.xlsx"
    shutil.copy(saved, changed)
    for kr_id, value in (("SALES-1.1", "170"), ("MARKET-1.1", "880")):
        result = okr("checkin", kr_id, "--value", value, "-w", str(changed))
        assert result.exit_code == 0, result.stderr
    status = status_of(okr, changed)

    reopened = recalculate([changed], tmp_path / "reopened")[changed]

    assert disagreements(reopened, status) == []
    means = tab_means(reopened)
    for tab, mean in expected_means(reopened, status).items():
        assert means[tab] == pytest.approx(mean, abs=POINT), tab


def _rows_by_id(path: Path, tab: str) -> dict[str, int]:
    sheet = openpyxl.load_workbook(path)[tab]
    return {str(r[1].value): r[1].row for r in sheet.iter_rows(min_row=2) if r[1].value}


def _first_empty_row(path: Path, tab: str) -> int:
    sheet = openpyxl.load_workbook(path)[tab]
    return next(r for r in range(2, sheet.max_row + 2) if sheet.cell(r, 2).value is None)


def _setting_row(path: Path, label: str) -> int:
    sheet = openpyxl.load_workbook(path)["Settings"]
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == label)


def _letter(key: str) -> str:
    return column_letter(COL[key])


@needs_libreoffice_typing
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_workbook_typed_in_libreoffice_then_changed_by_okr_agrees_with_okr(
    okr: Any,
    tmp_path: Path,
    real_today: None,  # noqa: F811
) -> None:
    """Typed in LibreOffice and saved by it, changed by okr, recalculated by LibreOffice: every
    tab row, Dashboard line and KPI health equals `okr status --format json`. Three ways:
    numbers, a key result and a KPI typed on the prepared rows; the Date order set to DMY with
    a Due typed as `31/12/2026` (text to LibreOffice in English; `--fix` makes it a date); a
    row inserted above a key result (`--fix` writes its formulas)."""
    made = tmp_path / "made" / "acme.xlsx"
    made.parent.mkdir()
    assert okr("init", str(made), "--example").exit_code == 0
    end = date.fromisoformat(status_of(okr, made)["cycle"]["end"])
    sales = _rows_by_id(made, "Sales")
    kpi_row = _first_empty_row(made, "KPIs")
    kpi_header = [c.value for c in openpyxl.load_workbook(made)["KPIs"][1]]

    def kpi(title: str) -> str:
        return column_letter(kpi_header.index(title) + 1)

    new_kr = {
        "type": "Key result", "id": "SALES-1.8", "objective_id": "SALES-1",
        "title": "Referral deals", "owner": "Marcus Webb", "start": 0, "target": 20,
        "current": 4, "due": end.isoformat(),
    }  # fmt: skip
    typed = type_in_libreoffice(made, tmp_path / "typed" / "acme.xlsx", [
        {"tab": "Sales", "row": sales["SALES-1.3"], "cells": {_letter("current"): 5}},
        {"tab": "Sales", "row": _first_empty_row(made, "Sales"),
         "cells": {_letter(k): v for k, v in new_kr.items()}},
        {"tab": "KPIs", "row": kpi_row, "cells": {
            kpi("ID"): "KPI-5", kpi("KPI"): "Churn", kpi("Current"): "6%",
            kpi("Healthy to"): "5%", kpi("Unit"): "%"}},
    ])  # fmt: skip
    day_first = f"{end.day:02d}/{end.month:02d}/{end.year}"  # a day above 12: text in English
    dmy = type_in_libreoffice(made, tmp_path / "dmy" / "acme.xlsx", [
        {"tab": "Settings", "row": _setting_row(made, "Date order"), "cells": {"B": "DMY"}},
        {"tab": "Sales", "row": sales["SALES-1.2"], "cells": {_letter("due"): day_first}},
    ])  # fmt: skip
    inserted = type_in_libreoffice(made, tmp_path / "inserted" / "acme.xlsx", [
        {"tab": "Sales", "before": sales["SALES-1.2"],
         "cells": {_letter(k): v for k, v in {**new_kr, "id": "SALES-1.9"}.items()}},
    ])  # fmt: skip
    assert openpyxl.load_workbook(dmy)["Sales"].cell(sales["SALES-1.2"], COL["due"]).value == (
        day_first
    )  # LibreOffice kept it as text, as the issue found

    for path in (typed, dmy, inserted):  # changed by okr
        for kr_id, value in (("SALES-1.1", "170"), ("KPI-1", "8100")):
            result = okr("checkin", kr_id, "--value", value, "-w", str(path))
            assert result.exit_code == 0, result.stderr
    # What the points allow: text dates (5) and a row's formulas (9), by --fix.
    for path, code in ((dmy, "text-date"), (inserted, "no-formulas")):
        found = okr("validate", "-f", "json", "-w", str(path)).json()["findings"]
        assert [f["where"] for f in found if f["code"] == code] == [
            f"Sales!{_letter('due' if code == 'text-date' else 'progress')}{sales['SALES-1.2']}"
        ]
        assert okr("validate", "--fix", "-w", str(path)).exit_code == 0
    statuses = {path: status_of(okr, path) for path in (typed, dmy, inserted)}
    krs = {k["id"] for o in statuses[inserted]["objectives"] for k in o["key_results"]}
    assert {"SALES-1.9", "SALES-1.1"} <= krs
    assert {k["id"] for k in statuses[typed]["kpis"]} >= {"KPI-5"}
    typed_krs = {k["id"]: k for o in statuses[typed]["objectives"] for k in o["key_results"]}
    assert typed_krs["SALES-1.8"]["current"] == 4 and typed_krs["SALES-1.3"]["current"] == 5

    out = tmp_path / "out"
    out.mkdir()
    copies = {}
    for name, path in (("typed", typed), ("dmy", dmy), ("inserted", inserted)):
        copies[path] = out / f"{name}.xlsx"
        shutil.copy(path, copies[path])
    done = recalculate(list(copies.values()), tmp_path / "recalculated")

    for path, copy in copies.items():
        assert disagreements(done[copy], statuses[path]) == [], copy.name
        means = tab_means(done[copy])
        for tab, mean in expected_means(done[copy], statuses[path]).items():
            assert means[tab] == pytest.approx(mean, abs=POINT), (copy.name, tab)
