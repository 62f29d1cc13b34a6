"""The one exit point for failure: a message on stderr, a JSON envelope with --format json,
and the documented exit code (docs/exit-codes.md)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer

from okrsheet.errors import EXIT_CODES, OkrError

P = ParamSpec("P")
R = TypeVar("R")


def fail(error: OkrError, *, json_output: bool = False) -> NoReturn:
    from okrsheet.render import console
    from okrsheet.render.rich_tables import safe

    details = error.details
    if json_output:
        envelope = {
            "error": {
                "code": EXIT_CODES[error.exit_code].envelope or "internal",
                "exit_code": int(error.exit_code),
                "message": error.message,
                "details": details,
            }
        }
        import json  # only on this path: start-up stays lean

        typer.echo(json.dumps(envelope, indent=2))
    stderr = console.err()
    stderr.print(safe("error: ", "bold red") + safe(error.message))
    for line in details[:50]:
        stderr.print(safe(f"  {line}"))
    if len(details) > 50:
        stderr.print(safe(f"  … and {len(details) - 50} more"))
    if error.hint:
        stderr.print(safe(f"hint: {error.hint}", "dim"))
    raise typer.Exit(int(error.exit_code))


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors and Ctrl-C into clean messages and exit codes; no tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from okrsheet.stores.base import WRITTEN

        json_output = str(kwargs.get("output_format", "")) == "json"
        saved_before = len(WRITTEN)
        try:
            _refuse_undecodable(kwargs)
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except OkrError as error:
            fail(error, json_output=json_output)
        except (KeyboardInterrupt, typer.Abort):
            from okrsheet.errors import Aborted

            saved = WRITTEN[saved_before:]
            if saved:
                message = f"interrupted after {saved[-1]} was saved: the change was written"
            else:
                message = "interrupted; nothing was written"
            fail(Aborted(message), json_output=json_output)
        except Exception as exc:
            if os.environ.get("OKR_DEBUG"):
                raise
            fail(
                OkrError(
                    f"unexpected {type(exc).__name__}: {exc}",
                    hint="this is a bug in okr; set OKR_DEBUG=1 to see the traceback",
                ),
                json_output=json_output,
            )

    return wrapper


def _refuse_undecodable(values: dict[str, object]) -> None:
    """An argument that is not UTF-8 reaches Python with its bad bytes as lone surrogates
    (`\udcff` for 0xFF), which nothing can print or store: say which option, and stop."""
    from okrsheet.errors import UsageError

    for name, value in values.items():
        texts = value if isinstance(value, list | tuple) else [value]
        for text in texts:
            if not isinstance(text, str):
                continue
            bad = next((c for c in text if "\udc80" <= c <= "\udcff"), None)
            if bad is not None:
                raise UsageError(
                    f"is not valid UTF-8 text (byte 0x{ord(bad) - 0xDC00:02X}); "
                    "nothing was written",
                    option=_spelled(name),
                    hint="type it again, or set your terminal to UTF-8",
                )


def _spelled(name: str) -> str:
    """How the person typed the parameter `name`: `--note`, or `KR_ID` for an argument."""
    label = "--" + name.replace("_", "-")
    from okrsheet.cli.framework import current_context

    context = current_context()
    params = context.command.params if context is not None else []
    for param in params:
        if param.name == name:
            if param.param_type_name == "option" and param.opts:
                return str(param.opts[0])
            return str(getattr(param, "metavar", None) or name.upper())
    return label
