"""A long tab of regular rows read with the reader only for what it must tell
(okrsheet/stores/xlsx/regular): the rows are the reader's own, cell for cell and type for
type, and anything unusual is read as any other tab."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

import okrsheet.stores.xlsx.regular as regular
from okrsheet.stores.xlsx.package import Package
from okrsheet.stores.xlsx.parts import sheet_parts
from okrsheet.stores.xlsx.sparse import GAP_ROWS
from okrsheet.stores.xlsx.store import XlsxStore

LOG = "Check-ins"
MARK = b'<dimension ref="A1:K9999"/>'
# Styles of the example workbook: 5 a date, 14 a date and time, 3 a percentage, 11 a number,
# 2 wrapped text, 10 text (`@`).
DATE, MOMENT, PERCENT, NUMBER, WRAPPED, TEXT = 5, 14, 3, 11, 2, 10


def number(ref: str, value: str, style: int | None = None, typed: bool = True) -> str:
    s = "" if style is None else f' s="{style}"'
    t = ' t="n"' if typed else ""
    return f'<c r="{ref}"{s}{t}><v>{value}</v></c>'


def text(ref: str, value: str, style: int | None = None, preserve: bool = False) -> str:
    s = "" if style is None else f' s="{style}"'
    space = ' xml:space="preserve"' if preserve else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{value}</t></is></c>'


def log_row(n: int, *cells: str) -> str:
    return f'<row r="{n}">{"".join(cells)}</row>'


def checkin(n: int, day: int = 46303, value: str = "12.5", note: str = "Steady week.") -> str:
    return log_row(
        n,
        number(f"A{n}", str(day), DATE),
        text(f"B{n}", "SALES-1.1"),
        number(f"C{n}", value, NUMBER),
        number(f"D{n}", "0.7", PERCENT),
        text(f"E{n}", note, WRAPPED),
        text(f"F{n}", "Priya Raman"),
        number(f"G{n}", "46303.39583333334", MOMENT),
        text(f"H{n}", f"id-{n}"),
    )


HEADER = log_row(
    1,
    *(
        text(f"{letter}1", name, 1)
        for letter, name in zip(
            "ABCDEFGH",
            (
                "Date",
                "KR ID",
                "Value",
                "Confidence",
                "Note",
                "Author",
                "Recorded at",
                "Check-in ID",
            ),
            strict=True,
        )
    ),
)


def workbook(tmp_path: Path, example_bytes: bytes, rows: list[str], name: str = "log") -> Path:
    """The example workbook with its log's rows replaced by `rows`."""
    package = Package(example_bytes)
    part = sheet_parts(package)[LOG]
    xml = package.read(part)
    opening = xml.index(b"<sheetData>") + len(b"<sheetData>")
    closing = xml.rindex(b"</sheetData>")
    # A dimension of its own: the reader sizes nothing by it, and it tells this log apart.
    head = re.sub(rb"<dimension [^>]*/>", MARK, xml[:opening], count=1)
    assert MARK in head
    new = head + "".join(rows).encode() + xml[closing:]
    path = tmp_path / f"{name}.xlsx"
    with path.open("wb") as out:
        package.write(out, {part: new})
    return path


def reader_rows(path: Path) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    rows: list[list[Any]] = book.get_sheet_by_name(LOG).to_python(skip_empty_area=False)
    return rows


def store_rows(path: Path) -> list[list[Any]]:
    return next(g.rows for g in XlsxStore(path).read().grids if g.title == LOG)


def typed(rows: list[list[Any]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row] for row in rows]


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every tab is long enough to be scanned; whether each scan found regular rows, and
    whether the rows came from them (True) or the tab was read as any other after all."""
    monkeypatch.setattr(regular, "MIN_BYTES", 0)
    said: list[bool] = []
    scan, rows = regular.scan, regular.Regular.rows

    def scanned(xml: bytes) -> regular.Regular | None:
        found = scan(xml)
        if MARK in xml:
            said.append(found is not None)
        return found

    def told(self: regular.Regular, probed: list[list[Any]]) -> Any:
        found = rows(self, probed)
        if found is None:
            said.append(False)
        return found

    monkeypatch.setattr(regular, "scan", scanned)
    monkeypatch.setattr(regular.Regular, "rows", told)
    return said


CASES: dict[str, list[str]] = {
    "a log as okr writes it": [HEADER, *(checkin(n, 46300 + n % 7) for n in range(2, 60))],
    "blank cells, written or left out": [
        HEADER,
        checkin(2),
        log_row(3, number("A3", "46304", DATE), text("B3", "SALES-1.2"), number("C3", "3")),
        log_row(
            4,
            number("A4", "46305", DATE),
            '<c r="B4" t="inlineStr"><is><t>CORP-1.1</t></is></c>',
            '<c r="C4" s="11"><v>7</v></c>',  # a number as okr's patch writes it (no type)
            '<c r="D4" s="3"/>',
            '<c r="E4" s="2" t="n"></c>',
        ),
        checkin(5),
    ],
    "texts the reader unescapes, trims or keeps": [
        HEADER,
        checkin(2, note="Tom &amp; Jerry &lt;3 &#233;t&#xE9;"),
        checkin(3, note="  spaces around  "),
        checkin(4, note="kept"),
        log_row(5, text("A5", "  kept spaces ", preserve=True), text("B5", "a_x000D_b")),
        checkin(6, note="ünïcødé ✓ 日本"),
        checkin(7, note="=1+1"),
        log_row(8, text("A8", ""), text("B8", "line one\nline two")),
    ],
    "numbers, dates and times as the reader tells them": [
        HEADER,
        checkin(2, value="-0"),
        checkin(3, value="1E3"),
        checkin(4, value="1e-7"),
        checkin(5, value="123456789012345678"),
        checkin(6, day=60),
        checkin(7, day=61),
        log_row(8, number("A8", "0.5", MOMENT), number("B8", "46303.5", DATE), number("C8", "1")),
        log_row(9, '<c r="A9" t="b"><v>1</v></c>', '<c r="B9" t="b"><v>0</v></c>'),
        log_row(10, number("A10", "46303", TEXT), number("B10", "2.5", typed=False)),
    ],
    "rows missing, and a first row further down": [checkin(3), checkin(4), checkin(9)],
    "empty rows at the end": [HEADER, checkin(2), log_row(3, '<c r="B3" s="2"/>'), "<row r='4'/>"],
    "an empty row in the middle": [
        HEADER,
        checkin(2),
        log_row(3),
        log_row(4, '<c r="C4"/>'),
        checkin(5),
    ],
    "an error and a formula's text result": [
        HEADER,
        log_row(
            2, '<c r="A2" t="e"><v>#N/A</v></c>', '<c r="B2" t="str"><v>from a formula</v></c>'
        ),
    ],
    # A column of different texts (the check-in id) is told all together when it can be.
    "different texts in a column": [
        HEADER,
        *(checkin(n, note=f"week {n}: ünïcødé ✓ 日本 {n}") for n in range(2, 40)),
    ],
    "different texts, one the reader unescapes": [
        HEADER,
        *(checkin(n, note=f"n{n}") for n in range(2, 9)),
        log_row(
            9,
            text("A9", "x"),
            text("B9", "y"),
            text("C9", "z"),
            text("D9", "w"),
            text("E9", "Tom &amp; Jerry"),
            text("F9", "v"),
            text("G9", "u"),
            text("H9", "id &lt;9&gt;"),
        ),
        *(checkin(n, note=f"n{n}") for n in range(10, 14)),
    ],  # fmt: skip
    "different texts, one with a space at its end": [
        HEADER,
        *(checkin(n, note=f"n{n}") for n in range(2, 6)),
        checkin(6, note="kept "),
        checkin(7, note=" kept"),
        checkin(8, note="a\tb"),
    ],
    "different texts, one styled otherwise or empty": [
        HEADER,
        *(checkin(n, note=f"n{n}") for n in range(2, 6)),
        log_row(6, text("A6", "a"), text("E6", "styled", 10), text("H6", "", preserve=True)),
        log_row(7, text("A7", "b"), text("E7", "n7", preserve=True), text("H7", "id_7")),
        checkin(8, note="n8"),
    ],
    "an empty value": [HEADER, log_row(2, '<c r="A2"><v></v></c>', text("B2", "x"))],
    "only empty cells past the values": [HEADER, log_row(2, text("A2", "x"), '<c r="H2" s="2"/>')],
}

#: The cases read as any other tab, and why.
UNUSUAL: dict[str, list[str]] = {
    "rows out of order": [HEADER, checkin(3), checkin(2)],
    "a formula": [HEADER, log_row(2, '<c r="A2"><f>1+1</f><v>2</v></c>')],
    "a row's spans": [HEADER, '<row r="2" spans="1:8"><c r="A2"><v>1</v></c></row>'],
    "spaces between rows": [HEADER, "\n  ", checkin(2)],
    "a column past Z": [HEADER, log_row(2, '<c r="AA2"><v>1</v></c>')],
    "rich text": [HEADER, log_row(2, '<c r="A2" t="inlineStr"><is><r><t>a</t></r></is></c>')],
    "a cell of another row": [HEADER, log_row(2, '<c r="A3"><v>1</v></c>')],
    "a comment": [HEADER, "<!-- a note -->", checkin(2)],
    "a long stretch without values": [HEADER, checkin(2), checkin(4 + GAP_ROWS)],
}


@pytest.mark.parametrize("case", CASES)
def test_the_rows_are_the_readers_own(
    case: str, example_bytes: bytes, tmp_path: Path, scans: list[bool]
) -> None:
    path = workbook(tmp_path, example_bytes, CASES[case])
    assert typed(store_rows(path)) == typed(reader_rows(path))
    assert scans, "the log was scanned"


def test_regular_rows_are_read_without_the_reader(
    example_bytes: bytes, tmp_path: Path, scans: list[bool]
) -> None:
    for case in ("a log as okr writes it", "blank cells, written or left out"):
        path = workbook(tmp_path, example_bytes, CASES[case], name=case.replace(" ", "-"))
        store_rows(path)
    # (and a value the reader tells as blank sends the tab to it: whether the cell counts
    # toward the extent is its to say)
    path = workbook(tmp_path, example_bytes, CASES["an empty value"], name="blank-value")
    store_rows(path)
    assert scans == [True, True, True, False]


@pytest.mark.parametrize("case", UNUSUAL)
def test_what_is_unusual_is_read_as_any_other_tab(
    case: str,
    example_bytes: bytes,
    tmp_path: Path,
    scans: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = workbook(tmp_path, example_bytes, UNUSUAL[case])
    lean = store_rows(path)
    assert scans == [False] or scans == [True, False], scans
    monkeypatch.setattr(regular, "MIN_BYTES", 1 << 40)  # never scanned
    assert typed(lean) == typed(store_rows(path))


def test_dates_follow_the_workbooks_date_system(
    example_bytes: bytes, tmp_path: Path, scans: list[bool]
) -> None:
    package = Package(example_bytes)
    book = package.read("xl/workbook.xml")
    assert b"<workbookPr" in book
    with_1904 = book.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
    plain = tmp_path / "plain.xlsx"
    with plain.open("wb") as out:
        package.write(out, {"xl/workbook.xml": with_1904})
    path = workbook(tmp_path, plain.read_bytes(), CASES["a log as okr writes it"], name="1904")
    rows = store_rows(path)
    assert scans == [True]
    assert typed(rows) == typed(reader_rows(path))
    assert rows[1][0].year == 2030  # serial 46301 counted from 1904


def test_the_okr_report_of_a_long_log_is_the_same_either_way(
    okr: Any, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2026-11-16")
    found: list[bool] = []
    scan = regular.scan

    def scanned(xml: bytes) -> regular.Regular | None:
        rows = scan(xml)
        found.append(rows is not None)
        return rows

    monkeypatch.setattr(regular, "scan", scanned)
    pages = []
    for least in (0, 1 << 40):  # every tab scanned, then none
        monkeypatch.setattr(regular, "MIN_BYTES", least)
        out = tmp_path / f"page-{least}.html"
        result = okr("report", "--out", str(out), "-w", str(example))
        assert result.exit_code == 0, result.stderr
        pages.append((result.stderr.replace(str(out), "PAGE"), out.read_bytes()))
    assert pages[0] == pages[1]
    assert b"SALES-1.1" in pages[0][1]
    assert True in found  # the report took the regular rows' path (it leaves archives unread)


def test_a_column_of_different_texts_is_told_all_together() -> None:
    """The check-in ids (a new one on every row) are told in one pass, as each markup told
    alone would be; columns whose texts repeat are told a markup at a time."""

    def sheet(*rows: str) -> bytes:
        return f"<worksheet><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()

    rows = [HEADER, *(checkin(n, note=f"n{n}") for n in range(2, 50))]
    found = regular.scan(sheet(*rows))
    assert found is not None
    assert set(found.texts) == {4, 7}  # the notes and the ids
    for index, texts in found.texts.items():
        one_by_one = [regular._PLAIN.fullmatch(m) for m in found.columns[index]]
        assert texts == [m[1].decode() for m in one_by_one if m is not None]
        assert len(texts) == len(found.columns[index]) == 49
    assert found.texts[7][:3] == ["Check-in ID", "id-2", "id-3"]
    # A text the reader must tell (an entity here) has its column told a markup at a time.
    odd = rows[:19] + [checkin(20).replace("id-20", "id &amp; 20")] + rows[20:]
    told = regular.scan(sheet(*odd))
    assert told is not None and set(told.texts) == {4}
    # Notes that repeat are told once each.
    same = [HEADER, *(checkin(n, note="n" if n % 2 else "same") for n in range(2, 50))]
    repeated = regular.scan(sheet(*same))
    assert repeated is not None and set(repeated.texts) == {7}


def test_a_sheet_in_shared_strings_or_not_regular_from_its_first_row_is_left_at_once() -> None:
    def sheet(*rows: str) -> bytes:
        return f"<worksheet><sheetData>{''.join(rows)}</sheetData></worksheet>".encode()

    assert regular.scan(sheet(HEADER, checkin(2))) is not None
    shared = log_row(2, '<c r="A2" s="5"><v>46303</v></c>', '<c r="B2" t="s"><v>0</v></c>')
    assert regular.scan(sheet(HEADER, shared)) is None  # LibreOffice writes texts so
    assert regular.scan(sheet('<row r="1" spans="1:8"><c r="A1"><v>1</v></c></row>')) is None
    assert regular.scan(sheet()) is None
    assert regular.scan(b"<worksheet/>") is None
