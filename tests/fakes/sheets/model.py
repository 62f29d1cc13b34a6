"""The in-memory model: spreadsheets, sheets, cells, and how a cell update is copied in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.sheets.a1 import A1Range, _parse_cells, _split_sheet, column_letters, quote_title
from tests.fakes.sheets.common import DEFAULT_COLUMN_WIDTH, DEFAULT_ROW_HEIGHT, Json, _bad, _clone
from tests.fakes.sheets.masks import MaskTree, apply_update_mask


class _CellUpdate:
    """`apply_update_mask(target, source, tree)` for one source cell written over many stored
    cells, as a repeatCell writes it: the mask is walked and the source's values copied once,
    not once per cell.

    The cells written share those values, except the dicts the fake changes in place once a
    cell is stored: `_mirror_colors` adds to a cell's userEnteredFormat and its textFormat, so
    each cell gets its own copy of those two (`_OWN_COPIES`). Nothing else changes a stored
    cell's parts in place (a write makes new dicts: `apply_update_mask` copies what it changes,
    `_write_block` clones the cell), so the sharing of the rest cannot show.
    """

    __slots__ = ("_own", "_steps", "_value", "_whole")

    def __init__(self, source: Json, tree: MaskTree | None, path: tuple[str, ...] = ()) -> None:
        #: Without a mask (or a dict to pick from) the source replaces the target whole.
        self._whole = tree is None or not isinstance(source, dict)
        self._value: Json = _clone(source) if self._whole else None
        self._own = _OWN_COPIES.get(path, _shared)
        #: Per field of the mask, in its order: (name, sub-mask, and either how to merge the
        #: source's field into the target's, or the value to set (None: clear) and its copier).
        self._steps: list[tuple[str, MaskTree | None, _CellUpdate | None, Json, _Copier]] = []
        if tree is None or not isinstance(source, dict):
            return
        for key, sub in tree.items():
            if sub is None:
                value = source.get(key)
                own = _OWN_COPIES.get((*path, key), _shared)
                self._steps.append((key, None, None, None if value is None else _clone(value), own))
            else:
                merge = _CellUpdate(source.get(key) or {}, sub, (*path, key))
                self._steps.append((key, sub, merge, None, _shared))

    def sets(self, key: str) -> bool:
        """Whether the update sets or clears the whole of a top-level field."""
        return self._whole or any(name == key and sub is None for name, sub, *_ in self._steps)

    def apply(self, target: Json, override: Mapping[str, Json] | None = None) -> Json:
        """``apply_update_mask(target, source, tree)``, with ``override`` replacing some of the
        source's top-level fields (a repeatCell's formula, moved for each cell): its values
        are stored as they are, not copied."""
        if self._whole:
            whole = self._own(self._value)
            if override:
                whole.update(override)
            return whole
        result = dict(target) if isinstance(target, dict) else {}
        for key, sub, merge, value, own in self._steps:
            if override is not None and key in override:
                given = override[key]
                if sub is None:
                    if given is None:
                        result.pop(key, None)
                    else:
                        result[key] = given
                    continue
                merged = apply_update_mask(result.get(key) or {}, given or {}, sub)
            elif merge is None:
                if value is None:
                    result.pop(key, None)
                else:
                    result[key] = own(value)
                continue
            else:
                merged = merge.apply(result.get(key) or {})
            if merged:
                result[key] = merged
            else:
                result.pop(key, None)
        return result


_Copier = Callable[[Json], Json]


def _shared(value: Json) -> Json:
    return value


def _own_dict(value: Json, key: str | None = None, inner: _Copier = _shared) -> Json:
    """A dict of its own (not the value's nested ones), with `key`'s value copied by `inner`."""
    if type(value) is not dict:
        return value
    value = dict(value)
    if key is not None and key in value:
        value[key] = inner(value[key])
    return value


def _own_text_format(text: Json) -> Json:
    return _own_dict(text)


def _own_format(fmt: Json) -> Json:
    return _own_dict(fmt, "textFormat", _own_text_format)


def _own_cell(cell: Json) -> Json:
    return _own_dict(cell, "userEnteredFormat", _own_format)


#: What of a value a `_CellUpdate` sets must be copied for each cell, by where it goes in a cell.
_OWN_COPIES: dict[tuple[str, ...], _Copier] = {
    (): _own_cell,
    ("userEnteredFormat",): _own_format,
    ("userEnteredFormat", "textFormat"): _own_text_format,
}


# ---------------------------------------------------------------------------------------------
# The in-memory model
# ---------------------------------------------------------------------------------------------

Cell = dict[str, Json]
_STORED_CELL_FIELDS = frozenset(
    {
        "userEnteredValue",
        "userEnteredFormat",
        "note",
        "dataValidation",
        "textFormatRuns",
        "hyperlink",
    }
)


@dataclass
class FakeSheet:
    """One tab. ``rows`` has ``rowCount`` entries; a row list may be shorter than the grid."""

    properties: dict[str, Json]
    rows: list[list[Cell | None]]
    row_meta: list[dict[str, Json]]
    col_meta: list[dict[str, Json]]
    protected_ranges: list[dict[str, Json]] = field(default_factory=list)
    conditional_formats: list[dict[str, Json]] = field(default_factory=list)
    merges: list[dict[str, Json]] = field(default_factory=list)
    basic_filter: dict[str, Json] | None = None
    #: Formula cells written since the last read of them: evaluated when read.
    pending: set[tuple[int, int]] = field(default_factory=set)
    # What `FakeGoogle._recalc` needs to redo only what changed since it last ran: where the
    # formula cells were then, the cells set since, and whether cells moved (rows or columns
    # inserted, deleted or cut off), when it must look at every cell again.
    formulas: set[tuple[int, int]] = field(default_factory=set, compare=False, repr=False)
    written: set[tuple[int, int]] = field(default_factory=set, compare=False, repr=False)
    moved: bool = field(default=True, compare=False, repr=False)

    @property
    def sheet_id(self) -> int:
        return int(self.properties.get("sheetId", 0))

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def column_count(self) -> int:
        return int(self.properties["gridProperties"]["columnCount"])

    def cell(self, r: int, c: int) -> Cell | None:
        if r >= len(self.rows):
            return None
        row = self.rows[r]
        return row[c] if c < len(row) else None

    def set_cell(self, r: int, c: int, cell: Cell | None) -> None:
        row = self.rows[r]
        self.written.add((r, c))
        if cell is not None and cell.keys().isdisjoint(_STORED_CELL_FIELDS):
            cell = None
        if cell is None:
            if c < len(row):
                row[c] = None
                while row and row[-1] is None:
                    row.pop()
            return
        if c >= len(row):
            row.extend([None] * (c + 1 - len(row)))
        row[c] = cell

    def resize(self, rows: int, cols: int) -> None:
        if rows < len(self.rows) or cols < len(self.col_meta):
            self.moved = True  # cells were cut off (growing moves none)
        if rows < len(self.rows):
            del self.rows[rows:]
            del self.row_meta[rows:]
        else:
            self.rows.extend([] for _ in range(rows - len(self.rows)))
            self.row_meta.extend(
                {"pixelSize": DEFAULT_ROW_HEIGHT} for _ in range(rows - len(self.row_meta))
            )
        if cols < len(self.col_meta):
            del self.col_meta[cols:]
            for row in self.rows:
                del row[cols:]
                while row and row[-1] is None:
                    row.pop()
        else:
            self.col_meta.extend(
                {"pixelSize": DEFAULT_COLUMN_WIDTH} for _ in range(cols - len(self.col_meta))
            )
        self.properties["gridProperties"]["rowCount"] = rows
        self.properties["gridProperties"]["columnCount"] = cols

    def last_content_row_any(self) -> int:
        """Index just past the last row holding anything (value, format, note...)."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any(self.rows[r]):
                return r + 1
        return 0

    def last_content_row(self) -> int:
        """Index just past the last row holding a value."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any(c and "userEnteredValue" in c for c in self.rows[r]):
                return r + 1
        return 0


def new_sheet(sheet_id: int, title: str, index: int, rows: int = 1000, cols: int = 26) -> FakeSheet:
    props: dict[str, Json] = {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }
    return FakeSheet(
        properties=props,
        rows=[[] for _ in range(rows)],
        row_meta=[{"pixelSize": DEFAULT_ROW_HEIGHT} for _ in range(rows)],
        col_meta=[{"pixelSize": DEFAULT_COLUMN_WIDTH} for _ in range(cols)],
    )


@dataclass
class FakeSpreadsheet:
    spreadsheet_id: str
    properties: dict[str, Json]
    sheets: list[FakeSheet]
    named_ranges: list[dict[str, Json]] = field(default_factory=list)
    developer_metadata: list[dict[str, Json]] = field(default_factory=list)
    #: Where `sheet_by_id` last found each sheet (its index, the sheet): a batchUpdate looks up
    #: a tab per request, and a spreadsheet of 1,000 tabs made that a scan of 1,000 each time.
    _found: dict[int, tuple[int, FakeSheet]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    def sheet_by_id(self, sheet_id: int) -> FakeSheet | None:
        # Trusted only while that place still holds that sheet with that id (tabs are added,
        # deleted and moved by changing `sheets` in place or replacing it).
        index, sheet = self._found.get(sheet_id, (-1, None))
        if (
            sheet is not None
            and index < len(self.sheets)
            and self.sheets[index] is sheet
            and sheet.sheet_id == sheet_id
        ):
            return sheet
        for index, sheet in enumerate(self.sheets):
            if sheet.sheet_id == sheet_id:
                self._found[sheet_id] = (index, sheet)
                return sheet
        return None

    def sheet_by_title(self, title: str) -> FakeSheet | None:
        exact = next((s for s in self.sheets if s.title == title), None)
        if exact is not None:
            return exact
        return next((s for s in self.sheets if s.title.lower() == title.lower()), None)

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def parse_range(self, text: str) -> tuple[FakeSheet, A1Range]:
        """Resolve an A1 range (or sheet title, or named range) against this spreadsheet."""
        try:
            title, cells = _split_sheet(text)
        except ValueError:
            raise _bad(f"Unable to parse range: {text}") from None
        if title is None:
            sheet = self.sheet_by_title(text)
            if sheet is not None:
                return sheet, A1Range(sheet.title, 0, 0, None, None, whole_sheet=True)
            named = next((n for n in self.named_ranges if n["name"] == text), None)
            if named is not None:
                gr = named["range"]
                sheet = self.sheet_by_id(gr.get("sheetId", 0)) or self.sheets[0]
                return sheet, A1Range(
                    sheet.title,
                    gr.get("startRowIndex", 0),
                    gr.get("startColumnIndex", 0),
                    gr.get("endRowIndex"),
                    gr.get("endColumnIndex"),
                )
            sheet = self.sheets[0]
        else:
            found = self.sheet_by_title(title)
            if found is None:
                raise _bad(f"Unable to parse range: {text}")
            sheet = found
        if cells is None:
            return sheet, A1Range(sheet.title, 0, 0, None, None, whole_sheet=True)
        try:
            r0, c0, r1, c1 = _parse_cells(cells)
        except ValueError:
            raise _bad(f"Unable to parse range: {text}") from None
        return sheet, A1Range(sheet.title, r0, c0, r1, c1)


def _resolve(
    sheet: FakeSheet, rng: A1Range, *, for_write: bool = False
) -> tuple[int, int, int, int]:
    """Clip a parsed range to the grid; starting outside the grid is an error for reads."""
    rows, cols = sheet.row_count, sheet.column_count
    if not for_write and (rng.r0 >= rows or rng.c0 >= cols):
        end = f"{column_letters(rng.c0)}{rng.r0 + 1}"
        raise _bad(
            f"Range ({quote_title(sheet.title)}!{end}) exceeds grid limits. "
            f"Max rows: {rows}, max columns: {cols}"
        )
    r1 = rows if rng.r1 is None else min(rng.r1, rows) if not for_write else rng.r1
    c1 = cols if rng.c1 is None else min(rng.c1, cols) if not for_write else rng.c1
    return rng.r0, max(r1, rng.r0 + 1), rng.c0, max(c1, rng.c0 + 1)


def _grid_range_json(
    sheet_id: int, r0: int | None, r1: int | None, c0: int | None, c1: int | None
) -> dict[str, Json]:
    out: dict[str, Json] = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    for key, value in (
        ("startRowIndex", r0),
        ("endRowIndex", r1),
        ("startColumnIndex", c0),
        ("endColumnIndex", c1),
    ):
        if value is not None:
            out[key] = value
    return out


def _sheet_or_error(ss: FakeSpreadsheet, sheet_id: Any, prefix: str = "") -> FakeSheet:
    sheet = ss.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise _bad(f"{prefix}No grid with id: {sheet_id}")
    return sheet


def _check_inside(sheet: FakeSheet, r0: int, r1: int, c0: int, c1: int) -> None:
    if r0 < 0 or c0 < 0 or r1 > sheet.row_count or c1 > sheet.column_count:
        last = f"{column_letters(max(c1 - 1, 0))}{max(r1, 1)}"
        raise _bad(
            f"Range ({quote_title(sheet.title)}!{last}) exceeds grid limits. "
            f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
        )


def _grid(sheet: FakeSheet, gr: Mapping[str, Json], _prefix: str = "") -> tuple[int, int, int, int]:
    """A GridRange (open ends allowed) → checked half-open (r0, r1, c0, c1)."""
    r0 = int(gr.get("startRowIndex", 0))
    r1 = int(gr.get("endRowIndex", sheet.row_count))
    c0 = int(gr.get("startColumnIndex", 0))
    c1 = int(gr.get("endColumnIndex", sheet.column_count))
    if r1 < r0 or c1 < c0:
        raise _bad("Invalid range: end index before start index")
    _check_inside(sheet, r0, r1, c0, c1)
    return r0, r1, c0, c1
