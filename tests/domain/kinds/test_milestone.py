"""Milestone (okrsheet/domain/kinds/milestone.py): done or not done, 0 to 1, typed as a word."""

from __future__ import annotations

import pytest

from okrsheet.domain import kinds
from okrsheet.domain.kinds import DONE_WORDS, Kind
from okrsheet.domain.kinds.milestone import MILESTONE
from okrsheet.layout import cells
from tests.domain.kinds.sheet import python_says, sheet_says

CASES = [(0, 0, 1), (0.5, 0, 1), (1, 0, 1), (2, 0, 1)]


def test_it_is_in_the_table_under_its_words() -> None:
    assert Kind.MILESTONE is MILESTONE and Kind("milestone") is MILESTONE
    assert kinds.from_word("Done/not done") is MILESTONE
    assert cells.parse_kind("Milestone") is MILESTONE


def test_it_goes_from_0_to_1_by_default_and_nothing_else() -> None:
    assert (MILESTONE.default_start, MILESTONE.default_target) == (0.0, 1.0)
    assert MILESTONE.check(0, 1) is None
    assert MILESTONE.check(0, 5) == "a milestone goes from 0 (not done) to 1 (done)"


def test_it_is_done_or_not_and_time_does_not_pace_it() -> None:
    assert [MILESTONE.progress(v, 0, 1) for v in (0, 0.5, 1)] == [0.0, 0.0, 1.0]
    assert (MILESTONE.met(0.99, 0, 1), MILESTONE.met(1, 0, 1)) == (False, True)
    assert (MILESTONE.paced, MILESTONE.holds, MILESTONE.counts_up) == (False, False, False)


@pytest.mark.parametrize(("word", "value"), [("Yes", 1.0), ("✓", 1.0), ("todo", 0.0)])
def test_its_value_may_be_typed_as_a_word(word: str, value: float) -> None:
    assert MILESTONE.value_words is not DONE_WORDS and MILESTONE.value_words == DONE_WORDS
    assert MILESTONE.value_words[word.casefold()] == value


def test_the_sheet_formulas_say_what_the_python_rules_say() -> None:
    assert sheet_says(MILESTONE, CASES) == python_says(MILESTONE, CASES)
    assert [m for _, m in sheet_says(MILESTONE, CASES)] == [False, False, True, True]
