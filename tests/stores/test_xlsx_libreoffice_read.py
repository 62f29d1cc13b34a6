"""A check-in on a workbook LibreOffice saved gives the reader each tab's values only (issue
28): LibreOffice caches a result in every helper cell of every prepared row of a person tab
and writes every row it formats down to row 1000, so its person tab is nearly twice okr's
own. The reader is given the rows that hold something, without formulas, and reads the same
values as from the file; the check-in writes the same bytes as one whose reader was given
the tabs as the file holds them.

The workbook is the benchmark's, made by okr and saved by LibreOffice once for the module.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import python_calamine

import okrsheet.checkins
from benchmarks.generate import Size, build
from okrsheet.checkins import CheckInRequest, record
from okrsheet.domain.model import Cycle, KeyResult
from okrsheet.layout.writer import workbook_tabs
from okrsheet.stores import Location
from okrsheet.stores.xlsx.package import Package
from okrsheet.stores.xlsx.parts import sheet_parts
from okrsheet.stores.xlsx.store import XlsxStore, _wanted_for_writing
from tests.cli.test_sheet_agrees import SOFFICE, recalculate

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

CYCLE = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
AS_OF = date(2026, 11, 20)
LOG = "Check-ins"
# The check-in's skim as on a large workbook: this log is small, so over 1 kB counts as long.
SKIM = dataclasses.replace(okrsheet.checkins.RECORD_SKIM, min_bytes=1024)
FORMULA = re.compile(rb"<f[\s>/]")  # a formula element (not `<formula>` of a format rule)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark workbook at 4 people, as LibreOffice saves it."""
    folder = tmp_path_factory.mktemp("libreoffice")
    made = folder / "made" / "bench.xlsx"
    made.parent.mkdir()
    XlsxStore(made).create(workbook_tabs(build(Size(4, 2, 3, CYCLE), AS_OF)), overwrite=True)
    return recalculate([made], folder / "saved")[made]


@pytest.fixture(scope="module")
def kr_id() -> str:
    draft = build(Size(4, 2, 3, CYCLE), AS_OF)
    return next(i.id for items in draft.tabs.values() for i in items if isinstance(i, KeyResult))


def _sheets(path: Path) -> dict[str, bytes]:
    """Each tab's sheet XML as the file holds it, by title."""
    package = Package.open(path)
    return {title: package.read(part) for title, part in sheet_parts(package).items()}


class _Given:
    """What calamine is handed: every package it opens from memory, each tab's sheet XML by
    title (python-calamine is swapped for a recording one in the store's imports)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.books: list[dict[str, bytes]] = []
        real = python_calamine.CalamineWorkbook
        given = self

        class Recording:
            @staticmethod
            def from_filelike(handle: Any) -> Any:
                data = handle.read()
                package = Package(data)
                given.books.append(
                    {title: package.read(part) for title, part in sheet_parts(package).items()}
                )
                return real.from_filelike(io.BytesIO(data))

            @staticmethod
            def from_path(path: str) -> Any:
                return real.from_path(path)

        monkeypatch.setattr(python_calamine, "CalamineWorkbook", Recording)


def _checkin(path: Path, kr_id: str) -> bytes:
    """One check-in at a pinned time with a pinned id, through the check-in's skimmed read;
    the workbook's bytes after it."""
    record(
        Location(path=path),
        [CheckInRequest(kr_id=kr_id, value=42.5, note="from a test", checkin_id="lo-1")],
        today=AS_OF,
        clock=lambda: datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    )
    return path.read_bytes()


@pytest.fixture
def skimmed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(okrsheet.checkins, "RECORD_SKIM", SKIM)
    yield


def test_the_workbook_is_as_libreoffice_saves_it(saved: Path) -> None:
    """What the other tests rely on: person tabs with a result in each prepared row's helper
    cells, and a log long enough to be skimmed. (LibreOffice also writes every row it formats,
    down to the 1000th, in most runs but not all: with other conversions running beside it,
    it has been seen to stop at the last row holding something. The tests below check the cut
    of that empty end where it is there; tests/stores/test_xlsx_values.py checks it always.)"""
    sheets = _sheets(saved)
    person = sheets["Person 001"]
    assert b'aca="false"' in person
    assert person.count(b't="str"><f') > 100
    assert len(sheets[LOG]) > SKIM.min_bytes


def test_a_checkin_gives_the_reader_each_tab_as_its_values(
    saved: Path, kr_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skimmed: None
) -> None:
    path = tmp_path / "book.xlsx"
    shutil.copy(saved, path)
    in_file = _sheets(path)
    given = _Given(monkeypatch)
    written = _checkin(path, kr_id)
    assert written != saved.read_bytes()
    (book,) = [b for b in given.books if "Person 001" in b]
    persons = [t for t in in_file if t.startswith("Person ")]
    assert len(persons) == 4
    for title in persons:
        xml = book[title]
        # Its values only: no formula, and none of the rows below the ones that hold
        # something (LibreOffice's down to row 1000); a third of the file's XML at most.
        assert FORMULA.search(xml) is None, title
        assert b'<row r="1000"' not in xml, title  # in the file whenever LibreOffice wrote it
        assert 3 * len(xml) < len(in_file[title]), (title, len(xml), len(in_file[title]))
    assert FORMULA.search(book["Dashboard"]) is None
    assert FORMULA.search(in_file["Dashboard"]) is not None
    assert 3 * len(book[LOG]) < len(in_file[LOG])  # the log skimmed, as before


def test_a_read_of_it_gives_the_values_of_the_file(saved: Path) -> None:
    """Every tab a check-in plans on, as the check-in's read and a report's read give it, has
    the values calamine reads from the file as it is."""
    book = python_calamine.CalamineWorkbook.from_path(str(saved))
    skim = dataclasses.replace(SKIM, needles=frozenset({"lo-1"}))
    checkin_raw, _ = XlsxStore(saved)._read_skimmed(skim, saved.read_bytes())
    report_raw = XlsxStore(saved).read()
    compared = 0
    for raw in (checkin_raw, report_raw):
        for grid in raw.grids:
            if not _wanted_for_writing(grid.title) or grid.title == LOG:
                continue
            expected = book.get_sheet_by_name(grid.title).to_python(skip_empty_area=False)
            assert grid.rows == [list(row) for row in expected], grid.title
            compared += 1
    assert compared >= 2 * 8


def test_a_checkin_writes_what_it_writes_when_the_reader_is_given_the_file(
    saved: Path, kr_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skimmed: None
) -> None:
    lean = tmp_path / "lean.xlsx"
    shutil.copy(saved, lean)
    written = _checkin(lean, kr_id)
    plain = tmp_path / "plain.xlsx"
    shutil.copy(saved, plain)
    with monkeypatch.context() as whole:
        # The reader given every tab as the file holds it: the bounds as before, on the
        # file's XML, one tab at a time.
        def as_in_file(self: XlsxStore, package: Any, read: Any) -> dict[str, bytes]:
            self._check_bounds(package, read, keep=False)
            return {}

        whole.setattr(XlsxStore, "_values_for_reader", as_in_file)
        expected = _checkin(plain, kr_id)
    with zipfile.ZipFile(io.BytesIO(written)) as a, zipfile.ZipFile(io.BytesIO(expected)) as b:
        assert a.namelist() == b.namelist()
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []
    assert written == expected
