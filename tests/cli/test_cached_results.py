"""After every okr write, every formula cell holds a right result: people's formulas keep theirs,
okr's own columns and the Dashboard get theirs from okr, and those agree with `okr status` and
with what LibreOffice computes.

A workbook with people's formulas in Target, Start, Due and a KPI bound, saved by LibreOffice,
goes through each writing command. Then (1) okr reads the people's formulas' values, (2) a reader
that does not calculate (openpyxl's `data_only`) sees okr's columns and the Dashboard with the
numbers of `okr status`, and (3) LibreOffice, made to compute every formula afresh, gets the
results okr wrote. Everything LibreOffice does happens in two runs for the whole module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from okrsheet.cli import app
from okrsheet.layout.schema import OKR_COLUMNS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None and os.environ.get("CI"):
    pytest.fail("LibreOffice (soffice) is required in CI to check the formulas' results")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the results are not checked"
)

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
SHOWN = {
    "Progress": "progress",
    "Expected": "expected",
    "Status": "status",
    "Days since check-in": "days_since",
    "Objective confidence": "confidence",
}
# A writing command each, run on its own copy of the LibreOffice-saved workbook.
COMMANDS: dict[str, list[str]] = {
    "checkin": ["checkin", "SALES-1.1", "--value", "120"],
    "kpi": ["checkin", "KPI-1", "--value", "7600"],
    "from-file": ["checkin", "--from", "{folder}/updates.csv"],
    "grade": ["grade", "--write"],
    "fix": ["validate", "--fix"],
    "sync": ["sync"],
    "rollover": ["rollover", "--to", "2027-Q1", "--yes"],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def libreoffice(paths: list[Path], out: Path) -> dict[Path, Path]:
    """Each workbook opened and saved again by LibreOffice, in one run."""
    out.mkdir(exist_ok=True)
    subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    done = {p: out / p.name for p in paths}
    assert all(p.exists() for p in done.values()), "LibreOffice wrote nothing"
    return done


def without_results(path: Path, to: Path) -> None:
    """A copy with no formula's result: LibreOffice then computes every formula afresh."""
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(to, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(</f>|<f[^>]*/>)<v>[^<]*</v>", rb"\1", data)
                data = re.sub(rb'(<c [^>]*?) t="(?:str|e|b|n)"([^>]*><f)', rb"\1\2", data)
            new.writestr(item, data)


def load(path: Path, data_only: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, data_only=data_only)


def people_type_formulas(path: Path, folder: Path) -> None:
    """What people type: formulas in Target, Start, Due and a KPI bound, a tab of their own,
    and a Source for `okr sync`."""
    book = load(path, data_only=False)
    plan = book.create_sheet("Plan")
    plan["C4"] = 180
    rows = {book["Sales"].cell(r, COL["id"]).value: r for r in range(2, 8)}
    sales = book["Sales"]
    sales.cell(rows["SALES-1.1"], COL["target"]).value = "=Plan!C4"
    sales.cell(rows["SALES-1.1"], COL["start"]).value = "=10-10"
    sales.cell(rows["SALES-1.2"], COL["target"]).value = "=0.8+0.05"
    sales.cell(rows["SALES-1.3"], COL["due"]).value = "=DATE(2026,12,31)"
    source = len(OKR_COLUMNS) + 1
    sales.cell(1, source).value = "Source"
    sales.cell(rows["SALES-1.3"], source).value = "numbers.xlsx!Numbers!B2"
    kpis = book["KPIs"]
    kpis.cell(2, 5).value = "=4000*2"
    book.save(path)
    numbers = openpyxl.Workbook()
    sheet = numbers.active
    assert sheet is not None
    sheet.title = "Numbers"
    sheet.append(["What", "Value"])
    sheet.append(["Deals", 5])
    numbers.save(folder / "numbers.xlsx")
    (folder / "updates.csv").write_text("kr_id,value\nSALES-1.2,0.8\n", encoding="utf-8")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Each command's workbook, its `okr status`, and LibreOffice's fresh results of it."""
    pinned = os.environ.pop("OKR_TODAY", None)  # LibreOffice's TODAY() is the real date
    try:
        folder = tmp_path_factory.mktemp("results")
        fresh = folder / "init.xlsx"
        assert run("init", str(fresh), "--example")[0] == 0
        typed = folder / "typed.xlsx"
        shutil.copy(fresh, typed)
        people_type_formulas(typed, folder)
        saved = libreoffice([typed], folder / "saved")[typed]
        books: dict[str, Path] = {"init": fresh}
        outcomes: dict[str, tuple[int, str, str]] = {}
        for name, args in COMMANDS.items():
            path = folder / f"{name}.xlsx"
            shutil.copy(saved, path)
            argv = [a.format(folder=folder) for a in args]
            outcomes[name] = run(*argv, "-w", str(path))
            books[name] = path
        statuses = {}
        for name, path in books.items():
            code, out, err = run("status", "-w", str(path), "-f", "json")
            assert code == 0, (name, err)
            statuses[name] = __import__("json").loads(out)
        stripped = folder / "stripped"
        stripped.mkdir()
        for path in books.values():
            without_results(path, stripped / path.name)
        fresh_results = libreoffice(
            [stripped / p.name for p in books.values()], folder / "recalculated"
        )
        yield {
            "books": books,
            "outcomes": outcomes,
            "statuses": statuses,
            "libreoffice": {n: fresh_results[stripped / p.name] for n, p in books.items()},
            "as_of": date.today(),
        }
    finally:
        if pinned is not None:
            os.environ["OKR_TODAY"] = pinned


def test_every_writing_command_wrote(written: dict[str, Any]) -> None:
    for name, (code, _out, err) in written["outcomes"].items():
        assert code == 0, (name, err)


@pytest.mark.parametrize("name", [*COMMANDS])
def test_okr_reads_the_peoples_formulas_after_the_write(written: dict[str, Any], name: str) -> None:
    path = written["books"][name]
    code, out, err = run("validate", "-w", str(path), "-f", "json")
    assert code == 0, (name, out, err)
    status = written["statuses"][name]
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    if name == "rollover":
        return  # the new cycle carries what was unfinished; its numbers are the KPI's below
    assert krs["SALES-1.1"]["target"] == 180 and krs["SALES-1.1"]["start"] == 0
    assert krs["SALES-1.2"]["target"] == pytest.approx(0.85)
    assert krs["SALES-1.3"]["due"] == "2026-12-31"


def _sheet_rows(book: Any) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        if "Calc row" not in header:
            continue
        for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            row = dict(zip(header, values, strict=False))
            if row["ID"] and row["Type"]:
                rows[str(row["ID"])] = {"tab": sheet.title, "row": number, **row}
    return rows


def _close(sheet: Any, cli: Any) -> bool:
    if cli is None:
        return sheet in (None, "")
    if isinstance(cli, str):
        return bool(sheet == cli)
    return isinstance(sheet, int | float) and abs(sheet - cli) <= 0.005


@pytest.mark.parametrize("name", ["init", *COMMANDS])
def test_a_reader_that_does_not_calculate_sees_okr_status(
    written: dict[str, Any], name: str
) -> None:
    book = load(written["books"][name], data_only=True)
    status = written["statuses"][name]
    rows = _sheet_rows(book)
    board = {}
    dashboard = book["Dashboard"]
    header = [c.value for c in dashboard[1]]
    for values in dashboard.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=False))
        if row["ID"]:
            board[str(row["ID"])] = row
    wrong: list[str] = []
    as_of = date.fromisoformat(status["as_of"])
    start = date.fromisoformat(status["cycle"]["start"])
    for objective in status["objectives"]:
        items = [(objective, "objective")]
        items += [(kr, "key result") for kr in objective["key_results"]]
        for item, what in items:
            row = rows[item["id"]]
            expect = {
                "Progress": item["progress"],
                "Expected": item["expected"],
                "Status": item.get("own_status") or item["status"],
            }
            if what == "objective":
                expect["Objective confidence"] = item["confidence"]
            else:
                last = date.fromisoformat(item["last_checkin"]) if item["last_checkin"] else start
                expect["Days since check-in"] = max(0, (as_of - last).days)
            if item.get("measuring_baseline"):
                expect["Progress"] = "measuring the baseline"
            for header_name, value in expect.items():
                if row[header_name] is None and value is not None:
                    wrong.append(f"{item['id']} {header_name}: no result")
                elif not _close(row[header_name], value):
                    wrong.append(f"{item['id']} {header_name}: {row[header_name]!r} != {value!r}")
        listed = board.get(objective["id"])
        assert listed is not None, objective["id"]
        for header_name, key in (("Progress", "progress"), ("Expected", "expected"),
                                 ("Confidence", "confidence")):  # fmt: skip
            if not _close(listed[header_name], objective[key]):
                wrong.append(f"Dashboard {objective['id']} {header_name}: {listed[header_name]!r}")
        status_word = objective.get("own_status") or objective["status"]
        if listed["Status"] != status_word:
            wrong.append(f"Dashboard {objective['id']} Status: {listed['Status']!r}")
        if listed["Owner"] != objective["owner"]:
            wrong.append(f"Dashboard {objective['id']} Owner: {listed['Owner']!r}")
    assert wrong == [], name


def _formula_cells(path: Path) -> list[tuple[str, str]]:
    """Every formula cell on the OKR tabs' shown columns and on the Dashboard."""
    book = load(path, data_only=False)
    found: list[tuple[str, str]] = []
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        shown = {i + 1 for i, h in enumerate(header) if h in SHOWN}
        if sheet.title != "Dashboard" and not shown:
            continue
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if sheet.title != "Dashboard" and cell.column not in shown:
                    continue
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    found.append((sheet.title, cell.coordinate))
    return found


def _same(ours: Any, theirs: Any) -> bool:
    if ours in (None, "") or theirs in (None, ""):
        return ours in (None, "") and theirs in (None, "")
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return abs(ours - theirs) <= 1e-9
    return bool(ours == theirs)


@pytest.mark.parametrize("name", ["init", *COMMANDS])
def test_libreoffice_computes_the_results_okr_wrote(written: dict[str, Any], name: str) -> None:
    path = written["books"][name]
    ours = load(path, data_only=True)
    theirs = load(written["libreoffice"][name], data_only=True)
    cells = _formula_cells(path)
    assert len(cells) > 500, name
    differ = [
        f"{tab}!{ref}: okr {ours[tab][ref].value!r}, LibreOffice {theirs[tab][ref].value!r}"
        for tab, ref in cells
        if not _same(ours[tab][ref].value, theirs[tab][ref].value)
    ]
    assert differ == [], name
