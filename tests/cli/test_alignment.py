"""Alignment, dependencies and department workbooks: `okr tree`, `okr deps`, blockers in
`status` and `lagging`, dependency cycles in `validate`, and linked workbooks read as one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.cli.conftest import add_rows
from tests.conftest import Google

DUE = dt.date(2026, 12, 31)


def objective(oid: str, title: str, level: str, owner: str, aligns: str | None = None) -> list[Any]:
    return ["Objective", oid, None, title, level, owner, aligns]


def kr(
    kid: str, owner: str, start: float, target: float, current: float | None, depends: str = ""
) -> list[Any]:
    oid = kid.rsplit(".", 1)[0]
    return ["Key result", kid, oid, f"Result {kid}", None, owner, None, None,
            start, target, current, None, DUE, 1, 0.8, depends or None]  # fmt: skip


#: The workbooks made so far in this test process, by company and rows.
_MADE: dict[str, bytes] = {}


def workbook(okr: Any, path: Path, company: str, tabs: dict[str, list[list[Any]]]) -> Path:
    """A blank 2026-Q4 workbook for `company` with these rows typed into these tabs (made
    once per test process, then copied)."""
    key = repr((company, tabs))
    if key in _MADE:
        path.write_bytes(_MADE[key])
        return path
    assert okr("init", str(path), "--cycle", "2026-Q4", "--company", company).exit_code == 0
    book = load_workbook(path)
    for tab in tabs:
        if tab not in book.sheetnames:
            sheet = book.create_sheet(tab, index=book.sheetnames.index("People"))
            for col, cell in enumerate(book["Corporate"][1], start=1):
                sheet.cell(1, col, cell.value)
    book.save(path)
    for tab, rows in tabs.items():
        add_rows(path, tab, rows)
    _MADE[key] = path.read_bytes()
    return path


def set_setting(path: Path, label: str, value: str) -> None:
    book = load_workbook(path)
    sheet = book["Settings"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == label)
    sheet.cell(row, 2, value)
    book.save(path)


# Mid-November: 51 % of the quarter has passed. 50 % progress is on track, 10 % is off track.
COMPANY = {
    "Corporate": [
        objective("CORP-1", "Win the market", "corporate", "Ceo"),
        kr("CORP-1.1", "Ceo", 0, 100, 50),
        objective("CORP-2", "Happy customers", "corporate", "Ceo"),
        kr("CORP-2.1", "Ceo", 0, 100, 55),
    ],
    "Sales": [
        objective("SALES-1", "Sell more", "team", "Sam", "CORP-1"),
        kr("SALES-1.1", "Sam", 0, 100, 52, "MARKET-1.1@2026-12-01"),
        kr("SALES-1.2", "Sam", 0, 100, 60),
    ],
    "Marketing": [
        objective("MARKET-1", "More leads", "team", "Mia", "CORP-1"),
        kr("MARKET-1.1", "Mia", 0, 100, 10),
        objective("MIA-1", "Learn SEO", "individual", "Mia", "MARKET-1"),
        kr("MIA-1.1", "Mia", 0, 10, 5),
        objective("LOST-1", "A side project", "team", "Lou"),
        kr("LOST-1.1", "Lou", 0, 10, 5, "SALES-1.1"),
        objective("GHOST-1", "Aligned to nothing real", "team", "Lou", "NOPE-9"),
        kr("GHOST-1.1", "Lou", 0, 10, 5),
    ],
}


def company(okr: Any, tmp_path: Path) -> Path:
    return workbook(okr, tmp_path / "acme.xlsx", "Acme", COMPANY)


def flatten(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node["children"] for n in flatten(child))]


def test_tree_has_three_levels_and_an_orphan_branch(okr: Any, tmp_path: Path) -> None:
    path = company(okr, tmp_path)

    report = okr("tree", "-w", str(path), "-f", "json").json()

    corp1, corp2 = report["roots"]
    assert [c["id"] for c in corp1["children"]] == ["SALES-1", "MARKET-1"]
    assert corp1["children"][1]["children"][0]["id"] == "MIA-1"  # three levels
    assert corp1["aligned"]["objectives"] == 3
    assert sum(corp1["aligned"]["by_status"].values()) == 3
    assert corp2["children"] == [] and corp2["aligned"]["objectives"] == 0
    assert sorted(o["id"] for o in report["orphans"]) == ["GHOST-1", "LOST-1"]
    assert corp1["progress"] == 0.5  # its own key results only, not the aligned ones


def test_tree_filters_and_renders(okr: Any, tmp_path: Path) -> None:
    path = company(okr, tmp_path)

    sub = okr("tree", "--objective", "MARKET-1", "-w", str(path), "-f", "json").json()
    assert [n["id"] for n in flatten(sub["roots"][0])] == ["MARKET-1", "MIA-1"]
    mine = okr("tree", "--owner", "Mia", "-w", str(path), "-f", "json").json()
    assert [n["id"] for n in flatten(mine["roots"][0])] == ["CORP-1", "MARKET-1", "MIA-1"]
    table = okr("tree", "-w", str(path))
    assert table.exit_code == 0
    assert "Not aligned to a corporate objective" in table.stdout and "MIA-1" in table.stdout
    md = okr("tree", "-w", str(path), "-f", "md").stdout
    assert "    - **MIA-1** " in md  # a list nested by depth: CORP-1, MARKET-1, MIA-1
    assert okr("tree", "--objective", "NOPE-1", "-w", str(path)).exit_code == 2


def test_a_lagging_upstream_flags_its_downstream_chain(okr: Any, tmp_path: Path) -> None:
    path = company(okr, tmp_path)

    status = okr("status", "-w", str(path), "-f", "json").json()
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    # SALES-1.1 is on pace itself (52 %) but needs MARKET-1.1 (10 %, off track) by 1 Dec.
    assert krs["SALES-1.1"]["status"] == "at risk"
    assert krs["SALES-1.1"]["blocked_by"] == [
        "blocked by Mia: MARKET-1.1 Result MARKET-1.1 at 10%, needed by 1 Dec"
    ]
    # LOST-1.1 depends on SALES-1.1, now at risk: the chain carries on.
    assert krs["LOST-1.1"]["status"] == "at risk"
    assert "SALES-1.1" in krs["LOST-1.1"]["blocked_by"][0]
    assert krs["SALES-1.2"]["blocked_by"] == []

    lagging = okr("lagging", "-w", str(path), "-f", "json").json()["lagging"]
    row = next(r for r in lagging if r["id"] == "SALES-1.1")
    assert "blocked" in row["codes"] and "behind" not in row["codes"]  # its own pace is fine
    assert "needed by 1 Dec" in row["reasons"][row["codes"].index("blocked")]


def test_blockers_are_kept_when_a_filter_hides_the_upstream(okr: Any, tmp_path: Path) -> None:
    path = company(okr, tmp_path)

    status = okr("status", "--owner", "Sam", "-w", str(path), "-f", "json").json()

    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert "MARKET-1.1" not in krs
    assert krs["SALES-1.1"]["status"] == "at risk"


def test_an_upstream_that_will_not_be_done_in_time_is_late(okr: Any, tmp_path: Path) -> None:
    tabs = {
        "Corporate": [
            objective("CORP-1", "Win", "corporate", "Ceo"),
            kr("CORP-1.1", "Ceo", 0, 10, 5),
        ],
        "Sales": [
            objective("SALES-1", "Sell", "team", "Sam", "CORP-1"),
            # MARKET-1.1 is on pace for 31 Dec (52 %) but SALES needs it done by 20 Nov.
            kr("SALES-1.1", "Sam", 0, 100, 55, "MARKET-1.1@2026-11-20"),
        ],
        "Marketing": [
            objective("MARKET-1", "Leads", "team", "Mia", "CORP-1"),
            kr("MARKET-1.1", "Mia", 0, 100, 52),
        ],
    }
    path = workbook(okr, tmp_path / "late.xlsx", "Acme", tabs)

    deps = okr("deps", "--owner", "Sam", "-w", str(path), "-f", "json").json()

    (link,) = deps["depends_on"]
    assert link["upstream"] == "MARKET-1.1" and link["upstream_owner"] == "Mia"
    assert link["link"] == "late" and link["needed_by"] == "2026-11-20"
    assert deps["depended_on_by"] == []
    theirs = okr("deps", "--owner", "Mia", "-w", str(path), "-f", "json").json()
    assert [x["downstream"] for x in theirs["depended_on_by"]] == ["SALES-1.1"]


def test_deps_by_team_from_the_people_tab(okr: Any, tmp_path: Path) -> None:
    path = company(okr, tmp_path)
    add_rows(path, "People", [["Sam", "Revenue"], ["Mia", "Growth"], ["Lou", "Growth"]])

    report = okr("deps", "--team", "Growth", "-w", str(path), "-f", "json").json()

    assert [(x["downstream"], x["upstream"]) for x in report["depends_on"]] == [
        ("LOST-1.1", "SALES-1.1")
    ]
    assert [(x["downstream"], x["upstream"]) for x in report["depended_on_by"]] == [
        ("SALES-1.1", "MARKET-1.1")
    ]
    missing = okr("deps", "--team", "Nobody", "-w", str(path))
    assert missing.exit_code == 2 and "Growth" in missing.stderr


def test_a_dependency_cycle_is_an_error(okr: Any, tmp_path: Path) -> None:
    tabs = {
        "Corporate": [
            objective("CORP-1", "Win", "corporate", "Ceo"),
            kr("CORP-1.1", "Ceo", 0, 10, 5, "CORP-1.3"),
            kr("CORP-1.2", "Ceo", 0, 10, 5, "CORP-1.1"),
            kr("CORP-1.3", "Ceo", 0, 10, 5, "CORP-1.2"),
        ]
    }
    path = workbook(okr, tmp_path / "cycle.xlsx", "Acme", tabs)

    result = okr("validate", "-w", str(path))

    assert result.exit_code == 3
    assert (
        "dependency cycle: CORP-1.1 → CORP-1.3 → CORP-1.2 → CORP-1.1"
        in result.stdout + result.stderr
    )


def test_a_bad_needed_by_date_names_the_cell(okr: Any, tmp_path: Path) -> None:
    tabs = {
        "Corporate": [
            objective("CORP-1", "Win", "corporate", "Ceo"),
            kr("CORP-1.1", "Ceo", 0, 10, 5),
            kr("CORP-1.2", "Ceo", 0, 10, 5, "CORP-1.1@soon"),
        ]
    }
    path = workbook(okr, tmp_path / "bad.xlsx", "Acme", tabs)

    result = okr("validate", "-w", str(path), "-f", "json")

    assert result.exit_code == 3
    (finding,) = [f for f in result.json()["findings"] if f["severity"] == "error"]
    assert finding["where"] == "Corporate!P4" and "soon" in finding["message"]


def test_department_workbooks_read_as_one_organisation(
    okr: Any, google: Google, tmp_path: Path
) -> None:
    corporate = workbook(
        okr,
        tmp_path / "corp.xlsx",
        "Acme",
        {
            "Corporate": [
                objective("CORP-1", "Win", "corporate", "Ceo"),
                kr("CORP-1.1", "Ceo", 0, 100, 50),
            ]
        },
    )
    (tmp_path / "depts").mkdir()
    sales = workbook(
        okr,
        tmp_path / "depts" / "sales.xlsx",
        "Acme Sales",
        {
            "Sales": [
                objective("SALES-1", "Sell more", "team", "Sam", "CORP-1"),
                kr("SALES-1.1", "Sam", 0, 100, 55, "MARKET-1.1@2026-12-01"),
            ]
        },
    )
    marketing = workbook(
        okr,
        tmp_path / "marketing.xlsx",
        "Acme Marketing",
        {
            "Marketing": [
                objective("MARKET-1", "More leads", "team", "Mia", "CORP-1"),
                kr("MARKET-1.1", "Mia", 0, 100, 10),
                objective("MIA-1", "Learn SEO", "individual", "Mia", "MARKET-1"),
                kr("MIA-1.1", "Mia", 0, 10, 5),
            ]
        },
    )
    assert okr("push", str(marketing), "--to", "gsheet:new").exit_code == 0
    set_setting(corporate, "Linked workbooks", f"depts/sales.xlsx, {google.location()}")
    google.fake.reset_calls()

    tree = okr("tree", "-w", str(corporate), "-f", "json").json()
    lagging = okr("lagging", "-w", str(corporate), "-f", "json").json()["lagging"]

    # One read (2 calls: the tab list, then the values) per command, for that workbook.
    assert google.fake.count("sheets-read") == 4
    corp1 = tree["roots"][0]
    assert [n["id"] for n in flatten(corp1)] == ["CORP-1", "SALES-1", "MARKET-1", "MIA-1"]
    assert tree["orphans"] == []
    by_id = {r["id"]: r for r in lagging}
    assert "MARKET-1.1" in by_id  # from the Google department workbook
    assert "blocked" in by_id["SALES-1.1"]["codes"]  # across workbooks
    assert "blocked by Mia" in by_id["SALES-1.1"]["reasons"][-1]
    assert okr("validate", "-w", str(corporate)).exit_code == 0
    assert sales.exists()


def test_an_id_in_two_linked_workbooks_is_an_error_naming_both(okr: Any, tmp_path: Path) -> None:
    corporate = workbook(
        okr,
        tmp_path / "corp.xlsx",
        "Acme",
        {
            "Corporate": [
                objective("CORP-1", "Win", "corporate", "Ceo"),
                kr("CORP-1.1", "Ceo", 0, 10, 5),
            ]
        },
    )
    workbook(
        okr,
        tmp_path / "clash.xlsx",
        "Acme",
        {
            "Corporate": [
                objective("CORP-1", "Again", "corporate", "Ceo"),
                kr("CORP-1.1", "Ceo", 0, 10, 5),
            ]
        },
    )
    set_setting(corporate, "Linked workbooks", "clash.xlsx")

    result = okr("validate", "-w", str(corporate), "-f", "json")

    assert result.exit_code == 3
    clashes = [f for f in result.json()["findings"] if f["code"] == "duplicate-id"]
    assert {f["where"].split(":")[0] for f in clashes} == {str(tmp_path / "clash.xlsx")}
    assert all(str(corporate) in f["message"] for f in clashes)
    missing = okr("status", "-w", str(tmp_path / "corp.xlsx"))
    assert missing.exit_code == 0
    set_setting(corporate, "Linked workbooks", "gone.xlsx")
    gone = okr("status", "-w", str(corporate))
    # A department that cannot be read is left out with a warning naming the Settings cell;
    # the corporate report goes on. `validate --strict` fails on it.
    assert gone.exit_code == 0, gone.stderr
    assert "warning: Settings!B" in gone.stderr and "gone.xlsx could not be read" in gone.stderr
    assert "CORP-1" in gone.stdout
    strict = okr("validate", "--strict", "-w", str(corporate), "-f", "json")
    assert strict.exit_code == 3
    assert "linked-unreadable" in [f["code"] for f in strict.json()["findings"]]
