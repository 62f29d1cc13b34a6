"""Which results okr writes beside its own formulas, and which it leaves to a spreadsheet
program: a row okr cannot read gets none, nor does what rolls it up; the rest do."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

from okrsheet.layout.dashboard_results import rounded_tenths
from okrsheet.layout.schema import OKR_COLUMNS

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def values(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, data_only=True)


def row_of(sheet: Any, item_id: str) -> int:
    return next(r for r in range(2, 40) if sheet.cell(r, COL["id"]).value == item_id)


def test_a_row_okr_cannot_read_gets_no_result_nor_does_its_objective(
    okr: Any, example: Path
) -> None:
    book = openpyxl.load_workbook(example)
    sales = book["Sales"]
    sales.cell(row_of(sales, "SALES-1.3"), COL["target"]).value = "TBD"
    book.save(example)
    assert okr("checkin", "SALES-1.1", "--value", "100", "-w", str(example)).exit_code == 0

    read = values(example)
    sales = read["Sales"]
    assert sales.cell(row_of(sales, "SALES-1.3"), COL["progress"]).value is None
    assert sales.cell(row_of(sales, "SALES-1"), COL["progress"]).value is None
    assert isinstance(sales.cell(row_of(sales, "SALES-1.1"), COL["progress"]).value, float)
    status = sales.cell(row_of(sales, "SALES-1.1"), COL["status"]).value
    assert status in ("at risk", "on track", "off track")
    board = read["Dashboard"]
    slots = {board.cell(r, 2).value: r for r in range(2, 12)}
    assert board.cell(slots["SALES-1"], 5).value is None  # its progress: left to calculation
    assert isinstance(board.cell(slots["CORP-1"], 5).value, float)
    assert board.cell(slots["CORP-1"], 8).value  # a status word
    # The summary that averages every objective is not known either.
    assert board.cell(7, 13).value is None


def test_results_sit_beside_the_formulas_with_their_types(okr: Any, example: Path) -> None:
    assert okr("checkin", "SALES-1.1", "--value", "100", "-w", str(example)).exit_code == 0
    with zipfile.ZipFile(example) as package:
        names = {n for n in package.namelist() if n.startswith("xl/worksheets/sheet")}
        xml = b"".join(package.read(n) for n in sorted(names))
    texts = re.findall(rb'<c r="[A-Z]+\d+"[^>]* t="str"><f>[^<]*</f><v>([^<]*)</v>', xml)
    # (an empty <v></v>, as openpyxl writes beside a formula, is no result: not read here)
    numbers = re.findall(rb'<c r="[A-Z]+\d+"(?: s="\d+")?><f>[^<]*</f><v>([^<]+)</v>', xml)
    assert b"on track" in texts or b"at risk" in texts or b"off track" in texts
    assert numbers and all(float(n) == float(n) for n in numbers)


def test_a_bar_rounds_halves_up_and_leaves_a_near_half_alone() -> None:
    assert rounded_tenths(0.25) == 3  # 2.5: away from zero, as ROUND does
    assert rounded_tenths(0.24) == 2
    assert rounded_tenths(1.0) == 10
    assert rounded_tenths(0.0) == 0
    assert rounded_tenths(0.24999999999999997) is None  # the last bits decide: not known
