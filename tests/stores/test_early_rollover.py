"""After a rollover made before the new cycle starts, no row shows a negative Days since
check-in (it showed -25 on every row): the sheet's formulas, as LibreOffice calculates them
in a copy pulled from Google."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import Google


def test_days_since_checkin_is_never_negative_after_an_early_rollover(
    okr: Any, google: Google, gexample: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.test_sheet_agrees import recalculate

    monkeypatch.delenv("OKR_TODAY", raising=False)  # the sheet's TODAY() is the real date
    nxt = date.today().year + 2
    result = okr("rollover", "--to", f"{nxt}-Q1", "-w", gexample)  # long before it starts
    assert result.exit_code == 0, result.stderr
    # The Google sheet holds the formula the pulled copy is calculated with.
    header, *rows = google.fake.values(google.sheet_id(), "Sales", value_render_option="FORMULA")
    col = header.index("Days since check-in")
    assert all("MAX(0,TODAY()-" in str(r[col]) for r in rows if len(r) > col and r[1])
    pulled = tmp_path / "pulled.xlsx"
    assert okr("pull", gexample, "--to", str(pulled)).exit_code == 0

    done = recalculate([pulled], tmp_path / "calc")[pulled]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(done, data_only=True)
    days = []
    for tab in ("Corporate", "Sales", "Marketing"):
        header, *rows = book[tab].iter_rows(values_only=True)
        col = list(header).index("Days since check-in")
        days += [r[col] for r in rows if r[1] and isinstance(r[col], int | float)]
    assert days and min(days) == 0
