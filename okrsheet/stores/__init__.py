"""Backends behind one protocol, chosen from a small table (`BACKENDS`).

Each backend says which location strings are its own and what it can do (remote, needs
credentials, can share, takes a title); callers ask the location, never which backend it is.
A new backend is one entry in the table. Backend modules are imported only when a workbook
needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from okrsheet.errors import OkrError, UsageError
from okrsheet.stores.base import WorkbookStore

Steps = Callable[[str, int], None]

# The browser's URL, also in its multi-account form (`/spreadsheets/u/1/d/ID/edit`).
_SHEETS_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
#: A path as Windows writes it: a drive letter (`C:\Users\ana\okr.xlsx`, `D:/okr.xlsx`) or a
#: network share (`\\server\share\okr.xlsx`). Always a local file, never a remote backend's
#: `scheme:address`, on every system.
WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
#: What a person may paste for a spreadsheet that is not one of the forms taken: a bare id,
#: a URL without its scheme, a Drive link (`open?id=`, `file/d/`).
_LOOKS_LIKE_SHEET = (
    re.compile(r"^([A-Za-z0-9_-]{25,})$"),
    re.compile(r"^(?:https?://)?(?:docs\.google\.com/spreadsheets/(?:u/\d+/)?d/)([A-Za-z0-9_-]+)"),
    re.compile(r"^(?:https?://)?drive\.google\.com/(?:open\?(?:.*&)?id=|file/d/)([A-Za-z0-9_-]+)"),
)


def _did_you_mean(text: str) -> str | None:
    """`gsheet:ID` when `text` looks like a spreadsheet given another way."""
    for pattern in _LOOKS_LIKE_SHEET:
        found = pattern.match(text)
        if found and _SHEET_ID.match(found.group(1)):
            return f"gsheet:{found.group(1)}"
    return None


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

    def url(self, location: Location) -> str | None:
        return None

    def can_share(self, location: Location) -> bool:
        return False

    def share(self, location: Location, emails: Sequence[str], *, notify: bool) -> None:
        raise UsageError(f"{location} cannot be shared")


class LocalXlsx(Backend):
    """A local .xlsx file (the default)."""

    scheme = "xlsx"

    def recognise(self, text: str, option: str) -> Location | None:
        path = Path(text).expanduser()
        if path.suffix.lower() not in (".xlsx", ".xlsm") and not path.is_dir():
            return None
        return Location(path=path)

    def open(
        self,
        location: Location,
        *,
        title: str | None,
        share: Sequence[str],
        steps: Steps | None,
        time_zone: str = "",
    ) -> WorkbookStore:
        from okrsheet.stores.xlsx.store import XlsxStore

        assert location.path is not None
        return XlsxStore(location.path, force=location.force)

    def describe(self, location: Location) -> str:
        return str(location.path)


class GoogleSheets(Backend):
    """A Google Sheets spreadsheet: `gsheet:ID`, its browser URL, or `gsheet:new`."""

    scheme = "gsheet"
    remote = True
    needs_credentials = True
    titled = True

    def recognise(self, text: str, option: str) -> Location | None:
        url = _SHEETS_URL.match(text)
        if url:
            return Location(scheme=self.scheme, address=url.group(1))
        if not text.startswith("gsheet:"):
            return None
        spreadsheet_id = text.removeprefix("gsheet:")
        if spreadsheet_id != "new" and not _SHEET_ID.match(spreadsheet_id):
            raise UsageError(
                f"{spreadsheet_id!r} is not a Google Sheets spreadsheet id", option=option
            )
        return Location(scheme=self.scheme, address=spreadsheet_id)

    def open(
        self,
        location: Location,
        *,
        title: str | None,
        share: Sequence[str],
        steps: Steps | None,
        time_zone: str = "",
    ) -> WorkbookStore:
        from okrsheet.stores.google.store import GoogleSheetsStore

        return GoogleSheetsStore(
            location.address, title=title, share_with=share, steps=steps, time_zone=time_zone
        )

    def url(self, location: Location) -> str | None:
        from okrsheet.stores.google.create import url_for

        return url_for(location.address)

    def can_share(self, location: Location) -> bool:
        return location.address != "new"

    def share(self, location: Location, emails: Sequence[str], *, notify: bool) -> None:
        import contextlib

        from okrsheet.stores.google.store import GoogleSheetsStore

        store = GoogleSheetsStore(location.address, notify=notify)
        for email in emails:
            store.share(email)
        # Shared by hand after `okr init gsheet:new` stopped: it is finished now, so the same
        # init run again must make a new spreadsheet rather than pick this one up.
        with contextlib.suppress(OkrError):
            store.clear_mark()


#: Every backend, in the order location strings are offered to them; the local file last.
BACKENDS: list[Backend] = [GoogleSheets(), LocalXlsx()]


def backend_named(scheme: str) -> Backend:
    for backend in BACKENDS:
        if backend.scheme == scheme:
            return backend
    raise UsageError(f"no workbook backend is called {scheme!r}")


def parse_location(text: str, *, option: str = "--workbook") -> Location:
    """Accept a local path, a Google Sheets URL, or `gsheet:SPREADSHEET_ID`."""
    text = text.strip()
    if not text:
        raise UsageError("the workbook location is empty", option=option)
    backends = [backend_named("xlsx")] if WINDOWS_PATH.match(text) else BACKENDS
    for backend in backends:
        found = backend.recognise(text, option)
        if found is not None:
            return found
    guess = _did_you_mean(text)
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
