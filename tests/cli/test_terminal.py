"""Reports in a real pseudo-terminal of 80, 100 and 200 columns, with colour and without.

The installed `okr` runs with a pty as stdin, stdout and stderr, so it finds the terminal and
its width the way it does for a person (no COLUMNS); what it writes is read back as the screen.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from rich.cells import cell_len

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
IDS = re.compile(r"\b[A-Z]+-\d+(?:\.\d+)?\b")

REPORTS: dict[str, list[str]] = {
    "status": ["status"],
    "lagging": ["lagging"],
    "todo": ["todo", "--owner", "Tom Alvarez"],
    "tree": ["tree"],
    "deps": ["deps", "--owner", "Marcus Webb"],
    "grade": ["grade"],
    "history": ["history", "SALES-1.2"],
    "validate": ["validate"],
    "templates": ["templates"],
}


def okr_script() -> str:
    return str(Path(sys.executable).with_name("okr"))


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pty") / "x.xlsx"
    env = {**os.environ, "OKR_TODAY": "2026-11-16"}
    made = subprocess.run(
        [okr_script(), "init", str(path), "--example", "--cycle", "2026-Q4"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    # A warning, so that validate has something to show.
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["Sales"]["K3"] = 99
    book.save(path)
    return path


def screen(args: list[str], columns: int, *, colour: bool, cwd: Path) -> str:
    """What `okr ARGS` writes to a terminal `columns` wide, as raw text (escapes included)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(TERM="xterm-256color", OKR_TODAY="2026-11-16")
    if not colour:
        env["NO_COLOR"] = "1"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [okr_script(), *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd
    )
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                raise AssertionError(f"okr {args} wrote nothing for 60 s")
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: okr is done
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        process.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", errors="replace")


def lines_of(raw: str) -> list[str]:
    return ANSI.sub("", raw).replace("\r\n", "\n").rstrip("\n").split("\n")


@pytest.mark.parametrize("columns", [80, 100])
def test_every_report_fits_a_terminal(workbook: Path, columns: int) -> None:
    for name, args in REPORTS.items():
        where = [] if name == "templates" else ["-w", str(workbook)]
        raw = screen([*args, *where], columns, colour=True, cwd=workbook.parent)
        lines = lines_of(raw)

        too_wide = [line for line in lines if cell_len(line) > columns]
        assert not too_wide, (name, too_wide)
        assert "…" not in raw, name
        assert "Traceback" not in raw and "error:" not in raw, (name, raw)
        if name not in ("validate", "templates"):
            assert IDS.search("\n".join(lines)), name


@pytest.mark.parametrize("colour", [True, False], ids=["colour", "NO_COLOR"])
@pytest.mark.parametrize("columns", [80, 100])
def test_status_at_most_three_lines_per_item(workbook: Path, columns: int, colour: bool) -> None:
    raw = screen(["status", "-w", str(workbook)], columns, colour=colour, cwd=workbook.parent)
    lines = [line for line in lines_of(raw) if line.strip()]
    # The initiatives and KPIs come after the objectives, in sections of their own.
    body = lines[
        : min([i for i, line in enumerate(lines) if line == "Initiatives"] or [len(lines)])
    ]
    starts = [i for i, line in enumerate(body) if IDS.fullmatch(line.split()[0])]
    ends = [*starts[1:], len(body)]

    assert len(starts) == 20  # 5 objectives, 15 key results, each starting with its ID
    assert starts[0] <= 1  # a one-line header
    assert max(end - start for start, end in zip(starts, ends, strict=True)) <= 3
    assert all(cell_len(line) <= columns for line in lines)
    has_colour = re.search(r"\x1b\[[0-9;]*3[0-9](;[0-9]+)*m", raw) is not None
    assert has_colour == colour  # NO_COLOR is honoured; without it, status words are coloured
    assert ("█" in raw) is True  # progress bars on a terminal either way


def test_a_wide_terminal_keeps_the_full_table(workbook: Path) -> None:
    raw = screen(["status", "-w", str(workbook)], 200, colour=False, cwd=workbook.parent)
    lines = lines_of(raw)

    assert any("Objective / key result" in line for line in lines)
    assert all(cell_len(line) <= 200 for line in lines)
    assert "…" not in raw


def test_lagging_in_a_pipe_fits_a_mail(workbook: Path) -> None:
    """As cron runs it: no terminal, COLUMNS unset, then COLUMNS=60."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["OKR_TODAY"] = "2026-11-16"
    for columns, limit in ((None, 100), ("60", 60)):
        if columns:
            env["COLUMNS"] = columns
        result = subprocess.run(
            [okr_script(), "lagging", "-w", str(workbook)],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) > 5
        assert max(cell_len(line) for line in lines) <= limit
        assert "\x1b" not in result.stdout
        assert "TOM-1.1" in result.stdout and "SALES-1.1" in result.stdout
