"""Keep above (okrsheet/domain/kinds/keep_above.py): a threshold held all the cycle.

The file to copy for a new kind's tests: where it is in the table, its rules, its refusals and
what `okr lagging` says of it, and its sheet formulas against its Python rules.
"""

from __future__ import annotations

from okrsheet.domain import kinds
from okrsheet.domain.kinds import Kind
from okrsheet.domain.kinds.keep_above import KEEP_ABOVE
from okrsheet.layout import cells
from tests.domain.kinds.sheet import python_says, sheet_says

CASES = [(99.95, 0, 99.9), (99.9, 0, 99.9), (99.5, 0, 99.9), (0.5, 0.9, 0.4), (0, 0, 0.1)]


def test_it_is_in_the_table_under_its_words() -> None:
    assert Kind.KEEP_ABOVE is KEEP_ABOVE and Kind("keep above") is KEEP_ABOVE
    words = ("keep above", "Keep-Above", "keep_above", "above", "At least")
    assert [kinds.from_word(w) for w in words] == [KEEP_ABOVE] * 5
    assert cells.parse_kind("at least") is KEEP_ABOVE


def test_it_is_met_while_the_value_is_at_or_above_the_target_whatever_the_start() -> None:
    assert [KEEP_ABOVE.progress(v, 0, 99.9) for v in (99.95, 99.9, 99.5)] == [1.0, 1.0, 0.0]
    assert [KEEP_ABOVE.met(v, 1000, 5) for v in (5, 4.9)] == [True, False]
    assert KEEP_ABOVE.check(1000, 5) is None


def test_it_holds_all_the_cycle_and_others_can_count_on_its_target() -> None:
    assert (KEEP_ABOVE.paced, KEEP_ABOVE.holds, KEEP_ABOVE.counts_up) == (False, True, True)


def test_lagging_says_which_threshold_it_is_below() -> None:
    assert KEEP_ABOVE.behind is not None
    said = KEEP_ABOVE.behind.format(start=0, target=0.05, start_text="0%", target_text="5%")
    assert said == "below the threshold of 5%"


def test_the_sheet_formulas_say_what_the_python_rules_say() -> None:
    assert sheet_says(KEEP_ABOVE, CASES) == python_says(KEEP_ABOVE, CASES)
    assert [m for _, m in sheet_says(KEEP_ABOVE, CASES)] == [True, True, False, True, False]
