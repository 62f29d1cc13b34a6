"""A cell, or a range's last number, in a local workbook: `finance.xlsx!'P&L'!C14`.

The path is relative to the workbook's folder; the workbook is read through the store layer,
once however many key results name it."""

from __future__ import annotations

import re

from okrsheet.errors import OkrError
from okrsheet.sources.base import Context, Source, SourceError, resolve_path
from okrsheet.sources.cell_ref import CellRange, last_number, parse_range

_BOOK = re.compile(r"^(?P<path>.+?\.(?:xlsx|xlsm))!(?P<ref>.+)$", re.IGNORECASE)


class XlsxCell:
    name = "xlsx"

    def parse(self, text: str) -> Source | None:
        match = _BOOK.match(text)
        if not match or match["path"].casefold().startswith(("http://", "https://")):
            return None
        where = parse_range(match["ref"])
        if where is None:
            raise SourceError(
                f"{match['ref']!r} is not a cell or range of {match['path']}: write it as "
                "Tab!C14, 'Tab name'!C14, Tab!B2:B40 or Tab!C:C"
            )
        return Source(text, self.name, match["path"], where)

    def locate(self, source: Source, context: Context) -> str:
        return str(resolve_path(source.document, context))

    def read(self, document: str, context: Context) -> object:
        from pathlib import Path

        from okrsheet.stores import Location, open_store

        path = Path(document)
        if not path.is_file():
            raise SourceError(f"no workbook at {path.name}")
        try:
            return open_store(Location(path=path)).read()
        except OkrError as exc:
            raise SourceError(exc.message) from None

    def number(self, source: Source, document: object) -> float:
        from okrsheet.stores.base import RawWorkbook

        assert isinstance(document, RawWorkbook) and isinstance(source.detail, CellRange)
        return last_number(document, source.detail)


XLSX_CELL = XlsxCell()
