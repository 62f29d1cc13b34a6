"""The store protocol: the only thing the layers above know about a backend.

A store reads a whole workbook as grids of plain cell values and applies a batch of changes
atomically. It knows nothing about OKRs; `okrsheet.layout` turns grids into a plan and back.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol

# What a store hands back for one cell. Empty cells are None or "".
CellValue = str | float | int | bool | date | datetime | time | timedelta | None


@dataclass(frozen=True)
class Formula:
    """A formula the tool writes on purpose. Any plain `str` is always stored as text.

    `fill` marks a computed column's formulas: in consecutive rows of one column, filled
    formulas are one formula filled down (each is the one above with its relative row numbers
    moved by one; `$`-anchored parts stay), and the column holds nothing a person types. A
    store may write such a run as one fill and need not read the column's values back, unless
    `read` says the layer above reads them (a row without its result is a row without the
    formulas: one a person inserted)."""

    text: str
    fill: bool = False
    read: bool = False
    #: What the formula computes to, when the tool knows it for certain: a store that keeps
    #: results beside formulas (an .xlsx) writes it as the cached result, so that a reader
    #: that does not calculate sees it. None: not known (no result is written).
    result: str | float | bool | None = field(default=None, compare=False)


# What a store accepts for one cell: a `str` is text, never a formula.
WriteValue = str | float | int | bool | date | datetime | Formula | None


@dataclass
class Grid:
    """One tab: `rows[0]` is spreadsheet row 1, `rows[r][c]` is row r+1, column c+1."""

    title: str
    rows: list[list[CellValue]]
    hidden: bool = False

    def cell(self, row: int, col: int) -> CellValue:
        """1-based access; anything past the edge is empty."""
        if row < 1 or row > len(self.rows):
            return None
        values = self.rows[row - 1]
        return values[col - 1] if 1 <= col <= len(values) else None


@dataclass
class RawWorkbook:
    grids: list[Grid]
    # What the backend wants a person to know (e.g. nearing Google's size limits).
    notices: list[str] = field(default_factory=list)
    # The formula cells of a tab whose result the file does not hold (a write dropped it, or
    # it was never computed), as (row, column): they read as blank until a spreadsheet
    # program recalculates them. Asked only about tabs where a value is found wanting.
    unresolved: Callable[[str], Container[tuple[int, int]]] | None = None
    # The time zone the file itself records, as the backend spells it (a Google spreadsheet's
    # File > Settings > Time zone); "" when it records none (an .xlsx).
    time_zone: str = ""
    # Long tabs a read left in part (see `Deferred`), by title: the grid holds the tab's first
    # rows; this gives its rows as `Grid.rows` would hold them, those a reader asks for (the
    # others empty, `[]`) or, for None, every one.
    rows_of: dict[str, Callable[[RowsWanted | None], list[list[CellValue]]]] = field(
        default_factory=dict
    )
    # Whether the backend keeps each formula's result in the file (an .xlsx): a write then
    # gives okr's own formulas their results (`Formula.result`).
    keeps_results: bool = False

    def grid(self, title: str) -> Grid | None:
        return next((g for g in self.grids if g.title == title), None)

    @property
    def titles(self) -> list[str]:
        return [g.title for g in self.grids]


NumberFormat = Literal[
    "text", "number", "integer", "percent", "percent1", "currency", "date", "datetime", "general"
]


#: A column a store may add after a table's last one to draw Progress as a bar (Google's
#: SPARKLINE). Not part of the workbook's content: a copy to another store leaves it out.
BAR_HEADER = "Progress bar"


@dataclass(frozen=True)
class ColumnSpec:
    """How a column looks when the tool creates a tab."""

    header: str
    width: int = 12
    number_format: NumberFormat = "general"
    choices: tuple[str, ...] = ()
    note: str = ""
    progress_bar: bool = False
    # Calculated helper columns the other formulas build on: hidden from people.
    hidden: bool = False
    # Colour the status words (done, on track, at risk, ...) by conditional formatting.
    status_colors: bool = False


@dataclass
class TabSpec:
    """A tab the tool creates: its header, rows and presentation."""

    title: str
    columns: list[ColumnSpec]
    rows: list[list[WriteValue]] = field(default_factory=list)
    frozen_rows: int = 1
    header: bool = True
    wrap_columns: tuple[int, ...] = ()
    # Formats for single cells, keyed by (index into `rows`, 1-based column).
    cell_formats: dict[tuple[int, int], NumberFormat] = field(default_factory=dict)
    # Rows (indexes into `rows`) shown in bold with a light fill: objectives above their KRs.
    emphasized_rows: frozenset[int] = frozenset()
    # The same emphasis for rows typed later: a formula over the first data row (`$Y2="O"`)
    # that a conditional format applies to every row of the printed columns.
    emphasized_when: str | None = None
    # Number formats for rows typed later, by a formula over the first data row: (first and
    # last 1-based column, formula, format), as `$L2="%"` shows Start to Current as percents.
    # (A store whose conditional formats cannot set a number format, Google, leaves them out.)
    formats_when: tuple[tuple[int, int, str, NumberFormat], ...] = ()
    color: str | None = None
    # Rows printed at the top of every page (1-based, counted from the first row).
    print_title_rows: int = 1
    # Only the first this many columns are printed (helper columns past them are not).
    print_columns: int | None = None
    # Every cell below the header is okr's formula over other tabs (the Dashboard): nothing
    # there is read back, so a store may leave it out of reads ...
    derived: bool = False
    # ... but these 1-based columns, which hold plain values a planner reads back.
    read_columns: tuple[int, ...] = ()


@dataclass(frozen=True)
class SetCells:
    """Write cells of one tab; keys are 1-based (row, column)."""

    tab: str
    cells: dict[tuple[int, int], WriteValue]
    # row -> (column, text) that identifies the row (a KR id), in the rows as they are when
    # this change applies (after the earlier changes of the same write). A store that cannot
    # lock the workbook between its read and its write (Google) checks these and undoes the
    # whole write if a person moved rows in between; a locking store can ignore them.
    anchors: dict[int, tuple[int, str]] = field(default_factory=dict)
    # The row holding the tab's column headers (0: none known). Cells are written by column
    # position, so a store that cannot lock (Google) also checks that the header of every
    # column written is still the one read there, and undoes the write if a person moved,
    # inserted or deleted columns in between. (Not part of what is written: two changes
    # setting the same cells are equal whatever their header row.)
    header_row: int = field(default=0, compare=False)
    # The number format of 1-based columns, as the tab was made with, where the planner knows
    # it: a store that cannot see a cell's format without another read (Google) writes a date
    # into a "text" column as its text (`date_text`), as a local file does from the cell's own
    # format. (Presentation only, as for `AppendRows.formats`.)
    formats: dict[int, NumberFormat] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AppendRows:
    """Add rows after the last non-empty row of a tab."""

    tab: str
    rows: list[list[WriteValue]]
    # The 1-based column holding an id unique to each new row (a check-in id), so a store can
    # find the rows again to undo them.
    id_column: int | None = None
    # The number format of each 1-based column, as the tab was made with: a store whose new
    # rows do not take the column's format by themselves (Google) gives it to each cell.
    # (Presentation only: two appends of the same rows are equal whatever their formats.)
    formats: dict[int, NumberFormat] = field(default_factory=dict, compare=False)
    # Formats of single cells, by (index into `rows`, 1-based column), over the column's: a
    # check-in's Value in its key result's unit (percent, currency).
    cell_formats: dict[tuple[int, int], NumberFormat] = field(default_factory=dict, compare=False)
    # The row holding the tab's column headers (0: none known), checked as for `SetCells`.
    header_row: int = field(default=0, compare=False)


@dataclass(frozen=True)
class DeleteRows:
    """Remove whole rows of one tab (1-based), every column included."""

    tab: str
    rows: tuple[int, ...]
    # The 1-based column holding each row's id (as for `SetCells.anchors`), so a store that
    # cannot lock can check that the rows it deletes are the ones meant.
    id_column: int | None = None


@dataclass(frozen=True)
class AddTab:
    """Create a tab (at the end, or before the tab named `before`)."""

    spec: TabSpec
    before: str | None = None


Change = SetCells | AppendRows | DeleteRows | AddTab

# A transaction: given a fresh read of the workbook, say what to change.
ChangePlanner = Callable[[RawWorkbook], Sequence[Change]]


@dataclass(frozen=True)
class Skim:
    """What a planner needs of long tabs, so that a store's `update` may read them in part.

    A tab whose sheet XML is over `min_bytes`, and whose first `head_rows` rows make `wanted`
    say yes, is read as those rows plus every row where one of `needles` occurs in a cell's
    text (whole or in part); its other rows read as blank, at their own row numbers. A planner
    that only asks whether its own ids are in a long log (the check-in retry guard) gets the
    same answer as from a full read, without the log being parsed. Needles must be plain
    (letters, digits, `.`, `_`, `-`); otherwise, or for an unusual sheet, the tab is read in full.
    A needle split across differently formatted runs of one cell's text is not found.
    A store that reads the whole workbook in one call anyway (Google) ignores it.
    """

    needles: frozenset[str]
    wanted: Callable[[Grid], bool]
    head_rows: int = 50
    min_bytes: int = 1 << 20
    # Only tabs whose title this accepts (a long tab whose head `wanted` refuses is read again
    # in full: in a workbook LibreOffice saved, the Dashboard is long).
    titles: Callable[[str], bool] = lambda title: True
    # Keep this read for the next `update` of the same store: when the workbook has not changed
    # by then and that update's skim `covers` nothing more, it plans on this read instead of
    # reading again (`okr sync` reads the workbook, reads its sources, then records).
    keep: bool = False
    # Tabs the planner does not look at (an archived cycle, for a check-in): a store may give
    # their titles only. What is not read is still written back as it was.
    unread: Callable[[str], bool] = lambda title: False

    def covers(self, other: Skim) -> bool:
        """Whether a read made with this skim holds every row a read with `other` would."""
        return (
            self.wanted is other.wanted
            and self.titles is other.titles
            and self.unread is other.unread
            and self.head_rows >= other.head_rows
            and self.min_bytes >= other.min_bytes
            # A row holding one of the other's needles holds one of these: each of them is in
            # it, whole or in part (`okr sync` reads with one id that starts all of its own).
            and all(any(mine in theirs for mine in self.needles) for theirs in other.needles)
        )


@dataclass(frozen=True)
class Deferred:
    """Long tabs a read may leave for later (`RawWorkbook.rows_of`): a tab whose sheet is over
    `min_bytes` and whose first `head_rows` rows make `wanted` say yes reaches the reader as
    those rows; the reader then asks for the rows it needs (`RowsWanted`). A store that reads
    the whole workbook in one call anyway (Google) reads long tabs whole, but leaves out the
    tabs `unread` names all the same."""

    wanted: Callable[[Grid], bool]
    # Only tabs whose title this accepts (a long tab that is not wanted is read twice).
    titles: Callable[[str], bool] = lambda title: True
    head_rows: int = 50
    min_bytes: int = 1 << 20
    # Tabs the reader does not look at (an archived cycle, for a report as of a day of the
    # live one): a store may give their titles only, as for `UNREAD_TABS`.
    unread: Callable[[str], bool] = lambda title: False


@dataclass(frozen=True)
class RowsWanted:
    """The rows of a long tab a reader asks for: every row where one of `needles` occurs in a
    cell's text (whole or in part, as for `Skim`), and every row whose cell in the 1-based
    `date_column` is anything but a date on or before `until` (a later date, text, blank, ...).
    A store may give more rows than asked (all of them, when it cannot tell)."""

    needles: frozenset[str]
    date_column: int
    until: date


#: Tabs okr makes and never reads back: only their titles matter (a whole copy, `okr push` and
#: `okr pull`, still reads them). A store may leave their cells out of a read. (The Dashboard
#: is read, within the same bounds as every tab okr reads: its hidden slot numbers say how
#: many objectives it has room for.)
UNREAD_TABS = frozenset({"guide"})


class WorkbookStore(Protocol):
    """A backend holding one workbook."""

    @property
    def location(self) -> str:
        """Where the workbook lives, for messages (never holds credentials)."""
        ...

    def exists(self) -> bool: ...

    def read(self, *, whole: bool = False, deferred: Deferred | None = None) -> RawWorkbook:
        """Every tab's values, in tab order; those of `UNREAD_TABS` may be left out unless
        `whole`; with `deferred`, long tabs may be read in part (see `Deferred`)."""
        ...

    def update(self, planner: ChangePlanner, *, skim: Skim | None = None) -> Sequence[Change]:
        """Read afresh, let `planner` decide the changes, apply them all or none.

        With `skim`, long tabs may reach the planner in part (see `Skim`).

        Holding the backend's write lock between the read and the write is what keeps a
        concurrent writer from being overwritten. Returns the changes applied.
        """
        ...

    def create(self, tabs: Sequence[TabSpec], *, overwrite: bool) -> None:
        """Create a new workbook with these tabs; refuse to replace one unless `overwrite`."""
        ...


#: Where this process has saved a workbook, in order: an interruption (Ctrl-C) after a save
#: must not claim that nothing was written.
WRITTEN: list[str] = []


def note_write(location: str) -> None:
    """Called by a store the moment a write has landed."""
    WRITTEN.append(location)
