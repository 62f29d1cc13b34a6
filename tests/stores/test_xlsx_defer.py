"""Picking the rows of a long log a report needs, from the sheet's bytes (stores.xlsx.defer)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from okrsheet.stores.base import RowsWanted
from okrsheet.stores.primitives import serial
from okrsheet.stores.xlsx.defer import _below, head, pick
from okrsheet.stores.xlsx.package import Package

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DAY = date(2026, 11, 20)


def _row(number: int, first: str, kr: str = "P001-1.1") -> str:
    return (
        f'<row r="{number}">{first}<c r="B{number}" t="inlineStr"><is><t>{kr}</t></is></c>'
        f'<c r="C{number}" t="n"><v>{number}</v></c></row>'
    )


def _dated(number: int, day: date, kr: str = "P001-1.1") -> str:
    return _row(number, f'<c r="A{number}" s="5" t="n"><v>{serial(day):g}</v></c>', kr)


def _package(sheet: str, workbook: str = "<workbook/>") -> Package:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return Package(buffer.getvalue())


def _sheet(rows: list[str]) -> bytes:
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row>'
    return (
        f'<worksheet xmlns="{NS}"><dimension ref="A1:C999"/><sheetData>{header}{"".join(rows)}'
        "</sheetData></worksheet>"
    ).encode()


def _picked(
    sheet: bytes, needles: frozenset[str] = frozenset(), workbook: str = "<workbook/>"
) -> tuple[bytes, int, list[int]] | None:
    cut = head(sheet, 1)
    assert cut is not None
    wanted = RowsWanted(needles=needles, date_column=1, until=DAY)
    return pick(_package(sheet.decode(), workbook), sheet, cut[1], wanted)


def test_the_pattern_below_a_number_matches_only_smaller_ones() -> None:
    for bound in (1, 5, 10, 100, 46388, 46400, 99999):
        below = re.compile(b"(?:" + _below(bound) + rb")(?:\.\d+)?")
        for value in [*range(-3, 2 * bound + 20)]:
            for text in (str(value), f"{value}.5"):
                assert (below.fullmatch(text.encode()) is not None) == (float(text) < bound)


def test_only_the_rows_a_report_needs_are_picked_and_numbered_on() -> None:
    early = [_dated(n, date(2026, 10, 1)) for n in range(2, 40)]
    rows = [
        *early[:10],
        _dated(12, date(2026, 11, 21)),  # after the day, in the middle
        *early[11:20],
        _row(22, '<c r="A22" t="inlineStr"><is><t>11/12/2026</t></is></c>'),  # typed
        *early[21:30],
        _dated(32, date(2026, 10, 2), kr="KPI-1"),  # a needle
        *early[31:],
        _dated(40, DAY),  # on the day: left out
    ]
    picked = _picked(_sheet(rows), frozenset({"KPI-1"}))
    assert picked is not None
    trimmed, last, numbers = picked
    assert last == 1 and numbers == [12, 22, 32]
    assert b'<row r="2"><c r="A2"' in trimmed and b'<c r="B4"' in trimmed  # renumbered
    assert b"11/12/2026" in trimmed and b"KPI-1" in trimmed and b"dimension" not in trimmed
    assert trimmed.count(b"<row") == 4


def test_an_unusual_log_is_read_whole() -> None:
    early = [_dated(n, date(2026, 10, 1)) for n in range(2, 40)]
    assert _picked(_sheet(early)) is not None
    for said in ('date1904="1"', "date1904='true'", 'date1904="maybe"', "x:date1904"):
        workbook = f"<workbook><workbookPr {said}/></workbook>"
        assert _picked(_sheet(early), workbook=workbook) is None, said
    # LibreOffice says which system it uses: the 1900 one is read in part as any other.
    for said in ('date1904="false"', "date1904 = '0'"):
        workbook = f'<workbook><workbookPr backupFile="false" {said}/></workbook>'
        assert _picked(_sheet(early), workbook=workbook) is not None, said
    assert _picked(_sheet(early), frozenset({"P001 1.1"})) is None  # a needle not plain
    unnumbered = [*early, '<row><c r="A41"><v>1</v></c></row>']
    assert _picked(_sheet(unnumbered)) is None
    late = [_dated(n, date(2026, 12, 1)) for n in range(2, 40)]
    assert _picked(_sheet(late)) is None  # most rows: read them all
