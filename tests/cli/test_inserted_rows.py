"""A row inserted in the sheet has none of the tab's formulas (issue 24 point 9): the sheet
shows no Progress or Status for it while okr counts it, so the Dashboard and the CLI disagree.
`validate` names such rows, and after `validate --fix` LibreOffice agrees with okr."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.primitives import column_letter
from okrsheet.stores.xlsx.patch import Package, sheet_parts
from tests.cli.test_sheet_agrees import (
    SOFFICE,
    disagreements,
    real_today,  # noqa: F401 - a fixture
    recalculate,
    status_of,
)

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def type_row_in_xml(path: Path, tab: str, row: int, values: dict[str, Any]) -> None:
    """Type a row as a spreadsheet program saves it after a person inserted it: the cells they
    typed, no formulas, and every other cell (with the results the program saved) untouched."""
    with zipfile.ZipFile(path) as book:
        parts = {n: book.read(n) for n in book.namelist()}
    part = sheet_parts(Package.open(path))[tab]
    root = etree.fromstring(parts[part])
    data = root.find(f"{{{NS}}}sheetData")
    assert data is not None
    new = etree.SubElement(data, f"{{{NS}}}row", r=str(row))
    for key, value in values.items():
        ref = f"{column_letter(COL[key])}{row}"
        if isinstance(value, str):
            cell = etree.SubElement(new, f"{{{NS}}}c", r=ref, t="inlineStr")
            etree.SubElement(etree.SubElement(cell, f"{{{NS}}}is"), f"{{{NS}}}t").text = value
        else:
            cell = etree.SubElement(new, f"{{{NS}}}c", r=ref)
            etree.SubElement(cell, f"{{{NS}}}v").text = str(value)
    parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in parts.items():
            out.writestr(name, content)


def serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_row_without_formulas_is_named_and_fixed(
    okr: Any,
    tmp_path: Path,
    real_today: None,  # noqa: F811
) -> None:
    made = tmp_path / "made" / "acme.xlsx"
    made.parent.mkdir()
    assert okr("init", str(made), "--example").exit_code == 0
    saved = recalculate([made], tmp_path / "saved")[made]  # saved by LibreOffice, with results
    typed = tmp_path / "typed.xlsx"
    shutil.copy(saved, typed)
    end = dt.date.fromisoformat(status_of(okr, typed)["cycle"]["end"])
    type_row_in_xml(typed, "Sales", 90, {
        "type": "Key result", "id": "SALES-1.9", "objective_id": "SALES-1",
        "title": "Partner deals", "owner": "Marcus Webb", "start": 0, "target": 10,
        "current": 6, "due": serial(end),
    })  # fmt: skip

    found = json.loads(okr("validate", "-f", "json", "-w", str(typed)).stdout)["findings"]
    [row] = [f for f in found if f["code"] == "no-formulas"]
    assert row["where"] == f"Sales!{column_letter(COL['progress'])}90"
    assert "`okr validate --fix` writes them" in row["message"]

    fixed = tmp_path / "fixed.xlsx"
    shutil.copy(typed, fixed)
    assert okr("validate", "--fix", "-w", str(fixed)).exit_code == 0
    statuses = {p: status_of(okr, p) for p in (typed, fixed)}
    done = recalculate([typed, fixed], tmp_path / "out")

    assert "key result SALES-1.9 has no row in the sheet" in disagreements(
        done[typed], statuses[typed]
    )  # the issue, as reported
    assert disagreements(done[fixed], statuses[fixed]) == []


def test_a_workbook_okr_wrote_last_has_no_such_finding(okr: Any, example: Path) -> None:
    """Without results saved by a program (okr writes none), nothing can be told apart."""
    found = json.loads(okr("validate", "-f", "json", "-w", str(example)).stdout)["findings"]
    assert [f for f in found if f["code"] == "no-formulas"] == []
