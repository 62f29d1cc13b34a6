"""The documentation against the code: every command, option, output format, environment
variable and exit code that `okr` has is in the docs, and the exit-code table is the code's."""

from __future__ import annotations

import contextlib
import io
import json
import re
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

import okrsheet.errors as errors_module
from okrsheet.errors import ExitCode
from okrsheet.render import OutputFormat
from tests import docgen

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
OUTPUT = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
EXIT_CODES = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
#: What people wrote: the generated command reference documents nothing by itself.
PAGES = [p for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "commands.md"]
DOCS = "\n".join([README, *(p.read_text(encoding="utf-8") for p in PAGES)])

#: Options every command has through the command-line framework.
FRAMEWORK_OPTIONS = {"--help", "--install-completion", "--show-completion"}


def help_text(path: tuple[str, ...]) -> str:
    return docgen.help_text(path, width=200)


def options(path: tuple[str, ...]) -> list[str]:
    """The long options `okr PATH --help` lists (both halves of `--x / --no-x`)."""
    section = help_text(path).split("\nOptions:\n", 1)[1].split("\nCommands:\n", 1)[0]
    found: list[str] = []
    for line in section.splitlines():
        match = re.match(r"\s{2}(?:-\w, )?(--[\w-]+)(?: / (--[\w-]+))?", line)
        if match:
            found.extend(name for name in match.groups() if name)
    return [name for name in found if name not in FRAMEWORK_OPTIONS]


PATHS = docgen.command_paths()
OPTIONS = [(path, option) for path in [(), *PATHS] for option in options(path)]
REPORTS = [path[0] for path in PATHS if "--format" in options(path)]


def test_the_command_walk_finds_commands_options_and_reports() -> None:
    assert ("status",) in PATHS and ("auth", "login") in PATHS
    assert {"--as-of", "--format", "--workbook"} <= set(options(("status",)))
    assert "--help" not in options(("status",))
    assert {"status", "validate", "lagging"} <= set(REPORTS)
    assert "checkin" not in REPORTS


@pytest.mark.parametrize(
    ("path", "option"), OPTIONS, ids=[" ".join(["okr", *p, o]) for p, o in OPTIONS]
)
def test_every_option_is_documented(path: tuple[str, ...], option: str) -> None:
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", DOCS), (
        f"`okr {' '.join(path)} {option}` is in no README.md or docs/*.md page"
    )


@pytest.mark.parametrize("command", REPORTS)
def test_every_report_has_a_section_in_the_output_docs(command: str) -> None:
    assert re.search(rf"^## {command}$", OUTPUT, re.MULTILINE), command


def test_the_output_docs_name_every_report_and_only_reports() -> None:
    listed = OUTPUT.split("The report commands are ", 1)[1].split(".", 1)[0]
    others = OUTPUT.split("The other commands (", 1)[1].split(")", 1)[0]

    assert set(re.findall(r"`okr (\w+)`", listed)) == set(REPORTS)
    assert set(re.findall(r"`(\w+)`", others)) == {p[0] for p in PATHS} - set(REPORTS)


@pytest.mark.parametrize("value", [f.value for f in OutputFormat])
def test_every_output_format_is_documented(value: str) -> None:
    assert re.search(rf"^\| `{value}`", OUTPUT, re.MULTILINE), value
    assert value in options_help_formats()


def options_help_formats() -> str:
    """The choices `okr status --help` offers for --format."""
    match = re.search(r"--format [<[]([\w|]+)[]>]", help_text(("status",)))
    assert match
    return match.group(1)


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    names: set[str] = set()
    for path in (ROOT / "okrsheet").rglob("*.py"):
        names |= set(re.findall(r"[\"'](OKR_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    table = OUTPUT.split("## Environment variables", 1)[1]

    assert {"OKR_WORKBOOK", "OKR_TODAY"} <= names
    for name in sorted(names):
        assert f"| `{name}` |" in table, name


def exit_code_table() -> dict[int, str]:
    """docs/exit-codes.md's first table: code -> name."""
    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \|", EXIT_CODES, re.MULTILINE)
    return {int(code): name for code, name in rows}


def test_the_exit_code_table_is_the_codes_exit_codes() -> None:
    assert sorted(exit_code_table()) == sorted(code.value for code in ExitCode)


@pytest.mark.parametrize("code", list(ExitCode), ids=lambda c: c.name)
def test_every_exit_code_has_its_own_section(code: ExitCode) -> None:
    name = exit_code_table()[code.value]
    assert re.search(rf"^## {code.value}: {re.escape(name)}$", EXIT_CODES, re.MULTILINE), (
        f"no '## {code.value}: {name}' section in docs/exit-codes.md"
    )


def test_every_error_class_exits_with_a_documented_code() -> None:
    import okrsheet.errors as errors

    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.OkrError)
    ]
    assert len(classes) > 3
    for cls in classes:
        assert cls.exit_code.value in exit_code_table(), cls.__name__


#: Each report as run for its CSV columns on the example company.
CSV_RUNS: list[tuple[str, ...]] = [
    ("status",),
    ("validate",),
    ("lagging",),
    ("lagging", "--missing-checkins", "--as-of", "2026-12-20"),
    ("grade",),
    ("history", "SALES-1.1"),
    ("todo", "--owner", "Tom Alvarez"),
    ("tree",),
    ("deps",),
    ("lint",),
    ("digest",),
]


def test_every_report_is_run_for_its_columns() -> None:
    assert {run[0] for run in CSV_RUNS} == set(REPORTS)


@pytest.mark.parametrize("args", CSV_RUNS, ids=" ".join)
def test_every_csv_column_is_documented(okr: Any, example: Path, args: tuple[str, ...]) -> None:
    result = okr(*args, "-f", "csv", "-w", str(example))
    assert result.exit_code == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    section = OUTPUT.split(f"\n## {args[0]}\n", 1)[1].split("\n## ", 1)[0]
    csv_headers = re.findall(r"```csv\n(.+)\n", section)

    assert len(header) > 2, result.stdout
    for column in header:
        assert f"`{column}`" in section or any(column in h.split(",") for h in csv_headers), (
            f"okr {' '.join(args)}: CSV column {column!r} is not in its docs/output.md section"
        )


def cog_check(pages: list[str]) -> None:
    from cogapp import Cog

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = Cog().main(["cog", "--check", "--diff", "-I", str(ROOT), *pages])

    assert status == 0, f"out of date: {docgen.REGENERATE}\n{out.getvalue()}"


def test_the_generated_docs_are_up_to_date() -> None:
    """docs/commands.md is every command's --help, and the exit-code and JSON error tables are
    okrsheet.errors.EXIT_CODES: `cog --check` fails when a command or a code changed since.
    The reference is compared whole where the Typer it was rendered by is installed (as in
    development), else by what it says (the lowest versions pyproject.toml allows)."""
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    pages = [str(ROOT / page) for page in docgen.PAGES if not page.endswith("commands.md")]
    if f"As rendered by {docgen.renderer()} " in reference:
        pages.append(str(ROOT / "docs" / "commands.md"))
    else:
        test_the_command_reference_says_what_each_help_says()
    cog_check(pages)


def test_the_command_reference_says_what_each_help_says() -> None:
    """Whatever renders it: each command's text, options and their help are in its section."""
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    for path in docgen.reference_paths():
        name = " ".join(("okr", *path))
        section = reference.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        said = " ".join(section.split())
        for text in docgen.help_content(path):
            assert text in said, f"docs/commands.md, {name}: no {text!r}; {docgen.REGENERATE}"


def test_the_command_reference_has_every_command_and_the_readme_links_it() -> None:
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (okr.*)$", reference, re.MULTILINE)
    expected = [" ".join(("okr", *p)) for p in [(), *docgen.group_paths(), *PATHS]]

    assert sorted(headings) == sorted(expected)
    assert "(docs/commands.md)" in README
    assert "Usage: okr status [OPTIONS]" in reference


def envelope_table() -> dict[str, int]:
    """docs/output.md's table of the JSON error envelope: `code` -> exit code."""
    section = OUTPUT.split("## Errors in JSON", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", section, re.MULTILINE)
    return {code: int(exit_code) for code, exit_code in rows}


ERROR_CLASSES = [
    value
    for value in vars(errors_module).values()
    if isinstance(value, type) and issubclass(value, errors_module.OkrError)
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_the_cli_prints_the_envelope_the_docs_show(
    cls: type[errors_module.OkrError], capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from okrsheet.cli.errors import fail

    with pytest.raises(typer.Exit) as exited:
        fail(cls("it broke"), json_output=True)
    envelope = json.loads(capsys.readouterr().out)["error"]

    assert exited.value.exit_code == envelope["exit_code"] == int(cls.exit_code)
    assert envelope_table()[envelope["code"]] == envelope["exit_code"], envelope


def json_keys(value: Any) -> set[str]:
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def model_fields(command: str) -> set[str]:
    """The fields of the report models in `okrsheet.reports.<command>`."""
    from pydantic import BaseModel

    module = import_module(f"okrsheet.reports.{'validation' if command == 'validate' else command}")
    return {
        field
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
        for field in value.model_fields
    }


@pytest.mark.parametrize("command", sorted({run[0] for run in CSV_RUNS}))
def test_every_key_a_json_example_shows_is_in_the_real_output(
    okr: Any, example: Path, command: str
) -> None:
    section = OUTPUT.split(f"\n## {command}\n", 1)[1].split("\n## ", 1)[0]
    shown = {k for block in re.findall(r"```json\n(.*?)```", section, re.S)
             for k in re.findall(r'"(\w+)":', block)}  # fmt: skip
    real = model_fields(command)  # a list that is empty on the example shows no keys
    for args in (run for run in CSV_RUNS if run[0] == command):
        result = okr(*args, "-f", "json", "-w", str(example))
        assert result.exit_code == 0, result.stderr
        real |= json_keys(result.json())

    assert not shown - real, f"okr {command} --format json has no {sorted(shown - real)}"


@pytest.mark.parametrize("command", sorted({run[0] for run in CSV_RUNS}))
def test_every_csv_header_shown_is_a_real_one(okr: Any, example: Path, command: str) -> None:
    """A ```csv example's header is the one `okr COMMAND -f csv` prints, columns in order."""
    section = OUTPUT.split(f"\n## {command}\n", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"```csv\n(.+)\n", section)
    real = set()
    for args in (run for run in CSV_RUNS if run[0] == command):
        result = okr(*args, "-f", "csv", "-w", str(example))
        assert result.exit_code == 0, result.stderr
        real.add(result.stdout.splitlines()[0])

    for header in shown:
        assert header in real, f"okr {command} -f csv prints {sorted(real)}, not {header!r}"


def test_the_exit_code_sections_come_in_the_codes_order() -> None:
    sections = [int(code) for code in re.findall(r"^## (\d+): ", EXIT_CODES, re.MULTILINE)]
    assert sections == sorted(code.value for code in ExitCode), sections
