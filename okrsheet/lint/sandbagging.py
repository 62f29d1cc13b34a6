"""`sandbagging`: an owner whose key results all reached 1.0, cycle after cycle.

Read from the Archive tabs: in each of the last `CYCLES` finished cycles the owner had at least
`MIN_RESULTS` aspirational key results, and every one was graded 1.0 (or, without a grade,
reached its target). Ambitious targets land around 0.6-0.7; always hitting them says the
targets are safe. Committed objectives are expected to reach 1.0 and do not count, in the
finished cycles as in this one: the note sits on the owner's first key result of an
aspirational objective this cycle, and an owner with only committed ones this cycle gets none.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from okrsheet.lint.base import History, Note, PastResult, Rule, Subject

#: How many finished cycles in a row, and how many key results in each, before it is a pattern.
CYCLES = 2
MIN_RESULTS = 2
#: Grades are typed with two decimals; 0.995 and above read as 1.0.
FULL = 0.995


def reached(past: PastResult) -> bool | None:
    """Whether a past key result reached 1.0: its grade, else its final value; None if unknown."""
    if past.grade is not None:
        return past.grade >= FULL
    if past.kind is None or None in (past.start, past.target, past.final):
        return None
    assert past.start is not None and past.target is not None and past.final is not None
    try:
        return bool(past.kind.met(past.final, past.start, past.target))
    except ZeroDivisionError:
        return None


def _full_cycle(results: Sequence[PastResult], owner: str) -> int | None:
    """How many of the owner's key results the cycle had, when all reached 1.0; else None."""
    mine = [p for p in results if p.owner.casefold() == owner and not p.committed]
    marks = [reached(p) for p in mine]
    if len(mine) < MIN_RESULTS or not all(mark is True for mark in marks):
        return None
    return len(mine)


def check_all(subjects: Sequence[Subject], history: History) -> Iterator[Note]:
    if len(history.cycles) < CYCLES:
        return
    recent = history.cycles[-CYCLES:]
    seen: set[str] = set()
    for subject in subjects:
        owner = subject.owner.casefold()
        if not owner or owner in seen or subject.committed:
            continue
        seen.add(owner)
        counts = [_full_cycle(results, owner) for _, results in recent]
        if any(count is None for count in counts):
            continue
        names = " and ".join(name for name, _ in recent)
        total = sum(count or 0 for count in counts)
        yield Note(
            "sandbagging",
            subject.id,
            "owner",
            f"every key result of {subject.owner} reached 1.0 in {names} ({total} of {total}): "
            "the targets may be set to be safe",
            "set targets where 0.6-0.7 would count as success; mark the results that must be "
            "hit in full as committed",
        )


RULE = Rule(
    "sandbagging",
    "An owner whose key results all reached 1.0 in each of the last two finished cycles "
    "(Archive tabs): targets set to be safe.",
    check_all=check_all,
)
