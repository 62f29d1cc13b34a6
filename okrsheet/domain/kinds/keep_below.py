"""Keep below: a threshold to stay at or under all the cycle (a churn rate, a response time).

A condition to hold, like keep above, the other way round. Its Start is not used.
"""

from __future__ import annotations

from okrsheet.domain.kinds.base import Kind


def _holds(value: float, start: float, target: float) -> bool:
    return value <= target


KEEP_BELOW = Kind.define(
    "keep below",
    words=("below", "at most"),
    progress=lambda value, start, target: 1.0 if _holds(value, start, target) else 0.0,
    met=_holds,
    holds=True,
    sheet_progress='IF(NOT(ISNUMBER({t})),"",IF({v}<={t},1,0))',
    sheet_met="{v}<={t}",
    # {target_text} is the target written with its unit (5%, not 0.05).
    behind="above the threshold of {target_text}",
)
