"""The rules one by one, and the history they read from Archive tabs."""

from __future__ import annotations

from typing import Any

import pytest

from okrsheet.domain.kinds import Kind
from okrsheet.layout.archive import read_history
from okrsheet.lint import CODES, RULES, History, PastResult, Subject, lint, parse_checks
from okrsheet.stores.base import CellValue, Grid, RawWorkbook

HEADER = ["Tab", "Type", "ID", "Objective ID", "Title", "Level", "Owner", "Aligns to", "Kind",
          "Start", "Target", "Final value", "Unit", "Due", "Weight", "Confidence", "Grade",
          "Outcome", "Notes"]  # fmt: skip


def past(kr_id: str, owner: str, final: float, grade: float | None, title: str = "Leads",
         kind: Kind | None = Kind.INCREASE, committed: bool = False) -> PastResult:  # fmt: skip
    return PastResult("2026-Q3", kr_id, title, owner, kind, 0, 100, final, grade,
                      committed=committed)  # fmt: skip


def archive(cycle: str, *rows: dict[str, Any], header: list[str] = HEADER) -> Grid:
    lines: list[list[CellValue]] = [list(header), *([r.get(h) for h in header] for r in rows)]
    return Grid(f"Archive {cycle}", lines)


def test_every_rule_has_a_code_a_summary_and_one_way_to_check() -> None:
    assert CODES == ("activity", "vague", "status-quo", "no-baseline", "sandbagging")
    for rule in RULES:
        assert rule.summary.endswith(".") and (rule.check is None) != (rule.check_all is None)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("", None),
        ("All", None),
        ("off", ()),
        ("vague, activity", ("activity", "vague")),
        ("all but vague; sandbagging", ("activity", "status-quo", "no-baseline")),
        ("All except status quo", ("activity", "vague", "no-baseline", "sandbagging")),
    ],
)
def test_the_setting(text: str, codes: tuple[str, ...] | None) -> None:
    assert parse_checks(text) == codes


def test_an_unknown_check_is_named() -> None:
    with pytest.raises(ValueError, match="'spelling' is not a KR check"):
        parse_checks("vague, spelling")


def test_status_quo_against_the_last_cycle() -> None:
    last = past("Y", "Ana", 190, 1.0, title="Qualified leads")
    history = History((("2026-Q2", (past("X", "Ana", 300, 1.0),)), ("2026-Q3", (last,))))
    lower = Subject("N", "Qualified  leads", 0, 150, "leads", owner="ana")
    higher = Subject("M", "Qualified leads", 0, 200, "leads", owner="Ana")
    other_owner = Subject("O", "Qualified leads", 0, 150, "leads", owner="Bo")
    notes = lint([lower, higher, other_owner], history, codes=["status-quo"])
    assert [(n.item_id, n.field) for n in notes] == [("N", "target")]
    assert "asks for less than Y reached in 2026-Q3 (190 leads)" in notes[0].message
    # A key result that counts down asks for worse when its target is above the last result.
    closed = past("D", "Ana", 40, 1.0, title="Days to close", kind=Kind.DECREASE)
    down = History((("2026-Q3", (closed,)),))
    worse = Subject("D", "Days to close", 60, 45, "days", owner="Ana")
    assert "asks for worse than D reached in 2026-Q3 (40 days)" in lint([worse], down)[0].message


def test_start_equals_target_only_where_something_should_move() -> None:
    keep = Subject("K", "Uptime", 0.999, 0.999, "%", Kind.KEEP_ABOVE)
    moving = Subject("M", "Uptime", 0.999, 0.999, "%")
    assert [n.item_id for n in lint([keep, moving], codes=["status-quo"])] == ["M"]


def test_sandbagging_needs_every_result_reached_two_cycles_running() -> None:
    ada = Subject("A", "Leads", 0, 10, "leads", owner="Ada")
    full = (past("1", "Ada", 100, None), past("2", "ada", 100, 1.0))  # no grade: met its target
    assert lint([ada], History((("Q2", full), ("Q3", full))), codes=["sandbagging"])
    missed = (past("1", "Ada", 100, 1.0), past("2", "Ada", 90, None))  # 90 of 100: not reached
    assert not lint([ada], History((("Q2", full), ("Q3", missed))), codes=["sandbagging"])
    committed = (past("1", "Ada", 100, 1.0, committed=True), past("2", "Ada", 100, 1.0))
    assert not lint([ada], History((("Q2", full), ("Q3", committed))), codes=["sandbagging"])
    # Only the last two cycles count: an older miss is forgiven.
    assert lint([ada], History((("Q1", missed), ("Q2", full), ("Q3", full))))


def test_history_from_archive_tabs() -> None:
    """Cycles by their dates, whatever the tab order; blanks and unreadable cells are blank;
    a committed objective marks its key results; a tab with no header row is passed over."""
    q4 = archive(
        "2026-Q4",
        {"Type": "Objective", "ID": "S-1"},
        {"Type": "Key result", "ID": "S-1.1", "Title": "Leads", "Owner": "Ana",
         "Kind": "increase", "Start": 0, "Target": "1,000", "Final value": "n/a", "Grade": 0.8},
    )  # fmt: skip
    header = [*HEADER, "Commitment", "Final grade"]
    q3 = archive(
        "2026-Q3",
        {"Type": "Objective", "ID": "S-1", "Commitment": "Committed"},
        {"Type": "KR", "ID": "S-1.1", "Title": "Leads", "Kind": "sideways", "Final value": 800,
         "Grade": 0.5, "Final grade": 0.9},
        {"Type": "Key result", "Title": "no ID: not a key result to compare"},
        header=header,
    )  # fmt: skip
    notes = Grid("Archive notes", [["just", "some", "text"]])
    history = read_history(RawWorkbook([q4, notes, q3, Grid("Sales", [])]))
    assert [name for name, _ in history.cycles] == ["2026-Q3", "2026-Q4"]
    (older,), (newer,) = (results for _, results in history.cycles)
    assert (older.final, older.grade, older.committed, older.kind) == (800, 0.9, True, None)
    assert (newer.target, newer.final, newer.grade, newer.kind) == (1000, None, 0.8, Kind.INCREASE)
    assert newer.committed is False and history.last == (newer,)


def test_tabs_whose_names_are_not_cycles_keep_their_order() -> None:
    first = archive("spring", {"Type": "Key result", "ID": "A", "Title": "Leads"})
    second = archive("2026-Q1", {"Type": "Key result", "ID": "B", "Title": "Leads"})
    history = read_history(RawWorkbook([first, second]))
    assert [name for name, _ in history.cycles] == ["spring", "2026-Q1"]


def test_an_id_given_to_another_key_result_is_not_the_same_key_result() -> None:
    history = History((("2026-Q3", (past("S-1.1", "Ana", 2_000_000, 1.0, title="Revenue"),)),))
    reused = Subject("S-1.1", "Qualified leads", 0, 100, "leads", owner="Ana")
    assert lint([reused], history, codes=["status-quo"]) == []
