"""Milestone: done or not done, from 0 to 1, typed as a word (yes, done, ✓) or a number.

Not paced: it is done or not by its due date, so the calendar does not judge it before then.
"""

from __future__ import annotations

from collections.abc import Mapping

from okrsheet.domain.kinds.base import Kind

#: Words a milestone's value may be typed as: done is 1, not done is 0.
DONE_WORDS: Mapping[str, float] = {
    **dict.fromkeys(("true", "yes", "y", "done", "x", "✓", "✔", "1", "complete", "completed"), 1.0),
    **dict.fromkeys(("false", "no", "n", "not done", "todo", "0", "open", "pending"), 0.0),
}


def _check(start: float, target: float) -> str | None:
    return None if (start, target) == (0, 1) else "a milestone goes from 0 (not done) to 1 (done)"


MILESTONE = Kind.define(
    "milestone",
    words=("done not done",),
    progress=lambda value, start, target: 1.0 if value >= 1 else 0.0,
    met=lambda value, start, target: value >= 1,
    check=_check,
    default_start=0.0,
    default_target=1.0,
    value_words=DONE_WORDS,
    sheet_progress="IF({v}>=1,1,0)",
    sheet_met="{v}>=1",
)
