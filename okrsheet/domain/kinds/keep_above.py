"""Keep above: a threshold to stay at or above all the cycle (an uptime, a satisfaction score).

A condition to hold: expected at 1 all along, on track while it holds, off track when it does
not, done only from its due date on. Its Start is not used.
"""

from __future__ import annotations

from okrsheet.domain.kinds.base import Kind


def _holds(value: float, start: float, target: float) -> bool:
    return value >= target


KEEP_ABOVE = Kind.define(
    "keep above",
    words=("above", "at least"),
    progress=lambda value, start, target: 1.0 if _holds(value, start, target) else 0.0,
    met=_holds,
    holds=True,
    counts_up=True,
    sheet_progress='IF(NOT(ISNUMBER({t})),"",IF({v}>={t},1,0))',
    sheet_met="{v}>={t}",
    # {target_text} is the target written with its unit (5%, not 0.05).
    behind="below the threshold of {target_text}",
)
