"""The Google Sheets backend's entry in `okrsheet.stores.BACKENDS`: `gsheet:ID`, a
spreadsheet's browser URL, or `gsheet:new`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from okrsheet.errors import OkrError, UsageError
from okrsheet.stores import Backend, Location, Steps
from okrsheet.stores.base import WorkbookStore

# The browser's URL, also in its multi-account form (`/spreadsheets/u/1/d/ID/edit`).
_SHEETS_URL = re.compile(r"^https://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
#: What a person may paste for a spreadsheet that is not one of the forms taken: a bare id,
#: a URL without its scheme, a Drive link (`open?id=`, `file/d/`).
_LOOKS_LIKE_SHEET = (
    re.compile(r"^([A-Za-z0-9_-]{25,})$"),
    re.compile(r"^(?:https?://)?(?:docs\.google\.com/spreadsheets/(?:u/\d+/)?d/)([A-Za-z0-9_-]+)"),
    re.compile(r"^(?:https?://)?drive\.google\.com/(?:open\?(?:.*&)?id=|file/d/)([A-Za-z0-9_-]+)"),
)


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

    def did_you_mean(self, text: str) -> str | None:
        """`gsheet:ID` when `text` looks like a spreadsheet given another way."""
        for pattern in _LOOKS_LIKE_SHEET:
            found = pattern.match(text)
            if found and _SHEET_ID.match(found.group(1)):
                return f"gsheet:{found.group(1)}"
        return None
