"""Shared fixtures: every test runs in its own directory with a clean, pinned environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from okrsheet.cli import app

#: The day the tests live on: mid-way through 2026-Q4.
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory, no inherited workbook, no colour, a fixed today."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "OKR_WORKBOOK",
        "OKR_DEBUG",
        "OKR_AUTHOR",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("OKR_TODAY", TODAY.isoformat())
    yield tmp_path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def okr() -> Any:
    """Run the real Typer app in-process: okr("status", "--format", "json")."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def example(okr: Any, tmp_path: Path) -> Path:
    """The --example company for 2026-Q4, created through the real `okr init`."""
    path = tmp_path / "example.xlsx"
    result = okr("init", str(path), "--example", "--cycle", "2026-Q4")
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture
def blank(okr: Any, tmp_path: Path) -> Path:
    """A blank template workbook for 2026-Q4."""
    path = tmp_path / "blank.xlsx"
    result = okr("init", str(path), "--cycle", "2026-Q4")
    assert result.exit_code == 0, result.stderr
    return path
