"""Keep below (okrsheet/domain/kinds/keep_below.py): a ceiling held all the cycle."""

from __future__ import annotations

from okrsheet.domain import kinds
from okrsheet.domain.kinds import Kind
from okrsheet.domain.kinds.keep_below import KEEP_BELOW
from okrsheet.layout import cells
from tests.domain.kinds.sheet import python_says, sheet_says

CASES = [(0.01, 0, 0.02), (0.02, 0, 0.02), (0.03, 0, 0.02), (300, 100, 250)]


def test_it_is_in_the_table_under_its_words() -> None:
    assert Kind.KEEP_BELOW is KEEP_BELOW and Kind("keep below") is KEEP_BELOW
    words = ("keep below", "KEEP BELOW", "below", "at-most")
    assert [kinds.from_word(w) for w in words] == [KEEP_BELOW] * 4
    assert cells.parse_kind("At most") is KEEP_BELOW


def test_it_is_met_while_the_value_is_at_or_below_the_target() -> None:
    assert [KEEP_BELOW.progress(v, 0, 0.02) for v in (0.01, 0.02, 0.03)] == [1.0, 1.0, 0.0]
    assert [KEEP_BELOW.met(v, 0, 250) for v in (250, 251)] == [True, False]
    assert KEEP_BELOW.check(0, 250) is None


def test_it_holds_all_the_cycle_and_its_target_is_not_a_quantity_to_need() -> None:
    assert (KEEP_BELOW.paced, KEEP_BELOW.holds, KEEP_BELOW.counts_up) == (False, True, False)


def test_lagging_says_which_threshold_it_is_above() -> None:
    assert KEEP_BELOW.behind is not None
    said = KEEP_BELOW.behind.format(start=0, target=2, start_text="0 ms", target_text="2 ms")
    assert said == "above the threshold of 2 ms"


def test_the_sheet_formulas_say_what_the_python_rules_say() -> None:
    assert sheet_says(KEEP_BELOW, CASES) == python_says(KEEP_BELOW, CASES)
    assert [m for _, m in sheet_says(KEEP_BELOW, CASES)] == [True, True, False, False]
