"""A long sheet is inflated into a buffer of its own size: one copy of the log, not two."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest

from okrsheet.stores.xlsx.package import Package


def package(member: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        out.writestr("[Content_Types].xml", b"<Types/>")
        out.writestr("xl/worksheets/sheet1.xml", member)
    return buffer.getvalue()


def test_a_long_member_is_inflated_without_a_second_copy() -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 200_000)
    )
    member = rows + os.urandom(1 << 20)  # some of it does not compress
    data = package(member)
    found = Package(data)
    tracemalloc.start()
    try:
        read = found.read("xl/worksheets/sheet1.xml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == member
    assert peak < len(member) * 1.2, (peak, len(member))
    assert found.read("xl/worksheets/sheet1.xml") is read  # once


def test_a_cut_stream_is_a_bad_zip() -> None:
    member = os.urandom(1 << 16)
    data = bytearray(package(member))
    found = Package(bytes(data))
    entry = found._by_name["xl/worksheets/sheet1.xml"]
    start = entry.data.start
    assert start is not None
    # The deflated bytes end early: zeroes where the last of them were.
    cut = entry.data.stop - 64
    data[cut : entry.data.stop] = bytes(entry.data.stop - cut)
    with pytest.raises(zipfile.BadZipFile):
        Package(bytes(data)).read("xl/worksheets/sheet1.xml")
