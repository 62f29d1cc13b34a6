"""The table of kinds (okrsheet/domain/kinds/__init__.py): built from one module per kind, in
`MEMBERS` order, and every kind in it scores the same in the sheet as in Python."""

from __future__ import annotations

import copy
import importlib
import itertools
import pickle

import pytest

from okrsheet.domain import kinds
from okrsheet.domain.kinds import MEMBERS, Kind
from tests.domain.kinds.sheet import python_says, sheet_says, valid


def test_the_table_is_its_members_in_order_each_set_on_kind_under_its_name() -> None:
    made = []
    for entry in MEMBERS:
        module, name = entry.split(":")
        kind = getattr(importlib.import_module(module), name)
        assert getattr(Kind, name) is kind
        made.append(kind)
    assert list(Kind) == made and len(Kind) == len(MEMBERS)
    assert kinds.names() == ("increase", "decrease", "milestone", "keep above", "keep below")


def test_each_kind_has_a_module_of_its_own() -> None:
    modules = [entry.split(":")[0] for entry in MEMBERS]
    assert len(set(modules)) == len(modules)
    assert [m.rpartition(".")[2] for m in modules] == [
        name.replace(" ", "_") for name in kinds.names()
    ]


def test_a_name_not_in_the_table_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="'steady' is not a kind; use one of: increase, decrease"):
        Kind("steady")
    assert kinds.from_word("steady") is None


def test_a_kind_stays_itself_through_copies_and_pickles() -> None:
    for kind in Kind:
        assert copy.copy(kind) is kind and copy.deepcopy(kind) is kind
        assert pickle.loads(pickle.dumps(kind)) is kind
        assert (kind.value, str(kind), f"{kind}") == (kind, kind, kind)


#: Values, starts and targets every kind is tried on (those its check refuses are left out).
GRID = list(itertools.product((-1, 0, 0.5, 1, 3, 10, 12), (0, 1, 10), (0, 1, 5, 10)))


@pytest.mark.parametrize("name", kinds.names())
def test_the_sheet_and_python_agree_for_every_kind_in_the_table(name: str) -> None:
    kind = Kind(name)
    cases = valid(kind, GRID)
    assert len(cases) >= 7
    assert sheet_says(kind, cases) == python_says(kind, cases)
