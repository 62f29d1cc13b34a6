"""A kind's sheet formulas worked out by the Google fake's formula engine, next to its Python
rules, for the same (value, start, target) rows: what each kind's tests compare."""

from __future__ import annotations

from collections.abc import Sequence

from okrsheet.domain.kinds import Kind
from tests.fakes.sheets_api import FakeGoogle

#: One row: the value, the start and the target.
Case = tuple[float, float, float]


def sheet_says(kind: Kind, cases: Sequence[Case]) -> list[tuple[object, object]]:
    """(progress, met) as the sheet computes them: each case on its own row of one tab, the
    value, start and target in A:C, the kind's progress formula in D and its met formula in E
    (which reads the progress in D, as the workbook's does)."""
    fake = FakeGoogle()
    sid = fake.add_spreadsheet({"Kinds": [[]]})
    rows = []
    for row, (value, start, target) in enumerate(cases, start=1):
        cells = {"v": f"A{row}", "s": f"B{row}", "t": f"C{row}", "p": f"D{row}"}
        progress = "=" + kind.sheet_progress.format(**cells)
        met = "=" + kind.sheet_met.format(**cells)
        rows.append([value, start, target, progress, met])
    fake.set_values(sid, "Kinds!A1", rows)
    got = fake.values(sid, f"Kinds!D1:E{len(cases)}")
    return [(_rounded(progress), met) for progress, met in got]


def python_says(kind: Kind, cases: Sequence[Case]) -> list[tuple[object, object]]:
    """(progress, met) by the kind's Python rules, the progress clamped to 0..1 as the sheet's."""
    return [(_rounded(max(0.0, min(1.0, kind.progress(*case)))), kind.met(*case)) for case in cases]


def valid(kind: Kind, cases: Sequence[Case]) -> list[Case]:
    """The cases whose start and target the kind accepts (the others never reach scoring)."""
    return [case for case in cases if kind.check(case[1], case[2]) is None]


def _rounded(value: object) -> object:
    return (
        round(value, 12)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
    )
