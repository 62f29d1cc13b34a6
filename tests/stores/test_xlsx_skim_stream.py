"""A check-in skims a long log piece by piece and appends to it knowing only its ends: the log's
XML is never held whole, and the file written is the same, byte for byte, as when it is."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from okrsheet.stores.base import AppendRows, Change, RawWorkbook, Skim, WriteValue
from okrsheet.stores.xlsx import package as xlsx_zip
from okrsheet.stores.xlsx import skim as xlsx_skim
from okrsheet.stores.xlsx.package import Package, Serialized, crc32_combine
from okrsheet.stores.xlsx.patch import _append_splice, _Styles, rows_span
from okrsheet.stores.xlsx.skim import (
    NEAR_END,
    LongSheet,
    has_cached_results,
    needle_patterns,
    skim_sheet,
    skim_stream,
)
from okrsheet.stores.xlsx.store import XlsxStore
from tests.stores.test_xlsx_patch import _long_book, members, rezip, to_shared_strings

PART = "xl/worksheets/sheet1.xml"
ROW = (
    b'<row r="%d"><c r="A%d" s="1" t="n"><v>46023</v></c><c r="B%d" t="inlineStr"><is>'
    b'<t>id-%d</t></is></c><c r="C%d" t="n"><v>%d</v></c></row>'
)
SHARED_ROW = (
    b'<row r="%d"><c r="A%d" s="1" t="n"><v>46023</v></c><c r="B%d" t="s"><v>%d</v></c>'
    b'<c r="C%d" t="n"><v>%d</v></c></row>'
)


def long_log(path: Path, rows: int, *, shared: bool = False) -> Path:
    """A workbook whose Log tab holds `rows` check-in-like rows under its header (written
    straight into the sheet's XML: the writer would take minutes for a long one); `shared`:
    their ids in the shared strings, as Excel saves them."""
    _long_book(path, 1)
    if shared:
        to_shared_strings(path, PART)  # When, Id, N, id-0
    xml = members(path)[PART]
    start = xml.index(b'<row r="2"')
    end = xml.index(b"</sheetData>")
    row = SHARED_ROW if shared else ROW
    body = b"".join(row % (n, n, n, n - 2 + 3 * shared, n, n - 2) for n in range(2, rows + 2))
    xml = xml[:start] + body + xml[end:]
    replaced: dict[str, bytes | None] = {
        PART: xml.replace(b'ref="A1:C2"', b'ref="A1:C%d"' % (rows + 1))
    }
    if shared:
        table = members(path)["xl/sharedStrings.xml"]
        items = b"".join(b"<si><t>id-%d</t></si>" % n for n in range(rows))
        replaced["xl/sharedStrings.xml"] = table.replace(b"<si><t>id-0</t></si>", items)
    rezip(path, replaced)
    return path


@pytest.fixture(scope="module")
def log_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return long_log(tmp_path_factory.mktemp("log") / "log.xlsx", 20_000).read_bytes()


@pytest.fixture(scope="module")
def shared_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("shared") / "log.xlsx"
    return long_log(path, 20_000, shared=True).read_bytes()


def test_crc32_combine_is_the_crc_of_the_two_together() -> None:
    for size in (0, 1, 2, 7, 8, 255, 4096, 100_003):
        first, second = os.urandom(37), os.urandom(size)
        assert crc32_combine(zlib.crc32(first), zlib.crc32(second), size) == zlib.crc32(
            first + second
        )


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("step", [1000, 65_543, 8 << 20])
def test_a_streamed_skim_is_the_skim_of_the_whole_sheet(
    log_bytes: bytes,
    shared_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
    step: int,
    shared: bool,
) -> None:
    data = shared_bytes if shared else log_bytes
    xml = Package(data).read(PART)
    needles = ["id-1234", "id-19999", "absent"] if shared else ["id-7", "id-19999", "absent"]
    patterns = needle_patterns(Package(data), needles)
    assert patterns is not None and (b"<v>1237</v>" in patterns) is shared
    monkeypatch.setattr(xlsx_skim, "STEP", step)
    package = Package(data)
    found = skim_stream(package, PART, patterns, 5)
    assert found is not None
    skimmed, sheet = found
    assert skimmed == skim_sheet(xml, patterns, 5)
    kept = 5 + 1 + 10 + 100 + 1000 + 1  # the head; id-7, 7x, 7xx, 7xxx; id-19999
    if not shared:  # (a shared string's `<v>N</v>` also matches numbers: more rows)
        assert skimmed.count(b"<row") == kept
    if step > len(xml):
        assert sheet is None  # read whole: nothing to know by its ends
        return
    assert isinstance(sheet, LongSheet)
    span = rows_span(xml)
    assert span == (sheet.start, sheet.end)
    assert sheet.head == xml[: sheet.start] and sheet.rest == xml[sheet.end :]
    assert sheet.crc == zlib.crc32(xml[sheet.start : sheet.end])
    assert sheet.near_end == xml[max(sheet.start, sheet.end - NEAR_END) : sheet.end]
    assert sheet.rows and sheet.results is has_cached_results(xml) is False
    assert b"".join(sheet.middle()) == xml[sheet.start : sheet.end]
    assert PART not in package._members  # never held whole


def test_a_short_sheet_is_skimmed_whole_and_an_odd_one_not_at_all(
    log_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = Package(log_bytes).read(PART)
    monkeypatch.setattr(xlsx_skim, "STEP", 8 << 20)
    found = skim_stream(Package(log_bytes), PART, [b"id-50"], 2)  # one piece: the whole sheet
    assert found == (skim_sheet(xml, [b"id-50"], 2), None)
    monkeypatch.setattr(xlsx_skim, "STEP", 4096)
    assert skim_stream(Package(log_bytes), PART, [b"id-50"], 30_000) is None  # all head
    for odd in (
        xml.replace(b'<row r="5000">', b"<row>"),  # a kept row without its number
        xml.replace(b'<row r="5000">', b' id-4998<row r="5000">'),  # a needle between rows
    ):
        package = Package(_rezipped(log_bytes, odd))
        assert skim_sheet(odd, [b"id-4998"], 2) is None
        assert skim_stream(package, PART, [b"id-4998"], 2) is None


def _rezipped(data: bytes, xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(buffer, "w") as out:
        for info in old.infolist():
            content = xml if info.filename == PART else old.read(info)
            out.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


class _OneWay(io.RawIOBase):
    """A target that cannot seek (a pipe)."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.written += data
        return len(data)


def test_an_append_known_by_the_ends_writes_the_bytes_of_the_whole(
    log_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_skim, "STEP", 10_000)
    rows: list[list[WriteValue]] = [[date(2026, 3, 1), "id-new", 1.5]]
    whole = Package(log_bytes)
    styles = _Styles(whole.read("xl/styles.xml"))
    expected = io.BytesIO()
    plain = _append_splice(whole.read(PART), rows, styles)
    assert plain is not None
    whole.write(expected, {PART: plain})
    package = Package(log_bytes)
    found = skim_stream(package, PART, [b"id-new"], 3)
    assert found is not None and isinstance(found[1], LongSheet)
    outlined = _append_splice(found[1], rows, _Styles(package.read("xl/styles.xml")))
    assert outlined is not None and bytes(outlined) == bytes(plain)
    for target in (io.BytesIO(), _OneWay()):
        package.write(target, {PART: outlined})  # type: ignore[arg-type]
        written = target.getvalue() if isinstance(target, io.BytesIO) else bytes(target.written)
        assert written == expected.getvalue()
    assert PART not in package._members


def _append(n: int) -> Callable[[RawWorkbook], list[Change]]:
    def plan(raw: RawWorkbook) -> list[Change]:
        log = raw.grid("Log")
        assert log is not None and log.rows[0] == ["When", "Id", "N"]
        return [AppendRows("Log", [[date(2026, 3, 1), f"id-new-{n}", float(n)]])]

    return plan


@pytest.mark.parametrize("step", [4096, 8 << 20])
def test_check_ins_on_a_streamed_log_write_what_the_whole_log_would(
    log_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    monkeypatch.setattr(xlsx_skim, "STEP", step)
    streamed, whole = tmp_path / "streamed.xlsx", tmp_path / "whole.xlsx"
    streamed.write_bytes(log_bytes)
    whole.write_bytes(log_bytes)
    inflated: list[str] = []
    original = Package._inflate

    def spy(self: Package, name: str) -> bytes | None:
        inflated.append(name)
        return original(self, name)

    monkeypatch.setattr(Package, "_inflate", spy)
    skim = Skim(frozenset({"id-new-0", "id-new-1"}), lambda head: True, 3, 0)
    # The first append deflates the rows anew (another writer made the file), the second
    # reuses them, the third follows another writer's save again.
    for n in range(3):
        if n == 2:
            rezip(whole, {})
            streamed.write_bytes(whole.read_bytes())
        inflated.clear()
        XlsxStore(streamed).update(_append(n), skim=skim)
        # A log that comes in one piece is read whole, as before.
        assert (PART in inflated) is (step > Package(log_bytes).size(PART))
        XlsxStore(whole).update(_append(n))
        assert PART in inflated
        assert streamed.read_bytes() == whole.read_bytes()
    log = XlsxStore(streamed).read().grid("Log")
    assert log is not None and len(log.rows) == 20_004
    assert [row[1] for row in log.rows[-4:]] == ["id-19999", "id-new-0", "id-new-1", "id-new-2"]
    with zipfile.ZipFile(streamed) as package:
        assert package.testzip() is None


def test_a_check_in_holds_a_small_part_of_a_long_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_skim, "STEP", 1 << 18)
    path = long_log(tmp_path / "log.xlsx", 100_000)
    size = Package(path.read_bytes()).size(PART)
    assert size > 12_000_000
    peaks = []
    for n in range(2):  # the rows deflated anew, then reused
        skim = Skim(frozenset({f"id-new-{n}"}), lambda head: True, 3, 0)
        tracemalloc.start()
        try:
            XlsxStore(path).update(_append(n), skim=skim)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert max(peaks) < size / 3, (peaks, size)
    log = XlsxStore(path).read().grid("Log")
    assert log is not None and [row[1] for row in log.rows[-2:]] == ["id-new-0", "id-new-1"]


def test_the_chunks_of_a_member_need_no_copy_of_the_rest_of_it(log_bytes: bytes) -> None:
    """What zlib leaves unconsumed comes back as a copy: fed whole, each piece of a long
    member would copy the rest of its compressed bytes."""
    package = Package(log_bytes)
    compressed = package.zip.getinfo(PART).compress_size
    tracemalloc.start()
    try:
        pieces = 0
        for _ in package.chunks(PART, 4096):
            pieces += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pieces > 100
    assert peak < compressed / 2 + 3 * 4096, (peak, compressed)
    assert xlsx_zip._CHUNK > 4096


def test_a_serialized_member_is_the_member_its_bytes_make(log_bytes: bytes) -> None:
    """A sheet's tree written as it is serialized, to a file or to a target that cannot seek,
    gives the package its bytes would."""
    package = Package(log_bytes)
    other = "xl/worksheets/sheet2.xml"
    content = package.read(other).replace(b"<v>", b"<v> ")

    def produce(sink: Any) -> None:
        for at in range(0, len(content), 7):
            sink.write(content[at : at + 7])

    expected = io.BytesIO()
    package.write(expected, {other: content})
    for target in (io.BytesIO(), _OneWay()):
        package.write(target, {other: Serialized(produce)})  # type: ignore[arg-type]
        written = target.getvalue() if isinstance(target, io.BytesIO) else bytes(target.written)
        assert written == expected.getvalue()
    assert members(io.BytesIO(expected.getvalue()))[other] == content


def test_a_hollow_package_reads_and_writes_what_it_held(log_bytes: bytes, tmp_path: Path) -> None:
    """A package that let go of the file's bytes reads them again from the file: its members,
    their pieces, and a write that copies some and changes others, as when it held them."""
    path = tmp_path / "log.xlsx"
    path.write_bytes(log_bytes)
    held = Package(log_bytes)
    hollow = Package(log_bytes)
    assert hollow.hollow(lambda: path.open("rb")) and hollow.data == b""
    assert not hollow.hollow(lambda: path.open("rb"))  # once
    assert hollow.namelist() == held.namelist()
    assert hollow.read(PART) == held.read(PART)
    assert b"".join(hollow.chunks("xl/styles.xml", 100)) == held.read("xl/styles.xml")
    assert b"".join(hollow.span(PART, 10, 100_000, 4096)) == held.read(PART)[10:100_000]
    changed = {"xl/worksheets/sheet2.xml": held.read("xl/worksheets/sheet2.xml") + b" "}
    expected, written = io.BytesIO(), io.BytesIO()
    held.write(expected, changed)
    hollow.write(written, changed)
    assert written.getvalue() == expected.getvalue()


def test_a_save_elsewhere_while_a_hollow_check_in_writes_means_a_fresh_plan(
    log_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write reads the log's deflated bytes from the file again: when another program
    saved the workbook meanwhile, the check-in is planned again on what it saved, and both
    rows are kept."""
    monkeypatch.setattr(xlsx_skim, "STEP", 4096)
    path = tmp_path / "log.xlsx"
    path.write_bytes(log_bytes)
    other = tmp_path / "other.xlsx"
    other.write_bytes(log_bytes)
    XlsxStore(other).update(_append(7))  # what the other program will have saved
    rezip(other, {})  # (as another program deflates it: nothing of ours to reuse)
    plans = []

    def plan(raw: RawWorkbook) -> list[Change]:
        plans.append(len(raw.grids))
        if len(plans) == 1:
            os.replace(other, path)  # saved elsewhere between our read and our write
        return _append(1)(raw)

    XlsxStore(path).update(plan, skim=Skim(frozenset({"id-new-1"}), lambda head: True, 3, 0))
    assert len(plans) == 2
    log = XlsxStore(path).read().grid("Log")
    assert log is not None and [row[1] for row in log.rows[-3:]] == [
        "id-19999",
        "id-new-7",
        "id-new-1",
    ]
