"""Shared fixtures: every test runs in its own directory with a clean, pinned environment."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

# Never let google-auth probe a cloud metadata server for Application Default Credentials.
os.environ["NO_GCE_CHECK"] = "true"

import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from okrsheet.cli import app  # noqa: E402
from tests.fakes.sheets_api import (  # noqa: E402
    FakeGoogle,
    authorized_session,
    service_account_info,
)

#: The day the tests live on: mid-way through 2026-Q4.
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory, no inherited workbook, no colour, a fixed today."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "OKR_WORKBOOK",
        "OKR_DEBUG",
        "OKR_AUTHOR",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "OKR_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "CLOUDSDK_CONFIG",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    # gspread's files and gcloud's ADC file live under HOME: a fresh one has none of them.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "home" / "appdata"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("OKR_TODAY", TODAY.isoformat())
    yield tmp_path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def okr() -> Any:
    """Run the real Typer app in-process: okr("status", "--format", "json")."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def example(okr: Any, tmp_path: Path) -> Path:
    """The --example company for 2026-Q4, created through the real `okr init`."""
    path = tmp_path / "example.xlsx"
    result = okr("init", str(path), "--example", "--cycle", "2026-Q4")
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture
def blank(okr: Any, tmp_path: Path) -> Path:
    """A blank template workbook for 2026-Q4."""
    path = tmp_path / "blank.xlsx"
    result = okr("init", str(path), "--cycle", "2026-Q4")
    assert result.exit_code == 0, result.stderr
    return path


#: The service account the Google tests act as.
BOT = "okr-bot@fake-project.iam.gserviceaccount.com"


@dataclass
class Google:
    """The in-process fake of the Sheets and Drive APIs, wired under the real stores."""

    fake: FakeGoogle
    key_file: Path
    sleeps: list[float]
    #: Seconds the clock was moved on by sleeps (the fake and the store share that clock).
    slept: list[float]

    def sheet_id(self) -> str:
        """The id of the only (or newest) spreadsheet."""
        return list(self.fake.spreadsheets)[-1]

    def location(self) -> str:
        return f"gsheet:{self.sheet_id()}"


@pytest.fixture
def google(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Google:
    """Google Sheets on the fake: real gspread and google-auth code, no network, no sleeping.

    A service account key is passed the way a person would (GOOGLE_APPLICATION_CREDENTIALS)."""
    import okrsheet.stores.google_http as google_http
    import okrsheet.stores.gsheets as gsheets

    fake = FakeGoogle()
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(service_account_info(fake, BOT)))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setattr(gsheets, "new_session", lambda creds: authorized_session(fake, creds))
    sleeps: list[float] = []
    slept = [0.0]

    def pause(seconds: float) -> None:  # no real sleep: the clock moves on instead
        sleeps.append(seconds)
        slept[0] += seconds

    def clock() -> float:
        return time.time() + slept[0]

    monkeypatch.setattr(google_http, "pause", pause)
    monkeypatch.setattr(google_http, "clock", clock)
    fake.now = lambda: dt.datetime.fromtimestamp(clock(), dt.UTC)
    return Google(fake, key_file, sleeps, slept)


@pytest.fixture
def gexample(okr: Any, google: Google) -> str:
    """The --example company for 2026-Q4 on the Google fake; returns its location."""
    result = okr("init", "gsheet:new", "--example", "--cycle", "2026-Q4", "--title", "Acme OKRs")
    assert result.exit_code == 0, result.stderr
    google.fake.reset_calls()
    return google.location()
