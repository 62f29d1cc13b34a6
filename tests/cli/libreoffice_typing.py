"""Typing into a workbook in LibreOffice itself, as a person does: rows inserted with Insert
Rows Above, values typed into cells (a text like `31/12/2026` is read as LibreOffice reads
typing), then saved as .xlsx by LibreOffice. It drives LibreOffice through its UNO bridge, which
only the Python LibreOffice ships with (or the system's, with `python3-uno`) can import, so the
script runs in that Python as a child process.

Without LibreOffice and its UNO bridge the tests using this skip, except in CI (`CI` set),
where they fail: `.ci/run` installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_sheet_agrees import SOFFICE


def _uno_python() -> str | None:
    """A Python that can import LibreOffice's `uno` module."""
    candidates = [
        os.environ.get("OKR_UNO_PYTHON", ""),
        "/usr/lib/libreoffice/program/python",
        "/usr/bin/python3",
        shutil.which("python3") or "",
    ]
    for candidate in filter(None, candidates):
        if not Path(candidate).is_file():
            continue
        found = subprocess.run(
            [candidate, "-c", "import uno"], capture_output=True, timeout=60, check=False
        )
        if found.returncode == 0:
            return candidate
    return None


UNO_PYTHON = _uno_python() if SOFFICE else None
if UNO_PYTHON is None and os.environ.get("CI"):
    pytest.fail("LibreOffice with its Python UNO bridge (python3-uno) is required in CI")
needs_libreoffice_typing = pytest.mark.skipif(
    UNO_PYTHON is None, reason="LibreOffice's Python UNO bridge is not installed"
)

_SCRIPT = """
import json
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    soffice, profile, source, target, spec = sys.argv[1:6]
    pipe = f"okr{uuid.uuid4().hex}"
    office = subprocess.Popen([
        soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
        "--invisible", f"--accept=pipe,name={pipe};urp;",
    ])
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(600):
            try:
                ctx = resolver.resolve(
                    f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),))
        for step in json.loads(spec):
            sheet = doc.Sheets.getByName(step["tab"])
            row = step.get("before") or step["row"]
            if step.get("before"):
                sheet.Rows.insertByIndex(row - 1, 1)
            for letters, value in step["cells"].items():
                cell = sheet.getCellRangeByName(f"{letters}{row}")
                if isinstance(value, str):
                    cell.setFormula(value)  # as typed: a date or number in text is read
                else:
                    cell.setValue(value)
        doc.calculateAll()
        doc.storeToURL(uno.systemPathToFileUrl(target),
                       (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


main()
"""


def type_in_libreoffice(source: Path, target: Path, steps: list[dict[str, Any]]) -> Path:
    """`source` opened in LibreOffice, each step typed, saved by LibreOffice as `target`.

    A step: {"tab": "Sales", "before": 5, "cells": {"A": "Key result", "I": 0}} inserts a row
    above row 5 and types into it; {"tab": ..., "row": 5, "cells": ...} types over row 5. A
    string is typed as a person types it (LibreOffice reads numbers and dates in it)."""
    assert SOFFICE is not None and UNO_PYTHON is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    script = target.parent / "type_in_libreoffice.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    profile = (target.parent / "uno-profile").as_uri()
    subprocess.run(
        [UNO_PYTHON, str(script), SOFFICE, profile, str(source), str(target), json.dumps(steps)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert target.exists(), f"LibreOffice wrote no {target}"
    return target
