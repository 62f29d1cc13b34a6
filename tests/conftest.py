"""Shared fixtures: every test runs in its own directory with a clean, pinned environment.

Pristine workbooks (the example company, on a file and on the Google fake) are made once per
test process through the real `okr init` and copied into each test that asks for one."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import pickle
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

# Never let google-auth probe a cloud metadata server for Application Default Credentials.
os.environ["NO_GCE_CHECK"] = "true"

# `okr` run in a subprocess starts as an installed command does: from its bytecode cache.
# Where PYTHONDONTWRITEBYTECODE keeps Python from writing one beside the sources, the cache
# goes under .pytest_cache instead, for this process and the ones it starts (as the
# benchmarks do); otherwise every `okr` a test starts compiles okrsheet again (0.08 s).
if sys.dont_write_bytecode:
    _PYCACHE = Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache"
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    sys.pycache_prefix = str(_PYCACHE)
    sys.dont_write_bytecode = False

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

#: Variables a test never inherits from the environment it runs in.
UNSET = (
    "OKR_WORKBOOK",
    "OKR_DEBUG",
    "OKR_AUTHOR",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "OKR_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "CLOUDSDK_CONFIG",
    "FORCE_COLOR",
    "XDG_STATE_HOME",
    "XDG_CONFIG_HOME",
    "OKR_CONFIG",
)


def pinned_environment(home: Path) -> dict[str, str | None]:
    """No inherited workbook or credentials, no colour, a fixed today (None: unset)."""
    # gspread's files and gcloud's ADC file live under HOME: a fresh one has none of them.
    return {
        **dict.fromkeys(UNSET),
        "HOME": str(home),
        "APPDATA": str(home / "appdata"),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "OKR_TODAY": TODAY.isoformat(),
    }


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory, no inherited workbook, no colour, a fixed today."""
    monkeypatch.chdir(tmp_path)
    for name, value in pinned_environment(tmp_path / "home").items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    yield tmp_path


@pytest.fixture
def quick_google_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth as the Google tests run it (the `google` fixture asks for this), by two
    patches of its private modules that the tests of anything else never need:

    - no sleeping: it backs off between token-endpoint retries with time.sleep;
    - each private key parsed once: it parses the service account's PEM key on every command
      run (about 45 ms, most of the time of a run against the fake), and the same key gives
      the same key object."""
    from types import SimpleNamespace

    from cryptography.hazmat.primitives import serialization
    from google.auth import _exponential_backoff
    from google.auth.crypt import _cryptography_rsa

    monkeypatch.setattr(_exponential_backoff, "time", SimpleNamespace(sleep=lambda _s: None))

    class _Serialization:
        def __getattr__(self, name: str) -> Any:
            return getattr(serialization, name)

        @staticmethod
        def load_pem_private_key(data: bytes, password: Any = None, backend: Any = None) -> Any:
            return _load_pem_private_key(bytes(data), password, backend)

    monkeypatch.setattr(_cryptography_rsa, "serialization", _Serialization())


@functools.lru_cache(maxsize=8)
def _load_pem_private_key(data: bytes, password: Any, backend: Any) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(data, password, backend)


def init_bytes(path: Path, *args: str) -> bytes:
    """`okr init` for 2026-Q4 in the tests' pinned environment, outside any one test."""
    result = CliRunner().invoke(
        app,
        ["init", str(path), "--cycle", "2026-Q4", *args],
        env=pinned_environment(path.parent / "home"),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return path.read_bytes()


def type_cells(path: Path, cells: dict[str, dict[tuple[int, int], Any]]) -> None:
    """Type values into cells of a local workbook, by tab and 1-based (row, column), the way a
    person would: through the cell patcher okr's own writes use, which rewrites only those
    sheets' XML. A text starting with = is typed as a formula, as typing one makes it."""
    import io

    from okrsheet.stores.base import Formula, SetCells
    from okrsheet.stores.xlsx.patch import patch

    def typed(value: Any) -> Any:
        return Formula(value) if isinstance(value, str) and value.startswith("=") else value

    changes = [
        SetCells(tab, {at: typed(value) for at, value in values.items()})
        for tab, values in cells.items()
    ]
    out = io.BytesIO()
    patch(str(path), out, changes)
    path.write_bytes(out.getvalue())


#: A tiny shop, typed into the Corporate tab as a person would: one objective and three key
#: results whose every figure can be checked on paper.
SHOP_ROWS: list[list[Any]] = [
    ["Objective", "CORP-1", None, "Become the easiest shop to buy from", "corporate", "Ana Lima"],
    ["Key result", "CORP-1.1", "CORP-1", "Orders per week", None, "Ana Lima", None, None,
     0, 100, 50, "orders", dt.date(2026, 12, 31), 1, 0.8],
    ["Key result", "CORP-1.2", "CORP-1", "Days to deliver", None, "Ana Lima", None, None,
     20, 10, 18, "days", dt.date(2026, 12, 31), 1, 0.4],
    ["Key result", "CORP-1.3", "CORP-1", "Checkout abandonment below 50%", None, "Ana Lima", None,
     "milestone", 0, 1, 0, None, dt.date(2026, 12, 15), 2, "70%"],
]  # fmt: skip


def type_with_openpyxl(path: Path, tab: str, rows: list[list[Any]]) -> None:
    """Type rows into a tab with another program than okr (openpyxl), as a person would: on
    the first rows below the data, where okr's prepared formulas stand but nothing is typed."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book[tab]
    row = sheet.max_row
    while row > 1 and all(c.value is None or c.data_type == "f" for c in sheet[row]):
        row -= 1
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row + offset, column, value)
    book.save(path)


@pytest.fixture(scope="session")
def shop_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The shop: a blank 2026-Q4 workbook made by the real `okr init`, its rows typed in with
    openpyxl (not okr's own writer: a writer bug its reader tolerates would go unseen)."""
    path = tmp_path_factory.mktemp("shop") / "shop.xlsx"
    init_bytes(path, "--company", "Shop")
    type_with_openpyxl(path, "Corporate", SHOP_ROWS)
    return path.read_bytes()


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


@pytest.fixture(scope="session")
def example_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of the --example company for 2026-Q4, made once through the real `okr init`."""
    return init_bytes(tmp_path_factory.mktemp("pristine") / "example.xlsx", "--example")


@pytest.fixture
def example(example_bytes: bytes, tmp_path: Path) -> Path:
    """The --example company for 2026-Q4 (a copy of what the real `okr init` wrote)."""
    path = tmp_path / "example.xlsx"
    path.write_bytes(example_bytes)
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
def google(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_google_auth: None) -> Google:
    """Google Sheets on the fake: real gspread and google-auth code, no network, no sleeping.

    A service account key is passed the way a person would (GOOGLE_APPLICATION_CREDENTIALS)."""
    import okrsheet.stores.google.http as google_http
    import okrsheet.stores.google.store as gsheets

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


_GEXAMPLE: dict[str, bytes] = {}


@pytest.fixture
def gexample(okr: Any, google: Google) -> str:
    """The --example company for 2026-Q4 on the Google fake; returns its location. Made by
    `okr init` once, then copied into each test's fake (a copy costs a twentieth of an init)."""
    fake = google.fake
    if not _GEXAMPLE:
        result = okr(
            "init", "gsheet:new", "--example", "--cycle", "2026-Q4", "--title", "Acme OKRs"
        )
        assert result.exit_code == 0, result.stderr
        _GEXAMPLE["state"] = pickle.dumps((fake.spreadsheets, fake.files, fake.permissions))
    else:
        spreadsheets, files, permissions = pickle.loads(_GEXAMPLE["state"])
        fake.spreadsheets.update(spreadsheets)
        fake.files.update(files)
        fake.permissions.update(permissions)
    fake.reset_calls()
    return google.location()


#: Tests that take seconds (a real spreadsheet program, a browser, a terminal, processes
#: racing, a 150-person workbook). They run first, so that the workers end on short tests
#: and finish together instead of one waiting on the other's last long test.
LONG_FIRST = (
    "tests/cli/test_sheet_agrees.py",
    "tests/render/test_html_browser.py",
    "tests/reliability/test_time_zones.py",
    "tests/cli/test_terminal.py",
    "tests/reliability/test_properties.py",
    "tests/reliability/test_concurrency.py",
    "tests/stores/test_gsheets_scale.py",
    "tests/stores/test_gsheets.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: the order within each group is kept
