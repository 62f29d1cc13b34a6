"""A check-in reads the workbook once: when the file's time stamps are well before the read,
its device, inode, size and time stamps settle whether another program saved it meanwhile,
with no hash and no second read of the whole file."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

import okrsheet.stores.xlsx.store as xlsx
from okrsheet.checkins import CheckInRequest, record
from okrsheet.stores import Location


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The read happens `seconds` after now (as when a workbook was last saved long ago)."""
    now = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: now + int(seconds * 1e9))


class NoHash:
    def __call__(self, data: bytes) -> Any:
        raise AssertionError("the workbook was hashed")


def test_a_settled_file_is_not_hashed(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = example.read_bytes()
    later(monkeypatch, 10)
    monkeypatch.setattr(hashlib, "sha256", NoHash())
    snapshot = xlsx._Snapshot.of(example, data)
    assert snapshot.digest is None
    assert snapshot.still(example)


def test_a_settled_file_saved_again_is_seen_even_with_its_old_time_stamp(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = example.read_bytes()
    later(monkeypatch, 10)
    snapshot = xlsx._Snapshot.of(example, data)
    st = example.stat()
    # Another program rewrites it in place, same size, and puts the old time stamp back.
    with example.open("r+b") as handle:
        handle.seek(len(data) // 2)
        handle.write(b"\0")
    os.utime(example, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert example.stat().st_size == snapshot.size
    assert example.stat().st_mtime_ns == snapshot.mtime_ns
    assert not snapshot.still(example)


def test_a_file_saved_just_before_the_read_is_hashed(example: Path) -> None:
    data = example.read_bytes()
    snapshot = xlsx._Snapshot.of(example, data)
    assert snapshot.digest is not None
    assert snapshot.still(example)


def test_a_checkin_reads_a_settled_workbook_once(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later(monkeypatch, 10)
    monkeypatch.setattr(hashlib, "sha256", NoHash())
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(self: Path) -> bytes:
        if self.name == example.name:
            reads.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    before = example.stat().st_ino, example.stat().st_mtime_ns
    [done] = record(Location(path=example), [CheckInRequest(kr_id="SALES-1.1", value=5)])
    assert done.value == 5
    assert len(reads) == 1
    assert (example.stat().st_ino, example.stat().st_mtime_ns) != before
