"""The 150-person `okr init` on the Google fake, made once per test session.

Laying out 150 tabs on the fake takes seconds, and three tests look at the same run (its
requests, then what reads of it cost). The first test to ask runs it (under a file lock, as
the test workers share it); the others get the spreadsheet it left and the calls it made, as
if they had run it themselves."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from tests.conftest import Google, Result

PEOPLE = 150
SHARES = ("ceo@acme.test", "coo@acme.test")


def people_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "team", "email"])
        for n in range(count):
            writer.writerow([f"Person {n:03d}", f"Team {n % 7}", f"p{n}@acme.test"])
    return path


@pytest.fixture
def init_150(
    okr: Any, google: Google, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Result:
    """`okr init gsheet:new --people` (150 people in 7 teams, titled, shared twice) on this
    test's fake: the fake holds the new spreadsheet and the run's exchanges."""
    fake = google.fake
    shared = tmp_path_factory.getbasetemp().parent / "init-150.pickle"
    with FileLock(f"{shared}.lock"):
        if not shared.exists():
            people = people_csv(tmp_path / "people.csv", PEOPLE)
            shares = [arg for email in SHARES for arg in ("--share", email)]
            args = ("--people", str(people), "--cycle", "2026-Q4", "--title", "Acme OKRs")
            result: Result = okr("init", "gsheet:new", *args, *shares)
            state = (fake.spreadsheets, fake.files, fake.permissions, fake.app_properties)
            said = (result.exit_code, result.stdout, result.stderr)
            shared.write_bytes(pickle.dumps((said, state, fake.exchanges)))
            return result
        saved = shared.read_bytes()
    said, (spreadsheets, files, permissions, app_properties), exchanges = pickle.loads(saved)
    fake.spreadsheets.update(spreadsheets)
    fake.files.update(files)
    fake.permissions.update(permissions)
    fake.app_properties.update(app_properties)
    fake.exchanges[:] = exchanges
    return Result(*said)
