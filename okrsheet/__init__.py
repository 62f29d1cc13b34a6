"""okrsheet: OKRs kept honest in a spreadsheet."""

__version__ = "0.1.0"
