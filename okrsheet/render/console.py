"""The two consoles: data on stdout, messages on stderr.

Rich honours NO_COLOR and drops colour when the stream is not a terminal. On a terminal the
width is the terminal's (or COLUMNS); off a terminal (a pipe, a cron mail) it is COLUMNS, else
a width that reads in a mail, never the width a wide table would like. Messages on stderr are
one line each off a terminal, never wrapped, so a log or a test reads them whole.

Streams whose encoding cannot hold every character never fail on one: see
`okrsheet.render.streams`, which the entry point calls before anything is printed.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from okrsheet.render.text import strip_controls

#: Off a terminal, without COLUMNS: what reads in a mail.
MAIL_WIDTH = 80
_UNBOUNDED_WIDTH = 400
_consoles: dict[str, Console] = {}


def pipe_width() -> int:
    """COLUMNS when it is a sensible number, else MAIL_WIDTH."""
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) >= 20 else MAIL_WIDTH


class _Messages(Console):
    """The console for messages. They carry text from outside (a workbook's path, names,
    titles, a Google address): printed as given, never read as markup, and with escape
    sequences, control characters and bidirectional controls removed, as in error messages,
    so no message can retitle, recolour or reorder the terminal."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        cleaned = [Text(strip_controls(o)) if isinstance(o, str) else o for o in objects]
        super().print(*cleaned, **kwargs)


def _console(name: str, stream: TextIO, pipe: int | None) -> Console:
    # One console per stream; a redirected sys.stdout (as in tests) gets a new one.
    console = _consoles.get(name)
    if console is None or console.file is not stream:
        is_tty = stream.isatty()
        kind = _Messages if name == "stderr" else Console
        console = kind(
            file=stream,
            width=None if is_tty else pipe or _UNBOUNDED_WIDTH,
            highlight=False,
            soft_wrap=False,
        )
        _consoles[name] = console
    return console


def out() -> Console:
    return _console("stdout", sys.stdout, pipe_width())


def err() -> Console:
    return _console("stderr", sys.stderr, None)
