"""The API's `spreadsheets.batchUpdate`: every request kind okr (and gspread) send."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from tests.fakes.sheets.common import (
    DEFAULT_COLUMN_WIDTH,
    DEFAULT_ROW_HEIGHT,
    GoogleApiError,
    Json,
    _bad,
    _check_enum,
    _clone,
)
from tests.fakes.sheets.formulas import (
    Change,
    formula_shifter,
    inserted_or_deleted,
    reordered,
    restructured,
    shift_formula,
)
from tests.fakes.sheets.masks import (
    _trim_grid,
    apply_field_mask,
    apply_update_mask,
    parse_field_mask,
)
from tests.fakes.sheets.model import (
    _STORED_CELL_FIELDS,
    Cell,
    FakeSheet,
    FakeSpreadsheet,
    _CellUpdate,
    _check_inside,
    _grid,
    _grid_range_json,
    _own_cell,
    _sheet_or_error,
    new_sheet,
)
from tests.fakes.sheets.values import (
    _num,
    render_cell,
)


class BatchUpdateRequests:
    """`spreadsheets.batchUpdate` and each request kind it takes (`_req_<kind>`), a part of
    :class:`FakeGoogle` (which provides the state and the helpers declared below)."""

    permissions: dict[str, list[dict[str, Json]]]

    if TYPE_CHECKING:

        def _new_int_id(self) -> int: ...

        def _settle(
            self,
            ss: FakeSpreadsheet,
            sheet: FakeSheet,
            r0: int = 0,
            r1: int | None = None,
            c0: int = 0,
            c1: int | None = None,
        ) -> None: ...

        def _matching_metadata(
            self, ss: FakeSpreadsheet, lookup: Json
        ) -> list[dict[str, Json]]: ...

        def _render_get(
            self, ss: FakeSpreadsheet, fields: str | None, include: bool, ranges: list[str] | None
        ) -> Json: ...

        def _recalc(self, ss: FakeSpreadsheet) -> None: ...

        def _atomic(self, ss: FakeSpreadsheet, action: Callable[[], Json]) -> Json: ...

    # -- spreadsheets.batchUpdate ---------------------------------------------------------------

    def _http_batch_update(
        self, ss: FakeSpreadsheet, body: Json, fields: str | None = None
    ) -> Json:
        reqs = body.get("requests")
        if reqs is not None and not isinstance(reqs, list):
            raise _bad("Invalid value at 'requests'")
        replies = self._batch_update(ss, reqs or [])
        out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
        if reqs:
            out["replies"] = replies
        if body.get("includeSpreadsheetInResponse"):
            ranges = body.get("responseRanges")
            out["updatedSpreadsheet"] = self._render_get(
                ss, None, bool(body.get("responseIncludeGridData")), ranges or None
            )
        if fields is not None:  # the system parameter applies to any response
            masked = apply_field_mask(out, parse_field_mask(fields))
            _trim_grid(masked.get("updatedSpreadsheet") or {})
            return masked
        return out

    def _batch_update(self, ss: FakeSpreadsheet, reqs: list[Json]) -> list[Json]:
        def run() -> list[Json]:
            replies = []
            for i, req in enumerate(reqs):
                if not isinstance(req, dict) or len(req) != 1:
                    raise _bad(f"Invalid requests[{i}]: exactly one kind of request must be set")
                ((name, payload),) = req.items()
                handler = getattr(self, f"_req_{name}", None)
                if handler is None:
                    raise _bad(
                        f'Invalid JSON payload received. Unknown name "{name}" '
                        f"at 'requests[{i}]': "
                        "Cannot find field."
                    )
                try:
                    reply = handler(ss, payload or {})
                except GoogleApiError as err:
                    if err.code == 400 and not err.message.startswith("Invalid requests["):
                        err.message = f"Invalid requests[{i}].{name}: {err.message}"
                    raise
                replies.append(reply or {})
            self._recalc(ss)
            return replies

        return cast(list[Json], self._atomic(ss, run))

    def _req_addSheet(self, ss: FakeSpreadsheet, body: Json) -> Json:
        props = body.get("properties") or {}
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_int_id()
        elif ss.sheet_by_id(sheet_id) is not None:
            raise _bad(f"A sheet with the id {sheet_id} already exists.")
        title = props.get("title")
        if title is None:
            n = len(ss.sheets) + 1
            while ss.sheet_by_title(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        if ss.sheet_by_title(title) is not None:
            raise _bad(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = props.get("gridProperties") or {}
        index = props.get("index", len(ss.sheets))
        sheet = new_sheet(
            sheet_id, title, index, grid.get("rowCount", 1000), grid.get("columnCount", 26)
        )
        for key in ("frozenRowCount", "frozenColumnCount", "hideGridlines"):
            if grid.get(key):
                sheet.properties["gridProperties"][key] = grid[key]
        for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
            if props.get(key):
                sheet.properties[key] = _clone(props[key])
        ss.sheets.insert(min(index, len(ss.sheets)), sheet)
        ss.reindex()
        return {"addSheet": {"properties": _clone(sheet.properties)}}

    def _req_deleteSheet(self, ss: FakeSpreadsheet, body: Json) -> Json:
        sheet = _sheet_or_error(ss, body.get("sheetId"))
        if len(ss.sheets) == 1:
            raise _bad("You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.reindex()
        ss.developer_metadata = [
            m for m in ss.developer_metadata if _metadata_sheet(m) != sheet.sheet_id
        ]
        ss.named_ranges = [
            n for n in ss.named_ranges if n["range"].get("sheetId", 0) != sheet.sheet_id
        ]
        return {}

    def _req_updateSheetProperties(self, ss: FakeSpreadsheet, body: Json) -> Json:
        props = body.get("properties") or {}
        sheet = _sheet_or_error(ss, props.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        updated = apply_update_mask(sheet.properties, props, tree)
        updated["sheetId"] = sheet.sheet_id
        title = updated.get("title", sheet.title)
        clash = ss.sheet_by_title(title)
        if clash is not None and clash is not sheet and clash.title == title:
            raise _bad(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = updated.setdefault("gridProperties", {})
        rows = int(grid.get("rowCount", sheet.row_count))
        cols = int(grid.get("columnCount", sheet.column_count))
        if rows < 1 or cols < 1:
            raise _bad("Sheets must have at least one row and one column.")
        if (
            grid.get("frozenRowCount", 0) >= rows
            and rows > 1
            or grid.get("frozenColumnCount", 0) >= cols
            and cols > 1
        ):
            raise _bad("You can't freeze all visible rows or columns on the sheet.")
        for key in ("frozenRowCount", "frozenColumnCount"):
            if not grid.get(key):
                grid.pop(key, None)
        if not updated.get("hidden"):
            updated.pop("hidden", None)
        for key in ("hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter"):
            if not grid.get(key):
                grid.pop(key, None)  # false is not answered (recorded)
        for key in ("tabColor", "tabColorStyle"):
            if key in updated:
                updated[key] = _stored_color(updated[key])
                if not updated[key]:
                    del updated[key]
        if updated.get("hidden") and all(
            s.properties.get("hidden") for s in ss.sheets if s is not sheet
        ):
            raise _bad("You can't hide all the sheets in a document.")
        new_index = updated.get("index", sheet.properties["index"])
        sheet.properties = updated
        sheet.properties["gridProperties"]["rowCount"] = (
            sheet.row_count if "rowCount" not in grid else rows
        )
        sheet.resize(rows, cols)
        if new_index != ss.sheets.index(sheet):
            ss.sheets.remove(sheet)
            ss.sheets.insert(min(int(new_index), len(ss.sheets)), sheet)
        ss.reindex()
        return {}

    def _req_updateSpreadsheetProperties(self, ss: FakeSpreadsheet, body: Json) -> Json:
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        ss.properties = apply_update_mask(
            ss.properties, body.get("properties") or {}, parse_field_mask(fields)
        )
        return {}

    def _req_updateCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        rows = body.get("rows") or []
        if "start" in body:
            start = body["start"]
            sheet = _sheet_or_error(ss, start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
            width = max((len(r.get("values") or []) for r in rows), default=0)
            r1, c1 = r0 + len(rows), c0 + width
            _check_inside(sheet, r0, r1, c0, c1)
            clear_rest = False
        elif "range" in body:
            sheet = _sheet_or_error(ss, body["range"].get("sheetId", 0))
            r0, r1, c0, c1 = _grid(sheet, body["range"])
            clear_rest = True
        else:
            raise _bad("Either start or range must be set.")
        for r in range(r0, r1):
            row = rows[r - r0].get("values") or [] if r - r0 < len(rows) else []
            for c in range(c0, c1):
                if c - c0 < len(row):
                    source = row[c - c0] or {}
                elif clear_rest:
                    source = {}
                else:
                    continue
                _validate_cell(source)
                current = sheet.cell(r, c) or {}
                merged = apply_update_mask(current, source, tree)
                sheet.set_cell(r, c, _stored_cell(merged))
        return {}

    def _req_appendCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        sheet = _sheet_or_error(ss, body.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        rows = body.get("rows") or []
        start = sheet.last_content_row()
        width = max((len(r.get("values") or []) for r in rows), default=0)
        if start + len(rows) > sheet.row_count or width > sheet.column_count:
            sheet.resize(max(sheet.row_count, start + len(rows)), max(sheet.column_count, width))
        for i, row in enumerate(rows):
            for c, source in enumerate(row.get("values") or []):
                _validate_cell(source or {})
                merged = apply_update_mask(sheet.cell(start + i, c) or {}, source or {}, tree)
                sheet.set_cell(start + i, c, _stored_cell(merged))
        return {}

    def _req_insertDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("range") or {}
        sheet = _sheet_or_error(ss, dim.get("sheetId", 0))
        dimension = dim.get("dimension")
        start, end = dim.get("startIndex", 0), dim.get("endIndex", 0)
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad("range.dimension must be ROWS or COLUMNS")
        if end <= start:
            raise _bad("range.endIndex must be greater than range.startIndex")
        if start > size:
            raise _bad(
                f"range.startIndex [{start}] is after the last {dimension.lower()[:-1]} [{size}]"
            )
        inherit = bool(body.get("inheritFromBefore"))
        if inherit and start == 0:
            raise _bad(
                "Cannot inherit properties from before if inserting at the beginning of the sheet."
            )
        self._insert_dimension(ss, sheet, dimension, start, end - start, inherit)
        return {}

    def _insert_dimension(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        dimension: str,
        start: int,
        count: int,
        inherit_before: bool,
    ) -> None:
        sheet.moved = True
        if dimension == "ROWS":
            template_index = start - 1 if inherit_before else start
            template = sheet.rows[template_index] if 0 <= template_index < len(sheet.rows) else []
            meta = (
                sheet.row_meta[template_index]
                if 0 <= template_index < len(sheet.row_meta)
                else {"pixelSize": DEFAULT_ROW_HEIGHT}
            )
            for _ in range(count):
                sheet.rows.insert(start, [_format_only(c) for c in template])
                sheet.row_meta.insert(start, _clone(meta))
                while sheet.rows[start] and sheet.rows[start][-1] is None:
                    sheet.rows[start].pop()
            sheet.properties["gridProperties"]["rowCount"] += count
        else:
            for row in sheet.rows:
                if len(row) > start or (inherit_before and len(row) >= start):
                    src = (
                        row[start - 1]
                        if inherit_before and start > 0 and start - 1 < len(row)
                        else (row[start] if start < len(row) else None)
                    )
                    for _ in range(count):
                        row.insert(start, _format_only(src))
                    while row and row[-1] is None:
                        row.pop()
            template_index = start - 1 if inherit_before else start
            meta = (
                sheet.col_meta[template_index]
                if 0 <= template_index < len(sheet.col_meta)
                else {"pixelSize": DEFAULT_COLUMN_WIDTH}
            )
            for _ in range(count):
                sheet.col_meta.insert(start, _clone(meta))
            sheet.properties["gridProperties"]["columnCount"] += count
        self._shift(ss, sheet, dimension, start, count)

    def _req_deleteDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("range") or {}
        sheet = _sheet_or_error(ss, dim.get("sheetId", 0))
        dimension = dim.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad("range.dimension must be ROWS or COLUMNS")
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        start = dim.get("startIndex", 0)
        end = dim.get("endIndex", size)
        if end <= start or end > size:
            raise _bad(
                f"Invalid range: [{start}, {end}) is outside the {dimension.lower()} "
                f"of the sheet ({size})."
            )
        if end - start >= size:
            raise _bad(f"You can't delete all the {dimension.lower()} on the sheet.")
        sheet.moved = True
        if dimension == "ROWS":
            del sheet.rows[start:end]
            del sheet.row_meta[start:end]
            sheet.properties["gridProperties"]["rowCount"] -= end - start
        else:
            for row in sheet.rows:
                del row[start:end]
                while row and row[-1] is None:
                    row.pop()
            del sheet.col_meta[start:end]
            sheet.properties["gridProperties"]["columnCount"] -= end - start
        self._shift(ss, sheet, dimension, start, -(end - start))
        return {}

    def _req_moveDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        """Move rows or columns ``[start, end)`` so that they sit before ``destinationIndex``
        (counted before the move), as dragging a column header does. Cells, sizes and
        dimension metadata move with them; formulas that refer to them follow, as on Google."""
        source = body.get("source") or {}
        sheet = _sheet_or_error(ss, source.get("sheetId", 0))
        dimension = source.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad("source.dimension must be ROWS or COLUMNS")
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        start, end = source.get("startIndex", 0), source.get("endIndex", 0)
        to = body.get("destinationIndex", 0)
        if not 0 <= start < end <= size or not 0 <= to <= size:
            raise _bad(f"Invalid source or destination for moveDimension on {dimension}")
        order = list(range(size))
        block = order[start:end]
        rest = order[:start] + order[end:]
        at = to - len(block) if to > start else to
        order = rest[:at] + block + rest[at:]  # order[new] = old
        where = {old: new for new, old in enumerate(order)}
        sheet.moved = True
        if dimension == "ROWS":
            cells = sheet.rows + [[] for _ in range(size - len(sheet.rows))]
            sheet.rows = [cells[old] for old in order]
            sheet.row_meta = [sheet.row_meta[old] for old in order]
        else:
            for r, row in enumerate(sheet.rows):
                padded = row + [None] * (size - len(row))
                moved = [padded[old] for old in order]
                while moved and moved[-1] is None:
                    moved.pop()
                sheet.rows[r] = moved
            sheet.col_meta = [sheet.col_meta[old] for old in order]
        _rewrite_formulas(ss, sheet, dimension, reordered(where))
        for meta in ss.developer_metadata:
            dr = meta["location"].get("dimensionRange")
            if (
                dr
                and dr.get("sheetId", 0) == sheet.sheet_id
                and dr.get("dimension") == dimension
                and dr["endIndex"] - dr["startIndex"] == 1
                and dr["startIndex"] in where
            ):
                dr["startIndex"] = where[dr["startIndex"]]
                dr["endIndex"] = dr["startIndex"] + 1
        return {}

    def _req_appendDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        sheet = _sheet_or_error(ss, body.get("sheetId", 0))
        length = int(body.get("length", 0))
        if length < 1:
            raise _bad("length must be at least 1")
        if body.get("dimension") == "ROWS":
            sheet.resize(sheet.row_count + length, sheet.column_count)
        elif body.get("dimension") == "COLUMNS":
            sheet.resize(sheet.row_count, sheet.column_count + length)
        else:
            raise _bad("dimension must be ROWS or COLUMNS")
        return {}

    def _shift(
        self, ss: FakeSpreadsheet, sheet: FakeSheet, dimension: str, start: int, count: int
    ) -> None:
        """Move every range-like thing on ``sheet`` after rows/columns were inserted or deleted."""
        s_key, e_key = (
            ("startRowIndex", "endRowIndex")
            if dimension == "ROWS"
            else ("startColumnIndex", "endColumnIndex")
        )

        def move(value: int) -> int:
            if count > 0:
                return value + count if value >= start else value
            end = start - count
            return value if value <= start else (start if value <= end else value + count)

        def move_grid(gr: dict[str, Json]) -> bool:
            """Shift one GridRange in place; False when it vanished."""
            if gr.get("sheetId", 0) != sheet.sheet_id:
                return True
            s = gr.get(s_key, 0)
            e = gr.get(e_key)
            if count > 0:
                new_s = s + count if s >= start else s
                new_e = None if e is None else (e + count if e > start else e)
            else:
                new_s, new_e = move(s), None if e is None else move(e)
            if new_e is not None and new_e <= new_s:
                return False
            if s_key in gr or new_s:
                gr[s_key] = new_s
            if new_e is not None:
                gr[e_key] = new_e
            return True

        def with_sheet(gr: dict[str, Json]) -> dict[str, Json]:
            return gr if "sheetId" in gr else {**gr, "sheetId": 0}

        _rewrite_formulas(ss, sheet, dimension, inserted_or_deleted(start, count))

        kept = []
        for prot in sheet.protected_ranges:
            if "range" not in prot:
                kept.append(prot)
                continue
            gr = with_sheet(prot["range"])
            gr["sheetId"] = sheet.sheet_id
            if move_grid(gr):
                gr.pop("sheetId", None) if sheet.sheet_id == 0 else None
                prot["range"] = gr
                kept.append(prot)
        sheet.protected_ranges = kept
        sheet.merges = [m for m in sheet.merges if move_grid(m)]
        for rule in sheet.conditional_formats:
            rule["ranges"] = [r for r in rule.get("ranges", []) if move_grid(r)]
        sheet.conditional_formats = [r for r in sheet.conditional_formats if r["ranges"]]
        if sheet.basic_filter and not move_grid(sheet.basic_filter.setdefault("range", {})):
            sheet.basic_filter = None
        ss.named_ranges = [n for n in ss.named_ranges if move_grid(n["range"])]
        kept_meta = []
        for meta in ss.developer_metadata:
            loc = meta["location"]
            dr = loc.get("dimensionRange")
            if (
                dr is None
                or dr.get("sheetId", 0) != sheet.sheet_id
                or dr.get("dimension") != dimension
            ):
                kept_meta.append(meta)
                continue
            s, e = dr["startIndex"], dr["endIndex"]
            if count > 0:
                s, e = (s + count if s >= start else s), (e + count if e > start else e)
            else:
                s, e = move(s), move(e)
            if e > s:
                dr["startIndex"], dr["endIndex"] = s, e
                kept_meta.append(meta)
        ss.developer_metadata = kept_meta

    def _req_repeatCell(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        source = body.get("cell") or {}
        _validate_cell(source)
        r0, r1, c0, c1 = _grid(sheet, gr)
        # A formula's relative references move with each cell of the range, as on Google.
        uev = source.get("userEnteredValue")
        formula = uev.get("formulaValue") if isinstance(uev, dict) else None
        shift = formula_shifter(formula) if isinstance(formula, str) else None
        update = _CellUpdate(source, tree)
        # What an empty cell becomes is the same for every empty cell of the range (a format
        # over a whole column, say) but for its moved formula: made once, copied for each.
        blank = _stored_cell(update.apply({}))
        copy_blank = shift is None or update.sets("userEnteredValue")
        for r in range(r0, r1):
            for c in range(c0, c1):
                current = sheet.cell(r, c)
                moved = None
                if shift is not None:
                    moved = {"formulaValue": shift(r - r0, c - c0)}
                if not current and copy_blank:
                    cell = _own_cell(blank)
                    if moved is not None and cell is not None:
                        cell["userEnteredValue"] = moved
                else:
                    given = None if moved is None else {"userEnteredValue": moved}
                    cell = _stored_cell(update.apply(current or {}, given))
                sheet.set_cell(r, c, cell)
        return {}

    def _req_setDataValidation(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        rule = body.get("rule")
        if rule is not None and not (rule.get("condition") or {}).get("type"):
            raise _bad("rule.condition.type is required")
        r0, r1, c0, c1 = _grid(sheet, gr)
        # One copy for all the cells: nothing changes a stored rule in place (see _CellUpdate).
        stored_rule = _clone(rule)
        for r in range(r0, r1):
            for c in range(c0, c1):
                cell = dict(sheet.cell(r, c) or {})
                if rule:
                    cell["dataValidation"] = stored_rule
                else:
                    cell.pop("dataValidation", None)
                sheet.set_cell(r, c, cell)
        return {}

    def _req_addProtectedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        spec = body.get("protectedRange") or {}
        gr = spec.get("range")
        if gr is None:
            raise _bad("protectedRange.range is required")
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        _grid(sheet, gr)
        pid = spec.get("protectedRangeId") or self._new_int_id()
        stored: dict[str, Json] = {
            "protectedRangeId": pid,
            "range": {k: v for k, v in gr.items() if k != "sheetId" or v},
        }
        if spec.get("description"):
            stored["description"] = spec["description"]
        if spec.get("warningOnly"):
            stored["warningOnly"] = True
            if spec.get("editors"):
                raise _bad("Cannot set editors on a warning-only protected range.")
        if spec.get("unprotectedRanges"):
            stored["unprotectedRanges"] = _clone(spec["unprotectedRanges"])
        stored["requestingUserCanEdit"] = True
        reply = _clone(stored)
        reply["editors"] = {}  # in the reply, even of a warning-only range (recorded)
        # Stored with the owner as its editor, even when warning-only (recorded).
        owner = next(
            (
                p["emailAddress"]
                for p in self.permissions.get(ss.spreadsheet_id, [])
                if p.get("role") == "owner"
            ),
            None,
        )
        users = sorted({*(spec.get("editors") or {}).get("users", []), *([owner] if owner else [])})
        stored["editors"] = {"users": users}
        sheet.protected_ranges.append(stored)
        return {"addProtectedRange": {"protectedRange": reply}}

    def _req_deleteProtectedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        pid = body.get("protectedRangeId")
        for sheet in ss.sheets:
            for prot in sheet.protected_ranges:
                if prot["protectedRangeId"] == pid:
                    sheet.protected_ranges.remove(prot)
                    return {}
        raise _bad(f"No protected range with id: {pid}")

    def _req_updateDimensionProperties(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("range") or {}
        sheet = _sheet_or_error(ss, dim.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        meta = sheet.row_meta if dim.get("dimension") == "ROWS" else sheet.col_meta
        start, end = dim.get("startIndex", 0), dim.get("endIndex", len(meta))
        if end > len(meta) or start >= end:
            raise _bad(f"Invalid dimension range [{start}, {end})")
        for i in range(start, end):
            meta[i] = apply_update_mask(meta[i], body.get("properties") or {}, tree)
            if not meta[i].get("hiddenByUser"):
                meta[i].pop("hiddenByUser", None)
        return {}

    def _req_addConditionalFormatRule(self, ss: FakeSpreadsheet, body: Json) -> Json:
        rule = body.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise _bad("rule.ranges must not be empty")
        if not ("booleanRule" in rule or "gradientRule" in rule):
            raise _bad("rule must have a booleanRule or a gradientRule")
        sheet = _sheet_or_error(ss, ranges[0].get("sheetId", 0))
        for gr in ranges:
            _grid(sheet, gr)
        index = int(body.get("index", 0))
        sheet.conditional_formats.insert(index, _clone(rule))
        return {}

    def _req_createDeveloperMetadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        meta = _clone(body.get("developerMetadata") or {})
        if not meta.get("metadataKey"):
            raise _bad("developerMetadata.metadataKey is required")
        if meta.get("visibility") not in ("DOCUMENT", "PROJECT"):
            raise _bad("developerMetadata.visibility must be DOCUMENT or PROJECT")
        if "metadataId" in meta and any(
            m["metadataId"] == meta["metadataId"] for m in ss.developer_metadata
        ):
            raise _bad(f"A developer metadata with id {meta['metadataId']} already exists.")
        meta.setdefault("metadataId", self._new_int_id())
        loc = meta.get("location") or {}
        if loc.get("spreadsheet"):
            location: dict[str, Json] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        elif "sheetId" in loc:
            _sheet_or_error(ss, loc["sheetId"])
            location = {"locationType": "SHEET", "sheetId": loc["sheetId"]}
        elif "dimensionRange" in loc:
            dr = dict(loc["dimensionRange"])
            sheet = _sheet_or_error(ss, dr.get("sheetId", 0))
            size = sheet.row_count if dr.get("dimension") == "ROWS" else sheet.column_count
            if (
                dr.get("dimension") not in ("ROWS", "COLUMNS")
                or not 0 <= dr.get("startIndex", 0) < dr.get("endIndex", 0) <= size
            ):
                raise _bad("Invalid developerMetadata.location.dimensionRange")
            dr.setdefault("sheetId", 0)
            dr.setdefault("startIndex", 0)
            location = {
                "locationType": "ROW" if dr["dimension"] == "ROWS" else "COLUMN",
                "dimensionRange": dr,
            }
        else:
            raise _bad("developerMetadata.location is required")
        meta["location"] = location
        ordered = {
            k: meta[k]
            for k in ("metadataId", "metadataKey", "metadataValue", "location", "visibility")
            if k in meta
        }
        ss.developer_metadata.append(ordered)
        return {"createDeveloperMetadata": {"developerMetadata": _clone(ordered)}}

    def _req_updateDeveloperMetadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        changed = []
        for data_filter in body.get("dataFilters") or []:
            for meta in self._matching_metadata(
                ss, data_filter.get("developerMetadataLookup") or {}
            ):
                update = {
                    k: v
                    for k, v in (body.get("developerMetadata") or {}).items()
                    if k != "location"
                }
                merged = apply_update_mask(meta, update, tree)
                merged["location"], merged["metadataId"] = meta["location"], meta["metadataId"]
                meta.clear()
                meta.update(merged)
                changed.append(_clone(meta))
        return {"updateDeveloperMetadata": {"developerMetadata": changed}}

    def _req_deleteDeveloperMetadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        lookup = (body.get("dataFilter") or {}).get("developerMetadataLookup") or {}
        doomed = self._matching_metadata(ss, lookup)
        ss.developer_metadata = [m for m in ss.developer_metadata if m not in doomed]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": _clone(doomed)}}

    def _req_updateBorders(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        _grid(_sheet_or_error(ss, gr.get("sheetId", 0)), gr)
        return {}

    def _req_autoResizeDimensions(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("dimensions") or {}
        _sheet_or_error(ss, dim.get("sheetId", 0))
        return {}

    def _req_mergeCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        r0, r1, c0, c1 = _grid(sheet, gr)
        sheet.merges.append(_grid_range_json(sheet.sheet_id, r0, r1, c0, c1))
        return {}

    def _req_unmergeCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        r0, r1, c0, c1 = _grid(sheet, gr)
        sheet.merges = [
            m
            for m in sheet.merges
            if not (
                r0 <= m["startRowIndex"]
                and m["endRowIndex"] <= r1
                and c0 <= m["startColumnIndex"]
                and m["endColumnIndex"] <= c1
            )
        ]
        return {}

    def _req_sortRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        r0, r1, c0, c1 = _grid(sheet, gr)
        self._settle(ss, sheet, r0, r1, c0, c1)
        block = [[sheet.cell(r, c) for c in range(c0, c1)] for r in range(r0, r1)]
        for spec in reversed(body.get("sortSpecs") or []):
            col = spec.get("dimensionIndex", 0) - c0
            descending = spec.get("sortOrder") == "DESCENDING"

            def key(row: list[Cell | None], col: int = col) -> tuple[int, Any]:
                value = render_cell(
                    row[col] if 0 <= col < len(row) else None, "UNFORMATTED_VALUE", "SERIAL_NUMBER"
                )
                if value is None or value == "":
                    return (3, "")
                if isinstance(value, bool):
                    return (2, value)
                if isinstance(value, int | float):
                    return (0, value)
                return (1, str(value).lower())

            filled = [row for row in block if key(row)[0] != 3]
            empty = [row for row in block if key(row)[0] == 3]
            filled.sort(key=key, reverse=descending)
            block = filled + empty
        for i, row in enumerate(block):
            for j, cell in enumerate(row):
                sheet.set_cell(r0 + i, c0 + j, cell)
        return {}

    def _req_copyPaste(self, ss: FakeSpreadsheet, body: Json) -> Json:
        """Copy a block of cells, as Google's CopyPasteRequest.

        The source block is read whole before anything is pasted (overlaps are safe). A
        destination smaller than the source still receives the whole block; one that spans a
        multiple of the source's height or width repeats it. Past the destination sheet's grid
        is an error, as on Google. Pasted formulas have their relative A1 references moved by
        the offset (``$`` parts stay; one pushed above row 1 or left of column A becomes
        ``#REF!``); whole-column or whole-row references (``A:A``) are not moved. Merges are
        not copied. Only pasteOrientation NORMAL is supported.
        """
        paste_type = body.get("pasteType") or "PASTE_NORMAL"
        _check_enum("pasteType", paste_type, _PASTE_TYPES, "PasteType")
        orientation = body.get("pasteOrientation") or "NORMAL"
        _check_enum("pasteOrientation", orientation, ("NORMAL", "TRANSPOSE"), "PasteOrientation")
        if orientation != "NORMAL":
            raise _bad("pasteOrientation TRANSPOSE is not supported by the fake")
        if paste_type == "PASTE_CONDITIONAL_FORMATTING":
            raise _bad("pasteType PASTE_CONDITIONAL_FORMATTING is not supported by the fake")
        if "source" not in body or "destination" not in body:
            raise _bad("source and destination must be set")
        source = _sheet_or_error(ss, body["source"].get("sheetId", 0))
        r0, r1, c0, c1 = _grid(source, body["source"])
        self._settle(ss, source, r0, r1, c0, c1)
        block = [[_clone(source.cell(r, c)) for c in range(c0, c1)] for r in range(r0, r1)]
        gr = body["destination"]
        target = _sheet_or_error(ss, gr.get("sheetId", 0))
        d0 = int(gr.get("startRowIndex", 0))
        e0 = int(gr.get("startColumnIndex", 0))
        d1 = int(gr.get("endRowIndex", target.row_count))
        e1 = int(gr.get("endColumnIndex", target.column_count))
        height, width = r1 - r0, c1 - c0
        if not height or not width:
            return {}
        rows = d1 - d0 if d1 - d0 > height and (d1 - d0) % height == 0 else height
        cols = e1 - e0 if e1 - e0 > width and (e1 - e0) % width == 0 else width
        _check_inside(target, d0, d0 + rows, e0, e0 + cols)
        for i in range(rows):
            for j in range(cols):
                cell = block[i % height][j % width]
                moved = (d0 + i) - (r0 + i % height), (e0 + j) - (c0 + j % width)
                current = target.cell(d0 + i, e0 + j)
                target.set_cell(d0 + i, e0 + j, _pasted(cell, current, paste_type, *moved))
        return {}

    def _req_cutPaste(self, ss: FakeSpreadsheet, body: Json) -> Json:
        """Move a block of cells, as Google's CutPasteRequest: the source is emptied and the
        block pasted with its top-left cell at the destination. A cut formula keeps its
        references as they were (a cut does not move them, unlike a copy); formulas elsewhere
        that refer to the moved cells are not rewritten by the fake. Only PASTE_NORMAL."""
        paste_type = body.get("pasteType") or "PASTE_NORMAL"
        _check_enum("pasteType", paste_type, _PASTE_TYPES, "PasteType")
        if paste_type != "PASTE_NORMAL":
            raise _bad(f"pasteType {paste_type} of a cutPaste is not supported by the fake")
        if "source" not in body or "destination" not in body:
            raise _bad("source and destination must be set")
        source = _sheet_or_error(ss, body["source"].get("sheetId", 0))
        r0, r1, c0, c1 = _grid(source, body["source"])
        block = [[_clone(source.cell(r, c)) for c in range(c0, c1)] for r in range(r0, r1)]
        to = body["destination"]
        target = _sheet_or_error(ss, to.get("sheetId", 0))
        d0, e0 = int(to.get("rowIndex", 0)), int(to.get("columnIndex", 0))
        _check_inside(target, d0, d0 + (r1 - r0), e0, e0 + (c1 - c0))
        for r in range(r0, r1):
            for c in range(c0, c1):
                if source.cell(r, c) is not None:
                    source.set_cell(r, c, None)
        for i, line in enumerate(block):
            for j, cell in enumerate(line):
                current = target.cell(d0 + i, e0 + j)
                target.set_cell(d0 + i, e0 + j, _pasted(cell, current, paste_type, 0, 0))
        return {}

    def _req_addNamedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        named = _clone(body.get("namedRange") or {})
        if not named.get("name") or any(n["name"] == named["name"] for n in ss.named_ranges):
            raise _bad(f"Invalid or duplicate named range name: {named.get('name')}")
        sheet = _sheet_or_error(ss, (named.get("range") or {}).get("sheetId", 0))
        _grid(sheet, named.get("range") or {})
        named.setdefault("namedRangeId", str(self._new_int_id()))
        ss.named_ranges.append(named)
        return {"addNamedRange": {"namedRange": _clone(named)}}

    def _req_deleteNamedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        before = len(ss.named_ranges)
        ss.named_ranges = [
            n for n in ss.named_ranges if n["namedRangeId"] != body.get("namedRangeId")
        ]
        if len(ss.named_ranges) == before:
            raise _bad(f"No named range with id: {body.get('namedRangeId')}")
        return {}

    def _req_setBasicFilter(self, ss: FakeSpreadsheet, body: Json) -> Json:
        spec = _clone(body.get("filter") or {})
        gr = spec.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        # Stored with its bounds spelt out, as Google answers it (recorded).
        spec["range"] = _grid_range_json(sheet.sheet_id, *_grid(sheet, gr))
        sheet.basic_filter = spec
        return {}

    def _req_clearBasicFilter(self, ss: FakeSpreadsheet, body: Json) -> Json:
        _sheet_or_error(ss, body.get("sheetId", 0)).basic_filter = None
        return {}


_PASTE_TYPES = (
    "PASTE_NORMAL",
    "PASTE_VALUES",
    "PASTE_FORMAT",
    "PASTE_NO_BORDERS",
    "PASTE_FORMULA",
    "PASTE_DATA_VALIDATION",
    "PASTE_CONDITIONAL_FORMATTING",
)


def _pasted(
    cell: Cell | None, current: Cell | None, paste_type: str, rows: int, cols: int
) -> Cell | None:
    """What a paste of ``cell`` (moved by rows/cols) leaves where ``current`` was."""
    source = dict(cell or {})
    uev = source.get("userEnteredValue")
    if isinstance(uev, dict) and "formulaValue" in uev:
        moved = shift_formula(uev["formulaValue"], rows, cols)
        source["userEnteredValue"] = {"formulaValue": moved}
    kept = dict(current or {})
    if paste_type in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
        pasted = {k: v for k, v in source.items() if k in _STORED_CELL_FIELDS}
        if paste_type == "PASTE_NO_BORDERS" and isinstance(pasted.get("userEnteredFormat"), dict):
            pasted["userEnteredFormat"] = {
                k: v for k, v in pasted["userEnteredFormat"].items() if k != "borders"
            }
        return _stored_cell(pasted)
    if paste_type == "PASTE_VALUES":
        value = _effective_of(cell)
        kept.pop("userEnteredValue", None)
        if value is not None:
            kept["userEnteredValue"] = value
    elif paste_type == "PASTE_FORMULA":
        kept.pop("userEnteredValue", None)
        if "userEnteredValue" in source:
            kept["userEnteredValue"] = source["userEnteredValue"]
    elif paste_type == "PASTE_FORMAT":
        kept.pop("userEnteredFormat", None)
        if "userEnteredFormat" in source:
            kept["userEnteredFormat"] = source["userEnteredFormat"]
    else:  # PASTE_DATA_VALIDATION
        kept.pop("dataValidation", None)
        if "dataValidation" in source:
            kept["dataValidation"] = source["dataValidation"]
    return _stored_cell(kept)


def _effective_of(cell: Cell | None) -> Json:
    """A cell's value as a plain (non-formula) userEnteredValue, or None."""
    value = (cell or {}).get("effectiveValue")
    if not isinstance(value, dict) or not value or "errorValue" in value:
        uev = (cell or {}).get("userEnteredValue")
        return None if not uev or "formulaValue" in uev else _clone(uev)
    return _clone(value)


def _validate_cell(cell: Json) -> None:
    uev = cell.get("userEnteredValue") if isinstance(cell, dict) else None
    if uev is None:
        return
    allowed = {"stringValue", "numberValue", "boolValue", "formulaValue", "errorValue"}
    if not isinstance(uev, dict) or len(uev) != 1 or not set(uev) <= allowed:
        raise _bad(
            "userEnteredValue must set exactly one of stringValue, numberValue, boolValue, "
            "formulaValue"
        )


def _mirror_colors(fmt: dict[str, Json]) -> None:
    """The API keeps ``xColor`` and ``xColorStyle.rgbColor`` in step; so does the fake."""
    for plain, style in (
        ("backgroundColor", "backgroundColorStyle"),
        ("foregroundColor", "foregroundColorStyle"),
    ):
        if plain in fmt and style not in fmt:
            fmt[style] = {"rgbColor": _clone(fmt[plain])}
        elif style in fmt and plain not in fmt and "rgbColor" in fmt[style]:
            fmt[plain] = _clone(fmt[style]["rgbColor"])
    if isinstance(fmt.get("textFormat"), dict):
        _mirror_colors(fmt["textFormat"])


def _stored_cell(cell: Json) -> Cell | None:
    if isinstance((cell or {}).get("userEnteredFormat"), dict):
        _mirror_colors(cell["userEnteredFormat"])
    stored = {
        k: v
        for k, v in (cell or {}).items()
        if k in _STORED_CELL_FIELDS and v not in (None, {}, "")
    }
    return stored or None


def _format_only(cell: Cell | None) -> Cell | None:
    if not cell:
        return None
    kept = {k: _clone(v) for k, v in cell.items() if k in ("userEnteredFormat", "dataValidation")}
    return kept or None


def _metadata_sheet(meta: Mapping[str, Json]) -> int | None:
    loc = meta["location"]
    if "sheetId" in loc:
        return int(loc["sheetId"])
    if "dimensionRange" in loc:
        return int(loc["dimensionRange"].get("sheetId", 0))
    return None


def _stored_color(color: Json) -> Json:
    """A color as Google keeps it: 8 bits a component, read back as a 32-bit float printed to 8
    digits, zero components and cleared parts left out (recorded: blue 0.5 reads back as
    0.49803922, green 0 not at all; an rgbColor set to null clears the color)."""
    if not isinstance(color, dict):
        return color
    out: dict[str, Json] = {}
    for key, value in color.items():
        if isinstance(value, dict):
            inner = _stored_color(value)
            if inner:
                out[key] = inner
        elif isinstance(value, int | float) and not isinstance(value, bool):
            level = math.floor(float(value) * 255 + 1e-6) / 255 if key != "alpha" else value
            single = struct.unpack("f", struct.pack("f", float(level)))[0]
            if single:
                out[key] = _num(float(f"{single:.8g}"))
        elif value is not None:
            out[key] = value
    return out


def _rewrite_formulas(
    ss: FakeSpreadsheet, sheet: FakeSheet, dimension: str, change: Change
) -> None:
    """Every formula of the spreadsheet that refers to `sheet`, rewritten after its rows or
    columns changed, as Google does.

    A formula on another sheet that does not spell `sheet`'s title (quoted or not) has no
    reference to it and is left as it is; the same formula text is rewritten once per call
    (person tabs repeat their formulas)."""
    spelt = sheet.title.replace("'", "''")
    done: dict[tuple[str, bool], str] = {}
    for other in ss.sheets:
        on_sheet = other is sheet
        for line in other.rows:
            for cell in line:
                typed = (cell or {}).get("userEnteredValue") or {}
                formula = typed.get("formulaValue")
                if formula is None or (not on_sheet and spelt not in formula):
                    continue
                key = (formula, on_sheet)
                if key not in done:
                    done[key] = restructured(
                        formula, on_sheet, sheet.title, dimension == "ROWS", change
                    )
                typed["formulaValue"] = done[key]
