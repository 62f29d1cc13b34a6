"""Checking a write against what Google did with it, and taking it back when rows moved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    CellValue,
    Change,
    DeleteRows,
    Formula,
    RawWorkbook,
    SetCells,
    WriteValue,
)
from okrsheet.stores.cells import column_letter
from okrsheet.stores.google_cells import (
    _cells_by_tab,
    _copy_rows,
    _delete_row,
    _quoted,
    _row_of,
    _Sheet,
    _sheet,
    _text,
    _writable,
)
from okrsheet.stores.google_write import _set_cells

APPEND_SLACK = 200
#: A hidden tab that a write deleting rows or adding tabs (a rollover) adds to hold a copy of
#: the rows it changes, so that it can be taken back (see `_Guard`). It is deleted as soon as
#: the write is confirmed; one left behind (a crash, a lost answer) is never shown to the
#: layers above, and the next write deletes it.
SCRATCH_TAB = "okrsheet-undo"
# Errors that mean a tab changed shape between our read and our write (nothing was applied):


class _Check:
    """Whether a write landed where it was meant to, and how to take it back if not.

    Google offers no lock between a read and a write, so a person can insert, delete or sort
    rows in between. Rows written by position carry anchors (the KR id their row must hold);
    the write's answer shows those cells after the write. If any anchor no longer matches, the
    whole write is undone: every written cell gets back the value it had in our read for the
    row now there (found by its id; empty for a row we never saw), and the rows we appended
    are deleted (found by their check-in ids)."""

    def __init__(self, changes: Sequence[Change], raw: RawWorkbook) -> None:
        self.raw = raw
        checkable = all(isinstance(c, SetCells | AppendRows) for c in changes)
        self.sets = [c for c in changes if isinstance(c, SetCells) and c.anchors]
        self.appends = [c for c in changes if isinstance(c, AppendRows) and c.id_column is not None]
        self.active = checkable and bool(self.sets)
        if not self.active:
            self.sets, self.appends = [], []

    def ranges(self) -> list[str]:
        out = [
            f"{_quoted(c.tab)}!{column_letter(col)}{row}"
            for c in self.sets
            for row, (col, _text) in sorted(c.anchors.items())
        ]
        for c in self.appends:
            assert c.id_column is not None
            grid = self.raw.grid(c.tab)
            start = max(1, (len(grid.rows) if grid else 0) - APPEND_SLACK)
            letter = column_letter(c.id_column)
            out.append(f"{_quoted(c.tab)}!{letter}{start}:{letter}")
        return out

    def undo(self, answer: Any, index: dict[str, _Sheet]) -> list[dict[str, Any]]:
        if not self.active:
            return []
        after = _cells_by_tab((answer or {}).get("updatedSpreadsheet", {}))
        moved = any(
            _text(after.get(c.tab, {}).get((row, col))) != text
            for c in self.sets
            for row, (col, text) in c.anchors.items()
        )
        if not moved:
            return []
        requests: list[dict[str, Any]] = []
        for c in self.sets:
            grid = self.raw.grid(c.tab)
            restored: dict[tuple[int, int], WriteValue] = {}
            for (row, col), planned in c.cells.items():
                if isinstance(planned, Formula) and planned.fill:
                    continue  # row-relative: right for whichever row is there now
                id_col = c.anchors.get(row, (0, ""))[0]
                now = _text(after.get(c.tab, {}).get((row, id_col))) if id_col else ""
                source = _row_of(grid, id_col, now) if now else None
                value = grid.cell(source, col) if grid is not None and source else None
                restored[(row, col)] = _writable(value)
            requests.extend(_set_cells(_sheet(index, c.tab).sheet_id, restored))
        for a in self.appends:
            assert a.id_column is not None
            ids = {_text(r[a.id_column - 1]) for r in a.rows if len(r) >= a.id_column}
            landed = sorted(
                (row for (row, _col), v in after.get(a.tab, {}).items() if _text(v) in ids),
                reverse=True,
            )
            sheet_id = _sheet(index, a.tab).sheet_id
            requests.extend(_delete_row(sheet_id, row) for row in landed)
        return requests


class _Band:
    """Where one tab's rows sit in the scratch tab: rows 1..height of the tab are scratch rows
    offset+1..offset+height, in the same columns."""

    def __init__(
        self, sheet: _Sheet, key: int, offset: int, height: int, deleted: Sequence[int]
    ) -> None:
        self.tab, self.sheet_id, self.key = sheet.title, sheet.sheet_id, key
        self.offset, self.height, self.width = offset, height, max(sheet.cols, 1)
        self.deleted = sorted(set(deleted))


class _Guard:
    """Whether a write that deletes rows or adds tabs (a rollover) landed on the rows it was
    planned for, and how to take it back if not.

    `_Check`'s way (look at the written rows after the write, restore their values from our
    read) does not fit such a write: deleted rows are gone from the answer, and values read
    cannot bring back formulas or a row we never saw. So the same atomic batch starts by adding
    a hidden scratch tab and copying into it (copyPaste, PASTE_NORMAL) the rows of every tab
    the write changes, from row 1 to the last row our read saw, all columns, one tab under the
    other: exactly what the write is about to change, whoever's rows they are by then.

    The answer shows the id column of those copies (ids for OKR tabs, setting names for
    Settings). If each matches our read row for row, no row moved between our read and our
    write, so every cell written and row deleted was the one meant: the write stays and the
    scratch tab is deleted (one more small call). If not, the write is taken back in one call:
    the deleted rows are inserted again where they were (in ascending order), each tab's copy
    is pasted back over it (values, formulas and formats as they were just before our write,
    a person's inserted or edited row included), the added tabs and the scratch tab are
    deleted; then `update` reads and plans again. A write without ids to check is sent
    unchecked, as before."""

    def __init__(
        self,
        changes: Sequence[Change],
        raw: RawWorkbook,
        index: dict[str, _Sheet],
        *,
        leftover: _Sheet | None = None,
    ) -> None:
        self.raw, self.index = raw, dict(index)
        self.added: dict[str, int] = {}
        self.bands: list[_Band] = []
        self.scratch_id = 0
        keys: dict[str, int] = {}
        deleted: dict[str, list[int]] = {}
        tabs: list[str] = []
        for change in changes:
            if isinstance(change, SetCells | DeleteRows) and change.tab not in tabs:
                tabs.append(change.tab)
            if isinstance(change, SetCells):
                for col, _text in change.anchors.values():
                    keys.setdefault(change.tab, col)
            elif isinstance(change, DeleteRows):
                deleted.setdefault(change.tab, []).extend(change.rows)
                if change.id_column is not None:
                    keys.setdefault(change.tab, change.id_column)
        self.active = (
            any(isinstance(c, DeleteRows | AddTab) for c in changes)
            and not any(isinstance(c, AppendRows) for c in changes)
            and bool(tabs)
            and all(t in keys and t in index and raw.grid(t) is not None for t in tabs)
        )
        if not self.active:
            return
        offset = 0
        for tab in tabs:
            grid = raw.grid(tab)
            assert grid is not None
            height = max(len(grid.rows), 1)
            self.bands.append(_Band(index[tab], keys[tab], offset, height, deleted.get(tab, ())))
            offset += height
        taken = [s.sheet_id for s in index.values()] + ([leftover.sheet_id] if leftover else [])
        self.scratch_id = max(taken, default=0) + 1
        width = max(b.width for b in self.bands)
        # In the index, so that the tabs the write adds get the ids after it.
        self.index[SCRATCH_TAB] = _Sheet(self.scratch_id, SCRATCH_TAB, offset, width)

    def copies(self) -> list[dict[str, Any]]:
        """The first requests of the write: the scratch tab and the copies."""
        if not self.active:
            return []
        scratch = self.index[SCRATCH_TAB]
        properties = {
            "sheetId": self.scratch_id,
            "title": SCRATCH_TAB,
            "hidden": True,
            "gridProperties": {"rowCount": scratch.rows, "columnCount": scratch.cols},
        }
        requests: list[dict[str, Any]] = [{"addSheet": {"properties": properties}}]
        for b in self.bands:
            requests.append(_copy_rows(b.sheet_id, 0, self.scratch_id, b.offset, b.height, b.width))
        return requests

    def ranges(self) -> list[str]:
        out = []
        for b in self.bands:
            letter = column_letter(b.key)
            out.append(
                f"{_quoted(SCRATCH_TAB)}!{letter}{b.offset + 1}:{letter}{b.offset + b.height}"
            )
        return out

    def held(self, copied: dict[tuple[int, int], CellValue]) -> bool:
        """Whether the copies (scratch cells by 1-based (row, column)) show every row holding
        the id our read saw there."""
        for b in self.bands:
            grid = self.raw.grid(b.tab)
            assert grid is not None
            for row in range(1, b.height + 1):
                if _text(copied.get((b.offset + row, b.key))) != _text(grid.cell(row, b.key)):
                    return False
        return True

    def undo(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = []
        for b in self.bands:
            for row in b.deleted:  # ascending: each goes back where it was
                dim = {
                    "sheetId": b.sheet_id,
                    "dimension": "ROWS",
                    "startIndex": row - 1,
                    "endIndex": row,
                }
                requests.append({"insertDimension": {"range": dim, "inheritFromBefore": row > 1}})
            requests.append(_copy_rows(self.scratch_id, b.offset, b.sheet_id, 0, b.height, b.width))
        requests.extend({"deleteSheet": {"sheetId": i}} for i in self.added.values())
        requests.append({"deleteSheet": {"sheetId": self.scratch_id}})
        return requests
