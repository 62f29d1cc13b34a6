"""Streams that print every character, whatever their encoding.

Streams whose encoding cannot hold every character (a Windows pipe or file in the ANSI code
page, cp1252; a console in an OEM one, cp437) never fail on one. The entry point calls
`safe_streams` before the command-line framework is imported; this module imports nothing
heavier than the standard library, so `okr CMD --help` does not pay for Rich.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import sys


def safe_streams() -> None:
    """Make stdout and stderr print every character, whatever their encoding.

    A stream in UTF-8 (or UTF-16) is left alone. An encoding the person named
    (`PYTHONIOENCODING`) or a terminal's (it shows bytes in its own code page) is kept, and a
    character it has no place for prints as `?`. A pipe or a file in a legacy code page (on
    Windows, where Python writes them in the ANSI code page) gets UTF-8 instead, so that the
    JSON, CSV and names written there arrive whole, as Python's UTF-8 mode would write them.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            _make_safe(stream)


def _make_safe(stream: io.TextIOWrapper) -> None:
    try:
        encoding = codecs.lookup(stream.encoding).name
    except LookupError:
        encoding = stream.encoding
    if encoding.startswith("utf") or stream.errors != "strict":
        return
    with contextlib.suppress(ValueError, OSError):
        if os.environ.get("PYTHONIOENCODING") or stream.isatty():
            stream.reconfigure(errors="replace")
        else:
            stream.reconfigure(encoding="utf-8")
