"""openpyxl's side of the .xlsx store: a change applied to a loaded workbook, and a tab
laid out from its spec (header, values, formats, widths, dropdowns, colours, print setup)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, BinaryIO

from okrsheet.errors import BackendError
from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    Change,
    ColumnSpec,
    DeleteRows,
    Formula,
    NumberFormat,
    SetCells,
    TabSpec,
    WriteValue,
)
from okrsheet.stores.primitives import (
    EMPHASIS_FILL,
    HEADER_FILL,
    HEADER_FONT,
    NUMBER_FORMATS,
    STATUS_COLORS,
    cell_value,
    date_text,
)
from okrsheet.stores.xlsx.print_area import following_area

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet


# Rows that receive dropdowns and formats ahead of people typing into them.
_PREPARED_ROWS = 1000


def _saver(book: Workbook) -> Callable[[BinaryIO], object]:
    """openpyxl's save, into memory first: when it is interrupted (Ctrl-C) it leaves its zip
    open, and that zip must not point at our temporary file once we have closed it (its
    finalizer would print a traceback on the way out)."""

    def save(handle: BinaryIO) -> None:
        buffer = io.BytesIO()
        book.save(buffer)
        handle.write(buffer.getbuffer())

    return save


def _apply(book: Workbook, change: Change) -> None:
    if isinstance(change, AddTab):
        index = book.sheetnames.index(change.before) if change.before in book.sheetnames else None
        _render_tab(book.create_sheet(change.spec.title, index), change.spec)
        return
    if change.tab not in book.sheetnames:
        raise BackendError(f"the tab {change.tab!r} disappeared while writing; nothing was written")
    sheet = book[change.tab]
    if isinstance(change, SetCells):
        for (row, col), value in change.cells.items():
            _write(sheet.cell(row=row, column=col), value)
    elif isinstance(change, DeleteRows):
        # Bottom-up, so each deletion leaves the row numbers above it valid.
        for row in sorted(set(change.rows), reverse=True):
            sheet.delete_rows(row)
    elif isinstance(change, AppendRows):
        first = row = _last_used_row(sheet) + 1
        for values in change.rows:
            for col, value in enumerate(values, start=1):
                _write(sheet.cell(row=row, column=col), value)
            row += 1
        _grow_tables(sheet, first, row - 1)


def _grow_tables(sheet: Worksheet, first: int, last: int) -> None:
    """Tables ending just above appended rows take them in (as in the patch writer)."""
    from openpyxl.utils.cell import range_boundaries

    for table in sheet.tables.values():
        low_col, low_row, high_col, high_row = range_boundaries(table.ref)
        if high_row == first - 1 and last >= first and not table.totalsRowCount:
            from openpyxl.utils import get_column_letter

            table.ref = f"{get_column_letter(low_col)}{low_row}:{get_column_letter(high_col)}{last}"
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref


def _last_used_row(sheet: Worksheet) -> int:
    for row in range(sheet.max_row, 0, -1):
        if any(cell.value not in (None, "") for cell in sheet[row]):
            return row
    return 0


def _write(cell: Cell, value: WriteValue, *, text_cell: bool = False) -> None:
    """One value into a cell through openpyxl: `cell_value` first, as on every backend; text
    stays text, and a date in a cell formatted as text (or about to be: `text_cell`) goes in
    as its text (`date_text`)."""
    value = cell_value(value)
    if isinstance(value, date) and (text_cell or cell.number_format == "@"):
        value = date_text(value)
    if isinstance(value, Formula):
        cell.value = value.text
        return
    if not isinstance(value, str):
        cell.value = value
    else:
        from okrsheet.stores.xlsx.patch import escape_text

        cell.value = escape_text(value)  # openpyxl writes text as is: `_x0041_` would read "A"
        # Text typed by people stays text: never let openpyxl turn "=..." into a formula.
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True
    if isinstance(value, datetime):
        if cell.number_format == "General":
            cell.number_format = NUMBER_FORMATS["datetime"]
    elif isinstance(value, date) and cell.number_format == "General":
        cell.number_format = NUMBER_FORMATS["date"]


def _render_tab(sheet: Worksheet, spec: TabSpec) -> None:
    if spec.color:
        sheet.sheet_properties.tabColor = spec.color
    first_data_row = 2 if spec.header else 1
    if spec.header:
        _render_header(sheet, spec)
    _render_rows(sheet, spec, first_data_row)
    last_row = max(first_data_row + len(spec.rows) - 1, _PREPARED_ROWS)
    for col, column in enumerate(spec.columns, start=1):
        _render_column(sheet, spec, col, column, first_data_row, last_row)
    _page_setup(sheet, spec, first_data_row, last_row)
    if spec.emphasized_when and spec.columns:
        _emphasis_rule(sheet, spec, first_data_row, last_row)
    for first_col, last_col, formula, shown in spec.formats_when:
        _format_rule(sheet, (first_col, last_col), formula, shown, (first_data_row, last_row))


#: Ids for the number formats of conditional formats, far above those of cell formats (164+).
_DXF_FORMAT_IDS: dict[NumberFormat, int] = {
    name: 300 + index for index, name in enumerate(NUMBER_FORMATS)
}


def _format_rule(
    sheet: Worksheet,
    cols: tuple[int, int],
    formula: str,
    shown: NumberFormat,
    rows: tuple[int, int],
) -> None:
    """Cells of rows typed later shown in a number format where `formula` holds."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.styles.numbers import NumberFormat as OpenpyxlFormat
    from openpyxl.utils import get_column_letter

    style = DifferentialStyle(
        numFmt=OpenpyxlFormat(numFmtId=_DXF_FORMAT_IDS[shown], formatCode=NUMBER_FORMATS[shown])
    )
    area = f"{get_column_letter(cols[0])}{rows[0]}:{get_column_letter(cols[1])}{rows[1]}"
    sheet.conditional_formatting.add(area, Rule(type="expression", formula=[formula], dxf=style))


def _emphasis_rule(sheet: Worksheet, spec: TabSpec, first: int, last: int) -> None:
    """Rows typed later that `spec.emphasized_when` marks (objectives) are bold on a light
    fill, as okr's own are."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    width = spec.print_columns or len(spec.columns)
    sheet.conditional_formatting.add(
        f"A{first}:{get_column_letter(width)}{last}",
        FormulaRule(
            formula=[str(spec.emphasized_when)],
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor=EMPHASIS_FILL, bgColor=EMPHASIS_FILL),
        ),
    )


def _render_header(sheet: Worksheet, spec: TabSpec) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    for col, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = Font(bold=True, color=HEADER_FONT)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cell.border = Border(bottom=Side(style="thin"))
        if column.note:
            from openpyxl.comments import Comment

            cell.comment = Comment(column.note, "okrsheet", width=300, height=120)


def _render_rows(sheet: Worksheet, spec: TabSpec, first_data_row: int) -> None:
    """The rows' values, each cell's own number format, row heights, emphasized rows."""
    from openpyxl.styles import Font, PatternFill

    text = {n for n, c in enumerate(spec.columns, start=1) if c.number_format == "text"}
    for offset, values in enumerate(spec.rows):
        for col, value in enumerate(values, start=1):
            if value is not None:  # an empty cell needs no cell object
                cell = sheet.cell(row=first_data_row + offset, column=col)
                _write(cell, value, text_cell=col in text)

    for (index, col), name in spec.cell_formats.items():
        sheet.cell(row=first_data_row + index, column=col).number_format = NUMBER_FORMATS[name]
    _fit_row_heights(sheet, spec, first_data_row)
    for index in spec.emphasized_rows:
        for col in range(1, len(spec.columns) + 1):
            cell = sheet.cell(row=first_data_row + index, column=col)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=EMPHASIS_FILL)


def _render_column(
    sheet: Worksheet,
    spec: TabSpec,
    col: int,
    column: ColumnSpec,
    first_data_row: int,
    last_row: int,
) -> None:
    """A column's width, number format, wrapping, dropdown, visibility and colours."""
    from openpyxl.formatting.rule import DataBarRule
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(col)
    sheet.column_dimensions[letter].width = column.width
    data_range = f"{letter}{first_data_row}:{letter}{last_row}"
    if column.number_format != "general":
        fmt = NUMBER_FORMATS[column.number_format]
        sheet.column_dimensions[letter].number_format = fmt
        for row in range(first_data_row, first_data_row + len(spec.rows)):
            cell = sheet.cell(row=row, column=col)
            if cell.value is not None and cell.data_type != "s":
                cell.number_format = fmt
    if col in spec.wrap_columns:
        for row in range(first_data_row, first_data_row + len(spec.rows)):
            sheet.cell(row=row, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    if column.choices:
        sheet.add_data_validation(_dropdown(column, data_range))
    if column.hidden:
        sheet.column_dimensions[letter].hidden = True
    if column.status_colors:
        _status_colors(sheet, data_range)
    if column.progress_bar:
        sheet.conditional_formatting.add(
            data_range,
            DataBarRule(
                start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5"
            ),
        )


def _dropdown(column: ColumnSpec, data_range: str) -> DataValidation:
    from openpyxl.worksheet.datavalidation import DataValidation

    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(column.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=column.header,
        error="Pick one of: " + ", ".join(column.choices),
    )
    validation.add(data_range)
    return validation


def _page_setup(sheet: Worksheet, spec: TabSpec, first_data_row: int, last_row: int) -> None:
    """Printed or exported to PDF, a tab fits the page width instead of splitting its columns."""
    from openpyxl.utils import get_column_letter

    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if spec.header and spec.columns:
        sheet.freeze_panes = sheet.cell(row=spec.frozen_rows + 1, column=1)
        sheet.print_title_rows = f"1:{spec.print_title_rows}"
    if spec.print_columns:
        # Down to the last typed row: the prepared rows below hold formulas only.
        typed = [
            i
            for i, row in enumerate(spec.rows)
            if any(v is not None and not isinstance(v, Formula) for v in row)
        ]
        last_typed = first_data_row + (typed[-1] if typed else 0)
        if len(spec.columns) > 1:
            # A table: its print area follows the rows people type later (stores/xlsx/print_area).
            from openpyxl.utils import quote_sheetname
            from openpyxl.workbook.defined_name import DefinedName

            area = following_area(quote_sheetname(sheet.title), spec.print_columns)
            sheet.defined_names["Print_Area"] = DefinedName("Print_Area", attr_text=area)
        else:
            sheet.print_area = f"A1:{get_column_letter(spec.print_columns)}{last_typed}"
        if len(spec.columns) > 1:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{last_row}"
        sheet.row_dimensions[1].height = 30


_LINE_HEIGHT = 15


def _status_colors(sheet: Worksheet, data_range: str) -> None:
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    for word, (fill, font) in STATUS_COLORS.items():
        sheet.conditional_formatting.add(
            data_range,
            CellIsRule(
                operator="equal",
                formula=[f'"{word}"'],
                fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                font=Font(color=font),
            ),
        )


def _fit_row_heights(sheet: Worksheet, spec: TabSpec, first_data_row: int) -> None:
    """Spreadsheet apps do not grow rows for wrapped text they did not lay out themselves;
    give each row with long wrapped text the height its lines need."""
    widths = {col: spec.columns[col - 1].width for col in spec.wrap_columns}
    for index, values in enumerate(spec.rows):
        lines = 1
        for col, width in widths.items():
            value = values[col - 1] if col <= len(values) else None
            if isinstance(value, str):
                chars_per_line = max(8, int(width * 1.1))
                wrapped = sum(-(-max(1, len(part)) // chars_per_line) for part in value.split("\n"))
                lines = max(lines, wrapped)
        if lines > 1:
            sheet.row_dimensions[first_data_row + index].height = _LINE_HEIGHT * lines
