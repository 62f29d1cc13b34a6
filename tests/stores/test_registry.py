"""The store registry is the one place that knows the backends."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

import okrsheet
from okrsheet import stores
from okrsheet.errors import UsageError
from okrsheet.stores import Backend, Location, Steps, open_store, parse_location
from okrsheet.stores.base import RawWorkbook, WorkbookStore

PACKAGE = Path(okrsheet.__file__).parent


def test_nothing_outside_the_stores_asks_which_backend_a_location_is() -> None:
    asking = re.compile(r"is_google|spreadsheet_id|GoogleSheetsStore|XlsxStore|stores\.gsheets")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "stores" not in path.relative_to(PACKAGE).parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if asking.search(line)
    ]
    assert found == []


def test_each_location_string_picks_its_backend_and_its_capabilities() -> None:
    local = parse_location("okr.xlsx")
    google = parse_location("https://docs.google.com/spreadsheets/u/1/d/abcdefghijk/edit")
    assert (local.backend.scheme, local.remote, local.can_share, local.url) == (
        "xlsx",
        False,
        False,
        None,
    )
    assert (google.backend.scheme, google.remote, google.needs_credentials, google.titled) == (
        "gsheet",
        True,
        True,
        True,
    )
    assert str(google) == "gsheet:abcdefghijk"
    assert google.url == "https://docs.google.com/spreadsheets/d/abcdefghijk/edit"
    assert google.can_share and not parse_location("gsheet:new").can_share


class _Memory:
    """A store that holds nothing: enough to see that the registry opened it."""

    def __init__(self, location: Location) -> None:
        self.location = str(location)

    def exists(self) -> bool:
        return False

    def read(self) -> RawWorkbook:
        return RawWorkbook([])


class _MemoryBackend(Backend):
    scheme = "memory"
    remote = True

    def recognise(self, text: str, option: str) -> Location | None:
        if not text.startswith("memory:"):
            return None
        return Location(scheme=self.scheme, address=text.removeprefix("memory:"))

    def open(
        self,
        location: Location,
        *,
        title: str | None,
        share: Sequence[str],
        steps: Steps | None,
        time_zone: str = "",
    ) -> WorkbookStore:
        return _Memory(location)  # type: ignore[return-value]


def test_a_backend_added_to_the_table_is_picked_by_its_location_string(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(UsageError):
        parse_location("memory:team")
    monkeypatch.setattr(stores, "BACKENDS", [_MemoryBackend(), *stores.BACKENDS])
    location = parse_location("memory:team")
    assert (location.scheme, location.address, location.remote) == ("memory", "team", True)
    assert str(location) == "memory:team"
    store = open_store(location)
    assert isinstance(store, _Memory) and store.location == "memory:team"
    # The built-in backends still answer for their own strings.
    assert parse_location("gsheet:abcdefghijk").scheme == "gsheet"
    assert parse_location("book.xlsx").path == Path("book.xlsx")
