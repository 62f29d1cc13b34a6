"""The OKR domain: cycles, objectives, key results, KPIs, initiatives, scoring and the
rules between them. No I/O, no spreadsheet: the layout turns cells into these models.
"""
