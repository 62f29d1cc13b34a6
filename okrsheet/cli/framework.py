"""What okr's command line uses of Click, reached only through Typer's public modules.

Since 0.26 Typer carries its own copy of Click in a private package (`typer._click`) that its
authors may change in any release, and publishes only some of it (`typer.BadParameter`,
`typer.echo`, `typer.core`...). okr imports nothing private (tests/test_imports.py checks
every module); what it needs beyond the published names is gathered here, in one place:

- Click's `UsageError` (every mistake on the command line, exit code 2) is the base class of
  the published `typer.BadParameter`;
- the other usage errors okr words in its own style (`NoSuchOption`, `MissingParameter`,
  `NoArgsIsHelpError`) are told apart by their class names, Click's documented ones;
- the current context and the shell-completion helpers are names Typer's public modules
  `typer.main` and `typer.completion` hold but do not export.

pyproject.toml caps Typer below the next minor release for these, and tests/test_imports.py
fails on an installed Typer that no longer has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import typer
import typer.completion
import typer.main

#: Click's UsageError: the base class of every command-line mistake (exit code 2).
UsageError = cast(type[Exception], typer.BadParameter.__mro__[1])

#: A Click context, command or help formatter, as Typer hands them to a group's methods: Typer
#: names none of their classes publicly (`typer.Context` is a subclass that commands declare,
#: not the class Typer builds), so they are typed loosely.
Context = Any
Command = Any
HelpFormatter = Any
Parameter = Any


def is_a(error: BaseException, kind: str) -> bool:
    """Whether `error` is of Click's exception class named `kind` (or a subclass of it)."""
    return any(cls.__name__ == kind for cls in type(error).__mro__)


def current_context() -> Context | None:
    """The context of the command running now, or None outside one."""
    get: Callable[..., Any] = typer.main.get_current_context  # type: ignore[attr-defined]
    return get(silent=True)


def completion_init() -> None:
    """Register Typer's shell-completion protocol, which `okr completion` scripts speak."""
    typer.completion.completion_init()  # type: ignore[attr-defined]


def completion_script(*, prog_name: str, complete_var: str, shell: str) -> str:
    """The completion script for `shell` that asks `prog_name` through `complete_var`."""
    script: Callable[..., str] = typer.completion.get_completion_script  # type: ignore[attr-defined]
    return script(prog_name=prog_name, complete_var=complete_var, shell=shell)
