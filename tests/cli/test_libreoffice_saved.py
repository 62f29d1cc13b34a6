"""A workbook last saved by LibreOffice, changed by okr, then opened in LibreOffice again
(issue 24 point 3): LibreOffice shows the results it saved beside each formula without
recalculating them, so okr leaves none on the Dashboard that its write made wrong. Every
Dashboard line and every row then agrees with `okr status --format json`."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.cli.test_sheet_agrees import (
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
