"""The Dashboard holds every objective: made with room for them, grown when people type more,
and `okr validate` says when it is short (issue: the list stopped at 60)."""

from __future__ import annotations

import math
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from benchmarks.generate import AS_OF, SIZES, build
from okrsheet.layout.writer import workbook_tabs
from okrsheet.stores.base import Change, RawWorkbook, SetCells
from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import Google

BEHIND = ("at risk", "off track", "overdue")
OVERALL = "Overall progress (mean of objectives)"


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmarks' large workbook (150 people, 603 objectives), checked in up to today (the
    sheet's TODAY() is the real date), with each key result's last check-in only (the list and
    its totals do not depend on the history)."""
    draft = build(SIZES["large"], min(date.today(), AS_OF["large"]))
    newest = {c.kr_id: c for c in draft.checkins}
    draft.checkins = sorted(newest.values(), key=lambda c: (c.date, c.kr_id))
    path = tmp_path_factory.mktemp("large") / "large.xlsx"
    XlsxStore(path).create(workbook_tabs(draft), overwrite=True)
    return path


def dashboard_list(rows: list[list[Any]]) -> list[dict[str, Any]]:
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if len(r) > 1 and r[1]]


def side(rows: list[list[Any]], label: str) -> Any:
    return next(r[i + 1] for r in rows for i, v in enumerate(r[:-1]) if v == label)


def formulas(rows: list[list[Any]]) -> dict[tuple[int, int], str]:
    """The Dashboard's formulas by (row, column), 1-based."""
    return {
        (r, c): v
        for r, row in enumerate(rows, start=1)
        for c, v in enumerate(row, start=1)
        if isinstance(v, str) and v.startswith("=")
    }


def recalculated_dashboard(path: Path, out: Path) -> list[list[Any]]:
    """The Dashboard's values once LibreOffice has recalculated the workbook."""
    from tests.cli.test_sheet_agrees import recalculate

    done = recalculate([path], out)[path]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = openpyxl.load_workbook(done, data_only=True)["Dashboard"]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_pushed_large_workbook_lists_every_objective_and_totals_them_all(
    okr: Any, google: Google, large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OKR_TODAY", raising=False)  # the sheet's TODAY() is the real date
    result = okr("push", str(large), "--to", "gsheet:new", "--title", "Large")
    assert result.exit_code == 0, result.stderr
    sid = google.sheet_id()
    status = okr("status", "-w", f"gsheet:{sid}", "-f", "json").json()
    objectives = status["objectives"]
    assert len(objectives) == 603

    # The pushed Dashboard has a line for every objective and its totals reach them all ...
    pushed = google.fake.values(sid, "Dashboard", value_render_option="FORMULA")
    lines = {r for (r, c) in formulas(pushed) if c == 2}  # the ID column
    assert len(lines) >= 603
    assert "$E$2:$E$" + str(max(lines)) in side(pushed, OVERALL)
    # ... and they are the formulas a pulled copy has, which LibreOffice calculates.
    pulled = tmp_path / "pulled.xlsx"
    assert okr("pull", f"gsheet:{sid}", "--to", str(pulled)).exit_code == 0
    book = openpyxl.load_workbook(pulled)["Dashboard"]
    copy = [[c.value for c in row] for row in book.iter_rows()]
    assert formulas(copy) == formulas(pushed)

    rows = recalculated_dashboard(pulled, tmp_path / "calc")
    listed = dashboard_list(rows)
    assert sorted(r["ID"] for r in listed) == sorted(o["id"] for o in objectives)
    measured = [o["progress"] for o in objectives if o["progress"] is not None]
    overall = sum(measured) / len(measured)  # objectives without key results have none
    assert math.isclose(side(rows, OVERALL), overall, abs_tol=1e-4)  # JSON rounds
    assert side(rows, "Objectives behind") == sum(o["status"] in BEHIND for o in objectives)


def typed_objectives(count: int) -> list[list[Any]]:
    """Objective rows a person types at the end of the Corporate tab."""
    return [
        ["Objective", f"CORP-{100 + n}", None, f"Typed objective {n}", "corporate", "Ana Lima"]
        for n in range(count)
    ]


def short_warnings(okr: Any, where: str) -> list[str]:
    result = okr("validate", "-w", where, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return [f["message"] for f in result.json()["findings"] if f["code"] == "dashboard-short"]


def lines_of(rows: list[list[Any]]) -> int:
    """How many objectives the Dashboard's list has formulas for (its ID column)."""
    return len({r for (r, c) in formulas(rows) if c == 2})


def test_an_xlsx_dashboard_grows_when_people_type_a_61st_objective(
    okr: Any, tmp_path: Path
) -> None:
    path = tmp_path / "example.xlsx"
    assert okr("init", str(path), "--example", "--cycle", "2026-Q4").exit_code == 0
    book = openpyxl.load_workbook(path)
    for row in typed_objectives(60):
        book["Corporate"].append(row)
    book.save(path)
    objectives = len(okr("status", "-w", str(path), "-f", "json").json()["objectives"])
    assert objectives > 60

    [warning] = short_warnings(okr, str(path))
    assert f"room for 60 objectives but the workbook has {objectives}" in warning

    assert okr("checkin", "SALES-1.1", "--value", "80", "-w", str(path)).exit_code == 0

    assert short_warnings(okr, str(path)) == []
    sheet = openpyxl.load_workbook(path)["Dashboard"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert lines_of(rows) >= objectives
    assert f"$E$2:$E${lines_of(rows) + 1}" in side(rows, OVERALL)


def test_validate_fix_grows_a_google_dashboard_that_people_outgrew(
    okr: Any, google: Google, gexample: str
) -> None:
    sid = google.sheet_id()
    last = len(google.fake.values(sid, "Corporate"))
    google.fake.set_values(sid, f"Corporate!A{last + 1}", typed_objectives(60))
    assert short_warnings(okr, gexample)  # said on Google too

    result = okr("validate", "--fix", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    assert short_warnings(okr, gexample) == []
    objectives = len(okr("status", "-w", gexample, "-f", "json").json()["objectives"])
    rows = google.fake.values(sid, "Dashboard", value_render_option="FORMULA")
    assert lines_of(rows) >= objectives


def dashboard_writers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[SetCells]]:
    """Record the Dashboard cells each of the two writers plans: the rewrite every local write
    makes (`dashboard_refresh`) and the room every okr write adds (`dashboard_room`)."""
    from okrsheet.layout import dashboard, results

    seen: dict[str, list[SetCells]] = {"refresh": [], "room": []}
    for name, writer in (
        ("refresh", dashboard.dashboard_refresh),
        ("room", dashboard.dashboard_room),
    ):

        def recorded(raw: RawWorkbook, name: str = name, writer: Any = writer) -> list[Change]:
            changes: list[Change] = writer(raw)
            seen[name].extend(c for c in changes if isinstance(c, SetCells))
            return changes

        # Both modules that call the writers (`results.with_room` adds the room and the fresh
        # Dashboard beside okr's results) hold them under these names.
        for module in (dashboard, results):
            monkeypatch.setattr(module, f"dashboard_{name}", recorded)
    return seen


def test_a_local_write_writes_the_dashboard_once_with_room_for_every_objective(
    okr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers would rewrite the list of a short local Dashboard: the rewrite of all its
    formulas (no old result stays) makes the room, and the room is not added a second time."""
    path = tmp_path / "example.xlsx"
    assert okr("init", str(path), "--example", "--cycle", "2026-Q4").exit_code == 0
    book = openpyxl.load_workbook(path)
    for row in typed_objectives(60):
        book["Corporate"].append(row)
    book.save(path)
    objectives = len(okr("status", "-w", str(path), "-f", "json").json()["objectives"])
    seen = dashboard_writers(monkeypatch)

    assert okr("checkin", "SALES-1.1", "--value", "80", "-w", str(path)).exit_code == 0

    [refresh] = seen["refresh"]
    assert seen["room"] == []  # the rewrite carried the room: one writer per write
    assert len({r for (r, c) in refresh.cells if c == 2}) >= objectives
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)["Dashboard"].iter_rows()]
    assert lines_of(rows) >= objectives
    assert short_warnings(okr, str(path)) == []


def test_a_google_write_adds_only_the_room(
    okr: Any, google: Google, gexample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Google computes the Dashboard afresh: a write there never rewrites its formulas, and
    adds the room only when the list is short."""
    seen = dashboard_writers(monkeypatch)
    assert okr("checkin", "SALES-1.1", "--value", "80", "-w", gexample).exit_code == 0
    assert seen == {"refresh": [], "room": []}

    sid = google.sheet_id()
    last = len(google.fake.values(sid, "Corporate"))
    google.fake.set_values(sid, f"Corporate!A{last + 1}", typed_objectives(60))
    assert okr("checkin", "SALES-1.1", "--value", "81", "-w", gexample).exit_code == 0
    assert seen["refresh"] == []
    [room] = seen["room"]
    objectives = len(okr("status", "-w", gexample, "-f", "json").json()["objectives"])
    assert len({r for (r, c) in room.cells if c == 2}) >= objectives
