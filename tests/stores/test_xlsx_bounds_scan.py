"""The bounds scan and the formula-result lookup of `stores/xlsx/bounds`, told the quick way, give
the answers of the whole-sheet scans they stand in for."""

from __future__ import annotations

import itertools

from okrsheet.stores.xlsx.bounds import (
    _WIDE,
    FormulasWithoutResults,
    _far_row,
    _scan,
    formulas_without_results,
)

CELLS = [
    b'<c r="A5">',
    b'<c r="CB200000">',
    b'<c r="AB200000">',
    b'<c r="AB300000">',
    b'<c r="CA5">',
    b'<c r="ZZZ7">',
    b'<row r="250001">',
    b'<row r="199999">',
    b'<c r="AZ9"/>',
    b'<c r="BZ200001"/>',
    # The letters taken whole: four of them, three before a far row, a far row without any.
    b'<c r="ABCD5"/>',
    b'<c r="ABC250001"/>',
    b'<c r="XFD1048576"/>',
    b'<row r="2000000">',
]


def test_one_pass_finds_what_the_two_scans_find() -> None:
    for a, b in itertools.product(CELLS, repeat=2):
        xml = b"<sheetData>" + a + b + b"</sheetData>"
        assert _scan(xml) == (_far_row(xml), _WIDE.search(xml) is not None), xml


SHEETS = [
    b'<sheetData><row r="2"><c r="F2"><f>1+1</f></c><c r="F20"><f>1</f><v>2</v></c>'
    b'<c r="G2" t="str"><f>A</f><v></v></c><c r="H2"><f t="shared" si="0"/></c>'
    b'<c r="I2"><f>x</f><v>3</v></c><c r="J2"><v>4</v></c></row>'
    b'<row r="20"><c r="F20"><f>1</f></c></row></sheetData>',
    b'<x:sheetData><x:row r="2"><x:c r="F2"><x:f>1+1</x:f></x:c></x:row></x:sheetData>',
    b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>',
]


def test_a_cell_looked_up_where_it_is_answers_as_the_whole_scan() -> None:
    for xml in SHEETS:
        whole = formulas_without_results(xml)
        looked_up = FormulasWithoutResults(xml)
        for cell in itertools.product(range(1, 25), range(1, 12)):
            assert (cell in whole) == (cell in looked_up), (xml, cell)
    assert (20, 6) in FormulasWithoutResults(SHEETS[0])  # the second F20, not the first
    assert (2, 6) in FormulasWithoutResults(SHEETS[1])
