"""Day-first dates typed as text (issue 24 point 5): okr reads `31/12/2026` by the workbook's
Date order, the sheet's formulas by the spreadsheet program's language. `validate` names such
cells and `validate --fix` writes them as real dates; LibreOffice then shows the numbers
`okr status` shows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.cli.conftest import add_rows, kr_row
from tests.cli.test_checkin import set_date_order
from tests.cli.test_sheet_agrees import (
    SOFFICE,
    disagreements,
    real_today,  # noqa: F401 - a fixture
    recalculate,
    status_of,
)


def text_date_findings(okr: Any, path: Path) -> list[dict[str, Any]]:
    result = okr("validate", "--format", "json", "-w", str(path))
    return [f for f in json.loads(result.stdout)["findings"] if f["code"] == "text-date"]


def due_and_expected(okr: Any, path: Path) -> tuple[str, float]:
    status = json.loads(okr("status", "-f", "json", "-w", str(path)).stdout)
    [kr] = [k for o in status["objectives"] for k in o["key_results"] if k["id"] == "CORP-1.4"]
    return kr["due"], kr["expected"]


def test_a_day_first_text_date_is_named_and_fixed(okr: Any, shop: Path) -> None:
    set_date_order(shop, "DMY")
    add_rows(shop, "Corporate", [
        ["Key result", "CORP-1.4", "CORP-1", "Returns handled", None, "Ana Lima", None, None,
         0, 10, 4, "returns", "31/12/2026", 1, 0.6],
    ])  # fmt: skip

    [found] = text_date_findings(okr, shop)
    assert found["where"] == "Corporate!M6" and "'31/12/2026' is text" in found["message"]
    before = due_and_expected(okr, shop)

    fixed = okr("validate", "--fix", "-w", str(shop))

    assert "Wrote 1 date(s) typed as text as real dates." in fixed.stderr
    assert kr_row(shop, "CORP-1.4")["Due"] == dt.datetime(2026, 12, 31)
    assert text_date_findings(okr, shop) == []
    assert due_and_expected(okr, shop) == before == ("2026-12-31", before[1])


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_agrees_with_okr_once_text_dates_are_fixed(
    okr: Any,
    tmp_path: Path,
    real_today: None,  # noqa: F811
) -> None:
    typed = tmp_path / "typed.xlsx"
    assert okr("init", str(typed), "--company", "Acme").exit_code == 0
    set_date_order(typed, "DMY")
    end = dt.date.fromisoformat(status_of(okr, typed)["cycle"]["end"])
    day_first = f"{end.day}/{end.month}/{end.year}"  # 31/12/2026: no date to English formulas
    add_rows(typed, "Corporate", [
        ["Objective", "CORP-1", None, "Grow", "corporate", "Ana Lima"],
        ["Key result", "CORP-1.1", "CORP-1", "Orders", None, "Ana Lima", None, None,
         0, 100, 40, "orders", day_first, 1, 0.6],
    ])  # fmt: skip
    fixed = tmp_path / "fixed.xlsx"
    shutil.copy(typed, fixed)
    assert okr("validate", "--fix", "-w", str(fixed)).exit_code == 0
    assert isinstance(openpyxl.load_workbook(fixed)["Corporate"]["M3"].value, dt.datetime)
    statuses = {p: status_of(okr, p) for p in (typed, fixed)}

    done = recalculate([typed, fixed], tmp_path / "out")

    assert disagreements(done[typed], statuses[typed]) != []  # the issue, as reported
    assert disagreements(done[fixed], statuses[fixed]) == []
