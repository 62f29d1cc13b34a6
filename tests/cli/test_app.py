"""The `okr` command as a whole: help, version, errors, and start-up without heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from okrsheet import __version__
from okrsheet.cli import COMMANDS as TABLE

COMMANDS = [entry.name for entry in TABLE if entry.name != "auth"]  # auth: a group


def test_version(okr: Any) -> None:
    for flag in ("--version", "-V"):
        result = okr(flag)
        assert (result.exit_code, result.stdout) == (0, f"okr {__version__}\n")


def test_help_lists_every_command(okr: Any) -> None:
    result = okr("--help")

    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(okr: Any, name: str) -> None:
    result = okr(name, "--help")

    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"okr {name}" in result.stdout.split("Example", 1)[1]


def test_unknown_command_and_option(okr: Any) -> None:
    assert okr("statsu").exit_code == 2
    result = okr("status", "--colour")
    assert result.exit_code == 2
    assert "--colour" in result.stderr


def test_unexpected_errors_are_one_line_without_traceback(
    okr: Any, shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import okrsheet.reports.status

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something broke")

    monkeypatch.setattr(okrsheet.reports.status, "score_plan", boom)
    result = okr("status", "-w", str(shop))

    assert result.exit_code == 1
    assert "something broke" in result.stderr
    assert "Traceback" not in result.stderr
    assert "OKR_DEBUG" in result.stderr  # says how to see more


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def test_local_commands_do_not_import_google_or_openpyxl(shop: Path, tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from okrsheet.cli import main\n"
        f"sys.argv = ['okr', 'status', '-w', {str(shop)!r}, '--format', 'json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('gspread', 'google.auth', 'openpyxl') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = run("-c", probe, cwd=tmp_path)

    assert "HEAVY []" in result.stderr, result.stderr


def test_help_imports_almost_nothing(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from okrsheet.cli import main\n"
        "sys.argv = ['okr', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('pydantic', 'rich.table', 'python_calamine', 'openpyxl',\n"
        "               'gspread') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = run("-c", probe, cwd=tmp_path)

    assert "HEAVY []" in result.stderr, result.stderr


def test_the_installed_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("okr")
    assert script.exists(), "the console script is installed next to python"

    result = subprocess.run(
        [str(script), "status", "-w", "missing.xlsx"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )

    assert result.returncode == 4
    assert result.stdout == ""
    assert "missing.xlsx" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_module_defines_its_table_entry() -> None:
    """The table names a module and a function for each command; each must exist, once."""
    import importlib

    assert len(set(COMMANDS)) == len(COMMANDS)
    for entry in TABLE:
        module = importlib.import_module(f"okrsheet.cli.commands.{entry.module}")
        assert callable(getattr(module, entry.name, None) or module.app), entry
        assert entry.summary.endswith(".") and len(entry.summary) <= 64, entry


_HELP_IMPORTS = """
import contextlib, io, sys
sys.argv = ["okr", sys.argv[1], "--help"] if len(sys.argv) > 1 else ["okr", "--help"]
from okrsheet.__main__ import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main()
print(sorted(m for m in sys.modules if m.startswith("okrsheet.cli.commands.")))
"""


def test_only_the_command_that_runs_is_loaded() -> None:
    import subprocess
    import sys

    def loaded(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", _HELP_IMPORTS, *args],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip()  # fmt: skip

    assert loaded() == "[]"
    assert loaded("status") == "['okrsheet.cli.commands.status']"
    assert loaded("auth") == "['okrsheet.cli.commands.auth']"
