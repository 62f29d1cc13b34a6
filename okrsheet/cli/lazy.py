"""Commands loaded on demand.

Typer builds every command of an app (imports its module, reads its signature) on each run,
whichever command runs. `LazyGroup` lists the commands from a table instead and builds one
only when it runs or its help is asked for: `okr --help` and `okr status` do not pay for the
other commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup, TyperOption

from okrsheet.cli.framework import Command, Context, HelpFormatter, UsageError, is_a

_ARGS = "okr.args"  # the command line, kept in the context for error messages


def _okr_style(error: Exception, args: list[str], command: str = "okr") -> Exception:
    """A usage error in okr's one-line style (cli/usage.py); help asked by an empty command
    line stays help."""
    if is_a(error, "NoArgsIsHelpError"):
        return error
    from okrsheet.cli.usage import OkrUsageError, translate, wants_json

    if isinstance(error, OkrUsageError):
        return error
    try:
        return translate(error, wants_json(args), command)
    except Exception:  # an error the translation does not know: the framework's own words
        return error


class _LeanOption(TyperOption):
    """An option whose value, when not given, is left as it is (None) without building the
    framework's converter for it: Typer builds a pydantic adapter per option it converts,
    and the first one imports pydantic (0.3 s), which `okr CMD --help` never needs."""

    def process_value(self, ctx: Context, value: Any) -> Any:
        if value is not None or self.required:
            return super().process_value(ctx, value)
        value = () if self.multiple or self.nargs == -1 else None
        if self.callback is not None:
            value = self.callback(ctx, self, value)
        return value


def _lean(command: Command) -> Command:
    """The command with its options that are not given left unconverted (`_LeanOption`)."""
    for param in command.params:
        if type(param) is TyperOption:
            param.__class__ = _LeanOption
    return command


@dataclass(frozen=True)
class Entry:
    """A command: its name, the module under the commands package that defines it (a function
    of that name, or a Typer app `app` for a group of subcommands), and the one line
    `okr --help` shows for it."""

    name: str
    module: str
    summary: str


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from a table and are built on first use."""

    entries: dict[str, Entry] = {}
    package = ""
    wrap: Callable[[Callable[..., Any]], Callable[..., Any]] = staticmethod(lambda f: f)

    @classmethod
    def of(
        cls,
        entries: tuple[Entry, ...],
        *,
        package: str,
        wrap: Callable[[Callable[..., Any]], Callable[..., Any]],
    ) -> type[LazyGroup]:
        """This group for a table of commands in `package`, each function wrapped by `wrap`."""
        table = {e.name: e for e in entries}
        attributes = {"entries": table, "package": package, "wrap": staticmethod(wrap)}
        return type("OkrGroup", (cls,), attributes)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        _lean(self)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except UsageError as error:
            if is_a(error, "NoArgsIsHelpError"):
                # `okr` alone asks for help: it gets it, and that is no mistake (exit 0).
                asked: Any = error
                typer.echo(asked.ctx.get_help() if asked.ctx else "")
                raise typer.Exit(0) from None
            raise _okr_style(error, args) from None
        ctx.meta[_ARGS] = list(args)
        return ctx

    def get_help_option(self, ctx: Context) -> Any:
        option = super().get_help_option(ctx)
        if type(option) is TyperOption:
            option.__class__ = _LeanOption
        return option

    def invoke(self, ctx: Context) -> Any:
        # Mistakes in a command's own options surface here, when the command parses them.
        try:
            return super().invoke(ctx)
        except UsageError as error:
            args = ctx.meta.get(_ARGS, [])
            name = next((a for a in args if a in self.entries), None)
            raise _okr_style(error, args, f"okr {name}" if name else "okr") from None

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.entries:
            from okrsheet.cli.usage import unknown_command, wants_json

            raise unknown_command(name, self.entries, ctx, wants_json(ctx.meta.get(_ARGS, [])))
        return super().resolve_command(ctx, args)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.entries)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        entry = self.entries.get(cmd_name)
        if entry is not None and cmd_name not in self.commands:
            self.commands[cmd_name] = self._build(entry)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        # The listing comes from the table: nothing is imported to show it.
        with formatter.section("Commands"):
            formatter.write_dl([(e.name, e.summary) for e in self.entries.values()])

    def _build(self, entry: Entry) -> Command:
        module = import_module(f"{self.package}.{entry.module}")
        function = getattr(module, entry.name, None)
        if function is None:  # a group of subcommands: the module's Typer app
            command = typer.main.get_command(module.app)
            command.name, command.short_help = entry.name, entry.summary
            return _lean(_whole_examples(command))
        single = typer.Typer(rich_markup_mode=None, add_completion=False)
        single.command(entry.name, short_help=entry.summary)(type(self).wrap(function))
        return _lean(_whole_examples(typer.main.get_command(single)))


def keep_examples(text: str) -> str:
    """Help text whose example lines (the paragraphs after `Examples:`) are never rewrapped:
    a narrow terminal would split a quoted argument across two lines. Click leaves alone a
    paragraph that starts with a line holding only \\b."""
    head, marker, examples = text.partition("Examples:")
    if not marker:
        return text
    paragraphs = examples.strip("\n").split("\n\n")
    kept = ["\b\n" + p if p.strip() and not p.startswith("\b") else p for p in paragraphs]
    return head + marker + "\n\n" + "\n\n".join(kept)


def _whole_examples(command: Command) -> Command:
    if command.help:
        command.help = keep_examples(command.help)
    for sub in getattr(command, "commands", {}).values():
        _whole_examples(sub)
    return command
