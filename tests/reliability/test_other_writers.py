"""Workbooks saved by other programs keep everything through okr's writes.

LibreOffice (run headless) saves the example company with a comment, a chart, a custom
document property and data bars of the 2010 format (an extension list); some writers leave out
the optional row and cell numbers (`r`), which the patch writer used to refuse, falling back to
a full rewrite through openpyxl that deleted all of that and printed openpyxl's warnings.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import PatternFill
from openpyxl.worksheet.table import Table

from tests.reliability.conftest import fingerprint

_ROW = re.compile(rb"<row\b[^>]*>")
_R = re.compile(rb'\sr="([A-Z]*)(\d+)"')


def _letters_to_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + char - 64
    return index


def _without_numbers(xml: bytes) -> bytes:
    """Drop `r` from every row that follows the row before it, and from every cell that
    follows the cell before it: the same sheet, as some writers spell it."""
    out, pos, last_row, last_col = [], 0, 0, 0
    for tag in re.finditer(rb"<row\b[^>]*>|<c\b[^>]*>", xml):
        text = tag.group()
        ref = _R.search(text)
        if ref is None:
            continue
        number, letters = int(ref.group(2)), ref.group(1)
        if text.startswith(b"<row"):
            follows = number == last_row + 1
            last_row, last_col = number, 0
        else:
            col = _letters_to_index(letters)
            follows = col == last_col + 1
            last_col = col
        if follows:
            out += [xml[pos : tag.start()], text[: ref.start()] + text[ref.end() :]]
            pos = tag.end()
    out.append(xml[pos:])
    return b"".join(out)


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required here (CI installs it)")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


@pytest.fixture(scope="session")
def libreoffice_bytes(example_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The example company with a comment, a chart and a custom property, saved by
    LibreOffice, then with the row and cell numbers left out wherever they can be."""
    soffice = _soffice()
    folder = tmp_path_factory.mktemp("libreoffice")
    book = load_workbook(io.BytesIO(example_bytes))
    sales = book["Sales"]
    sales["D3"].comment = Comment("Check with finance", "Ana")
    chart = BarChart()
    chart.add_data(Reference(sales, min_col=11, min_row=1, max_row=6), titles_from_data=True)
    sales.add_chart(chart, "Z2")
    book.custom_doc_props.append(StringProperty(name="Client", value="Acme"))
    book.save(folder / "decorated.xlsx")
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "xlsx", "--outdir", str(folder / "out"), str(folder / "decorated.xlsx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    saved = (folder / "out" / "decorated.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _without_numbers(data)
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _sheet_part(book: Path, title: str) -> str:
    from okrsheet.stores.xlsx.patch import Package, sheet_parts

    return sheet_parts(Package.open(book))[title]


def _current(okr: Any, book: Path) -> Any:
    status = okr("status", "-f", "json", "-w", str(book)).json()
    krs = [kr for o in status["objectives"] for kr in o["key_results"]]
    return next(kr for kr in krs if kr["id"] == "SALES-1.1")["current"]


def test_a_checkin_on_a_libreoffice_workbook_without_row_numbers_keeps_every_part(
    okr: Any, tmp_path: Path, libreoffice_bytes: bytes
) -> None:
    book = tmp_path / "okr.xlsx"
    book.write_bytes(libreoffice_bytes)
    before = _parts(book)
    sales, log = _sheet_part(book, "Sales"), _sheet_part(book, "Check-ins")
    assert _ROW.search(before[sales]) and not all(
        _R.search(m.group()) for m in _ROW.finditer(before[sales])
    ), "the fixture should have rows without numbers"
    bars = before[sales].count(b"x14:cfRule")
    assert bars > 0 and any(n.startswith("xl/comments") for n in before)
    assert any(n.startswith("xl/charts/") for n in before) and "docProps/custom.xml" in before

    result = okr("checkin", "SALES-1.1", "--value", "91", "--note", "kept", "-w", str(book))

    assert result.exit_code == 0, result.stderr
    assert "warn" not in result.stderr.lower() and "extension" not in result.stderr
    after = _parts(book)
    assert set(after) == set(before)
    changed = {name for name in before if after[name] != before[name]}
    # The Dashboard too: its formulas are written again, so that LibreOffice shows no result
    # it saved before the check-in.
    dashboard = _sheet_part(book, "Dashboard")
    assert changed <= {sales, log, dashboard, "xl/workbook.xml", "xl/styles.xml"}, changed
    assert after[sales].count(b"x14:cfRule") == bars  # the data bars are all there
    assert _current(okr, book) == 91
    assert okr("validate", "-w", str(book)).exit_code == 0


def test_a_full_rewrite_that_would_lose_parts_is_refused_with_nothing_written(
    okr: Any, tmp_path: Path, libreoffice_bytes: bytes
) -> None:
    """A rollover that drops a row of the tab holding the chart: the chart's anchor would be
    left on the wrong row, so only the full (openpyxl) writer could delete the row, and it
    would drop the chart and the data bars: it refuses."""
    from okrsheet.stores.base import SetCells
    from okrsheet.stores.xlsx.store import XlsxStore

    book = tmp_path / "okr.xlsx"
    book.write_bytes(libreoffice_bytes)

    def drop_sales_1(raw: Any) -> list[SetCells]:
        rows = next(g for g in raw.grids if g.title == "Sales").rows
        column = rows[0].index("Next cycle") + 1
        row = next(n for n, r in enumerate(rows, start=1) if r[1] == "SALES-1")
        return [SetCells("Sales", {(row, column): "drop"})]

    XlsxStore(book).update(drop_sales_1)
    before = fingerprint(book)

    result = okr("rollover", "--to", "2027-Q1", "-w", str(book))

    assert result.exit_code == 4, result.stderr
    assert "nothing was written" in result.stderr
    assert "would lose: drawings" in result.stderr and "2010 format" in result.stderr
    assert "will be removed" not in result.stderr and "Warning" not in result.stderr
    assert fingerprint(book) == before


def test_a_text_formatted_filled_last_checkin_cell_keeps_its_fill_and_format(
    okr: Any, example: Path
) -> None:
    book = load_workbook(example)
    sales = book["Sales"]
    header = [c.value for c in sales[1]]
    row = next(r[0].row for r in sales.iter_rows(min_row=2) if r[1].value == "SALES-1.1")
    cell = sales.cell(row, header.index("Last check-in") + 1)
    cell.number_format = "@"
    cell.fill = PatternFill("solid", fgColor="FFFF00")
    book.save(example)

    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    cell = load_workbook(example)["Sales"].cell(row, header.index("Last check-in") + 1)
    assert cell.number_format == "@"
    assert cell.fill.fgColor.rgb in ("00FFFF00", "FFFFFF00")
    assert cell.value == "2026-11-16"  # typed as text, as a person typing there would
    history = okr("status", "-f", "json", "-w", str(example)).json()
    krs = [kr for o in history["objectives"] for kr in o["key_results"]]
    assert next(k for k in krs if k["id"] == "SALES-1.1")["last_checkin"] == "2026-11-16"


def test_a_filled_last_checkin_cell_keeps_its_fill_when_it_gets_a_date_format(
    okr: Any, example: Path
) -> None:
    book = load_workbook(example)
    sales = book["Sales"]
    header = [c.value for c in sales[1]]
    row = next(r[0].row for r in sales.iter_rows(min_row=2) if r[1].value == "SALES-1.1")
    cell = sales.cell(row, header.index("Last check-in") + 1)
    cell.number_format = "General"
    cell.fill = PatternFill("solid", fgColor="FFC000")
    book.save(example)

    assert okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example)).exit_code == 0

    cell = load_workbook(example)["Sales"].cell(row, header.index("Last check-in") + 1)
    assert cell.fill.fgColor.rgb in ("00FFC000", "FFFFC000")
    assert cell.is_date


def test_rows_appended_under_an_excel_table_grow_the_table(okr: Any, example: Path) -> None:
    book = load_workbook(example)
    log = book["Check-ins"]
    last = max(r for r in range(1, log.max_row + 1) if log.cell(r, 1).value is not None)
    log.add_table(Table(displayName="Log", ref=f"A1:H{last}"))
    book.save(example)

    assert okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example)).exit_code == 0
    batch = example.with_name("batch.csv")
    batch.write_text("kr_id,value\nSALES-1.2,0.5\nSALES-1.3,3\n", encoding="utf-8")
    assert okr("checkin", "--from", str(batch), "-w", str(example)).exit_code == 0

    table = load_workbook(example)["Check-ins"].tables["Log"]
    assert table.ref == f"A1:H{last + 3}"
    assert table.autoFilter is None or table.autoFilter.ref in (None, table.ref)


# Files that are not .xlsx workbooks, under an .xlsx name --------------------------------------

WRITES = {
    "checkin": ("checkin", "SALES-1.1", "--value", "91"),
    "grade-write": ("grade", "--write"),
    "rollover": ("rollover", "--to", "2027-Q1"),
    "validate-fix": ("validate", "--fix"),
}


def _undeclared_prefix(example_bytes: bytes) -> bytes:
    """The example with an element in workbook.xml whose prefix has no namespace declared."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(example_bytes)) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<sheets>", b"<x14:note/><sheets>", 1)
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def not_xlsx(example_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The example company saved by LibreOffice as .xls and as .ods (to be renamed .xlsx),
    and with an undeclared prefix in its workbook.xml."""
    soffice = _soffice()
    folder = tmp_path_factory.mktemp("not-xlsx")
    (folder / "example.xlsx").write_bytes(example_bytes)
    files = {}
    for ext in ("xls", "ods"):
        subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
             "--convert-to", ext, "--outdir", str(folder / "out"), str(folder / "example.xlsx")],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        files[ext] = (folder / "out" / f"example.{ext}").read_bytes()
    files["prefix"] = _undeclared_prefix(example_bytes)
    return files


@pytest.mark.parametrize("kind", ["xls", "ods", "prefix"])
@pytest.mark.parametrize("command", list(WRITES))
def test_a_write_to_a_file_that_is_not_an_xlsx_workbook_is_refused_cleanly(
    okr: Any, tmp_path: Path, not_xlsx: dict[str, bytes], kind: str, command: str
) -> None:
    book = tmp_path / "okr.xlsx"
    book.write_bytes(not_xlsx[kind])

    read = okr("status", "-w", str(book))
    result = okr(*WRITES[command], "-w", str(book))

    output = result.stdout + result.stderr
    assert result.exit_code == 4, output
    assert "bug in okr" not in output and "unexpected" not in output, output
    assert "Traceback" not in output
    assert str(book) in result.stderr
    assert book.read_bytes() == not_xlsx[kind]  # nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["okr.xlsx"]  # no temporary file
    if kind != "prefix":  # the same refusal as a read of the file
        assert read.exit_code == 4
        assert result.stderr == read.stderr
        assert {"xls": "Excel 97-2003 (.xls)", "ods": "OpenDocument (.ods)"}[kind] in output
    else:  # a read gets by (calamine is lenient); a write names the fault in the XML
        assert "not a readable .xlsx workbook" in output and "x14" in output
        assert "nothing was written" in output


# People's own formulas ------------------------------------------------------------------------


def _with_formulas(example_bytes: bytes, tabs: dict[str, dict[str, tuple[str, str]]]) -> bytes:
    """The example with cells replaced by formulas and the results a spreadsheet program
    saved with them: {tab: {ref: (formula, cached result)}}."""
    from okrsheet.stores.xlsx.patch import Package, sheet_parts

    parts = sheet_parts(Package(example_bytes))
    edits = {parts[tab]: cells for tab, cells in tabs.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(example_bytes)) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            for ref, (formula, cached) in edits.get(info.filename, {}).items():
                cell = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)'.encode(), re.S)
                new = f'<c r="{ref}"><f>{formula}</f><v>{cached}</v></c>'.encode()
                data, count = cell.subn(new, data, count=1)
                assert count == 1, ref
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_peoples_formulas_keep_their_results_through_a_checkin_on_their_tab(
    okr: Any, example_bytes: bytes, tmp_path: Path
) -> None:
    """A Target typed as =0.8+0.05, one reading another tab, and a KPI's Healthy from typed
    as =4000*2, saved with their results: after check-ins on those tabs they still read as
    those numbers (before, the write dropped every cached result of the tab and okr read
    them as missing: 'the target is missing', exit 3)."""
    book = tmp_path / "okr.xlsx"
    book.write_bytes(
        _with_formulas(
            example_bytes,
            {
                "Sales": {"J4": ("0.8+0.05", "0.85"), "J5": ("Corporate!J3*0+6", "6")},
                "KPIs": {"E2": ("4000*2", "8000")},
            },
        )
    )
    before = okr("status", "-f", "json", "-w", str(book)).json()

    assert okr("checkin", "SALES-1.1", "--value", "91", "-w", str(book)).exit_code == 0
    assert okr("checkin", "KPI-1", "--value", "7000", "-w", str(book)).exit_code == 0

    validate = okr("validate", "-w", str(book))
    assert validate.exit_code == 0, validate.stdout + validate.stderr
    after = okr("status", "-f", "json", "-w", str(book)).json()
    targets = {
        kr["id"]: kr["target"]
        for o in after["objectives"]
        for kr in o["key_results"]
        if kr["id"] in ("SALES-1.2", "SALES-1.3")
    }
    assert targets == {"SALES-1.2": 0.85, "SALES-1.3": 6.0}
    assert len(after["objectives"]) == len(before["objectives"])
    values = load_workbook(book, data_only=True)
    assert values["Sales"]["J4"].value == 0.85 and values["KPIs"]["E2"].value == 8000
    (kpi,) = [k for k in after["kpis"] if k["id"] == "KPI-1"]
    assert (kpi["current"], kpi["healthy_from"], kpi["healthy"]) == (7000, 8000, False)
    formulas = load_workbook(book)
    assert formulas["Sales"]["J4"].value == "=0.8+0.05"  # still the person's formula


def test_a_formula_whose_result_a_write_dropped_needs_recalculation_not_a_value(
    okr: Any, example_bytes: bytes, tmp_path: Path
) -> None:
    """A Target typed as =K4*1.25 reads the Current a check-in writes: its saved result can
    no longer stand, so the write drops it. okr then says the cell awaits a recalculation in
    a spreadsheet program, not that the target is missing."""
    book = tmp_path / "okr.xlsx"
    book.write_bytes(_with_formulas(example_bytes, {"Sales": {"J4": ("K4*1.25", "0.9")}}))
    assert okr("validate", "-w", str(book)).exit_code == 0

    assert okr("checkin", "SALES-1.2", "--value", "0.72", "-w", str(book)).exit_code == 0

    result = okr("validate", "-f", "json", "-w", str(book))
    assert result.exit_code == 3
    (finding,) = [f for f in result.json()["findings"] if f["where"] == "Sales!J4"]
    assert "needs recalculation in a spreadsheet program" in finding["message"]
    assert "missing" not in finding["message"]
    assert load_workbook(book)["Sales"]["J4"].value == "=K4*1.25"  # the formula stays
