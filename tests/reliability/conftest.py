"""What the reliability suites share: pristine workbooks built once per session through the
real `okr init`, and the checks every failing command must pass."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from okrsheet.cli import app
from tests.conftest import TODAY, Google

#: Rows of a tiny shop typed into the Corporate tab: one objective, three key results.
SHOP_ROWS: list[list[Any]] = [
    ["Objective", "CORP-1", None, "Become the easiest shop to buy from", "corporate", "Ana Lima"],
    ["Key result", "CORP-1.1", "CORP-1", "Orders per week", None, "Ana Lima", None, "increase",
     0, 100, 50, "orders", "2026-12-31", 1, 0.8],
    ["Key result", "CORP-1.2", "CORP-1", "Days to deliver", None, "Ana Lima", None, "decrease",
     20, 10, 18, "days", "2026-12-31", 1, 0.4],
    ["Key result", "CORP-1.3", "CORP-1", "Launch the new checkout", None, "Ana Lima", None,
     "milestone", 0, 1, 0, None, "2026-12-15", 1, "70%"],
]  # fmt: skip


def _init(path: Path, *args: str) -> bytes:
    """`okr init` with the test clock, outside any one test's environment."""
    result = CliRunner().invoke(
        app,
        ["init", str(path), "--cycle", "2026-Q4", *args],
        env={"OKR_TODAY": TODAY.isoformat(), "NO_COLOR": "1", "OKR_DEBUG": None},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return path.read_bytes()


@pytest.fixture(scope="session")
def example_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of the --example company for 2026-Q4 (as the `example` fixture makes it)."""
    return _init(tmp_path_factory.mktemp("pristine") / "example.xlsx", "--example")


@pytest.fixture(scope="session")
def shop_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A blank 2026-Q4 workbook with the shop's rows typed in, as a person would."""
    from openpyxl import load_workbook

    path = tmp_path_factory.mktemp("pristine") / "shop.xlsx"
    _init(path, "--company", "Shop")
    book = load_workbook(path)
    for row in SHOP_ROWS:
        book["Corporate"].append(row)
    book.save(path)
    return path.read_bytes()


@pytest.fixture
def example(example_bytes: bytes, tmp_path: Path) -> Path:
    """The root `example` fixture's workbook, without running `okr init` for every test."""
    path = tmp_path / "example.xlsx"
    path.write_bytes(example_bytes)
    return path


_GEXAMPLE: dict[str, Any] = {}


@pytest.fixture
def gexample(okr: Any, google: Google) -> str:
    """The root `gexample` fixture's spreadsheet: made by `okr init` once, then copied into each
    test's fake (a copy costs a twentieth of an init)."""
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


@pytest.fixture(autouse=True)
def _no_sleeping_in_google_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth backs off between token-endpoint retries with time.sleep: not in tests."""
    from types import SimpleNamespace

    from google.auth import _exponential_backoff

    monkeypatch.setattr(_exponential_backoff, "time", SimpleNamespace(sleep=lambda _s: None))


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


_LOADED: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _parse_each_private_key_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """google-auth parses the service account's PEM key on every command run (about 45 ms,
    most of the time of a run against the fake); the reliability suites run hundreds. The same
    key gives the same key object, so parse each key once."""
    import functools

    from cryptography.hazmat.primitives import serialization
    from google.auth.crypt import _cryptography_rsa

    load = _LOADED.setdefault(
        "load", functools.lru_cache(maxsize=8)(serialization.load_pem_private_key)
    )

    class _Serialization:
        def __getattr__(self, name: str) -> Any:
            return getattr(serialization, name)

        @staticmethod
        def load_pem_private_key(data: bytes, password: Any = None, backend: Any = None) -> Any:
            return load(bytes(data), password, backend)

    monkeypatch.setattr(_cryptography_rsa, "serialization", _Serialization())
