"""Checking a write against what Google did with it, and taking it back when rows moved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    CellValue,
    Change,
    DeleteRows,
    Formula,
    Grid,
    RawWorkbook,
    SetCells,
    WriteValue,
)
from okrsheet.stores.google.cell_data import (
    _cells_by_tab,
    _copy_rows,
    _delete_row,
    _quoted,
    _range,
    _row_of,
    _Sheet,
    _sheet,
    _text,
    _writable,
    row_runs,
)
from okrsheet.stores.google.write import _set_cells
from okrsheet.stores.primitives import column_letter

APPEND_SLACK = 200
#: A hidden tab that a write deleting rows or adding tabs (a rollover) adds to hold a copy of
#: the rows it changes, so that it can be taken back (see `_Guard`). It is deleted as soon as
#: the write is confirmed; one left behind (a crash, a lost answer) is never shown to the
#: layers above, and the next write deletes it.
SCRATCH_TAB = "okrsheet-undo"
# Errors that mean a tab changed shape between our read and our write (nothing was applied):


Cells = dict[tuple[int, int], CellValue]
#: A cell a person typed into between our read and our write: (tab, row, column, value).
Typed = tuple[str, int, int, CellValue]
#: By column: the header expected there.
Headers = dict[int, CellValue]


def _header_anchors(changes: Sequence[Change], raw: RawWorkbook) -> dict[str, tuple[int, Headers]]:
    """By tab: its header row and, for every column the write sets or appends to (and the
    column holding the ids its rows are anchored on), the header that must be there right
    after the write: the one our read saw, or the one this same write puts there."""
    out: dict[str, tuple[int, Headers]] = {}
    for c in changes:
        if not isinstance(c, SetCells | AppendRows) or not c.header_row:
            continue
        grid = raw.grid(c.tab)
        if isinstance(c, SetCells):
            columns = {col for _row, col in c.cells} | {col for col, _ in c.anchors.values()}
        else:
            width = max((len(r) for r in c.rows), default=0)
            columns = set(range(1, width + 1)) | ({c.id_column} if c.id_column else set())
        row, expected = out.setdefault(c.tab, (c.header_row, {}))
        if row != c.header_row:
            continue
        for col in columns:
            expected.setdefault(col, grid.cell(row, col) if grid is not None else None)
    for c in changes:  # headers this write itself puts in place
        if isinstance(c, SetCells) and c.tab in out:
            row, expected = out[c.tab]
            for (r, col), value in c.cells.items():
                if r == row and col in expected and not isinstance(value, Formula):
                    expected[col] = value if isinstance(value, str) else None
    return out


class _Check:
    """Whether a write landed where it was meant to, and how to take it back if not.

    Google offers no lock between a read and a write, so a person can insert, delete, sort
    or move rows and columns in between. Cells are written by position, so rows carry
    anchors (the KR id their row must hold) and columns theirs (the header their column must
    have, in the tab's header row); the write's answer shows those cells after the write. If
    any anchor no longer matches, the whole write is undone: every written cell gets back the
    value it had in our read for the row and the column now there (rows found by their id,
    columns by their header; empty for one we never saw), and the rows we appended are
    deleted (found by their check-in ids). When columns moved, where each row's id and each
    column's header now are is taken from a fresh read rather than from the answer."""

    def __init__(self, changes: Sequence[Change], raw: RawWorkbook) -> None:
        self.raw = raw
        checkable = all(isinstance(c, SetCells | AppendRows) for c in changes)
        self.sets = [c for c in changes if isinstance(c, SetCells) and (c.anchors or c.header_row)]
        self.appends = [c for c in changes if isinstance(c, AppendRows) and c.id_column is not None]
        self.headers = _header_anchors(changes, raw)
        self.active = checkable and bool(self.sets)
        if not self.active:
            self.sets, self.appends, self.headers = [], [], {}
        #: The cells a person may type into that this write overwrites (rows it anchors,
        #: values not formulas), as (tab, row, column): copied, in the same atomic batch and
        #: before the write, into a hidden scratch tab, so the answer shows what they held
        #: just before it.
        self.kept: list[tuple[str, int, int]] = sorted(
            {
                (c.tab, row, col)
                for c in self.sets
                for (row, col), planned in c.cells.items()
                if row in c.anchors and not isinstance(planned, Formula)
            }
        )
        self.scratch_id = 0

    def copies(self, index: dict[str, _Sheet], leftover: _Sheet | None) -> list[dict[str, Any]]:
        """The first requests of the write: the scratch tab and the copies of `kept`."""
        # A cell beyond the tab's grid (a column this write adds, such as Synced) held
        # nothing anyone could type into: there is nothing to copy, and Google refuses it.
        self.kept = [
            (tab, row, col)
            for tab, row, col in self.kept
            if tab not in index or (row <= index[tab].rows and col <= index[tab].cols)
        ]
        if not self.kept or not self.active:
            return []
        taken = [s.sheet_id for s in index.values()] + ([leftover.sheet_id] if leftover else [])
        self.scratch_id = max(taken, default=0) + 1
        properties = {
            "sheetId": self.scratch_id,
            "title": SCRATCH_TAB,
            "hidden": True,
            "gridProperties": {"rowCount": len(self.kept), "columnCount": 1},
        }
        requests: list[dict[str, Any]] = [{"addSheet": {"properties": properties}}]
        for number, (tab, row, col) in enumerate(self.kept):
            source = _range(_sheet(index, tab).sheet_id, row - 1, row, col - 1, col)
            target = _range(self.scratch_id, number, number + 1, 0, 1)
            paste = {"source": source, "destination": target, "pasteType": "PASTE_VALUES"}
            requests.append({"copyPaste": paste})
        return requests

    def typed(self, answer: Any) -> list[Typed]:
        """The kept cells a person changed between our read and our write, with what they
        typed: (tab, row, column, value)."""
        if not self.kept:
            return []
        copied = self.answered(answer).get(SCRATCH_TAB, {})
        out = []
        for number, (tab, row, col) in enumerate(self.kept, start=1):
            grid = self.raw.grid(tab)
            was = grid.cell(row, col) if grid is not None else None
            now = copied.get((number, 1))
            if not _same(was, now):
                out.append((tab, row, col, now))
        return out

    def keep(self, typed: Sequence[Typed], index: dict[str, _Sheet]) -> list[dict[str, Any]]:
        """Requests putting back what a person typed (after the undo of the write)."""
        by_tab: dict[str, dict[tuple[int, int], WriteValue]] = {}
        for tab, row, col, value in typed:
            by_tab.setdefault(tab, {})[(row, col)] = _writable(value)
        return [r for tab, v in by_tab.items() for r in _set_cells(_sheet(index, tab).sheet_id, v)]

    def describe(self, cell: Typed) -> str:
        """`Sales!K4 (Current of SALES-1.2, now 0.9)`."""
        tab, row, col, value = cell
        grid = self.raw.grid(tab)
        header_row = self.headers.get(tab, (0, {}))[0]
        header = _text(grid.cell(header_row, col)) if grid is not None and header_row else ""
        item = next(
            (a[1] for c in self.sets if c.tab == tab for r, a in c.anchors.items() if r == row), ""
        )
        what = " of ".join(t for t in (header, item) if t)
        shown = _text(value) or "emptied"
        place = tab if tab.replace("_", "").isalnum() and tab.isascii() else _quoted(tab)
        return f"{place}!{column_letter(col)}{row} ({what}{', ' if what else ''}now {shown})"

    def ranges(self) -> list[str]:
        out = [f"{_quoted(SCRATCH_TAB)}!A1:A{len(self.kept)}"] if self.scratch_id else []
        out += [
            f"{_quoted(c.tab)}!{column_letter(col)}{row}"
            for c in self.sets
            for row, (col, _text) in sorted(c.anchors.items())
        ]
        for tab, (row, expected) in self.headers.items():
            if expected:
                first, last = column_letter(min(expected)), column_letter(max(expected))
                out.append(f"{_quoted(tab)}!{first}{row}:{last}{row}")
        for c in self.appends:
            assert c.id_column is not None
            grid = self.raw.grid(c.tab)
            start = max(1, (len(grid.rows) if grid else 0) - APPEND_SLACK)
            letter = column_letter(c.id_column)
            out.append(f"{_quoted(c.tab)}!{letter}{start}:{letter}")
        return out

    def verdict(self, answer: Any) -> str:
        """ "" when every anchor held; "rows" when only row anchors moved; "columns" when a
        written column's header is no longer the one expected there."""
        if not self.active:
            return ""
        after = _cells_by_tab((answer or {}).get("updatedSpreadsheet", {}))
        for tab, (row, expected) in self.headers.items():
            got = after.get(tab, {})
            if any(_text(got.get((row, col))) != _text(text) for col, text in expected.items()):
                return "columns"
        moved = any(
            _text(after.get(c.tab, {}).get((row, col))) != text
            for c in self.sets
            for row, (col, text) in c.anchors.items()
        )
        return "rows" if moved else ""

    def answered(self, answer: Any) -> dict[str, Cells]:
        return _cells_by_tab((answer or {}).get("updatedSpreadsheet", {}))

    def undo(self, after: dict[str, Cells], index: dict[str, _Sheet]) -> list[dict[str, Any]]:
        """The requests that give every cell written back its value from our read, `after`
        showing the tabs as they are now (the write's answer, or a fresh read)."""
        if not self.active:
            return []
        requests: list[dict[str, Any]] = []
        for c in self.sets:
            grid = self.raw.grid(c.tab)
            now = after.get(c.tab, {})
            where = _Columns(self.headers.get(c.tab), grid, now)
            id_cols = {col for col, _ in c.anchors.values()}
            sheet_id = _sheet(index, c.tab).sheet_id
            restored: dict[tuple[int, int], WriteValue] = {}
            written = set(c.cells)
            for (row, col), planned in c.cells.items():
                source_col = where.source(col)
                if isinstance(planned, Formula) and planned.fill and source_col == col:
                    continue  # row-relative: right for whichever row is there now
                source_row: int | None = row
                if row in c.anchors:
                    id_col = c.anchors[row][0]
                    held = _text(now.get((row, where.now(id_col))))
                    source_row = _row_of(grid, id_col, held) if held else None
                elif id_cols:
                    id_col = min(id_cols)
                    held = _text(now.get((row, where.now(id_col))))
                    source_row = _row_of(grid, id_col, held) if held else row
                value = None
                if grid is not None and source_row and source_col:
                    value = grid.cell(source_row, source_col)
                restored[(row, col)] = _writable(value)
                if isinstance(planned, date) and source_col != col:
                    # A date also set the cell's number format: the column there now gets
                    # its own back, from a cell of it this write did not touch.
                    for other in (row + 1, row - 1):
                        if other > where.header_row and (other, col) not in written:
                            requests.append(_copy_format(sheet_id, other, row, col))
                            break
            requests.extend(_set_cells(sheet_id, restored))
        for a in self.appends:
            assert a.id_column is not None
            ids = {_text(r[a.id_column - 1]) for r in a.rows if len(r) >= a.id_column} - {""}
            landed = sorted(
                {row for (row, _col), v in after.get(a.tab, {}).items() if _text(v) in ids},
                reverse=True,
            )
            sheet_id = _sheet(index, a.tab).sheet_id
            requests.extend(_delete_row(sheet_id, row) for row in landed)
        return requests


class _Columns:
    """Which column of our read each column of a tab now is, found by its header (in the
    tab's header row, wherever that row is now)."""

    def __init__(
        self, anchored: tuple[int, Headers] | None, grid: Grid | None, after: Cells
    ) -> None:
        self.read_row = anchored[0] if anchored else 0
        self.expected = anchored[1] if anchored else {}
        self.grid, self.after = grid, after
        read: list[CellValue] = []
        if grid is not None and 0 < self.read_row <= len(grid.rows):
            read = list(grid.rows[self.read_row - 1])
        self.by_text: dict[str, int] = {}
        for col, value in enumerate(read, start=1):
            self.by_text.setdefault(_text(value), col)
        self.by_text.pop("", None)
        self.header_row = self._found_row()

    def _found_row(self) -> int:
        """The row that now holds the most of the headers read (the header row, unless rows
        were inserted or deleted above it)."""
        if not self.read_row or not self.by_text:
            return self.read_row
        score: dict[int, int] = {}
        for (row, _col), value in self.after.items():
            if _text(value) in self.by_text:
                score[row] = score.get(row, 0) + 1
        best = max(score.values(), default=0)
        if score.get(self.read_row, 0) == best:
            return self.read_row
        return min((r for r, n in score.items() if n == best), key=lambda r: abs(r - self.read_row))

    def source(self, col: int) -> int | None:
        """The column of our read that now sits at `col` (None: one we never saw)."""
        if not self.header_row or (self.header_row, col) not in self.after:
            return col
        text = _text(self.after.get((self.header_row, col)))
        if text == _text(self.expected.get(col, self._read_header(col))):
            return col
        return self.by_text.get(text)

    def now(self, col: int) -> int:
        """Where the column that was `col` in our read is now (`col` when unknown)."""
        text = _text(self._read_header(col))
        if not self.header_row or not text:
            return col
        if _text(self.after.get((self.header_row, col))) == text:
            return col
        for (row, c), value in self.after.items():
            if row == self.header_row and _text(value) == text:
                return c
        return col

    def _read_header(self, col: int) -> CellValue:
        return self.grid.cell(self.read_row, col) if self.grid is not None else None


def _same(was: CellValue, now: CellValue) -> bool:
    """Whether a cell still holds what our read saw (numbers as numbers, dates as the serial
    numbers both sides read them as)."""
    numbers = tuple(v for v in (was, now) if isinstance(v, int | float) and not isinstance(v, bool))
    if len(numbers) == 2:
        return abs(float(numbers[0]) - float(numbers[1])) <= 1e-9 * max(1.0, abs(numbers[0]))
    return _text(was) == _text(now)


def _copy_format(sheet_id: int, source_row: int, row: int, col: int) -> dict[str, Any]:
    def cell(r: int) -> dict[str, int]:
        return {
            "sheetId": sheet_id,
            "startRowIndex": r - 1,
            "endRowIndex": r,
            "startColumnIndex": col - 1,
            "endColumnIndex": col,
        }

    return {
        "copyPaste": {
            "source": cell(source_row),
            "destination": cell(row),
            "pasteType": "PASTE_FORMAT",
        }
    }


class _Band:
    """Where one tab's rows sit in the scratch tab: rows 1..height of the tab are scratch rows
    offset+1..offset+height, in the same columns."""

    def __init__(
        self, sheet: _Sheet, key: int, offset: int, height: int, deleted: Sequence[int]
    ) -> None:
        self.tab, self.sheet_id, self.key = sheet.title, sheet.sheet_id, key
        self.offset, self.height, self.width = offset, height, max(sheet.cols, 1)
        self.deleted = sorted(set(deleted))
        #: The tab's header row and the columns the write sets there (0, (): none checked).
        self.header_row = 0
        self.columns: tuple[int, ...] = ()
        #: The cells of rows it anchors that the write sets to values (what a person may
        #: type into meanwhile), as (row, column).
        self.kept: frozenset[tuple[int, int]] = frozenset()


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
            derived = isinstance(change, SetCells) and not (change.anchors or change.header_row)
            if isinstance(change, SetCells | DeleteRows) and change.tab not in tabs and not derived:
                # (okr's formulas over other tabs, the Dashboard's, are right wherever rows are)
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
            band = _Band(index[tab], keys[tab], offset, height, deleted.get(tab, ()))
            sets = [c for c in changes if isinstance(c, SetCells) and c.tab == tab]
            band.header_row = next((c.header_row for c in sets if c.header_row), 0)
            if band.header_row <= height:
                band.columns = tuple(
                    sorted({col for c in sets for _r, col in c.cells} | {band.key})
                )
            band.kept = frozenset(
                (row, col)
                for c in sets
                for (row, col), planned in c.cells.items()
                if row in c.anchors and row <= height and not isinstance(planned, Formula)
            )
            self.bands.append(band)
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
            for col in sorted({col for _row, col in b.kept}):
                letter = column_letter(col)
                top, bottom = b.offset + 1, b.offset + b.height
                out.append(f"{_quoted(SCRATCH_TAB)}!{letter}{top}:{letter}{bottom}")
            if b.header_row and b.columns:
                row = b.offset + b.header_row
                first, last = column_letter(b.columns[0]), column_letter(b.columns[-1])
                out.append(f"{_quoted(SCRATCH_TAB)}!{first}{row}:{last}{row}")
        return out

    def held(self, copied: dict[tuple[int, int], CellValue]) -> bool:
        """Whether the copies (scratch cells by 1-based (row, column)) show every row holding
        the id our read saw there, every column written under the header it had, and every cell
        the write sets as our read saw it."""
        for b in self.bands:
            grid = self.raw.grid(b.tab)
            assert grid is not None
            for row in range(1, b.height + 1):
                if _text(copied.get((b.offset + row, b.key))) != _text(grid.cell(row, b.key)):
                    return False
            # Every column written still under the header our read saw there.
            row = b.header_row
            for col in b.columns if row else ():
                if _text(copied.get((b.offset + row, col))) != _text(grid.cell(row, col)):
                    return False
            # Nothing a person typed meanwhile into a cell the write sets.
            for row, col in b.kept:
                if not _same(copied.get((b.offset + row, col)), grid.cell(row, col)):
                    return False
        return True

    def undo(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = []
        for b in self.bands:
            for row, last in row_runs(b.deleted):  # ascending: each goes back where it was
                dim = {
                    "sheetId": b.sheet_id,
                    "dimension": "ROWS",
                    "startIndex": row - 1,
                    "endIndex": last,
                }
                requests.append({"insertDimension": {"range": dim, "inheritFromBefore": row > 1}})
            requests.append(_copy_rows(self.scratch_id, b.offset, b.sheet_id, 0, b.height, b.width))
        requests.extend({"deleteSheet": {"sheetId": i}} for i in self.added.values())
        requests.append({"deleteSheet": {"sheetId": self.scratch_id}})
        return requests
