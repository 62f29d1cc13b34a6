"""A read kept for the next write (`Skim.keep`): `okr sync` reads the workbook, reads its
sources, then writes; the write plans on that read when the file is as it was, and reads
afresh when another program saved it meanwhile or the write needs rows the read left out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from okrsheet.stores.base import (
    Change,
    ChangePlanner,
    ColumnSpec,
    Grid,
    RawWorkbook,
    SetCells,
    Skim,
    TabSpec,
    WriteValue,
)
from okrsheet.stores.xlsx import package as xlsx_package
from okrsheet.stores.xlsx.patch import patch
from okrsheet.stores.xlsx.store import XlsxStore


def _any(head: Grid) -> bool:
    return True


def _log_titles(title: str) -> bool:
    return title == "Log"


SKIM = Skim(frozenset(), _any, head_rows=2, min_bytes=0, titles=_log_titles)


def test_a_skim_covers_one_that_needs_no_row_it_left_out() -> None:
    run = replace(SKIM, needles=frozenset({"ci-1a2b"}))
    assert run.covers(replace(SKIM, needles=frozenset({"ci-1a2b-1", "ci-1a2b-17"})))
    assert run.covers(SKIM)
    assert not run.covers(replace(SKIM, needles=frozenset({"ci-1a2b-1", "ci-9f"})))
    assert not SKIM.covers(replace(SKIM, needles=frozenset({"ci-1a2b-1"})))
    assert not run.covers(replace(run, head_rows=3))  # more head rows than it read
    assert run.covers(replace(run, head_rows=1))
    assert not run.covers(replace(run, min_bytes=1))  # would read in part what it read whole
    assert not run.covers(replace(run, wanted=lambda head: False))
    assert not run.covers(replace(run, titles=lambda title: True))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    rows: list[list[WriteValue]] = [[f"ci-{n}", float(n)] for n in range(1, 40)]
    XlsxStore(path).create(
        [
            TabSpec("Plan", [ColumnSpec("ID"), ColumnSpec("Current")], [["KR-1", 1.0]]),
            TabSpec("Log", [ColumnSpec("Check-in"), ColumnSpec("Value")], rows),
        ],
        overwrite=True,
    )
    return path


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bytes of every skimmed read of a workbook, in order."""
    reads: list[bytes] = []
    real = XlsxStore._read_skimmed

    def counted(store: XlsxStore, skim: Skim, data: bytes) -> tuple[RawWorkbook, object]:
        reads.append(data)
        return real(store, skim, data)

    monkeypatch.setattr(XlsxStore, "_read_skimmed", counted)
    return reads


def _keep(seen: list[RawWorkbook]) -> ChangePlanner:
    def planner(raw: RawWorkbook) -> Sequence[Change]:
        seen.append(raw)
        return []

    return planner


def _current(path: Path) -> object:
    return openpyxl.load_workbook(path)["Plan"]["B2"].value


def test_the_write_after_a_kept_read_plans_on_it(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _counting(monkeypatch)
    store = XlsxStore(book)
    first: list[RawWorkbook] = []
    store.update(_keep(first), skim=replace(SKIM, needles=frozenset({"ci-run"}), keep=True))
    planned: list[RawWorkbook] = []

    def write(raw: RawWorkbook) -> Sequence[Change]:
        planned.append(raw)
        return [SetCells("Plan", {(2, 2): 42.0})]

    store.update(write, skim=replace(SKIM, needles=frozenset({"ci-run-1"})))
    assert len(reads) == 1
    assert planned[0] is first[0]
    assert _current(book) == 42
    # Kept for one write only: the next one reads the file as that write left it.
    store.update(write, skim=replace(SKIM, needles=frozenset({"ci-run-1"})))
    assert len(reads) == 2


def test_a_save_by_another_program_in_between_is_read_and_kept(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _counting(monkeypatch)
    store = XlsxStore(book)
    store.update(_keep([]), skim=replace(SKIM, needles=frozenset({"ci-run"}), keep=True))
    # Another program saves the workbook meanwhile.
    out = io.BytesIO()
    patch(str(book), out, [SetCells("Plan", {(2, 2): 7.0})])
    book.write_bytes(out.getvalue())
    planned: list[RawWorkbook] = []

    def write(raw: RawWorkbook) -> Sequence[Change]:
        planned.append(raw)
        return [SetCells("Log", {(41, 1): "ci-run-1"})]

    store.update(write, skim=replace(SKIM, needles=frozenset({"ci-run-1"})))
    assert len(reads) == 2
    plan = planned[0].grid("Plan")
    assert plan is not None and plan.cell(2, 2) == 7
    assert _current(book) == 7  # the other program's save is kept


def test_a_write_needing_rows_the_kept_read_left_out_reads_again(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _counting(monkeypatch)
    store = XlsxStore(book)
    store.update(_keep([]), skim=replace(SKIM, needles=frozenset({"ci-run"}), keep=True))
    planned: list[RawWorkbook] = []

    def write(raw: RawWorkbook) -> Sequence[Change]:
        planned.append(raw)
        return []

    store.update(write, skim=replace(SKIM, needles=frozenset({"ci-30"})))
    assert len(reads) == 2
    log = planned[0].grid("Log")
    assert log is not None and log.cell(31, 1) == "ci-30"  # the row the needle is on


def test_tabs_deflated_several_at_once_make_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.xlsx"
    tabs = [
        TabSpec(f"Tab {n}", [ColumnSpec("ID"), ColumnSpec("Value")], [[f"R-{n}", float(n)]])
        for n in range(1, 13)
    ]
    XlsxStore(path).create(tabs, overwrite=True)
    changes: list[Change] = [
        SetCells(f"Tab {n}", {(2, 2): float(n * 10), (3, 1): f"new {n}"}) for n in range(1, 13)
    ]
    together = io.BytesIO()
    patch(str(path), together, changes)
    monkeypatch.setattr(xlsx_package, "PARALLEL_WORKERS", 1)
    alone = io.BytesIO()
    patch(str(path), alone, changes)
    assert together.getvalue() == alone.getvalue()
    written = tmp_path / "written.xlsx"
    written.write_bytes(together.getvalue())
    book = openpyxl.load_workbook(written)
    assert [book[f"Tab {n}"]["B2"].value for n in range(1, 13)] == [n * 10 for n in range(1, 13)]
