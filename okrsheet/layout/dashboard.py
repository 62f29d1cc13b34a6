"""The Dashboard tab: the whole cycle at a glance, in live formulas over the OKR tabs.

It lists every objective of every OKR tab, in tab order, with owner, progress (and a text bar
that every spreadsheet app draws), expected progress, status, days since the last check-in
and confidence (the tab's Objective confidence); beside it the cycle, the days left, the
overall progress, and one line per tab (a person or a team) with how many key results are
behind, overdue or stale. Everything is a formula, so it is right the moment someone types,
without running okr.

The list finds the n-th objective through the hidden `Calc number` column of the OKR tabs
(1, 2, 3... down the objective rows of each tab) and a hidden register of the OKR tabs with
the letters of the columns it reads (INDEX, MATCH and INDIRECT, which Excel, LibreOffice and
Google Sheets all have). The register is written by `okr init` and `okr validate --fix`: a tab
added by hand joins the Dashboard once `okr validate --fix` rebuilds it (delete the tab first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from okrsheet.layout.formulas import setting
from okrsheet.layout.reader import column_letter, tab_ref
from okrsheet.layout.schema import CORPORATE_TAB, DASHBOARD_TAB, normalize_header
from okrsheet.layout.slots import (
    SLOT_COLUMN,
    dashboard_grid,
    objective_count,
    slots_of,
)
from okrsheet.stores.base import (
    AddTab,
    Change,
    ColumnSpec,
    Formula,
    Grid,
    RawWorkbook,
    SetCells,
    TabSpec,
)
from okrsheet.stores.base import WriteValue as Value

#: Objectives the list has room for at least; it is made with room for twice the objectives
#: there are (and 20 more), and every okr write makes more room when people typed more.
MIN_SLOTS = 60


def slots_for(objectives: int) -> int:
    """The rows of the list for a workbook with this many objectives: room to grow."""
    return max(MIN_SLOTS, 2 * objectives + 20)


#: The OKR tab columns the list reads, in the order of the register's letter columns.
_READ = (
    "calc_number",
    "id",
    "title",
    "owner",
    "progress",
    "expected",
    "status",
    "days_since",
    "objective_confidence",
)
#: Read when the tab has it (a tab from before objective confidences shows the column blank).
_OPTIONAL = frozenset({"objective_confidence"})
_NEEDED = ("calc_row", *(key for key in _READ if key not in _OPTIONAL))

# Visible columns (1-based).
_TAB, _ID, _TITLE, _OWNER, _PROGRESS, _BAR, _EXPECTED, _STATUS, _DAYS, _CONFIDENCE = range(1, 11)
# Beside the list, after a narrow gap: the summary, then a line per tab.
_SIDE = range(_CONFIDENCE + 2, _CONFIDENCE + 9)
_SIDE_LABEL, _SIDE_VALUE = _SIDE[0], _SIDE[1]
# Hidden helper columns.
_SLOT, _INDEX, _SHEET, _ORDINAL, _ROW = range(_SIDE[-1] + 1, _SIDE[-1] + 6)
_REG_NAME, _REG_COUNT, _REG_CUMULATIVE = range(_ROW + 1, _ROW + 4)
_REG_LETTERS = {key: _REG_CUMULATIVE + 1 + i for i, key in enumerate(_READ)}
# The slot numbers are read on their own (layout/slots.py), by their column.
assert _SLOT == SLOT_COLUMN, (_SLOT, SLOT_COLUMN)
_WIDTH = _REG_LETTERS[_READ[-1]]

_FULL, _EMPTY = "█", "░"


def _abs(col: int, row: int) -> str:
    return f"${column_letter(col)}${row}"


def _rel(col: int, row: int) -> str:
    return f"${column_letter(col)}{row}"


def bar(ref: str, width: int = 10) -> str:
    """A text bar for a 0..1 cell: ten blocks, filled to the nearest tenth."""
    filled = f"ROUND({ref}*{width},0)"
    return f'IF(ISNUMBER({ref}),REPT("{_FULL}",{filled})&REPT("{_EMPTY}",{width}-{filled}),"")'


def fits(columns: Mapping[str, int]) -> bool:
    return all(key in columns for key in _NEEDED)


class _Cells:
    """The Dashboard's cells while they are built: rows from 2 and columns from 1, as in the
    sheet, and the number format of the cells that are not in a column's format."""

    def __init__(self, height: int) -> None:
        self.rows: list[list[Value]] = [[None] * _WIDTH for _ in range(height)]
        self.formats: dict[tuple[int, int], str] = {}

    def put(self, row: int, col: int, value: Value) -> None:
        self.rows[row - 2][col - 1] = value


def dashboard_tab(tabs: Sequence[tuple[str, Mapping[str, int]]], slots: int = MIN_SLOTS) -> TabSpec:
    """The Dashboard over these OKR tabs (title, column of each key), in tab order."""
    tabs = [(title, columns) for title, columns in tabs if fits(columns)]
    last_reg = max(2, len(tabs) + 1)
    cells = _Cells(max(slots, len(tabs) + 20))
    company = setting("Company", '""')
    for n in range(1, slots + 1):
        _slot_row(cells, n, last_reg, company)
    _register(cells, tabs)
    _summary(cells, slots + 1, company)
    head = 11
    _tab_lines(cells, tabs, head)
    _notes(cells, head + 2 + len(tabs))
    return TabSpec(
        title=DASHBOARD_TAB,
        columns=_column_specs(),
        rows=cells.rows,
        cell_formats=cells.formats,  # type: ignore[arg-type]
        # Long objective titles and labels wrap instead of being cut, on screen and in print.
        wrap_columns=(3, _SIDE_LABEL),
        emphasized_rows=frozenset({head - 2}),
        print_columns=max(_SIDE),
        color="C00000",
        derived=True,
        # The slot numbers are read back: how many objectives the list has room for.
        read_columns=(_SLOT,),
    )


def _slot_row(cells: _Cells, n: int, last_reg: int, company: str) -> None:
    """Slot n of the list: which tab and objective it shows (hidden), then what it shows."""
    put, r = cells.put, n + 1

    def reg(col: int) -> str:
        return f"{_abs(col, 2)}:{_abs(col, last_reg)}"

    total = f"SUM({reg(_REG_COUNT)})"
    put(r, _SLOT, n)
    put(
        r,
        _INDEX,
        Formula(
            f'=IF({_rel(_SLOT, r)}>{total},"",'
            f'COUNTIF({reg(_REG_CUMULATIVE)},"<"&{_rel(_SLOT, r)})+1)'
        ),
    )
    index = _rel(_INDEX, r)
    put(r, _SHEET, Formula(f'=IF({index}="","",INDEX({reg(_REG_NAME)},{index}))'))
    put(
        r,
        _ORDINAL,
        Formula(
            f'=IF({index}="","",{_rel(_SLOT, r)}-INDEX({reg(_REG_CUMULATIVE)},{index})'
            f"+INDEX({reg(_REG_COUNT)},{index}))"
        ),
    )
    sheet = f'"\'"&SUBSTITUTE({_rel(_SHEET, r)},"\'","\'\'")&"\'!"'

    def letter(key: str) -> str:
        return f"INDEX({reg(_REG_LETTERS[key])},{index})"

    number_col = letter("calc_number")
    put(
        r,
        _ROW,
        Formula(
            f'=IF({index}="","",IFERROR(MATCH({_rel(_ORDINAL, r)},'
            f'INDIRECT({sheet}&{number_col}&":"&{number_col}),0),""))'
        ),
    )
    row_ref = _rel(_ROW, r)

    def cell(key: str) -> str:
        return f"INDIRECT({sheet}&{letter(key)}&{row_ref})"

    def shown(key: str, text: bool = False) -> Formula:
        value = f'{cell(key)}&""' if text else cell(key)
        return Formula(f'=IF({row_ref}="","",{value})')

    put(r, _TAB, Formula(f'=IF({row_ref}="","",{_rel(_SHEET, r)})'))
    put(r, _ID, shown("id", text=True))
    put(r, _TITLE, shown("title", text=True))
    owner = f'{cell("owner")}&""'
    default_owner = f'IF({_rel(_SHEET, r)}="{CORPORATE_TAB}",{company},{_rel(_SHEET, r)})'
    put(r, _OWNER, Formula(f'=IF({row_ref}="","",IF({owner}="",{default_owner},{owner}))'))
    put(r, _PROGRESS, shown("progress"))
    put(r, _BAR, Formula("=" + bar(_rel(_PROGRESS, r))))
    put(r, _EXPECTED, shown("expected"))
    put(r, _STATUS, shown("status", text=True))
    put(r, _DAYS, shown("days_since"))
    # Blank where the tab has no Objective confidence column (its register letter is blank).
    confidence = f'IF({letter("objective_confidence")}="","",{cell("objective_confidence")})'
    put(r, _CONFIDENCE, Formula(f'=IF({row_ref}="","",{confidence})'))


def _register(cells: _Cells, tabs: Sequence[tuple[str, Mapping[str, int]]]) -> None:
    """The hidden register: each OKR tab, its objective count and the letters it is read by."""
    for i, (title, columns) in enumerate(tabs):
        r = i + 2
        cells.put(r, _REG_NAME, title)
        cells.put(r, _REG_COUNT, Formula(f'=COUNTIF({_whole(title, columns, "calc_row")},"O")'))
        cells.put(r, _REG_CUMULATIVE, Formula(f"=SUM({_abs(_REG_COUNT, 2)}:{_rel(_REG_COUNT, r)})"))
        for key, col in _REG_LETTERS.items():
            cells.put(r, col, column_letter(columns[key]) if key in columns else "")


def _summary(cells: _Cells, last_slot: int, company: str) -> None:
    """The cycle at a glance, beside the list."""
    progress_range = f"{_abs(_PROGRESS, 2)}:{_abs(_PROGRESS, last_slot)}"
    status_range = f"{_abs(_STATUS, 2)}:{_abs(_STATUS, last_slot)}"
    summary: list[tuple[str, Value, str]] = [
        ("Company", Formula(f'={company}&""'), "general"),
        ("Cycle", Formula(f'={setting("Cycle", chr(34) * 2)}&""'), "general"),
        ("Cycle start", Formula(f"={setting('Cycle start', chr(34) * 2)}"), "date"),
        ("Cycle end", Formula(f"={setting('Cycle end', chr(34) * 2)}"), "date"),
        (
            "Days left",
            Formula(
                f'=IF(ISNUMBER({_abs(_SIDE_VALUE, 5)}),MAX(0,{_abs(_SIDE_VALUE, 5)}-TODAY()),"")'
            ),
            "integer",
        ),
        # Labelled with its definition: the report's overall figure weighs key results.
        (
            "Overall progress (mean of objectives)",
            Formula(f'=IFERROR(AVERAGE({progress_range}),"")'),
            "percent",
        ),
        (
            "Objectives behind",
            Formula(
                "="
                + "+".join(
                    f'COUNTIF({status_range},"{w}")' for w in ("at risk", "off track", "overdue")
                )
            ),
            "general",
        ),
    ]
    for i, (label, value, fmt) in enumerate(summary):
        r = i + 2
        cells.put(r, _SIDE_LABEL, label)
        cells.put(r, _SIDE_VALUE, value)
        cells.formats[(r - 2, _SIDE_VALUE)] = fmt
    cells.put(7, _SIDE_VALUE + 1, Formula("=" + bar(_abs(_SIDE_VALUE, 7))))  # Overall progress


def _tab_lines(cells: _Cells, tabs: Sequence[tuple[str, Mapping[str, int]]], head: int) -> None:
    """Under the summary, one line per tab: its objectives, key results, and how many lag."""
    stale_after = (
        f"({setting('Check-in cadence (days)', '7')}+{setting('Stale grace (days)', '3')})"
    )
    for col, text in zip(
        _SIDE,
        (
            "Tab (person or team)",
            "Objectives",
            "Key results",
            "Behind",
            "Overdue",
            "Stale",
            "Mean progress",
        ),
        strict=True,
    ):
        cells.put(head, col, text)
    for i, (title, columns) in enumerate(tabs):
        r = head + 1 + i

        def count(*criteria: str, title: str = title, columns: Mapping[str, int] = columns) -> str:
            pairs = [f'{_whole(title, columns, "calc_row")},"K"']
            pairs += [
                f"{_whole(title, columns, key)},{value}"
                for key, value in (c.split("=", 1) for c in criteria)
            ]
            return f"COUNTIFS({','.join(pairs)})"

        tab, objectives, krs, behind, overdue, stale, mean = _SIDE
        cells.put(r, tab, title)
        cells.put(r, objectives, Formula(f'=COUNTIF({_whole(title, columns, "calc_row")},"O")'))
        cells.put(r, krs, Formula("=" + count()))
        at_risk, off_track = count('status="at risk"'), count('status="off track"')
        cells.put(r, behind, Formula(f"={at_risk}+{off_track}"))
        cells.put(r, overdue, Formula("=" + count('status="overdue"')))
        stale_count = count('status="<>done"', f'days_since=">"&{stale_after}')
        cells.put(r, stale, Formula("=" + stale_count))
        cells.put(
            r,
            mean,
            Formula(
                f"=IFERROR(AVERAGEIFS({_whole(title, columns, 'progress')},"
                f'{_whole(title, columns, "calc_row")},"O"),"")'
            ),
        )
        cells.formats[(r - 2, mean)] = "percent"


def _notes(cells: _Cells, row: int) -> None:
    for offset, line in enumerate(
        (
            "Behind: key results at risk or off track.",
            "Stale: not done, no check-in for longer than",
            "the cadence plus the grace days (Settings).",
            "All cells here are live formulas. A tab added",
            "by hand shows once `okr validate --fix` rebuilds",
            "this tab (delete it first).",
        )
    ):
        cells.put(row + offset, _SIDE_LABEL, line)


def _column_specs() -> list[ColumnSpec]:
    return [
        ColumnSpec("Tab", width=14),
        ColumnSpec("ID", width=10),
        ColumnSpec("Objective", width=40),
        ColumnSpec("Owner", width=16),
        ColumnSpec("Progress", width=9, number_format="percent"),
        ColumnSpec("", width=12),
        ColumnSpec("Expected", width=9, number_format="percent"),
        ColumnSpec("Status", width=11, status_colors=True),
        ColumnSpec("Days since check-in", width=10, number_format="integer"),
        ColumnSpec("Confidence", width=11, number_format="percent"),
        ColumnSpec("", width=2),
        ColumnSpec("This cycle", width=20),
        ColumnSpec("", width=18),
        ColumnSpec("", width=12),
        ColumnSpec("", width=9),
        ColumnSpec("", width=9),
        ColumnSpec("", width=8),
        ColumnSpec("", width=14),
        *(ColumnSpec(f"Calc {n}", width=8, hidden=True) for n in range(_SLOT, _WIDTH + 1)),
    ]


def _whole(title: str, columns: Mapping[str, int], key: str) -> str:
    letter = column_letter(columns[key])
    return f"{tab_ref(title)}!${letter}:${letter}"


def dashboard_changes(raw: RawWorkbook) -> list[Change]:
    """The Dashboard tab for a workbook that has none (`okr validate --fix`), after the Guide."""
    from okrsheet.layout.okr_tabs import okr_tables

    wanted = normalize_header(DASHBOARD_TAB)
    if any(normalize_header(title) == wanted for title in raw.titles):
        return []
    from okrsheet.layout.okr_tabs import completed_columns

    tables = okr_tables(raw)
    for table in tables:  # as they will be once the fix adds the calculated columns
        grid = raw.grid(table.title)
        if grid is not None:
            completed_columns(grid, table)
    if not any(fits(t.columns) for t in tables):
        return []
    spec = dashboard_tab([(t.title, t.columns) for t in tables], slots_for(objective_count(raw)))
    titles = raw.titles
    guide = next((i for i, t in enumerate(titles) if normalize_header(t) == "guide"), None)
    before = titles[guide + 1] if guide is not None and guide + 1 < len(titles) else None
    if guide is None and titles:
        before = titles[0]
    return [AddTab(spec, before=before)]


def dashboard_refresh(raw: RawWorkbook) -> list[Change]:
    """The Dashboard's formulas written again, over the OKR tabs as they are now, by every okr
    write to a workbook whose Dashboard was read in full (a local file).

    A spreadsheet program keeps the results it saved beside each formula, and LibreOffice
    shows them again on open without recalculating (despite `fullCalcOnLoad`): after a
    check-in, the Dashboard of a workbook it saved showed the old per-tab progress. Written
    again, its cells carry no stale result, so every program computes them afresh; the slots
    already there are all rewritten, however many the workbook was made with, and when people
    typed more objectives than it has room for, the list is written with room for them all
    (what `dashboard_room` would add: a write that carries this needs nothing from it)."""
    from okrsheet.layout.okr_tabs import okr_tables

    grid = dashboard_grid(raw)
    if grid is None or not _read_whole(grid):  # none, or only its slot numbers read (Google)
        return []
    tables = okr_tables(raw)
    if not any(fits(t.columns) for t in tables):
        return []
    slots = _slots(grid)
    numbered = slots_of(grid) or 0
    objectives = objective_count(raw)
    if objectives > numbered:
        slots = max(slots, slots_for(objectives))
    spec = dashboard_tab([(t.title, t.columns) for t in tables], slots=slots)
    cells: dict[tuple[int, int], Value] = {
        (index, col): value
        for index, row in enumerate(spec.rows, start=2)
        for col, value in enumerate(row, start=1)
        # The formulas, and the slot numbers of the lines it did not number yet.
        if isinstance(value, Formula)
        or (col == _SLOT and isinstance(value, int) and value > numbered)
    }
    return [SetCells(grid.title, cells)] if cells else []


def _slots(grid: Grid) -> int:
    """How many objective slots to write: one per row the Dashboard has below its header (at
    least `MIN_SLOTS`), so that none keeps an old result."""
    return max(MIN_SLOTS, len(grid.rows) - 1)


def _read_whole(grid: Grid) -> bool:
    """Whether the Dashboard's cells were read, not only its header and the slot numbers (a
    Google read leaves its formulas out: Google computes them afresh anyway)."""
    return any(
        value not in (None, "")
        for row in grid.rows[1:]
        for col, value in enumerate(row, start=1)
        if col != _SLOT
    )


def dashboard_room(raw: RawWorkbook) -> list[Change]:
    """Lines on the Dashboard for every objective: when people typed more objectives than it
    has room for (or its room cannot be read), the list is written again with room for
    twice as many, as `okr init` makes it, and the summary counts every line. Every okr
    write adds this (see `layout.results.with_room`); nothing when there is room or no Dashboard."""
    grid = dashboard_grid(raw)
    if grid is None:
        return []
    from okrsheet.layout.okr_tabs import okr_tables

    tabs = [t for t in okr_tables(raw) if fits(t.columns)]
    if not tabs:
        return []
    objectives = objective_count(raw)
    have = slots_of(grid)
    if have is not None and have >= objectives:
        return []
    slots = slots_for(objectives)
    company = setting("Company", '""')
    built = _Cells(slots)
    for n in range(1, slots + 1):
        _slot_row(built, n, max(2, len(tabs) + 1), company)
    _summary(built, slots + 1, company)
    written: dict[tuple[int, int], Value] = {}
    for offset, row in enumerate(built.rows[:slots]):
        r = offset + 2
        for col in (*range(_TAB, _DAYS + 1), *range(_SLOT, _ROW + 1)):
            value = row[col - 1]
            if isinstance(value, Formula):
                value = Formula(value.text, fill=True)  # one formula filled down a column
            elif col == _SLOT and have is None:
                value = Formula("=ROW()-1", fill=True)
            written[(r, col)] = value
    for r in (7, 8):  # Overall progress, Objectives behind: over every line
        written[(r, _SIDE_VALUE)] = built.rows[r - 2][_SIDE_VALUE - 1]
    return [SetCells(grid.title, written)]


def on_dashboard(change: Change) -> bool:
    return isinstance(change, SetCells) and normalize_header(change.tab) == normalize_header(
        DASHBOARD_TAB
    )
