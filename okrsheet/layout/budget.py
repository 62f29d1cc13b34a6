"""How much of Google's cell limit a workbook uses: `okr validate` warns well before it."""

from __future__ import annotations

from okrsheet.layout.tables import Finding
from okrsheet.stores.base import RawWorkbook

#: A Google spreadsheet holds at most this many cells, every tab's rows times columns.
GOOGLE_MAX_CELLS = 10_000_000
#: The share of it at which `okr validate` warns.
WARN_SHARE = 0.8


def workbook_cells(raw: RawWorkbook) -> int:
    """Each tab's rows times its widest row, summed: what the workbook takes on Google."""
    return sum(len(g.rows) * max(map(len, g.rows), default=0) for g in raw.grids)


def cell_budget(raw: RawWorkbook) -> list[Finding]:
    """A warning when the workbook uses `WARN_SHARE` of Google's cell limit or more."""
    cells = workbook_cells(raw)
    if cells < GOOGLE_MAX_CELLS * WARN_SHARE:
        return []
    log = max(raw.grids, key=lambda g: len(g.rows), default=None)
    biggest = f"; the largest tab is {log.title!r} ({len(log.rows):,} rows)" if log else ""
    return [
        Finding(
            "warning",
            "cell-budget",
            f"the workbook has {cells:,} cells, {cells / GOOGLE_MAX_CELLS:.0%} of the "
            f"{GOOGLE_MAX_CELLS:,} a Google spreadsheet can hold{biggest}: move finished "
            "cycles into an archive workbook (`okr rollover --to NEXT --archive-to "
            "gsheet:ID`, kept under Archive workbooks in the Settings tab), and give each "
            "department a workbook of its own (listed under Linked workbooks) "
            "(docs/performance.md, Cell budget)",
            None,
        )
    ]


def archive_budget(raw: RawWorkbook, location: str) -> list[Finding]:
    """A warning when an archive workbook uses `WARN_SHARE` of Google's cell limit or more:
    the next rollover should go to a new one."""
    cells = workbook_cells(raw)
    if cells < GOOGLE_MAX_CELLS * WARN_SHARE:
        return []
    return [
        Finding(
            "warning",
            "cell-budget",
            f"the archive workbook {location} has {cells:,} cells, "
            f"{cells / GOOGLE_MAX_CELLS:.0%} of the {GOOGLE_MAX_CELLS:,} a Google spreadsheet "
            "can hold: give the next rollover a new one (`okr rollover --to NEXT --archive-to "
            "gsheet:NEW_ID`); history keeps reading every workbook listed under Archive "
            "workbooks",
            None,
        )
    ]
