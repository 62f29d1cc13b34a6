"""The parts of the docs made from the code, with cog (https://cog.readthedocs.io): the command
reference in docs/commands.md is every command's `--help`, and the exit-code and JSON error
tables in docs/exit-codes.md and docs/output.md are `okrsheet.errors.EXIT_CODES`.

Each page holds its cog code in an HTML comment and the output below it. After changing a
command, an option, a help text or an exit code, regenerate them from the project folder:

    .venv/bin/cog -r -I . docs/commands.md docs/exit-codes.md docs/output.md

tests/test_docs.py runs `cog --check` on them and fails, saying this, when one is out of date.
"""

from __future__ import annotations

import functools
import re
import tempfile
from importlib import import_module
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from okrsheet.cli import COMMANDS, app
from okrsheet.errors import EXIT_CODES, ExitCode, OkrError

#: The pages that hold cog code, from the project folder.
PAGES = ("docs/commands.md", "docs/exit-codes.md", "docs/output.md")
#: How to bring them up to date.
REGENERATE = "run: .venv/bin/cog -r -I . " + " ".join(PAGES)
#: The width the reference is rendered at, whatever the terminal running cog.
WIDTH = 80


def command_paths() -> list[tuple[str, ...]]:
    """Every command as typed after `okr`, in the order `okr --help` lists them:
    `("status",)`, `("auth", "login")`, ..."""
    paths: list[tuple[str, ...]] = []
    for entry in COMMANDS:
        module = import_module(f"okrsheet.cli.commands.{entry.module}")
        if hasattr(module, entry.name):
            paths.append((entry.name,))
        else:  # a group of subcommands
            group = typer.main.get_command(module.app)
            paths.extend((entry.name, sub) for sub in getattr(group, "commands", {}))
    return paths


def group_paths() -> list[tuple[str, ...]]:
    """The commands that are groups of subcommands: `("auth",)`."""
    return sorted({path[:1] for path in command_paths() if len(path) > 1})


def help_text(path: tuple[str, ...], width: int = WIDTH) -> str:
    """`okr PATH --help` as printed at `width` columns, without colour."""
    env = {"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb", "OKR_WORKBOOK": None}
    result = CliRunner().invoke(app, [*path, "--help"], env=env, prog_name="okr")
    assert result.exit_code == 0, result.output
    return result.stdout


def renderer() -> str:
    """What renders `--help`: its layout (metavars, spacing) changes between Typer releases."""
    return f"Typer {typer.__version__}"


def command(path: tuple[str, ...]) -> Any:
    """The command-line framework's command object for `okr PATH`."""
    found: Any = typer.main.get_command(app)
    context = typer.Context(found, info_name="okr")
    for name in path:
        found = found.get_command(context, name)
    return found


def help_content(path: tuple[str, ...]) -> list[str]:
    """What `okr PATH --help` says whatever renders it: each paragraph of the command's text,
    each option's names and each option's and argument's help, whitespace folded."""
    found = command(path)
    texts = [p for p in re.split(r"\n\s*\n", found.help or "") if p.strip()]
    for param in found.params:
        texts += [name for name in param.opts if name.startswith("-")]
        texts.append(getattr(param, "help", None) or "")
    return [" ".join(text.replace("\b", "").split()) for text in texts if text]


def reference_paths() -> list[tuple[str, ...]]:
    """`okr`, then every command, a group before its subcommands."""
    paths: list[tuple[str, ...]] = [()]
    for path in command_paths():
        if len(path) > 1 and path[:1] not in paths:
            paths.append(path[:1])
        paths.append(path)
    return paths


def command_reference() -> str:
    """Markdown: a section per command and subcommand with its `--help`, in `okr --help`'s
    order (a group before its subcommands)."""
    paths = reference_paths()
    note = "other releases lay the same text out a little differently"
    parts = [f"As rendered by {renderer()} ({note}).\n"]
    for path in paths:
        name = " ".join(("okr", *path))
        text = "\n".join(line.rstrip() for line in help_text(path).strip("\n").splitlines())
        parts.append(f"## {name}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def exit_code_table() -> str:
    """Markdown: docs/exit-codes.md's table of every exit code."""
    rows = ["| code | name | meaning |", "| --- | --- | --- |"]
    rows += [f"| {int(code)} | {doc.name} | {doc.meaning} |" for code, doc in EXIT_CODES.items()]
    return "\n".join(rows) + "\n"


def error_classes() -> dict[ExitCode, list[str]]:
    """The `OkrError` classes of `okrsheet.errors` by the exit code each ends with."""
    import okrsheet.errors as errors

    found: dict[ExitCode, list[str]] = {}
    for name, value in vars(errors).items():
        if isinstance(value, type) and issubclass(value, OkrError):
            found.setdefault(value.exit_code, []).append(name)
    return found


def envelope_table() -> str:
    """Markdown: each `code` of the JSON error envelope, its exit code and the errors that end
    with it (docs/output.md)."""
    classes = error_classes()
    rows = ["| `code` | `exit_code` | raised as (`okrsheet.errors`) |", "| --- | --- | --- |"]
    for code, doc in EXIT_CODES.items():
        if doc.envelope:
            if code is ExitCode.INTERNAL:
                raised = "any other exception: a bug"
            else:
                raised = ", ".join(f"`{name}`" for name in classes.get(code, []))
            rows.append(f"| `{doc.envelope}` | {int(code)} | {raised} |")
    carried = [str(int(code)) for code, doc in EXIT_CODES.items() if doc.envelope]
    findings = [
        f"{int(code)} ({doc.name})"
        for code, doc in EXIT_CODES.items()
        if doc.envelope is None and code is not ExitCode.OK
    ]
    note = (
        f"So `exit_code` is {', '.join(carried[:-1])} or {carried[-1]}. Exit codes "
        f"{' and '.join(findings)} end a command that did its work and found something: they "
        "come with its report, never with an envelope."
    )
    return "\n".join(rows) + "\n\n" + note + "\n"


#: The day the docs' example outputs are as of (the tests' pinned today), in the example
#: company's 2026-Q4.
EXAMPLE_DAY = "2026-11-16"


@functools.cache
def example_bytes() -> bytes:
    """The example company as `okr init --example --cycle 2026-Q4` writes it on EXAMPLE_DAY."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "example.xlsx"
        args = ["init", str(path), "--example", "--cycle", "2026-Q4"]
        result = CliRunner().invoke(app, args, env=_example_env(folder), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return path.read_bytes()


def _example_env(folder: str) -> dict[str, str | None]:
    unset = ("OKR_WORKBOOK", "OKR_AUTHOR", "OKR_CONFIG", "XDG_CONFIG_HOME", "FORCE_COLOR")
    return {
        **dict.fromkeys(unset),
        "HOME": folder,
        "OKR_TODAY": EXAMPLE_DAY,
        "COLUMNS": str(WIDTH),
        "NO_COLOR": "1",
    }


def report_excerpt(args: list[str], lines: int) -> str:
    """A fenced `text` block: the first `lines` lines `okr ARGS` prints on the example company,
    off a terminal at 80 columns, then `...`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "example.xlsx"
        path.write_bytes(example_bytes())
        result = CliRunner().invoke(
            app, [*args, "-w", str(path)], env=_example_env(folder), catch_exceptions=False
        )
    assert result.exit_code == 0, result.output
    shown = [line.rstrip() for line in result.stdout.splitlines()[:lines]]
    return "```text\n" + "\n".join(shown) + "\n...\n```\n"
