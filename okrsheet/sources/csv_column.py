"""A column of a CSV file or URL: which row (the last, or the last whose key column holds a
value), or the sum of the column over all rows or over the rows that match.

    deals.csv!Amount                     the last row's Amount
    deals.csv!Amount[Region=EMEA]        the last row whose Region is EMEA
    deals.csv!sum(Amount)                the whole column, summed
    deals.csv!sum(Amount)[Stage=Won]     the rows whose Stage is Won, summed
    https://crm.example.com/export.csv!'Net amount'
    csv:https://crm.example.com/export?format=csv!Amount

Column names and values are matched ignoring case and surrounding spaces; a name with odd
characters may be quoted: `'Net amount'`. Each file or URL is read once."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from okrsheet.errors import UsageError
from okrsheet.sources.base import Context, Source, SourceError
from okrsheet.sources.documents import file_or_url_bytes, locate_file_or_url

_SOURCE = re.compile(
    r"^(?:csv:)?(?P<doc>.+?)!(?P<sum>sum\()?\s*(?:'(?P<quoted>(?:[^']|'')+)'|(?P<bare>[^'\[\]()]+?))"
    r"\s*(?(sum)\))\s*(?:\[(?P<key>[^=\]]+)=(?P<value>[^\]]*)\])?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Column:
    column: str
    total: bool
    key: str | None
    value: str | None


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class CsvColumn:
    name = "csv"

    def parse(self, text: str) -> Source | None:
        explicit = text.casefold().startswith("csv:")
        head = text.split("!", 1)[0]
        path = head.removeprefix("csv:").removeprefix("CSV:")
        if not explicit and not re.search(r"\.csv(?:$|\?)", path, re.IGNORECASE):
            return None
        match = _SOURCE.match(text)
        if not match:
            raise SourceError(
                "a CSV source is FILE!Column, FILE!Column[Key=Value], FILE!sum(Column) or "
                "FILE!sum(Column)[Key=Value]"
            )
        name = match["quoted"].replace("''", "'") if match["quoted"] else match["bare"]
        detail = Column(
            column=name.strip(),
            total=bool(match["sum"]),
            key=match["key"].strip() if match["key"] else None,
            value=match["value"].strip() if match["key"] else None,
        )
        return Source(text, self.name, match["doc"].strip(), detail)

    def locate(self, source: Source, context: Context) -> str:
        return locate_file_or_url(source.document, context)

    def read(self, document: str, context: Context) -> object:
        from okrsheet.csvfile import decode

        data = file_or_url_bytes(document, context)
        try:
            text, _, _ = decode("the file", data, option="Source")
        except UsageError as exc:
            raise SourceError(exc.message.removeprefix("Source: ")) from None
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise SourceError(f"not a readable CSV file: {exc}") from None
        records = [r for r in records if any(field.strip() for field in r)]
        if not records:
            raise SourceError("the file is empty")
        return Table([_fold(h) for h in records[0]], records[1:])

    def number(self, source: Source, document: object) -> float:
        from okrsheet.layout import cells

        assert isinstance(document, Table) and isinstance(source.detail, Column)
        want = source.detail
        col = self._index(document, want.column)
        rows = document.rows
        if want.key is not None:
            key = self._index(document, want.key)
            value = _fold(want.value or "")
            rows = [r for r in rows if key < len(r) and _fold(r[key]) == value]
            if not rows:
                raise SourceError(f"no row whose {want.key} is {want.value!r}")
        if not rows:
            raise SourceError("the file has no rows below its header")
        numbers: list[float] = []
        for row in rows if want.total else rows[-1:]:
            typed = row[col] if col < len(row) else ""
            try:
                number = cells.parse_number(typed)
            except cells.CellValueError as exc:
                raise SourceError(f"{want.column}: {exc}") from None
            if number is None and not want.total:
                raise SourceError(f"{want.column} is empty in the row chosen")
            if number is not None:
                numbers.append(number)
        return float(sum(numbers))

    @staticmethod
    def _index(table: Table, name: str) -> int:
        try:
            return table.header.index(_fold(name))
        except ValueError:
            raise SourceError(f"no column {name!r}") from None


CSV_COLUMN = CsvColumn()
