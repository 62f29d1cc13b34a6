"""After a large load, `okr` freezes what the load left before it ends (okrsheet/__main__.py),
so that the collection Python makes as it exits does not walk it: the same output, exit code
and exit handlers as the usual exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import okrsheet.__main__ as entry
from okrsheet import memory

# `okr` as its entry point runs it, with what counts as a large load set by the test, a witness
# that says when the objects left at exit are freed one by one, and an exit handler that says
# it ran.
SCRIPT = """
import atexit, os, sys
from okrsheet import memory

memory.FREEZE_FROM = int(sys.argv[1])


class Witness:
    def __del__(self, write=os.write):
        write(2, b"freed one by one\\n")


witness = Witness()
atexit.register(lambda: print("exit handlers ran", file=sys.stderr))
sys.argv = ["okr", *sys.argv[2:]]
from okrsheet.__main__ import main

main()
"""

LARGE, NEVER = "1", str(1 << 40)  # every load is large; none is


def okr_process(freeze_from: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OKR_TODAY": "2026-11-16", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, freeze_from, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_after_a_large_load_okr_ends_with_the_same_output_and_exit_handlers(
    example: Path,
) -> None:
    quick = okr_process(LARGE, "report", "-w", str(example))
    usual = okr_process(NEVER, "report", "-w", str(example))
    assert quick.returncode == usual.returncode == 0, quick.stderr + usual.stderr
    assert quick.stdout == usual.stdout and "SALES-1.1" in quick.stdout  # the page, flushed whole
    assert "exit handlers ran" in quick.stderr and "exit handlers ran" in usual.stderr
    # What a large load left is frozen: the collection at exit leaves it (and what it reaches)
    # to the end of the process, which gives all its memory back at once.
    assert "freed one by one" in usual.stderr and "freed one by one" not in quick.stderr


def test_the_exit_code_and_message_are_kept(example: Path) -> None:
    quick = okr_process(LARGE, "history", "NOPE-9.9", "-w", str(example))
    usual = okr_process(NEVER, "history", "NOPE-9.9", "-w", str(example))
    assert quick.returncode == usual.returncode != 0
    assert quick.stdout == usual.stdout
    message = usual.stderr.replace("freed one by one\n", "")
    assert "NOPE-9.9" in message
    assert quick.stderr == message
    # A file written by the command is whole too.
    out = example.with_name("page.html")
    quick = okr_process(LARGE, "report", "--out", str(out), "-w", str(example))
    assert quick.returncode == 0, quick.stderr
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.parametrize("large", [True, False])
@pytest.mark.parametrize("ends", [None, 3])
def test_after_a_large_load_okr_freezes_what_is_left_as_it_ends(
    monkeypatch: pytest.MonkeyPatch, large: bool, ends: int | None
) -> None:
    """However the command ends (here: returning, or an exit code), what a large load left is
    frozen just before; after a small one, nothing is."""
    import okrsheet.cli

    frozen: list[bool] = []

    def command() -> None:
        assert frozen == []  # not before the command is done
        if ends is not None:
            raise SystemExit(ends)

    monkeypatch.setattr(okrsheet.cli, "main", command)
    monkeypatch.setattr(memory, "freeze_for_exit", lambda: frozen.append(True))
    monkeypatch.setattr(memory, "made_a_large_load", lambda: large)
    monkeypatch.setattr(sys, "argv", ["okr", "status"])
    monkeypatch.setattr(memory, "freeze_large_loads", False)

    if ends is None:
        entry.main()
    else:
        with pytest.raises(SystemExit) as done:
            entry.main()
        assert done.value.code == ends
    assert frozen == ([True] if large else [])


def test_only_the_okr_command_after_a_large_load_ends_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(memory, "_largest_load", 0)
    monkeypatch.setattr(memory, "FREEZE_FROM", 1000)
    monkeypatch.setattr(memory, "freeze_large_loads", False)  # (nothing frozen in this test)
    with memory.bulk_load():
        kept = [[n] for n in range(5)]
    monkeypatch.setattr(memory, "freeze_large_loads", True)  # as `okr` sets it
    assert not memory.made_a_large_load()
    monkeypatch.setattr(memory, "freeze_large_loads", False)
    with memory.bulk_load():
        kept += [[n] for n in range(5000)]
    assert memory._largest_load >= 1000
    assert not memory.made_a_large_load()  # a program using the library: its own exit
    monkeypatch.setattr(memory, "freeze_large_loads", True)
    assert memory.made_a_large_load()
    assert len(kept) == 5005
