"""The two consoles: data on stdout, messages on stderr.

Rich already honours NO_COLOR and drops colour when the stream is not a terminal; off a terminal
we also lift the width limit so that piped or cron output is never truncated.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TextIO

from rich.console import Console

_UNBOUNDED_WIDTH = 400


def _console(stream: TextIO) -> Console:
    is_tty = stream.isatty()
    width = None if is_tty or os.environ.get("COLUMNS") else _UNBOUNDED_WIDTH
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


@cache
def _stdout(stream_id: int) -> Console:
    return _console(sys.stdout)


@cache
def _stderr(stream_id: int) -> Console:
    return _console(sys.stderr)


def out() -> Console:
    # Keyed by the stream so that a redirected sys.stdout (as in tests) gets its own console.
    return _stdout(id(sys.stdout))


def err() -> Console:
    return _stderr(id(sys.stderr))
