"""Reading the check-in log: a hundred thousand rows, column by column, each bad cell named."""

from __future__ import annotations

import dataclasses
import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import NoneType
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ArgsKwargs

from okrsheet.domain.model import CheckIn, Settings
from okrsheet.layout import cells
from okrsheet.layout.cells import CellValueError, is_blank
from okrsheet.layout.schema import (
    CHECKIN_COLUMNS,
    CHECKINS_TAB,
    OKR_COLUMNS,
    is_archive,
    normalize_header,
)
from okrsheet.layout.tables import (
    Finding,
    Table,
    duplicate_headers,
    field_label,
    find_table,
    missing_headers,
    model_errors,
)
from okrsheet.stores.base import CellValue, Grid, RawWorkbook, RowsWanted

#: The check-in fields in the order of `CheckIn`'s arguments.
CHECKIN_FIELDS = tuple(f.name for f in dataclasses.fields(CheckIn))

#: (row offset, column order, key, message): a bad cell, or a missing one (after every column).
_Problem = tuple[int, int, str, str]


@dataclass(frozen=True)
class LogNeed:
    """What a report needs of the check-in log when it asks for less than all of it: every
    line dated after `until` (when there is one, the whole log is read after all: the plan is
    then rewound, which needs the history) or whose date is not a plain date, and every line
    of `ids` (KPIs take their value from the log; quantified links follow their upstream's
    trend). The rest of the log cannot change such a report, as of `until` or later."""

    until: date
    ids: frozenset[str]


def named_as_log(title: str) -> bool:
    """Whether a tab's title is the check-in log's (a log named otherwise is found too, by
    its headers, but a read in part looks for it under its name)."""
    return normalize_header(title) == _LOG_TITLE


_LOG_TITLE = normalize_header(CHECKINS_TAB)


def looks_like_log(head: Grid) -> bool:
    """Whether a tab's first rows make it a check-in log rather than an OKR tab: three of the
    log's headers, and not four of an OKR tab's. The one test of what a log is, for the
    reader, the writers and the skim of a long log."""
    return (
        find_table(head, CHECKIN_COLUMNS, min_matches=3) is not None
        and find_table(head, OKR_COLUMNS, min_matches=4) is None
    )


def find_checkin_log(raw: RawWorkbook) -> tuple[Grid, Table] | None:
    """The check-in log: the tab named Check-ins (in any case and spacing) when it looks like
    a log, else the first tab that does; None when no tab does."""
    named = [g for g in raw.grids if named_as_log(g.title)]
    # (never an archived cycle's check-ins, layout/log_archive.py: they look like a log too)
    others = [g for g in raw.grids if not named_as_log(g.title) and not is_archive(g.title)]
    for grid in named + others:
        if looks_like_log(grid):
            table = find_table(grid, CHECKIN_COLUMNS, min_matches=3)
            assert table is not None
            return grid, table
    return None


def read_checkin_log(
    raw: RawWorkbook, settings: Settings, findings: list[Finding], need: LogNeed | None = None
) -> tuple[Table | None, list[CheckIn], list[int]]:
    """The log's table, its check-ins and the row each was read from; what is wrong in it goes
    to `findings` (a workbook without a log gets a warning). With `need`, a log the store
    read in part (`RawWorkbook.rows_of`) is read only as far as `need` says."""
    located = find_checkin_log(raw)
    if located is None:
        findings.append(
            Finding(
                "warning",
                "no-checkin-log",
                f"no {CHECKINS_TAB!r} tab with Date, KR ID and Value headers; "
                "check-ins cannot be recorded until it exists",
                None,
            )
        )
        return None, [], []
    grid, table = located
    findings.extend(
        missing_headers(grid, table, CHECKIN_COLUMNS)
        + duplicate_headers(grid, table, CHECKIN_COLUMNS)
    )
    rows_of = raw.rows_of.pop(grid.title, None)
    if rows_of is None:
        checkins, rows = _checkin_rows(grid, table, settings, findings)
        return table, checkins, rows
    date_column = table.columns.get("date")
    asked = (
        None
        if need is None or date_column is None
        else RowsWanted(needles=need.ids, date_column=date_column, until=need.until)
    )
    grid.rows = rows_of(asked)
    found: list[Finding] = []
    checkins, rows = _checkin_rows(grid, table, settings, found)
    if asked is not None and any(c.date > asked.until for c in checkins):
        grid.rows = rows_of(None)  # a line after the day: the report rewinds, read it all
        found = []
        checkins, rows = _checkin_rows(grid, table, settings, found)
    findings.extend(found)
    return table, checkins, rows


def read_log_grid(grid: Grid, settings: Settings) -> list[CheckIn]:
    """The readable check-ins of a tab laid out as the log (an archived one): what cannot be
    read is passed over."""
    table = find_table(grid, CHECKIN_COLUMNS)
    if table is None:
        return []
    checkins, _rows = _checkin_rows(grid, table, settings, [])
    return checkins


def _parsers(settings: Settings) -> dict[str, Callable[[CellValue], Any]]:
    order = settings.date_order
    return {
        "date": lambda v: cells.parse_date(v, order=order),
        "kr_id": cells.parse_text,
        "value": lambda v: cells.parse_number(v, allow_bool=True),
        "confidence": cells.parse_confidence,
        "note": cells.parse_text,
        "author": cells.parse_text,
        "recorded_at": cells.parse_datetime,
        "checkin_id": cells.parse_text,
    }


def _checkin_rows(
    grid: Grid, table: Table, settings: Settings, findings: list[Finding]
) -> tuple[list[CheckIn], list[int]]:
    """The log can hold a hundred thousand rows, so it is read column by column: a column
    whose cells are all of the plain type a store returns (text, a date, a number) converts
    in one pass (`_plain_column`); any other goes cell by cell through the same parsers as
    everywhere else, which name a bad cell. pydantic then validates all rows in one call
    (row by row only when that call fails, to name the bad cells)."""
    body = grid.rows[table.header_row :]
    first = table.header_row + 1
    numbers: Sequence[int] = range(first, first + len(body))
    if not all(body):  # rows left empty (`[]`: a log read in part) hold nothing: skip them
        kept = list(itertools.compress(range(first, first + len(body)), body))
        body = list(itertools.compress(body, body))
        numbers = kept
    parsers = _parsers(settings)
    keys, columns, problems = _read_columns(body, table, parsers)
    blank = _blank_offsets(body, columns)
    bad = _missing_cells(keys, columns, blank, problems, missing=len(parsers))
    for offset, position, key, message in sorted(problems):
        if offset in blank:
            continue
        where = table.ref(numbers[offset], key)
        if position == len(parsers):
            findings.append(Finding("error", "missing", message, where))
        else:
            findings.append(Finding("error", "bad-cell", f"{field_label(key)}: {message}", where))

    # Positional arguments for pydantic when the log has every column (built without a
    # Python call per row), keyword arguments otherwise.
    records: list[Any]
    if keys == list(CHECKIN_FIELDS):
        records = list(map(ArgsKwargs, zip(*columns, strict=True)))
    else:
        records = [dict(zip(keys, v, strict=True)) for v in zip(*columns, strict=True)]
    rows = list(numbers)
    if blank or bad:
        skip = blank | bad
        records = [r for o, r in enumerate(records) if o not in skip]
        rows = [row for o, row in enumerate(rows) if o not in skip]
    return _validate(records, rows, table, findings)


def _read_columns(
    body: Sequence[Sequence[CellValue]],
    table: Table,
    parsers: dict[str, Callable[[CellValue], Any]],
) -> tuple[list[str], list[list[Any]], list[_Problem]]:
    """The log's columns that are there (their keys and converted values), and the bad cells."""
    width = min(map(len, body), default=0)
    keys: list[str] = []
    columns: list[list[Any]] = []
    problems: list[_Problem] = []
    for position, (key, parse) in enumerate(parsers.items()):
        if key not in table.columns:
            continue
        index = table.columns[key] - 1
        if index < width:
            raw = list(map(operator.itemgetter(index), body))
        else:
            raw = [r[index] if index < len(r) else None for r in body]
        values = _plain_column(key, raw)
        if values is None:
            values = []
            for offset, cell in enumerate(raw):
                try:
                    values.append(parse(cell))
                except CellValueError as exc:
                    values.append(None)
                    problems.append((offset, position, key, str(exc)))
        keys.append(key)
        columns.append(values)
    return keys, columns, problems


def _blank_offsets(body: Sequence[Sequence[CellValue]], columns: list[list[Any]]) -> set[int]:
    """The rows blank in every column: look at the others only where the first is blank."""
    maybe = [o for o, v in enumerate(columns[0]) if v is None or v == ""] if columns else []
    return {
        o
        for o in maybe
        if all(c[o] is None or c[o] == "" for c in columns) and all(is_blank(v) for v in body[o])
    }


def _missing_cells(
    keys: list[str],
    columns: list[list[Any]],
    blank: set[int],
    problems: list[_Problem],
    missing: int,
) -> set[int]:
    """Add the first missing one of each row's date, KR ID and value to `problems` (as column
    order `missing`); the offsets of every row with a problem."""
    bad = {offset for offset, *_ in problems}
    first_missing: dict[int, str] = {}
    for key in ("value", "kr_id", "date"):  # the first missing one of a row is named
        if key in keys:
            column = columns[keys.index(key)]
            for o in (o for o, v in enumerate(column) if v is None or v == ""):
                first_missing[o] = key
    for offset, key in first_missing.items():
        if offset not in blank and offset not in bad:
            problems.append((offset, missing, key, f"{field_label(key)} is missing"))
            bad.add(offset)
    return bad


def _validate(
    records: list[Any], rows: list[int], table: Table, findings: list[Finding]
) -> tuple[list[CheckIn], list[int]]:
    try:
        return _CHECKIN_LIST.validate_python(records), rows
    except ValidationError:
        pass
    checkins: list[CheckIn] = []
    kept: list[int] = []
    for record, row in zip(records, rows, strict=True):
        try:
            checkins.append(_CHECKIN.validate_python(record))
            kept.append(row)
        except ValidationError as exc:
            findings.extend(model_errors(table, row, exc))
    return checkins, kept


_CHECKIN_LIST = TypeAdapter(list[CheckIn])
_CHECKIN = TypeAdapter(CheckIn)


_TEXT_KEYS = frozenset({"kr_id", "note", "author", "checkin_id"})


def _plain_column(key: str, column: list[CellValue]) -> list[Any] | None:
    """A log column converted in one pass when every cell is of the plain type the parser
    would pass through unchanged (text to strip, a date, a finite number, a confidence within
    0..1, a date and time, or blank); None when any cell needs the parser."""
    cells_: list[Any] = column
    types = set(map(type, cells_))
    if key in _TEXT_KEYS:
        return list(map(str.strip, cells_)) if types <= {str} else None
    if types & {str, NoneType}:
        if any(type(v) is str and v.strip() for v in cells_):
            return None  # typed text: the parser reads it
        cells_ = [None if v is None or type(v) is str else v for v in cells_]
    present: list[Any] = [v for v in cells_ if v is not None]
    kinds = set(map(type, present))
    if key in ("value", "confidence"):
        if not kinds <= {float} or not all(map(math.isfinite, present)):
            return None
        if key == "confidence" and present and not 0 <= min(present) <= max(present) <= 1:
            return None
        return [None if v is None else v or 0.0 for v in cells_]  # -0.0 reads as 0.0
    if key == "date":
        return cells_ if kinds <= {date} else None
    if key == "recorded_at":
        if kinds <= {datetime}:
            return cells_
        if kinds <= {date, datetime}:  # a date alone is that day at midnight
            return [v if v is None or type(v) is datetime else datetime(v.year, v.month, v.day)
                    for v in cells_]  # fmt: skip
        return None
    return None
