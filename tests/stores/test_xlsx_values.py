"""A read leaves formulas out of what the reader lexes (okrsheet/stores/xlsx/values): the
values are the same as a read of the file as it is."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from okrsheet.stores.base import Change, RawWorkbook, Skim
from okrsheet.stores.xlsx.bounds import TooLarge
from okrsheet.stores.xlsx.store import XlsxStore
from okrsheet.stores.xlsx.values import empty_tail, without_empty_tail, without_formulas

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

# Every kind of formula cell a spreadsheet program writes: a number result, a text result
# (t="str"), a shared formula and its followers, an array formula, an error, a formula with
# no result, one with an empty result, a formula whose text holds escaped `<` and quotes, and
# a cell of a prepared row holding a formula only; with plain values around them.
SHEET = f"""<worksheet xmlns="{NS}"><dimension ref="A1:F6"/><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c><c r="B1"><v>2</v></c>
<c r="C1"><f>B1*2</f><v>4</v></c><c r="D1" t="str"><f>IF(B1&lt;3,"small","big")</f><v>small</v></c>
<c r="E1" t="s"><v>0</v></c><c r="F1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>
<row r="2"><c r="A2"><f t="shared" ref="A2:A4" si="0">B2+1</f><v>8</v></c><c r="B2"><v>7</v></c>
<c r="C2"><f t="array" ref="C2">SUM(B1:B2)</f><v>9</v></c><c r="D2"><f>B2</f></c>
<c r="E2"><f>B9</f><v></v></c></row>
<row r="3"><c r="A3"><f t="shared" si="0"/><v>1</v></c><c r="F3" s="2"/></row>
<row r="4"><c r="A4"><f t="shared" si="0"/><v>1</v></c>
<c r="B4" t="str"><f>"&lt;f&gt;"</f><v>&lt;f&gt;</v></c></row>
<row r="5"><c r="C5" s="3"><f>IF($A5="","",$A5)</f><v></v></c><c r="D5" s="2" t="n"></c></row>
<row r="6"><c r="E6"><f>IF($A6="","",$A6)</f><v></v></c></row>
</sheetData><filters/></worksheet>"""


def _xlsx(path: Path, sheet: str, log: str | None = None) -> None:
    """A workbook of one tab, Sales (and, with `log`, a second one, Log, after it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        second = '<sheet name="Log" sheetId="2" r:id="rId3"/>' if log is not None else ""
        out.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="r1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        out.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
            f'<sheet name="Sales" sheetId="1" r:id="rId1"/>{second}</sheets></workbook>',
        )
        out.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>'
            "</Relationships>",
        )
        out.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>shared</t></si></sst>',
        )
        out.writestr("xl/worksheets/sheet1.xml", sheet)
        if log is not None:
            out.writestr("xl/worksheets/sheet2.xml", log)
    path.write_bytes(buffer.getvalue())


def _as_calamine_reads(path: Path) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sales")
    return [list(row) for row in rows.to_python(skip_empty_area=False)]


def test_formulas_are_cut_and_everything_else_stays() -> None:
    cut = without_formulas(SHEET.encode())
    assert cut is not None
    assert b"<f>" not in cut and b"<f " not in cut and b"</f>" not in cut
    assert b"<filters/>" in cut  # a tag that only starts with an f
    assert b'<c r="D1" t="str"><v>small</v></c>' in cut
    assert b'<c r="A3"><v>1</v></c>' in cut
    assert b'<c r="D2"></c>' in cut  # no result: an empty cell, as the reader takes it
    assert b"<v>&lt;f&gt;</v>" in cut
    assert without_formulas(b"<worksheet><sheetData/></worksheet>") is None


def test_prefixed_and_cdata_formulas_are_left_as_they_are() -> None:
    prefixed = b"<x:c r='A1'><x:f>B1</x:f><x:v>1</x:v></x:c><c r='A2'><f><![CDATA[B1]]></f></c>"
    assert without_formulas(prefixed) == prefixed


def test_a_read_gives_the_values_of_the_file_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _xlsx(path, SHEET)
    expected = _as_calamine_reads(path)
    assert expected[0][:4] == ["Name", 2.0, 4.0, "small"] and expected[3][1] == "<f>"
    raw = XlsxStore(path).read()
    (grid,) = raw.grids
    assert grid.rows == expected
    # The file itself is untouched: its formulas are still there for the writer.
    with zipfile.ZipFile(path) as book:
        assert b"<f>B1*2</f>" in book.read("xl/worksheets/sheet1.xml")


# Rows a reader takes as nothing, below the values: an okr person tab's prepared rows (an
# empty result, an empty styled cell, an empty numeric cell), a self-closing row.
EMPTY_TAIL = (
    '<row r="7"><c r="C7" s="3"><v></v></c><c r="D7" s="2" t="n"></c><c r="E7"/></row>'
    '<row r="8" spans="1:6"><c r="A8" t="s"><v></v></c></row><row r="9"/>'
)


def _with_rows(rows: str) -> str:
    return SHEET.replace("</sheetData>", rows + "</sheetData>")


def test_the_rows_a_reader_takes_as_nothing_are_cut_from_the_end_only() -> None:
    xml = _with_rows(EMPTY_TAIL).encode()
    cut = without_empty_tail(xml)
    assert cut is not None
    assert b'<row r="7"' not in cut and b'<row r="9"/>' not in cut
    assert b'<row r="6">' in cut and cut.endswith(b"</sheetData><filters/></worksheet>")
    # The empty rows above a row with a value stay (only the end is cut).
    assert (
        without_empty_tail(
            _with_rows(EMPTY_TAIL + '<row r="10"><c r="A10"><v>1</v></c></row>').encode()
        )
        is None
    )
    # An empty text result and an empty inline string are read as cells: they stay.
    for kept in ('<c r="B9" t="str"><v></v></c>', '<c r="B9" t="inlineStr"><is><t></t></is></c>'):
        rows = EMPTY_TAIL.replace('<row r="9"/>', f'<row r="9">{kept}</row>')
        tail = without_empty_tail(_with_rows(rows).encode())
        assert tail is None or kept.encode() in tail
    assert without_empty_tail(b"<worksheet/>") is None


def test_a_tab_read_without_its_empty_tail_has_the_values_of_the_file(tmp_path: Path) -> None:
    for rows in (
        EMPTY_TAIL,
        EMPTY_TAIL.replace('<row r="9"/>', '<row r="9"><c r="F9" t="str"><v></v></c></row>'),
        EMPTY_TAIL.replace('<row r="9"/>', '<row r="9"><c r="F9" t="d"><v></v></c></row>'),
    ):
        path = tmp_path / "book.xlsx"
        _xlsx(path, _with_rows(rows))
        (grid,) = XlsxStore(path).read().grids
        assert grid.rows == _as_calamine_reads(path), rows


def test_a_benchmark_workbook_reads_the_same_as_calamine_reads_the_file(tmp_path: Path) -> None:
    """A workbook okr laid out (person tabs of formulas over their rows and spare rows, the
    Dashboard, the log): every tab a report reads has the values of the file as it is, though
    the reader was given its formulas and empty end cut out."""
    from datetime import date

    from benchmarks.generate import Size, build
    from okrsheet.domain.model import Cycle
    from okrsheet.layout.writer import workbook_tabs

    cycle = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
    path = tmp_path / "bench.xlsx"
    draft = build(Size(4, 2, 3, cycle), date(2026, 11, 20))
    XlsxStore(path).create(workbook_tabs(draft), overwrite=True)
    with zipfile.ZipFile(path) as package:
        sheets = [package.read(n) for n in package.namelist() if "worksheets/sheet" in n]
    assert sum(xml.count(b"<f>") for xml in sheets) > 1000  # the cut had something to cut
    tails = [without_empty_tail(without_formulas(xml) or xml) for xml in sheets]
    assert sum(tail is not None for tail in tails) >= 4  # the person tabs' spare rows
    raw = XlsxStore(path).read()
    book = CalamineWorkbook.from_path(str(path))
    read = [g for g in raw.grids if g.rows]
    assert len(read) >= 8
    for grid in read:
        expected = book.get_sheet_by_name(grid.title).to_python(skip_empty_area=False)
        assert grid.rows == [list(row) for row in expected], grid.title


# A row as LibreOffice saves an okr person tab's prepared row: every attribute of the row
# spelt out, a result cached in each helper cell (an empty text, `t="str"`), runs of them.
LIBREOFFICE_ROW = (
    '<row r="{n}" customFormat="false" ht="15" hidden="false" customHeight="false" '
    'outlineLevel="0" collapsed="false"><c r="A{n}" s="13"/>'
    '<c r="B{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c>'
    '<c r="C{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c>'
    '<c r="D{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c>'
    '<c r="E{n}" s="0" t="str"><f aca="false">IF($A{n}="","","O-{n}")</f><v>O-{n}</v></c>'
    '<c r="F{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c>'
    '<c r="G{n}" s="0" t="n"><f aca="false">0</f><v>0</v></c>'
    '<c r="H{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c>'
    '<c r="I{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c>'
    '<c r="J{n}" s="0" t="str"><f aca="false">IF($A{n}="","",$A{n})</f><v></v></c></row>'
)
# The rows below, down to the 1000th: formatted, empty.
LIBREOFFICE_EMPTY = (
    '<row r="{n}" customFormat="false" ht="15" hidden="false" customHeight="false" '
    'outlineLevel="0" collapsed="false"><c r="A{n}" s="13"/><c r="H{n}" s="13"/></row>'
)


def _libreoffice_sheet(prepared: range, empty: range, last: str = "") -> str:
    rows = "".join(LIBREOFFICE_ROW.format(n=n) for n in prepared)
    rows += "".join(LIBREOFFICE_EMPTY.format(n=n) for n in empty)
    return _with_rows(rows + last).replace('<dimension ref="A1:F6"/>', "")


def test_a_run_of_empty_text_results_reaches_the_reader_as_its_first_cell() -> None:
    xml = LIBREOFFICE_ROW.format(n=7).encode()
    cut = without_formulas(xml)
    assert cut is not None and b"<f" not in cut
    # B to D: B stays, with D's empty result; F alone before G; H to J: H and J (the last
    # cell of the row stays, so the row reaches as far as it did); the others as they were.
    assert re.findall(rb'<c r="([A-Z]+)7"', cut) == [b"A", b"B", b"E", b"F", b"G", b"H", b"J"]
    assert b'<c r="E7" s="0" t="str"><v>O-7</v></c>' in cut
    # Not a run: a result that is not empty, a cell of another type, a prefixed tag.
    for kept in (
        '<c r="B7" t="str"><f>x</f><v>x</v></c><c r="C7" t="str"><f>x</f><v></v></c><c r="D7"/>',
        '<c r="B7" t="str"><f>x</f><v></v></c><c r="C7"><f>x</f><v></v></c><c r="D7"/>',
        '<c r="B7" t="str"><f>x</f><v></v></c><c r="C7" t="str"><f>x</f><v></v></c></row>',
    ):
        assert (
            re.findall(rb'<c r="([A-Z]+)7"', without_formulas(kept.encode()) or b"")
            == [
                b"B",
                b"C",
                b"D",
            ][: kept.count("<c ")]
        )


def test_a_tab_as_libreoffice_saves_it_reads_the_values_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _xlsx(path, _libreoffice_sheet(range(7, 30), range(30, 1001)))
    expected = _as_calamine_reads(path)
    assert len(expected) == 29 and len(expected[0]) == 10  # rows to 29, columns to J
    (grid,) = XlsxStore(path).read().grids
    assert grid.rows == expected
    xml = _libreoffice_sheet(range(7, 30), range(30, 1001)).encode()
    tail = empty_tail(without_formulas(xml) or xml)
    assert tail is not None
    assert xml.count(b"<row") == 1000 and (without_formulas(xml) or b"")[tail[0] :].startswith(
        b'<row r="30" '
    )


def test_an_empty_end_stops_at_a_row_the_bounds_must_see() -> None:
    """A row past the rows or columns the bounds let pass (or one without its number) is not
    part of the empty end: the bounds check, which scans only what the reader is given,
    still sees it."""
    below = "".join(LIBREOFFICE_EMPTY.format(n=n) for n in range(501, 1001))
    for middle in (
        '<row r="500"><c r="CA500" s="1"/></row>',
        '<row r="500" spans="1:79"><c r="A500"/><c r="CA500"/></row>',
        "<row><c/></row>",
    ):
        xml = _libreoffice_sheet(range(7, 9), range(9, 500), middle + below).encode()
        cut = without_empty_tail(without_formulas(xml) or xml)
        assert cut is not None and middle.encode() in cut and b'<row r="501"' not in cut
        assert cut.count(b"<row") == 6 + 2 + 491 + 1  # all but the end below that row
    far = '<row r="300000"><c r="A300000" s="1"/></row>'
    xml = _libreoffice_sheet(range(7, 9), range(9, 1001), far).encode()
    assert without_empty_tail(without_formulas(xml) or xml) is None  # nothing after it
    numbered = '<row r="1001" spans="1:2"><c r="A1001" s="1"/></row>'
    xml = _libreoffice_sheet(range(7, 9), range(9, 1001), numbered).encode()
    cut = without_empty_tail(without_formulas(xml) or xml)
    assert cut is not None and cut.count(b"<row") == 8


def test_a_checkin_refuses_a_tab_beyond_the_bounds_in_its_empty_end(tmp_path: Path) -> None:
    """The skimmed read of a check-in gives the reader a tab's values without its empty end,
    and still refuses the tab when that end reaches past the rows okr reads."""
    path = tmp_path / "book.xlsx"
    far = '<row r="300000"><c r="A300000" s="1"/></row>'
    log = _libreoffice_sheet(range(7, 9), range(9, 1001))  # long enough to be skimmed
    _xlsx(path, _libreoffice_sheet(range(7, 9), range(9, 1001), far), log)
    skim = Skim(frozenset({"id"}), lambda head: True, 3, 1024, titles="Log".__eq__)
    with pytest.raises(TooLarge, match=r"Sales!A300000"):
        XlsxStore(path).update(lambda raw: [], skim=skim)
    _xlsx(path, _libreoffice_sheet(range(7, 9), range(9, 1001)), log)
    seen: list[RawWorkbook] = []

    def plan(raw: RawWorkbook) -> list[Change]:
        seen.append(raw)
        return []

    XlsxStore(path).update(plan, skim=skim)
    sales, skimmed = seen[0].grids
    assert sales.rows == _as_calamine_reads(path)
    assert len(skimmed.rows) < 1000  # the log was skimmed: this went the check-in's way
