"""What the reliability suites share: the checks every failing command must pass (the shop
they work on is tests/conftest.py's)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def fingerprint(path: Path) -> str | None:
    """What a file is, byte for byte (None when it is not a file)."""
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_no_crash(exit_code: int, output: str) -> None:
    """A failure is one of the documented exit codes with a message, never a traceback."""
    assert "Traceback" not in output, output
    assert exit_code != 1, output
    assert "error: unexpected" not in output, output
