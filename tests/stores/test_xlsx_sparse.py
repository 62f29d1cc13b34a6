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


def test_a_long_tab_is_cut_the_same_whether_told_fast_or_row_by_row() -> None:
    """A long log (every row filled) is told whole in a few passes; the rows without a value
    that make a long stretch are still found, and prefixed tags are looked at row by row."""
    dense = [_row(n) for n in range(1, 3 * GAP_ROWS)]
    assert pieces(_sheet(*dense)) is None
    styled = [_row(n, None) for n in range(3, 3 + GAP_ROWS + 1)]  # present, but no value
    cut = pieces(_sheet(_row(1), _row(2), *styled, _row(4 + GAP_ROWS)))
    assert cut is not None and len(cut) == 2 and cut[1][0] == 3 + GAP_ROWS
    prefixed = (
        _sheet(_row(1), _row(3 + GAP_ROWS))
        .replace(b"<row", b"<x:row")
        .replace(b"</row", b"</x:row")
        .replace(b"<c ", b"<x:c ")
        .replace(b"<v>", b"<x:v>")
        .replace(b"</v>", b"</x:v>")
    )
    assert pieces(prefixed) is not None


def test_a_log_is_told_dense_in_one_pass_as_row_by_row() -> None:
    """Rows numbered first with a value in their first cell (a check-in log) are told in one
    pass without a copy; any other row sends the tab to the row-by-row test, which agrees."""
    from okrsheet.stores.xlsx.sparse import _dense, _dense_at_once

    def told(*rows: str) -> tuple[bool | None, bool]:
        body = "".join(rows).encode()
        return _dense_at_once(body, 0, len(body)), _dense(body)

    log = [_row(n) for n in range(2, 2 * GAP_ROWS)]
    assert told(*log) == (True, True)
    gap = [_row(1), _row(3 + GAP_ROWS)]  # 1,001 row numbers missing between two values
    assert told(*gap) == (False, False)
    assert told(_row(1), _row(2 + GAP_ROWS)) == (True, True)  # exactly GAP_ROWS
    # A row whose first cell holds no value, an inline string, a row with its number later:
    empty_first = f'<row r="{3 + GAP_ROWS}"><c r="A1"/><c r="B1"><v>1</v></c></row>'
    assert told(_row(1), empty_first) == (None, False)
    inline = '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
    assert told(_row(1), inline) == (True, True)
    later = f'<row spans="1:2" r="{3 + GAP_ROWS}"><c r="B9"><v>1</v></c></row>'
    assert told(_row(1), later) == (None, False)
    prefixed = f'<x:row r="{3 + GAP_ROWS}"><x:c r="B9"><x:v>1</x:v></x:c></x:row>'
    assert told(_row(1), prefixed) == (None, False)
    assert told(_row(1), "<row><c><v>1</v></c></row>") == (None, False)  # no number
    worded = '<row r="2"><c r="A2" t="inlineStr"><is><t>growth, arrow</t></is></c></row>'
    assert told(_row(1), worded, _row(3)) == (True, True)
    colon = worded.replace("growth", "x:row")  # taken for a prefixed tag: row by row
    assert told(_row(1), colon, _row(3)) == (None, False)
    assert pieces(_sheet(*gap)) is not None and pieces(_sheet(*log)) is None
