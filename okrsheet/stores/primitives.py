"""Spreadsheet primitives every backend shares: column letters, serial dates, number formats,
and what a cell can hold of a value (`cell_value`, `date_text`).

One home for each, so the .xlsx files, Google's requests and the layout's references agree.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

from okrsheet.stores.base import NumberFormat, WriteValue

#: Day 0 of spreadsheet serial dates (Excel's 1900 system as Google and LibreOffice count it).
EPOCH = date(1899, 12, 30)
_EPOCH_ORDINAL = EPOCH.toordinal()

#: The number format codes behind each named format of the layout.
NUMBER_FORMATS: dict[NumberFormat, str] = {
    "text": "@",
    "number": "#,##0.##",
    "integer": "0",
    "percent": "0%",
    "percent1": "0.0%",
    "currency": '"$"#,##0',
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "general": "General",
}


def column_letter(col: int) -> str:
    """`1` -> `A`, `27` -> `AA` (1-based column number to its letters)."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def letters_to_column(letters: str) -> int:
    """`A` -> 1, `AA` -> 27: the inverse of `column_letter` (upper-case letters only)."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def serial(value: date | datetime) -> float:
    """A date as a spreadsheet serial number (days since 1899-12-30, time as the fraction;
    a time zone is dropped: the wall-clock time is what a sheet shows)."""
    days = float(value.toordinal() - _EPOCH_ORDINAL)
    if isinstance(value, datetime):
        days += (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return days


def cell_value(value: WriteValue | Decimal) -> WriteValue:
    """What a cell can hold of a value, the same on every backend; each backend's encoder
    applies this first and then writes the result in its own format. No cell holds NaN or an
    infinity (they are written as an empty cell), a Decimal is a number, and a time with an
    offset from UTC is the wall-clock time it says (what a sheet shows). Text stays text:
    every encoder writes `=1+1` as the text it is, never as a formula."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def date_text(value: date) -> str:
    """A date (or a time) written into a cell formatted as text: the text a person would type
    there (`2026-11-02`, `2026-11-02 09:30:00`), so that the cell keeps its format."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    return value.isoformat()


# The look both backends give a workbook: header and emphasis fills (RGB hex), header text.
HEADER_FILL = "1F3864"
HEADER_FONT = "FFFFFF"
EMPHASIS_FILL = "DDEBF7"

#: Fill and font colours of the status words, in the OKR tabs and on the Dashboard.
STATUS_COLORS = {
    "done": ("C6EFCE", "006100"),
    "on track": ("E2EFDA", "375623"),
    "not started": ("EDEDED", "595959"),
    "at risk": ("FFEB9C", "9C5700"),
    "off track": ("FFC7CE", "9C0006"),
    "overdue": ("FF9999", "7F0000"),
}
