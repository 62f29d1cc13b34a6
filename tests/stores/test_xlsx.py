"""The local .xlsx store, against real files on disk: create/read, update, atomic saves, the
file lock, formula safety, hand-made additions that must survive, and the errors it raises."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import filelock
import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from okrsheet import checkins
from okrsheet.domain.model import CheckIn
from okrsheet.errors import (
    BackendError,
    ExitCode,
    OkrError,
    WorkbookExists,
    WorkbookUnavailable,
)
from okrsheet.layout.changes import checkin_changes
from okrsheet.stores import Location
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    ColumnSpec,
    DeleteRows,
    Formula,
    Grid,
    RawWorkbook,
    SetCells,
    TabSpec,
    WriteValue,
)
from okrsheet.stores.xlsx import patch as xlsx_patch
from okrsheet.stores.xlsx import store as xlsx_module
from okrsheet.stores.xlsx.store import XlsxStore

# Text a person might type that a spreadsheet would otherwise run as a formula.
DANGEROUS = ['=HYPERLINK("http://x","y")', '=IMPORTXML(A1,"//a")', "+1", "-1+1", "@SUM(1)"]


def _tabs() -> list[TabSpec]:
    return [
        TabSpec(
            "Data",
            [
                ColumnSpec("Name"),
                ColumnSpec("N", number_format="number"),
                ColumnSpec("When", number_format="date"),
                ColumnSpec("Flag"),
            ],
            rows=[
                ["alpha", 3, date(2026, 1, 2), True],
                ["beta", 2.5, datetime(2026, 1, 2, 3, 4, 5), False],
                ["gamma", -1, None, None],
            ],
        ),
        TabSpec("Other", [ColumnSpec("X"), ColumnSpec("Y")], rows=[["keep me", 42]]),
    ]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    XlsxStore(path).create(_tabs(), overwrite=False)
    return path


@pytest.fixture
def patch_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the store falls back to a full openpyxl rewrite."""

    def refuse(self: XlsxStore) -> Any:
        raise AssertionError("the openpyxl fallback ran; the patch path was expected")

    monkeypatch.setattr(XlsxStore, "_load_for_write", refuse)


@pytest.fixture
def fallback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the openpyxl fallback, as if the patcher had met something it cannot handle."""

    def unpatchable(*args: Any, **kwargs: Any) -> None:
        raise xlsx_patch.Unpatchable("forced by the test")

    monkeypatch.setattr(xlsx_patch, "patch", unpatchable)


def _temp_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


# Grid / RawWorkbook ---------------------------------------------------------------------------


def test_grid_cell_is_one_based_and_empty_past_the_edges() -> None:
    grid = Grid("T", [["a", "b"], ["c"]])
    assert grid.cell(1, 1) == "a"
    assert grid.cell(1, 2) == "b"
    assert grid.cell(2, 1) == "c"
    assert grid.cell(2, 2) is None
    assert grid.cell(0, 1) is None
    assert grid.cell(3, 1) is None
    assert grid.cell(1, 0) is None
    assert grid.cell(1, 3) is None


def test_raw_workbook_finds_grids_by_exact_title() -> None:
    raw = RawWorkbook([Grid("A", []), Grid("B b", [])])
    assert raw.titles == ["A", "B b"]
    assert raw.grid("B b") is raw.grids[1]
    assert raw.grid("b b") is None


# Create and read ------------------------------------------------------------------------------


def test_create_then_read_gives_back_the_grid(book: Path) -> None:
    raw = XlsxStore(book).read()
    assert raw.titles == ["Data", "Other"]
    data = raw.grid("Data")
    assert data is not None
    assert data.rows == [
        ["Name", "N", "When", "Flag"],
        ["alpha", 3.0, date(2026, 1, 2), True],
        ["beta", 2.5, datetime(2026, 1, 2, 3, 4, 5), False],
        ["gamma", -1.0, "", ""],
    ]
    assert not data.hidden
    other = raw.grid("Other")
    assert other is not None
    assert other.rows == [["X", "Y"], ["keep me", 42.0]]


def test_create_writes_typed_cells_and_header_presentation(book: Path) -> None:
    sheet = openpyxl.load_workbook(book)["Data"]
    assert sheet["B2"].data_type == "n"
    assert sheet["B2"].number_format == "#,##0.##"
    assert sheet["C2"].is_date
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["D2"].data_type == "b"
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"


def test_create_reads_hidden_tabs_as_hidden(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    workbook.create_sheet("Secret").sheet_state = "hidden"
    workbook.create_sheet("Very secret").sheet_state = "veryHidden"
    workbook.save(book)
    raw = XlsxStore(book).read()
    hidden = {g.title: g.hidden for g in raw.grids}
    assert hidden == {"Data": False, "Other": False, "Secret": True, "Very secret": True}


def test_create_refuses_to_replace_a_workbook_unless_overwrite(book: Path) -> None:
    before = book.read_bytes()
    with pytest.raises(WorkbookExists, match="already exists") as info:
        XlsxStore(book).create([TabSpec("New", [ColumnSpec("A")])], overwrite=False)
    assert info.value.hint == "pass --force to replace it"
    assert book.read_bytes() == before
    XlsxStore(book).create([TabSpec("New", [ColumnSpec("A")])], overwrite=True)
    assert XlsxStore(book).read().titles == ["New"]
    assert _temp_files(book) == []


def test_create_in_a_missing_folder_or_on_a_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(WorkbookUnavailable, match="does not exist"):
        XlsxStore(tmp_path / "nope" / "b.xlsx").create(_tabs(), overwrite=False)
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    with pytest.raises(WorkbookUnavailable, match="directory"):
        XlsxStore(folder).create(_tabs(), overwrite=True)
    assert folder.is_dir()


def test_new_workbook_gets_the_umask_mode_and_update_keeps_a_custom_mode(book: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    assert book.stat().st_mode & 0o777 == 0o666 & ~umask
    book.chmod(0o640)
    XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "changed"})])
    assert book.stat().st_mode & 0o777 == 0o640
    assert XlsxStore(book).read().grids[0].rows[1][0] == "changed"


def test_store_location_exists_and_lock_path(tmp_path: Path) -> None:
    store = XlsxStore(tmp_path / "my book.xlsx")
    assert store.location == str(tmp_path / "my book.xlsx")
    assert not store.exists()
    assert store.lock_path == tmp_path / ".my book.xlsx.lock"


# Update ---------------------------------------------------------------------------------------


def test_update_with_set_cells_and_append_rows_lands(book: Path, patch_only: None) -> None:
    store = XlsxStore(book)
    seen: list[RawWorkbook] = []

    def planner(raw: RawWorkbook) -> list[Any]:
        seen.append(raw)
        return [
            SetCells("Data", {(2, 1): "ALPHA", (3, 2): 7, (4, 3): date(2026, 5, 6)}),
            AppendRows("Other", [["row 3", 1.5], ["row 4", None]]),
        ]

    changes = store.update(planner)
    assert len(seen) == 1 and seen[0].titles == ["Data", "Other"]
    assert [type(c) for c in changes] == [SetCells, AppendRows]

    workbook = openpyxl.load_workbook(book)
    data = workbook["Data"]
    assert data["A2"].value == "ALPHA"
    assert data["B3"].value == 7
    assert data["C4"].value == datetime(2026, 5, 6)
    other = workbook["Other"]
    assert [[c.value for c in row] for row in other.iter_rows(min_row=2)] == [
        ["keep me", 42],
        ["row 3", 1.5],
        ["row 4", None],
    ]

    raw = store.read()
    assert raw.grids[0].rows[1][0] == "ALPHA"
    assert raw.grids[0].rows[2][1] == 7.0
    assert raw.grids[0].rows[3][2] == date(2026, 5, 6)
    assert raw.grids[1].rows[2:] == [["row 3", 1.5], ["row 4", ""]]
    assert _temp_files(book) == []


def test_update_appends_after_the_last_non_empty_row(book: Path, fallback_only: None) -> None:
    workbook = openpyxl.load_workbook(book)
    # A styled but empty row below the data must not push the append further down.
    workbook["Other"]["A5"].number_format = "0.00"
    workbook.save(book)
    XlsxStore(book).update(lambda raw: [AppendRows("Other", [["next", 2]])])
    other = openpyxl.load_workbook(book)["Other"]
    assert other["A3"].value == "next"
    assert other["B3"].value == 2


def test_update_with_no_changes_writes_nothing(book: Path) -> None:
    before = book.read_bytes()
    mtime = book.stat().st_mtime_ns
    assert list(XlsxStore(book).update(lambda raw: [])) == []
    assert book.read_bytes() == before
    assert book.stat().st_mtime_ns == mtime


def test_update_sees_a_fresh_read(book: Path) -> None:
    store = XlsxStore(book)
    store.update(lambda raw: [SetCells("Other", {(2, 1): "first"})])
    seen: list[Any] = []
    store.update(lambda raw: seen.append(raw.grid("Other").cell(2, 1)) or [])  # type: ignore[union-attr,func-returns-value]
    assert seen == ["first"]


def test_update_fallback_applies_deletes_and_new_tabs(book: Path) -> None:
    store = XlsxStore(book)
    store.update(
        lambda raw: [
            SetCells("Data", {(4, 1): "GAMMA"}),
            DeleteRows("Data", (2,)),
            AddTab(TabSpec("Added", [ColumnSpec("Only")], rows=[["x"]]), before="Other"),
        ]
    )
    raw = store.read()
    assert raw.titles == ["Data", "Added", "Other"]
    assert [r[0] for r in raw.grid("Data").rows] == ["Name", "beta", "GAMMA"]  # type: ignore[union-attr]
    assert raw.grid("Added").rows == [["Only"], ["x"]]  # type: ignore[union-attr]


def test_update_of_a_tab_that_vanished_fails_and_writes_nothing(book: Path) -> None:
    before = book.read_bytes()
    with pytest.raises(BackendError, match="disappeared"):
        XlsxStore(book).update(lambda raw: [SetCells("Gone", {(1, 1): "x"})])
    assert book.read_bytes() == before
    assert _temp_files(book) == []


def test_planner_error_propagates_and_releases_the_lock(book: Path) -> None:
    before = book.read_bytes()

    def planner(raw: RawWorkbook) -> list[Any]:
        raise ValueError("planner broke")

    store = XlsxStore(book)
    with pytest.raises(ValueError, match="planner broke"):
        store.update(planner)
    assert book.read_bytes() == before
    other = filelock.FileLock(str(store.lock_path))
    other.acquire(timeout=0)  # would raise Timeout if the store still held it
    other.release()


# Atomic save ----------------------------------------------------------------------------------


def test_failing_replace_leaves_the_original_and_no_temp_file(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk said no")

    monkeypatch.setattr("okrsheet.stores.xlsx.store.os.replace", broken_replace)
    with pytest.raises(BackendError, match="nothing was changed"):
        XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert book.read_bytes() == before
    assert _temp_files(book) == []


def test_patch_writer_dying_midway_leaves_the_original(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()
    original = xlsx_patch.Package.write

    def half_then_die(package: xlsx_patch.Package, target: Any, *args: Any, **kw: Any) -> None:
        target.write(b"PK\x03\x04 half a zip")
        raise OSError("No space left on device")

    monkeypatch.setattr(xlsx_patch.Package, "write", half_then_die)
    with pytest.raises(BackendError, match="No space left"):
        XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert book.read_bytes() == before
    assert _temp_files(book) == []
    monkeypatch.setattr(xlsx_patch.Package, "write", original)
    XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert XlsxStore(book).read().grids[0].rows[1][0] == "x"


def test_a_crash_inside_the_patch_writer_leaves_the_original(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()

    def crash(package: xlsx_patch.Package, target: Any, *args: Any, **kw: Any) -> None:
        target.write(b"garbage")
        raise RuntimeError("boom")

    monkeypatch.setattr(xlsx_patch.Package, "write", crash)
    with pytest.raises(RuntimeError, match="boom"):
        XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert book.read_bytes() == before
    assert _temp_files(book) == []


def test_fallback_save_dying_midway_leaves_the_original(
    book: Path, monkeypatch: pytest.MonkeyPatch, fallback_only: None
) -> None:
    before = book.read_bytes()

    def half_then_die(self: Any, filename: Any) -> None:
        filename.write(b"PK\x03\x04")
        raise OSError("I/O error")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_then_die)
    with pytest.raises(BackendError):
        XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert book.read_bytes() == before
    assert _temp_files(book) == []


def test_failing_fsync_is_a_backend_error(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = book.read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError("fsync failed")

    monkeypatch.setattr("okrsheet.stores.xlsx.store.os.fsync", broken_fsync)
    with pytest.raises(BackendError):
        XlsxStore(book).update(lambda raw: [AppendRows("Other", [["x"]])])
    assert book.read_bytes() == before
    assert _temp_files(book) == []


def test_temp_file_that_cannot_be_created_is_an_okr_error(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder where files may be edited but not created (or a full disk): mkstemp fails.
    That is a save that could not land, so it must surface as an OkrError, not a traceback."""
    before = book.read_bytes()

    def no_temp(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(book.parent))

    monkeypatch.setattr("okrsheet.stores.xlsx.store.tempfile.mkstemp", no_temp)
    with pytest.raises(OkrError):
        XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert book.read_bytes() == before


# The file lock --------------------------------------------------------------------------------


def test_a_held_lock_makes_a_writer_give_up_without_writing(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = XlsxStore(book)
    before = book.read_bytes()
    monkeypatch.setattr(xlsx_module, "LOCK_TIMEOUT_SECONDS", 0.05)
    called: list[bool] = []
    holder = filelock.FileLock(str(store.lock_path))
    holder.acquire()
    try:
        with pytest.raises(BackendError, match="being written by another okr process") as info:
            store.update(lambda raw: called.append(True) or [SetCells("Data", {(2, 1): "x"})])  # type: ignore[func-returns-value]
        assert info.value.exit_code == ExitCode.BACKEND
    finally:
        holder.release()
    assert called == []
    assert book.read_bytes() == before


def test_a_second_writer_waits_for_the_first(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = XlsxStore(book)
    waiting = threading.Event()

    try_lock = xlsx_module._try_lock

    def signalling_try_lock(fd: int) -> bool:
        waiting.set()
        return try_lock(fd)

    monkeypatch.setattr(xlsx_module, "_try_lock", signalling_try_lock)
    planned: list[str] = []
    errors: list[BaseException] = []

    def planner(raw: RawWorkbook) -> list[Any]:
        planned.append(str(raw.grid("Other").cell(2, 1)))  # type: ignore[union-attr]
        return [SetCells("Other", {(2, 1): "second writer"})]

    def second_writer() -> None:
        try:
            store.update(planner)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    first = filelock.UnixFileLock(str(store.lock_path))
    first.acquire()
    thread = threading.Thread(target=second_writer)
    try:
        thread.start()
        assert waiting.wait(10), "the second writer never asked for the lock"
        # While the first writer holds the lock, the second has neither read nor written.
        assert planned == []
        # The first writer changes the file under its lock ...
        workbook = openpyxl.load_workbook(book)
        workbook["Other"]["A2"] = "first writer"
        workbook.save(book)
    finally:
        first.release()
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    # ... and the second writer, once admitted, read the first writer's result.
    assert planned == ["first writer"]
    assert XlsxStore(book).read().grid("Other").cell(2, 1) == "second writer"  # type: ignore[union-attr]


_HOLD_LOCK = """
import sys, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_lock_left_by_a_dead_process_does_not_block(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = XlsxStore(book)
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(store.lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        monkeypatch.setattr(xlsx_module, "LOCK_TIMEOUT_SECONDS", 0.05)
        # While the other process lives, its lock is real.
        with pytest.raises(BackendError):
            store.update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    finally:
        child.kill()
        child.wait(30)
        if child.stdin:
            child.stdin.close()
        if child.stdout:
            child.stdout.close()
    assert store.lock_path.exists()  # the crash left its lock file behind
    monkeypatch.setattr(xlsx_module, "LOCK_TIMEOUT_SECONDS", 5.0)
    store.update(lambda raw: [SetCells("Data", {(2, 1): "after the crash"})])
    assert store.read().grids[0].rows[1][0] == "after the crash"


def test_a_leftover_lock_file_with_junk_does_not_block(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = XlsxStore(book)
    store.lock_path.write_text("12345\nsome host\n")
    monkeypatch.setattr(xlsx_module, "LOCK_TIMEOUT_SECONDS", 1.0)
    store.update(lambda raw: [SetCells("Data", {(2, 1): "written"})])
    assert store.read().grids[0].rows[1][0] == "written"


# Formula safety -------------------------------------------------------------------------------


def _assert_stored_as_text(path: Path, tab: str, coords: list[str]) -> None:
    sheet = openpyxl.load_workbook(path)[tab]
    for coord, text in zip(coords, DANGEROUS, strict=True):
        cell = sheet[coord]
        assert cell.value == text, coord
        assert cell.data_type == "s", (coord, cell.data_type)
    raw = XlsxStore(path).read().grid(tab)
    assert raw is not None


def test_formula_like_text_stays_text_in_the_patch_path(book: Path, patch_only: None) -> None:
    store = XlsxStore(book)
    store.update(
        lambda raw: [
            SetCells("Data", {(2, col): text for col, text in enumerate(DANGEROUS, start=5)}),
            SetCells("Other", {(5, 1): Formula("=1+1")}),
        ]
    )
    _assert_stored_as_text(book, "Data", ["E2", "F2", "G2", "H2", "I2"])
    assert store.read().grids[0].rows[1][4:9] == DANGEROUS
    with zipfile.ZipFile(book) as package:
        xml = package.read("xl/worksheets/sheet1.xml")
    assert b"<f>HYPERLINK" not in xml and b"<f>IMPORTXML" not in xml
    # A Formula written on purpose is a formula.
    other = openpyxl.load_workbook(book)["Other"]
    assert other["A5"].data_type == "f"
    assert other["A5"].value == "=1+1"


def test_formula_like_text_stays_text_when_appended_in_the_patch_path(
    book: Path, patch_only: None
) -> None:
    XlsxStore(book).update(lambda raw: [AppendRows("Other", [list(DANGEROUS)])])
    _assert_stored_as_text(book, "Other", ["A3", "B3", "C3", "D3", "E3"])
    assert XlsxStore(book).read().grid("Other").rows[2] == DANGEROUS  # type: ignore[union-attr]


def test_formula_like_text_stays_text_in_the_openpyxl_fallback(
    book: Path, fallback_only: None
) -> None:
    store = XlsxStore(book)
    store.update(
        lambda raw: [
            SetCells("Data", {(2, col): text for col, text in enumerate(DANGEROUS, start=5)}),
            AppendRows("Other", [list(DANGEROUS)]),
        ]
    )
    _assert_stored_as_text(book, "Data", ["E2", "F2", "G2", "H2", "I2"])
    _assert_stored_as_text(book, "Other", ["A3", "B3", "C3", "D3", "E3"])
    sheet = openpyxl.load_workbook(book)["Data"]
    # Spreadsheet apps show these as typed, never evaluating them on edit.
    assert all(sheet.cell(2, col).quotePrefix for col in range(5, 10))
    assert store.read().grids[0].rows[1][4:9] == DANGEROUS


def test_formula_like_text_stays_text_in_new_tabs(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    XlsxStore(path).create(
        [TabSpec("T", [ColumnSpec("A")], rows=[[t] for t in DANGEROUS])], overwrite=False
    )
    _assert_stored_as_text(path, "T", ["A2", "A3", "A4", "A5", "A6"])


# Numbers and dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("path_kind", ["patch", "fallback"])
def test_numbers_dates_and_booleans_are_written_as_such(
    book: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str
) -> None:
    if path_kind == "fallback":
        monkeypatch.setattr(
            xlsx_patch, "patch", lambda *a, **k: (_ for _ in ()).throw(xlsx_patch.Unpatchable())
        )
    values: dict[tuple[int, int], WriteValue] = {
        (5, 1): 12,
        (5, 2): 0.25,
        (5, 3): date(2026, 12, 31),  # a date column
        (5, 4): True,
        (5, 5): date(2026, 11, 16),  # a General column
        (5, 6): datetime(2026, 11, 16, 9, 30),
        (5, 7): -3.5,
    }
    store = XlsxStore(book)
    store.update(lambda raw: [SetCells("Data", values)])
    sheet = openpyxl.load_workbook(book)["Data"]
    assert sheet["A5"].data_type == "n" and sheet["A5"].value == 12
    assert sheet["B5"].data_type == "n" and sheet["B5"].value == 0.25
    assert sheet["C5"].is_date and sheet["C5"].value == datetime(2026, 12, 31)
    assert sheet["D5"].data_type == "b" and sheet["D5"].value is True
    assert sheet["E5"].is_date and sheet["E5"].value == datetime(2026, 11, 16)
    assert sheet["F5"].is_date and sheet["F5"].value == datetime(2026, 11, 16, 9, 30)
    assert sheet["G5"].value == -3.5
    row = store.read().grids[0].rows[4]
    assert row[:7] == [
        12.0,
        0.25,
        date(2026, 12, 31),
        True,
        date(2026, 11, 16),
        datetime(2026, 11, 16, 9, 30),
        -3.5,
    ]


def test_appended_dates_are_dates_in_the_patch_path(book: Path, patch_only: None) -> None:
    store = XlsxStore(book)
    store.update(
        lambda raw: [AppendRows("Data", [["delta", 4, date(2026, 2, 3), None, date(2026, 2, 4)]])]
    )
    sheet = openpyxl.load_workbook(book)["Data"]
    assert sheet["C5"].is_date and sheet["C5"].value == datetime(2026, 2, 3)
    assert sheet["E5"].is_date and sheet["E5"].value == datetime(2026, 2, 4)
    assert store.read().grids[0].rows[4][:5] == [
        "delta",
        4.0,
        date(2026, 2, 3),
        "",
        date(2026, 2, 4),
    ]


# Things people add by hand --------------------------------------------------------------------


def _decorate(path: Path) -> None:
    workbook = openpyxl.load_workbook(path)
    sales = workbook["Sales"]
    sales["U1"] = "My notes"
    sales["U3"] = "call the reseller on Monday"
    sales["D3"].comment = Comment("ask Marcus about this one", "Lena")
    sales.column_dimensions["U"].width = 37
    workbook["People"]["F2"] = "hand-written aside"
    workbook.defined_names["Pipeline"] = DefinedName("Pipeline", attr_text="Sales!$J$2:$J$5")
    workbook.save(path)


def test_checkin_update_keeps_what_people_added(example: Path, patch_only: None) -> None:
    _decorate(example)
    store = XlsxStore(example)
    checkin = CheckIn(date=date(2026, 11, 16), kr_id="SALES-1.1", value=71, confidence=0.6)
    store.update(lambda raw: checkin_changes(raw, [checkin]))

    workbook = openpyxl.load_workbook(example)
    sales = workbook["Sales"]
    assert sales["U1"].value == "My notes"
    assert sales["U3"].value == "call the reseller on Monday"
    assert sales["D3"].comment is not None
    assert sales["D3"].comment.text == "ask Marcus about this one"
    assert sales.column_dimensions["U"].width == 37
    assert workbook["People"]["F2"].value == "hand-written aside"
    assert "Pipeline" in workbook.defined_names
    assert workbook.defined_names["Pipeline"].attr_text == "Sales!$J$2:$J$5"
    # The header note written by `okr init` and the dropdowns are still there too.
    assert sales["A1"].comment is not None
    assert sales.data_validations.dataValidation
    # And the check-in itself landed.
    assert sales["K3"].value == 71
    assert sales["O3"].value == 0.6
    assert sales["R3"].value == datetime(2026, 11, 16)
    log = workbook["Check-ins"]
    last = [c.value for c in log[log.max_row]][:4]
    assert last == [datetime(2026, 11, 16), "SALES-1.1", 71, 0.6]


def test_untouched_sheets_are_copied_byte_for_byte_by_a_checkin(
    example: Path, patch_only: None
) -> None:
    with zipfile.ZipFile(example) as package:
        before = {name: package.read(name) for name in package.namelist()}
    checkin = CheckIn(date=date(2026, 11, 16), kr_id="SALES-1.1", value=71)
    XlsxStore(example).update(lambda raw: checkin_changes(raw, [checkin]))
    with zipfile.ZipFile(example) as package:
        after = {name: package.read(name) for name in package.namelist()}
    assert list(after) == list(before)
    changed = {name for name in before if before[name] != after[name]}
    # Sales (sheet5, after Guide, Dashboard, Settings, Corporate) and Check-ins (sheet9)
    # change, the Dashboard (sheet2, written again so that no program shows an old result),
    # plus workbook.xml for fullCalcOnLoad.
    assert changed <= {
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/sheet5.xml",
        "xl/worksheets/sheet9.xml",
        "xl/workbook.xml",
        "xl/styles.xml",
    }
    assert {"xl/worksheets/sheet5.xml", "xl/worksheets/sheet9.xml"} <= changed


def _skim_everything(monkeypatch: pytest.MonkeyPatch) -> list[RawWorkbook]:
    """Make every tab "long" for the check-in's skim (the example's log is short), and keep
    what the planner was given."""
    skim = dataclasses.replace(checkins.RECORD_SKIM, head_rows=3, min_bytes=0)
    monkeypatch.setattr(checkins, "RECORD_SKIM", skim)
    given: list[RawWorkbook] = []
    original = XlsxStore._read_skimmed

    def spy(self: XlsxStore, skim: Any, data: bytes) -> Any:
        raw, package = original(self, skim, data)
        given.append(raw)
        return raw, package

    monkeypatch.setattr(XlsxStore, "_read_skimmed", spy)
    return given


def test_a_checkin_reads_only_the_ids_it_looks_for_in_a_long_log(
    example: Path, monkeypatch: pytest.MonkeyPatch, patch_only: None
) -> None:
    _decorate(example)
    given = _skim_everything(monkeypatch)
    before = XlsxStore(example).read()
    # One submission, tried twice (as a store retries it): the same id both times.
    request = checkins.CheckInRequest(
        kr_id="SALES-1.1", value="71", note="=1+1", checkin_id="ci-0123456789abcdef"
    )
    now = datetime(2026, 11, 16, 9, 30)

    recorded = checkins.record(
        Location(path=example), [request], today=date(2026, 11, 16), clock=lambda: now
    )
    again = checkins.record(
        Location(path=example), [request], today=date(2026, 11, 16), clock=lambda: now
    )

    assert len(recorded) == 1 and again == []  # the retry found its id in the skimmed log
    log = given[0].grid("Check-ins")
    assert log is not None and 0 < len(log.rows) <= 3  # the head only: the id was not there yet
    assert given[0].grid("Sales") == before.grid("Sales")  # an OKR tab is never skimmed
    assert given[0].grid("People") == before.grid("People")
    after = XlsxStore(example).read()
    old_log, new_log = before.grid("Check-ins"), after.grid("Check-ins")
    assert old_log is not None and new_log is not None
    assert new_log.rows[:-1] == old_log.rows
    assert new_log.rows[-1][:5] == [date(2026, 11, 16), "SALES-1.1", 71.0, "", "=1+1"]
    workbook = openpyxl.load_workbook(example)
    assert workbook["Sales"]["U3"].value == "call the reseller on Monday"
    assert "Pipeline" in workbook.defined_names
    last = workbook["Check-ins"][workbook["Check-ins"].max_row]
    assert last[4].value == "=1+1" and last[4].data_type == "s"


# Errors reading and writing -------------------------------------------------------------------


def test_missing_workbook_is_unavailable_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(WorkbookUnavailable, match="no workbook at") as info:
        XlsxStore(tmp_path / "missing.xlsx").read()
    assert info.value.hint and "okr init" in info.value.hint
    assert info.value.exit_code == ExitCode.UNAVAILABLE


def test_a_directory_is_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "dir.xlsx"
    folder.mkdir()
    with pytest.raises(WorkbookUnavailable, match="is a directory"):
        XlsxStore(folder).read()


def test_a_file_that_is_not_an_xlsx_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("Type,ID\nObjective,O-1\n")
    with pytest.raises(WorkbookUnavailable, match="not a readable .xlsx workbook"):
        XlsxStore(path).read()
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(WorkbookUnavailable):
        XlsxStore(empty).read()


def test_a_zip_that_is_not_a_workbook_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("hello.txt", "not a workbook")
    with pytest.raises(WorkbookUnavailable):
        XlsxStore(path).read()


def test_a_truncated_xlsx_is_unavailable(book: Path) -> None:
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookUnavailable):
        XlsxStore(book).read()


def test_update_of_a_broken_file_is_unavailable_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 definitely not complete")
    with pytest.raises(WorkbookUnavailable):
        XlsxStore(path).update(lambda raw: [SetCells("Data", {(1, 1): "x"})])
    assert path.read_bytes() == b"PK\x03\x04 definitely not complete"
    assert _temp_files(path) == []


def test_read_only_workbook_is_refused_when_the_os_says_so(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if Path(path) == book and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr("okrsheet.stores.xlsx.store.os.access", access)
    with pytest.raises(OkrError, match="read-only; nothing was written") as info:
        XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
    assert isinstance(info.value, WorkbookUnavailable)
    assert book.read_bytes() == before
    assert _temp_files(book) == []


def test_a_workbook_without_write_permission_is_not_written(book: Path) -> None:
    """`chmod a-w okr.xlsx` means hands off, whoever runs okr (root in a container too)."""
    before = book.read_bytes()
    book.chmod(0o444)
    try:
        with pytest.raises(OkrError):
            XlsxStore(book).update(lambda raw: [SetCells("Data", {(2, 1): "x"})])
        assert book.read_bytes() == before
    finally:
        book.chmod(0o644)
    assert _temp_files(book) == []
