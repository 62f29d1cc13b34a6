"""An OKR tab read once is not read again while its grid is the same (`reuse_tab_reads`): a
check-in parses the workbook to plan, then the workbook as it will be to give okr's formulas
their results, where all but the tabs it changes are the same grids. What the second parse
says is what it says without the reuse, in every case: a tab changed, problems on the tabs, an
ID taken on two tabs."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from okrsheet import checkins
from okrsheet.layout import reader
from okrsheet.layout.reader import ParsedWorkbook, parse_workbook, reuse_tab_reads
from okrsheet.layout.results import apply
from okrsheet.stores.base import RawWorkbook, SetCells
from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import type_cells

# Columns of the OKR tabs: B the ID, I Start, M Due.
ID, START, DUE = 2, 9, 13


def _said(parsed: ParsedWorkbook) -> tuple[Any, ...]:
    """Everything a parse says, comparable."""
    return (
        parsed.plan,
        [str(f) for f in parsed.findings],
        [(t.title, t.header_row, t.columns) for t in parsed.okr_tables],
        {i: (t.title, r) for i, (t, r) in parsed.rows.items()},
        parsed.unreadable,
        parsed.people,
    )


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the OKR tabs read row by row, in order."""
    seen: list[str] = []
    read_rows = reader._Reader._read_okr_rows

    def spied(self: Any, grid: Any, *args: Any) -> None:
        seen.append(grid.title)
        read_rows(self, grid, *args)

    monkeypatch.setattr(reader._Reader, "_read_okr_rows", spied)
    return seen


def _raw(path: Path) -> RawWorkbook:
    return XlsxStore(path).read()


@pytest.fixture
def troubled(example: Path) -> Path:
    """The example with problems on its tabs: a bad Due, a key result without an ID, a Start
    that is no number."""
    type_cells(
        example,
        {
            "Sales": {(3, DUE): "someday", (4, ID): None},
            "Marketing": {(3, START): "lots"},
        },
    )
    return example


@pytest.mark.parametrize("changed", [None, "Sales", "Corporate"])
def test_a_second_parse_says_what_a_fresh_one_says(
    troubled: Path, reads: list[str], changed: str | None
) -> None:
    raw = _raw(troubled)
    changes = [] if changed is None else [SetCells(changed, {(5, 11): 4.5})]
    after = apply(raw, changes)
    fresh = parse_workbook(after, with_log=False)
    reads.clear()

    with reuse_tab_reads():
        parse_workbook(raw, with_log=False)
        first = list(reads)
        again = parse_workbook(after, with_log=False)

    assert _said(again) == _said(fresh)
    assert [f for f in fresh.findings if f.severity == "error"]  # the problems are there
    assert reads[len(first) :] == ([] if changed is None else [changed])


def test_an_id_taken_on_two_tabs_reads_them_again(example: Path, reads: list[str]) -> None:
    """Which of the two rows is the duplicate depends on the tabs read before: such a tab is
    read again, and the finding is the one a fresh parse makes."""
    type_cells(example, {"Marketing": {(3, ID): "SALES-1.1"}})
    raw = _raw(example)
    after = apply(raw, [SetCells("Sales", {(3, ID): "SALES-1.9"})])  # the clash is gone
    fresh = parse_workbook(after, with_log=False)

    with reuse_tab_reads():
        before = parse_workbook(raw, with_log=False)
        reads.clear()
        again = parse_workbook(after, with_log=False)

    assert any(f.code == "duplicate-id" for f in before.findings)
    assert not any(f.code == "duplicate-id" for f in again.findings)
    assert _said(again) == _said(fresh)
    assert "Marketing" in reads and "Sales" in reads


def test_settings_or_people_changed_read_every_tab_again(example: Path, reads: list[str]) -> None:
    raw = _raw(example)
    people = raw.grid("People")
    assert people is not None
    after = apply(raw, [SetCells("People", {(len(people.rows) + 1, 1): "Ada Byron"})])
    with reuse_tab_reads():
        parse_workbook(raw, with_log=False)
        first = list(reads)
        again = parse_workbook(after, with_log=False)
    assert reads[len(first) :] == first
    assert _said(again) == _said(parse_workbook(after, with_log=False))


def test_outside_the_context_every_parse_reads_every_tab(example: Path, reads: list[str]) -> None:
    raw = _raw(example)
    parse_workbook(raw, with_log=False)
    first = list(reads)
    parse_workbook(raw, with_log=False)
    assert first and reads == first * 2


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_a_checkin_writes_the_same_bytes_with_and_without_the_reuse(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str]
) -> None:
    import contextlib

    from okrsheet.stores import parse_location

    twin = tmp_path / "twin.xlsx"
    twin.write_bytes(example.read_bytes())
    moment = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    request = checkins.CheckInRequest(kr_id="SALES-1.1", value=101, checkin_id="fixed-id")

    def record(path: Path) -> None:
        checkins.record(
            parse_location(str(path)), [request], today=date(2026, 11, 16), clock=lambda: moment
        )

    record(example)
    reused = list(reads)
    reads.clear()
    monkeypatch.setattr(checkins, "reuse_tab_reads", contextlib.nullcontext)
    record(twin)

    assert _members(example) == _members(twin)
    assert len(reused) < len(reads)  # the second parse read only the tab it changed
