"""Moving code changes no output: JSON, CSV, Markdown, tables and workbook bytes for fixed data
are compared with a golden set kept in tests/golden/.

The golden set was made before the modules moved into their folders (stores/xlsx, stores/google,
domain/, ...), so this test says the moves changed nothing people or programs read. Workbooks
are compared part by part (each part's SHA-256, in the zip's order; the times a workbook says
it was written are taken out); the requests a Google write sends are compared by method, path
and their JSON body's SHA-256; text outputs are compared whole.

A change that means to change an output regenerates the set, and the diff of tests/golden/ shows
what changed: `OKR_GOLDEN=write python -m pytest -n0 tests/test_golden_outputs.py`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from okrsheet.checkins import CheckInRequest, record
from okrsheet.stores import Location, parse_location
from tests.conftest import Google

GOLDEN = Path(__file__).parent / "golden"
AS_OF = date(2026, 11, 16)
WRITE = os.environ.get("OKR_GOLDEN", "") == "write"

#: Commands whose output is compared, run on the example company.
COMMANDS: list[list[str]] = [
    [command, "--format", output]
    for command in ("status", "lagging", "grade", "tree", "deps", "digest")
    for output in ("json", "csv", "md", "table")
] + [
    ["todo", "--owner", "Priya Raman", "--format", output] for output in ("json", "md", "table")
] + [
    ["status", "--format", "json", "--as-of", "2026-10-20"],
    ["history", "SALES-1.1", "--format", "json"],
    ["history", "SALES-1.1", "--format", "csv"],
    ["validate", "--format", "json"],
    ["lint", "--format", "json"],
    ["lint", "--format", "csv"],
    ["report", "--out", "page.html"],
    ["rollover", "--to", "2027-Q1", "--dry-run"],
]  # fmt: skip


def slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", key).strip("_")


#: The moments a workbook says it was created and saved (the time it was written).
STAMPS = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
#: The program docProps/app.xml names as the writer: openpyxl puts its own version there.
WRITER = re.compile(rb"(<Application>)[^<]*(</Application>)")


def parts(data: bytes) -> dict[str, str]:
    """Each part of a workbook (a zip) by name, in order, as the SHA-256 of its bytes (with
    the times it was written taken out of docProps/core.xml, and the writing library's version
    out of docProps/app.xml: it differs between the versions pyproject.toml allows)."""
    found: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            part = zf.read(info)
            if info.filename == "docProps/core.xml":
                part = STAMPS.sub(rb"\1WRITTEN\2", part)
            if info.filename == "docProps/app.xml":
                part = WRITER.sub(rb"\1WRITER\2", part)
            found[info.filename] = hashlib.sha256(part).hexdigest()
    return found


def compare_text(name: str, said: str) -> None:
    path = GOLDEN / "outputs" / f"{name}.txt"
    if WRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(said, encoding="utf-8", newline="")
        return
    assert path.exists(), f"no golden output {path.name}: run with OKR_GOLDEN=write"
    assert said == path.read_bytes().decode("utf-8"), name


def compare_json(name: str, found: Any) -> None:
    compare_text(name, json.dumps(found, indent=1, default=str) + "\n")


def compare_workbook(name: str, data: bytes) -> None:
    compare_json(f"workbook_{name}", parts(data))


def checkins(location: Location) -> None:
    """Three check-ins at pinned times with pinned ids: a number, a note typed like a formula,
    a note that reads like a date and a long note."""
    moments: Iterator[datetime] = iter(
        [datetime(2026, 11, 16, 9, 0, tzinfo=UTC), datetime(2026, 11, 16, 9, 5, tzinfo=UTC)]
    )
    batches = [
        [
            CheckInRequest(kr_id="SALES-1.1", value=42.5, note="=1+1", checkin_id="g1"),
            CheckInRequest(kr_id="CORP-1.1", value=2_700_000, note="2026-11-02", checkin_id="g2"),
        ],
        [CheckInRequest(kr_id="SALES-1.1", value=44, note="long " * 200, checkin_id="g3")],
    ]
    for batch in batches:
        record(location, batch, today=AS_OF, clock=lambda: next(moments))


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKR_TODAY", AS_OF.isoformat())


def test_the_outputs_of_the_reports_are_the_golden_ones(
    okr: Any, example: Path, tmp_path: Path, pinned: None
) -> None:
    for args in COMMANDS:
        result = okr(*args, "-w", str(example))
        key = " ".join(args)
        assert result.exit_code in (0, 3), f"{key}: {result.stderr}"
        said = f"{result.exit_code}\n{result.stdout}\n{result.stderr}"
        if args[0] == "report":
            said += Path(args[2]).read_text(encoding="utf-8")
        compare_text(slug(key), said.replace(str(tmp_path), "TMP"))


def test_the_workbooks_okr_writes_are_the_golden_ones(
    okr: Any, example_bytes: bytes, tmp_path: Path, pinned: None
) -> None:
    compare_workbook("init_example", example_bytes)
    for template in ("blank", "sales", "product"):
        path = tmp_path / f"{template}.xlsx"
        result = okr("init", str(path), "--cycle", "2026-Q4", "--template", template)
        assert result.exit_code == 0, result.stderr
        compare_workbook(f"init_{template}", path.read_bytes())
    path = tmp_path / "checked.xlsx"
    path.write_bytes(example_bytes)
    checkins(Location(path=path))
    compare_workbook("checkins", path.read_bytes())
    result = okr("grade", "--write", "-w", str(path))
    assert result.exit_code in (0, 3), result.stderr
    compare_workbook("graded", path.read_bytes())
    result = okr("rollover", "--to", "2027-Q1", "--yes", "-w", str(path))
    assert result.exit_code == 0, result.stderr
    compare_workbook("rolled_over", path.read_bytes())


def sent(google: Google) -> list[list[str]]:
    """The writes okr sent to the fake (the spreadsheet's id taken out): each one's method,
    path and the SHA-256 of its JSON body."""
    sid = google.sheet_id()
    found: list[list[str]] = []
    for call in google.fake.calls:
        if call.method == "GET" or "/v4/" not in call.path or call.path.endswith("DataFilter"):
            continue
        body = json.dumps(call.body, sort_keys=True, default=str).replace(sid, "SID")
        digest = hashlib.sha256(body.encode()).hexdigest()
        found.append([call.method, call.path.replace(sid, "SID"), digest])
    return found


def test_what_okr_writes_to_google_is_the_golden_one(
    okr: Any, google: Google, pinned: None
) -> None:
    result = okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4", "--title", "Acme")
    assert result.exit_code == 0, result.stderr
    compare_json("google_init_example", sent(google))
    google.fake.reset_calls()
    checkins(parse_location(google.location()))
    compare_json("google_checkins", sent(google))
    google.fake.reset_calls()
    result = okr("grade", "--write", "-w", google.location())
    assert result.exit_code in (0, 3), result.stderr
    compare_json("google_graded", sent(google))
