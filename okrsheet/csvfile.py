"""Reading CSV files as spreadsheet programs write them: the one reader behind every import
(`okr init --people`, `okr checkin --from`).

Excel saves "CSV" with semicolons where the decimal comma is usual, with a byte-order mark
("CSV UTF-8"), in the Windows code page ("CSV (Comma delimited)"), or as tab-separated UTF-16
("Unicode Text"); every save ends lines with CR LF. This module reads all of these:

- the raw bytes are decoded once: a BOM names the encoding; without one, UTF-8 is tried, then
  Windows-1252 (with a notice saying so, and how to avoid the guess);
- the csv module reads the decoded text as a stream (`newline=""`), so a line break, U+2028,
  a form feed or U+0085 inside a quoted field stays in the field;
- the delimiter (comma, semicolon or tab) is the one that makes the header row name the most
  known columns, unless a first line `sep=;` (which Excel writes and reads) names it;
- quoting is strict: an unterminated quote, a stray quote, a field more than the header has or
  a column named twice is an error naming `file:line`. Columns okr does not use (an HR export's
  `Job title`) are left out, and listed once in a notice: nothing is silently dropped;
- numbers are read by the file's evident convention: a file separated by semicolons is one
  where the decimal comma is usual, so `91,5%`, `4,0` and `8.500.000` are 91.5%, 4.0 and
  8500000 there (`CsvFile.number`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from okrsheet.errors import UsageError

STDIN = "-"
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_DELIMITER_NAME = {",": "a comma", ";": "a semicolon", "\t": "a tab"}
#: How to save a file any reader takes: said whenever a file's encoding had to be guessed.
_FIX = "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8 (Comma delimited))"


@dataclass(frozen=True)
class CsvRow:
    """One record: the line it starts on and its fields by column key (absent ones blank)."""

    line: int
    fields: Mapping[str, str]

    def get(self, key: str) -> str:
        return self.fields.get(key, "")


@dataclass
class CsvFile:
    name: str  # how messages name the file: its path as given, or "stdin"
    delimiter: str
    encoding: str
    columns: list[str]  # the column keys, in the file's order
    rows: list[CsvRow]
    notices: list[str] = field(default_factory=list)
    # The decimal sign of the file's numbers when chosen (`--decimal`); None: by its separator.
    decimal: str | None = None

    def where(self, line: int) -> str:
        return f"{self.name}:{line}"

    @property
    def decimal_comma(self) -> bool:
        """The decimal comma: chosen, or the convention of a file separated by semicolons."""
        return self.decimal == "," if self.decimal is not None else self.delimiter == ";"

    @property
    def decimal_evident(self) -> bool:
        """Whether the decimal sign is settled: chosen (`--decimal`), or told by semicolons.
        Otherwise a workbook's `Decimal sign` setting may still choose it."""
        return self.decimal is not None or self.delimiter == ";"

    def number(self, text: str) -> str:
        """A number field as okr reads numbers (a dot for decimals, no grouping), by the
        file's convention: with decimal commas, `91,5%` is `91.5%` and `8.500.000` is
        `8500000`. Anything else is returned as it is, for the reader to judge."""
        return comma_number(text) if self.decimal_comma else text


def comma_number(text: str) -> str:
    """A number written with a decimal comma as okr reads numbers: `91,5%` is `91.5%`,
    `8.500.000` is `8500000`; anything else as it is."""
    found = _EUROPEAN.fullmatch(text.strip())
    if found is None:
        return text
    return (
        found["before"]
        + found["whole"].replace(".", "")
        + ("." + found["frac"] if found["frac"] else "")
        + found["after"]
    )


#: A number written with a decimal comma and dots (or spaces) grouping thousands, between an
#: optional currency sign or percent: `91,5%`, `€ 8.500.000`, `-1.234,50`.
_EUROPEAN = re.compile(
    r"(?P<before>[^\d,.]*?)"
    r"(?P<whole>[-+]?\d{1,3}(?:\.\d{3})+|[-+]?\d+)"
    r"(?:,(?P<frac>\d+))?"
    r"(?P<after>\s*%?[^\d,.]*)"
)


def normalize(header: str) -> str:
    """`KR ID`, `kr-id` and ` Kr_Id ` are one column."""
    return "_".join(header.strip().casefold().replace("-", " ").replace("_", " ").split())


def read_bytes(source: str | Path, *, option: str) -> tuple[str, bytes]:
    """The file's name for messages and its bytes; `-` is standard input."""
    if str(source) == STDIN:
        return "stdin", sys.stdin.buffer.read()
    path = Path(source)
    try:
        return str(path), path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no file at {path}", option=option) from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory", option=option) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", option=option) from None


def decode(name: str, data: bytes, *, option: str) -> tuple[str, str, list[str]]:
    """(text, encoding, notices): a BOM decides; else UTF-8; else Windows-1252, said aloud."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, []
            except UnicodeDecodeError as exc:
                raise UsageError(
                    f"{name} starts like {encoding} text but byte {exc.start} is not valid",
                    option=option,
                    hint=_FIX,
                ) from None
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        raise UsageError(
            f"{name}:{line}: not UTF-8 text, nor Windows-1252",
            option=option,
            hint=_FIX,
        ) from None
    line = data[: utf8_error.start].count(b"\n") + 1
    notice = (
        f"{name} is not UTF-8 (first at line {line}); read it as Windows-1252, as Excel's "
        f"'CSV (Comma delimited)' writes it. If letters look wrong, {_FIX}"
    )
    return text, "cp1252", [notice]


def _records(name: str, text: str, delimiter: str, option: str) -> list[tuple[int, list[str]]]:
    """Every record with the line it starts on; a quoting error names that line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            message = str(exc)
            if "unexpected end of data" in message or "newline inside string" in message:
                raise UsageError(
                    f"{name}:{start}: a quoted field opened on this line is never closed",
                    option=option,
                    hint='close the quote, or write a quote inside a quoted field as ""',
                ) from None
            raise UsageError(
                f"{name}:{reader.line_num}: the file's quoting is not readable: {message}",
                option=option,
                hint='quote a field that holds a quote, and write that quote as ""',
            ) from None
        records.append((start, record))
        start = reader.line_num + 1


def _stray_quote(text: str, delimiter: str) -> int | None:
    """The line of the first quote inside a field that does not start with one (`ab"c`),
    which the csv module lets through as a character; None when there is none. Quoted fields
    are skipped whole (a `""` inside them is a quote)."""
    if '"' not in text:
        return None
    line, i, n = 1, 0, len(text)
    at_start = True
    while i < n:
        char = text[i]
        if at_start and char == '"':  # a quoted field: to its closing quote
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        i += 2
                        continue
                    break
                line += text[i] == "\n"
                i += 1
            at_start = False
        elif char in (delimiter, "\n", "\r"):
            at_start = True
            line += char == "\n"
        elif char == '"':
            return line
        else:
            at_start = False
        i += 1
    return None


def _first_row(text: str) -> str:
    """The header line (headers hold no line breaks)."""
    return text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")


def sniff(text: str, known: Mapping[str, str]) -> str:
    """The delimiter that makes the header name the most known columns (then the most
    columns); a comma when nothing tells them apart."""
    header = _first_row(text)

    def score(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            return (-1, -1)
        return (sum(normalize(c) in known for c in cells), len(cells))

    return max(DELIMITERS, key=lambda d: (*score(d), d == ","))


def read_csv(
    source: str | Path,
    *,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
    option: str,
) -> CsvFile:
    """Read a CSV with a header row. `columns` maps each column key to the header spellings
    it accepts (the key itself always works); `required` are the keys it must have."""
    name, data = read_bytes(source, option=option)
    text, encoding, notices = decode(name, data, option=option)
    known = {normalize(key): key for key in columns}
    for key, spellings in columns.items():
        known.update({normalize(s): key for s in spellings})
    if text.startswith("\ufeff"):  # a BOM after a BOM (some exports double it)
        text = text[1:]
    first = _first_row(text)
    skipped = 0
    if first.casefold().startswith("sep=") and len(first) == 5:  # Excel's `sep=;` line
        delimiter = first[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
        skipped = 1
    else:
        delimiter = sniff(text, known)
    parsed = _records(name, text, delimiter, option)
    stray = _stray_quote(text, delimiter)
    if stray is not None:
        raise UsageError(
            f"{name}:{stray + skipped}: the file's quoting is not readable: a quote inside a "
            "field that does not start with one",
            option=option,
            hint='quote a field that holds a quote, and write that quote as "" ("ab""c")',
        )
    records = [
        (line + skipped, record) for line, record in parsed if any(f.strip() for f in record)
    ]
    accepted = ", ".join(columns)
    if not records:
        raise UsageError(f"{name} is empty: it needs a header row ({accepted})", option=option)
    header_line, header = records[0]
    where = f"{name}:{header_line}"
    keys, ignored = _header_keys(header, known, where=where, option=option)
    if ignored:
        notices.append(
            f"{name}: left out the column(s) okr does not use: "
            + ", ".join(repr(c) for c in ignored)
            + f" (okr reads {accepted})"
        )
    missing = [key for key in required if key not in keys]
    if missing:
        raise UsageError(
            f"{where}: the header row lacks {', '.join(repr(m) for m in missing)} "
            f"(read with {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} between columns)",
            option=option,
            hint=f"the columns are: {accepted}; required: {', '.join(required)}",
        )
    rows = _rows(name, records[1:], keys, delimiter=delimiter, option=option)
    return CsvFile(
        name=name,
        delimiter=delimiter,
        encoding=encoding,
        columns=[k for k in keys if k is not None and k != IGNORED],
        rows=rows,
        notices=notices,
    )


#: The key of a column okr does not use: its values are left out.
IGNORED = "\0ignored"


def _header_keys(
    header: Sequence[str], known: Mapping[str, str], *, where: str, option: str
) -> tuple[list[str | None], list[str]]:
    """The column key of each header cell (None for a blank one, whose column must stay
    blank; `IGNORED` for one okr does not use), and the names of those left out; a repeated
    column is a usage error naming it."""
    keys: list[str | None] = []
    ignored: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        if not cell.strip():
            keys.append(None)
            continue
        found = known.get(normalize(cell))
        if found is None:
            keys.append(IGNORED)
            ignored.append(cell.strip())
            continue
        if found in seen:
            raise UsageError(
                f"{where}: column {position} ({cell.strip()!r}) repeats column {seen[found]}",
                option=option,
                hint="keep one of them",
            )
        seen[found] = position
        keys.append(found)
    return keys, ignored


def _rows(
    name: str,
    records: Sequence[tuple[int, list[str]]],
    keys: Sequence[str | None],
    *,
    delimiter: str,
    option: str,
) -> list[CsvRow]:
    """The data records keyed by column; when any record has a value beyond the header's
    columns, every such record is named and nothing is read."""
    rows: list[CsvRow] = []
    problems: list[str] = []
    for line, record in records:
        extra = [
            value
            for position, value in enumerate(record)
            if value.strip() and (position >= len(keys) or keys[position] is None)
        ]
        if extra:
            problems.append(
                f"{name}:{line}: {len(record)} fields where the header has {len(keys)} "
                f"columns (extra: {extra[0][:40]!r}); quote a field that holds "
                f"{_DELIMITER_NAME.get(delimiter, repr(delimiter))}"
            )
            continue
        fields = {
            key: value
            for key, value in zip(keys, record, strict=False)
            if key is not None and key != IGNORED
        }
        rows.append(CsvRow(line=line, fields=fields))
    if problems:
        raise UsageError(
            f"{len(problems)} row(s) of {name} do not fit its header; nothing was read",
            option=option,
            details=problems,
        )
    return rows
