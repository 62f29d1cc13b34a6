"""Print areas that follow the data.

A print area fixed when a tab was made (`A1:X2`) leaves out every row typed later: printed,
the tab shows its first row only. A table's print area is instead a formula that ends at the
last row whose column A (the row's type) holds text, however many rows people add: Excel
prints exactly those rows and columns. LibreOffice, which does not evaluate such a formula,
prints the tab's used area (the calculated columns are hidden, so they do not print); fit to
the page width and the header row repeated on every page are kept either way.
"""

from __future__ import annotations

import re

from lxml import etree

from okrsheet.stores.primitives import letters_to_column

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_Q = f"{{{_NS}}}"
_PARSER = etree.XMLParser(huge_tree=True, remove_blank_text=False, resolve_entities=False)
#: A print area fixed to a range from A1 (`'Sales'!$A$1:$X$5`): the sheet, the last column.
_FIXED = re.compile(r"^(?P<sheet>'(?:[^']|'')+'|[^'!]+)!\$A\$1:\$(?P<col>[A-Z]{1,3})\$\d+$")


def following_area(sheet_ref: str, columns: int) -> str:
    """The print area of a table on the sheet `sheet_ref` (quoted as in a formula) that is
    `columns` wide: from A1 down to the last row with text in column A (the header at least)."""
    last = f'IFERROR(MATCH(REPT("z",255),{sheet_ref}!$A:$A),1)'
    return f"OFFSET({sheet_ref}!$A$1,0,0,{last},{columns})"


def follow_data(workbook_xml: bytes) -> bytes:
    """workbook.xml with each fixed print area of a table (a sheet with a filter range, as
    okr lays out its tabs) turned into one that follows the data; unchanged when none is."""
    if b"_xlnm.Print_Area" not in workbook_xml:
        return workbook_xml
    root = etree.fromstring(workbook_xml, _PARSER)
    names = root.find(f"{_Q}definedNames")
    if names is None:
        return workbook_xml
    tables = {
        n.get("localSheetId")
        for n in names.iterfind(f"{_Q}definedName")
        if n.get("name") == "_xlnm._FilterDatabase"
    }
    changed = False
    for name in names.iterfind(f"{_Q}definedName"):
        if name.get("name") != "_xlnm.Print_Area" or name.get("localSheetId") not in tables:
            continue
        fixed = _FIXED.match((name.text or "").strip())
        if fixed is None:
            continue
        name.text = following_area(fixed["sheet"], letters_to_column(fixed["col"]))
        changed = True
    if not changed:
        return workbook_xml
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
