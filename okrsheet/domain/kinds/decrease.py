"""Decrease: a number to bring down from its start to its target (less is better).

Paced like an increase, on the same straight line; a target above the start is refused (that
is an increase).
"""

from __future__ import annotations

from okrsheet.domain.kinds.base import Kind
from okrsheet.domain.kinds.rules import SHEET_LINEAR, directional, linear, linear_met

DECREASE = Kind.define(
    "decrease",
    words=("down", "reduce", "lower is better"),
    progress=linear,
    met=linear_met,
    paced=True,
    check=directional(up=False),
    sheet_progress=SHEET_LINEAR,
    sheet_met="{p}>=1",
)
