"""Decrease (okrsheet/domain/kinds/decrease.py): down from the start to the target, paced."""

from __future__ import annotations

import pytest

from okrsheet.domain import kinds
from okrsheet.domain.kinds import Kind
from okrsheet.domain.kinds.decrease import DECREASE
from okrsheet.layout import cells
from tests.domain.kinds.sheet import python_says, sheet_says

CASES = [(10, 10, 2), (6, 10, 2), (2, 10, 2), (0, 10, 2), (12, 10, 2), (0.05, 0.08, 0.04)]


def test_it_is_in_the_table_under_its_words() -> None:
    assert Kind.DECREASE is DECREASE and Kind("decrease") is DECREASE
    words = ("decrease", "Down", "reduce", "Lower is better")
    assert [kinds.from_word(w) for w in words] == [DECREASE] * 4
    assert cells.parse_kind("reduce") is DECREASE


def test_progress_grows_as_the_value_goes_down() -> None:
    assert [DECREASE.progress(v, 10, 2) for v in (10, 6, 2, 0, 12)] == [0, 0.5, 1, 1.25, -0.25]
    assert (DECREASE.met(2.01, 10, 2), DECREASE.met(2, 10, 2)) == (False, True)


def test_it_is_paced_and_no_one_counts_on_more_of_it() -> None:
    assert (DECREASE.paced, DECREASE.holds, DECREASE.counts_up) == (True, False, False)


@pytest.mark.parametrize(
    ("start", "target", "why"),
    [
        (3, 3, "the target equals the start (3): there is nothing to move"),
        (2, 10, "the target (10) is above the start (2) but the kind is 'decrease'; "
                "use kind 'increase' or leave the kind blank"),
        (10, 2, None),
    ],
)  # fmt: skip
def test_a_target_not_below_the_start_is_refused(start: float, target: float, why: str) -> None:
    assert DECREASE.check(start, target) == why


def test_the_inferred_kind_of_a_falling_target_is_decrease() -> None:
    assert (kinds.infer(10, 2), kinds.infer(2, 10), kinds.infer(None, 2)) == (
        DECREASE,
        Kind.INCREASE,
        Kind.INCREASE,
    )


def test_the_sheet_formulas_say_what_the_python_rules_say() -> None:
    assert sheet_says(DECREASE, CASES) == python_says(DECREASE, CASES)
    assert [p for p, _ in sheet_says(DECREASE, CASES)] == [0, 0.5, 1, 1, 0, 0.75]
