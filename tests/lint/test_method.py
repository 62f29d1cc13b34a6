"""`okr lint` beside the method's columns: the Commitment an objective has (in this cycle and
as `okr rollover` archives it) and a Start typed as `baseline`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from okrsheet.domain.kinds import Kind
from okrsheet.domain.model import Commitment
from okrsheet.layout.archive import read_history
from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.lint import History, PastResult, Subject, lint
from okrsheet.stores.base import Grid, RawWorkbook
from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import type_cells
from tests.lint.test_cli import EXPECTED, _archive, _past, draft, draft_bytes
from tests.lint.test_rules import HEADER, archive

__all__ = ["draft", "draft_bytes"]  # the fixtures, shared with test_cli

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def findings(okr: Any, path: Path, *checks: str) -> list[tuple[str, str]]:
    options = [arg for check in checks for arg in ("--check", check)]
    result = okr("lint", "-w", str(path), *options, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return [(f["code"], f["id"]) for f in result.json()["findings"]]


def test_a_baseline_start_is_neither_a_zero_nor_the_target(okr: Any, draft: Path) -> None:
    """CORP-1.4 started at 0 and CORP-1.5 at its target: typed as `baseline`, neither is."""
    assert ("no-baseline", "CORP-1.4") in findings(okr, draft)
    type_cells(draft, {"Corporate": {(6, COL["start"]): "baseline", (7, COL["start"]): "Baseline"}})

    found = findings(okr, draft)

    assert found == [(code, kr_id) for code, _, kr_id in EXPECTED[:2]]


def test_a_baseline_still_has_last_cycle_to_beat() -> None:
    reached = PastResult("2026-Q3", "S-1.1", "Win rate", "Ana", Kind.INCREASE, 0.2, 0.3, 0.32, 1)
    history = History((("2026-Q3", (reached,)),))
    lower = Subject("S-1.1", "Win rate", None, 0.3, "%", owner="Ana")
    higher = Subject("S-1.1", "Win rate", None, 0.35, "%", owner="Ana")

    notes = lint([lower, higher], history, codes=["status-quo", "no-baseline"])

    assert [(n.code, n.item_id) for n in notes] == [("status-quo", "S-1.1")]
    assert "asks for less than S-1.1 reached in 2026-Q3 (32%)" in notes[0].message


def test_sandbagging_never_sits_on_a_committed_objective() -> None:
    full = (
        PastResult("Q2", "1", "Leads", "Ada", Kind.INCREASE, 0, 100, 100, 1.0),
        PastResult("Q2", "2", "Deals", "Ada", Kind.INCREASE, 0, 10, 10, 1.0),
    )
    history = History((("Q2", full), ("Q3", full)))
    committed = Subject("A-1.1", "Uptime", 0.99, 0.999, "%", owner="Ada", committed=True)
    aspirational = Subject("A-2.1", "Leads", 0, 200, "leads", owner="Ada")

    both = lint([committed, aspirational], history, codes=["sandbagging"])
    only_committed = lint([committed], history, codes=["sandbagging"])

    assert [n.item_id for n in both] == ["A-2.1"]
    assert only_committed == []


def test_the_archive_commitment_is_read_as_the_tabs_read_it() -> None:
    """The words the Commitment column takes; a blank one is the Settings default; a key
    result's own cell before its objective's."""
    header = [*HEADER, "Commitment"]
    tab = archive(
        "2026-Q3",
        {"Type": "Objective", "ID": "A", "Commitment": "Committed"},
        {"Type": "Key result", "ID": "A.1", "Title": "Leads"},
        {"Type": "Objective", "ID": "B", "Commitment": "yes, committed"},  # not a choice
        {"Type": "Key result", "ID": "B.1", "Title": "Leads"},
        {"Type": "Key result", "ID": "B.2", "Title": "Deals", "Commitment": "aspirational"},
        header=header,
    )
    raw = RawWorkbook([tab, Grid("Sales", [])])

    plain = {p.id: p.committed for p in read_history(raw).last}
    default = {p.id: p.committed for p in read_history(raw, Commitment.COMMITTED).last}

    assert plain == {"A.1": True, "B.1": False, "B.2": False}
    assert default == {"A.1": True, "B.1": True, "B.2": False}


def test_rollover_archives_the_commitment_and_lint_reads_it(okr: Any, example: Path) -> None:
    """Through a real rollover: the archived rows say committed or aspirational, and a key
    result still measuring its baseline ends with no final value (not its target)."""
    row = 5  # CORP-1.3 on the Corporate tab
    unknown = {(row, COL["start"]): "baseline", (row, COL["current"]): None}
    type_cells(example, {"Corporate": unknown})
    rolled = okr("rollover", "-w", str(example), "--to", "2027-Q1", "--yes")
    assert rolled.exit_code == 0, rolled.stderr

    raw = XlsxStore(example).read()
    history = {p.id: p for p in read_history(raw).last}
    grid = raw.grid("Archive 2026-Q4")
    assert grid is not None
    header = list(grid.rows[0])
    by_id = {r[header.index("ID")]: r for r in grid.rows[1:]}

    assert by_id["CORP-2"][header.index("Commitment")] == "committed"
    assert by_id["CORP-1"][header.index("Commitment")] == "aspirational"
    assert {k for k, p in history.items() if p.committed} == {"CORP-2.1", "CORP-2.2", "CORP-2.3"}
    assert history["CORP-1.3"].final is None and history["CORP-1.3"].start is None
    assert history["CORP-1.1"].final == 2_635_298


def test_an_owner_with_only_committed_objectives_is_not_told_to_aim_lower(
    okr: Any, draft: Path
) -> None:
    """Ada hit everything twice running: her aspirational objective gets the note; once it is
    committed, there is nothing for the note to sit on."""
    _archive(draft, "2026-Q2", [_past("A-2.1", "Ada Obi", 1.0), _past("A-2.2", "Ada Obi", 1.0)])
    _archive(draft, "2026-Q3", [_past("A-3.1", "Ada Obi", 1.0), _past("A-3.2", "Ada Obi", 1.0)])
    assert findings(okr, draft, "sandbagging") == [("sandbagging", "CORP-1.1")]

    type_cells(draft, {"Corporate": {(2, COL["commitment"]): "committed"}})

    assert findings(okr, draft, "sandbagging") == []


def test_committed_cycles_do_not_count_as_sandbagging(okr: Any, draft: Path) -> None:
    committed = {"Type": "Objective", "ID": "A-1", "Commitment": "committed"}
    rows = [_past("A-1.1", "Ada Obi", 1.0), _past("A-1.2", "Ada Obi", 1.0)]
    for past in rows:
        past["Objective ID"] = "A-1"
    _archive(draft, "2026-Q2", [committed, *rows])
    _archive(draft, "2026-Q3", [committed, *rows])

    assert findings(okr, draft, "sandbagging") == []
