"""One suite, two backends: the same commands on the same company give the same answers on a
local .xlsx and on Google Sheets (the in-process fake)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Google

SCENARIO: list[tuple[str, ...]] = [
    ("validate", "-f", "json"),
    ("status", "-f", "json"),
    ("status", "--owner", "Marcus Webb", "-f", "csv"),
    ("status", "--as-of", "2026-10-20", "-f", "md"),
    ("lagging", "-f", "json"),
    ("grade", "-f", "json"),
    ("todo", "--owner", "Tom Alvarez", "-f", "json"),
    ("history", "SALES-1.1", "-f", "json"),
    ("tree", "-f", "md"),
    ("deps", "--owner", "Marcus Webb", "-f", "json"),
    ("checkin", "SALES-1.1", "--value", "101", "--confidence", "70%", "--note", "=1+1"),
    ("checkin", "MARKET-1.1", "--value", "12", "--date", "2026-11-13"),
    ("status", "-f", "json"),
    ("history", "SALES-1.1", "-f", "json"),
    ("grade", "--write", "-f", "json"),
    ("status", "-f", "json"),
    ("validate", "--strict", "-f", "json"),
    ("status", "--objective", "SALES-1", "-f", "md"),
    ("lagging", "--missing-checkins", "-f", "csv"),
    ("todo", "--owner", "Marcus Webb"),
    ("history", "NOPE-1"),
    ("checkin", "SALES-1.1", "--value", "12k"),
    ("checkin", "SALES-1.1", "--value", "5", "--date", "2026-09-01"),
    ("checkin", "--from", "updates.csv"),
    ("checkin", "--from", "updates.csv"),
    ("status", "--owner", "Nobody"),
    ("validate", "--fix"),
    ("rollover", "--to", "2027-Q1"),
    ("status", "-f", "json"),
    ("validate", "-f", "json"),
    ("grade", "-f", "csv"),
]
UPDATES = "kr_id,value,confidence,note\nSALES-1.2,0.8,60%,ok\nMARKET-1.1,14,,+1\n"


@pytest.fixture(params=["xlsx", "gsheet"])
def workbook(request: Any, okr: Any, tmp_path: Path) -> str:
    if request.param == "xlsx":
        return str(request.getfixturevalue("example"))
    google: Google = request.getfixturevalue("google")
    result = okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4")
    assert result.exit_code == 0, result.stderr
    return google.location()


def run_scenario(okr: Any, location: str) -> list[tuple[int, str, str]]:
    Path("updates.csv").write_text(UPDATES)
    out = []
    for args in SCENARIO:
        result = okr(*args, "-w", location)
        stderr = result.stderr.replace(location, "<workbook>")
        out.append((result.exit_code, result.stdout, stderr))
    return out


#: The scenario's answers on a fresh local copy of the example, run once per test process.
_REFERENCE: list[list[tuple[int, str, str]]] = []


def reference_run(okr: Any, example_bytes: bytes, tmp_path: Path) -> list[tuple[int, str, str]]:
    if not _REFERENCE:
        reference = tmp_path / "reference.xlsx"
        reference.write_bytes(example_bytes)
        _REFERENCE.append(run_scenario(okr, str(reference)))
    return _REFERENCE[0]


def test_the_same_answers_on_both_backends(
    okr: Any, workbook: str, example_bytes: bytes, tmp_path: Path
) -> None:
    expected = reference_run(okr, example_bytes, tmp_path)
    got = run_scenario(okr, workbook)

    # The 4 mistakes, and validate --strict: the example's plans do not interlock (a warning).
    assert [code for code, _, _ in expected].count(0) == len(SCENARIO) - 5

    for args, (want_code, want, want_err), (code, out, err) in zip(
        SCENARIO, expected, got, strict=True
    ):
        assert code == want_code, args
        assert out == want, args
        assert err == want_err, args
