"""The sheet and `okr status` tell one story: LibreOffice recalculates each workbook's live
formulas, and every Progress, Expected, Status and Days since check-in cell, and every line of
the Dashboard, is compared with the CLI's JSON.

All workbooks go through one `soffice` run (it takes seconds to start), with a private profile
so that parallel runs do not collide. Without LibreOffice the tests skip, except in CI (where
`.ci/run` installs it), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.layout.schema import OKR_COLUMNS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None and os.environ.get("CI"):
    pytest.fail("LibreOffice (soffice) is required in CI to check the sheet's formulas")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: the formulas are not checked"
)

HEADERS = [c.header for c in OKR_COLUMNS]
COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
POINT = 0.005  # "within 0.5 point"


def recalculate(paths: list[Path], out: Path) -> dict[Path, Path]:
    """Every workbook recalculated and saved by LibreOffice, in one run."""
    profile = out / "profile"
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    done = {p: out / p.name for p in paths}
    missing = [str(p) for p in done.values() if not p.exists()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return done


def sheet_rows(path: Path) -> dict[str, dict[str, Any]]:
    """Every objective and key result row's values after recalculation, by ID."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LibreOffice's extensions openpyxl does not know
        book = openpyxl.load_workbook(path, data_only=True)
    rows: dict[str, dict[str, Any]] = {}
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        if "Calc row" not in header:
            continue
        for values in sheet.iter_rows(min_row=2, values_only=True):
            row = dict(zip(header, values, strict=False))
            if row["Calc row"] in ("O", "K"):
                rows[str(row["ID"])] = {"tab": sheet.title, **row}
    return rows


def dashboard(path: Path) -> dict[str, dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = openpyxl.load_workbook(path, data_only=True)["Dashboard"]
    header = [c.value for c in sheet[1]]
    found = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=False))
        if row["ID"]:
            found[str(row["ID"])] = row
    return found


def close(sheet: Any, cli: float | None) -> bool:
    if cli is None:
        return sheet in (None, "")
    return isinstance(sheet, int | float) and abs(sheet - cli) <= POINT


def disagreements(recalculated: Path, status: dict[str, Any]) -> list[str]:
    """Every cell where the sheet and the CLI differ, named; empty when they agree."""
    as_of = date.fromisoformat(status["as_of"])
    start = date.fromisoformat(status["cycle"]["start"])
    rows = sheet_rows(recalculated)
    board = dashboard(recalculated)
    found: list[str] = []

    def compare(item: dict[str, Any], row: dict[str, Any], what: str) -> None:
        pairs = [("progress", "Progress"), ("expected", "Expected")]
        if what in ("objective", "Dashboard"):
            pairs.append(
                ("confidence", "Objective confidence" if what == "objective" else "Confidence")
            )
            committed = item["commitment"] == "committed"
        else:
            committed = item.get("committed")
        if what != "Dashboard" and row["Calc committed"] != int(bool(committed)):
            found.append(
                f"{what} {item['id']} committed: sheet {row['Calc committed']!r}, CLI {committed}"
            )
        if item.get("measuring_baseline"):
            pairs.remove(("progress", "Progress"))
            if row["Progress"] != "measuring the baseline":
                found.append(f"{what} {item['id']} Progress: sheet {row['Progress']!r}")
        for key, header in pairs:
            if not close(row[header], item[key]):
                found.append(
                    f"{what} {item['id']} {header}: sheet {row[header]!r}, CLI {item[key]}"
                )
        if (row["Status"] or None) != item["status"]:
            found.append(
                f"{what} {item['id']} Status: sheet {row['Status']!r}, CLI {item['status']}"
            )

    for objective in status["objectives"]:
        row = rows.get(objective["id"])
        if row is None:
            found.append(f"objective {objective['id']} has no row in the sheet")
            continue
        # The sheet shows statuses by the key results' own numbers (`own_status`).
        objective = dict(objective, status=objective.get("own_status") or objective["status"])
        compare(objective, row, "objective")
        listed = board.get(objective["id"])
        if listed is None:
            found.append(f"objective {objective['id']} is not on the Dashboard")
        else:
            compare(objective, listed, "Dashboard")
            if listed["Owner"] != objective["owner"]:
                found.append(f"Dashboard {objective['id']} Owner: {listed['Owner']!r}")
        for kr in objective["key_results"]:
            kr_row = rows.get(kr["id"])
            if kr_row is None:
                found.append(f"key result {kr['id']} has no row in the sheet")
                continue
            own = dict(kr, status=kr.get("own_status") or kr["status"])
            compare(own, kr_row, "key result")
            last = date.fromisoformat(kr["last_checkin"]) if kr["last_checkin"] else start
            if kr_row["Days since check-in"] != (as_of - last).days:
                found.append(
                    f"key result {kr['id']} Days since check-in: sheet "
                    f"{kr_row['Days since check-in']!r}, CLI {(as_of - last).days}"
                )
    extra = set(board) - {o["id"] for o in status["objectives"]}
    if extra:
        found.append(f"the Dashboard lists {sorted(extra)}, which okr does not")
    found += kpi_disagreements(recalculated, status)
    return found


def health_word(kpi: dict[str, Any]) -> str:
    """A KPI's health in the CLI's words (okrsheet/render/kpis.py), from its JSON."""
    if kpi["healthy"] is None:
        return "no value" if kpi["current"] is None else "no range"
    return "healthy" if kpi["healthy"] else "unhealthy"


def kpi_disagreements(recalculated: Path, status: dict[str, Any]) -> list[str]:
    """Each KPI whose Health on the KPIs tab differs from `okr status`, named."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(recalculated, data_only=True)
    if "KPIs" not in book.sheetnames:
        return [f"no KPIs tab, and okr lists {len(status['kpis'])} KPIs"] if status["kpis"] else []
    rows = list(book["KPIs"].iter_rows(values_only=True))
    header = list(rows[0])
    if "Health" not in header:
        return ["the KPIs tab has no Health column"]
    at, health = header.index("ID"), header.index("Health")
    sheet = {str(r[at]): r[health] for r in rows[1:] if r[at] not in (None, "")}
    found = [
        f"KPI {k['id']} Health: sheet {sheet.get(k['id'])!r}, CLI {health_word(k)!r}"
        for k in status["kpis"]
        if sheet.get(k["id"]) != health_word(k)
    ]
    extra = set(sheet) - {k["id"] for k in status["kpis"]}
    return [*found, *([f"the KPIs tab lists {sorted(extra)}, which okr does not"] if extra else [])]


def type_rows(path: Path, tab: str, rows: list[dict[str, Any]]) -> None:
    """Type rows by hand on the first empty rows of a tab (openpyxl, no okr in between)."""
    book = openpyxl.load_workbook(path)
    sheet = book[tab]
    row = 2
    while sheet.cell(row, COL["type"]).value not in (None, ""):
        row += 1
    for values in rows:
        for key, value in values.items():
            sheet.cell(row, COL[key]).value = value
        row += 1
    book.save(path)


def set_cell(path: Path, tab: str, item_id: str, key: str, value: Any) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book[tab]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, COL["id"]).value == item_id:
            sheet.cell(row, COL[key]).value = value
            book.save(path)
            return
    raise AssertionError(f"{item_id} not on {tab}")


def cell_of(path: Path, tab: str, item_id: str, key: str) -> Any:
    sheet = openpyxl.load_workbook(path)[tab]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, COL["id"]).value == item_id:
            return sheet.cell(row, COL[key]).value
    raise AssertionError(f"{item_id} not on {tab}")


def set_setting(path: Path, label: str, value: Any) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["Settings"]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == label:
            sheet.cell(row, 2).value = value
            book.save(path)
            return
    raise AssertionError(f"no {label} setting")


def just_behind(begin: date, end: date, today: date) -> int:
    """A Current out of 1000 five points behind pace today (or 0 so early in the cycle): on
    track for an aspirational objective, at risk for a committed one."""
    elapsed = (today - begin).days / (end - begin).days
    return max(0, round((elapsed - 0.05) * 1000))


def typed_by_hand(okr: Any, folder: Path) -> Path:
    """`okr init --people team.csv`, then objectives and key results typed as people type
    them: text numbers, blank weights, 4+ key results per objective, all five kinds."""
    folder.mkdir()
    team = folder / "team.csv"
    team.write_text("name,team\nAna Lima,Sales\nBo Chen,Sales\n", encoding="utf-8")
    path = folder / "team.xlsx"
    result = okr("init", str(path), "--people", str(team), "--tabs", "person", "--company", "Acme")
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(path)
    cycle = {r[0].value: r[1].value for r in book["Settings"].iter_rows(min_row=2)}
    begin, end = cycle["Cycle start"].date(), cycle["Cycle end"].date()
    middle = begin + (end - begin) / 2
    week_ago = max(begin, date.today() - timedelta(days=7))
    kr = "Key result"
    type_rows(
        path,
        "Corporate",
        [
            {"type": "Objective", "id": "CORP-1", "title": "Grow", "owner": "Ana Lima"},
            # Text typed as people type it; no Objective ID: the objective above.
            {"type": kr, "id": "CORP-1.1", "title": "Revenue", "start": "$10,000",
             "target": "$20,000", "current": "$16,000", "due": end},
            {"type": kr, "id": "CORP-1.2", "title": "Win rate", "start": "10%",
             "target": "25%", "current": "15%", "due": end, "weight": 2},
            {"type": "KR", "id": "CORP-1.3", "title": "Orders", "start": 1000,
             "target": "2,000.5", "current": "1,234.5", "due": middle, "weight": None},
            {"type": kr, "id": "CORP-1.4", "title": "Churn", "start": 8, "target": 5,
             "current": 7, "due": end},  # no Kind: a decrease
            {"type": kr, "id": "CORP-1.5", "title": "Launch", "kind": "milestone",
             "current": "yes", "due": end},
            {"type": "Objective", "id": "CORP-2", "title": "Keep customers", "owner": "Bo Chen"},
            {"type": kr, "id": "CORP-2.1", "title": "NPS", "kind": "keep above", "start": 40,
             "target": 45, "current": 47, "due": end, "last_checkin": week_ago},
            {"type": kr, "id": "CORP-2.2", "title": "Tickets", "kind": "keep below",
             "start": 50, "target": 40, "current": "45", "due": end},
            {"type": kr, "id": "CORP-2.3", "title": "Onboarding", "kind": "Milestone",
             "due": end},
            {"type": kr, "id": "CORP-2.4", "title": "Calls", "kind": "increase", "start": 0,
             "target": 40, "due": end, "weight": "3"},
            {"type": kr, "id": "CORP-2.5", "title": "Old metric", "kind": "decrease",
             "start": "(300)", "target": "-$500", "current": "-400", "due": middle},
        ],
    )  # fmt: skip
    type_rows(
        path,
        "Ana Lima",
        [
            {"type": "Objective", "id": "ANA-1", "title": "Close more", "aligns_to": "CORP-1",
             "commitment": "Committed"},
            {"type": kr, "id": "ANA-1.1", "title": "Deals", "start": 0, "target": 12,
             "current": 4, "due": end, "confidence": "70%"},
            {"type": kr, "id": "ANA-1.2", "objective_id": "ANA-1", "title": "Demos",
             "start": 0, "target": 30, "current": 29, "due": end, "confidence": 0.4,
             "weight": 3},
            {"type": kr, "id": "ANA-1.3", "title": "Referrals", "start": "0", "target": 5,
             "current": "5", "due": end, "confidence": "7/10"},
            {"type": kr, "id": "ANA-1.4", "title": "Cycle time", "start": 90, "target": 60,
             "current": "75", "due": begin + timedelta(days=3), "confidence": 8},
            {"type": kr, "id": "ANA-1.5", "title": "Calls", "start": 0, "target": 1000,
             "current": just_behind(begin, end, date.today()), "due": end},
            {"type": "Objective", "id": "ANA-2", "title": "Learn the product",
             "commitment": "aspirational"},
            {"type": kr, "id": "ANA-2.1", "title": "Calls too", "start": 0, "target": 1000,
             "current": just_behind(begin, end, date.today()), "due": end, "confidence": "6"},
            # Baselines: unknown yet (not scored), and measured by a Current typed by hand.
            {"type": kr, "id": "ANA-2.2", "title": "Renewal rate", "start": "baseline",
             "target": 0.9, "due": end, "confidence": 0.9},
            {"type": kr, "id": "ANA-2.3", "title": "Upsell rate", "start": " Baseline ",
             "target": 10, "current": 30, "due": end},
        ],
    )  # fmt: skip
    return path


@pytest.fixture
def real_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spreadsheet's TODAY() is the real date: so is okr's."""
    monkeypatch.delenv("OKR_TODAY", raising=False)


def status_of(okr: Any, path: Path) -> dict[str, Any]:
    result = okr("status", "-w", str(path), "-f", "json", "--as-of", date.today().isoformat())
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


def test_sheet_and_cli_agree_on_every_row(okr: Any, tmp_path: Path, real_today: None) -> None:
    example = tmp_path / "example.xlsx"
    assert okr("init", str(example), "--example").exit_code == 0
    by_hand = typed_by_hand(okr, tmp_path / "hand")

    # After check-ins, and after a person types a newer Current over a checked-in one.
    later = tmp_path / "later.xlsx"
    shutil.copy(by_hand, later)
    for kr_id, value in (
        ("CORP-1.1", "17000"),
        ("ANA-1.1", "6"),
        ("CORP-1.5", "no"),
        ("ANA-2.2", "0.7"),  # the first value of a baseline: its start, written in the row
    ):
        result = okr("checkin", kr_id, "--value", value, "-w", str(later))
        assert result.exit_code == 0, result.stderr
    set_cell(later, "Ana Lima", "ANA-1.1", "current", 8)
    # Blank commitments follow the Settings default: committed here.
    set_setting(later, "Default commitment", "committed")
    validate = okr("validate", "-w", str(later), "-f", "json").json()
    assert [(f["code"], f["where"]) for f in validate["findings"] if f["code"] == "drift"] == [
        ("drift", f"'Ana Lima'!{openpyxl.utils.get_column_letter(COL['current'])}3")
    ]

    # And after `okr validate --fix` recorded that Current in the log.
    fixed = tmp_path / "fixed.xlsx"
    shutil.copy(later, fixed)
    assert okr("validate", "-w", str(fixed), "--fix").exit_code == 0

    # A workbook made before the calculated columns and the Dashboard existed.
    older = tmp_path / "older.xlsx"
    book = openpyxl.load_workbook(example)
    del book["Dashboard"]
    for tab in ("Corporate", "Sales", "Marketing", "Tom Alvarez"):
        book[tab].delete_cols(COL["commitment"], len(OKR_COLUMNS))
    kpis = book["KPIs"]
    kpis.delete_cols([c.value for c in kpis[1]].index("Health") + 1)  # made before Health
    settings = book["Settings"]
    for row in range(settings.max_row, 1, -1):
        if settings.cell(row, 1).value == "Default commitment":
            settings.delete_rows(row)
    book.save(older)
    repaired = okr("validate", "-w", str(older), "--fix")
    assert repaired.exit_code == 0, repaired.stderr
    assert "Added the Dashboard tab." in repaired.stderr
    assert "Added 1 newer setting(s)" in repaired.stderr
    headers = [c.value for c in openpyxl.load_workbook(older)["Sales"][1]]
    assert "Commitment" in headers and "Objective confidence" in headers

    # Closing the cycle: grades written, one judged otherwise with its reason and retrospective.
    graded = tmp_path / "graded.xlsx"
    shutil.copy(by_hand, graded)
    assert okr("grade", "--write", "-w", str(graded)).exit_code == 0
    judgement: tuple[tuple[str, Any], ...] = (
        ("final_grade", 0.9),
        ("grade_reason", "deals slipped into January"),
        ("worked", "pairing on demos"),
        ("next_cycle", "carry over"),
    )
    for key, value in judgement:
        set_cell(graded, "Ana Lima", "ANA-1", key, value)
    judged = okr("grade", "-w", str(graded), "-f", "json").json()
    ana = next(o for o in judged["objectives"] if o["id"] == "ANA-1")
    assert (ana["grade"], ana["final_grade"]) == (
        cell_of(graded, "Ana Lima", "ANA-1", "grade"),
        0.9,
    )
    assert okr("validate", "-w", str(graded), "-f", "json").json()["errors"] == 0

    books = [example, by_hand, later, fixed, older, graded]
    statuses = {path: status_of(okr, path) for path in books}
    assert okr("validate", "-w", str(by_hand), "-f", "json").json()["errors"] == 0
    recalculated = recalculate(books, tmp_path / "out")

    for path in books:
        status = statuses[path]
        counted = sum(1 + len(o["key_results"]) for o in status["objectives"])
        assert counted >= 15 or path == example
        assert disagreements(recalculated[path], status) == [], path.name
    hand = statuses[by_hand]["objectives"]
    assert len(hand) == 4 and len(hand[0]["key_results"]) == 5
    # The same pace reads at risk under a committed objective, on track under an aspirational.
    by_id = {o["id"]: o for o in hand}
    assert by_id["ANA-1"]["commitment"] == "committed"
    assert by_id["ANA-1"]["key_results"][4]["status"] == "at risk"
    assert by_id["ANA-2"]["key_results"][0]["status"] == "on track"
    assert by_id["ANA-1"]["confidence"] == pytest.approx((0.7 + 0.4 * 3 + 0.7 + 0.8) / 6, abs=1e-4)
    defaulted = {o["id"]: o["commitment"] for o in statuses[later]["objectives"]}
    assert defaulted == {"CORP-1": "committed", "CORP-2": "committed", "ANA-1": "committed",
                         "ANA-2": "aspirational"}  # fmt: skip
    krs = {k["id"]: k for o in hand for k in o["key_results"]}
    assert krs["CORP-1.1"]["current"] == 16000 and krs["CORP-1.2"]["current"] == 0.15
    typed = {k["id"]: k for o in statuses[later]["objectives"] for k in o["key_results"]}
    assert typed["ANA-1.1"]["current"] == 8  # the Current typed after the check-in counts
    measuring = {k["id"]: (k["start"], k["measuring_baseline"]) for k in krs.values()}
    assert measuring["ANA-2.2"] == (None, True) and measuring["ANA-2.3"] == (30, False)
    assert krs["ANA-2.2"]["status"] == "not started" and krs["ANA-2.2"]["progress"] == 0
    assert krs["ANA-2.3"]["kind"] == "decrease"  # from the measured start, as the sheet reads
    assert typed["ANA-2.2"]["start"] == 0.7 and not typed["ANA-2.2"]["measuring_baseline"]
    assert cell_of(later, "Ana Lima", "ANA-2.2", "start") == 0.7  # written by the check-in
    assert cell_of(by_hand, "Ana Lima", "ANA-2.2", "start") == "baseline"
