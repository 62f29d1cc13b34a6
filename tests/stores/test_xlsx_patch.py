"""The XML patcher behind check-ins and grades: what it rewrites, what it copies untouched, and
when it gives up so the openpyxl fallback runs instead."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from okrsheet.layout.cells import date_to_serial
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    Change,
    ColumnSpec,
    DeleteRows,
    Formula,
    Grid,
    RawWorkbook,
    SetCells,
    Skim,
    TabSpec,
    WriteValue,
)
from okrsheet.stores.primitives import column_letter, serial
from okrsheet.stores.xlsx import package as xlsx_zip
from okrsheet.stores.xlsx.package import _entries
from okrsheet.stores.xlsx.patch import (
    CALC_CHAIN_TYPE,
    NS,
    Package,
    Unpatchable,
    _append_splice,
    _Styles,
    column_index,
    patch,
)
from okrsheet.stores.xlsx.skim import SHARED_STRINGS_TYPE, needle_patterns, skim_sheet
from okrsheet.stores.xlsx.store import XlsxStore

Q = f"{{{NS}}}"
DATA = "xl/worksheets/sheet1.xml"
OTHER = "xl/worksheets/sheet2.xml"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    XlsxStore(path).create(
        [
            TabSpec(
                "Data",
                [
                    ColumnSpec("Name"),
                    ColumnSpec("N", number_format="number"),
                    ColumnSpec("When", number_format="date"),
                    ColumnSpec("Double"),
                ],
                rows=[
                    ["alpha", 3, date(2026, 1, 2), Formula("=B2*2")],
                    ["beta", 4, date(2026, 1, 3), Formula("=B3*2")],
                ],
            ),
            TabSpec(
                "Other",
                [ColumnSpec("X"), ColumnSpec("Y")],
                rows=[["keep", Formula("=1+2")]],
            ),
        ],
        overwrite=False,
    )
    return path


def members(path: Path | io.BytesIO) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def rezip(path: Path, replace: dict[str, bytes | None]) -> None:
    """Rewrite the package with some members replaced (None removes, new names are added)."""
    old = members(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in old.items():
            if name in replace:
                new = replace[name]
                if new is not None:
                    out.writestr(name, new)
            else:
                out.writestr(name, data)
        for name, added in replace.items():
            if name not in old and added is not None:
                out.writestr(name, added)


def run_patch(path: Path, changes: list[Any]) -> Path:
    buffer = io.BytesIO()
    patch(str(path), buffer, changes)
    out = path.with_name("patched.xlsx")
    out.write_bytes(buffer.getvalue())
    return out


def with_cached_values(path: Path) -> None:
    """Give every formula a cached result, as Excel would have saved it."""
    old = members(path)
    rezip(
        path,
        {
            part: re.sub(rb"(<f>[^<]*</f>)<v>\s*</v>", rb"\1<v>99</v>", old[part])
            for part in (DATA, OTHER)
        },
    )
    assert b"<v>99</v>" in members(path)[DATA]


def cell_xml(xml: bytes, ref: str) -> Any:
    root = etree.fromstring(xml)
    found = root.find(f".//{Q}c[@r='{ref}']")
    assert found is not None, ref
    return found


# Formulas and recalculation -------------------------------------------------------------------


def test_cached_formula_results_are_dropped_where_the_change_reaches_only(book: Path) -> None:
    with_cached_values(book)
    out = run_patch(book, [SetCells("Data", {(2, 2): 10})])
    after = members(out)
    changed, untouched = cell_xml(after[DATA], "D2"), cell_xml(after[DATA], "D3")
    assert changed.find(f"{Q}f") is not None and changed.find(f"{Q}v") is None  # =B2*2
    assert untouched.find(f"{Q}f") is not None  # =B3*2: B3 was not written, its result stands
    assert untouched.findtext(f"{Q}v") == "99"
    # The untouched sheet keeps its cached result: it is copied as it was.
    assert after[OTHER] == members(book)[OTHER]
    assert b"<v>99</v>" in after[OTHER]
    # openpyxl still sees the formulas.
    sheet = openpyxl.load_workbook(out)["Data"]
    assert sheet["D2"].value == "=B2*2"
    assert sheet["B2"].value == 10


def _formula_cells(book: Path, formulas: dict[str, str]) -> None:
    """Formulas with cached results in column E of Data, as a spreadsheet program saves them."""
    xml = members(book)[DATA]
    for ref, text in formulas.items():
        row = re.sub(r"^[A-Z]+", "", ref)
        escaped = text.replace("&", "&amp;").replace("<", "&lt;")
        cell = f'<c r="{ref}"><f>{escaped}</f><v>7</v></c>'.encode()
        xml = re.sub(rf'(<row [^>]*r="{row}"[^>]*>.*?)(</row>)'.encode(), rb"\1" + cell + rb"\2",
                     xml, count=1, flags=re.S)  # fmt: skip
    rezip(book, {DATA: xml})


@pytest.mark.parametrize(
    ("formula", "kept"),
    [
        ("0.8+0.05", True),  # no input at all
        ('Other!A1&"x"', True),  # another tab, which okr did not write
        ("B3*2", True),  # a cell of the same tab that okr did not write
        ("B2*2", False),  # the cell okr wrote
        ("SUM(B:B)", False),  # a column holding it
        ("SUM(2:2)", False),  # a row holding it
        ("D2+1", False),  # a formula whose result is now stale
        ("TODAY()", False),  # changes by itself
        ('INDIRECT("B"&3)', False),  # its inputs cannot be told
        ("Target_Q4*2", False),  # a defined name: its cells cannot be told
        ('"B2"&B3', True),  # B2 in a string is text, not a cell
        ("LOG10(B3)", True),  # LOG10 is a function, not column LOG row 10
    ],
)
def test_a_formula_keeps_its_cached_result_unless_the_change_may_reach_it(
    book: Path, formula: str, kept: bool
) -> None:
    with_cached_values(book)
    _formula_cells(book, {"E3": formula})
    out = run_patch(book, [SetCells("Data", {(2, 2): 10})])

    cell = cell_xml(members(out)[DATA], "E3")
    assert cell.find(f"{Q}f") is not None
    assert (cell.findtext(f"{Q}v") == "7") is kept, formula


def test_an_append_reaches_formulas_over_the_rows_it_lands_on(book: Path) -> None:
    with_cached_values(book)
    _formula_cells(book, {"E2": "COUNTA(A:A)", "E3": 'A2&"!"'})
    out = run_patch(book, [AppendRows("Data", [["gamma", 5]])])

    xml = members(out)[DATA]
    assert cell_xml(xml, "E2").find(f"{Q}v") is None  # counts the new row
    assert cell_xml(xml, "E3").findtext(f"{Q}v") == "7"  # A2 is where it was


def test_full_calc_on_load_is_set(book: Path) -> None:
    workbook = members(book)["xl/workbook.xml"]
    rezip(book, {"xl/workbook.xml": workbook.replace(b' fullCalcOnLoad="1"', b"")})
    assert b"fullCalcOnLoad" not in members(book)["xl/workbook.xml"]
    out = run_patch(book, [SetCells("Data", {(2, 1): "x"})])
    root = etree.fromstring(members(out)["xl/workbook.xml"])
    calc = root.find(f"{Q}calcPr")
    assert calc is not None
    assert calc.get("fullCalcOnLoad") == "1"
    assert calc.get("calcId") == "124519"  # the rest of calcPr is kept


def test_missing_calc_pr_is_added_in_schema_order(book: Path) -> None:
    workbook = members(book)["xl/workbook.xml"]
    workbook = re.sub(rb"<calcPr[^>]*/>", b"", workbook)
    workbook = workbook.replace(
        b"</workbook>", b'<fileRecoveryPr repairLoad="1"/><extLst/></workbook>'
    )
    rezip(book, {"xl/workbook.xml": workbook})
    out = run_patch(book, [SetCells("Data", {(2, 1): "x"})])
    root = etree.fromstring(members(out)["xl/workbook.xml"])
    tags = [etree.QName(child).localname for child in root]
    assert tags.count("calcPr") == 1
    assert root.find(f"{Q}calcPr").get("fullCalcOnLoad") == "1"
    assert tags.index("definedNames") < tags.index("calcPr") < tags.index("fileRecoveryPr")
    assert tags[-1] == "extLst"


def test_calc_chain_is_removed_with_its_references(book: Path) -> None:
    old = members(book)
    rels = old["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Type="{CALC_CHAIN_TYPE}" Target="calcChain.xml" Id="rId99"/>'.encode()
        + b"</Relationships>",
    )
    types = old["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    chain = f'<calcChain xmlns="{NS}"><c r="D2" i="1"/><c r="D3"/></calcChain>'.encode()
    rezip(
        book,
        {
            "xl/_rels/workbook.xml.rels": rels,
            "[Content_Types].xml": types,
            "xl/calcChain.xml": chain,
        },
    )
    out = run_patch(book, [SetCells("Data", {(2, 2): 1})])
    after = members(out)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in after["[Content_Types].xml"]
    # The other relationships and content types are still there.
    assert after["xl/_rels/workbook.xml.rels"].count(b"<Relationship ") == 4
    assert b'PartName="/xl/worksheets/sheet2.xml"' in after["[Content_Types].xml"]
    assert openpyxl.load_workbook(out)["Data"]["B2"].value == 1
    assert XlsxStore(out).read().grids[0].rows[1][1] == 1.0


# Everything else is copied ----------------------------------------------------------------------


def test_other_parts_are_copied_byte_for_byte_in_order(book: Path) -> None:
    before = members(book)
    out = run_patch(book, [SetCells("Data", {(2, 1): "changed"})])
    after = members(out)
    assert list(after) == list(before)
    rewritten = {name for name in before if after[name] != before[name]}
    assert rewritten == {DATA, "xl/workbook.xml"}
    with zipfile.ZipFile(book) as old, zipfile.ZipFile(out) as new:
        for a, b in zip(old.infolist(), new.infolist(), strict=True):
            assert (a.filename, a.date_time) == (b.filename, b.date_time)


def test_a_date_reuses_a_date_style_or_adds_one(book: Path, tmp_path: Path) -> None:
    before = members(book)
    # The workbook has a date style already (column C uses it): styles.xml stays as it is,
    # even for a date in General column A.
    out = run_patch(book, [SetCells("Data", {(2, 3): date(2026, 3, 1), (2, 1): date(2026, 3, 2)})])
    assert members(out)["xl/styles.xml"] == before["xl/styles.xml"]
    sheet = openpyxl.load_workbook(out)["Data"]
    assert sheet["A2"].is_date and sheet["A2"].value == datetime(2026, 3, 2)

    # A workbook without any date style gets one, added once for all the dates written.
    plain = tmp_path / "plain.xlsx"
    XlsxStore(plain).create([TabSpec("T", [ColumnSpec("A"), ColumnSpec("B")])], overwrite=False)
    styles_before = etree.fromstring(members(plain)["xl/styles.xml"])
    out = run_patch(
        plain,
        [SetCells("T", {(2, 1): date(2026, 3, 1), (2, 2): date(2026, 3, 2), (3, 1): 5})],
    )
    styles_after = etree.fromstring(members(out)["xl/styles.xml"])
    formats = {f.get("formatCode") for f in styles_after.iter(f"{Q}numFmt")}
    assert "yyyy-mm-dd" in formats
    xfs_before = len(styles_before.find(f"{Q}cellXfs"))
    xfs = styles_after.find(f"{Q}cellXfs")
    assert len(xfs) == xfs_before + 1
    assert xfs.get("count") == str(len(xfs))
    sheet = openpyxl.load_workbook(out)["T"]
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2026, 3, 2)
    assert not sheet["A3"].is_date
    assert XlsxStore(out).read().grids[0].rows[1] == [date(2026, 3, 1), date(2026, 3, 2)]


def test_the_patched_sheet_keeps_its_other_content(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    workbook["Data"]["F2"] = "my own column"
    workbook["Data"].column_dimensions["F"].width = 41
    workbook["Data"].merge_cells("F5:G5")
    workbook.save(book)
    out = run_patch(book, [SetCells("Data", {(3, 2): 8}), AppendRows("Data", [["gamma", 5]])])
    sheet = openpyxl.load_workbook(out)["Data"]
    assert sheet["F2"].value == "my own column"
    assert sheet.column_dimensions["F"].width == 41
    assert "F5:G5" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["B3"].value == 8
    assert [sheet["A4"].value, sheet["B4"].value] == ["gamma", 5]
    assert sheet.data_validations is not None
    assert sheet.freeze_panes == "A2"


# Cell and row placement -------------------------------------------------------------------------


def test_new_cells_and_rows_are_placed_in_order(book: Path) -> None:
    out = run_patch(
        book, [SetCells("Data", {(2, 6): "F", (2, 5): "E", (1, 27): "AA", (6, 1): "six"})]
    )
    root = etree.fromstring(members(out)[DATA])
    rows = [int(r.get("r")) for r in root.iter(f"{Q}row")]
    assert rows == sorted(rows)
    row2 = root.find(f".//{Q}row[@r='2']")
    refs = [c.get("r") for c in row2.iter(f"{Q}c")]
    assert refs == ["A2", "B2", "C2", "D2", "E2", "F2"]
    row1 = root.find(f".//{Q}row[@r='1']")
    assert [c.get("r") for c in row1.iter(f"{Q}c")][-1] == "AA1"
    assert root.find(f"{Q}dimension").get("ref") == "A1:AA6"
    sheet = openpyxl.load_workbook(out)["Data"]
    assert (sheet["AA1"].value, sheet["A6"].value) == ("AA", "six")


def test_new_cells_take_their_column_style(book: Path) -> None:
    out = run_patch(book, [SetCells("Data", {(9, 2): 1234.5})])
    sheet = openpyxl.load_workbook(out)["Data"]
    assert sheet["B9"].number_format == "#,##0.##"


def test_overwriting_changes_the_cell_type_and_none_clears(book: Path) -> None:
    out = run_patch(
        book,
        [SetCells("Data", {(2, 1): 5, (2, 2): "five", (2, 4): 7, (3, 1): None, (3, 2): False})],
    )
    sheet = openpyxl.load_workbook(out)["Data"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == (5, "n")
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("five", "s")
    assert (sheet["D2"].value, sheet["D2"].data_type) == (7, "n")  # formula replaced
    assert sheet["A3"].value is None
    assert (sheet["B3"].value, sheet["B3"].data_type) == (False, "b")
    # Clearing keeps the cell's style.
    assert cell_xml(members(out)[DATA], "A3").get("s") == cell_xml(members(book)[DATA], "A3").get(
        "s"
    )


def _texts_in_row_4(book: Path, texts: list[str], append: bool) -> Path:
    change: Any = (
        AppendRows("Data", [list[WriteValue](texts)])
        if append
        else SetCells("Data", {(4, col): text for col, text in enumerate(texts, start=1)})
    )
    out = run_patch(book, [change])
    assert XlsxStore(out).read().grids[0].rows[3][: len(texts)] == texts
    return out


@pytest.mark.parametrize("append", [False, True])
def test_text_is_escaped_and_spacing_kept(book: Path, append: bool) -> None:
    texts = ["a < b & c > d", "  padded  ", "two\nlines", "quote \" and apostrophe '"]
    out = _texts_in_row_4(book, texts, append)
    sheet = openpyxl.load_workbook(out)["Data"]
    assert [sheet.cell(4, col).value for col in range(1, 5)] == texts


def test_control_characters_do_not_break_the_xml(book: Path) -> None:
    out = run_patch(book, [SetCells("Data", {(2, 1): "bell\x07here"})])
    xml = members(out)[DATA]
    etree.fromstring(xml)  # well-formed
    assert b"_x0007_" in xml
    openpyxl.load_workbook(out)
    assert XlsxStore(out).read().grids[0].rows[1][0] == "bell\x07here"


@pytest.mark.parametrize("append", [False, True])
def test_text_that_looks_like_an_escape_reads_back_as_typed(book: Path, append: bool) -> None:
    # `_xHHHH_` is itself an escape in .xlsx text: a literal one must not read back as "A".
    _texts_in_row_4(book, ["code _x0041_", "_x005F_", "_x00", "bell\x07_x0007_"], append)


# The fast append path ---------------------------------------------------------------------------


def test_fast_append_matches_the_parsed_append(book: Path) -> None:
    rows: list[list[WriteValue]] = [
        [date(2026, 2, 1), 6, date(2026, 2, 2), "x"],
        ["last", None, None, 1.5],
    ]
    styles = _Styles(members(book)["xl/styles.xml"])
    # Column C has a date style to borrow, so dates in it take the fast path; column A does
    # not, so a date there sends the change to the parser.
    assert _append_splice(members(book)[DATA], rows, styles) is None
    fast_rows: list[list[WriteValue]] = [
        ["gamma", 6, date(2026, 2, 2), "x"],
        ["last", None, None, 1.5],
    ]
    splice = _append_splice(members(book)[DATA], fast_rows, styles)
    fast = None if splice is None else bytes(splice)
    assert fast is not None
    assert b'<dimension ref="A1:D5"/>' in fast

    out = run_patch(book, [AppendRows("Data", fast_rows)])
    assert members(out)[DATA] == fast
    assert XlsxStore(out).read().grids[0].rows[3:] == [
        ["gamma", 6.0, date(2026, 2, 2), "x"],
        ["last", "", "", 1.5],
    ]

    out = run_patch(book, [AppendRows("Data", rows)])
    assert XlsxStore(out).read().grids[0].rows[3:] == [
        [date(2026, 2, 1), 6.0, date(2026, 2, 2), "x"],
        ["last", "", "", 1.5],
    ]


def test_fast_append_declines_prefixed_sheets_and_the_parser_copes(book: Path) -> None:
    xml = members(book)[OTHER]
    prefixed = re.sub(rb"<(/?)(?!\?)", rb"<\1x:", xml).replace(
        f'xmlns="{NS}"'.encode(), f'xmlns:x="{NS}"'.encode()
    )
    etree.fromstring(prefixed)
    rezip(book, {OTHER: prefixed})
    styles = _Styles(members(book)["xl/styles.xml"])
    assert _append_splice(prefixed, [["y", 2]], styles) is None
    out = run_patch(book, [AppendRows("Other", [["y", 2]])])
    assert XlsxStore(out).read().grid("Other").rows == [["X", "Y"], ["keep", ""], ["y", 2.0]]  # type: ignore[union-attr]


def test_fast_append_to_an_empty_sheet_starts_at_row_one(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    XlsxStore(path).create([TabSpec("Log", [], header=False)], overwrite=False)
    out = run_patch(path, [AppendRows("Log", [["first", 1]])])
    assert XlsxStore(out).read().grids[0].rows == [["first", 1.0]]


# Unpatchable and the fallback -------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        # A plain tab at the end is patched in (tests/stores/test_xlsx_newtab.py); not one
        # placed before another, or holding formulas.
        AddTab(TabSpec("New", [ColumnSpec("A")]), before="Data"),
        AddTab(TabSpec("New", [ColumnSpec("A")], rows=[[Formula("=1+1")]])),
    ],
)
def test_changes_it_does_not_handle_are_unpatchable(book: Path, change: Any) -> None:
    with pytest.raises(Unpatchable):
        patch(str(book), io.BytesIO(), [SetCells("Data", {(2, 1): "x"}), change])


def test_deleted_rows_go_and_the_rows_below_move_up_with_their_cells(book: Path) -> None:
    """`okr rollover` deletes rows by patching (every other part of the file stays): the
    rows below move up with their cells, styles and formulas' text, as in a spreadsheet
    program, and cells set after the deletion land on the rows as they are then."""
    store = XlsxStore(book)
    store.update(lambda raw: [AppendRows("Data", [["gamma", 5], ["delta", 6]])])
    before = etree.fromstring(members(book)[DATA])
    style = cell_xml(members(book)[DATA], "C3").get("s")

    out = run_patch(book, [DeleteRows("Data", (2, 4)), SetCells("Data", {(3, 1): "set"})])

    rows = XlsxStore(out).read().grids[0].rows
    assert [r[0] for r in rows] == ["Name", "beta", "set"]
    assert rows[1][1:3] == [4, date(2026, 1, 3)]
    moved = cell_xml(members(out)[DATA], "C2")
    assert moved.get("s") == style  # the date's style came up with it
    formula = cell_xml(members(out)[DATA], "D2").find(f"{Q}f")
    assert formula is not None and formula.text == "B3*2"  # as openpyxl leaves it
    root = etree.fromstring(members(out)[DATA])
    numbers = [int(r.get("r")) for r in root.iter(f"{Q}row")]
    assert numbers == sorted(set(numbers)) and max(numbers) == 3
    assert len(list(root.iter(f"{Q}row"))) == len(list(before.iter(f"{Q}row"))) - 2
    assert root.find(f"{Q}dimension").get("ref").endswith("3")


def test_deleting_rows_above_merged_cells_is_unpatchable(book: Path) -> None:
    xml = members(book)[DATA].replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A3:B3"/></mergeCells>'
    )
    rezip(book, {DATA: xml})
    with pytest.raises(Unpatchable):
        patch(str(book), io.BytesIO(), [DeleteRows("Data", (2,))])
    patch(str(book), io.BytesIO(), [DeleteRows("Data", (4,))])  # below them: nothing moves


def test_an_unknown_tab_is_unpatchable(book: Path) -> None:
    with pytest.raises(Unpatchable):
        patch(str(book), io.BytesIO(), [SetCells("Nowhere", {(1, 1): "x"})])


def test_rows_and_cells_without_numbers_are_patched_where_they_are(book: Path) -> None:
    """`r` is optional: a row without one follows the row before it, a cell the cell before
    it. The patcher counts them as a reader does, instead of rewriting the whole file."""
    xml = members(book)[DATA]
    unnumbered = re.sub(rb'(<row\b[^>]*?) r="\d+"', rb"\1", xml)
    unnumbered = re.sub(rb'(<c\b[^>]*?) r="[A-Z]+\d+"', rb"\1", unnumbered)
    assert b' r="' not in unnumbered.split(b"<sheetData", 1)[1]
    rezip(book, {DATA: unnumbered})
    out = io.BytesIO()
    patch(str(book), out, [SetCells("Data", {(2, 1): "patched", (3, 5): "new"})])
    book.write_bytes(out.getvalue())
    XlsxStore(book).update(lambda raw: [AppendRows("Data", [["appended", 9]])])
    rows = XlsxStore(book).read().grids[0].rows
    assert rows[1][0] == "patched"
    assert rows[2][:3] == ["beta", 4.0, date(2026, 1, 3)] and rows[2][4] == "new"
    assert rows[-1][:2] == ["appended", 9.0]


def test_store_falls_back_for_deletes_and_gets_every_change_right(book: Path) -> None:
    store = XlsxStore(book)
    store.update(
        lambda raw: [
            SetCells("Data", {(3, 1): "BETA", (2, 5): '=HYPERLINK("x")'}),
            DeleteRows("Data", (2,)),
            AppendRows("Other", [["appended", 3]]),
            AddTab(TabSpec("New", [ColumnSpec("A")], rows=[["n"]])),
        ]
    )
    raw = store.read()
    assert raw.titles == ["Data", "Other", "New"]
    assert raw.grids[0].rows[1][:3] == ["BETA", 4.0, date(2026, 1, 3)]
    assert len(raw.grids[0].rows) == 2
    assert raw.grid("Other").rows[-1] == ["appended", 3.0]  # type: ignore[union-attr]
    sheet = openpyxl.load_workbook(book)["Data"]
    assert sheet["E1"].value is None
    assert raw.grid("New").rows == [["A"], ["n"]]  # type: ignore[union-attr]


def test_relative_sheet_targets_are_resolved(book: Path) -> None:
    rels = members(book)["xl/_rels/workbook.xml.rels"].replace(
        b'Target="/xl/worksheets/', b'Target="worksheets/'
    )
    rezip(book, {"xl/_rels/workbook.xml.rels": rels})
    out = run_patch(book, [SetCells("Other", {(2, 1): "relative"})])
    assert XlsxStore(out).read().grid("Other").cell(2, 1) == "relative"  # type: ignore[union-attr]


# Small helpers --------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=16384))
def test_column_letters_and_index_round_trip(index: int) -> None:
    letters = column_letter(index)
    assert letters.isalpha() and letters.isupper()
    assert column_index(f"{letters}12") == index


def test_column_letters_known_values() -> None:
    assert [column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703, 16384)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
        "XFD",
    ]
    with pytest.raises(Unpatchable):
        column_index("12")


def test_serial_numbers_match_spreadsheet_dates() -> None:
    assert serial(date(1900, 3, 1)) == 61
    assert serial(date(2026, 11, 16)) == date_to_serial(date(2026, 11, 16))
    assert serial(datetime(2026, 11, 16, 12, 0)) == date_to_serial(date(2026, 11, 16)) + 0.5


# The zip package: raw copies, odd packages ------------------------------------------------------


def raw_members(path: Path) -> dict[str, bytes]:
    """Each member's compressed bytes as the file stores them."""
    data = path.read_bytes()
    found = {}
    with zipfile.ZipFile(path) as package:
        for info in package.infolist():
            start = info.header_offset
            name_len, extra_len = struct.unpack("<2H", data[start + 26 : start + 30])
            begin = start + 30 + name_len + extra_len
            found[info.filename] = data[begin : begin + info.compress_size]
    return found


def test_unchanged_members_keep_their_compressed_bytes(book: Path) -> None:
    out = run_patch(book, [SetCells("Data", {(2, 1): "changed"})])
    before, after = raw_members(book), raw_members(out)
    assert list(after) == list(before)
    assert {n for n in before if before[n] != after[n]} == {DATA, "xl/workbook.xml"}
    with zipfile.ZipFile(out) as package:
        assert package.testzip() is None


def test_comments_and_attributes_of_the_package_survive(book: Path) -> None:
    old = members(book)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out:
        out.comment = b"made by hand"
        for name, data in old.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 7, 8, 10))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.comment = f"about {name}".encode()
            info.external_attr = 0o640 << 16
            out.writestr(info, data)
    patched = run_patch(book, [SetCells("Data", {(2, 1): "changed"})])
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(patched) as b:
        assert b.comment == b"made by hand"
        assert b.testzip() is None
        for x, y in zip(a.infolist(), b.infolist(), strict=True):
            assert (x.filename, x.date_time, x.comment, x.external_attr) == (
                y.filename,
                y.date_time,
                y.comment,
                y.external_attr,
            )
    assert XlsxStore(patched).read().grid("Data").cell(2, 1) == "changed"  # type: ignore[union-attr]


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek in: it then writes a data descriptor after each member."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer.extend(data)
        return len(data)


def test_members_with_data_descriptors_are_copied_whole(book: Path) -> None:
    old = members(book)
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as streamed:
        for name, data in old.items():
            streamed.writestr(name, data)
    book.write_bytes(bytes(stream.buffer))
    with zipfile.ZipFile(book) as package:
        assert all(info.flag_bits & 0x08 for info in package.infolist())
    assert _entries(book.read_bytes()) is not None
    out = run_patch(book, [AppendRows("Other", [["more", 5]])])
    with zipfile.ZipFile(out) as package:
        assert package.testzip() is None
    assert {n: d for n, d in members(out).items() if n not in (OTHER, "xl/workbook.xml")} == {
        n: d for n, d in old.items() if n not in (OTHER, "xl/workbook.xml")
    }
    assert XlsxStore(out).read().grid("Other").rows[-1] == ["more", 5.0]  # type: ignore[union-attr]
    openpyxl.load_workbook(out)


def test_a_package_with_bytes_before_it_goes_through_zipfile(book: Path) -> None:
    data = b"#!junk in front\n" + book.read_bytes()
    book.write_bytes(data)
    assert _entries(data) is None
    out = run_patch(book, [SetCells("Data", {(2, 1): "still fine"})])
    with zipfile.ZipFile(out) as package:
        assert package.testzip() is None
    assert XlsxStore(out).read().grid("Data").cell(2, 1) == "still fine"  # type: ignore[union-attr]


# Appends reuse the rows they leave alone, still deflated -----------------------------------------


def _long_book(path: Path, rows: int) -> Path:
    XlsxStore(path).create(
        [
            TabSpec(
                "Log",
                [ColumnSpec("When", number_format="date"), ColumnSpec("Id"), ColumnSpec("N")],
                rows=[[date(2026, 1, 1), f"id-{i}", float(i)] for i in range(rows)],
            ),
            TabSpec("Other", [ColumnSpec("X")], rows=[["x"]]),
        ],
        overwrite=False,
    )
    return path


def _segment_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    original = xlsx_zip._segment

    def spy(data: Any, last: bool = False) -> bytes:
        sizes.append(len(data))
        return original(data, last)

    monkeypatch.setattr(xlsx_zip, "_segment", spy)
    return sizes


def test_an_append_reuses_the_rows_a_previous_append_deflated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _long_book(tmp_path / "log.xlsx", 3000)
    store = XlsxStore(path)
    rows_size = members(path)["xl/worksheets/sheet1.xml"].__len__()
    sizes = _segment_sizes(monkeypatch)
    # Written by openpyxl: nothing to reuse, the rows are deflated (once, in their own segment).
    store.update(lambda raw: [AppendRows("Log", [[date(2026, 2, 1), "=not a formula", 1.5]])])
    assert max(sizes) > rows_size // 2
    for n in range(3):
        sizes.clear()

        def plan(raw: RawWorkbook, n: int = n) -> list[Change]:
            return [AppendRows("Log", [[date(2026, 2, 2), f"new-{n}", n]])]

        store.update(plan)
        assert max(sizes) < 2000, sizes  # the head, the new row and the end: never the rows
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
    grid = store.read().grid("Log")
    assert grid is not None and len(grid.rows) == 3001 + 4
    assert grid.rows[:3] == [["When", "Id", "N"], [date(2026, 1, 1), "id-0", 0.0], grid.rows[2]]
    assert grid.rows[-5:] == [
        [date(2026, 1, 1), "id-2999", 2999.0],
        [date(2026, 2, 1), "=not a formula", 1.5],
        [date(2026, 2, 2), "new-0", 0.0],
        [date(2026, 2, 2), "new-1", 1.0],
        [date(2026, 2, 2), "new-2", 2.0],
    ]
    sheet = openpyxl.load_workbook(path)["Log"]
    assert sheet["B3002"].value == "=not a formula" and sheet["B3002"].data_type == "s"
    assert sheet.max_row == 3005


def test_rows_deflated_by_another_writer_are_deflated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _long_book(tmp_path / "log.xlsx", 500)
    store = XlsxStore(path)
    store.update(lambda raw: [AppendRows("Log", [[date(2026, 2, 1), "first", 1]])])
    # Someone saves the file with another program: one deflate stream, nothing to reuse.
    rezip(path, {})
    sizes = _segment_sizes(monkeypatch)
    store.update(lambda raw: [AppendRows("Log", [[date(2026, 2, 2), "second", 2]])])
    assert max(sizes) > 10_000
    grid = store.read().grid("Log")
    assert grid is not None and [r[1] for r in grid.rows[-3:]] == ["id-499", "first", "second"]
    # And a log whose rows were changed by hand since keeps those changes.
    sizes.clear()
    store.update(lambda raw: [SetCells("Log", {(100, 2): "edited"})])
    store.update(lambda raw: [AppendRows("Log", [[date(2026, 2, 3), "third", 3]])])
    grid = store.read().grid("Log")
    assert grid is not None and grid.rows[99][1] == "edited" and grid.rows[-1][1] == "third"
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None


# Skimming long sheets -----------------------------------------------------------------------------


def to_shared_strings(path: Path, part: str) -> None:
    """Store the sheet's text in sharedStrings.xml, the way Excel saves it."""
    old = members(path)
    table: list[str] = []

    def shared(match: re.Match[bytes]) -> bytes:
        text = match.group(3).decode()
        if text not in table:
            table.append(text)
        return (
            b"<c "
            + match.group(1)
            + b't="s"'
            + match.group(2)
            + b"><v>%d</v></c>" % table.index(text)
        )

    xml = re.sub(
        rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t[^>]*>([^<]*)</t></is></c>', shared, old[part]
    )
    items = "".join(f"<si><t>{t}</t></si>" for t in table)
    sst = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}" '
        f'count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>'
    ).encode()
    types = old["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = old["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="'
        + SHARED_STRINGS_TYPE.encode()
        + b'" Target="sharedStrings.xml"/></Relationships>',
    )
    rezip(
        path,
        {
            part: xml,
            "xl/sharedStrings.xml": sst,
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
        },
    )


def _skimmed(path: Path, skim: Skim) -> RawWorkbook:
    seen: list[RawWorkbook] = []

    def plan(raw: RawWorkbook) -> list[Change]:
        seen.append(raw)
        return []

    XlsxStore(path).update(plan, skim=skim)
    return seen[0]


@pytest.mark.parametrize("shared", [False, True])
def test_a_skimmed_tab_keeps_its_head_and_the_rows_holding_a_needle(
    tmp_path: Path, shared: bool
) -> None:
    path = _long_book(tmp_path / "log.xlsx", 300)
    if shared:
        to_shared_strings(path, "xl/worksheets/sheet1.xml")
        assert b"<is>" not in members(path)["xl/worksheets/sheet1.xml"]
    full = XlsxStore(path).read()
    skim = Skim(frozenset({"id-250", "id-7", "absent"}), lambda head: True, 5, 0)
    raw = _skimmed(path, skim)
    log, whole = raw.grid("Log"), full.grid("Log")
    assert log is not None and whole is not None
    assert raw.titles == full.titles and raw.grid("Other") == full.grid("Other")
    assert log.rows[:5] == whole.rows[:5]  # the head, as it is
    kept = {n for n, row in enumerate(log.rows, start=1) if any(v != "" for v in row)}
    # Rows keep their numbers (id-7 is row 9); "id-7" is also in id-70 to id-79.
    expected = {1, 2, 3, 4, 5, 9, *range(72, 82), 252}
    if shared:  # `<v>N</v>` also matches numbers: more rows, never fewer
        assert kept >= expected
    else:
        assert kept == expected
    assert all(log.rows[n - 1] == whole.rows[n - 1] for n in kept)
    assert len(log.rows) == max(kept)


def test_a_needle_inside_a_longer_text_keeps_its_row_too(tmp_path: Path) -> None:
    path = _long_book(tmp_path / "log.xlsx", 100)
    raw = _skimmed(path, Skim(frozenset({"id-4"}), lambda head: True, 2, 0))
    log = raw.grid("Log")
    assert log is not None
    ids = [row[1] for row in log.rows if row[1] not in ("", "Id")]
    assert set(ids) == {"id-0", "id-4", *(f"id-{n}" for n in range(40, 50))}


def test_a_long_tab_the_planner_needs_whole_is_read_whole(tmp_path: Path) -> None:
    path = _long_book(tmp_path / "log.xlsx", 300)
    full = XlsxStore(path).read()
    heads: list[Grid] = []

    def wanted(head: Grid) -> bool:
        heads.append(head)
        return False

    raw = _skimmed(path, Skim(frozenset({"id-3"}), wanted, 4, 0))
    assert raw.grids == full.grids
    assert [h.title for h in heads] == ["Log"] and heads[0].rows == full.grids[0].rows[:4]


@pytest.mark.parametrize("needle", ["id 3", "a&b", "", "<v>"])
def test_needles_that_are_not_plain_mean_a_full_read(tmp_path: Path, needle: str) -> None:
    path = _long_book(tmp_path / "log.xlsx", 100)
    raw = _skimmed(path, Skim(frozenset({needle}), lambda head: True, 2, 0))
    assert raw.grids == XlsxStore(path).read().grids


def test_a_short_tab_or_an_odd_sheet_is_not_skimmed(tmp_path: Path) -> None:
    path = _long_book(tmp_path / "log.xlsx", 100)
    xml = members(path)["xl/worksheets/sheet1.xml"]
    assert skim_sheet(xml, [b"id-50"], 200) is None  # all head
    assert skim_sheet(xml, [b"id-50"], 2) is not None
    unnumbered = re.sub(rb'(<row\b[^>]*?) r="\d+"', rb"\1", xml)
    assert skim_sheet(unnumbered, [b"id-50"], 2) is None
    prefixed = re.sub(rb"<(/?)(?!\?)", rb"<\1x:", xml)
    assert skim_sheet(prefixed, [b"id-50"], 2) is None
    # Big enough to skim only above min_bytes.
    raw = _skimmed(path, Skim(frozenset({"id-3"}), lambda head: True, 2, len(xml) + 1))
    assert raw.grids == XlsxStore(path).read().grids


def test_skimmed_reads_then_writes_keep_every_row(tmp_path: Path) -> None:
    path = _long_book(tmp_path / "log.xlsx", 400)
    to_shared_strings(path, "xl/worksheets/sheet1.xml")
    before = XlsxStore(path).read().grid("Log")
    assert before is not None

    def planner(raw: RawWorkbook) -> list[Any]:
        log = raw.grid("Log")
        assert log is not None and len(log.rows) == 3  # the head: no row holds the id
        return [AppendRows("Log", [[date(2026, 3, 1), "id-new", 1]])]

    XlsxStore(path).update(planner, skim=Skim(frozenset({"id-new"}), lambda head: True, 3, 0))
    after = XlsxStore(path).read().grid("Log")
    assert after is not None and after.rows == [*before.rows, [date(2026, 3, 1), "id-new", 1.0]]
    # Shared strings: When, Id, N, then id-0 at index 3; the new row's text is inline.
    indexes = [k + 3 for k in (5, *range(50, 60))]
    assert needle_patterns(Package.open(path), ["id-5"]) == [
        b"id-5",
        *(b"<v>%d</v>" % i for i in indexes),
    ]
    assert b"id-new" not in members(path)["xl/sharedStrings.xml"]


def test_a_member_that_does_not_match_its_crc_is_refused(book: Path) -> None:
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as package:
        info = package.getinfo(DATA)
    entries = _entries(bytes(data))
    assert entries is not None
    central = data.find(next(e.central for e in entries if e.name == DATA))
    struct.pack_into("<L", data, central + 16, info.CRC ^ 1)
    with pytest.raises(zipfile.BadZipFile):
        Package(bytes(data)).read(DATA)
    assert Package(book.read_bytes()).read(DATA) == members(book)[DATA]


def test_an_append_after_rows_without_numbers_counts_them(book: Path) -> None:
    """The fast append reads the last row's number; rows after it without one must be
    counted, or the new row would take the number of one of them."""
    xml = members(book)[DATA]
    numbers = [int(n) for n in re.findall(rb'<row\b[^>]*? r="(\d+)"', xml)]
    last = max(numbers)
    # Only the last row loses its number: it still follows the row before it.
    unnumbered = re.sub(rb'(<row\b[^>]*?) r="%d"' % last, rb"\1", xml)
    unnumbered = re.sub(rb'(<c\b[^>]*?) r="[A-Z]+%d"' % last, rb"\1", unnumbered)
    rezip(book, {DATA: unnumbered})
    before = XlsxStore(book).read().grids[0].rows

    XlsxStore(book).update(lambda raw: [AppendRows("Data", [["appended", 9]])])

    rows = XlsxStore(book).read().grids[0].rows
    assert rows[: len(before)] == before
    assert rows[len(before)][:2] == ["appended", 9.0]


def test_rewriting_a_formula_that_is_there_keeps_the_cell_and_its_result(book: Path) -> None:
    """The same formula written again over inputs no write touched: its saved result is still
    right, and kept (people's programs show it without recalculating)."""
    with_cached_values(book)
    before = cell_xml(members(book)[DATA], "D2")

    out = run_patch(
        book,
        [SetCells("Data", {(2, 4): Formula("=B2*2"), (3, 4): Formula("=B3*3"), (2, 3): "x"})],
    )

    kept = cell_xml(members(out)[DATA], "D2")
    assert kept.get("s") == before.get("s")
    assert [(c.tag, c.text) for c in kept] == [(f"{Q}f", "B2*2"), (f"{Q}v", "99")]
    assert [(c.tag, c.text) for c in cell_xml(members(out)[DATA], "D3")] == [(f"{Q}f", "B3*3")]


def test_rewriting_a_formula_whose_input_changed_drops_its_result(book: Path) -> None:
    with_cached_values(book)

    out = run_patch(book, [SetCells("Data", {(2, 4): Formula("=B2*2"), (2, 2): 7})])

    kept = cell_xml(members(out)[DATA], "D2")
    assert [(c.tag, c.text) for c in kept] == [(f"{Q}f", "B2*2")]  # the cached 99 is gone


def test_many_cells_of_one_row_land_in_column_order(book: Path) -> None:
    columns = [30, 5, 27, 7, 6, 28, 29, 8]

    out = run_patch(book, [SetCells("Data", {(2, c): f"c{c}" for c in columns})])

    row2 = etree.fromstring(members(out)[DATA]).find(f".//{Q}row[@r='2']")
    refs = [column_index(c.get("r")) for c in row2.iter(f"{Q}c")]
    assert refs == sorted({1, 2, 3, 4, *columns})
    values = XlsxStore(out).read().grids[0].rows[1]
    assert [values[c - 1] for c in columns] == [f"c{c}" for c in columns]
