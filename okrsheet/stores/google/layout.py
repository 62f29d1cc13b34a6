"""The requests that lay a tab out: the sheet, its values, formats, widths, dropdowns,
conditional colours, filter and header protection; and the layout of a whole spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from okrsheet.stores.base import (
    BAR_HEADER,
    Formula,
    TabSpec,
    WriteValue,
)
from okrsheet.stores.google.cell_data import (
    _cell,
    _filled_columns,
    _fills,
    _number_format,
    _range,
    _rgb,
    _Sheet,
    _tag_computed,
)
from okrsheet.stores.google.http import compact
from okrsheet.stores.google.read import computed_value
from okrsheet.stores.primitives import EMPHASIS_FILL, HEADER_FILL, STATUS_COLORS, column_letter

#: A hidden tab that says how many parts of a layout in several parts have landed.
LAYOUT_MARK = "okrsheet-layout"
_WHITE = {"red": 1.0, "green": 1.0, "blue": 1.0}
#: Google counts every cell of a tab's grid against its limit (docs/performance.md, Cell
#: budget), empty ones too: a tab is made as tall as its rows (an OKR tab's include its spare
#: rows with formulas) plus this margin, at least `_MIN_ROWS`; writes grow it as they need.
_MARGIN_ROWS = 5
_MIN_ROWS = 20


def _laid_out(existing: dict[str, _Sheet], tabs: Sequence[TabSpec]) -> bool:
    """Whether a resumed spreadsheet already holds the whole layout (only the sharing was left
    to do): then it is not laid out again, which would undo what anyone shared with it since
    has typed. A layout is one atomic write, or in parts with a marker tab until the last."""
    titles = set(existing)
    return not any(t.startswith(LAYOUT_MARK) for t in titles) and {t.title for t in tabs} <= titles


def _fingerprint(title: str, requests: list[dict[str, Any]]) -> str:
    """Which workbook a new spreadsheet is made for: its title and whole layout, hashed. The
    same command gives the same fingerprint; another title, template, cycle, people list or
    company gives another."""
    import hashlib

    return hashlib.sha256(compact({"title": title, "layout": requests})).hexdigest()[:40]


def _mark_request(mark: int, done: int, total: int, *, add: bool = False) -> dict[str, Any]:
    """Add (or rename) the marker tab of a layout in parts: `done` of `total` have landed."""
    properties = {"sheetId": mark, "title": f"{LAYOUT_MARK} {done}/{total}"}
    if add:
        return {"addSheet": {"properties": {**properties, "hidden": True}}}
    return {"updateSheetProperties": {"properties": properties, "fields": "title"}}


def _marked(tabs: dict[str, _Sheet], mark: int, done: int, total: int) -> bool:
    """Whether part `done` of a layout in parts landed, from the tab list after it."""
    found = next((s for s in tabs.values() if s.sheet_id == mark), None)
    if done == total:
        return found is None and done > 1
    return found is not None and found.title == f"{LAYOUT_MARK} {done}/{total}"


#: A layout's requests per tab, by (position, sheet id): one layout's tabs are built once even
#: when its requests are planned again around other existing tabs.
TabMemo = dict[tuple[int, int], list[dict[str, Any]]]


def _layout_requests(
    tabs: Sequence[TabSpec], existing: dict[str, _Sheet], memo: TabMemo | None = None
) -> list[dict[str, Any]]:
    """Replace whatever tabs the spreadsheet has with these, in one atomic batch. Pass the
    same `memo` when planning the same `tabs` again."""
    requests: list[dict[str, Any]] = []
    taken = {s.sheet_id for s in existing.values()}
    # Old tabs whose names the new ones need are renamed first, then deleted at the end.
    for sheet in existing.values():
        requests.append(
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet.sheet_id, "title": f"okr-old-{sheet.sheet_id}"},
                    "fields": "title",
                }
            }
        )
    next_id = 1
    for position, spec in enumerate(tabs):
        while next_id in taken:
            next_id += 1
        taken.add(next_id)
        if memo is None:
            requests.extend(_tab_requests(spec, next_id, position))
            continue
        key = (position, next_id)
        if key not in memo:
            memo[key] = _tab_requests(spec, next_id, position)
        requests.extend(memo[key])
    for sheet in existing.values():
        requests.append({"deleteSheet": {"sheetId": sheet.sheet_id}})
    return requests


def _tab_requests(spec: TabSpec, sheet_id: int, position: int) -> list[dict[str, Any]]:
    """Everything one tab needs: the sheet, its values and formats, widths, dropdowns, filter."""
    first = 1 if spec.header else 0  # 0-based index of the first data row
    rows = max(_MIN_ROWS, first + len(spec.rows) + _MARGIN_ROWS)
    bar = _bar_column(spec)
    cols = max(len(spec.columns) + (1 if bar else 0), 1)
    return [
        *_sheet_requests(spec, sheet_id, position, rows, cols, bar),
        *_width_requests(spec, sheet_id),
        *_column_requests(spec, sheet_id, first, rows),
        *_emphasis_requests(spec, sheet_id, first, rows),
        *_header_requests(spec, sheet_id, bar),
        *_data_requests(spec, sheet_id, first, bar),
        *_table_requests(spec, sheet_id, rows, cols),
    ]


def _sheet_requests(
    spec: TabSpec, sheet_id: int, position: int, rows: int, cols: int, bar: int | None
) -> list[dict[str, Any]]:
    """The sheet itself (size, frozen header, colour), and the width of the bar column."""
    properties: dict[str, Any] = {
        "sheetId": sheet_id,
        "title": spec.title,
        "index": position,
        "gridProperties": {
            "rowCount": rows,
            "columnCount": cols,
            "frozenRowCount": spec.frozen_rows if spec.header and spec.columns else 0,
        },
    }
    if spec.color:
        properties["tabColorStyle"] = {"rgbColor": _rgb(spec.color)}
    requests: list[dict[str, Any]] = [{"addSheet": {"properties": properties}}]
    if bar:
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": len(spec.columns),
                        "endIndex": len(spec.columns) + 1,
                    },
                    "properties": {"pixelSize": 120},
                    "fields": "pixelSize",
                }
            }
        )
    return requests


def _width_requests(spec: TabSpec, sheet_id: int) -> list[dict[str, Any]]:
    """Widths (and hidden helper columns): one request per run of alike columns."""
    requests: list[dict[str, Any]] = []
    start = 0
    for col, column in enumerate(spec.columns):
        following = spec.columns[col + 1] if col + 1 < len(spec.columns) else None
        if following and (following.width, following.hidden) == (column.width, column.hidden):
            continue
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": start,
                        "endIndex": col + 1,
                    },
                    "properties": {
                        "pixelSize": int(column.width * 7 + 5),
                        **({"hiddenByUser": True} if column.hidden else {}),
                    },
                    "fields": "pixelSize,hiddenByUser" if column.hidden else "pixelSize",
                }
            }
        )
        start = col + 1
    return requests


def _column_requests(spec: TabSpec, sheet_id: int, first: int, rows: int) -> list[dict[str, Any]]:
    """Each column's rows, prepared ahead of people typing: status colours, number format,
    dropdown, progress gradient."""
    requests: list[dict[str, Any]] = []
    for col, column in enumerate(spec.columns):
        area = _range(sheet_id, first, rows, col, col + 1)
        if column.status_colors:
            requests.extend(_status_rules(sheet_id, area))
        if column.number_format != "general":
            requests.append(
                {
                    "repeatCell": {
                        "range": area,
                        "cell": {
                            "userEnteredFormat": {
                                "numberFormat": _number_format(column.number_format)
                            }
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        if column.choices:
            requests.append(_dropdown(area, column.choices))
        if column.progress_bar:
            requests.append(_gradient(area))
    return requests


def _dropdown(area: dict[str, int], choices: Sequence[str]) -> dict[str, Any]:
    return {
        "setDataValidation": {
            "range": area,
            "rule": {
                "condition": {
                    "type": "ONE_OF_LIST",
                    "values": [{"userEnteredValue": c} for c in choices],
                },
                "strict": False,
                "showCustomUi": True,
            },
        }
    }


def _gradient(area: dict[str, int]) -> dict[str, Any]:
    return {
        "addConditionalFormatRule": {
            "index": 0,
            "rule": {
                "ranges": [area],
                "gradientRule": {
                    "minpoint": {"type": "NUMBER", "value": "0", "color": _WHITE},
                    "maxpoint": {"type": "NUMBER", "value": "1", "color": _rgb("9BC2E6")},
                },
            },
        }
    }


def _header_requests(spec: TabSpec, sheet_id: int, bar: int | None) -> list[dict[str, Any]]:
    """The header's look once for the row; its cells carry only their text and note."""
    if not spec.header:
        return []
    titled = [(c.header, c.note) for c in spec.columns]
    if bar:
        titled.append(
            (
                BAR_HEADER,
                "A bar drawn from Progress, for people reading the sheet. "
                "okr does not read this column.",
            )
        )
    values = [
        {"userEnteredValue": {"stringValue": text}, **({"note": note} if note else {})}
        for text, note in titled
    ]
    return [
        {
            "repeatCell": {
                "range": _range(sheet_id, 0, 1, 0, len(titled)),
                "cell": {"userEnteredFormat": _HEADER_FORMAT},
                "fields": "userEnteredFormat",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": values}],
                "fields": "userEnteredValue,note",
            }
        },
    ]


def _data_requests(
    spec: TabSpec, sheet_id: int, first: int, bar: int | None
) -> list[dict[str, Any]]:
    """The rows' values: typed cells in one updateCells; filled formulas (and the bar beside
    the table) as repeatCells, recorded on the tab as computed columns."""
    filled: dict[tuple[int, int], WriteValue] = {}
    grid_rows: list[dict[str, Any]] = []
    typed = 0  # rows up to the last one with something besides filled formulas
    for offset, values in enumerate(spec.rows):
        row = offset + first + 1
        row_cells: list[dict[str, Any]] = []
        for col, value in enumerate(values, start=1):
            if isinstance(value, Formula) and value.fill:
                filled[(row, col)] = value  # written by `_fills` below
                value = None
            row_cells.append(_data_cell(spec, offset, col, value))
        if bar and len(values) >= bar and isinstance(values[bar - 1], Formula):
            filled[(row, len(spec.columns) + 1)] = _sparkline(bar, row)
        if offset in spec.emphasized_rows or any(
            v is not None and not (isinstance(v, Formula) and v.fill) for v in values
        ):
            typed = len(grid_rows) + 1
        grid_rows.append({"values": row_cells})
    # Rows with nothing but filled formulas get them (and their column's formats) from the
    # repeatCells alone: one formula per column, not one cell per row.
    del grid_rows[typed:]
    requests: list[dict[str, Any]] = []
    if grid_rows:
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": first, "columnIndex": 0},
                    "rows": grid_rows,
                    "fields": "userEnteredValue,userEnteredFormat,note",
                }
            }
        )
    requests.extend(_fills(sheet_id, filled))
    computed = set(_filled_columns(filled))
    if spec.derived:  # reads need its header row only (and the columns read back)
        computed.update(c for c in range(1, len(spec.columns) + 1) if c not in spec.read_columns)
    if computed:
        headers = [column.header for column in spec.columns] + ([BAR_HEADER] if bar else [])
        requests.extend(_tag_computed(sheet_id, computed_value(computed, headers)))
    return requests


def _data_cell(spec: TabSpec, offset: int, col: int, value: WriteValue) -> dict[str, Any]:
    """One typed cell of a laid-out row with its format: the cell's own number format, else
    its value's (a date), else its column's; emphasis and wrapping."""
    named = spec.cell_formats.get((offset, col))
    spec_column = spec.columns[col - 1] if col <= len(spec.columns) else None
    cell = _cell(value, named or (spec_column.number_format if spec_column else "general"))
    fmt: dict[str, Any] = dict(cell.get("userEnteredFormat", {}))
    if named is not None and named != "general":
        fmt["numberFormat"] = _number_format(named)
    elif "numberFormat" not in fmt and spec_column and spec_column.number_format != "general":
        fmt["numberFormat"] = _number_format(spec_column.number_format)
    if offset in spec.emphasized_rows:
        fmt["textFormat"] = {"bold": True}
        fmt["backgroundColor"] = _rgb(EMPHASIS_FILL)
    if col in spec.wrap_columns:
        fmt["wrapStrategy"] = "WRAP"
        fmt["verticalAlignment"] = "TOP"
    if fmt:
        cell["userEnteredFormat"] = fmt
    return cell


def _table_requests(spec: TabSpec, sheet_id: int, rows: int, cols: int) -> list[dict[str, Any]]:
    """The filter over the table, and a warning on the header row."""
    requests: list[dict[str, Any]] = []
    if spec.header and len(spec.columns) > 1:
        requests.append(
            {"setBasicFilter": {"filter": {"range": _range(sheet_id, 0, rows, 0, cols)}}}
        )
    if spec.header and spec.columns:
        # okr finds columns by these names: warn a person before they retype one.
        requests.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": _range(sheet_id, 0, 1, 0, cols),
                        "description": "okr finds each column by its header: rename with care",
                        "warningOnly": True,
                    }
                }
            }
        )
    return requests


def _emphasis_requests(spec: TabSpec, sheet_id: int, first: int, rows: int) -> list[dict[str, Any]]:
    """Rows typed later that `spec.emphasized_when` marks (objectives): bold on a light fill."""
    if not spec.emphasized_when or not spec.columns:
        return []
    width = spec.print_columns or len(spec.columns)
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [_range(sheet_id, first, rows, 0, width)],
                    "booleanRule": {
                        "condition": {
                            "type": "CUSTOM_FORMULA",
                            "values": [{"userEnteredValue": f"={spec.emphasized_when}"}],
                        },
                        "format": {
                            "backgroundColor": _rgb(EMPHASIS_FILL),
                            "textFormat": {"bold": True},
                        },
                    },
                },
            }
        }
    ]


def _status_rules(sheet_id: int, grid_range: dict[str, int]) -> list[dict[str, Any]]:
    """Conditional formats colouring each status word."""
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [grid_range],
                    "booleanRule": {
                        "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": word}]},
                        "format": {
                            "backgroundColor": _rgb(fill),
                            "textFormat": {"foregroundColor": _rgb(font)},
                        },
                    },
                },
            }
        }
        for word, (fill, font) in STATUS_COLORS.items()
    ]


def _bar_column(spec: TabSpec) -> int | None:
    """The 1-based column whose live Progress formulas get a SPARKLINE bar beside the table."""
    return next((i for i, c in enumerate(spec.columns, start=1) if c.progress_bar), None)


_HEADER_FORMAT = {
    "textFormat": {"bold": True, "foregroundColor": _WHITE},
    "backgroundColor": _rgb(HEADER_FILL),
    "verticalAlignment": "MIDDLE",
    "wrapStrategy": "WRAP",
}


def _sparkline(progress_col: int, row: int) -> Formula:
    ref = f"{column_letter(progress_col)}{row}"
    return Formula(
        f'=IF(ISNUMBER({ref}),SPARKLINE({ref},{{"charttype","bar";"max",1;'
        f'"color1","#2E75B6"}}),"")',
        fill=True,
    )
