"""How many objectives the Dashboard needs a line for (`layout.slots.objective_count`): every
objective row of the live OKR tabs, however its Type is spelled, readable or not."""

from __future__ import annotations

from pathlib import Path

from okrsheet.layout.reader import parse_workbook
from okrsheet.layout.slots import objective_count
from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import type_cells

TYPE = 1


def test_the_example_needs_a_line_per_objective(example: Path) -> None:
    raw = XlsxStore(example).read()
    assert objective_count(raw) == len(parse_workbook(raw).plan.objectives) > 0


def test_types_as_people_spell_them_count_and_others_do_not(example: Path) -> None:
    raw = XlsxStore(example).read()
    before = objective_count(raw)
    sales = raw.grid("Sales")
    assert sales is not None
    below = len([r for r in sales.rows if any(v not in ("", None) for v in r)]) + 1
    type_cells(
        example,
        {
            "Sales": {
                (below, TYPE): " objective ",  # another objective, spelled otherwise
                (below + 1, TYPE): "O",
                (below + 2, TYPE): "Key result",
                (below + 3, TYPE): "Goal",  # no row type: counted by none
                (below + 4, TYPE): 7,
            }
        },
    )
    assert objective_count(XlsxStore(example).read()) == before + 2
