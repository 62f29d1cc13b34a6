"""Backends behind one protocol. Backend modules are imported only when a workbook needs them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from okrsheet.errors import UsageError
from okrsheet.stores.base import WorkbookStore

# The browser's URL, also in its multi-account form (`/spreadsheets/u/1/d/ID/edit`).
_SHEETS_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")


@dataclass(frozen=True)
class Location:
    """Where a workbook lives: a local path, or a Google Sheets spreadsheet id."""

    path: Path | None = None
    spreadsheet_id: str | None = None
    #: Write even when a spreadsheet program's lock file says the workbook is open (`--force`).
    force: bool = field(default=False, compare=False)

    @property
    def is_google(self) -> bool:
        return self.spreadsheet_id is not None

    def __str__(self) -> str:
        return f"gsheet:{self.spreadsheet_id}" if self.is_google else str(self.path)


def parse_location(text: str, *, option: str = "--workbook") -> Location:
    """Accept a local path, a Google Sheets URL, or `gsheet:SPREADSHEET_ID`."""
    text = text.strip()
    if not text:
        raise UsageError("the workbook location is empty", option=option)
    url = _SHEETS_URL.match(text)
    if url:
        return Location(spreadsheet_id=url.group(1))
    if text.startswith("gsheet:"):
        spreadsheet_id = text.removeprefix("gsheet:")
        if spreadsheet_id != "new" and not _SHEET_ID.match(spreadsheet_id):
            raise UsageError(
                f"{spreadsheet_id!r} is not a Google Sheets spreadsheet id", option=option
            )
        return Location(spreadsheet_id=spreadsheet_id)
    path = Path(text).expanduser()
    if path.suffix.lower() not in (".xlsx", ".xlsm") and not path.is_dir():
        raise UsageError(
            f"{text!r} is neither an .xlsx file nor a Google Sheets location",
            option=option,
            hint="use a path ending in .xlsx, a Google Sheets URL, or gsheet:SPREADSHEET_ID",
        )
    return Location(path=path)


def open_store(
    location: Location,
    *,
    title: str | None = None,
    share: Sequence[str] = (),
    steps: Callable[[str, int], None] | None = None,
) -> WorkbookStore:
    """The store for a location; `title`, `share` and `steps` (told each step of a long
    creation and how many there are) matter only when creating on Google."""
    if location.path is not None:
        from okrsheet.stores.xlsx import XlsxStore

        return XlsxStore(location.path, force=location.force)
    from okrsheet.stores.gsheets import GoogleSheetsStore

    assert location.spreadsheet_id is not None
    return GoogleSheetsStore(location.spreadsheet_id, title=title, share_with=share, steps=steps)
