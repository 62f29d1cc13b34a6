"""`status-quo`: business as usual, a target that asks for no change.

Either the start equals the target on a key result that should move (increase, decrease, or
no kind: `okr validate` refuses these too), or the target asks for less than the same key
result reached by the end of the last cycle (read from its Archive tab): "Net revenue
retention" ended 2026-Q3 at 104 % and now aims at 103 %. A key result is the same when it
has the same title, and the same ID or the same owner.
"""

from __future__ import annotations

from collections.abc import Iterator

from okrsheet.domain.kinds import Kind
from okrsheet.lint.base import History, Note, PastResult, Rule, Subject
from okrsheet.lint.words import normalise

_MOVES = (Kind.INCREASE, Kind.DECREASE)


def _shown(value: float, unit: str) -> str:
    if unit.strip() == "%" and abs(value) <= 10:
        return f"{value * 100:g}%"
    return f"{value:g}" + (f" {unit.strip()}" if unit.strip() and unit.strip() != "%" else "")


def _same(subject: Subject, history: History) -> PastResult | None:
    """The same key result in the last cycle: the same title, and the same ID or owner (an ID
    alone may have been given to another key result since)."""
    title = normalise(subject.title)
    owner = subject.owner.casefold()
    for past in history.last:
        if normalise(past.title) == title and (
            past.id == subject.id or past.owner.casefold() == owner
        ):
            return past
    return None


def check(subject: Subject, history: History) -> Iterator[Note]:
    start, target = subject.start, subject.target
    if target is None:
        return
    kind = subject.typed_kind
    # A start still to be measured (`baseline`) equals nothing; last cycle's result still
    # says what the target must beat.
    if start is not None and start == target and (kind is None or kind in _MOVES):
        yield Note(
            "status-quo",
            subject.id,
            "target",
            f"the target equals the start ({_shown(target, subject.unit)}): it asks for no change",
            "set the target the number should move to; if holding the level is the point, make "
            "it a 'keep above' or 'keep below' key result, or a KPI",
        )
        return
    past = _same(subject, history)
    if past is None or past.final is None:
        return
    # Without a start the direction is the typed kind's, else the one last cycle had.
    moves = subject.kind if start is not None or kind is not None else past.kind
    if moves not in _MOVES or (past.kind is not None and past.kind is not moves):
        return
    up = moves is Kind.INCREASE
    if (target < past.final) if up else (target > past.final):
        yield Note(
            "status-quo",
            subject.id,
            "target",
            f"the target ({_shown(target, subject.unit)}) asks for "
            f"{'less' if up else 'worse'} than {past.id} reached in {past.cycle} "
            f"({_shown(past.final, subject.unit)})",
            f"aim beyond last cycle's result of {_shown(past.final, subject.unit)}, or say in "
            "Notes why it must fall back",
        )


RULE = Rule(
    "status-quo",
    "Business as usual: the target equals the start, or asks for less than the same key "
    "result reached last cycle (Archive tab).",
    check=check,
)
