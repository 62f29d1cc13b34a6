"""A row inserted in the sheet has none of the tab's formulas (issue 24 point 9): the sheet
shows no Progress or Status for it while okr counts it, so the Dashboard and the CLI disagree.
`validate` names such rows, whoever saved the file last (LibreOffice, or okr and no program
since), and after `validate --fix` LibreOffice agrees with okr."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.primitives import column_letter
from okrsheet.stores.xlsx.patch import Package, sheet_parts
from tests.cli.libreoffice_typing import needs_libreoffice_typing, type_in_libreoffice
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


def test_a_row_typed_by_openpyxl_into_a_workbook_okr_wrote_is_named(
    okr: Any, example: Path
) -> None:
    """A workbook okr wrote holds its formulas without results until a spreadsheet program
    recalculates it: a typed row is told apart by having no formula at all."""
    book = openpyxl.load_workbook(example)
    sheet = book["Sales"]
    row = sheet.max_row + 3  # below the prepared rows, which have the formulas
    typed = {
        "type": "Key result", "id": "SALES-1.9", "objective_id": "SALES-1",
        "title": "Partner deals", "owner": "Marcus Webb", "start": 0, "target": 10,
        "current": 6, "due": dt.datetime(2026, 12, 31),
    }  # fmt: skip
    for key, value in typed.items():
        sheet.cell(row, COL[key]).value = value
    book.save(example)

    found = json.loads(okr("validate", "-f", "json", "-w", str(example)).stdout)["findings"]

    [named] = [f for f in found if f["code"] == "no-formulas"]
    assert named["where"] == f"Sales!{column_letter(COL['progress'])}{row}"
    assert okr("validate", "--fix", "-w", str(example)).exit_code == 0
    again = json.loads(okr("validate", "-f", "json", "-w", str(example)).stdout)["findings"]
    assert [f for f in again if f["code"] == "no-formulas"] == []
    formulas = openpyxl.load_workbook(example)["Sales"]
    assert str(formulas.cell(row, COL["progress"]).value).startswith("=")


@needs_libreoffice_typing
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_row_inserted_in_libreoffice_is_named_and_agrees_after_fix(
    okr: Any,
    tmp_path: Path,
    real_today: None,  # noqa: F811
) -> None:
    made = tmp_path / "made" / "acme.xlsx"
    made.parent.mkdir()
    assert okr("init", str(made), "--example").exit_code == 0
    end = status_of(okr, made)["cycle"]["end"]
    sales = openpyxl.load_workbook(made)["Sales"]
    before = next(r for r in range(2, sales.max_row) if sales.cell(r, 2).value == "SALES-1.2")
    typed = {
        "type": "Key result", "id": "SALES-1.9", "objective_id": "SALES-1",
        "title": "Partner deals", "owner": "Marcus Webb", "start": 0, "target": 10,
        "current": 6, "due": end,
    }  # fmt: skip
    inserted = tmp_path / "inserted.xlsx"
    type_in_libreoffice(made, inserted, [{
        "tab": "Sales", "before": before,
        "cells": {column_letter(COL[k]): v for k, v in typed.items()},
    }])  # fmt: skip

    found = json.loads(okr("validate", "-f", "json", "-w", str(inserted)).stdout)["findings"]

    [named] = [f for f in found if f["code"] == "no-formulas"]
    assert named["where"] == f"Sales!{column_letter(COL['progress'])}{before}"
    fixed = tmp_path / "fixed.xlsx"
    shutil.copy(inserted, fixed)
    assert okr("validate", "--fix", "-w", str(fixed)).exit_code == 0
    statuses = {p: status_of(okr, p) for p in (inserted, fixed)}
    krs = {k["id"] for o in statuses[fixed]["objectives"] for k in o["key_results"]}
    assert "SALES-1.9" in krs
    done = recalculate([inserted, fixed], tmp_path / "out")

    assert any("SALES-1" in d for d in disagreements(done[inserted], statuses[inserted]))
    assert disagreements(done[fixed], statuses[fixed]) == []
