"""Key result kinds: one module per kind, and `MEMBERS`, the table built from them.

A kind is a `Kind` (`base.py`): a `str` (its name, as the Kind column, JSON and CSV show it)
that carries its rules, so that `kr.kind == "milestone"` and `kr.kind is Kind.MILESTONE` both
hold. Each kind's module makes one with `Kind.define(...)`, saying
- which words people type for it in the Kind column (`words`, the name included),
- how far a value has come from the start towards the target (`progress`, unclamped) and when
  the key result is met (`met`),
- whether its target is a quantity others can need from it, more being more (`counts_up`),
- how time judges it (`paced`: progress is expected to grow with the calendar and the gap rule
  decides its status; `holds`: a condition to hold all the cycle, expected at 1 and done only
  from its due date on; neither: done or not by its due date, like a milestone),
- which start and target it goes between (`check`, `default_start`, `default_target`) and which
  words a value may be typed as (`value_words`, a milestone's yes/no),
- the same rules in spreadsheet syntax for the sheet's live formulas (`sheet_progress`,
  `sheet_met`: `{v}` the value, `{s}` the start, `{t}` the target, `{p}` the progress cell),
- what `okr lagging` says of one that does not hold (`behind`).

Everything else (model validation, scoring, cell parsing, the formulas, reports) looks a kind up
in the table, so a new kind is one module here and one line in `MEMBERS` (docs/architecture.md).
A program can also `register` a kind of its own for a while (and `unregister` it).
"""

from __future__ import annotations

import importlib

from okrsheet.domain.kinds.base import Kind, from_word, names, register, unregister, word_key
from okrsheet.domain.kinds.milestone import DONE_WORDS

__all__ = [
    "DONE_WORDS",
    "MEMBERS",
    "Kind",
    "from_word",
    "infer",
    "names",
    "register",
    "unregister",
    "word_key",
]

#: The kinds okr knows, "module:NAME" each, in the order of the Kind column's choices. Each is
#: registered, and set on `Kind` under its NAME (`Kind.KEEP_ABOVE`), as this package loads.
MEMBERS = (
    "okrsheet.domain.kinds.increase:INCREASE",
    "okrsheet.domain.kinds.decrease:DECREASE",
    "okrsheet.domain.kinds.milestone:MILESTONE",
    "okrsheet.domain.kinds.keep_above:KEEP_ABOVE",
    "okrsheet.domain.kinds.keep_below:KEEP_BELOW",
)


def _load(entry: str) -> None:
    module, name = entry.split(":")
    kind = getattr(importlib.import_module(module), name)
    if not isinstance(kind, Kind):
        raise TypeError(f"{entry} is not a Kind")
    setattr(Kind, name, register(kind))


for _entry in MEMBERS:
    _load(_entry)


def infer(start: float | None, target: float | None) -> Kind:
    """The kind of a key result typed without one: lower-is-better when the target sits below
    the start."""
    if start is not None and target is not None and target < start:
        return Kind.DECREASE
    return Kind.INCREASE
