"""Other programs working on the same local workbook: a save by Excel, LibreOffice or a sync
client between okr's read and its write, and a workbook a person has open in one of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import okrsheet.stores.xlsx.store as xlsx_module
from okrsheet.stores.xlsx.store import XlsxStore
from tests.reliability.conftest import fingerprint


def _save_as_another_program(book: Path, text: str) -> None:
    """What Excel does on save: write the whole file anew (a new file renamed over it)."""
    workbook = load_workbook(book)
    workbook["Guide"]["A40"] = text
    scratch = book.with_name("excel-scratch.tmp")
    workbook.save(scratch)
    scratch.replace(book)


def _guide_note(book: Path) -> Any:
    return load_workbook(book)["Guide"]["A40"].value


def _sales_11(okr: Any, book: Path) -> Any:
    status = okr("status", "-f", "json", "-w", str(book)).json()
    krs = [kr for o in status["objectives"] for kr in o["key_results"]]
    return next(kr for kr in krs if kr["id"] == "SALES-1.1")["current"]


def _log_notes(okr: Any, book: Path) -> list[str]:
    history = okr("history", "SALES-1.1", "-f", "json", "-w", str(book)).json()
    return [c["note"] for c in history["checkins"]]


def test_a_save_by_another_program_between_read_and_write_is_kept_and_okr_plans_again(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    read_data = XlsxStore._read_data

    def read_then_someone_saves(self: XlsxStore, data: bytes, *rest: Any) -> Any:
        raw = read_data(self, data, *rest)
        reads.append(len(data))
        if len(reads) == 1:  # after our first read, before our write
            _save_as_another_program(example, "saved in Excel meanwhile")
        return raw

    monkeypatch.setattr(XlsxStore, "_read_data", read_then_someone_saves)
    result = okr("checkin", "SALES-1.1", "--value", "91", "--note", "ours", "-w", str(example))
    monkeypatch.undo()

    assert result.exit_code == 0, result.stderr
    assert len(reads) == 2  # planned again on the other program's file
    assert _guide_note(example) == "saved in Excel meanwhile"  # their save is kept
    assert _sales_11(okr, example) == 91  # and our check-in landed on it
    assert "ours" in _log_notes(okr, example)


def test_a_workbook_that_keeps_changing_is_refused_with_nothing_written(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_data = XlsxStore._read_data
    saves: list[str] = []

    def read_then_someone_saves(self: XlsxStore, data: bytes, *rest: Any) -> Any:
        raw = read_data(self, data, *rest)
        saves.append(f"save {len(saves)}")
        _save_as_another_program(example, saves[-1])
        return raw

    monkeypatch.setattr(XlsxStore, "_read_data", read_then_someone_saves)
    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))
    monkeypatch.undo()

    assert result.exit_code == 5, result.stderr
    assert "kept changing" in result.stderr and "nothing was written" in result.stderr
    assert len(saves) == xlsx_module.REPLANS + 1
    assert _guide_note(example) == saves[-1]  # the other program's last save stands
    assert _sales_11(okr, example) != 91


def test_a_save_that_keeps_size_and_time_stamp_is_still_seen(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the time stamp resolution of a file system (a second or two on some shares) a
    same-size save looks unchanged to stat(): the content's hash tells."""
    import os

    read_data = XlsxStore._read_data
    reads: list[int] = []

    def read_then_overwrite_in_place(self: XlsxStore, data: bytes, *rest: Any) -> Any:
        raw = read_data(self, data, *rest)
        reads.append(1)
        if len(reads) == 1:
            st = example.stat()
            edited = bytearray(data)
            edited[10] ^= 0x01  # a bit of the first member's time stamp: still a valid zip
            example.write_bytes(bytes(edited))
            os.utime(example, ns=(st.st_atime_ns, st.st_mtime_ns))
            after = example.stat()
            assert (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
        return raw

    monkeypatch.setattr(XlsxStore, "_read_data", read_then_overwrite_in_place)
    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))
    monkeypatch.undo()

    assert result.exit_code == 0, result.stderr
    assert len(reads) == 2


@pytest.mark.parametrize(
    ("lock_name", "content", "program", "person"),
    [
        (".~lock.example.xlsx#", b"Ana Lima,laptop,ana,01.12.2026 09:12,file:///x;\n",
         "LibreOffice", "Ana Lima"),
        ("~$example.xlsx", bytes([8]) + b"Tom Reed" + b" " * 45 + b"\x00" * 110, "Excel",
         "Tom Reed"),
    ],
    ids=["libreoffice", "excel"],
)  # fmt: skip
def test_a_workbook_open_in_a_spreadsheet_program_is_not_written(
    okr: Any, example: Path, lock_name: str, content: bytes, program: str, person: str
) -> None:
    (example.parent / lock_name).write_bytes(content)
    before = fingerprint(example)

    refused = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))

    assert refused.exit_code == 4, refused.stderr
    assert f"is open in {program} by {person}" in refused.stderr
    assert "nothing was written" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert fingerprint(example) == before

    forced = okr("checkin", "SALES-1.1", "--value", "91", "--force", "-w", str(example))
    assert forced.exit_code == 0, forced.stderr
    assert _sales_11(okr, example) == 91


@pytest.mark.parametrize(
    ("lock_name", "content", "program", "person"),
    [
        (".~lock.example.xlsx#", b"Ana Lima,laptop,ana,01.12.2026 09:12,file:///x;\n",
         "LibreOffice", "Ana Lima"),
        ("~$example.xlsx", bytes([8]) + b"Tom Reed" + b" " * 45 + b"\x00" * 110, "Excel",
         "Tom Reed"),
    ],
    ids=["libreoffice", "excel"],
)  # fmt: skip
def test_init_force_does_not_replace_a_workbook_open_in_a_spreadsheet_program(
    okr: Any, example: Path, lock_name: str, content: bytes, program: str, person: str
) -> None:
    lock_file = example.parent / lock_name
    lock_file.write_bytes(content)
    before = fingerprint(example)

    refused = okr("init", str(example), "--cycle", "2027-Q1", "--force")

    assert refused.exit_code == 4, refused.stderr
    assert f"is open in {program} by {person}" in refused.stderr
    assert "nothing was written" in refused.stderr and lock_name in refused.stderr
    assert "Traceback" not in refused.stderr
    assert fingerprint(example) == before
    assert [p.name for p in example.parent.iterdir() if p.name.endswith(".tmp")] == []

    lock_file.unlink()  # closed there: now --force replaces it
    assert okr("init", str(example), "--cycle", "2027-Q1", "--force").exit_code == 0
    assert fingerprint(example) != before


def test_excel_owner_file_of_a_long_name_replaces_its_first_two_characters(
    okr: Any, example: Path
) -> None:
    book = example.with_name("quarterly-okrs.xlsx")
    example.rename(book)
    book.with_name("~$arterly-okrs.xlsx").write_bytes(bytes([3]) + b"Ana" + b" " * 50)
    result = okr("grade", "--write", "-w", str(book))
    assert result.exit_code == 4, result.stderr
    assert "open in Excel by Ana" in result.stderr
