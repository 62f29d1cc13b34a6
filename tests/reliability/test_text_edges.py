"""Text at the edges: arguments that are not UTF-8, carriage returns in notes, right-to-left
overrides on the terminal, notes longer than a cell can hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import TODAY
from tests.reliability.conftest import fingerprint

#: Right-to-left override, the isolates, and an embedding: each reorders what follows it.
BIDI = ("\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u202b", "\u200f", "\u061c", "\u200e")


def test_an_argument_that_is_not_utf8_is_refused_with_a_clear_message(example: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKR_")}
    env.update(OKR_TODAY=TODAY.isoformat(), LC_ALL="C.UTF-8", NO_COLOR="1")
    before = fingerprint(example)
    script = Path(sys.executable).with_name("okr")

    for args in (
        [b"checkin", b"SALES-1.1", b"--value", b"70", b"--note", b"caf\xe9 \xff"],
        [b"checkin", b"SALES-1.1\xfe", b"--value", b"70"],
    ):
        done = subprocess.run(
            [os.fsencode(script), *args, b"-w", os.fsencode(example)],
            env=env, capture_output=True, timeout=120,
        )  # fmt: skip
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 2, stderr
        assert "not valid UTF-8" in stderr and "Traceback" not in stderr
        assert "--note" in stderr or "KR_ID" in stderr
    assert fingerprint(example) == before


@pytest.mark.parametrize("note", ["two\rlines", "windows\r\nline", "old mac\r\rpara"])
def test_a_carriage_return_in_a_note_is_kept(okr: Any, example: Path, note: str) -> None:
    result = okr("checkin", "SALES-1.1", "--value", "70", "--note", note, "-w", str(example))

    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(example) as package:
        assert any(b"_x000D_" in package.read(n) for n in package.namelist() if "sheet" in n)
    history = okr("history", "SALES-1.1", "-f", "json", "-w", str(example)).json()
    assert history["checkins"][-1]["note"] == note


@pytest.mark.parametrize("fmt", ["table", "csv", "md", "json"])
def test_bidirectional_overrides_never_reach_the_terminal(
    okr: Any, example: Path, fmt: str
) -> None:
    book = load_workbook(example)
    sales = book["Sales"]
    title = "Revenue " + "".join(BIDI) + "gnirts"
    for row in sales.iter_rows(min_row=2):
        if row[1].value == "SALES-1.1":
            row[3].value = title
    book.save(example)
    note = "\u202eesrever\u202c ok"
    okr("checkin", "SALES-1.1", "--value", "70", "--note", note, "-w", str(example))

    for result in (
        okr("status", "-f", fmt, "-w", str(example)),
        okr("history", "SALES-1.1", "-f", fmt, "-w", str(example)),
        okr("lagging", "-f", fmt, "-w", str(example)),
    ):
        assert result.exit_code == 0, result.stderr
        shown = result.stdout + result.stderr
        assert not any(c in shown for c in BIDI), fmt
        if fmt == "json":  # the data itself is intact, escaped
            data = json.loads(result.stdout)
            assert title in json.dumps(data, ensure_ascii=False) or "checkins" in data


def test_a_note_longer_than_a_cell_holds_is_refused(okr: Any, example: Path) -> None:
    before = fingerprint(example)
    result = okr("checkin", "SALES-1.1", "--value", "70", "--note", "x" * 40_000, "-w",
                 str(example))  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "40,000 characters" in result.stderr and "32,767" in result.stderr
    assert fingerprint(example) == before
    exact = okr("checkin", "SALES-1.1", "--value", "70", "--note", "x" * 32_767, "-w",
                str(example))  # fmt: skip
    assert exact.exit_code == 0, exact.stderr
