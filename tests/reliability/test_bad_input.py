"""A corpus of bad and odd input, each with the outcome it must have.

Every case starts from the --example company for 2026-Q4 (a real .xlsx written by `okr init`),
changes it the way a person would (values typed into cells, through the cell patcher okr's own
writes use; tabs and rows edited with openpyxl; some cases break the file itself or pass odd
options), then runs the real `okr` command line. For every case:

- the exit code is the documented one (docs/exit-codes.md);
- the message names the place: a cell (`Sales!J3`, `'Check-ins'!A2`), a header row
  (`Sales!1:1`), a tab, a file and line (`updates.csv:3`) or an option (`--as-of`);
- there is no traceback and no exit 1 (an internal error);
- after a failing command (and after any command that only reads), the workbook file is byte
  for byte what it was;
- "accepted with a warning" means exit 0 and a warning that names the place.

Layout of the example's OKR tabs (row 1 is the header):
A Type, B ID, C Objective ID, D Title, E Level, F Owner, G Aligns to, H Kind, I Start, J Target,
K Current, L Unit, M Due, N Weight, O Confidence, P Depends on, Q Progress, R Last check-in,
S Grade, T Notes. On Sales, row 2 is objective SALES-1 and rows 3-5 are SALES-1.1 (increase,
start 0, target 180, 63 opps), SALES-1.2 (a percentage) and SALES-1.3. Marketing row 5 is the
milestone MARKET-1.3. Settings: B3 Cycle, B4 Cycle start, B5 Cycle end, B6 cadence, B8 on-track
gap, B14 Date order. Check-ins: A Date, B KR ID, C Value, D Confidence, G Recorded at.
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import type_cells
from tests.reliability.conftest import assert_no_crash, fingerprint

Edit = Callable[[Any], None]  # receives an openpyxl Workbook
Setup = Callable[[Path], None]  # receives the test's folder; the workbook is <folder>/okr.xlsx

WB = "okr.xlsx"


@dataclass(frozen=True)
class Case:
    id: str
    #: The expected outcome, in words.
    outcome: str
    #: The documented exit code.
    code: int
    #: What the output must name (cells, header rows, tabs, options, file:line).
    places: tuple[str, ...] = ()
    args: tuple[str, ...] = ("validate", "-f", "json", "-w", WB)
    edit: Edit | None = None
    setup: Setup | None = None
    env: tuple[tuple[str, str], ...] = ()
    #: Accepted, but with a warning that names the place.
    warning: bool = False
    #: An accepted command that writes (a check-in): the file must change.
    writes: bool = False
    #: (KR id, field, value) that `okr status -f json` must show afterwards.
    read: tuple[str, str, Any] | None = None
    #: More text the output must hold (a hint, the reason).
    says: tuple[str, ...] = ()
    #: A command to run afterwards that must succeed (for accepted cases).
    then: tuple[str, ...] = ()
    #: Where `okr validate -f json` must place the finding (default: the first place, when it
    #: is a cell or a header row).
    at: str | None = None
    marks: tuple[Any, ...] = field(default=())


# Edits -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    """A value typed into one cell. Alone (or with other Puts) it is typed into the sheet's
    XML by the cell patcher okr's own writes use, which leaves every other part of the file as
    it was; beside edits of tabs or rows, openpyxl types it."""

    tab: str
    ref: str
    value: Any

    def __call__(self, book: Any) -> None:
        book[self.tab][self.ref] = self.value


@dataclass(frozen=True)
class Puts:
    edits: tuple[Edit, ...]

    def __call__(self, book: Any) -> None:
        for one in self.edits:
            one(book)


def put(tab: str, ref: str, value: Any) -> Edit:
    return Put(tab, ref, value)


def puts(*edits: Edit) -> Edit:
    return Puts(edits)


def rename(tab: str, new: str) -> Edit:
    def edit(book: Any) -> None:
        # Through a spare name: openpyxl treats SETTINGS as a clash with Settings itself.
        book[tab].title = "okr-renaming"
        book["okr-renaming"].title = new

    return edit


def drop_tab(tab: str) -> Edit:
    def edit(book: Any) -> None:
        del book[tab]

    return edit


def insert_rows(tab: str, index: int, amount: int = 1, first: list[Any] | None = None) -> Edit:
    def edit(book: Any) -> None:
        sheet = book[tab]
        sheet.insert_rows(index, amount)
        for col, value in enumerate(first or [], start=1):
            sheet.cell(row=index, column=col, value=value)

    return edit


def append(tab: str, *rows: list[Any]) -> Edit:
    """Rows typed below the last one, as a person types them: on the first rows that hold
    nothing but okr's prepared formulas."""

    def edit(book: Any) -> None:
        sheet = book[tab] if tab in book.sheetnames else book.create_sheet(tab)
        last = sheet.max_row
        while last > 0 and all(
            c.value is None or (isinstance(c.value, str) and c.value.startswith("="))
            for c in sheet[last]
        ):
            last -= 1
        for offset, row in enumerate(rows, start=1):
            for col, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(last + offset, col).value = value

    return edit


def merge(tab: str, cells: str) -> Edit:
    def edit(book: Any) -> None:
        book[tab].merge_cells(cells)

    return edit


def hide_row(tab: str, row: int) -> Edit:
    def edit(book: Any) -> None:
        book[tab].row_dimensions[row].hidden = True

    return edit


def hide_tab(tab: str) -> Edit:
    def edit(book: Any) -> None:
        book[tab].sheet_state = "hidden"

    return edit


def swap_columns(tab: str, a: int, b: int) -> Edit:
    def edit(book: Any) -> None:
        sheet = book[tab]
        for row in range(1, sheet.max_row + 1):
            left, right = sheet.cell(row=row, column=a), sheet.cell(row=row, column=b)
            left.value, right.value = right.value, left.value

    return edit


def blank_rows(tab: str, last: int) -> Edit:
    """Rows that look empty down to `last`: formatted, and a lone space in the last one."""

    def edit(book: Any) -> None:
        from openpyxl.styles import PatternFill

        sheet = book[tab] if tab in book.sheetnames else book.create_sheet(tab)
        fill = PatternFill("solid", fgColor="FFF2CC")
        for row in range(sheet.max_row + 1, last + 1, 97):
            sheet.cell(row=row, column=1).fill = fill
        sheet.cell(row=last, column=1, value=" ")

    return edit


def empty_workbook(book: Any) -> None:
    for title in list(book.sheetnames)[1:]:
        del book[title]
    sheet = book[book.sheetnames[0]]
    sheet.delete_rows(1, sheet.max_row)
    sheet.title = "Sheet1"


def only_settings(book: Any) -> None:
    for title in list(book.sheetnames):
        if title != "Settings":
            del book[title]


# Setups ----------------------------------------------------------------------------------------


def write(name: str, data: bytes | str) -> Setup:
    def setup(folder: Path) -> None:
        target = folder / name
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)

    return setup


def replace_workbook(data: bytes) -> Setup:
    return write(WB, data)


def truncate_workbook(folder: Path) -> None:
    book = folder / WB
    book.write_bytes(book.read_bytes()[: len(book.read_bytes()) // 2])


def break_a_sheet(folder: Path) -> None:
    book = folder / WB
    with zipfile.ZipFile(book) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet4.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1'"
    with zipfile.ZipFile(book, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def zip_without_workbook(folder: Path) -> None:
    with zipfile.ZipFile(folder / WB, "w") as target:
        target.writestr("hello.txt", "not a workbook")


def read_only(folder: Path) -> None:
    (folder / WB).chmod(0o444)


def directory(folder: Path) -> None:
    (folder / WB).unlink()
    (folder / WB).mkdir()


def missing(folder: Path) -> None:
    (folder / WB).unlink()


def dangling_symlink(folder: Path) -> None:
    (folder / WB).unlink()
    (folder / WB).symlink_to(folder / "gone.xlsx")


def csv_file(name: str, text: str) -> Setup:
    return write(name, text)


# The corpus ------------------------------------------------------------------------------------

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def compound_file(*streams: str) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) whose directory names these
    streams, each empty: the shape of Excel's password-protected .xlsx (EncryptionInfo,
    EncryptedPackage) and of a legacy .xls (Workbook)."""
    end_of_chain, fat_sector, free = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = ["Root Entry", *streams]
    dir_sectors = -(-len(names) // 4)
    header = OLE_MAGIC + bytes(16) + struct.pack(
        "<HHHHH6sIIIIIIIII",
        0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 0x1000, end_of_chain, 0, end_of_chain, 0
    )  # fmt: skip
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    chain = [fat_sector] + [i + 2 for i in range(dir_sectors - 1)] + [end_of_chain]
    fat = struct.pack(f"<{len(chain)}I", *chain) + struct.pack("<I", free) * (128 - len(chain))
    entries = b""
    for n, name in enumerate(names):
        encoded = (name + "\0").encode("utf-16-le")
        child = 1 if n == 0 and len(names) > 1 else free
        right = n + 1 if 0 < n < len(names) - 1 else free
        entries += struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded, len(encoded), 5 if n == 0 else 2, 1, free, right, child,
            bytes(16), 0, 0, 0, end_of_chain, 0,
        )  # fmt: skip
    entries += bytes(dir_sectors * 512 - len(entries))
    return header + fat + entries


ERROR, OK = 3, 0


def bad_cell(id: str, tab: str, ref: str, value: Any, says: str = "", **kw: Any) -> Case:
    """The value in tab!ref cannot be read: validate reports it there, exit 3."""
    where = f"{tab}!{ref}" if tab.replace("_", "").isalnum() else f"'{tab}'!{ref}"
    return Case(
        id,
        f"{where} = {value!r}: an error at {where}",
        ERROR,
        (where,),
        edit=put(tab, ref, value),
        says=(says,) if says else (),
        **kw,
    )


def accepted(id: str, tab: str, ref: str, value: Any, read: tuple[str, str, Any] | None) -> Case:
    return Case(
        id,
        f"{tab}!{ref} = {value!r} is understood" + (f": {read[1]} {read[2]!r}" if read else ""),
        OK,
        edit=put(tab, ref, value),
        read=read,
    )


NUMBERS_REJECTED = [
    ("tbd", "TBD", "placeholder"),
    ("tbc", "tbc", "placeholder"),
    ("n-a", "n/a", "placeholder"),
    ("na-caps", "N/A", "placeholder"),
    ("none", "none", "placeholder"),
    ("question-mark", "?", "placeholder"),
    ("dash", "-", "placeholder"),
    ("em-dash", "—", "placeholder"),
    ("en-dash", "–", "placeholder"),
    ("x", "x", "placeholder"),
    ("two-dots", "1.2.3", "not a number"),
    ("suffix-k", "12k", "write the number in full"),
    ("suffix-m", "3m", "write the number in full"),
    ("suffix-bn", "2bn", "write the number in full"),
    ("huge-exponent", "1e400", "not finite"),
    ("huge-negative-exponent", "-1e400", "not finite"),
    ("nan-text", "NaN", "not a number"),
    ("inf-text", "inf", "not a number"),
    ("currency-sign-alone", "$", "not a number"),
    ("percent-alone", "%", "not a number"),
    ("empty-parentheses", "()", "not a number"),
    ("decimal-comma", "1,5", "use a dot for decimals"),
    ("words", "one hundred", "not a number"),
    ("number-with-unit", "12 opps", "not a number"),
    ("vulgar-fraction", "½", "not a number"),
    ("zero-width-space", "1\u200b2", "not a number"),
    ("hexadecimal", "0x10", "not a number"),
    ("underscore-grouping", "1_000", "not a number"),
    ("two-signs", "+-5", "not a number"),
    ("trailing-sign", "5-", "not a number"),
    ("lone-exponent", "e5", "not a number"),
    ("lone-dot", ".", "not a number"),
    ("trailing-dot", "1.", "not a number"),
    ("newline-inside", "18\n0", "not a number"),
    ("emoji", "🚀", "not a number"),
    ("ten-thousand-nines", "9" * 10_000, "not finite"),
    ("yes-no-cell", True, "yes/no value"),
    ("date-cell", datetime(2026, 12, 31), "a date"),
]

NUMBERS_ACCEPTED = [
    ("padded", " 12 ", 12.0),
    ("newlines-around", "\n180\n", 180.0),
    ("space-before-percent", "50 %", 0.5),
    ("thousands", "1,234", 1234.0),
    ("currency", "$250,000", 250000.0),
    ("plus-sign", "+7", 7.0),
    ("leading-dot", ".5", 0.5),
    ("exponent", "1e3", 1000.0),
    ("euro-with-dot", "€1.000", 1.0),
    ("non-breaking-space", "1\u00a0234", 1234.0),
    ("arabic-indic-digits", "١٢٣", 123.0),
    ("huge-but-finite", 1e308, 1e308),
]

DATES_REJECTED = [
    ("month-31", "31/31/2026", "not a valid date"),
    ("february-30", "2026-02-30", "not a valid date"),
    ("slashed-february-30", "2/30/2026", "not a valid date"),
    ("day-first-under-mdy", "13/12/2026", "month/day/year"),
    ("dotted-day-first-under-mdy", "31.12.2026", "month/day/year"),
    ("two-digit-year", "12/31/26", "not a date"),
    ("year-first-slashes", "2026/12/31", "not a date"),
    ("word", "tomorrow", "not a date"),
    ("quarter", "Q4", "not a date"),
    ("year-alone", "2026", "not a date"),
    ("zero-text", "0", "not a date"),
    # The Due column is date-formatted: a spreadsheet shows 0 and -5 there as a time of day.
    ("serial-zero", 0, "not a date"),
    ("serial-negative", -5, "not a date"),
    ("serial-too-large", 3_000_000, "out of the range"),
    ("serial-text-too-large", "99999999", "out of the range"),
    ("serial-text-five-thousand-digits", "1" * 5000, "out of the range"),
    ("serial-text-four-hundred-digits", "1" * 400, "out of the range"),
    ("month-name-typo", "31 Decmber 2026", "not a date"),
    ("emoji", "📅", "not a date"),
    ("yes-no-cell", False, "yes/no value"),
]

DATES_ACCEPTED = [
    ("month-first", "12/31/2026"),
    ("iso-with-time", "2026-12-31T10:00"),
    ("day-month-name", "31 Dec 2026"),
    ("month-name-day", "Dec 31, 2026"),
    ("ordinal", "December 31st 2026"),
    ("serial-text", "46387"),
    ("serial-number", 46387),
    ("datetime-cell", datetime(2026, 12, 31, 17, 30)),
    ("serial-with-fraction-in-a-date-cell", 46387.5),
    ("padded", "  2026-12-31  "),
]

CONFIDENCES_REJECTED = [
    ("over-100-percent", "150%", "between 0 and 1"),
    ("seventy", "70", "did you mean 70%?"),
    ("eleven", "11", "between 0 and 1"),
    ("divide-by-zero", "1/0", "not a confidence"),
    ("negative", "-0.1", "between 0 and 1"),
    ("word", "high", "not a number"),
    ("101-percent", "101%", "between 0 and 1"),
    ("fraction-over-one", "11/10", "between 0 and 1"),
]

CONFIDENCES_ACCEPTED = [("out-of-ten", "7/10"), ("seven", "7"), ("spaced-percent", "70 %")]

CASES: list[Case] = [
    # Numbers in a number cell (Target of SALES-1.1) ------------------------------------------
    *[
        bad_cell(f"target-{name}", "Sales", "J3", value, says)
        for name, value, says in NUMBERS_REJECTED
    ],
    *[
        accepted(f"target-{name}", "Sales", "J3", value, ("SALES-1.1", "target", expected))
        for name, value, expected in NUMBERS_ACCEPTED
    ],
    Case(
        "target-minus-zero",
        "Sales!J3 = '-0' reads as 0, equal to the start: an error at Sales!J3",
        ERROR,
        ("Sales!J3",),
        edit=put("Sales", "J3", "-0"),
        says=("nothing to move",),
    ),
    Case(
        "target-parentheses-negative",
        "Sales!J3 = '(300)' reads as -300, below the start of an increase: error at Sales!J3",
        ERROR,
        ("Sales!J3",),
        edit=put("Sales", "J3", "(300)"),
        says=("below the start",),
    ),
    bad_cell("start-placeholder", "Sales", "I3", "TBD", "benchmark it first"),
    Case(
        "start-blank",
        "a key result without a start: an error at Sales!I3 that says to benchmark",
        ERROR,
        ("Sales!I3",),
        edit=put("Sales", "I3", None),
        says=("benchmark",),
    ),
    bad_cell("current-placeholder", "Sales", "K3", "TBD", "placeholder"),
    Case(
        "current-drifts-from-log",
        "Sales!K3 = 99 while the log says 63: accepted, the row counts (as in the sheet), a "
        "drift warning at K3",
        OK,
        ("Sales!K3",),
        edit=put("Sales", "K3", 99),
        warning=True,
        read=("SALES-1.1", "current", 99.0),
    ),
    accepted("current-padded-text", "Sales", "K3", " 63 ", ("SALES-1.1", "current", 63.0)),
    bad_cell("milestone-maybe", "Marketing", "K5", "maybe", "done/not done"),
    bad_cell("milestone-two", "Marketing", "K5", 2, "not a milestone value"),
    accepted("milestone-check-mark", "Marketing", "K5", "✓", None),
    bad_cell("weight-zero", "Sales", "N3", 0, "positive"),
    bad_cell("weight-negative", "Sales", "N3", -1, "positive"),
    bad_cell("weight-word", "Sales", "N3", "heavy", "not a number"),
    bad_cell("grade-over-one", "Sales", "S3", 1.5, "between 0.0 and 1.0"),
    bad_cell("grade-letter", "Sales", "S3", "A+", "not a number"),
    accepted("grade-fraction", "Sales", "S3", 0.7, None),
    # Dates (Due of SALES-1.1) ----------------------------------------------------------------
    *[bad_cell(f"due-{name}", "Sales", "M3", value, says) for name, value, says in DATES_REJECTED],
    *[
        accepted(f"due-{name}", "Sales", "M3", value, ("SALES-1.1", "due", "2026-12-31"))
        for name, value in DATES_ACCEPTED
    ],
    Case(
        "due-blank",
        "a key result without a due date: an error at Sales!M3",
        ERROR,
        ("Sales!M3",),
        edit=put("Sales", "M3", None),
        says=("time-bound",),
    ),
    Case(
        "due-outside-cycle",
        "due 2027-02-01, after the cycle: an error at Sales!M3",
        ERROR,
        ("Sales!M3",),
        edit=put("Sales", "M3", "2027-02-01"),
        says=("outside the cycle",),
    ),
    Case(
        "due-day-first-under-dmy",
        "31/12/2026 with Date order DMY in Settings: accepted as 31 December",
        OK,
        edit=puts(put("Settings", "B14", "DMY"), put("Sales", "M3", "31/12/2026")),
        read=("SALES-1.1", "due", "2026-12-31"),
    ),
    bad_cell("last-checkin-word", "Sales", "R3", "yesterday", "not a date"),
    # Confidence ------------------------------------------------------------------------------
    *[
        bad_cell(f"confidence-{name}", "Sales", "O3", value, says)
        for name, value, says in CONFIDENCES_REJECTED
    ],
    *[
        accepted(f"confidence-{name}", "Sales", "O3", value, None)
        for name, value in CONFIDENCES_ACCEPTED
    ],
    # Kinds, levels, types, ids ---------------------------------------------------------------
    bad_cell("kind-unknown", "Sales", "H3", "sideways", "not a kind"),
    Case(
        "kind-against-the-numbers",
        "kind decrease with a target above the start: an error at the Target cell",
        ERROR,
        ("Sales!J3",),
        edit=put("Sales", "H3", "decrease"),
        says=("above the start",),
    ),
    Case(
        "kind-milestone-with-numbers",
        "a milestone from 0 to 180: an error at the Target cell",
        ERROR,
        ("Sales!J3",),
        edit=puts(put("Sales", "H3", "milestone"), put("Sales", "K3", 0)),
        says=("milestone",),
    ),
    accepted("kind-shouted", "Sales", "H3", "UP", ("SALES-1.1", "kind", "increase")),
    accepted("kind-in-words", "Sales", "H3", "Higher is better", ("SALES-1.1", "kind", "increase")),
    bad_cell("level-unknown", "Sales", "E2", "boss", "not a level"),
    accepted("level-alias", "Sales", "E2", "Department", None),
    bad_cell("type-unknown", "Sales", "A3", "Goal", "not a row type"),
    Case(
        "type-blank",
        "a row with content but no Type: an error at Sales!A3",
        ERROR,
        ("Sales!A3",),
        edit=put("Sales", "A3", None),
        says=("no Type",),
    ),
    accepted("type-abbreviated", "Sales", "A3", "kr", ("SALES-1.1", "kind", "increase")),
    Case(
        "id-blank",
        "a key result without an ID: an error at Sales!B3 that suggests validate --fix",
        ERROR,
        ("Sales!B3",),
        edit=put("Sales", "B3", None),
        says=("--fix",),
    ),
    bad_cell("id-with-space", "Sales", "B3", "SALES 1.1", "not a usable id"),
    bad_cell("id-emoji", "Sales", "B3", "🚀-1", "not a usable id"),
    bad_cell("id-too-long", "Sales", "B3", "S" * 65, "not a usable id"),
    bad_cell("id-with-newline", "Sales", "B3", "SALES\n1.1", "not a usable id"),
    Case(
        "duplicate-kr-id-on-one-tab",
        "SALES-1.2 twice on Sales: an error at the second one, naming the first",
        ERROR,
        ("Sales!B4", "Sales!B3"),
        edit=put("Sales", "B3", "SALES-1.2"),
        says=("used twice",),
    ),
    Case(
        "duplicate-kr-id-across-tabs",
        "SALES-1.1 also on Marketing: an error at Marketing!B3 naming Sales!B3",
        ERROR,
        ("Marketing!B3", "Sales!B3"),
        edit=put("Marketing", "B3", "SALES-1.1"),
        says=("used twice",),
    ),
    bad_cell("objective-id-unknown", "Sales", "C3", "SALES-9", "does not exist"),
    bad_cell("objective-id-unusable", "Sales", "C3", "SALES 1", "not a usable id"),
    bad_cell("depends-on-unknown", "Sales", "P3", "NOPE-1", "not a key result"),
    bad_cell("depends-on-itself", "Sales", "P3", "SALES-1.1", "depends on itself"),
    bad_cell("depends-on-bad-date", "Sales", "P3", "MARKET-1.1@2026-02-30", "not readable"),
    accepted("depends-on-list", "Sales", "P3", "SALES-1.2;\nSALES-1.3", None),
    Case(
        "aligns-to-unknown",
        "an objective aligned to CORP-99: accepted with an orphan warning at Sales!G2",
        OK,
        ("Sales!G2",),
        edit=put("Sales", "G2", "CORP-99"),
        warning=True,
    ),
    # Text where a number belongs and numbers where text belongs -------------------------------
    accepted("title-number", "Sales", "D3", 12345, ("SALES-1.1", "title", "12345")),
    accepted("owner-number", "Sales", "F3", 42, ("SALES-1.1", "owner", "42")),
    Case(
        "title-blank",
        "a key result without a title: an error at Sales!D3",
        ERROR,
        ("Sales!D3",),
        edit=put("Sales", "D3", None),
        says=("must not be empty",),
    ),
    accepted("title-32767-chars", "Sales", "D3", "T" * 32767, None),
    accepted(
        "title-emoji", "Sales", "D3", "🚀 Ship it 🎉", ("SALES-1.1", "title", "🚀 Ship it 🎉")
    ),
    accepted(
        "title-rtl", "Sales", "D3", "زيادة المبيعات", ("SALES-1.1", "title", "زيادة المبيعات")
    ),
    accepted("title-rtl-override", "Sales", "D3", "\u202eevil\u202c", None),
    accepted("title-newlines", "Sales", "D3", "line one\nline two", None),
    accepted("title-tab-character", "Sales", "D3", "left\tright", None),
    accepted("unit-emoji", "Sales", "L3", "☕", ("SALES-1.1", "unit", "☕")),
    accepted("notes-long-rtl-newlines", "Sales", "T3", "ملاحظة\n" * 2000, None),
    # Settings ---------------------------------------------------------------------------------
    Case(
        "cycle-start-invalid",
        "Cycle start 2026-02-30: no plan can be built, every command exits 3 naming Settings!B4",
        ERROR,
        ("Settings!B4",),
        args=("status", "-w", WB),
        edit=put("Settings", "B4", "2026-02-30"),
    ),
    Case(
        "cycle-end-before-start",
        "a cycle that ends before it starts: exit 3 naming Settings!B5",
        ERROR,
        ("Settings!B5",),
        args=("status", "-w", WB),
        edit=put("Settings", "B5", date(2026, 9, 1)),
        says=("before it starts",),
    ),
    Case(
        "cycle-end-equals-start",
        "a cycle of zero days: exit 3 naming Settings!B5",
        ERROR,
        ("Settings!B5",),
        args=("lagging", "-w", WB),
        edit=put("Settings", "B5", date(2026, 10, 1)),
    ),
    Case(
        "cycle-name-blank",
        "no cycle name: exit 3 naming Settings!B3",
        ERROR,
        ("Settings!B3",),
        args=("checkin", "SALES-1.1", "--value", "70", "-w", WB),
        edit=put("Settings", "B3", None),
        says=("Cycle is not set",),
    ),
    bad_cell("cadence-placeholder", "Settings", "B6", "TBD", "placeholder"),
    bad_cell("cadence-fraction", "Settings", "B6", 2.5, "whole number"),
    bad_cell("cadence-zero", "Settings", "B6", 0, "greater than or equal to 1"),
    bad_cell("on-track-gap-over-one", "Settings", "B8", "150%", "less than or equal to 1"),
    bad_cell("date-order-unknown", "Settings", "B14", "YMD", "MDY or DMY"),
    Case(
        "unknown-setting",
        "a Settings row okr does not know: accepted with a warning at Settings!A20",
        OK,
        ("Settings!A20",),
        edit=puts(put("Settings", "A20", "Favourite colour"), put("Settings", "B20", "teal")),
        warning=True,
    ),
    accepted("company-emoji", "Settings", "B2", "Northwind 🚀", None),
    Case(
        "settings-tab-missing",
        "no Settings tab: exit 3, the message names the tab",
        ERROR,
        ("'Settings' tab",),
        args=("status", "-w", WB),
        edit=drop_tab("Settings"),
    ),
    Case(
        "settings-tab-renamed",
        "Settings renamed to Config: exit 3, the message names the missing Settings tab",
        ERROR,
        ("'Settings' tab",),
        edit=rename("Settings", "Config"),
    ),
    Case(
        "settings-tab-other-case",
        "Settings renamed to SETTINGS: accepted (tab names ignore case)",
        OK,
        edit=rename("Settings", "SETTINGS"),
    ),
    # The Check-ins log ------------------------------------------------------------------------
    bad_cell("log-date-invalid", "Check-ins", "A2", "31/31/2026", "not a valid date"),
    Case(
        "log-date-blank",
        "a log row without a date: an error at 'Check-ins'!A2",
        ERROR,
        ("'Check-ins'!A2",),
        edit=put("Check-ins", "A2", None),
        says=("date is missing",),
    ),
    bad_cell("log-value-placeholder", "Check-ins", "C2", "n/a", "placeholder"),
    bad_cell("log-value-word", "Check-ins", "C2", "done", "not a number"),
    bad_cell("log-confidence-over", "Check-ins", "D2", "150%", "between 0 and 1"),
    bad_cell("log-recorded-at-word", "Check-ins", "G2", "yesterday", "not a date and time"),
    Case(
        "log-unknown-kr",
        "a check-in for NOPE-1: accepted with a warning at 'Check-ins'!B2",
        OK,
        ("'Check-ins'!B2",),
        edit=put("Check-ins", "B2", "NOPE-1"),
        warning=True,
    ),
    Case(
        "log-before-the-cycle",
        "a check-in dated before the cycle: kept as history, ignored for scoring",
        OK,
        edit=put("Check-ins", "A2", date(2026, 9, 1)),
    ),
    Case(
        "log-value-header-missing",
        "the log lacks its Value header: an error at 'Check-ins'!1:1",
        ERROR,
        ("'Check-ins'!1:1",),
        edit=put("Check-ins", "C1", None),
        says=("lacks 'Value'",),
    ),
    Case(
        "log-duplicate-header",
        "a second Value column in the log: an error at 'Check-ins'!I1",
        ERROR,
        ("'Check-ins'!I1",),
        edit=put("Check-ins", "I1", "Value"),
        says=("second 'Value'",),
    ),
    Case(
        "log-tab-missing",
        "no Check-ins tab: validate accepts it with a no-checkin-log warning",
        OK,
        ("Check-ins",),
        edit=drop_tab("Check-ins"),
        warning=True,
    ),
    Case(
        "log-tab-missing-checkin",
        "no Check-ins tab: okr checkin refuses with exit 3 and names the tab",
        ERROR,
        ("'Check-ins' tab",),
        args=("checkin", "SALES-1.1", "--value", "70", "-w", WB),
        edit=drop_tab("Check-ins"),
    ),
    Case(
        "log-tab-renamed",
        "Check-ins renamed to Log: accepted, the log is found by its headers",
        OK,
        args=("checkin", "SALES-1.1", "--value", "70", "-w", WB),
        edit=rename("Check-ins", "Log"),
        writes=True,
        read=("SALES-1.1", "current", 70.0),
    ),
    # Layouts ----------------------------------------------------------------------------------
    Case(
        "header-missing-target",
        "Sales lacks its Target header: an error at the header row Sales!1:1",
        ERROR,
        ("Sales!1:1",),
        edit=put("Sales", "J1", None),
        says=("lacks 'Target'",),
    ),
    Case(
        "header-missing-id",
        "Sales lacks its ID header: an error at Sales!1:1",
        ERROR,
        ("Sales!1:1",),
        edit=put("Sales", "B1", None),
        says=("lacks 'ID'",),
    ),
    Case(
        "header-duplicated",
        "a second Target column on Sales: an error at Sales!U1 naming Sales!J1",
        ERROR,
        ("Sales!U1", "Sales!J1"),
        edit=put("Sales", "U1", "target"),
    ),
    Case(
        "header-renamed-alias",
        "headers spelled 'DUE_DATE' and 'Goal': accepted",
        OK,
        edit=puts(put("Sales", "M1", "DUE_DATE"), put("Sales", "J1", "Goal")),
        read=("SALES-1.1", "target", 180.0),
    ),
    Case(
        "header-below-a-title-row",
        "a title row above the header: accepted, rows keep their real numbers",
        OK,
        edit=insert_rows("Sales", 1, first=["Sales OKRs for Q4"]),
        read=("SALES-1.1", "target", 180.0),
    ),
    Case(
        "header-below-a-title-row-with-a-bad-cell",
        "a title row above the header and a bad target: the error is at Sales!J4, the real row",
        ERROR,
        ("Sales!J4",),
        edit=puts(insert_rows("Sales", 1, first=["Sales OKRs for Q4"]), put("Sales", "J4", "12k")),
    ),
    Case(
        "header-too-far-down",
        "the header pushed below row 10: the tab is ignored with an unknown-tab warning on Sales",
        OK,
        ("Sales",),
        edit=insert_rows("Sales", 1, amount=10, first=["Sales OKRs for Q4"]),
        warning=True,
        says=("unknown-tab",),
        at="Sales",
    ),
    Case(
        "tab-renamed",
        "Sales renamed 'Sales & Partners': accepted, an OKR tab whatever its name",
        OK,
        edit=rename("Sales", "Sales & Partners"),
        read=("SALES-1.1", "target", 180.0),
    ),
    Case(
        "tab-renamed-with-a-bad-cell",
        "a bad cell on a tab named with spaces: the place is quoted, 'Sales & Partners'!J3",
        ERROR,
        ("'Sales & Partners'!J3",),
        edit=puts(rename("Sales", "Sales & Partners"), put("Sales & Partners", "J3", "12k")),
    ),
    Case(
        "tab-with-apostrophe-and-a-bad-cell",
        "a bad cell on Tom's tab: the apostrophe is doubled, 'Tom''s'!J3",
        ERROR,
        ("'Tom''s'!J3",),
        edit=puts(rename("Tom Alvarez", "Tom's"), put("Tom's", "J3", "TBD")),
    ),
    Case(
        "merged-title-and-level",
        "Title merged across Title and Level: accepted",
        OK,
        edit=merge("Sales", "D3:E3"),
        read=("SALES-1.1", "title", "Qualified opportunities created"),
    ),
    Case(
        "merged-start-and-target",
        "Start merged over Target: the target is missing, an error at Sales!J3",
        ERROR,
        ("Sales!J3",),
        edit=merge("Sales", "I3:J3"),
    ),
    Case(
        "merged-type-down-two-rows",
        "Type merged down over the next row: that row has no Type, an error at Sales!A4",
        ERROR,
        ("Sales!A4",),
        edit=merge("Sales", "A3:A4"),
    ),
    Case(
        "hidden-row",
        "a hidden key result row: still read (hiding is for people, not for okr)",
        OK,
        edit=hide_row("Sales", 3),
        read=("SALES-1.1", "target", 180.0),
    ),
    Case(
        "hidden-tab",
        "a hidden OKR tab: still read",
        OK,
        edit=hide_tab("Marketing"),
        read=("MARKET-1.1", "target", 900.0),
    ),
    Case(
        "empty-workbook",
        "a workbook with one empty sheet: exit 3, no Settings tab",
        ERROR,
        ("'Settings' tab",),
        args=("status", "-w", WB),
        edit=empty_workbook,
    ),
    Case(
        "settings-only",
        "Settings and nothing else: accepted with a no-checkin-log warning",
        OK,
        ("Check-ins",),
        edit=only_settings,
        warning=True,
    ),
    Case(
        "ten-thousand-blank-rows-on-an-okr-tab",
        "10,000 formatted blank rows below the key results: accepted, ignored",
        OK,
        edit=blank_rows("Sales", 10_000),
        read=("SALES-1.3", "target", 6.0),
    ),
    Case(
        "a-tab-of-ten-thousand-blank-rows",
        "a new tab that is 10,000 blank rows: accepted silently",
        OK,
        edit=blank_rows("Scratch", 10_000),
    ),
    Case(
        "objective-without-key-results",
        "an objective with no key results: accepted with a warning at Sales!B6",
        OK,
        ("Sales!B6",),
        edit=append("Sales", ["Objective", "SALES-2", None, "Be loved", "team", "Marcus Webb"]),
        warning=True,
        says=("no key results",),
    ),
    Case(
        "kr-without-any-objective",
        "a key result above every objective, with no Objective ID: an error at Sales!C2",
        ERROR,
        ("Sales!C2",),
        edit=insert_rows(
            "Sales",
            2,
            first=[
                "Key result",
                "SALES-0.1",
                None,
                "Orphan",
                None,
                "Marcus Webb",
                None,
                "increase",
                0,
                10,
                None,
                None,
                "2026-12-31",
            ],
        ),  # fmt: skip
        says=("belongs to no objective",),
    ),
    Case(
        "unknown-tab-with-content",
        "a tab of notes with no OKR header: accepted with an unknown-tab warning on Notes",
        OK,
        ("Notes",),
        edit=append("Notes", ["Things to discuss"], ["Budget"]),
        warning=True,
        at="Notes",
    ),
    Case(
        "extra-column",
        "a Budget column people added: accepted and ignored",
        OK,
        edit=puts(put("Sales", "U1", "Budget"), put("Sales", "U3", "$5,000")),
        read=("SALES-1.1", "target", 180.0),
    ),
    Case(
        "columns-swapped",
        "Title and Owner columns swapped, headers included: accepted",
        OK,
        edit=swap_columns("Sales", 4, 6),
        read=("SALES-1.1", "owner", "Marcus Webb"),
    ),
    Case(
        "people-tab-missing",
        "no People tab: accepted",
        OK,
        edit=drop_tab("People"),
    ),
    Case(
        "archive-tab-with-garbage",
        "an Archive tab full of nonsense: never read",
        OK,
        edit=append("Archive 2026-Q3", ["Type", "ID", "Start"], ["Key result", "??", "TBD"]),
    ),
    # Files ------------------------------------------------------------------------------------
    Case(
        "file-not-an-xlsx",
        "plain text named okr.xlsx: exit 4, not a readable workbook",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=replace_workbook(b"Objective,KR\nGrow,Sales\n"),
        says=("not a readable .xlsx",),
    ),
    Case(
        "file-empty",
        "a 0-byte okr.xlsx: exit 4",
        4,
        (WB,),
        args=("validate", "-w", WB),
        setup=replace_workbook(b""),
    ),
    Case(
        "file-html-export",
        "an HTML page saved as okr.xlsx: exit 4",
        4,
        (WB,),
        args=("lagging", "-w", WB),
        setup=replace_workbook(b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
    ),
    Case(
        "file-ole-with-junk",
        "an OLE compound file (the container of encrypted and legacy files): exit 4",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=replace_workbook(OLE_MAGIC + b"\x00" * 504 + b"junk" * 256),
    ),
    Case(
        "file-password-protected",
        "an encrypted (password) workbook: exit 4 and the message says it is password protected",
        4,
        (WB, "password"),
        args=("status", "-w", WB),
        setup=replace_workbook(compound_file("EncryptionInfo", "EncryptedPackage")),
    ),
    Case(
        "file-legacy-xls",
        "an Excel 97-2003 .xls saved as okr.xlsx: exit 4 and the message says to save as .xlsx",
        4,
        (WB, ".xls", "save it as .xlsx"),
        args=("status", "-w", WB),
        setup=replace_workbook(compound_file("Workbook")),
    ),
    Case(
        "file-truncated",
        "the first half of a real workbook: exit 4",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=truncate_workbook,
    ),
    Case(
        "file-truncated-checkin",
        "a check-in into a truncated workbook: exit 4, nothing written",
        4,
        (WB,),
        args=("checkin", "SALES-1.1", "--value", "70", "-w", WB),
        setup=truncate_workbook,
    ),
    Case(
        "file-zip-without-workbook",
        "a zip file that holds no workbook: exit 4",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=zip_without_workbook,
    ),
    Case(
        "file-broken-sheet-xml",
        "a workbook whose Sales sheet XML is cut off: exit 4",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=break_a_sheet,
    ),
    Case(
        "file-read-only-checkin",
        "a check-in into a read-only workbook: exit 4, nothing written",
        4,
        (WB, "read-only"),
        args=("checkin", "SALES-1.1", "--value", "70", "-w", WB),
        setup=read_only,
    ),
    Case(
        "file-read-only-grade-write",
        "grade --write into a read-only workbook: exit 4, nothing written",
        4,
        (WB, "read-only"),
        args=("grade", "--write", "-w", WB),
        setup=read_only,
    ),
    Case(
        "file-read-only-status",
        "a report on a read-only workbook: fine",
        OK,
        args=("status", "-w", WB),
        setup=read_only,
    ),
    Case(
        "file-is-a-directory",
        "okr.xlsx is a directory: exit 4",
        4,
        (WB, "directory"),
        args=("status", "-w", WB),
        setup=directory,
    ),
    Case(
        "file-is-a-directory-checkin",
        "a check-in into a directory: exit 4",
        4,
        (WB, "directory"),
        args=("checkin", "SALES-1.1", "--value", "70", "-w", WB),
        setup=directory,
    ),
    Case(
        "file-missing",
        "no workbook at all: exit 4 with a hint to run okr init",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=missing,
        says=("okr init",),
    ),
    Case(
        "file-dangling-symlink",
        "okr.xlsx is a link to nothing: exit 4",
        4,
        (WB,),
        args=("status", "-w", WB),
        setup=dangling_symlink,
    ),
    Case(
        "file-wrong-extension",
        "-w notes.txt: exit 2 naming --workbook",
        2,
        ("--workbook",),
        args=("status", "-w", "notes.txt"),
        setup=write("notes.txt", "hello"),
    ),
    Case(
        "file-gsheet-new-for-a-report",
        "-w gsheet:new for a report: exit 4",
        4,
        ("gsheet:new",),
        args=("status", "-w", "gsheet:new"),
    ),
    Case(
        "init-over-an-existing-workbook",
        "okr init onto an existing workbook: exit 2, nothing written, --force suggested",
        2,
        (WB,),
        args=("init", WB, "--cycle", "2026-Q4"),
        says=("--force",),
    ),
    Case(
        "init-into-a-missing-folder",
        "okr init into a folder that does not exist: exit 4",
        4,
        ("nowhere",),
        args=("init", "nowhere/okr.xlsx", "--cycle", "2026-Q4"),
    ),
    # Option values ----------------------------------------------------------------------------
    *[
        Case(
            f"as-of-{name}",
            f"--as-of {value!r}: exit 2 naming --as-of",
            2,
            ("--as-of",),
            args=(
                command,
                *(["SALES-1.1"] if command == "history" else []),
                "--as-of",
                value,
                "-w",
                WB,
            ),
        )  # fmt: skip
        for name, command, value in [
            ("month-13", "status", "2026-13-01"),
            ("empty", "status", ""),
            ("word", "status", "tomorrow"),
            ("february-30", "lagging", "2026-02-30"),
            ("day-first", "status", "31/12/2026"),
            ("grade", "grade", "nope"),
            ("history", "history", "2026-00-10"),
        ]
    ],
    Case(
        "as-of-month-first-slashes",
        "--as-of 12/31/2026: accepted (slashed dates on the command line are month first)",
        OK,
        args=("status", "-f", "json", "--as-of", "12/31/2026", "-w", WB),
    ),
    Case(
        "format-xml",
        "--format xml: exit 2 naming --format",
        2,
        ("--format",),
        args=("status", "--format", "xml", "-w", WB),
    ),
    Case(
        "format-upper-case",
        "--format JSON: accepted",
        OK,
        args=("status", "--format", "JSON", "-w", WB),
    ),
    Case(
        "owner-nobody",
        "--owner Nobody: exit 2 naming --owner and listing the owners",
        2,
        ("--owner", "Marcus Webb"),
        args=("status", "--owner", "Nobody", "-w", WB),
    ),
    Case(
        "objective-unknown",
        "--objective XX-9: exit 2 naming --objective",
        2,
        ("--objective",),
        args=("status", "--objective", "XX-9", "-w", WB),
    ),
    Case(
        "level-option-unknown",
        "--level boss: exit 2 naming --level",
        2,
        ("--level",),
        args=("status", "--level", "boss", "-w", WB),
    ),
    Case(
        "unknown-option",
        "--bogus: exit 2 naming it",
        2,
        ("--bogus",),
        args=("status", "--bogus", "-w", WB),
    ),
    Case(
        "history-unknown-kr",
        "history NOPE-1: exit 2 naming NOPE-1",
        2,
        ("NOPE-1",),
        args=("history", "NOPE-1", "-w", WB),
    ),
    Case(
        "todo-owner-nobody",
        "todo --owner Nobody: exit 2 naming --owner",
        2,
        ("--owner",),
        args=("todo", "--owner", "Nobody", "-w", WB),
    ),
    *[
        Case(
            f"checkin-value-{name}",
            f"--value {value!r}: exit 2 naming --value, nothing written",
            2,
            ("--value",),
            args=("checkin", kr, "--value", value, "-w", WB),
            says=(says,),
        )
        for name, kr, value, says in [
            ("empty", "SALES-1.1", "", "a value is required"),
            ("suffix-k", "SALES-1.1", "12k", "write the number in full"),
            ("placeholder", "SALES-1.1", "TBD", "placeholder"),
            ("nan", "SALES-1.1", "NaN", "not a number"),
            ("huge", "SALES-1.1", "1e400", "not finite"),
            ("decimal-comma", "SALES-1.1", "1,5", "use a dot"),
            ("emoji", "SALES-1.1", "🚀", "not a number"),
            ("escape-sequence", "SALES-1.1", "\x1b[31m5", "not a number"),
            ("milestone-maybe", "MARKET-1.3", "maybe", "done/not done"),
            ("milestone-two", "MARKET-1.3", "2", "done/not done"),
        ]
    ],
    *[
        Case(
            f"checkin-value-{name}",
            f"--value {value!r}: accepted as {expected}",
            OK,
            args=("checkin", kr, "--value", value, "-w", WB),
            writes=True,
            read=(kr, "current", expected),
        )
        for name, kr, value, expected in [
            ("padded", "SALES-1.1", " 70 ", 70.0),
            ("spaced-percent", "SALES-1.2", "75 %", 0.75),
            ("thousands", "SALES-1.1", "1,234", 1234.0),
            ("milestone-done", "MARKET-1.3", "done", 1.0),
        ]
    ],
    *[
        Case(
            f"checkin-confidence-{name}",
            f"--confidence {value!r}: exit 2 naming --confidence",
            2,
            ("--confidence",),
            args=("checkin", "SALES-1.1", "--value", "70", "--confidence", value, "-w", WB),
            says=(says,),
        )
        for name, value, says in [
            ("150-percent", "150%", "between 0 and 1"),
            ("seventy", "70", "did you mean 70%?"),
            ("divide-by-zero", "1/0", "not a confidence"),
            ("word", "high", "not a number"),
        ]
    ],
    *[
        Case(
            f"checkin-date-{name}",
            f"--date {value!r}: exit 2 naming --date, nothing written",
            2,
            ("--date",),
            args=("checkin", "SALES-1.1", "--value", "70", "--date", value, "-w", WB),
            says=(says,),
        )
        for name, value, says in [
            ("before-the-cycle", "2026-09-30", "outside the cycle"),
            ("after-the-cycle", "2027-01-05", "outside the cycle"),
            ("in-the-future", "2026-12-01", "in the future"),
            ("february-30", "2026-02-30", "not a valid date"),
            ("empty", "", "a date is required"),
            ("word", "last friday", "not a date"),
        ]
    ],
    Case(
        "checkin-date-today",
        "--date today: accepted",
        OK,
        args=("checkin", "SALES-1.1", "--value", "71", "--date", "today", "-w", WB),
        writes=True,
        read=("SALES-1.1", "current", 71.0),
    ),
    Case(
        "checkin-unknown-kr",
        "a check-in for NOPE-1: exit 2 naming KR_ID",
        2,
        ("KR_ID", "NOPE-1"),
        args=("checkin", "NOPE-1", "--value", "5", "-w", WB),
    ),
    Case(
        "checkin-without-value",
        "a check-in without --value: exit 2 naming --value",
        2,
        ("--value",),
        args=("checkin", "SALES-1.1", "-w", WB),
    ),
    Case(
        "checkin-value-without-kr",
        "--value without a key result: exit 2 naming --value",
        2,
        ("--value",),
        args=("checkin", "--value", "5", "-w", WB),
    ),
    Case(
        "checkin-both-from-and-kr",
        "a KR_ID and --from together: exit 2 naming --from",
        2,
        ("--from",),
        args=("checkin", "SALES-1.1", "--value", "5", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "kr_id,value\nSALES-1.1,5\n"),
    ),
    Case(
        "batch-missing-file",
        "--from a file that does not exist: exit 2 naming --from",
        2,
        ("--from",),
        args=("checkin", "--from", "nope.csv", "-w", WB),
    ),
    Case(
        "batch-is-a-directory",
        "--from a directory: exit 2 naming --from",
        2,
        ("--from",),
        args=("checkin", "--from", ".", "-w", WB),
    ),
    Case(
        "batch-without-headers",
        "a CSV without kr_id and value headers: exit 2 naming --from",
        2,
        ("--from", "kr_id"),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "SALES-1.1,5\nSALES-1.2,0.8\n"),
    ),
    Case(
        "batch-not-utf8",
        "a CSV neither UTF-8 nor Windows-1252: exit 2 naming --from and the fix",
        2,
        ("--from", "updates.csv:2", "UTF-8", "CSV UTF-8"),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=write("updates.csv", b"kr_id,value,note\nSALES-1.1,5,caf\x81\x8d\n"),
    ),
    Case(
        "batch-header-only",
        "a CSV with a header and no rows: exit 2 naming --from",
        2,
        ("--from", "no check-ins"),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "kr_id,value\n"),
    ),
    Case(
        "batch-one-bad-value",
        "a CSV whose third line says 12k: exit 2 naming updates.csv:3, no row written",
        2,
        ("updates.csv:3",),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "kr_id,value\nSALES-1.1,70\nSALES-1.2,12k\n"),
    ),
    Case(
        "batch-bad-date",
        "a CSV whose date cannot be read: exit 2 naming updates.csv:2",
        2,
        ("updates.csv:2",),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "kr_id,value,date\nSALES-1.1,70,2026-02-30\n"),
    ),
    Case(
        "batch-unknown-kr",
        "a CSV naming NOPE-1: exit 2 naming updates.csv:2",
        2,
        ("updates.csv:2", "NOPE-1"),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "kr_id,value\nNOPE-1,70\n"),
    ),
    Case(
        "batch-formula-value",
        "a CSV value '=1+1': exit 2 naming updates.csv:2",
        2,
        ("updates.csv:2",),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file("updates.csv", "kr_id,value\nSALES-1.1,=1+1\n"),
    ),
    Case(
        "batch-every-problem-listed",
        "a CSV with two bad rows: both are listed, nothing written",
        2,
        ("updates.csv:2", "updates.csv:4"),
        args=("checkin", "--from", "updates.csv", "-w", WB),
        setup=csv_file(
            "updates.csv", "kr_id,value,confidence\nSALES-1.1,x,\nSALES-1.2,0.8,\nNOPE,1,\n"
        ),
    ),
    *[
        Case(
            f"rollover-{name}",
            f"rollover {' '.join(extra)}: exit 2 naming {place}",
            2,
            (place,),
            args=("rollover", *extra, "-w", WB),
        )
        for name, extra, place in [
            ("to-the-current-cycle", ("--to", "2026-Q4"), "--to"),
            ("to-an-earlier-cycle", ("--to", "2026-Q1"), "--to"),
            ("to-quarter-5", ("--to", "2026-Q5"), "--to"),
            ("to-a-word", ("--to", "next"), "--to"),
            ("start-without-end", ("--to", "2027-Q1", "--start", "2027-01-01"), "--start"),
            (
                "end-before-start",
                ("--to", "X", "--start", "2027-03-01", "--end", "2027-01-01"),
                "--end",
            ),
            (
                "start-not-a-date",
                ("--to", "X", "--start", "soon", "--end", "2027-01-01"),
                "--start",
            ),
        ]
    ],  # fmt: skip
    *[
        Case(
            f"init-{name}",
            f"init {' '.join(extra)}: exit 2 naming {place}",
            2,
            (place,),
            args=("init", "new.xlsx", *extra),
            setup=setup,
        )
        for name, extra, place, setup in [
            ("cycle-q5", ("--cycle", "2026-Q5"), "--cycle", None),
            ("start-only", ("--start", "2026-10-01"), "--start", None),
            ("template-unknown", ("--template", "nope"), "nope", None),
            ("title-for-a-file", ("--title", "Acme"), "--title", None),
            ("people-missing", ("--people", "people.csv"), "--people", None),
            (
                "people-without-name",
                ("--people", "people.csv"),
                "--people",
                csv_file("people.csv", "team,email\nSales,a@x.test\n"),
            ),
            (
                "people-twice",
                ("--people", "people.csv"),
                "people.csv:3",
                csv_file("people.csv", "name,team\nAna,Sales\nana,Ops\n"),
            ),
            (
                "people-nobody",
                ("--people", "people.csv"),
                "--people",
                csv_file("people.csv", "name,team\n,Sales\n"),
            ),
            (
                "people-named-like-the-settings-tab",
                ("--people", "people.csv"),
                "people.csv:3",
                csv_file("people.csv", "name,team\nAna,Sales\nSettings,Ops\n"),
            ),
            (
                "people-named-like-the-log",
                ("--people", "people.csv"),
                "people.csv:2",
                csv_file("people.csv", "name,team\ncheck ins,Ops\n"),
            ),
            (
                "people-named-like-an-archive",
                ("--people", "people.csv"),
                "people.csv:2",
                csv_file("people.csv", "name\nArchive 2026-Q3\n"),
            ),
        ]
    ],
    Case(
        "init-people-with-odd-names",
        "people named with emoji, RTL text, slashes and 40 characters: accepted, valid",
        OK,
        args=("init", "new.xlsx", "--cycle", "2026-Q4", "--people", "people.csv"),
        setup=csv_file(
            "people.csv",
            "name,team\n🚀 Rocket,Ops\nليلى,Sales\nA/B [test]: *?,Ops\n" + "N" * 40 + ",Ops\n",
        ),
        then=("validate", "-w", "new.xlsx"),
    ),
    Case(
        "env-okr-today-not-a-date",
        "OKR_TODAY=tomorrow: exit 2 naming OKR_TODAY",
        2,
        ("OKR_TODAY",),
        args=("status", "-w", WB),
        env=(("OKR_TODAY", "tomorrow"),),
    ),
    Case(
        "env-workbook-not-a-workbook",
        "OKR_WORKBOOK=notes.txt: exit 2 naming OKR_WORKBOOK",
        2,
        ("OKR_WORKBOOK",),
        args=("status",),
        env=(("OKR_WORKBOOK", "notes.txt"),),
    ),
    Case(
        "okr-toml-broken",
        "an okr.toml that is not TOML: exit 2 naming okr.toml",
        2,
        ("okr.toml",),
        args=("status",),
        setup=write("okr.toml", "workbook = [unclosed\n"),
    ),
    Case(
        "okr-toml-workbook-a-number",
        "workbook = 5 in okr.toml: exit 2 naming okr.toml",
        2,
        ("okr.toml",),
        args=("status",),
        setup=write("okr.toml", "workbook = 5\n"),
    ),
    Case(
        "credentials-file-missing",
        "--credentials naming no file, for a Google workbook: exit 2 naming --credentials",
        2,
        ("--credentials",),
        args=(
            "--credentials",
            "nope.json",
            "status",
            "-w",
            "gsheet:1AbCdEfGhIjKlMnOpQrStUvWxYz0123",
        ),
    ),
    Case(
        "strict-with-warnings",
        "validate --strict on a workbook with a warning: exit 3",
        ERROR,
        ("Sales!G2",),
        args=("validate", "--strict", "-w", WB),
        edit=put("Sales", "G2", "CORP-99"),
    ),
]


def _case_params() -> list[Any]:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return [pytest.param(case, id=case.id, marks=case.marks) for case in CASES]


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 150
    assert {case.code for case in CASES} >= {0, 2, 3, 4}
    assert sum(1 for case in CASES if case.warning) >= 8


def _typed(edit: Edit) -> list[Put] | None:
    """The cells an edit types, when that is all it does."""
    if isinstance(edit, Put):
        return [edit]
    if isinstance(edit, Puts):
        found = [_typed(one) for one in edit.edits]
        return None if any(f is None for f in found) else [p for f in found if f for p in f]
    return None


def _edit_workbook(path: Path, edit: Edit) -> None:
    typed = _typed(edit)
    if typed is None:
        from openpyxl import load_workbook

        book = load_workbook(path)
        edit(book)
        book.save(path)
        return
    from openpyxl.utils.cell import coordinate_to_tuple

    cells: dict[str, dict[tuple[int, int], Any]] = {}
    for one in typed:
        cells.setdefault(one.tab, {})[coordinate_to_tuple(one.ref)] = one.value
    type_cells(path, cells)


def _kr(status: dict[str, Any], kr_id: str) -> dict[str, Any]:
    for objective in status["objectives"]:
        for kr in objective["key_results"]:
            if kr["id"] == kr_id:
                return dict(kr)
    raise AssertionError(f"{kr_id} is not in the status report")


def _findings(stdout: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(stdout)
    except ValueError:
        return []
    return list(data.get("findings", [])) if isinstance(data, dict) else []


@pytest.mark.parametrize("case", _case_params())
def test_bad_input(
    case: Case,
    okr: Any,
    tmp_path: Path,
    example_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = tmp_path / WB
    book.write_bytes(example_bytes)
    if case.edit is not None:
        _edit_workbook(book, case.edit)
    if case.setup is not None:
        case.setup(tmp_path)
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    before = fingerprint(book)

    result = okr(*case.args)

    output = result.stdout + result.stderr
    assert_no_crash(result.exit_code, output)
    assert result.exit_code == case.code, f"{case.outcome}\n{output}"
    for place in (*case.places, *case.says):
        assert place in output, f"{case.outcome}: {place!r} not in\n{output}"
    if case.code != 0:
        assert "error" in output.casefold(), output
    if case.writes:
        assert fingerprint(book) != before, "an accepted check-in must land"
    else:
        assert fingerprint(book) == before, "the workbook changed"
    at = case.at or next((p for p in case.places[:1] if "!" in p), None)
    if at is not None and case.args[:3] == ("validate", "-f", "json"):
        severity = "warning" if case.warning else "error"
        places = {f["where"] for f in _findings(result.stdout) if f["severity"] == severity}
        assert at in places, (at, places)
    if case.warning:
        assert result.exit_code == 0
        assert "warning" in output, output
    if case.then:
        after = okr(*case.then)
        assert after.exit_code == 0, after.stdout + after.stderr
    if case.read is not None:
        status = okr("status", "-f", "json", "-w", WB)
        assert status.exit_code == 0, status.stderr
        kr_id, key, value = case.read
        assert _kr(status.json(), kr_id)[key] == value
