"""A read command loads its own report and none of the writer side: `okr lagging` run in a
fresh process, and the modules it imported listed after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

#: Runs okr with the arguments given, then prints every module imported, as JSON, on stderr.
RUN_AND_LIST = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["okr", *sys.argv[1:]]
from okrsheet.__main__ import main
main()
"""

#: The writer side: laying out workbooks, formulas, patching and rendering .xlsx files. (The
#: zip package itself, `stores/xlsx/package`, is read too: the size bounds are checked
#: on it before any sheet is parsed.)
WRITERS = (
    "okrsheet.layout.writer",
    "okrsheet.layout.formulas",
    "okrsheet.layout.changes",
    "okrsheet.layout.dashboard",
    "okrsheet.stores.xlsx.openpyxl_write",
    "okrsheet.stores.xlsx.patch",
    "okrsheet.report_page",
    "openpyxl",
)
#: What every report shares.
SHARED_REPORTS = {"okrsheet.reports", "okrsheet.reports.base", "okrsheet.reports.kpi_rows"}


def imported(workbook: Path, *args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args, "-w", str(workbook)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # 6 only with `lagging --fail`
    return set(json.loads(done.stderr.splitlines()[-1]))


@pytest.mark.parametrize(
    ("args", "own"),
    [
        (["lagging"], "lagging"),
        (["lagging", "--format", "json"], "lagging"),
        (["lagging", "--missing-checkins", "--format", "md"], "lagging"),
        (["status", "--format", "json"], "status"),
    ],
)
def test_a_report_imports_its_own_report_and_no_writer(
    example: Path, args: list[str], own: str
) -> None:
    modules = imported(example, *args)
    assert f"okrsheet.reports.{own}" in modules
    reports = {m for m in modules if m.startswith("okrsheet.reports")}
    assert reports == SHARED_REPORTS | {f"okrsheet.reports.{own}"}
    assert not [m for m in modules if m.startswith(WRITERS)]


def test_every_report_name_is_still_importable_from_the_package() -> None:
    import okrsheet.reports as reports

    for name in reports.__all__:
        assert getattr(reports, name) is not None, name
    with pytest.raises(AttributeError):
        _ = reports.no_such_report


@pytest.mark.parametrize("command", ["status", "lagging", "checkin", "history"])
def test_a_commands_help_does_not_load_pydantic_or_rich(example: Path, command: str) -> None:
    """Typer builds a pydantic adapter for each option it converts: options left out are
    left as they are, so `okr CMD --help` costs about what `okr --help` does. Help is plain
    text: the consoles (Rich, a quarter of start-up) load when something is printed through
    them."""
    modules = imported(example, command, "--help")
    assert f"okrsheet.cli.commands.{command}" in modules
    heavy = ("pydantic", "pydantic_core", "rich")
    assert not [m for m in modules if m.split(".")[0] in heavy]


def test_options_still_convert_when_given(
    okr: Any, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrsheet.stores.google.auth import CREDENTIALS_ENV

    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)
    key = tmp_path / "key.json"
    result = okr("--credentials", str(key), "status", "-w", str(example))
    assert result.exit_code == 0, result.stderr
    assert os.environ[CREDENTIALS_ENV] == str(key)
    result = okr("status", "--format", "json", "--as-of", "2026-11-01", "-w", str(example))
    assert result.exit_code == 0, result.stderr
    assert result.json()["as_of"] == "2026-11-01"
    result = okr("status", "--format", "nonsense", "-w", str(example))
    assert result.exit_code == 2
    assert "--format" in result.stderr
