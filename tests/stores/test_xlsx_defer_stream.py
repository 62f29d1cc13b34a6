"""A long log picked from its XML as it is inflated, piece by piece (stores.xlsx.defer
`head_of`, `pick_streamed`; `Package.chunks`): the same rows as a pick from the whole XML,
wherever the pieces split it."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from datetime import date

import pytest

from okrsheet.stores.base import RowsWanted
from okrsheet.stores.primitives import serial
from okrsheet.stores.xlsx.defer import head, head_of, pick, pick_streamed
from okrsheet.stores.xlsx.package import Package

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DAY = date(2026, 11, 20)
PART = "xl/worksheets/sheet1.xml"


def _row(number: int, day: date, kr: str = "P001-1.1") -> str:
    return (
        f'<row r="{number}"><c r="A{number}" s="5" t="n"><v>{serial(day):g}</v></c>'
        f'<c r="B{number}" t="inlineStr"><is><t>{kr}</t></is></c>'
        f'<c r="C{number}" t="n"><v>{number}</v></c></row>'
    )


def _sheet() -> bytes:
    """A log of two head rows and 60 more: a few after the day, one with a needle, one typed
    as text, the others on or before the day; and what a sheet has after its rows."""
    rows = [
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row>',
        _row(2, date(2026, 9, 1)),
    ]
    for number in range(3, 63):
        if number in (17, 40, 61):
            rows.append(_row(number, date(2026, 11, 21 + number % 3)))  # after the day
        elif number == 29:
            rows.append(_row(number, date(2026, 10, 2), kr="KPI-1"))  # a needle
        elif number == 50:
            rows.append('<row r="50"><c r="A50" t="inlineStr"><is><t>11/12/2026</t></is></c></row>')
        else:
            rows.append(_row(number, date(2026, 10, 1 + number % 20)))
    return (
        f'<worksheet xmlns="{NS}"><dimension ref="A1:C62"/><sheetData>{"".join(rows)}'
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"/>'
        "</worksheet>"
    ).encode()


SHEET = _sheet()
WANTED = RowsWanted(needles=frozenset({"KPI-1"}), date_column=1, until=DAY)


def _package(sheet: bytes) -> Package:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr(PART, sheet)
    return Package(buffer.getvalue())


def _split(data: bytes, size: int, offset: int = 0) -> Iterator[bytes]:
    """`data` in pieces of `size` bytes, the first `offset` bytes shorter."""
    if offset:
        yield data[:offset]
    for at in range(offset, len(data), size):
        yield data[at : at + size]


def test_a_streamed_pick_equals_the_whole_pick_wherever_the_pieces_split_rows() -> None:
    package = _package(SHEET)
    cut = head(SHEET, 2)
    assert cut is not None
    whole = pick(package, SHEET, cut[1], WANTED)
    assert whole is not None
    _, last, numbers = whole
    assert last == 2 and numbers == [17, 29, 40, 50, 61]
    for size in (1, 2, 7, 31, 64, 100, 257, 1000, len(SHEET)):
        for offset in range(0, min(size, 80), 3):
            streamed = pick_streamed(package, _split(SHEET, size, offset), cut[1], WANTED)
            assert streamed == whole, (size, offset)


def test_the_head_is_read_from_as_few_pieces_as_it_takes() -> None:
    cut = head(SHEET, 2)
    assert cut is not None
    taken: list[bytes] = []

    def pieces() -> Iterator[bytes]:
        for piece in _split(SHEET, 64):
            taken.append(piece)
            yield piece

    found = head_of(pieces(), 2)
    assert found is not None
    assert found[1] == cut[1]
    assert found[0] == SHEET[: cut[1]].replace(b'<dimension ref="A1:C62"/>', b"") + (
        b"</sheetData></worksheet>"
    )
    assert len(taken) * 64 < len(SHEET) // 4  # the rest of the log was never inflated
    for size in (1, 5, 33, len(SHEET)):
        again = head_of(_split(SHEET, size), 2)
        assert again is not None and again[1] == cut[1]
    short = SHEET[: SHEET.index(b'<row r="3"')] + b"</sheetData></worksheet>"
    assert head_of(_split(short, 10), 2) is None  # no rows after the head: read whole
    assert head_of(_split(short, 10), 1) == head(short, 1)


def test_a_streamed_pick_of_an_unusual_log_reads_it_whole() -> None:
    cut = head(SHEET, 2)
    assert cut is not None
    unnumbered = SHEET.replace(b'<row r="30">', b"<row>")
    prefixed = SHEET.replace(b'<row r="30">', b'<x:row r="30">')
    truncated = SHEET[: SHEET.index(b"</sheetData>")]
    for sheet in (unnumbered, prefixed, truncated):
        assert pick_streamed(_package(sheet), _split(sheet, 50), cut[1], WANTED) is None
    late = re.sub(rb'(<c r="A\d+" s="5" t="n"><v>)\d+', rb"\g<1>99999", SHEET)
    assert pick_streamed(_package(late), _split(late, 50), cut[1], WANTED) is None  # most rows


def test_a_member_in_pieces_is_its_content_checked_as_a_read_checks_it() -> None:
    package = _package(SHEET)
    pieces = list(package.chunks(PART, 100))
    assert len(pieces) > 3 and max(map(len, pieces)) <= 100
    assert b"".join(pieces) == SHEET == package.read(PART)

    data = bytearray(_package(SHEET).data)
    at = data.rfind(b"PK\x01\x02")  # the sheet's central record: a wrong CRC
    struct.pack_into("<L", data, at + 16, 0)
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        b"".join(Package(bytes(data)).chunks(PART, 100))

    data = bytearray(_package(SHEET).data)
    struct.pack_into("<L", data, at + 24, 10)  # declared to unpack to 10 bytes
    with pytest.raises(zipfile.BadZipFile, match="past its declared"):
        b"".join(Package(bytes(data)).chunks(PART, 100))


def test_page_breaks_after_the_rows_are_not_taken_for_rows_wherever_the_pieces_split() -> None:
    """The end of the rows is looked for after each piece's last row only: a `<rowBreaks>`
    after them (which starts like a row) is still told apart, in every split."""
    sheet = SHEET.replace(
        b"</sheetData>",
        b'</sheetData><rowBreaks count="1" manualBreakCount="1">'
        b'<brk id="20" max="16383" man="1"/></rowBreaks>',
    )
    package = _package(sheet)
    cut = head(sheet, 2)
    assert cut is not None
    whole = pick(package, sheet, cut[1], WANTED)
    assert whole is not None and whole[2] == [17, 29, 40, 50, 61]
    assert whole[0].endswith(b"</rowBreaks><pageMargins" + sheet.split(b"<pageMargins")[1])
    for size in (1, 3, 11, 12, 13, 64, 257, len(sheet)):
        for offset in range(0, min(size, 40), 5):
            streamed = pick_streamed(package, _split(sheet, size, offset), cut[1], WANTED)
            assert streamed == whole, (size, offset)


def test_a_member_is_inflated_a_slice_at_a_time_and_a_cut_stream_is_refused() -> None:
    """The compressed bytes are fed in slices: a long member comes in pieces of about a
    slice's worth of XML (not one piece of `step`), the same bytes; a stream cut short is
    refused, wherever the cut falls."""
    rows = "".join(_row(n, date(2026, 10, 1 + n % 20)) for n in range(2, 40_000))
    sheet = SHEET.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
    package = _package(sheet)
    pieces = list(package.chunks(PART))
    assert len(pieces) > 3 and b"".join(pieces) == sheet

    data = bytearray(package.data)
    at = data.rfind(b"PK\x01\x02")
    compressed = struct.unpack_from("<L", data, at + 20)[0]
    start = data.index(PART.encode()) - 30  # the local header: 30 bytes, then the name
    assert data[start : start + 4] == b"PK\x03\x04"
    body = start + 30 + len(PART)  # the member's data, after its local header (no extra)
    for keep in (10, compressed // 2, compressed - 4):
        cut = (
            bytes(data[: body + keep]) + bytes(compressed - keep) + bytes(data[body + compressed :])
        )
        with pytest.raises(zipfile.BadZipFile):
            b"".join(Package(cut).chunks(PART))
        short = bytearray(data)  # the directory says the stream is shorter: it ends early
        struct.pack_into("<L", short, at + 20, keep)
        with pytest.raises(zipfile.BadZipFile, match="ends early"):
            b"".join(Package(bytes(short)).chunks(PART))


def test_rows_are_told_from_text_that_spells_row_and_prefixed_tags_read_whole() -> None:
    """The scan looks for `row` and tells a row's tag from the text around it: words in the
    cells (growth, arrow, x:rowing) change nothing; a prefixed row tag reads every row."""
    cut = head(SHEET, 2)
    assert cut is not None
    plain = pick(_package(SHEET), SHEET, cut[1], WANTED)
    assert plain is not None
    worded = SHEET.replace(b"<t>P001-1.1</t>", b"<t>growth, arrow; x:rowing row r=</t>")
    found = pick_streamed(_package(worded), _split(worded, 97), cut[1], WANTED)
    assert found is not None and found[1:] == plain[1:]
    for tag in (b'<x:row r="33">', b'<ns0:row r="33" spans="1:3">'):
        prefixed = SHEET.replace(b'<row r="33">', tag)
        assert pick_streamed(_package(prefixed), _split(prefixed, 97), cut[1], WANTED) is None
    closing = SHEET.replace(b'</row><row r="34">', b'</x:row><row r="34">')  # a closing tag
    assert pick_streamed(_package(closing), _split(closing, 97), cut[1], WANTED) is None
