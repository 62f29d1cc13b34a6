"""A plain new tab (the Reminders tab) is added by patching the package, not by a rewrite:
fast on a large workbook, and every other part (a chart included) kept byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from python_calamine import CalamineWorkbook

from okrsheet.stores.base import AddTab, AppendRows, ColumnSpec, Formula, RawWorkbook, TabSpec
from okrsheet.stores.xlsx.newtab import add_tabs, plain
from okrsheet.stores.xlsx.package import Package, Unpatchable
from okrsheet.stores.xlsx.store import XlsxStore

SPEC = TabSpec(
    title="Reminders",
    columns=[ColumnSpec("Sent at", width=25), ColumnSpec("Owner"), ColumnSpec("Count")],
    rows=[["2026-11-20 08:00:00+00:00", "Ana <&> _x0041_ Lima", 3], ["later", " =SUM(A1)\n", None]],
    color="7F7F7F",
)


def charted(example: Path) -> Path:
    """The example with a chart on the Sales tab (openpyxl cannot keep one in a rewrite)."""
    book = openpyxl.load_workbook(example)
    sales = book["Sales"]
    chart = BarChart()
    chart.add_data(Reference(sales, min_col=11, min_row=1, max_row=6), titles_from_data=True)
    sales.add_chart(chart, "Z2")
    book.save(example)
    return example


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_a_plain_tab_is_patched_in(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = charted(example)
    before = members(path)

    def no_rewrite(*args: Any) -> bytes:
        raise AssertionError("a plain new tab needs no full rewrite")

    monkeypatch.setattr(XlsxStore, "_rewritten", no_rewrite)

    def planner(raw: RawWorkbook) -> list[Any]:
        assert "Reminders" not in raw.titles
        return [AddTab(SPEC)]

    XlsxStore(path).update(planner)
    after = members(path)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert any(n.startswith("xl/charts/") for n in after)
    new = set(after) - set(before)
    assert len(new) == 1 and new.pop().startswith("xl/worksheets/sheet")
    # The new tab's entry is spelled `r:id`, as older readers (python-calamine 0.5) require.
    listed = after["xl/workbook.xml"].decode()
    assert '<sheet xmlns:r="' in listed or "xmlns:r=" in listed.split("<sheets")[0]
    assert 'name="Reminders"' in listed and " r:id=" in listed.split('name="Reminders"')[1][:200]

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Reminders").to_python()
    assert rows == [
        ["Sent at", "Owner", "Count"],
        ["2026-11-20 08:00:00+00:00", "Ana <&> _x0041_ Lima", 3.0],
        ["later", " =SUM(A1)\n", ""],
    ]
    sheet = openpyxl.load_workbook(path)["Reminders"]
    assert sheet.freeze_panes == "A2"
    assert sheet["B3"].value == " =SUM(A1)\n" and sheet["B3"].data_type == "s"
    assert sheet.column_dimensions["A"].width == 25
    assert XlsxStore(path).read().titles[-1] == "Reminders"

    # Then rows are appended to it as to any tab.
    XlsxStore(path).update(lambda raw: [AppendRows("Reminders", [["x", "Bo", 1]])])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Reminders").to_python()
    assert rows[-1] == ["x", "Bo", 1.0]


def test_libreoffice_opens_the_patched_workbook(example: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required here (CI installs it)")
        pytest.skip("LibreOffice (soffice) is not installed")
    XlsxStore(example).update(lambda raw: [AddTab(SPEC)])
    out = tmp_path / "out"
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", "xlsx", "--outdir", str(out), str(example)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    saved = CalamineWorkbook.from_path(str(out / example.name))
    assert saved.sheet_names[-1] == "Reminders"
    assert saved.get_sheet_by_name("Reminders").to_python()[1][1] == "Ana <&> _x0041_ Lima"


def test_what_is_not_plain_still_goes_through_openpyxl() -> None:
    assert plain(AddTab(SPEC))
    assert not plain(AddTab(SPEC, before="People"))
    formula = TabSpec("F", [ColumnSpec("A")], rows=[[Formula("=1+1")]])
    assert not plain(AddTab(formula))
    # A cell's own number format (an archive row in its key result's unit) is a style too.
    with_format = TabSpec("F", [ColumnSpec("A")], rows=[[1]], cell_formats={(0, 1): "percent"})
    assert plain(AddTab(with_format))
    assert not plain(AddTab(TabSpec("F", [ColumnSpec("A", choices=("x", "y"))])))
    # A column's number format is a cell style the patcher finds or adds.
    assert plain(AddTab(TabSpec("F", [ColumnSpec("A", number_format="percent")])))
    assert not plain(AddTab(TabSpec("F", [ColumnSpec("A", choices=("a", "b"))])))


def test_a_tab_that_exists_is_left_to_openpyxl(example: Path) -> None:
    XlsxStore(example).update(lambda raw: [AddTab(SPEC)])
    package = Package.open(example)
    with pytest.raises(Unpatchable):
        add_tabs(package, [AddTab(SPEC)], {})
