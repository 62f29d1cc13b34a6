"""A cell, or a range's last number, in a Google spreadsheet: `gsheet:ID!Pipeline!B7`, or the
spreadsheet's browser URL followed by `!Pipeline!B7`.

Read through the Google Sheets store with okr's own credentials, once per spreadsheet."""

from __future__ import annotations

import re

from okrsheet.errors import OkrError
from okrsheet.sources.base import Context, Source, SourceError
from okrsheet.sources.cell_ref import CellRange, last_number, parse_range

_ID = re.compile(r"^gsheet:(?P<id>[A-Za-z0-9_-]{10,})!(?P<ref>.+)$")
_URL = re.compile(
    r"^https://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/(?P<id>[A-Za-z0-9_-]+)[^!]*!(?P<ref>.+)$"
)


class GoogleCell:
    name = "gsheet"

    def parse(self, text: str) -> Source | None:
        match = _ID.match(text) or _URL.match(text)
        if not match:
            if text.startswith("gsheet:") or text.startswith("https://docs.google.com/"):
                raise SourceError(
                    "a Google source is gsheet:ID!Tab!B7 or the spreadsheet's URL followed by "
                    "!Tab!B7"
                )
            return None
        where = parse_range(match["ref"])
        if where is None:
            raise SourceError(
                f"{match['ref']!r} is not a cell or range: write it as Tab!C14, "
                "'Tab name'!C14, Tab!B2:B40 or Tab!C:C"
            )
        return Source(text, self.name, match["id"], where)

    def locate(self, source: Source, context: Context) -> str:
        return source.document

    def read(self, document: str, context: Context) -> object:
        from okrsheet.stores import Location, open_store

        try:
            return open_store(Location(scheme="gsheet", address=document)).read()
        except OkrError as exc:
            raise SourceError(exc.message) from None

    def number(self, source: Source, document: object) -> float:
        from okrsheet.stores.base import RawWorkbook

        assert isinstance(document, RawWorkbook) and isinstance(source.detail, CellRange)
        return last_number(document, source.detail)


GSHEET_CELL = GoogleCell()
