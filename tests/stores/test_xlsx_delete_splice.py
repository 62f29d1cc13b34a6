"""Rows deleted from a long sheet of values (the log a rollover empties) are cut out of its
text (`_delete_splice`) with the outcome of parsing it (`_Sheet.delete_rows`): the same
cells, values, styles, row numbers and dimension; a sheet it cannot cut is parsed."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import okrsheet.stores.xlsx.patch as patching
from okrsheet.stores.base import ColumnSpec, DeleteRows, TabSpec
from okrsheet.stores.xlsx.package import Package
from okrsheet.stores.xlsx.parts import sheet_parts
from okrsheet.stores.xlsx.patch import _delete_splice, patch
from okrsheet.stores.xlsx.store import XlsxStore

LOG = "Log"
ROWS = 30


@pytest.fixture(scope="module")
def log_book(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("splice") / "log.xlsx"
    XlsxStore(path).create(
        [
            TabSpec(
                LOG,
                [
                    ColumnSpec("Date", number_format="date"),
                    ColumnSpec("KR ID"),
                    ColumnSpec("Value", number_format="number"),
                    ColumnSpec("Note"),
                ],
                rows=[
                    [date(2026, 1, 1 + n % 28), f"KR-{n}", n * 1.5, "" if n % 3 else f"<n{n}> & 1"]
                    for n in range(ROWS)
                ],
            )
        ],
        overwrite=False,
    )
    return path.read_bytes()


def _deleted(data: bytes, rows: tuple[int, ...], *, cut: bool, monkey: Any) -> bytes:
    """The log's XML after deleting `rows`, by cutting its text or by parsing it."""
    monkey.setattr(patching, "SERIALIZED_FROM", -1 if cut else 1 << 40)
    out = io.BytesIO()
    patch(Package(data), out, [DeleteRows(LOG, rows)])
    package = Package(out.getvalue())
    return package.read(sheet_parts(package)[LOG])


def _cells(xml: bytes) -> tuple[str, list[int], dict[str, tuple[str | None, str | None, str]]]:
    """The dimension, the row numbers, and each cell's style, type and value text."""
    root = etree.fromstring(xml)
    ns = {"m": root.nsmap[None]}
    dimension = root.find("m:dimension", ns)
    rows = [int(r.get("r")) for r in root.iterfind(".//m:row", ns)]
    cells = {
        c.get("r"): (c.get("s"), c.get("t"), "".join(c.itertext()))
        for c in root.iterfind(".//m:c", ns)
    }
    return ("" if dimension is None else dimension.get("ref")), rows, cells


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sets(st.integers(1, ROWS + 5), min_size=1))
def test_cutting_rows_out_gives_what_parsing_gives(
    log_book: bytes, monkeypatch: pytest.MonkeyPatch, doomed: set[int]
) -> None:
    rows = tuple(sorted(doomed))
    cut = _deleted(log_book, rows, cut=True, monkey=monkeypatch)
    parsed = _deleted(log_book, rows, cut=False, monkey=monkeypatch)
    assert _cells(cut) == _cells(parsed)
    kept = ROWS + 1 - sum(1 for r in rows if r <= ROWS + 1)
    assert len(_cells(cut)[1]) == kept


def test_the_log_a_rollover_empties_is_cut_not_parsed(
    log_book: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: Any) -> Any:
        raise AssertionError("parsed")

    monkeypatch.setattr(patching._Sheet, "delete_rows", never)
    xml = _deleted(log_book, tuple(range(2, ROWS + 2)), cut=True, monkey=monkeypatch)
    dimension, rows, cells = _cells(xml)
    assert rows == [1] and dimension == "A1:D1"
    assert [v for *_, v in cells.values()] == ["Date", "KR ID", "Value", "Note"]


@pytest.mark.parametrize(
    "marker",
    [
        b"<f>1+1</f>",
        b'<mergeCells count="1"><mergeCell ref="A3:B3"/></mergeCells>',
        b"<row>",
    ],
    ids=["formula", "merged", "unnumbered-row"],
)
def test_a_sheet_the_cut_cannot_tell_is_parsed(log_book: bytes, marker: bytes) -> None:
    package = Package(log_book)
    xml = package.read(sheet_parts(package)[LOG])
    assert _delete_splice(xml, (2,)) is not None
    assert _delete_splice(xml.replace(b"</sheetData>", marker + b"</sheetData>"), (2,)) is None
    assert _delete_splice(xml.replace(b'<row r="3"', b'<row r="99"', 1), (2,)) is None  # order
