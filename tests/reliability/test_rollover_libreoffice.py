"""`okr rollover` on a workbook LibreOffice has saved (issue: it refused every one).

LibreOffice adds parts the full (openpyxl) rewrite would drop: custom document properties,
drawings, comment boxes (VML) and conditional formats of the 2010 format. A rollover now
deletes rows, sets cells and adds its archive tab by patching the package, so every one of
those parts stays, and LibreOffice opens the result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsheet.stores.xlsx.keep import lost_in_rewrite

_CF_RULE = re.compile(rb"<x14:cfRule\b")


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required here (CI installs it)")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


def _convert(soffice: str, book: Path, out: Path) -> Path:
    """`book` opened and saved again as .xlsx by LibreOffice, into the folder `out`."""
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{out.parent}/profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / book.name


@pytest.fixture(scope="module")
def saved_by_libreoffice(example_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """`okr init --example`, opened and saved by LibreOffice, and nothing else."""
    folder = tmp_path_factory.mktemp("libreoffice-rollover")
    (folder / "okr.xlsx").write_bytes(example_bytes)
    return _convert(_soffice(), folder / "okr.xlsx", folder / "saved").read_bytes()


def _parts(data: bytes) -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _cycle_view(status: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What `okr status -f json` says of each objective and key result that a save by
    another program must not change."""
    rows: list[tuple[Any, ...]] = []
    for objective in status["objectives"]:
        rows.append((objective["id"], objective["title"], objective["progress"]))
        for kr in objective["key_results"]:
            rows.append((kr["id"], kr["title"], kr["start"], kr["target"], kr["current"],
                         kr["due"], kr["progress"]))  # fmt: skip
    return rows


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_rollover_of_a_workbook_saved_by_libreoffice_keeps_its_parts(
    okr: Any, tmp_path: Path, saved_by_libreoffice: bytes, example_bytes: bytes
) -> None:
    book = tmp_path / "okr.xlsx"
    book.write_bytes(saved_by_libreoffice)
    before = _parts(saved_by_libreoffice)
    # What LibreOffice added, which the full rewrite would have lost.
    assert "docProps/custom.xml" in before
    assert any(name.startswith("xl/drawings/drawing") for name in before)
    bars = sum(len(_CF_RULE.findall(data)) for data in before.values())
    assert bars > 0

    result = okr("rollover", "--to", "2027-Q1", "-w", str(book))

    assert result.exit_code == 0, result.stderr
    assert "would lose" not in result.stderr
    after = _parts(book.read_bytes())
    assert set(before) <= set(after)
    assert after["docProps/custom.xml"] == before["docProps/custom.xml"]
    assert sum(len(_CF_RULE.findall(data)) for data in after.values()) == bars
    assert lost_in_rewrite(saved_by_libreoffice, book.read_bytes()) == []

    # The new cycle reads in okr, as it does after a rollover of the workbook okr made.
    status = okr("status", "-f", "json", "-w", str(book))
    assert status.exit_code == 0, status.stderr
    assert status.json()["cycle"]["name"] == "2027-Q1"
    assert okr("validate", "-w", str(book)).exit_code == 0
    made_by_okr = tmp_path / "made-by-okr.xlsx"
    made_by_okr.write_bytes(example_bytes)
    assert okr("rollover", "--to", "2027-Q1", "-w", str(made_by_okr)).exit_code == 0
    expected = okr("status", "-f", "json", "-w", str(made_by_okr)).json()
    assert _cycle_view(status.json()) == _cycle_view(expected)
    archive = load_workbook(book)["Archive 2026-Q4"]
    dues = [row[13] for row in archive.iter_rows(min_row=2) if row[13].value is not None]
    assert dues and all(cell.is_date for cell in dues)
    sales_header = load_workbook(book)["Sales"]["A1"]
    assert archive["A1"].font.b and archive["A1"].font.b == sales_header.font.b
    assert archive["A1"].fill.fgColor.rgb == sales_header.fill.fgColor.rgb

    # LibreOffice opens the result, and what it saves reads the same in okr.
    again = _convert(_soffice(), book, tmp_path / "again")
    reread = okr("status", "-f", "json", "-w", str(again))
    assert reread.exit_code == 0, reread.stderr
    assert _cycle_view(reread.json()) == _cycle_view(status.json())
    assert "Archive 2026-Q4" in load_workbook(again, read_only=True).sheetnames
