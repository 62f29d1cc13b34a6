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
    from okrsheet.stores.xlsx_patch import Package, sheet_parts

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
    assert okr("validate", "-w", str(book)).exit_code in (0, 3)


def test_a_full_rewrite_that_would_lose_parts_is_refused_with_nothing_written(
    okr: Any, tmp_path: Path, libreoffice_bytes: bytes
) -> None:
    """A rollover adds a tab, which only the full (openpyxl) writer does: it would drop the
    chart and the data bars, so it refuses."""
    book = tmp_path / "okr.xlsx"
    book.write_bytes(libreoffice_bytes)
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
