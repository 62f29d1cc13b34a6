"""`okr deps` as people and scripts read it: the table, CSV and Markdown forms, a dependency on
a key result the workbook does not have, and an upstream still unfinished after the date it
was needed by."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_alignment import DUE, kr, objective, workbook

# As of 2026-11-16 (the tests' today), 51 % of 2026-Q4 has passed.
TABS: dict[str, list[list[Any]]] = {
    "Corporate": [
        objective("CORP-1", "Win", "corporate", "Ceo"),
        kr("CORP-1.1", "Ceo", 0, 10, 5),
    ],
    "Sales": [
        objective("SALES-1", "Sell", "team", "Sam", "CORP-1"),
        # Needs a launch by 10 Nov, which has passed with the launch not done.
        kr("SALES-1.1", "Sam", 0, 100, 70, "MARKET-1.1@2026-11-10"),
        # Depends on a key result no tab has (a typo, or one deleted since).
        kr("SALES-1.2", "Sam", 0, 100, 70, "MARKET-9.9"),
        # On pace, and needed only at the end of the cycle.
        kr("SALES-1.3", "Sam", 0, 100, 70, "MARKET-1.2"),
    ],
    "Marketing": [
        objective("MARKET-1", "Leads", "team", "Mia", "CORP-1"),
        # A milestone: no pace to project, so it is late only once the date needed has passed.
        [
            "Key result",
            "MARKET-1.1",
            "MARKET-1",
            "Launch the campaign",
            None,
            "Mia",
            None,
            "milestone",
            0,
            1,
            0,
            None,
            DUE,
            1,
            0.8,
        ],
        kr("MARKET-1.2", "Mia", 0, 100, 60),
    ],
}
#: (downstream, upstream) -> the link `okr deps` must report.
LINKS = {
    ("SALES-1.1", "MARKET-1.1"): "late",
    ("SALES-1.2", "MARKET-9.9"): "unknown",
    ("SALES-1.3", "MARKET-1.2"): "ok",
}


@pytest.fixture
def plan(okr: Any, tmp_path: Path) -> Path:
    return workbook(okr, tmp_path / "deps.xlsx", "Acme", TABS)


def test_deps_csv_has_one_row_per_link_with_its_state(okr: Any, plan: Path) -> None:
    result = okr("deps", "-w", str(plan), "-f", "csv")

    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["downstream"], r["upstream"]): r["link"] for r in rows} == LINKS
    assert {r["direction"] for r in rows} == {"needs"}
    late = next(r for r in rows if r["link"] == "late")
    assert late["needed_by"] == "2026-11-10" and late["upstream_owner"] == "Mia"
    assert late["upstream_progress"] == "0"
    assert late["why"] == "blocked by Mia: MARKET-1.1 Launch the campaign at 0%, needed by 10 Nov"


def test_deps_csv_by_owner_splits_needs_and_needed_by(okr: Any, plan: Path) -> None:
    result = okr("deps", "--owner", "Mia", "-w", str(plan), "-f", "csv")

    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["direction"], r["downstream"], r["link"]) for r in rows] == [
        ("needed by", "SALES-1.1", "late"),
        ("needed by", "SALES-1.3", "ok"),
    ]


def entries(text: str, starts: tuple[str, ...]) -> dict[str, str]:
    """Each link's lines joined, keyed by its downstream ID (the first thing on its line)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        words = line.replace("*", " ").split()
        if words[:1] == ["-"]:
            words = words[1:]
        if words and words[0] in starts:
            current = found.setdefault(words[0], [])
        elif not line.strip() or line.lstrip().startswith("#"):
            current = None
        if current is not None:
            current.append(line.strip())
    return {key: " ".join(lines) for key, lines in found.items()}


def test_deps_markdown_is_a_titled_list_of_the_links(okr: Any, plan: Path) -> None:
    result = okr("deps", "-w", str(plan), "-f", "md")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "**Dependencies · 2026-Q4 · as of 2026-11-16**"
    assert "### Depends on" in lines
    links = entries(result.stdout, tuple(d for d, _ in LINKS))
    for (downstream, upstream), state in LINKS.items():
        item = links[downstream]
        assert item.startswith(f"- **{downstream}** needs {upstream}"), item
        assert re.search(rf"· {state}( ·|$)", item), item
    assert "0%" in links["SALES-1.1"]  # the late upstream has not started


def test_deps_table_shows_each_link_and_its_state(okr: Any, plan: Path) -> None:
    result = okr("deps", "-w", str(plan))

    assert result.exit_code == 0, result.stderr
    assert "Depends on" in result.stdout
    links = entries(result.stdout, tuple(d for d, _ in LINKS))
    for (downstream, upstream), state in LINKS.items():
        item = links[downstream]
        assert f"{downstream}  needs {upstream}" in item, item
        assert re.search(rf"· {state}( ·|$| )", item), item
    assert "2026-11-10" in result.stdout


def test_deps_table_by_owner_has_both_directions(okr: Any, plan: Path) -> None:
    result = okr("deps", "--owner", "Sam", "-w", str(plan))

    assert result.exit_code == 0, result.stderr
    assert "What Sam depends on" in result.stdout and "Who depends on Sam" in result.stdout
    assert "(none)" in result.stdout  # nobody depends on Sam


def test_a_dependency_on_a_missing_key_result_is_an_unknown_link(okr: Any, plan: Path) -> None:
    report = okr("deps", "-w", str(plan), "-f", "json").json()

    (link,) = [x for x in report["depends_on"] if x["link"] == "unknown"]
    assert link["downstream"] == "SALES-1.2" and link["upstream"] == "MARKET-9.9"
    assert link["upstream_owner"] == "" and link["upstream_progress"] == 0.0
    assert link["why"] == "MARKET-9.9 is not a key result in this workbook"
    # An unknown upstream blocks nothing: SALES-1.2 is judged by its own numbers.
    status = okr("status", "-w", str(plan), "-f", "json").json()
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert krs["SALES-1.2"]["status"] == "on track" and krs["SALES-1.2"]["blocked_by"] == []


def links_on(okr: Any, plan: Path, day: str) -> dict[str, str]:
    report = okr("deps", "-w", str(plan), "-f", "json", "--as-of", day).json()
    return {x["downstream"]: x["link"] for x in report["depends_on"]}


def test_an_upstream_unfinished_after_its_needed_by_date_is_late(okr: Any, plan: Path) -> None:
    # The launch is not lagging by its own due date (31 Dec): only the passed date counts.
    status = okr("status", "-w", str(plan), "-f", "json").json()
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert krs["MARKET-1.1"]["status"] not in ("at risk", "off track", "overdue")
    assert krs["SALES-1.1"]["status"] == "at risk"
    assert krs["SALES-1.1"]["blocked_by"] != []
    assert krs["SALES-1.3"]["status"] == "on track"

    assert links_on(okr, plan, "2026-11-10")["SALES-1.1"] == "ok"  # needed by today: not yet
    assert links_on(okr, plan, "2026-11-11")["SALES-1.1"] == "late"
