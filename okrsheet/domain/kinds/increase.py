"""Increase: a number to move up from its start to its target (more is better).

Paced: progress is expected to grow with the calendar, and the gap between the two decides the
status. A target below the start is refused (that is a decrease).
"""

from __future__ import annotations

from okrsheet.domain.kinds.base import Kind
from okrsheet.domain.kinds.rules import SHEET_LINEAR, directional, linear, linear_met

INCREASE = Kind.define(
    "increase",
    words=("up", "higher is better"),
    progress=linear,
    met=linear_met,
    paced=True,
    counts_up=True,
    check=directional(up=True),
    sheet_progress=SHEET_LINEAR,
    sheet_met="{p}>=1",
)
