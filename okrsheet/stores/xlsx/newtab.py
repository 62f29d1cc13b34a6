"""A new tab added to an .xlsx by patching its package, without a full rewrite.

`okr remind` adds its Reminders tab to workbooks that may be large (a full openpyxl rewrite of a
year's log takes most of a minute) or hold parts openpyxl would drop (charts, images), which it
then refuses to rewrite. A plain tab of values (text and numbers; no formulas, no dates, no
formats, choices or hidden columns; header notes are left out) is simple enough to add by
hand: a worksheet part with its column widths, a frozen header row and the values as inline
strings, the print setup of every other tab (landscape, fit to the page width, the header row
printed on each page), and its entries in the workbook, its relationships and the content
types. Columns
may carry a number format (a date, a percentage: `okr rollover`'s archive tab), given by a
cell style the caller finds or adds in styles.xml; dates are written as serial numbers there.
Anything else stays `Unpatchable` (openpyxl does it).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from lxml import etree

from okrsheet.stores.base import AddTab, Formula, NumberFormat
from okrsheet.stores.primitives import cell_value, column_letter, date_text, serial
from okrsheet.stores.xlsx.package import Content, Package, Unpatchable

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False, resolve_entities=False)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def plain(change: AddTab) -> bool:
    """Whether the tab is one this module can add: at the end, values only (dates too)."""
    spec = change.spec
    if change.before is not None or spec.emphasized_rows or spec.derived:
        return False
    if any(c.choices or c.hidden or c.status_colors or c.progress_bar for c in spec.columns):
        return False  # validation and colours are openpyxl's to draw
    return all(
        value is None
        or (isinstance(value, str | int | float | date) and not isinstance(value, Formula))
        for row in spec.rows
        for value in row
    )


#: The cell style (an index into styles.xml's cellXfs) showing a number format.
StyleFor = Callable[[NumberFormat], int]


def _text(value: str) -> str:
    escaped = _ILLEGAL_XML.sub(
        lambda m: f"_x{ord(m.group()):04X}_", value.replace("_x", "_x005F_x")
    )
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(
    ref: str, value: object, number_format: NumberFormat, style_for: StyleFor, text_style: int = 0
) -> str:
    value = cell_value(value)  # type: ignore[arg-type]
    if value is None or value == "":
        return ""
    if isinstance(value, date) and number_format == "text":
        value = date_text(value)  # a date in a text column goes in as its text
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
        style = f' s="{text_style}"' if text_style else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, date):
        if number_format not in ("date", "datetime"):
            number_format = "datetime" if isinstance(value, datetime) else "date"
        return f'<c r="{ref}" s="{style_for(number_format)}"><v>{serial(value)!r}</v></c>'
    assert isinstance(value, int | float)
    style = "" if number_format in ("general", "text") else f' s="{style_for(number_format)}"'
    return f'<c r="{ref}"{style}><v>{float(value)!r}</v></c>'


def _no_styles(number_format: NumberFormat) -> int:
    raise Unpatchable(f"a column formatted as {number_format} needs a full rewrite")


def worksheet_xml(change: AddTab, style_for: StyleFor = _no_styles, header_style: int = 0) -> bytes:
    """The new tab's worksheet part; its header cells get the cell style `header_style`
    (0: none), such as the header of the workbook's other tabs has."""
    spec = change.spec  # wrap_columns needs a cell style: the text is whole either way
    rows: list[Sequence[object]] = []
    if spec.header:
        rows.append([c.header for c in spec.columns])
    rows.extend(spec.rows)
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{c.width}" customWidth="1"/>'
        for n, c in enumerate(spec.columns, start=1)
    )
    body = []
    formats = [c.number_format for c in spec.columns]
    first_data = 2 if spec.header else 1
    for number, values in enumerate(rows, start=1):
        header = spec.header and number == 1

        def format_of(col: int, number: int = number, header: bool = header) -> NumberFormat:
            if header:
                return "general"
            # A cell's own format (a key result's unit on an archive row), else its column's.
            own = spec.cell_formats.get((number - first_data, col))
            return own or ("general" if col > len(formats) else formats[col - 1])

        cells = "".join(
            _cell(
                f"{column_letter(col)}{number}",
                value,
                format_of(col),
                style_for,
                header_style if header else 0,
            )
            for col, value in enumerate(values, start=1)
        )
        body.append(f'<row r="{number}">{cells}</row>')
    frozen = spec.frozen_rows if spec.header else 0
    pane = (
        f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft" '
        'state="frozen"/>'
        if frozen
        else ""
    )
    tab_color = f'<tabColor rgb="FF{spec.color}"/>' if spec.color else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS}" xmlns:r="{REL_NS}">'
        f'<sheetPr>{tab_color}<pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(body)}</sheetData>{_PRINTED}</worksheet>"
    )
    return xml.encode("utf-8")


#: Printed or exported to PDF, a tab fits the page width, as every tab okr lays out does
#: (xlsx_render's page setup, with openpyxl's default margins).
_PRINTED = (
    '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
    '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
)
#: What may come between `sheets` and `definedNames` in workbook.xml.
_BEFORE_NAMES = ("sheets", "functionGroups", "externalReferences")


def _print_titles(workbook: etree._Element, index: int, change: AddTab) -> None:
    """The new tab's header rows printed at the top of each page (`_xlnm.Print_Titles`, local
    to the sheet at 0-based `index`), as on the other tabs."""
    spec = change.spec
    if not spec.header or spec.print_title_rows < 1:
        return
    names = workbook.find(f"{{{NS}}}definedNames")
    if names is None:
        names = etree.Element(f"{{{NS}}}definedNames")
        after = [child for child in workbook if etree.QName(child).localname in _BEFORE_NAMES]
        after[-1].addnext(names)
    quoted = "'" + spec.title.replace("'", "''") + "'"
    name = etree.SubElement(
        names, f"{{{NS}}}definedName", name="_xlnm.Print_Titles", localSheetId=str(index)
    )
    name.text = f"{quoted}!$1:${spec.print_title_rows}"


def add_tabs(
    package: Package,
    changes: Sequence[AddTab],
    replaced: Mapping[str, Content | None],
    style_for: StyleFor = _no_styles,
    header_style: int = 0,
) -> dict[str, bytes]:
    """The package members that add these tabs at the end: their worksheets, and the workbook,
    its relationships and the content types as `replaced` (else the package) has them; a
    column's number format is the cell style `style_for` gives."""

    def current(name: str) -> bytes:
        given = replaced.get(name)
        if given is None:
            return package.read(name)
        return bytes(given)

    workbook = etree.fromstring(current("xl/workbook.xml"), _PARSER)
    rels = etree.fromstring(current("xl/_rels/workbook.xml.rels"), _PARSER)
    types = etree.fromstring(current("[Content_Types].xml"), _PARSER)
    sheets = workbook.find(f"{{{NS}}}sheets")
    if sheets is None:
        raise Unpatchable("workbook.xml has no sheets")
    titles = {s.get("name", "").casefold() for s in sheets}
    ids = [int(s.get("sheetId", "0")) for s in sheets]
    rel_ids = {r.get("Id", "") for r in rels}
    names = set(package.namelist())
    out: dict[str, bytes] = {}
    for change in changes:
        title = change.spec.title
        if not plain(change) or title.casefold() in titles or len(title) > 31:
            raise Unpatchable(f"the tab {title!r} needs a full rewrite")
        titles.add(title.casefold())
        number = 1
        while f"xl/worksheets/sheet{number}.xml" in names | set(out):
            number += 1
        part = f"xl/worksheets/sheet{number}.xml"
        rel_number = len(rel_ids) + 1
        while f"rId{rel_number}" in rel_ids:
            rel_number += 1
        rel_id = f"rId{rel_number}"
        rel_ids.add(rel_id)
        sheet_id = max(ids, default=0) + 1
        ids.append(sheet_id)
        out[part] = worksheet_xml(change, style_for, header_style)
        etree.SubElement(
            rels,
            f"{{{PKG_REL_NS}}}Relationship",
            Id=rel_id,
            Type=WORKSHEET_TYPE,
            Target=posixpath.relpath(part, "xl"),
        )
        # Spelled `r:id`, as every program writes it: older readers (python-calamine before 0.6)
        # look for that very name, not for the namespace under another prefix.
        sheet = etree.SubElement(
            sheets, f"{{{NS}}}sheet", nsmap={"r": REL_NS}, name=title, sheetId=str(sheet_id)
        )
        sheet.set(f"{{{REL_NS}}}id", rel_id)
        _print_titles(workbook, len(sheets) - 1, change)
        etree.SubElement(
            types, f"{{{TYPES_NS}}}Override", PartName=f"/{part}", ContentType=WORKSHEET_CONTENT
        )

    def xml(root: etree._Element) -> bytes:
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))

    out["xl/workbook.xml"] = xml(workbook)
    out["xl/_rels/workbook.xml.rels"] = xml(rels)
    out["[Content_Types].xml"] = xml(types)
    return out
