"""The workbook format: which tabs exist, what their headers mean, how typed cells parse.

`parse_workbook` turns a store's grids into a validated plan with findings that name cells;
`writer` lays out new workbooks and computes the cell changes commands make.
"""

from okrsheet.layout.reader import Finding, ParsedWorkbook, cell_ref, parse_workbook

__all__ = ["Finding", "ParsedWorkbook", "cell_ref", "parse_workbook"]
