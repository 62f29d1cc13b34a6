"""`no-baseline`: a start of 0 on an increasing key result whose title says a level exists.

A rate, a score, an average or a margin is rarely 0 at the start of a cycle: a 0 there usually
means nobody measured it. "Win rate on qualified opportunities" from 0 to 25 % is flagged;
"Qualified opportunities created" from 0 (a count that starts afresh each cycle) and
"Revenue from the new marketplace" (new, so 0 is the truth) are not.
"""

from __future__ import annotations

from collections.abc import Iterator

from okrsheet.domain.kinds import Kind
from okrsheet.lint.base import History, Note, Rule, Subject
from okrsheet.lint.words import LEVEL_TERMS, NEW_TERMS, found, normalise, quoted


def check(subject: Subject, history: History) -> Iterator[Note]:
    if subject.start != 0 or subject.target is None or subject.kind is not Kind.INCREASE:
        return
    text = normalise(subject.title)
    levels = found(text, LEVEL_TERMS)
    if not levels or found(text, NEW_TERMS):
        return
    yield Note(
        "no-baseline",
        subject.id,
        "start",
        f"starts at 0, but the title names a level that exists already ({quoted(levels)})",
        "measure today's value and make it the start, or type baseline as the start until "
        "the first check-in measures it (a start of 0 makes every later number look like "
        "progress)",
    )


RULE = Rule(
    "no-baseline",
    "A start of 0 on an increasing key result whose title names a level that exists "
    "already (a rate, a score, an average).",
    check=check,
)
