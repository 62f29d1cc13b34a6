"""Patch cells of an .xlsx in place: rewrite only the worksheets that change, copy every other
part of the package byte for byte.

A full openpyxl load and save of a large workbook takes seconds and drops what openpyxl does not
model (images, charts, slicers). Check-ins and grades only set cells and append rows, so this
module edits those sheets' XML directly: cells keep their styles, rows keep their heights, and
everything else in the file is untouched. Anything it cannot do safely raises `Unpatchable`, and
the store falls back to openpyxl.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from lxml import etree

from okrsheet.stores.base import AppendRows, Change, Formula, SetCells, WriteValue

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CALC_CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"
_Q = f"{{{NS}}}"
_EPOCH = datetime(1899, 12, 30)
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Built-in number formats that show dates.
_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 22, 27, 30, 36, 45, 46, 47, 50, 57}
_TEXT_FORMAT = 49  # the built-in `@`
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False, resolve_entities=False)
# XML 1.0 cannot hold these; Excel stores them as _xHHHH_.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Unpatchable(Exception):
    """The change needs a full rewrite (new tabs, deleted rows, an unusual package)."""


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


def column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    if not letters:
        raise Unpatchable(f"odd cell reference {ref!r}")
    index = 0
    for char in letters.group():
        index = index * 26 + ord(char) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _serial(value: date) -> float:
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    delta = moment.replace(tzinfo=None) - _EPOCH
    return delta.days + delta.seconds / 86400


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


class _Sheet:
    """One worksheet's XML with an index of its rows."""

    def __init__(self, xml: bytes, styles: _Styles) -> None:
        self.root = etree.fromstring(xml, _PARSER)
        self.styles = styles
        data = self.root.find(f"{_Q}sheetData")
        if data is None:
            raise Unpatchable("a worksheet without sheetData")
        self.data = data
        self.rows: dict[int, Any] = {}
        number = 0
        for row in data.iterfind(f"{_Q}row"):
            # `r` is optional: a row without one follows the row before it, and a cell
            # without one the cell before it. Some writers leave them out; the numbers are
            # written in, which changes nothing for a reader and lets cells be found.
            given = row.get("r")
            number = int(given) if given is not None else number + 1
            if given is None:
                row.set("r", str(number))
            self.rows[number] = row
            col = 0
            for cell in row.iterfind(f"{_Q}c"):
                ref = cell.get("r")
                if ref is None:
                    col += 1
                    cell.set("r", f"{column_letters(col)}{number}")
                else:
                    col = column_index(ref)
        self.widest_written = 1
        self.column_styles: list[tuple[int, int, int]] = [
            (int(c.get("min", "0")), int(c.get("max", "0")), int(c.get("style", "0")))
            for c in self.root.iterfind(f"{_Q}cols/{_Q}col")
            if c.get("style")
        ]

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

    def _cell(self, row_number: int, col: int) -> Any:
        row = self._row(row_number)
        ref = f"{column_letters(col)}{row_number}"
        after = None
        for cell in row.iterfind(f"{_Q}c"):
            existing = cell.get("r")
            if existing is None:
                raise Unpatchable("cells without references")
            index = column_index(existing)
            if index == col:
                return cell
            if index > col:
                after = cell
                break
        cell = etree.Element(f"{_Q}c", r=ref)
        style = self._column_style(col)
        if style:
            cell.set("s", str(style))
        if after is not None:
            after.addprevious(cell)
        else:
            row.append(cell)
        return cell

    def _column_style(self, col: int) -> int:
        return next((s for low, high, s in self.column_styles if low <= col <= high), 0)

    def set(self, row: int, col: int, value: WriteValue) -> None:
        self.widest_written = max(self.widest_written, col)
        cell = self._cell(row, col)
        for child in list(cell):
            cell.remove(child)
        for attr in ("t", "cm", "vm"):
            cell.attrib.pop(attr, None)
        if value is None:
            return
        if isinstance(value, Formula):
            etree.SubElement(cell, f"{_Q}f").text = _escape_illegal(value.text.removeprefix("="))
        elif isinstance(value, str):
            cell.set("t", "inlineStr")
            text = etree.SubElement(etree.SubElement(cell, f"{_Q}is"), f"{_Q}t")
            text.text = escape_text(value)
            if value != value.strip() or "\n" in value:
                text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        elif isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, f"{_Q}v").text = "1" if value else "0"
        elif isinstance(value, date):
            style = int(cell.get("s", "0"))
            if self.styles.is_text(style):  # a cell formatted as text gets the date as text
                self.set(row, col, value.isoformat(sep=" ") if isinstance(value, datetime)
                         else value.isoformat())  # fmt: skip
                return
            etree.SubElement(cell, f"{_Q}v").text = repr(_serial(value))
            if not self.styles.is_date(style):
                code = _DATETIME_FORMAT if isinstance(value, datetime) else _DATE_FORMAT
                cell.set("s", str(self.styles.dated(style, code)))
        else:
            etree.SubElement(cell, f"{_Q}v").text = repr(float(value))

    def finish(self) -> bytes:
        # Cached results of formulas may now be stale: drop them so every app recomputes.
        for formula in self.root.iter(f"{_Q}f"):
            cell = formula.getparent()
            cached = cell.find(f"{_Q}v")
            if cached is not None:
                cell.remove(cached)
        dimension = self.root.find(f"{_Q}dimension")
        if dimension is not None and self.rows:
            end = dimension.get("ref", "A1").split(":")[-1]
            widest = max(column_index(end), self.widest_written)
            dimension.set("ref", f"A1:{column_letters(widest)}{max(self.rows)}")
        return bytes(
            etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
        )


def _only_appends(changes: Sequence[Change], tab: str) -> bool:
    mine = [c for c in changes if isinstance(c, SetCells | AppendRows) and c.tab == tab]
    return len(mine) == 1 and isinstance(mine[0], AppendRows)


_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")([^"]*)(")')


class Splice:
    """A member's new content: `before`, then `source[start:end]` as it was, then `inserted`,
    then the rest of `source` from `end` on.

    An append to a long sheet changes only what lies around its rows; keeping the rows as a
    slice of the old content spares copying tens of megabytes, and lets `Package.write` reuse
    them still deflated (see `_deflate`).
    """

    __slots__ = ("added", "before", "end", "inserted", "source", "start")

    def __init__(self, before: bytes, source: bytes, start: int, end: int, inserted: bytes) -> None:
        self.before = before
        self.source = source
        self.start = start
        self.end = end
        self.inserted = inserted
        self.added = (0, 0)  # the first and last row numbers of the rows appended

    def pieces(self) -> tuple[bytes, memoryview, bytes, memoryview]:
        view = memoryview(self.source)
        return self.before, view[self.start : self.end], self.inserted, view[self.end :]

    def __bytes__(self) -> bytes:
        return b"".join(self.pieces())


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


def _append_without_parsing(
    xml: bytes, rows: Sequence[Sequence[WriteValue]], styles: _Styles
) -> bytes | None:
    splice = _append_splice(xml, rows, styles)
    return None if splice is None else bytes(splice)


def _append_splice(
    xml: bytes, rows: Sequence[Sequence[WriteValue]], styles: _Styles
) -> Splice | None:
    """Append rows to a long sheet (the check-in log) by text insertion before </sheetData>.

    Parsing a sheet of 100,000 rows costs seconds; appending needs only its last row number
    and its column styles, and both sit at the ends of the XML: nothing here reads the rows in
    between, nor copies them. Returns None when the sheet is unusual (prefixed tags, a last row
    without values, a date with no date style to borrow), and the caller parses it instead.
    """
    span = rows_span(xml)
    if span is None:
        return None  # no rows yet (<sheetData/>), or an odd sheet: let the parser decide
    start, end = span
    found = list(_LAST_ROW.finditer(xml, max(start, end - 200_000), end))
    last = found[-1] if found else None
    if last is None:
        if b"<row" in xml[start:end]:
            return None  # rows exist but lie far before the end: let the parser decide
        last_number = 0
    else:
        tail = xml[last.start() : end]
        if b"<v>" not in tail and b"<is>" not in tail and b"<f" not in tail:
            return None
        if xml.find(b"<row", last.end(), end) >= 0:
            return None  # rows without numbers after it: their numbers come from counting
        last_number = int(last.group(1))
    head = xml[:start]  # everything before the rows: <dimension>, <cols>, views
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
                f"{column_letters(col)}{number}", value, col_styles.get(col, 0), styles
            )
            if xml_cell is None:
                return None
            cells.append(xml_cell)
        out.append(f'<row r="{number}">{"".join(cells)}</row>')
    new_last = last_number + len(rows)

    def grow(match: re.Match[bytes]) -> bytes:
        end_ref = match.group(2).split(b":")[-1].decode()
        cols = max(column_index(end_ref) if end_ref[:1].isalpha() else 1, widest)
        return match.group(1) + f"A1:{column_letters(cols)}{new_last}".encode() + match.group(3)

    splice = Splice(_DIMENSION.sub(grow, head, count=1), xml, start, end, "".join(out).encode())
    splice.added = (last_number + 1, new_last)
    return splice


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell_xml(ref: str, value: WriteValue, style: int, styles: _Styles) -> str | None:
    s = f' s="{style}"' if style else ""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return (
            f'<c r="{ref}"{s}><f>{_escape(_escape_illegal(value.text.removeprefix("=")))}</f></c>'
        )
    if isinstance(value, str):
        text = _escape(escape_text(value))
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, date):
        if not styles.is_date(style):
            return None
        return f'<c r="{ref}"{s}><v>{_serial(value)!r}</v></c>'
    return f'<c r="{ref}"{s}><v>{float(value)!r}</v></c>'


def _sheet_parts(package: Package) -> dict[str, str]:
    """Tab title -> the zip member holding its worksheet."""
    workbook = etree.fromstring(package.read("xl/workbook.xml"), _PARSER)
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"), _PARSER)
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iterfind(f"{{{PKG_REL_NS}}}Relationship")
    }
    parts = {}
    for sheet in workbook.iterfind(f"{_Q}sheets/{_Q}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        parts[sheet.get("name", "")] = path
    return parts


def sheet_parts(package: Package) -> dict[str, str]:
    """Tab title -> the zip member holding its worksheet; empty for a package this module
    cannot make sense of (the caller then does without)."""
    try:
        return _sheet_parts(package)
    except (KeyError, etree.XMLSyntaxError):
        return {}


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
    `changes` applied."""
    if any(not isinstance(c, SetCells | AppendRows) for c in changes):
        raise Unpatchable("new tabs or deleted rows need a full rewrite")
    package = source if isinstance(source, Package) else Package.open(source)
    parts = _sheet_parts(package)
    styles = _Styles(package.read("xl/styles.xml"))
    sheets: dict[str, _Sheet] = {}
    replaced: dict[str, bytes | Splice | None] = {}
    for change in changes:
        assert isinstance(change, SetCells | AppendRows)
        part = parts.get(change.tab)
        if part is None:
            raise Unpatchable(f"no worksheet part for {change.tab!r}")
        if isinstance(change, AppendRows) and _only_appends(changes, change.tab):
            fast = _append_splice(package.read(part), change.rows, styles)
            if fast is not None:
                replaced[part] = fast
                replaced.update(_grown_tables(package, part, *fast.added))
                continue
        sheet = sheets.get(part) or _Sheet(package.read(part), styles)
        sheets[part] = sheet
        if isinstance(change, SetCells):
            for (row, col), value in sorted(change.cells.items()):
                sheet.set(row, col, value)
        else:
            start = sheet.last_used_row() + 1
            for offset, values in enumerate(change.rows):
                for col, value in enumerate(values, start=1):
                    if value is not None:
                        sheet.set(start + offset, col, value)
            if change.rows:
                replaced.update(_grown_tables(package, part, start, start + len(change.rows) - 1))
    replaced.update({part: sheet.finish() for part, sheet in sheets.items()})
    if styles.changed:
        replaced["xl/styles.xml"] = styles.to_bytes()
    replaced["xl/workbook.xml"] = _full_calc_on_load(package.read("xl/workbook.xml"))
    replaced.update(_without_calc_chain(package))
    package.write(target, replaced)


# The zip package ------------------------------------------------------------------------------

_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8_NAME = 0x800
_DESCRIPTOR = 0x08
_LIMIT = 0xFFFFFFFF  # past this a zip needs zip64 records, which `Package.write` leaves to zipfile


class _Entry:
    """One member as the file stores it: its central directory record and where its local
    header, compressed data and data descriptor lie."""

    __slots__ = ("central", "data", "end", "name", "start")

    def __init__(self, name: str, central: bytes, start: int, data: slice, end: int) -> None:
        self.name = name
        self.central = central
        self.start = start
        self.data = data  # the compressed bytes
        self.end = end

    @property
    def deflated(self) -> bool:
        """Plainly deflated: no encryption, no other method."""
        flags, method = struct.unpack_from("<2H", self.central, 8)
        return method == zipfile.ZIP_DEFLATED and not flags & 0x01


def _entries(data: bytes) -> list[_Entry] | None:
    """The members of a plain zip, in central directory order; None for anything else (zip64,
    split archives, bytes before the first member, headers that disagree)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + _EOCD.size > len(data):
        return None
    _, disk, cd_disk, here, total, size, offset, _ = _EOCD.unpack_from(data, at)
    if disk or cd_disk or here != total or offset + size != at:
        return None
    entries: list[_Entry] = []
    pos = offset
    for _ in range(total):
        if data[pos : pos + 4] != b"PK\x01\x02" or pos + _CENTRAL.size > at:
            return None
        fields = _CENTRAL.unpack_from(data, pos)
        flags, compressed, plain = fields[5], fields[10], fields[11]
        name_len, extra_len, comment_len, local = fields[12], fields[13], fields[14], fields[18]
        if _LIMIT in (compressed, plain, local):
            return None
        name = data[pos + _CENTRAL.size : pos + _CENTRAL.size + name_len]
        record_end = pos + _CENTRAL.size + name_len + extra_len + comment_len
        if data[local : local + 4] != b"PK\x03\x04" or local + _LOCAL.size > offset:
            return None
        header = _LOCAL.unpack_from(data, local)
        data_start = local + _LOCAL.size + header[10] + header[11]
        if data[local + _LOCAL.size : local + _LOCAL.size + header[10]] != name:
            return None
        end = data_start + compressed
        if header[3] & _DESCRIPTOR:  # sizes in a descriptor after the data, maybe signed
            end += 16 if data[end : end + 4] == b"PK\x07\x08" else 12
        if end > offset:
            return None
        text = name.decode("utf-8" if flags & _UTF8_NAME else "cp437")
        stored = slice(data_start, data_start + compressed)
        entries.append(_Entry(text, data[pos:record_end], local, stored, end))
        pos = record_end
    return entries if pos == at else None


class Package:
    """An .xlsx file read once: its members decompressed on demand (each once), and a writer
    that copies every member not given anew exactly as the file holds it, compressed bytes
    and headers included, so an unchanged part costs a memory copy instead of a round trip
    through zlib."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._members: dict[str, bytes] = {}
        self._entries = _entries(data)
        self._by_name = {e.name: e for e in self._entries or ()}

    @classmethod
    def open(cls, path: str | Path) -> Package:
        return cls(Path(path).read_bytes())

    def namelist(self) -> list[str]:
        return self.zip.namelist()

    def size(self, name: str) -> int:
        """A member's uncompressed size, without reading it."""
        return self.zip.getinfo(name).file_size

    def read(self, name: str) -> bytes:
        found = self._members.get(name)
        if found is None:
            found = self._members[name] = self._inflate(name) or self.zip.read(name)
        return found

    def _inflate(self, name: str) -> bytes | None:
        """A deflated member in one call to zlib (zipfile inflates in small steps: a fifth
        slower on a 40 MB sheet), checked against its size and CRC all the same."""
        entry = self._by_name.get(name)
        if entry is None or not entry.deflated:
            return None
        crc, _, size = struct.unpack_from("<3L", entry.central, 16)
        inflate = zlib.decompressobj(-15)
        data = inflate.decompress(memoryview(self.data)[entry.data]) + inflate.flush()
        if len(data) != size or zlib.crc32(data) != crc or not inflate.eof:
            raise zipfile.BadZipFile(f"bad CRC or size in {name}")
        return data

    def write(
        self,
        target: IO[bytes],
        replaced: Mapping[str, bytes | Splice | None],
        *,
        compress: bool = True,
    ) -> None:
        """Write the package to `target` with the members in `replaced` given anew (None
        leaves one out), deflated at level 1, or stored as they are when not `compress` (for
        a copy that only lives in memory). The others keep their bytes and their order."""
        if self._entries is None:
            self._write_with_zipfile(target, replaced, compress=compress)
            return
        data = memoryview(self.data)
        records: list[bytes] = []
        offset = 0
        for entry in self._entries:
            if entry.name not in replaced:
                target.write(data[entry.start : entry.end])
                records.append(entry.central[:42] + struct.pack("<L", offset) + entry.central[46:])
                offset += entry.end - entry.start
            else:
                content = replaced[entry.name]
                if content is None:
                    continue
                old = data[entry.data] if entry.deflated else None
                header, body, record = _fresh_member(entry, content, offset, compress, old)
                target.write(header)
                target.write(body)
                records.append(record)
                offset += len(header) + len(body)
            if offset > _LIMIT:
                raise Unpatchable("the workbook is too large for a plain zip")
        directory = b"".join(records)
        comment = self.zip.comment
        target.write(directory)
        count = len(records)
        end = _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, len(comment))
        target.write(end + comment)

    def _write_with_zipfile(
        self,
        target: IO[bytes],
        replaced: Mapping[str, bytes | Splice | None],
        *,
        compress: bool,
    ) -> None:
        """The slow and general way, for packages `_entries` declines: every member is
        decompressed and compressed again."""
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(target, "w", method, compresslevel=1) as out:
            for info in self.zip.infolist():
                if info.filename in replaced:
                    data = replaced[info.filename]
                    if data is not None:
                        out.writestr(
                            _clone(info), bytes(data), compress_type=method, compresslevel=1
                        )
                    continue
                with self.zip.open(info) as member:
                    out.writestr(
                        _clone(info),
                        member.read(),
                        compress_type=info.compress_type,
                        compresslevel=1,
                    )


_SYNC_MARK = b"\x00\x00\xff\xff"  # what a sync flush ends with: an empty stored block


def _segment(data: bytes | memoryview, last: bool = False) -> bytes:
    """Data deflated (raw, level 1) on its own: a fresh compressor, so nothing in it refers
    back to what comes before. Unless `last`, it ends with a sync flush: on a byte boundary,
    no final block, so that another segment can follow it in the same stream."""
    deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _deflate(content: bytes | Splice, old: memoryview | None) -> bytes:
    """Raw deflate at level 1 (several times faster than the default, a few percent larger).

    A splice is deflated in segments: what comes before the rows, the rows, the rows it
    inserts, and the rest. Each segment is deflated on its own, and inflaters read them end
    to end as one stream. When the member was written that way before (by an earlier append),
    `old`, its deflated bytes, starts with the first segment and ends with the last, and what
    lies between them is the rows, already deflated: they are reused as they are, and a
    check-in deflates a few hundred bytes instead of a 40 MB log.
    """
    if isinstance(content, bytes):
        return _segment(content, last=True)
    before, rows, inserted, rest = content.pieces()
    ending = _segment(rest, last=True)
    kept = None
    if old is not None:
        opening = _segment(content.source[: content.start])
        if len(opening) + len(ending) <= len(old) and old[: len(opening)] == opening:
            middle = old[len(opening) : len(old) - len(ending)]
            if old[len(old) - len(ending) :] == ending and middle[-4:] == _SYNC_MARK:
                kept = middle
    return b"".join(
        (
            _segment(before),
            _segment(rows) if kept is None else kept,
            _segment(inserted) if inserted else b"",
            ending,
        )
    )


def _fresh_member(
    entry: _Entry,
    content: bytes | Splice,
    offset: int,
    compress: bool,
    deflated_before: memoryview | None = None,
) -> tuple[bytes, bytes, bytes]:
    """A member's new local header, its data, and its central directory record: the name,
    time stamp, comment and attributes of the old one, the new content. `deflated_before`:
    the member's deflated bytes as the file holds them, for `_deflate` to reuse."""
    old = _CENTRAL.unpack_from(entry.central)
    made_by, system, flags, stamp_time, stamp_date = old[1], old[2], old[5], old[7], old[8]
    name_len, extra_len, comment_len, internal, external = *old[12:15], *old[16:18]
    name = entry.central[_CENTRAL.size : _CENTRAL.size + name_len]
    comment = entry.central[_CENTRAL.size + name_len + extra_len :]
    assert len(comment) == comment_len
    pieces = content.pieces() if isinstance(content, Splice) else (content,)
    size = sum(len(piece) for piece in pieces)
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    if compress:
        body, method = _deflate(content, deflated_before), zipfile.ZIP_DEFLATED
    else:
        body, method = bytes(content), zipfile.ZIP_STORED
    flags &= _UTF8_NAME
    if len(body) > _LIMIT or size > _LIMIT:
        raise Unpatchable("a worksheet is too large for a plain zip")
    fields = (flags, method, stamp_time, stamp_date, crc, len(body), size, len(name))
    local = _LOCAL.pack(b"PK\x03\x04", 20, 0, *fields, 0)
    record = _CENTRAL.pack(
        b"PK\x01\x02",
        made_by,
        system,
        20,
        0,
        *fields,
        0,
        len(comment),
        0,
        internal,
        external,
        offset,
    )
    return local + name, body, record + name + comment


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy


# Skimming a long sheet ---------------------------------------------------------------------------

SHARED_STRINGS_TYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)
#: Needles `skim_sheet` can look for: their XML text is the text itself, with no escapes.
PLAIN_NEEDLE = re.compile(r"[A-Za-z0-9._-]+")


def shared_strings_part(package: Package) -> str | None:
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"), _PARSER)
    for rel in rels.iterfind(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("Type") == SHARED_STRINGS_TYPE:
            target = str(rel.get("Target", ""))
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


_SHARED_ITEM = re.compile(rb"<si[\s/>]")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']""")


def needle_patterns(package: Package, needles: Iterable[str]) -> list[bytes] | None:
    """What a cell holding one of `needles` contains in sheet XML: the text itself (inline
    strings, cached formula results) or `<v>N</v>` for each shared string N that contains it.
    None when a needle is not plain (its XML spelling could vary)."""
    wanted = [n.encode() for n in needles]
    if not all(PLAIN_NEEDLE.fullmatch(n.decode()) for n in wanted):
        return None
    patterns = list(wanted)
    part = shared_strings_part(package)
    if part is None or part not in package.namelist():
        return patterns
    table = package.read(part)
    if b"<x:" in table[:400]:
        return None
    for needle in wanted:
        at = table.find(needle)
        while at >= 0:
            index = len(_SHARED_ITEM.findall(table, 0, at)) - 1
            if index < 0:
                return None
            patterns.append(b"<v>%d</v>" % index)
            at = table.find(needle, at + len(needle))
    return patterns


def _row_end(xml: bytes, row: int, limit: int) -> int | None:
    """Where the <row> element starting at `row` ends, or None if it does not look like one."""
    if not xml[row + 4 : row + 5].isspace() and xml[row + 4 : row + 5] not in (b">", b"/"):
        return None
    tag_end = xml.find(b">", row, limit)
    if tag_end < 0:
        return None
    if xml[tag_end - 1 : tag_end] == b"/":
        return tag_end + 1
    close = xml.find(b"</row>", tag_end, limit)
    return None if close < 0 else close + 6


def _occurrences(xml: bytes, patterns: Sequence[bytes], start: int, stop: int) -> Iterator[int]:
    """Where any of `patterns` occurs in `xml[start:stop]`: one scan per pattern for a few
    (bytes.find is the fastest scan there is), one regular expression for many."""
    if len(patterns) <= 8:
        for pattern in patterns:
            at = xml.find(pattern, start, stop)
            while at >= 0:
                yield at
                at = xml.find(pattern, at + 1, stop)
        return
    longest_first = sorted(set(patterns), key=len, reverse=True)
    for match in re.compile(b"|".join(map(re.escape, longest_first))).finditer(xml, start, stop):
        yield match.start()


def skim_sheet(xml: bytes, patterns: Sequence[bytes], head_rows: int) -> bytes | None:
    """The sheet with only its first `head_rows` rows and the rows where one of `patterns`
    occurs; everything around the rows is kept. Rows keep their numbers (`r`), so a reader
    sees the kept rows where they are and blank rows between them. None when the sheet is
    unusual (prefixed tags, a kept row without its number) or has no rows to leave out."""
    opening = xml.find(b"<sheetData")
    if opening < 0 or b"<x:" in xml[:400]:
        return None
    rows_start = xml.find(b">", opening) + 1
    close = xml.rfind(b"</sheetData>")
    if rows_start <= 0 or close < rows_start:
        return None
    head_end = rows_start
    for _ in range(head_rows):
        row = xml.find(b"<row", head_end, close)
        if row < 0:
            return None  # the whole sheet is its head: nothing to leave out
        end = _row_end(xml, row, close)
        if end is None:
            return None
        head_end = end
    kept: set[tuple[int, int]] = set()
    for at in _occurrences(xml, patterns, head_end, close):
        row = xml.rfind(b"<row", head_end, at)
        end = None if row < 0 else _row_end(xml, row, close)
        if row < 0 or end is None or end < at:
            return None
        if not _ROW_NUMBER.search(xml, row, xml.find(b">", row)):
            return None  # its number comes from its place: it cannot move
        kept.add((row, end))
    return b"".join([xml[:head_end], *(xml[a:b] for a, b in sorted(kept)), xml[close:]])


def changed_tabs(changes: Iterable[Change]) -> set[str]:
    return {c.tab for c in changes if isinstance(c, SetCells | AppendRows)}
