"""Pieces of rules more than one kind is made of: the straight line from start to target that
increase and decrease share, the check that a target lies on a directional kind's side, and the
sheet's test that a row has both numbers."""

from __future__ import annotations

from collections.abc import Callable

#: `{s}` and `{t}` both numbers, in spreadsheet syntax (a blank or unreadable cell is not).
BOTH = "AND(ISNUMBER({s}),ISNUMBER({t}))"

#: The straight line's progress as a sheet formula, clamped to 0..1 ("" when it cannot be
#: computed): what `linear` is in Python.
SHEET_LINEAR = f'IF(OR(NOT({BOTH}),{{t}}={{s}}),"",MAX(0,MIN(1,({{v}}-{{s}})/({{t}}-{{s}}))))'


def linear(value: float, start: float, target: float) -> float:
    """How far `value` has come from `start` towards `target` (unclamped: 1 is there)."""
    return (value - start) / (target - start)


def linear_met(value: float, start: float, target: float) -> bool:
    """Whether the straight line has reached its target."""
    return linear(value, start, target) >= 1


def directional(up: bool) -> Callable[[float, float], str | None]:
    """The check of an increase (`up`) or a decrease: a target on the wrong side of the start,
    or equal to it, is refused with the kind to use instead."""
    name, other = ("increase", "decrease") if up else ("decrease", "increase")
    side = "below" if up else "above"

    def check(start: float, target: float) -> str | None:
        if target == start:
            return f"the target equals the start ({target:g}): there is nothing to move"
        if (target < start) if up else (target > start):
            return (
                f"the target ({target:g}) is {side} the start ({start:g}) but the kind is "
                f"'{name}'; use kind '{other}' or leave the kind blank"
            )
        return None

    return check
