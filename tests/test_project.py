"""The project's promises about itself: README set-up lines, CI, docs and changelog."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from okrsheet.cli import COMMANDS as TABLE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = [entry.name for entry in TABLE]


def setup_commands() -> list[str]:
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = setup_commands()

    assert len(commands) == 2
    main_job, tests = commands
    assert "okr init" in main_job and "--example" in main_job and "okr status" in main_job
    assert "pytest" in tests and ".[test]" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

    assert setup_commands()[1] in ci.splitlines()
    for check in ("ruff check", "ruff format --check", "mypy --strict okrsheet"):
        assert check in ci
    assert ".venv/bin/vulture" in ci.splitlines()


def test_vulture_finds_no_dead_code() -> None:
    """Every name in okrsheet is used, or listed with its reason in .ci/vulture_whitelist.py."""
    done = subprocess.run(
        [sys.executable, "-m", "vulture"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, ""), done.stderr


def test_readme_names_every_command() -> None:
    assert len(COMMANDS) > 10
    for name in COMMANDS:
        assert f"`okr {name}" in README, name


def test_docs_exist_and_are_linked() -> None:
    for name in ("workbook", "scoring", "output", "exit-codes"):
        path = ROOT / "docs" / f"{name}.md"
        assert path.is_file(), path
        assert f"(docs/{name}.md)" in README


def test_every_exit_code_is_documented() -> None:
    from okrsheet.errors import ExitCode

    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert re.search(rf"\|\s*`?{code.value}`?\s*\|", text), code


def test_changelog_has_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    assert "## Unreleased" in text or "## [Unreleased]" in text


def test_templates_ship_with_the_package() -> None:
    from okrsheet.templates import available_templates

    assert {"blank", "sales", "product"} <= set(available_templates())
