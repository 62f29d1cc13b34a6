"""The bounds scan and the formula-result lookup of `stores/xlsx/bounds`, told the quick way, give
the answers of the whole-sheet scans they stand in for."""

from __future__ import annotations

import itertools

from okrsheet.stores.xlsx.bounds import (
    _WIDE,
    FormulasWithoutResults,
    _far_row,
    _scan,
    _strings_within,
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


def test_the_quick_bound_of_the_longest_shared_string_is_the_split_s() -> None:
    """Every string shorter than `most` bytes, told by a few searches when each stretch of
    the part holds a string's start, else by a split: the same answer as the split."""
    head = b'<sst xmlns="x" count="3">'
    parts = [
        head + b"".join(b"<si><t>%d</t></si>" % n for n in range(2000)) + b"</sst>",
        head + b"<si><t>short</t></si>" * 300 + b"<si><t>" + b"x" * 5000 + b"</t></si></sst>",
        head + b"<si><t>" + b"y" * 3000 + b"</t></si>" + b"<si><t>a</t></si>" * 900 + b"</sst>",
        b'<sst xmlns="x">' + b" " * 4000 + b"<si><t>late</t></si></sst>",
        head + b"</sst>",
        head + b'<si a="1"><t>' + b"z" * 2000 + b"</t></si></sst>",
    ]
    for strings, most in itertools.product(parts, (8, 600, 1100, 2100, 3100, 5100, 9000, 20000)):
        expected = max(map(len, strings.split(b"<si>"))) + 4 <= most
        assert _strings_within(strings, most) == expected, (strings[:60], most)
