"""The `okr` entry point: `okr --version` without the command-line framework, everything else
through the Typer app."""

from __future__ import annotations

import subprocess
import sys

from okrsheet import __version__

_VERSION_WITHOUT_TYPER = """
import sys
from okrsheet.__main__ import main
sys.argv = ["okr", sys.argv[1]]
main()
heavy = sorted(m for m in ("typer", "rich", "pydantic", "openpyxl", "gspread") if m in sys.modules)
print("imported:", heavy)
"""


def test_version_answers_without_importing_the_framework() -> None:
    for flag in ("--version", "-V"):
        out = subprocess.run(
            [sys.executable, "-c", _VERSION_WITHOUT_TYPER, flag],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        assert out.splitlines() == [f"okr {__version__}", "imported: []"]


def test_python_dash_m_runs_the_same_app() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "okrsheet", "--help"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Usage: okr" in result.stdout and "checkin" in result.stdout


def test_the_installed_script_uses_the_entry_point() -> None:
    from pathlib import Path

    script = Path(sys.executable).with_name("okr")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == f"okr {__version__}\n"
    result = subprocess.run([str(script), "status", "--format", "nope"], capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
