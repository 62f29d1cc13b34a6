"""Backends behind one protocol, chosen from a small table (`BACKENDS`).

Each backend says which location strings are its own and what it can do (remote, needs
credentials, can share, takes a title); callers ask the location, never which backend it is.
A new backend is one module and one line in the table (`BACKEND_CLASSES`): its `Backend` says
which locations are its own and opens its store, whose modules are imported only when a
workbook needs them (docs/architecture.md).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from okrsheet.errors import UsageError
from okrsheet.stores.base import WorkbookStore

Steps = Callable[[str, int], None]

#: A path as Windows writes it: a drive letter (`C:\Users\ana\okr.xlsx`, `D:/okr.xlsx`) or a
#: network share (`\\server\share\okr.xlsx`). Always a local file, never a remote backend's
#: `scheme:address`, on every system.
WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


@dataclass(frozen=True)
class Location:
    """Where a workbook lives: a local path, or an address in a remote backend's `scheme`."""

    path: Path | None = None
    #: Write even when a spreadsheet program's lock file says the workbook is open (`--force`).
    force: bool = field(default=False, compare=False)
    #: The backend's name in `BACKENDS`, and the workbook's address there (a remote one).
    scheme: str = "xlsx"
    address: str = ""

    @property
    def backend(self) -> Backend:
        return backend_named(self.scheme)

    @property
    def remote(self) -> bool:
        """Held by a service over the network: a write's outcome can be unknown."""
        return self.backend.remote

    @property
    def needs_credentials(self) -> bool:
        return self.backend.needs_credentials

    @property
    def titled(self) -> bool:
        """Whether creating it takes a title and people to share it with."""
        return self.backend.titled

    @property
    def can_share(self) -> bool:
        return self.backend.can_share(self)

    @property
    def url(self) -> str | None:
        """Where a person opens it in a browser (None for a local file)."""
        return self.backend.url(self)

    def __str__(self) -> str:
        return self.backend.describe(self)


class Backend:
    """One kind of place a workbook can live, and what it can do. Subclass and add an
    instance to `BACKENDS`."""

    scheme = ""
    remote = False
    needs_credentials = False
    titled = False

    def recognise(self, text: str, option: str) -> Location | None:
        """The location `text` names in this backend, or None when it is not one of ours
        (a UsageError when it is, but malformed)."""
        raise NotImplementedError

    def open(
        self,
        location: Location,
        *,
        title: str | None,
        share: Sequence[str],
        steps: Steps | None,
        time_zone: str = "",
    ) -> WorkbookStore:
        raise NotImplementedError

    def describe(self, location: Location) -> str:
        return f"{self.scheme}:{location.address}"

    def did_you_mean(self, text: str) -> str | None:
        """A location of this backend that `text` looks like, given another way."""
        return None

    def url(self, location: Location) -> str | None:
        return None

    def can_share(self, location: Location) -> bool:
        return False

    def share(self, location: Location, emails: Sequence[str], *, notify: bool) -> None:
        raise UsageError(f"{location} cannot be shared")


#: Every backend, in the order location strings are offered to them, the local file last:
#: `module:Class` of its `Backend`, imported on first use. A new backend is one module (its
#: `Backend` and its store) and one line here.
BACKEND_CLASSES = (
    "okrsheet.stores.google.backend:GoogleSheets",
    "okrsheet.stores.xlsx.backend:LocalXlsx",
)


def __getattr__(name: str) -> list[Backend]:
    """`BACKENDS`, an instance of each of `BACKEND_CLASSES`, made on first use."""
    if name != "BACKENDS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _backends()


def _backends() -> list[Backend]:
    made = globals().get("BACKENDS")
    if made is None:
        made = []
        for entry in BACKEND_CLASSES:
            module, _, name = entry.partition(":")
            made.append(getattr(importlib.import_module(module), name)())
        globals()["BACKENDS"] = made
    backends: list[Backend] = made
    return backends


def backend_named(scheme: str) -> Backend:
    for backend in _backends():
        if backend.scheme == scheme:
            return backend
    raise UsageError(f"no workbook backend is called {scheme!r}")


def parse_location(text: str, *, option: str = "--workbook") -> Location:
    """Accept a local path, a Google Sheets URL, or `gsheet:SPREADSHEET_ID`."""
    text = text.strip()
    if not text:
        raise UsageError("the workbook location is empty", option=option)
    backends = [backend_named("xlsx")] if WINDOWS_PATH.match(text) else _backends()
    for backend in backends:
        found = backend.recognise(text, option)
        if found is not None:
            return found
    guess = next((g for b in backends if (g := b.did_you_mean(text)) is not None), None)
    raise UsageError(
        f"{text!r} is neither an .xlsx file nor a Google Sheets location"
        + (f"; did you mean {guess}?" if guess else ""),
        option=option,
        hint="use a path ending in .xlsx, a Google Sheets URL, or gsheet:SPREADSHEET_ID",
    )


def open_store(
    location: Location,
    *,
    title: str | None = None,
    share: Sequence[str] = (),
    steps: Steps | None = None,
    time_zone: str = "",
) -> WorkbookStore:
    """The store for a location; `title`, `share`, `steps` (told each step of a long
    creation and how many there are) and `time_zone` (the new spreadsheet's own, as the
    Settings tab spells one) matter only when creating a remote workbook."""
    return location.backend.open(
        location, title=title, share=share, steps=steps, time_zone=time_zone
    )
