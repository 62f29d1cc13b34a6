"""Cutting a tab whose cells lie far apart into pieces read apart (okrsheet/stores/xlsx/sparse)."""

from __future__ import annotations

from okrsheet.stores.xlsx.sparse import GAP_ROWS, pieces

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet(*rows: str) -> bytes:
    return (
        f'<worksheet xmlns="{NS}"><dimension ref="A1:B9"/><sheetData>{"".join(rows)}'
        "</sheetData></worksheet>"
    ).encode()


def _row(number: int, value: str | None = "1") -> str:
    cell = f'<c r="B{number}"><v>{value}</v></c>' if value is not None else f'<c r="B{number}"/>'
    return f'<row r="{number}">{cell}</row>'


def test_a_tab_without_a_long_empty_stretch_is_read_whole() -> None:
    assert pieces(_sheet(_row(1), _row(2))) is None
    assert pieces(_sheet(_row(1), _row(2 + GAP_ROWS))) is None  # exactly GAP_ROWS between
    assert pieces(_sheet(_row(1), _row(3 + GAP_ROWS))) is not None  # one more
    # Empty rows (styled, no value) do not count as values.
    assert pieces(_sheet(_row(1), _row(5000, None), _row(5001, None))) is None


def test_a_long_empty_stretch_cuts_the_tab_and_renumbers_what_follows() -> None:
    cut = pieces(_sheet(_row(1), _row(2), _row(300, None), _row(200_000, "7")))
    assert cut is not None
    (first_before, first), (before, second) = cut
    assert first_before == 0 and b'r="B2"' in first and b"200000" not in first
    assert before == 199_999
    assert b'<row r="1"><c r="B1"><v>7</v></c></row>' in second
    assert b"dimension" not in first + second
    assert first.endswith(b"</sheetData></worksheet>")


def test_rows_without_numbers_are_read_whole() -> None:
    xml = _sheet(_row(1), "<row><c><v>1</v></c></row>", _row(200_000))
    assert pieces(xml) is None
