"""The two consoles: data on stdout, messages on stderr.

Rich already honours NO_COLOR and drops colour when the stream is not a terminal; off a terminal
we also lift the width limit (whatever COLUMNS says) so that piped or cron output is never
truncated.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

_UNBOUNDED_WIDTH = 400
_consoles: dict[str, Console] = {}


def _console(name: str, stream: TextIO) -> Console:
    # One console per stream; a redirected sys.stdout (as in tests) gets a new one.
    console = _consoles.get(name)
    if console is None or console.file is not stream:
        is_tty = stream.isatty()
        console = Console(
            file=stream,
            width=None if is_tty else _UNBOUNDED_WIDTH,
            highlight=False,
            soft_wrap=False,
        )
        _consoles[name] = console
    return console


def out() -> Console:
    return _console("stdout", sys.stdout)


def err() -> Console:
    return _console("stderr", sys.stderr)
