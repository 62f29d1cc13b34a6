"""Increase (okrsheet/domain/kinds/increase.py): up from the start to the target, paced."""

from __future__ import annotations

import pytest

from okrsheet.domain import kinds
from okrsheet.domain.kinds import Kind
from okrsheet.domain.kinds.increase import INCREASE
from okrsheet.layout import cells
from tests.domain.kinds.sheet import python_says, sheet_says

CASES = [(0, 0, 10), (2.5, 0, 10), (10, 0, 10), (14, 0, 10), (-3, 0, 10), (120, 100, 150)]


def test_it_is_in_the_table_under_its_words() -> None:
    assert Kind.INCREASE is INCREASE and Kind("increase") is INCREASE
    assert [kinds.from_word(w) for w in ("increase", "Up", "higher-is-better")] == [INCREASE] * 3
    assert cells.parse_kind("UP") is INCREASE


def test_progress_is_the_straight_line_unclamped_and_met_at_one() -> None:
    assert [INCREASE.progress(v, 0, 10) for v in (0, 2.5, 10, 14, -3)] == [0, 0.25, 1, 1.4, -0.3]
    assert (INCREASE.met(9.99, 0, 10), INCREASE.met(10, 0, 10)) == (False, True)
    assert INCREASE.progress(125, 100, 150) == 0.5


def test_time_judges_it_by_pace_and_others_can_count_on_its_target() -> None:
    assert (INCREASE.paced, INCREASE.holds, INCREASE.counts_up) == (True, False, True)
    assert (INCREASE.default_start, INCREASE.default_target, INCREASE.behind) == (None, None, None)


@pytest.mark.parametrize(
    ("start", "target", "why"),
    [
        (10, 10, "the target equals the start (10): there is nothing to move"),
        (10, 4, "the target (4) is below the start (10) but the kind is 'increase'; "
                "use kind 'decrease' or leave the kind blank"),
        (0, 10, None),
    ],
)  # fmt: skip
def test_a_target_not_above_the_start_is_refused(start: float, target: float, why: str) -> None:
    assert INCREASE.check(start, target) == why


def test_the_sheet_formulas_say_what_the_python_rules_say() -> None:
    assert sheet_says(INCREASE, CASES) == python_says(INCREASE, CASES)
    assert [p for p, _ in sheet_says(INCREASE, CASES)] == [0, 0.25, 1, 1, 0, 0.4]
