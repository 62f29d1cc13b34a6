"""Patch cells of an .xlsx in place: rewrite only the worksheets that change, copy every other
part of the package byte for byte.

A full openpyxl load and save of a large workbook takes seconds and drops what openpyxl does not
model (images, charts, slicers). Check-ins and grades only set cells and append rows, so this
module edits those sheets' XML directly: cells keep their styles, rows keep their heights, and
everything else in the file is untouched. Anything it cannot do safely raises `Unpatchable`, and
the store falls back to openpyxl.
"""

from __future__ import annotations

import bisect
import copy
import posixpath
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime
from typing import IO, Any

from lxml import etree

from okrsheet.stores.base import (
    AddTab,
    AppendRows,
    Change,
    DeleteRows,
    Formula,
    NumberFormat,
    SetCells,
    WriteValue,
)
from okrsheet.stores.primitives import (
    NUMBER_FORMATS,
    cell_value,
    column_letter,
    date_text,
    letters_to_column,
    serial,
)
from okrsheet.stores.xlsx.newtab import add_tabs, plain
from okrsheet.stores.xlsx.package import Content, Serialized, Splice, in_parallel
from okrsheet.stores.xlsx.package import Package as Package
from okrsheet.stores.xlsx.package import Unpatchable as Unpatchable
from okrsheet.stores.xlsx.parts import sheet_parts as sheet_parts
from okrsheet.stores.xlsx.parts import sheet_parts_of

# Package and Unpatchable are part of what this module offers (the store and tests use them).
from okrsheet.stores.xlsx.print_area import follow_data
from okrsheet.stores.xlsx.skim import NEAR_END, LongSheet, has_cached_results

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CALC_CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"
_Q = f"{{{NS}}}"
# Built-in number formats that show dates.
_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 22, 27, 30, 36, 45, 46, 47, 50, 57}
_TEXT_FORMAT = 49  # the built-in `@`
#: How okr parses a part: no entities resolved, no `xml:id` index (nothing looks elements up
#: by id, and building the index is a third of the parse of a sheet).
PARSER_OPTIONS = {
    "huge_tree": True,
    "remove_blank_text": False,
    "resolve_entities": False,
    "collect_ids": False,
}
_PARSER = etree.XMLParser(**PARSER_OPTIONS)
# XML 1.0 cannot hold these; Excel stores them as _xHHHH_.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# `_xHHHH_` in a cell's text is itself an escape; a literal one is written with its `_` escaped.
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _escape_illegal(text: str) -> str:
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


# XML turns a CR (alone or before LF) into LF as it is read: text keeps it as _x000D_.
_CARRIAGE_RETURN = re.compile(r"\r")


def escape_text(text: str) -> str:
    """Cell text as an .xlsx stores it: what reads back as `text` in Excel and in calamine."""
    escaped = _escape_illegal(_LITERAL_ESCAPE.sub("_x005F_", text))
    return _CARRIAGE_RETURN.sub("_x000D_", escaped)


_LETTERS = re.compile(r"[A-Z]+")
_F = f"{_Q}f"
_C = f"{_Q}c"
_V = f"{_Q}v"
#: The cached result of every formula cell of a sheet.


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: Whether a sheet has a row or a cell without its reference (`r`).
_WITHOUT_REFERENCES = etree.XPath(
    "boolean(m:row[not(@r)] | m:row/m:c[not(@r)])", namespaces={"m": NS}
)
#: The cached results (`<v>`) of a sheet's formula cells; those that are empty or blank.
_RESULTS = etree.XPath("m:row/m:c[m:f]/m:v", namespaces={"m": NS})
_EMPTY_RESULTS = etree.XPath("m:row/m:c/m:v[not(normalize-space())][../m:f]", namespaces={"m": NS})


def column_index(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    known = _COLUMNS.get(letters)  # only valid letters are ever cached
    if known is not None:
        return known
    if letters and len(letters) <= 3 and _UPPER.issuperset(letters):
        return _COLUMNS.get(letters) or _COLUMNS.setdefault(letters, letters_to_column(letters))
    match = _LETTERS.match(ref)
    if not match:
        raise Unpatchable(f"odd cell reference {ref!r}")
    return letters_to_column(match.group())


#: Column letters already converted (a sheet has few columns and many cells).
_COLUMNS: dict[str, int] = {}


def cell_position(ref: str) -> tuple[int, int]:
    """A cell reference's (row, column): `AB12` is (12, 28). Tabs laid out alike use the
    same references, so each is converted once (up to `_POSITIONS_KEPT` of them)."""
    known = _POSITIONS.get(ref)
    if known is None:
        letters = ref.rstrip("0123456789")
        known = (int(ref[len(letters) :] or 0), column_index(letters or ref))
        if len(_POSITIONS) < _POSITIONS_KEPT:
            _POSITIONS[ref] = known
    return known


_POSITIONS: dict[str, tuple[int, int]] = {}
_POSITIONS_KEPT = 1 << 16


class _Styles:
    """Just enough of styles.xml to find or add a date style."""

    def __init__(self, xml: bytes) -> None:
        self.root = etree.fromstring(xml, _PARSER)
        self.changed = False
        self.xfs = self.root.find(f"{_Q}cellXfs")
        if self.xfs is None:
            raise Unpatchable("styles.xml has no cellXfs")
        self.formats = {
            int(f.get("numFmtId", "0")): f.get("formatCode", "")
            for f in self.root.iterfind(f"{_Q}numFmts/{_Q}numFmt")
        }
        self._cache: dict[str, int] = {}

    def is_date(self, style: int) -> bool:
        xfs = list(self.xfs)
        if style >= len(xfs):
            return False
        fmt = int(xfs[style].get("numFmtId", "0"))
        code = self.formats.get(fmt, "")
        return fmt in _BUILTIN_DATE_FORMATS or bool(re.search(r"[dy]", code.split(";")[0]))

    def is_text(self, style: int) -> bool:
        """Formatted as text (`@`): what is typed there stays as typed."""
        xfs = list(self.xfs)
        if style >= len(xfs):
            return False
        fmt = int(xfs[style].get("numFmtId", "0"))
        return fmt == _TEXT_FORMAT or self.formats.get(fmt, "") == "@"

    def dated(self, style: int, code: str) -> int:
        """The cell style `style` showing dates as `code`: its font, fill, border and
        alignment kept, only the number format changed."""
        xfs = list(self.xfs)
        if not 0 < style < len(xfs):
            return self.date_style(code)
        key = f"{style}\x1f{code}"
        if key in self._cache:
            return self._cache[key]
        fmt_id = self._format_id(code)
        xf = copy.deepcopy(xfs[style])
        xf.set("numFmtId", str(fmt_id))
        xf.set("applyNumberFormat", "1")
        self.xfs.append(xf)
        self.xfs.set("count", str(len(self.xfs)))
        self.changed = True
        self._cache[key] = len(self.xfs) - 1
        return self._cache[key]

    def _format_id(self, code: str) -> int:
        fmt_id = next((i for i, c in self.formats.items() if c == code), None)
        if fmt_id is None:
            numfmts = self.root.find(f"{_Q}numFmts")
            if numfmts is None:
                numfmts = etree.Element(f"{_Q}numFmts")
                self.root.insert(0, numfmts)
            fmt_id = max([163, *self.formats]) + 1
            etree.SubElement(numfmts, f"{_Q}numFmt", numFmtId=str(fmt_id), formatCode=code)
            numfmts.set("count", str(len(numfmts)))
            self.formats[fmt_id] = code
            self.changed = True
        return fmt_id

    def date_style(self, code: str) -> int:
        if code in self._cache:
            return self._cache[code]
        fmt_id = self._format_id(code)
        for index, xf in enumerate(self.xfs):
            if xf.get("numFmtId") == str(fmt_id) and xf.get("fontId", "0") == "0":
                self._cache[code] = index
                return index
        etree.SubElement(
            self.xfs,
            f"{_Q}xf",
            numFmtId=str(fmt_id),
            fontId="0",
            fillId="0",
            borderId="0",
            xfId="0",
            applyNumberFormat="1",
        )
        self.xfs.set("count", str(len(self.xfs)))
        self.changed = True
        self._cache[code] = len(self.xfs) - 1
        return self._cache[code]

    def to_bytes(self) -> bytes:
        return bytes(
            etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
        )


def result_xml(result: str | float | bool) -> tuple[str | None, str]:
    """A formula's result as a cell stores it beside the formula: its type (`t`) and `<v>`
    text. Text is `str`; a number is written so that it reads back as the same double."""
    if isinstance(result, bool):
        return "b", "1" if result else "0"
    if isinstance(result, str):
        return "str", escape_text(result)
    return None, repr(float(result))


def _holds_result(cell: Any, result: str | float | bool) -> bool:
    """Whether the formula cell `cell` (its `<f>` and nothing else but a `<v>`) already
    holds `result` as its cached result, as `_give_result` would write it."""
    if len(cell) != 2:
        return False
    kind, text = result_xml(result)
    return cell.get("t") == kind and cell[1].text == text and not cell[1].keys()


def _give_result(cell: Any, result: str | float | bool) -> None:
    """`result` as the cached result of the formula cell `cell` (its `<f>` already there)."""
    for old in cell.findall(_V):
        cell.remove(old)
    kind, text = result_xml(result)
    if kind is None:
        cell.attrib.pop("t", None)
    else:
        cell.set("t", kind)
    etree.SubElement(cell, _V).text = text


class _Sheet:
    """One worksheet's XML with an index of its rows."""

    def __init__(self, xml: bytes | Any, styles: _Styles) -> None:
        """`xml`: the sheet's XML, or its root already parsed (see `_parsed_sheets`)."""
        self.root = etree.fromstring(xml, _PARSER) if isinstance(xml, bytes) else xml
        self.styles = styles
        data = self.root.find(f"{_Q}sheetData")
        if data is None:
            raise Unpatchable("a worksheet without sheetData")
        self.data = data
        self.rows: dict[int, Any] = {}
        if not _WITHOUT_REFERENCES(data):  # the usual case: every row and cell numbered
            self.rows = {int(row.get("r")): row for row in data.iterfind(f"{_Q}row")}
        number = 0
        for row in () if self.rows else data.iterfind(f"{_Q}row"):
            # `r` is optional: a row without one follows the row before it, and a cell
            # without one the cell before it. Some writers leave them out; the numbers are
            # written in, which changes nothing for a reader and lets cells be found.
            given = row.get("r")
            number = int(given) if given is not None else number + 1
            if given is None:
                row.set("r", str(number))
            self.rows[number] = row
            # Only a cell without a reference needs the column of the one before it.
            col, before = 0, None
            for cell in row.iterfind(f"{_Q}c"):
                ref = cell.get("r")
                if ref is None:
                    col = (column_index(before) if before is not None else col) + 1
                    before = None
                    cell.set("r", f"{column_letter(col)}{number}")
                else:
                    before = ref
        self.widest_written = 1
        # The formula cells this write set that hold no old result: nothing of theirs can
        # be stale (the formulas reading them learn of the write from its cells).
        self.settled: set[Any] = set()
        # The formula cells this write gave a result (`Formula.result`): kept by `finish`.
        self.valued: set[Any] = set()
        # Each row's cells by column, for the rows written to (see `_cells_of`).
        self._cells: dict[int, dict[int, Any]] = {}
        self.column_styles: list[tuple[int, int, int]] = [
            (int(c.get("min", "0")), int(c.get("max", "0")), int(c.get("style", "0")))
            for c in self.root.iterfind(f"{_Q}cols/{_Q}col")
            if c.get("style")
        ]

    def delete_rows(self, doomed: Iterable[int]) -> None:
        """Remove whole rows, moving the rows below them up (their cells, styles, heights
        and formulas' text as they are, as a spreadsheet program's "delete rows" moves them;
        a formula is not rewritten, as openpyxl does not rewrite it either).

        What is anchored to rows below the first one deleted and would be left pointing at
        the wrong row is `Unpatchable`: merged cells, shared formulas, hyperlinks, tables
        (see `_anchored_below`). Conditional formats and validations keep their ranges: they
        cover whole columns of okr's tabs, which stay whole."""
        gone = sorted(set(doomed))
        if not gone:
            return
        first = gone[0]
        for merged in self.root.iterfind(f"{_Q}mergeCells/{_Q}mergeCell"):
            if _bottom_row(merged.get("ref", "")) >= first:
                raise Unpatchable("merged cells below deleted rows need a full rewrite")
        for link in self.root.iterfind(f"{_Q}hyperlinks/{_Q}hyperlink"):
            if _bottom_row(link.get("ref", "")) >= first:
                raise Unpatchable("hyperlinks below deleted rows need a full rewrite")
        if self.root.find(f"{_Q}tableParts/{_Q}tablePart") is not None:
            raise Unpatchable("a tab with tables needs a full rewrite to delete rows")
        for formula in self.root.iter(_F):
            if formula.get("t") == "shared":
                raise Unpatchable("shared formulas need a full rewrite to delete rows")
        moved: dict[int, Any] = {}
        doomed_rows = set(gone)  # (a rollover deletes a quarter's check-ins: a set, not a scan)
        for number in sorted(self.rows):
            row = self.rows[number]
            if number in doomed_rows:
                self.data.remove(row)
                continue
            shift = bisect.bisect_left(gone, number)
            if shift:
                new = number - shift
                row.set("r", str(new))
                for cell in row.iterfind(f"{_Q}c"):
                    ref = cell.get("r", "")
                    cell.set("r", f"{ref.rstrip('0123456789')}{new}")
                number = new
            moved[number] = row
        self.rows = moved
        self._cells.clear()

    def header_style(self) -> int:
        """The cell style of A1 when it holds text (a header), else 0."""
        first = self.rows.get(1)
        cell = first.find(f"{_Q}c") if first is not None else None
        if cell is None or cell.get("r", "A1") != "A1" or cell.get("t") not in ("s", "inlineStr"):
            return 0
        return int(cell.get("s", "0") or 0)

    def last_used_row(self) -> int:
        for number in sorted(self.rows, reverse=True):
            for cell in self.rows[number].iterfind(f"{_Q}c"):
                if cell.find(f"{_Q}v") is not None or cell.find(f"{_Q}is") is not None:
                    return number
                if cell.find(f"{_Q}f") is not None:
                    return number
        return 0

    def _row(self, number: int) -> Any:
        row = self.rows.get(number)
        if row is not None:
            return row
        row = etree.Element(f"{_Q}row", r=str(number))
        following = [n for n in self.rows if n > number]
        if following:
            self.rows[min(following)].addprevious(row)
        else:
            self.data.append(row)
        self.rows[number] = row
        return row

    def _cells_of(self, row_number: int, row: Any) -> dict[int, Any]:
        """A row's cells by column, indexed on first use: a write of many cells to one row
        (a check-in's formulas, 41 columns) finds each in one step rather than a scan."""
        found = self._cells.get(row_number)
        if found is None:
            found = {}
            for cell in row.iterfind(_C):
                existing = cell.get("r")
                if existing is None:
                    raise Unpatchable("cells without references")
                found.setdefault(cell_position(existing)[1], cell)
            self._cells[row_number] = found
        return found

    def _cell(self, row_number: int, col: int) -> Any:
        row = self._row(row_number)
        cells = self._cells_of(row_number, row)
        existing = cells.get(col)
        if existing is not None:
            return existing
        later = [c for c in cells if c > col]
        cell = etree.Element(f"{_Q}c", r=f"{column_letter(col)}{row_number}")
        style = self._column_style(col)
        if style:
            cell.set("s", str(style))
        if later:
            cells[min(later)].addprevious(cell)
        else:
            row.append(cell)
        cells[col] = cell
        return cell

    def _column_style(self, col: int) -> int:
        return next((s for low, high, s in self.column_styles if low <= col <= high), 0)

    def set(self, row: int, col: int, value: WriteValue) -> None:
        self.widest_written = max(self.widest_written, col)
        cell = self._cell(row, col)
        if isinstance(value, Formula) and self._holds(cell, value):
            if value.result is not None:
                if not _holds_result(cell, value.result):  # a result as given stays as it is
                    _give_result(cell, value.result)
                self.settled.add(cell)
                self.valued.add(cell)
            # The same formula: its cached result goes in `finish`, like every other's.
            elif len(cell) == 1 or not (cell[1].text or "").strip():
                self.settled.add(cell)
            return
        self.valued.discard(cell)
        for child in list(cell):
            cell.remove(child)
        for attr in ("t", "cm", "vm"):
            cell.attrib.pop(attr, None)
        kind, text, style, preserve = _encode(value, int(cell.get("s", "0")), self.styles)
        if kind == "f":
            etree.SubElement(cell, f"{_Q}f").text = text
            self.settled.add(cell)
            result = value.result if isinstance(value, Formula) else None
            if result is not None:
                _give_result(cell, result)
                self.valued.add(cell)
        elif kind == "s":
            cell.set("t", "inlineStr")
            element = etree.SubElement(etree.SubElement(cell, f"{_Q}is"), f"{_Q}t")
            element.text = text
            if preserve:
                element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        elif kind:
            if kind == "b":
                cell.set("t", "b")
            etree.SubElement(cell, f"{_Q}v").text = text
            if style != int(cell.get("s", "0")):
                cell.set("s", str(style))

    @staticmethod
    def _holds(cell: Any, formula: Formula) -> bool:
        """Whether the cell is that formula and nothing else (a cached result aside): a
        check-in tops up the live formulas of its tab, most of them already there."""
        size = len(cell)
        if not 1 <= size <= 2 or cell.get("t") not in (None, "n", "str", "b", "e"):
            return False
        written = cell[0]
        if written.tag != _F or written.text != formula.text.removeprefix("="):
            return False
        if size == 2 and cell[1].tag != _V:
            return False
        return not written.keys() and cell.get("cm") is None and cell.get("vm") is None

    def formulas(self) -> dict[tuple[int, int], Any]:
        """The formula cells of the sheet by (row, column): their `<f>` elements."""
        found: dict[tuple[int, int], Any] = {}
        settled = self.settled
        for formula in self.data.iter(_F):
            cell = formula.getparent()
            if cell in settled or cell.tag != _C:
                continue
            ref = cell.get("r")
            if ref:
                found[cell_position(ref)] = formula
        return found

    def finish(self, stale: Collection[tuple[int, int]] | None = None) -> _Sheet:
        """The sheet made ready for `to_bytes`. The cached results of the formulas at
        `stale` (all, for None) are dropped, so that every program recomputes them; the others
        keep theirs. An empty result is none: it goes too."""
        valued = self.valued
        doomed = _EMPTY_RESULTS(self.data) if stale is not None else _RESULTS(self.data)
        for cached in doomed:
            cell = cached.getparent()
            if cell not in valued:
                cell.remove(cached)
        for row, col in stale or ():
            element = self.rows.get(row)
            cell = None if element is None else self._cells_of(row, element).get(col)
            if cell is None or cell in valued or cell.find(_F) is None:
                continue
            cached = cell.find(_V)
            if cached is not None:
                cell.remove(cached)
        dimension = self.root.find(f"{_Q}dimension")
        if dimension is not None and self.rows:
            end = dimension.get("ref", "A1").split(":")[-1]
            widest = max(column_index(end), self.widest_written)
            dimension.set("ref", f"A1:{column_letter(widest)}{max(self.rows)}")
        return self

    def to_bytes(self) -> bytes:
        """The sheet's XML as it stands (after `finish`)."""
        return bytes(
            etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
        )

    def write_to(self, sink: Any) -> None:
        """`to_bytes` written to `sink` a piece at a time, as it is serialized (the same bytes:
        lxml writes a tree to a file as it writes it to a string)."""
        etree.ElementTree(self.root).write(
            sink, xml_declaration=True, encoding="UTF-8", standalone=True
        )


#: A sheet whose part is larger than this is serialized as it is written (`Serialized`).
SERIALIZED_FROM = 1 << 20


def _parse_part(package: Package) -> Callable[[str], Any]:
    """A function parsing a sheet of `package` into its root element; it may run in several
    threads at once (each has its own parser: lxml lets a parser's work run beside other
    threads only in the thread that made it)."""
    local = threading.local()

    def parse(part: str) -> Any:
        parser = getattr(local, "parser", None)
        if parser is None:
            parser = local.parser = etree.XMLParser(**PARSER_OPTIONS)
        return etree.fromstring(package.peek(part), parser)

    return parse


def _bottom_row(ref: str) -> int:
    """The last row of a reference such as `A2:C9` (0 when it names none)."""
    digits = ref.split(":")[-1].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ").replace("$", "")
    return int(digits) if digits.isdigit() else 0


# Formulas and what they read ------------------------------------------------------------------

_ANY_ROW = 1 << 20
_ANY_COL = 1 << 14
# A reference: an optional sheet ('Sales & Partners'! or Plan!), then a cell or a range of
# cells, whole columns or whole rows.
_FORMULA_REF = re.compile(
    r"(?:(?:'((?:[^']|'')+)'|([A-Za-z_][\w.]*))!)?"
    r"(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|\$?[A-Z]{1,3}:\$?[A-Z]{1,3}|\$?\d+:\$?\d+)"
    r"(?![\w(!])"
)
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
_NAME = re.compile(r"[A-Za-z_\\][\w.]*(?!\w)(?!\s*\()")
# Functions whose result changes without any cell changing, or whose inputs a reading of
# the formula cannot tell: a formula holding one is always recomputed.
_VOLATILE = re.compile(
    r"\b(?:TODAY|NOW|RAND|RANDBETWEEN|RANDARRAY|OFFSET|INDIRECT|CELL|INFO)\s*\(", re.I
)


class _Cells:
    """Cells of one tab: single cells by column, and rows from `rows_from` on, everywhere."""

    def __init__(self) -> None:
        self.by_column: dict[int, set[int]] = {}
        self.rows_from: int | None = None

    def add(self, row: int, col: int) -> None:
        self.by_column.setdefault(col, set()).add(row)

    def meets(self, top: int, left: int, bottom: int, right: int) -> bool:
        if self.rows_from is not None and bottom >= self.rows_from:
            return True
        if right - left < len(self.by_column):
            columns: Iterable[int] = range(left, right + 1)
        else:
            columns = [c for c in self.by_column if left <= c <= right]
        for col in columns:
            rows = self.by_column.get(col)
            if not rows:
                continue
            if top == bottom:
                if top in rows:
                    return True
            elif bottom - top < len(rows):
                if any(r in rows for r in range(top, bottom + 1)):
                    return True
            elif any(top <= r <= bottom for r in rows):
                return True
        return False

    def holds(self, row: int, col: int) -> bool:
        """Whether the write set the cell (row, col)."""
        if self.rows_from is not None and row >= self.rows_from:
            return True
        rows = self.by_column.get(col)
        return rows is not None and row in rows


def _reads(text: str, tab: str) -> list[tuple[str, int, int, int, int]] | None:
    """The rectangles (tab, top, left, bottom, right) a formula reads, or None when that
    cannot be told from its text (a defined name, a table, another workbook, a function
    such as TODAY or INDIRECT)."""
    if "[" in text or _VOLATILE.search(text):
        return None
    bare = _STRING_LITERAL.sub('""', text)
    found: list[tuple[str, int, int, int, int]] = []
    for match in _FORMULA_REF.finditer(bare):
        sheet = match.group(1).replace("''", "'") if match.group(1) else match.group(2) or tab
        parts = match.group(3).replace("$", "").split(":")
        corners = [_corner(p) for p in parts]
        (top, left), (bottom, right) = corners[0], corners[-1]
        if all(p.isdigit() for p in parts):  # whole rows: every column
            left, right = 1, _ANY_COL
        found.append((sheet, min(top, bottom), min(left, right), max(top, bottom),
                      max(left, right)))  # fmt: skip
    rest = _FORMULA_REF.sub(" ", bare)
    names = [n for n in _NAME.findall(rest) if n.upper() not in ("TRUE", "FALSE")]
    return None if names else found


def _corner(text: str) -> tuple[int, int]:
    """(row, column) of `A1`; a column alone spans every row, a row alone every column."""
    letters = text.rstrip("0123456789")
    digits = text[len(letters) :]
    if not letters:
        return (int(digits), 1) if digits else (1, 1)
    column = letters_to_column(letters)
    return (int(digits), column) if digits else (0, column)


_Rect = tuple[str, int, int, int, int]
#: Row numbers no sheet reaches, standing in for a formula's own row and the row above it.
_HERE, _ABOVE = 9_999_991, 9_999_990
_STAND_INS = ("9999991", "9999990")
#: Standing in for the formula's own tab while a pattern is read.
_OWN_TAB = "\x03"
#: What a formula's text reads, by its text with its own row number (and the one above)
#: taken out: okr's computed columns repeat one formula down every row of every tab, so
#: most formulas parse nothing.
_READS_BY_PATTERN: dict[str, list[_Rect] | None] = {}
#: The same by the whole text and its row: a tab's formulas are the same on every tab.
_READS_BY_TEXT: dict[tuple[int, str], list[_Rect] | None] = {}
_UNKNOWN: list[_Rect] = []
_ROW_NUMBERS: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}
#: A rectangle this many columns wide or wider is looked at for every stale cell of its tab.
_WIDE = 64


def _reads_at(text: str, tab: str, row: int) -> list[_Rect] | None:
    """`_reads(text, tab)` for a formula at `row`, through a cache keyed by the text with every
    whole number equal to `row` (or `row - 1`) replaced: `=$B7*$C6` on row 7 and `=$B8*$C7`
    on row 8 share one parse, on every tab. The parse of the pattern (the rows as `_HERE` and
    `_ABOVE`) gives them back wherever the rows were, and only there; a pattern where one
    lands elsewhere (in a tab's name) is parsed as it is, every time."""
    if any(n in text for n in _STAND_INS) or "\x00" in text or "\x02" in text:
        return _reads(text, tab)
    known = _READS_BY_TEXT.get((row, text), _UNKNOWN)
    if known is not _UNKNOWN:
        return _placed(known, tab, row)
    numbers = _ROW_NUMBERS.get(row)
    if numbers is None:
        numbers = _ROW_NUMBERS.setdefault(
            row,
            (re.compile(rf"(?<![\d.]){row}(?!\d)"), re.compile(rf"(?<![\d.]){row - 1}(?!\d)")),
        )
    pattern = numbers[1].sub("\x02", numbers[0].sub("\x00", text))
    try:
        found = _READS_BY_PATTERN[pattern]
    except KeyError:
        standing = pattern.replace("\x00", _STAND_INS[0]).replace("\x02", _STAND_INS[1])
        found = _reads(standing, _OWN_TAB)
        if found is not None and any(
            sheet != _OWN_TAB and any(n in sheet for n in (*_STAND_INS, _OWN_TAB))
            for sheet, *_ in found
        ):
            found = _UNCACHED  # a stand-in in a tab's name: that name needs the real number
        if len(_READS_BY_PATTERN) > 50_000:
            _READS_BY_PATTERN.clear()
        _READS_BY_PATTERN[pattern] = found
    if found is _UNCACHED:
        return _reads(text, tab)
    if len(_READS_BY_TEXT) > 50_000:
        _READS_BY_TEXT.clear()
    _READS_BY_TEXT[(row, text)] = found
    return _placed(found, tab, row)


def _placed(found: list[_Rect] | None, tab: str, row: int) -> list[_Rect] | None:
    """A pattern's reads for a formula on `tab` at `row`."""
    if found is None:
        return None
    here = {_HERE: row, _ABOVE: row - 1}
    return [
        (
            tab if sheet == _OWN_TAB else sheet,
            here.get(top, top),
            left,
            here.get(bottom, bottom),
            right,
        )  # fmt: skip
        for sheet, top, left, bottom, right in found
    ]


_UNCACHED: list[_Rect] = []


def _result_of(formula: Any) -> str:
    """The cached result beside a formula's `<f>` as its text ("" for none, or an empty one)."""
    result = formula.getnext()
    return "" if result is None or result.tag != _V else (result.text or "").strip()


def stale_formulas(
    formulas: dict[str, dict[tuple[int, int], Any]], changed: dict[str, _Cells]
) -> dict[str, set[tuple[int, int]]]:
    """The formula cells, among `formulas` (by tab, their `<f>` elements), whose cached
    result a write of `changed` may have made wrong: those that read a changed cell or a
    stale formula, and those whose inputs cannot be told. The others keep their results:
    a person's `=0.8+0.05`, or `=Plan!C4` when okr did not write on Plan.

    One pass finds the formulas that read a changed cell; then each stale cell makes stale
    the formulas that read it, through an index of what every other formula reads (by tab,
    column and row), until none is left: each formula is looked at a bounded number of
    times, however long the chains of formulas reading formulas."""
    written = {tab.casefold(): cells for tab, cells in changed.items()}
    stale: dict[str, set[tuple[int, int]]] = {tab: set() for tab in formulas}
    if not any(_result_of(f) for cells in formulas.values() for f in cells.values()):
        return stale  # no formula holds a result: none to drop (a file no program saved)
    names = {tab.casefold(): tab for tab in formulas}  # tab names match in any case
    # What the formulas not yet stale read: single cells, runs of rows in one column, and
    # wide rectangles; each entry names its reader (tab, row, column).
    points: dict[tuple[str, int, int], list[tuple[str, int, int]]] = {}
    runs: dict[tuple[str, int], list[tuple[int, int, tuple[str, int, int]]]] = {}
    wide: dict[str, list[tuple[_Rect, tuple[str, int, int]]]] = {}
    queue: list[tuple[str, int, int]] = []

    def mark(tab: str, row: int, col: int) -> None:
        cells = stale[tab]
        if (row, col) not in cells:
            cells.add((row, col))
            queue.append((tab, row, col))

    for tab, cells in formulas.items():
        own = written.get(tab.casefold())
        for (row, col), formula in cells.items():
            if own is not None and own.holds(row, col) and not _result_of(formula):
                # Written by this write with no old result kept: nothing of it to drop, and
                # the formulas reading it find it among `written`.
                continue
            shared_child = formula.get("t") == "shared" and not (formula.text or "").strip()
            rectangles = None if shared_child else _reads_at(formula.text or "", tab, row)
            if rectangles is None:
                mark(tab, row, col)
                continue
            reader = (tab, row, col)
            for sheet, top, left, bottom, right in rectangles:
                bottom = bottom or _ANY_ROW
                top = top or 1
                key = sheet.casefold()
                source = written.get(key)
                if source is not None and source.meets(top, left, bottom, right):
                    mark(tab, row, col)
                    break
                if key not in names:
                    continue  # a tab no formula sits on: nothing there turns stale
                if right - left + 1 >= _WIDE:
                    wide.setdefault(key, []).append(((key, top, left, bottom, right), reader))
                elif top == bottom:
                    for column in range(left, right + 1):
                        points.setdefault((key, top, column), []).append(reader)
                else:
                    for column in range(left, right + 1):
                        runs.setdefault((key, column), []).append((top, bottom, reader))
    while queue:
        tab, row, col = queue.pop()
        key = tab.casefold()
        for reader in points.pop((key, row, col), ()):
            mark(*reader)
        run = runs.get((key, col))
        if run:
            left_over = []
            for top, bottom, reader in run:
                if (reader[1], reader[2]) in stale[reader[0]]:
                    continue
                if top <= row <= bottom:
                    mark(*reader)
                else:
                    left_over.append((top, bottom, reader))
            runs[(key, col)] = left_over
        for (_, top, left, bottom, right), reader in wide.get(key, ()):
            if top <= row <= bottom and left <= col <= right:
                mark(*reader)
    return stale


def _has_cached_results(xml: bytes | LongSheet) -> bool:
    """Whether a formula of the sheet holds a cached result (then an append parses the sheet,
    to drop those it may have made wrong)."""
    return xml.results if isinstance(xml, LongSheet) else has_cached_results(xml)


# A row's opening tag, its number first (as okr, Excel and LibreOffice write it).
_ROW_OPENING = re.compile(rb'<row r="(\d+)"')
# What in a sheet a deletion of rows would have to move besides the rows: then it is parsed.
_NOT_CUT = (b"<f", b"<mergeCell", b"<hyperlink", b"<tablePart", b"<x:", b":row ")


def _delete_splice(xml: bytes, doomed: Collection[int]) -> bytes | None:
    """`xml` without the rows `doomed` names, the rows below moved up (renumbered, with
    their cells), as `_Sheet.delete_rows` does, by cutting text: a long log a rollover
    empties (90,000 rows of values) is never parsed, which took gigabytes.

    Only for a sheet of values whose rows are numbered and in order, and that holds nothing
    anchored to its rows but its cells (no formula, merged cell, hyperlink or table); None
    otherwise, and the sheet is parsed."""
    span = rows_span(xml)
    if span is None or any(marker in xml for marker in _NOT_CUT):
        return None
    start, end = span
    opening = xml.find(b">", start) + 1
    if opening <= 0 or opening > end:
        return None
    starts = [(m.start(), int(m.group(1))) for m in _ROW_OPENING.finditer(xml, opening, end)]
    if len(starts) != xml.count(b"<row", opening, end):
        return None  # a row written otherwise
    numbers = [n for _, n in starts]
    if not all(map(int.__lt__, numbers, numbers[1:])):
        return None  # rows out of order, or twice
    gone = sorted(set(doomed))
    pieces: list[bytes | memoryview] = []
    view = memoryview(xml)
    kept_from = opening  # the start of the run of rows kept as they are
    last = 0
    bounds = [*(at for at, _ in starts[1:]), end]
    for (at, number), stop in zip(starts, bounds, strict=True):
        shift = bisect.bisect_left(gone, number)
        if shift < len(gone) and gone[shift] == number:
            pieces.append(view[kept_from:at])
            kept_from = stop
            continue
        last = number - shift
        if shift:
            pieces.append(view[kept_from:at])
            pieces.append(_renumbered(xml[at:stop], number, last))
            kept_from = stop
    pieces.append(view[kept_from:end])
    head = _DIMENSION.sub(lambda m: _shrunk(m, last), xml[:start], count=1)
    return b"".join([head, view[start:opening], *pieces, view[end:]])


# A row's or a cell's reference: its column letters (none for a row) and its row number.
_REFERENCE = re.compile(rb' r="([A-Z]{0,3})(\d+)"')


def _renumbered(row: bytes, old: int, new: int) -> bytes:
    """A row's XML with its number, and its cells', `new` instead of `old`."""
    was, now = b"%d" % old, b"%d" % new
    return _REFERENCE.sub(
        lambda m: b' r="%s%s"' % (m[1], now) if m[2] == was else m[0],
        row,
    )


def _shrunk(match: re.Match[bytes], last: int) -> bytes:
    """A `<dimension ref=...>` reaching down to row `last` (A1 when no row is left)."""
    end = match.group(2).split(b":")[-1]
    letters = end.rstrip(b"0123456789") or b"A"
    ref = b"A1" if last <= 1 and letters == b"A" else b"A1:%s%d" % (letters, max(last, 1))
    return match.group(1) + ref + match.group(3)


def _only(kind: type[AppendRows | DeleteRows], changes: Sequence[Change], tab: str) -> bool:
    """Whether the one change `changes` make on `tab` is of `kind`."""
    mine = [
        c for c in changes if isinstance(c, SetCells | AppendRows | DeleteRows) and c.tab == tab
    ]
    return len(mine) == 1 and isinstance(mine[0], kind)


_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")([^"]*)(")')


def rows_span(xml: bytes) -> tuple[int, int] | None:
    """Where a sheet's rows lie, from `<sheetData` to `</sheetData>`: what an append keeps
    as it is. None for a sheet without rows or with prefixed tags."""
    if b"<x:" in xml[:400]:
        return None
    start = xml.find(b"<sheetData")
    end = xml.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return None
    return start, end


def _append_splice(
    xml: bytes | LongSheet, rows: Sequence[Sequence[WriteValue]], styles: _Styles
) -> Splice | None:
    """Append rows to a long sheet (the check-in log) by text insertion before </sheetData>.

    Parsing a sheet of 100,000 rows costs seconds; appending needs only its last row number
    and its column styles, and both sit at the ends of the XML: nothing here reads the rows in
    between, nor copies them (a `LongSheet` is the sheet known by those ends alone). Returns
    None when the sheet is unusual (prefixed tags, a last row without values, a date with no
    date style to borrow), and the caller parses it instead.
    """
    if isinstance(xml, LongSheet):
        start, end = xml.start, xml.end
        near_end, any_row, head = xml.near_end, xml.rows, xml.head
    else:
        span = rows_span(xml)
        if span is None:
            return None  # no rows yet (<sheetData/>), or an odd sheet: let the parser decide
        start, end = span
        near_end, head = xml[max(start, end - NEAR_END) : end], xml[:start]
        any_row = xml.find(b"<row", start, end) >= 0
    found = list(_LAST_ROW.finditer(near_end))
    last = found[-1] if found else None
    if last is None:
        if any_row:
            return None  # rows exist but lie far before the end: let the parser decide
        last_number = 0
    else:
        tail = near_end[last.start() :]
        if b"<v>" not in tail and b"<is>" not in tail and b"<f" not in tail:
            return None
        if near_end.find(b"<row", last.end()) >= 0:
            return None  # rows without numbers after it: their numbers come from counting
        last_number = int(last.group(1))
    # `head`: everything before the rows: <dimension>, <cols>, views
    col_styles: dict[int, int] = {}
    for match in _COL.finditer(head):
        attrs = dict(_ATTR.findall(match.group(1)))
        if b"style" in attrs:
            for col in range(int(attrs.get(b"min", b"0")), int(attrs.get(b"max", b"0")) + 1):
                col_styles[col] = int(attrs[b"style"])
    out = []
    widest = 1
    for offset, values in enumerate(rows, start=1):
        number = last_number + offset
        cells = []
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            widest = max(widest, col)
            xml_cell = _cell_xml(
                f"{column_letter(col)}{number}", value, col_styles.get(col, 0), styles
            )
            if xml_cell is None:
                return None
            cells.append(xml_cell)
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
    new_last = last_number + len(rows)

    def grow(match: re.Match[bytes]) -> bytes:
        end_ref = match.group(2).split(b":")[-1].decode()
        cols = max(column_index(end_ref) if end_ref[:1].isalpha() else 1, widest)
        return match.group(1) + f"A1:{column_letter(cols)}{new_last}".encode() + match.group(3)

    splice = Splice(_DIMENSION.sub(grow, head, count=1), xml, start, end, "".join(out).encode())
    splice.added = (last_number + 1, new_last)
    return splice


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _encode(value: WriteValue, style: int, styles: _Styles) -> tuple[str, str, int, bool]:
    """A value as a cell of the .xlsx holds it, for every cell the patcher writes (set on a row
    or in an appended one): (kind, escaped text, cell style, whether to keep spaces). The kind
    is "" (blank), "f" (formula), "s" (inline text), "b" (boolean) or "n" (number or date).
    `cell_value` first, as on every backend; a date in a cell formatted as text goes in as its
    text (`date_text`), elsewhere as a serial number under a date format."""
    value = cell_value(value)
    if value is None:
        return "", "", style, False
    if isinstance(value, Formula):
        return "f", _escape_illegal(value.text.removeprefix("=")), style, False
    if isinstance(value, date) and styles.is_text(style):
        value = date_text(value)
    if isinstance(value, str):
        return "s", escape_text(value), style, value != value.strip() or "\n" in value
    if isinstance(value, bool):
        return "b", "1" if value else "0", style, False
    if isinstance(value, date):
        if not styles.is_date(style):
            code = NUMBER_FORMATS["datetime" if isinstance(value, datetime) else "date"]
            style = styles.dated(style, code)
        return "n", repr(serial(value)), style, False
    return "n", repr(float(value)), style, False


def _cell_xml(ref: str, value: WriteValue, style: int, styles: _Styles) -> str | None:
    """A cell of an appended row; None for a date whose column has no date style to borrow
    (the parser gives the cell one)."""
    plain = cell_value(value)
    if isinstance(plain, date) and not (styles.is_date(style) or styles.is_text(style)):
        return None
    kind, text, style, preserve = _encode(plain, style, styles)
    s = f' s="{style}"' if style else ""
    if kind == "f":
        formula = f"<f>{_escape(text)}</f>"
        result = plain.result if isinstance(plain, Formula) else None
        if result is None:
            return f'<c r="{ref}"{s}>{formula}</c>'
        result_kind, result_text = result_xml(result)
        typed = f' t="{result_kind}"' if result_kind else ""
        return f'<c r="{ref}"{s}{typed}>{formula}<v>{_escape(result_text)}</v></c>'
    if kind == "s":
        space = ' xml:space="preserve"' if preserve else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'
    if kind == "b":
        return f'<c r="{ref}"{s} t="b"><v>{text}</v></c>'
    return f'<c r="{ref}"{s}><v>{text}</v></c>' if kind else ""


_ANCHOR = re.compile(rb"<(?:\w+:)?(?:twoCellAnchor|oneCellAnchor)\b")
_COMMENT_REF = re.compile(rb'<(?:\w+:)?(?:comment|threadedComment)\b[^>]*?\bref="([^"]+)"')


def _anchored_below(package: Package, part: str, first: int) -> str | None:
    """What of the worksheet `part` sits on a row from `first` down in parts of its own
    (comments, notes, drawn shapes, charts, images), which deleting rows above it would leave
    on the wrong row; None when nothing does (header notes on row 1 stay where they are)."""
    rels_name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels_name not in set(package.namelist()):
        return None
    rels = etree.fromstring(package.read(rels_name), _PARSER)
    for rel in rels.iterfind(f"{{{PKG_REL_NS}}}Relationship"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if rel.get("TargetMode") == "External" or kind not in (
            "comments",
            "threadedComment",
            "drawing",
        ):
            continue
        target = rel.get("Target", "")
        name = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        )
        data = package.read(name)
        if kind == "drawing" and _ANCHOR.search(data):
            return "drawn shapes, charts or images"
        if any(_bottom_row(ref.decode()) >= first for ref in _COMMENT_REF.findall(data)):
            return "comments"
    return None


def _without_calc_chain(package: Package) -> dict[str, bytes | None]:
    """Excel rebuilds calcChain.xml; a stale one (a formula cell now holding a value) makes it
    'repair' the file, so the chain is dropped along with its references."""
    if "xl/calcChain.xml" not in package.namelist():
        return {}
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"), _PARSER)
    for rel in list(rels):
        if rel.get("Type") == CALC_CHAIN_TYPE:
            rels.remove(rel)
    types = package.read("[Content_Types].xml")
    types = re.sub(rb'<Override[^>]*PartName="/xl/calcChain.xml"[^>]*/>', b"", types)
    return {
        "xl/_rels/workbook.xml.rels": bytes(
            etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        ),
        "[Content_Types].xml": types,
        "xl/calcChain.xml": None,
    }


def _full_calc_on_load(xml: bytes) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    calc = root.find(f"{_Q}calcPr")
    if calc is None:
        calc = etree.SubElement(root, f"{_Q}calcPr")
        # calcPr belongs right after definedNames/sheets; move it before any extension lists.
        for tag in (
            "oleSize",
            "customWorkbookViews",
            "pivotCaches",
            "smartTagPr",
            "smartTagTypes",
            "webPublishing",
            "fileRecoveryPr",
            "webPublishObjects",
            "extLst",
        ):
            later = root.find(f"{_Q}{tag}")
            if later is not None:
                later.addprevious(calc)
                break
    calc.set("fullCalcOnLoad", "1")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


TABLE_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
_REF = re.compile(r"([A-Z]+)(\d+):([A-Z]+)(\d+)")


def _grown_tables(package: Package, part: str, first: int, last: int) -> dict[str, bytes]:
    """The tables (Excel's Format as Table) of the worksheet `part` that end on the row just
    above rows `first` to `last`, which were appended: grown to take them in, as a person
    typing under a table sees it grow. A table with a totals row is left as it is."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in package.namelist():
        return {}
    rels = etree.fromstring(package.read(rels_name), _PARSER)
    grown: dict[str, bytes] = {}
    for rel in rels.iterfind(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("Type") != TABLE_TYPE or rel.get("TargetMode") == "External":
            continue
        target = str(rel.get("Target", ""))
        table_part = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        if table_part not in package.namelist():
            continue
        table = etree.fromstring(package.read(table_part), _PARSER)
        ref = _REF.fullmatch(table.get("ref", ""))
        if ref is None or int(ref.group(4)) != first - 1 or table.get("totalsRowCount", "0") != "0":
            continue
        new_ref = f"{ref.group(1)}{ref.group(2)}:{ref.group(3)}{last}"
        table.set("ref", new_ref)
        auto_filter = table.find(f"{_Q}autoFilter")
        if auto_filter is not None:
            auto_filter.set("ref", new_ref)
        grown[table_part] = bytes(
            etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
        )
    return grown


def patch(source: str | Package, target: IO[bytes], changes: Sequence[Change]) -> None:
    """Write to `target` the workbook at `source` (a path, or a package already read) with
    `changes` applied. A package this module cannot parse (a part missing, XML that is not
    well-formed, such as a prefix without its namespace) is `Unpatchable`: the full rewrite
    then either manages or says that the file is not a readable workbook."""
    try:
        _patch(source, target, changes)
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise Unpatchable(f"the package cannot be parsed ({exc})") from exc


def _patch(source: str | Package, target: IO[bytes], changes: Sequence[Change]) -> None:
    added = [c for c in changes if isinstance(c, AddTab)]
    if added and not all(plain(c) for c in added):
        raise Unpatchable("new tabs with formulas, choices or colours need a full rewrite")
    changes = [c for c in changes if not isinstance(c, AddTab)]
    package = source if isinstance(source, Package) else Package.open(source)
    parts = sheet_parts_of(package)
    styles = _Styles(package.read("xl/styles.xml"))
    sheets: dict[str, _Sheet] = {}
    replaced: dict[str, Content | None] = {}
    changed: dict[str, _Cells] = {}  # where the changes wrote, for `stale_formulas`
    # Rows deleted from a long sheet of values (the log a rollover empties) are cut out of
    # its XML (`_delete_splice`), never parsed.
    cut = {
        c.tab: found
        for c in changes
        if isinstance(c, DeleteRows)
        and c.rows
        and _only(DeleteRows, changes, c.tab)
        and c.tab in parts
        and package.size(parts[c.tab]) > SERIALIZED_FROM
        and not isinstance(package.outlines.get(parts[c.tab]), LongSheet)
        and _anchored_below(package, parts[c.tab], min(c.rows)) is None
        and (found := _delete_splice(package.read(parts[c.tab]), c.rows)) is not None
    }
    # The other sheets the changes set cells on or delete rows of, parsed several at once
    # (see `in_parallel`) before the first is changed.
    to_parse = list(
        dict.fromkeys(
            parts[c.tab]
            for c in changes
            if isinstance(c, SetCells | DeleteRows) and c.tab in parts and c.tab not in cut
        )
    )
    roots = dict(zip(to_parse, in_parallel(_parse_part(package), to_parse), strict=True))
    for change in changes:
        assert isinstance(change, SetCells | AppendRows | DeleteRows)
        part = parts.get(change.tab)
        if part is None:
            raise Unpatchable(f"no worksheet part for {change.tab!r}")
        written = changed.setdefault(change.tab, _Cells())
        if isinstance(change, DeleteRows) and change.tab in cut:
            replaced[part] = cut[change.tab]
            written.rows_from = min(written.rows_from or _ANY_ROW, min(change.rows))
            continue
        # A long sheet the read skimmed is known by its ends: its XML is not inflated again.
        known = package.outlines.get(part)
        if (
            isinstance(change, AppendRows)
            and _only(AppendRows, changes, change.tab)
            and not _has_cached_results(  # the rows may change them
                xml := known if isinstance(known, LongSheet) else package.read(part)
            )
        ):
            fast = _append_splice(xml, change.rows, styles)
            if fast is not None:
                replaced[part] = fast
                replaced.update(_grown_tables(package, part, *fast.added))
                written.rows_from = min(written.rows_from or _ANY_ROW, fast.added[0])
                continue
        sheet = sheets.get(part)
        if sheet is None:
            root = roots.pop(part, None)
            # (Its XML is not kept: the parsed tree holds it, and a Dashboard is megabytes.)
            sheet = _Sheet(package.peek(part) if root is None else root, styles)
        sheets[part] = sheet
        if isinstance(change, DeleteRows):
            if change.rows:
                below = _anchored_below(package, part, min(change.rows))
                if below is not None:
                    raise Unpatchable(f"{below} below deleted rows need a full rewrite")
                sheet.delete_rows(change.rows)
                # Every row from the first one deleted on holds other cells now.
                written.rows_from = min(written.rows_from or _ANY_ROW, min(change.rows))
        elif isinstance(change, SetCells):
            for (row, col), value in sorted(change.cells.items()):
                sheet.set(row, col, value)
                written.add(row, col)
        else:
            start = sheet.last_used_row() + 1
            written.rows_from = min(written.rows_from or _ANY_ROW, start)
            for offset, values in enumerate(change.rows):
                for col, value in enumerate(values, start=1):
                    if value is not None:
                        sheet.set(start + offset, col, value)
            if change.rows:
                replaced.update(_grown_tables(package, part, start, start + len(change.rows) - 1))
    titles = {part: title for title, part in parts.items()}
    stale = stale_formulas(
        {titles[part]: sheet.formulas() for part, sheet in sheets.items()}, changed
    )
    finished = [sheet.finish(stale.get(titles[part], set())) for part, sheet in sheets.items()]
    # A long sheet (a Dashboard of hundreds of people) is serialized as it is written, never
    # held as bytes; the others several at once.
    long = {part for part in sheets if package.size(part) > SERIALIZED_FROM}
    replaced.update({part: Serialized(sheets[part].write_to) for part in long})
    short = [sheet for part, sheet in zip(sheets, finished, strict=True) if part not in long]
    replaced.update(
        zip(
            (part for part in sheets if part not in long),
            in_parallel(_Sheet.to_bytes, short),
            strict=True,
        )
    )
    replaced["xl/workbook.xml"] = follow_data(_full_calc_on_load(package.read("xl/workbook.xml")))
    replaced.update(_without_calc_chain(package))
    if added:  # a plain tab of values, at the end (see stores/xlsx/newtab)

        def style_for(number_format: NumberFormat) -> int:
            return styles.date_style(NUMBER_FORMATS[number_format])

        # Its header looks like the header of the tabs this write changes (okr's own tabs:
        # the first row's style, as the workbook has it).
        header = next((s.header_style() for s in sheets.values() if s.header_style()), 0)
        replaced.update(add_tabs(package, added, replaced, style_for, header))
    if styles.changed:
        replaced["xl/styles.xml"] = styles.to_bytes()
    package.write(target, replaced)
