"""`okr lint` and the checks in `okr validate`, on workbooks made by the real `okr init`, rows
typed in as a person would, and Archive tabs written by the real `okr rollover`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from okrsheet.layout.changes import ARCHIVE_COLUMNS, _archive_tab
from okrsheet.reports import LintReport
from okrsheet.stores.base import AddTab, RawWorkbook
from okrsheet.stores.xlsx.store import XlsxStore
from tests.cli.conftest import add_rows
from tests.conftest import Google, init_bytes, type_cells

DUE = dt.date(2026, 12, 31)


def kr(kr_id: str, title: str, start: Any, target: Any, unit: str | None, kind: str | None = None,
       owner: str = "Ada Obi") -> list[Any]:  # fmt: skip
    return ["Key result", kr_id, "CORP-1", title, None, owner, None, kind, start, target, None,
            unit, DUE]  # fmt: skip


#: A hospital's draft, typed into the Corporate tab from row 2: one objective, five key results.
DRAFT: list[list[Any]] = [
    ["Objective", "CORP-1", None, "Patients get care sooner", "corporate", "Ada Obi"],
    kr("CORP-1.1", "Hold monthly patient safety meetings", 0, 3, "meetings"),
    kr("CORP-1.2", "Improve patient experience", 0, 10, None),
    kr("CORP-1.3", "Emergency department median wait to triage", 38, 20, "min"),
    kr("CORP-1.4", "Patient satisfaction score", 0, 85, "points"),
    kr("CORP-1.5", "Bed occupancy rate", 0.92, 0.92, "%"),
]
#: Where each finding is: the title for activity and vague, the start for no-baseline, the
#: target for status-quo (Title D, Start I, Target J).
EXPECTED = [
    ("activity", "Corporate!D3", "CORP-1.1"),
    ("vague", "Corporate!D4", "CORP-1.2"),
    ("no-baseline", "Corporate!I6", "CORP-1.4"),
    ("status-quo", "Corporate!J7", "CORP-1.5"),
]
LINT_CODES = {"activity", "vague", "status-quo", "no-baseline", "sandbagging"}


@pytest.fixture(scope="module")
def draft_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("draft") / "draft.xlsx"
    init_bytes(path, "--company", "St Mary's")
    add_rows(path, "Corporate", DRAFT)
    return path.read_bytes()


@pytest.fixture
def draft(draft_bytes: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "draft.xlsx"
    path.write_bytes(draft_bytes)
    return path


def _setting(path: Path, value: str) -> None:
    """Type a value into the `KR checks` row that `okr init` wrote in Settings."""
    grid = XlsxStore(path).read().grid("Settings")
    assert grid is not None
    row = next(i for i, r in enumerate(grid.rows, start=1) if r and r[0] == "KR checks")
    type_cells(path, {"Settings": {(row, 2): value}})


def test_each_finding_names_its_cell_its_words_and_a_way_out(okr: Any, draft: Path) -> None:
    result = okr("lint", "-w", str(draft), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["company"] == "St Mary's" and report["key_results"] == 4
    assert report["checks"] == ["activity", "vague", "status-quo", "no-baseline", "sandbagging"]
    assert [(f["code"], f["where"], f["id"]) for f in report["findings"]] == EXPECTED
    messages = {f["code"]: f["message"] for f in report["findings"]}
    assert "'hold'" in messages["activity"] and "'meetings'" in messages["activity"]
    assert "'improve'" in messages["vague"] and "'experience'" in messages["vague"]
    assert "0 to 10 of what" in messages["vague"]
    assert "level that exists already ('score' and 'satisfaction')" in messages["no-baseline"]
    assert "target equals the start (92%)" in messages["status-quo"]
    assert all(f["suggestion"] and f["owner"] == "Ada Obi" for f in report["findings"])
    LintReport.model_validate(report)  # the JSON is the documented model


def test_table_csv_and_markdown(okr: Any, draft: Path) -> None:
    table = okr("lint", "-w", str(draft))
    assert table.exit_code == 0
    assert "Key result checks" in table.stdout and "Corporate!D3" in table.stdout
    csv = okr("lint", "-w", str(draft), "--format", "csv").stdout.splitlines()
    assert csv[0] == ",".join(LintReport.COLUMNS)
    assert csv[1].startswith("activity,Corporate!D3,CORP-1.1,Ada Obi,")
    assert len(csv) == 1 + len(EXPECTED)
    md = okr("lint", "-w", str(draft), "--format", "md").stdout
    assert "no-baseline" in md and "Corporate!I6" in md and "measure today's value" in md


def test_strict_fails_ci_only_when_something_is_found(okr: Any, draft: Path, example: Path) -> None:
    assert okr("lint", "-w", str(draft), "--strict").exit_code == 3
    clean = okr("lint", "-w", str(example), "--strict")
    assert clean.exit_code == 0 and clean.stdout == ""
    assert "No findings in Northwind Analytics" in clean.stderr
    empty = okr("lint", "-w", str(example), "--format", "json", "--strict")
    assert empty.exit_code == 0 and empty.json()["findings"] == []


def test_the_example_company_is_a_model(okr: Any, example: Path) -> None:
    """Nothing to flag in the example, so `validate --strict` says no more than before: only
    the planted dependency shortfall (interlock)."""
    result = okr("validate", "-w", str(example), "--format", "json")
    assert {f["code"] for f in result.json()["findings"]} == {"interlock"}


def test_validate_shows_them_as_warnings(okr: Any, draft: Path) -> None:
    result = okr("validate", "-w", str(draft), "--format", "json")
    assert result.exit_code == 3  # CORP-1.5's target equals its start: an error already
    findings = result.json()["findings"]
    errors = [(f["code"], f["where"]) for f in findings if f["severity"] == "error"]
    assert errors == [("invalid", "Corporate!J7")]
    warnings = [(f["code"], f["where"]) for f in findings if f["code"] in LINT_CODES]
    # The row with an error is left to that error: no status-quo warning beside it.
    assert warnings == [(code, where) for code, where, _ in EXPECTED[:3]]
    assert all(f["severity"] == "warning" for f in findings if f["code"] in LINT_CODES)
    vague = next(f for f in findings if f["code"] == "vague")
    assert "'improve'" in vague["message"] and "fill the Unit" in vague["message"]


def test_the_kr_checks_setting(okr: Any, draft: Path) -> None:
    assert okr("validate", "-w", str(draft), "-f", "json").json()["warnings"] >= 3
    _setting(draft, "all but vague, no-baseline")
    codes = [f["code"] for f in okr("lint", "-w", str(draft), "-f", "json").json()["findings"]]
    assert codes == ["activity", "status-quo"]
    _setting(draft, "vague")
    codes = [f["code"] for f in okr("lint", "-w", str(draft), "-f", "json").json()["findings"]]
    assert codes == ["vague"]
    _setting(draft, "off")
    validated = okr("validate", "-w", str(draft), "-f", "json").json()
    assert not {f["code"] for f in validated["findings"]} & LINT_CODES
    off = okr("lint", "-w", str(draft))
    assert off.exit_code == 0 and "turns every check off" in off.stderr
    # --check asks for a check whatever the setting says.
    asked = okr("lint", "-w", str(draft), "--check", "activity", "-f", "json").json()
    assert [f["code"] for f in asked["findings"]] == ["activity"]


def test_a_bad_setting_is_named_at_its_cell(okr: Any, draft: Path) -> None:
    _setting(draft, "all but spelling")
    result = okr("validate", "-w", str(draft), "-f", "json")
    bad = [f for f in result.json()["findings"] if f["code"] == "bad-setting"]
    assert len(bad) == 1 and bad[0]["where"].startswith("Settings!B")
    assert "'spelling' is not a KR check" in bad[0]["message"]


def test_bad_options(okr: Any, draft: Path) -> None:
    wrong = okr("lint", "-w", str(draft), "--check", "spelling")
    assert wrong.exit_code == 2 and "--check: 'spelling' is not a check" in wrong.stderr
    nobody = okr("lint", "-w", str(draft), "--owner", "Nobody")
    assert nobody.exit_code == 2 and "Ada Obi" in nobody.stderr
    assert okr("lint", "-w", str(draft.with_name("missing.xlsx"))).exit_code == 4


def test_owner_filter(okr: Any, draft: Path) -> None:
    add_rows(draft, "Corporate", [kr("CORP-1.6", "Run 6 webinars", 0, 6, "webinars", owner="Bo")])
    mine = okr("lint", "-w", str(draft), "--owner", "bo", "-f", "json").json()["findings"]
    assert [(f["id"], f["code"]) for f in mine] == [("CORP-1.6", "activity")]


def _archive(path: Path, cycle: str, rows: list[dict[str, Any]]) -> None:
    """An Archive tab exactly as `okr rollover` lays it out."""
    lines = [[row.get(name) for name in ARCHIVE_COLUMNS] for row in rows]

    def planner(raw: RawWorkbook) -> list[AddTab]:
        return [AddTab(_archive_tab(f"Archive {cycle}", lines))]

    XlsxStore(path).update(planner)


def _past(
    kr_id: str, owner: str, grade: float, title: str = "Qualified opportunities"
) -> dict[str, Any]:
    return {"Type": "Key result", "ID": kr_id, "Title": title, "Owner": owner,
            "Kind": "increase", "Start": 0, "Target": 100, "Final value": 100 * grade,
            "Grade": grade}  # fmt: skip


def test_sandbagging_from_two_archived_cycles(okr: Any, draft: Path) -> None:
    full = [_past("A-1.1", "Ada Obi", 1.0), _past("A-1.2", "Ada Obi", 1.0)]
    mixed = [_past("B-1.1", "Bo", 1.0), _past("B-1.2", "Bo", 0.6)]
    _archive(draft, "2026-Q3", full + mixed)
    one = okr("lint", "-w", str(draft), "--check", "sandbagging", "-f", "json").json()
    assert one["findings"] == []  # one cycle is not a pattern
    _archive(draft, "2026-Q2", [_past("A-2.1", "Ada Obi", 1.0), _past("A-2.2", "Ada Obi", 0.995)])
    found = okr("lint", "-w", str(draft), "--check", "sandbagging", "-f", "json").json()["findings"]
    assert [(f["where"], f["id"]) for f in found] == [("Corporate!F3", "CORP-1.1")]
    assert "Ada Obi reached 1.0 in 2026-Q2 and 2026-Q3 (4 of 4)" in found[0]["message"]


def test_a_target_below_last_cycle_s_result(okr: Any, tmp_path: Path) -> None:
    """Through a real rollover: a done key result is archived, and next cycle's copy of it
    aims lower than it reached."""
    path = tmp_path / "sales.xlsx"
    init_bytes(path, "--company", "Shop")
    add_rows(path, "Corporate", [
        ["Objective", "CORP-1", None, "A pipeline we can forecast from", "corporate", "Ana"],
        ["Key result", "CORP-1.1", "CORP-1", "Qualified opportunities created", None, "Ana",
         None, None, 0, 150, 190, "opps", DUE],
    ])  # fmt: skip
    rolled = okr("rollover", "-w", str(path), "--to", "2027-Q1", "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert okr("lint", "-w", str(path), "-f", "json").json()["findings"] == []
    add_rows(path, "Corporate", [
        ["Objective", "CORP-2", None, "A pipeline we can forecast from", "corporate", "Ana"],
        ["Key result", "CORP-2.1", "CORP-2", "Qualified opportunities created", None, "Ana",
         None, None, 0, 160, None, "opps", dt.date(2027, 3, 31)],
    ])  # fmt: skip
    found = okr("lint", "-w", str(path), "-f", "json").json()["findings"]
    assert [(f["code"], f["id"]) for f in found] == [("status-quo", "CORP-2.1")]
    assert "asks for less than CORP-1.1 reached in 2026-Q4 (190 opps)" in found[0]["message"]


def test_on_google_sheets_the_same_findings(okr: Any, draft: Path, google: Google) -> None:
    local = okr("lint", "-w", str(draft), "-f", "json").json()
    pushed = okr("push", str(draft), "--to", "gsheet:new")
    assert pushed.exit_code == 0, pushed.stderr
    remote = okr("lint", "-w", google.location(), "-f", "json")
    assert remote.exit_code == 0, remote.stderr
    assert remote.json()["findings"] == local["findings"]
    assert len(local["findings"]) == len(EXPECTED)
    validated = okr("validate", "-w", google.location(), "-f", "json").json()
    assert [f["code"] for f in validated["findings"] if f["code"] in LINT_CODES] == [
        code for code, _, _ in EXPECTED[:3]
    ]


def test_the_library_says_the_same(okr: Any, draft: Path) -> None:
    from okrsheet import Workbook

    book = Workbook(draft)
    assert book.lint().model_dump(mode="json") == okr("lint", "-w", str(draft), "-f", "json").json()
    assert [f.code for f in book.lint(["vague"]).findings] == ["vague"]
    cli = okr("validate", "-w", str(draft), "-f", "json").json()
    assert book.validate().model_dump(mode="json") == cli
