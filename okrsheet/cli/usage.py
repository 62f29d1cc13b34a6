"""Command-line mistakes (an unknown command or option, a bad value) in okr's own style.

The command-line framework prints its usage block and `Error: ...`; okr prints one
`error: ...` line and a `hint:` (a close command or option: "did you mean `status`?"), exits
with the usage code (2, docs/exit-codes.md) and, under `--format json`, also prints the JSON
error envelope on stdout like every other failure. Loaded only when such a mistake happens.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

import typer

from okrsheet.cli.framework import Context, Parameter, is_a
from okrsheet.errors import ExitCode

#: Options people type from other tools, and what okr calls them.
OPTION_ALIASES = {
    "--json": "--format json",
    "--csv": "--format csv",
    "--md": "--format md",
    "--markdown": "--format md",
    "--table": "--format table",
    "--output": "--format",
    "--file": "--workbook",
    "--xlsx": "--workbook",
    "--sheet": "--workbook",
    "--date": "--as-of",
    "--today": "--as-of",
    "--color": "NO_COLOR=1 to turn colour off (there is no colour option)",
    "--colour": "NO_COLOR=1 to turn colour off (there is no colour option)",
    "--no-color": "NO_COLOR=1",
    "--width": "COLUMNS=80",
}

#: Options of the report commands, which people also try before the command's name.
COMMAND_OPTIONS = {"-w", "--workbook", "-f", "--format", "--as-of", "--owner", "--level"}


class OkrUsageError(typer.BadParameter):
    """A usage error shown as `error: ...` and `hint: ...`, with the usage exit code.

    Built on `typer.BadParameter`, the one usage error Typer publishes, so that Typer shows it
    (`show`) and exits with its code like any other mistake on the command line."""

    exit_code = int(ExitCode.USAGE)

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        ctx: Context | None = None,
        json_output: bool = False,
    ) -> None:
        super().__init__(message, ctx)
        self.hint = hint
        self.json_output = json_output

    def show(self, file: IO[Any] | None = None) -> None:
        from okrsheet.render import console
        from okrsheet.render.rich_tables import safe

        if self.json_output:
            envelope = {
                "error": {
                    "code": "usage",
                    "exit_code": self.exit_code,
                    "message": self.message,
                    "details": [],
                }
            }
            typer.echo(json.dumps(envelope, indent=2))
        stderr = console.err()
        stderr.print(safe("error: ", "bold red") + safe(self.message))
        if self.hint:
            stderr.print(safe(f"hint: {self.hint}", "dim"))


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for --format json (in any of its spellings)."""
    for index, arg in enumerate(args):
        lowered = arg.casefold()
        if lowered in ("--format=json", "-fjson", "-f=json"):
            return True
        following = args[index + 1].casefold() if index + 1 < len(args) else ""
        if lowered in ("--format", "-f") and following == "json":
            return True
    return False


def closest(word: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_command(
    name: str, commands: Iterable[str], ctx: Context, json_output: bool
) -> OkrUsageError:
    known = list(commands)
    match = closest(name, known)
    if match is None:  # a prefix: `okr stat`
        starts = [c for c in known if c.startswith(name)]
        match = starts[0] if len(starts) == 1 else None
    hint = f"did you mean `{match}`?" if match else "`okr --help` lists the commands."
    return OkrUsageError(f"no command named {name!r}", hint=hint, ctx=ctx, json_output=json_output)


def translate(mistake: Exception, json_output: bool, command: str = "okr") -> OkrUsageError:
    """The framework's usage error as okr's: its message in okr's words, with a hint.

    `command` names the command when the error does not say which (a value missing at the end
    of the line)."""
    error: Any = mistake  # Click's UsageError, whose class Typer does not publish
    ctx = error.ctx
    where = ctx.command_path if ctx is not None else command
    help_hint = f"`{where} --help` lists the options, with examples."
    if is_a(error, "NoSuchOption"):
        option = error.option_name
        alias = OPTION_ALIASES.get(option.split("=", 1)[0])
        if alias is not None:
            hint = f"did you mean `{alias}`?" if alias.startswith("-") else f"use {alias}"
        elif where == "okr" and option.split("=", 1)[0] in COMMAND_OPTIONS:
            hint = f"a command's options go after it: `okr status {option} ...`"
        else:
            known = _options(ctx)
            match = closest(option, known) if known else None
            match = match or (error.possibilities[0] if error.possibilities else None)
            hint = f"did you mean `{match}`?" if match else help_hint
        return OkrUsageError(
            f"{where} has no option {option}", hint=hint, ctx=ctx, json_output=json_output
        )
    if is_a(error, "MissingParameter") and error.param is not None:
        kind, name = _named(error.param)
        message = f"missing {kind} {name}"
    elif isinstance(error, typer.BadParameter) and error.param is not None:
        message = f"{_named(error.param)[1]}: {error.message.removeprefix('Value error, ')}"
    else:
        message = error.format_message().strip()
        message = message[:1].lower() + message[1:]
    message, _, suggestion = message.removesuffix(".").partition(". Did you mean ")
    hint = f"did you mean {suggestion.rstrip('?')}?" if suggestion else help_hint
    if message.startswith("got unexpected extra argument"):
        hint = 'put a value with spaces in quotes: --owner "Marcus Webb". ' + help_hint
    return OkrUsageError(message, hint=hint, ctx=ctx, json_output=json_output)


def _named(param: Parameter) -> tuple[str, str]:
    """('option', '--owner') or ('argument', 'KR_ID'), as help shows them."""
    if param.param_type_name == "argument":
        return "argument", (param.name or "value").upper()
    return "option", max(param.opts, key=len) if param.opts else str(param.name)


def _options(ctx: Context | None) -> list[str]:
    if ctx is None:
        return []
    names: list[str] = []
    for param in ctx.command.get_params(ctx):
        names.extend(n for n in param.opts if n.startswith("--"))
    return names
