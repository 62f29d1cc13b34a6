"""Printing a tab prints its rows (issue 24 point 2): a print area fixed at `okr init`
(`A1:X2`) left out every row typed later, and `validate --fix` kept it. Tables now get a print
area that follows the data (Excel prints exactly the rows with a type in column A), with fit to
the page width and the header on every page kept; LibreOffice, which does not evaluate such a
formula, prints the used area instead of the first rows only."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.xlsx.print_area import follow_data, following_area
from tests.cli.conftest import add_rows
from tests.cli.test_sheet_agrees import SOFFICE, recalculate
from tests.conftest import SHOP_ROWS, type_cells


def names(path: Path) -> dict[tuple[str, str], str]:
    """The workbook's sheet-level defined names, by (name, sheet)."""
    from xml.etree import ElementTree

    ns = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    root = ElementTree.fromstring(zipfile.ZipFile(path).read("xl/workbook.xml"))
    sheets = [s.get("name", "") for s in root.iterfind("x:sheets/x:sheet", ns)]
    return {
        (n.get("name", ""), sheets[int(n.get("localSheetId", "0"))]): n.text or ""
        for n in root.iterfind("x:definedNames/x:definedName", ns)
        if n.get("localSheetId") is not None
    }


#: An OKR tab prints its columns up to Days since check-in (the hidden helpers are left out).
PRINTED = [c.key for c in OKR_COLUMNS].index("days_since") + 1


def with_fixed_area(path: Path, tab: str, area: str) -> None:
    """The workbook as okr init wrote it before: the tab's print area fixed to `area`."""
    with zipfile.ZipFile(path) as book:
        data = {n: book.read(n) for n in book.namelist()}
    xml = data["xl/workbook.xml"].decode()
    formula = following_area(f"'{tab}'", PRINTED)
    for written in (formula, formula.replace('"', "&quot;")):
        xml = xml.replace(f">{written}<", f">'{tab}'!{area}<")
    data["xl/workbook.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in data.items():
            out.writestr(name, content)


def test_init_gives_tables_a_print_area_that_follows_the_data(blank: Path) -> None:
    found = names(blank)

    assert found[("_xlnm.Print_Area", "Corporate")] == following_area("'Corporate'", PRINTED)
    assert found[("_xlnm.Print_Titles", "Corporate")] == "'Corporate'!$1:$1"  # kept
    sheet = openpyxl.load_workbook(blank)["Corporate"]
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage


def test_validate_fix_turns_a_fixed_print_area_into_one_that_follows(okr: Any, blank: Path) -> None:
    add_rows(blank, "Corporate", SHOP_ROWS)
    with_fixed_area(blank, "Corporate", "$A$1:$X$2")
    assert names(blank)[("_xlnm.Print_Area", "Corporate")] == "'Corporate'!$A$1:$X$2"

    assert okr("validate", "--fix", "-w", str(blank)).exit_code == 0

    assert names(blank)[("_xlnm.Print_Area", "Corporate")].startswith("OFFSET('Corporate'!$A$1")


def test_follow_data_leaves_other_print_areas_alone() -> None:
    xml = (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<definedNames>"
        b'<definedName name="_xlnm.Print_Area" localSheetId="0">Guide!$A$1:$A$21</definedName>'
        b'<definedName name="_xlnm.Print_Area" localSheetId="1">T!$B$2:$C$9</definedName>'
        b'<definedName hidden="1" name="_xlnm._FilterDatabase" localSheetId="1">T!$A$1:$C$9'
        b"</definedName></definedNames></workbook>"
    )
    assert follow_data(xml) == xml  # no table (Guide), or not from A1 (a person's own)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_rows_typed_later_are_in_the_printed_area(okr: Any, blank: Path, tmp_path: Path) -> None:
    add_rows(blank, "Corporate", SHOP_ROWS)  # typed after init: rows 2 to 5
    # What the print area's formula counts, computed by LibreOffice in a spare cell.
    type_cells(blank, {"Guide": {(1, 5): '=IFERROR(MATCH(REPT("z",255),Corporate!$A:$A),1)'}})
    fixed = tmp_path / "fixed.xlsx"
    fixed.write_bytes(blank.read_bytes())
    with_fixed_area(fixed, "Corporate", "$A$1:$X$2")  # as okr init wrote it before

    computed = recalculate([blank], tmp_path / "out")[blank]
    rows = openpyxl.load_workbook(computed, data_only=True)["Guide"].cell(1, 5).value
    ranges = {}
    for path in (blank, fixed):
        out = tmp_path / path.stem
        subprocess.run(
            [str(SOFFICE), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
             "--convert-to", "ods", "--outdir", str(out), str(path)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        content = zipfile.ZipFile(out / f"{path.stem}.ods").read("content.xml").decode()
        found = re.search(r'table:name="Corporate"[^>]*?table:print-ranges="([^"]*)"', content)
        ranges[path] = found[1] if found else None

    assert rows == 5  # the header and the 4 typed rows: what Excel prints
    assert ranges[fixed] == "Corporate.A1:Corporate.X2"  # the issue: the first row only
    assert ranges[blank] is None  # LibreOffice prints the used area: every typed row
