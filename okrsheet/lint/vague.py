"""`vague`: nothing says how the key result is measured.

It takes both: a word that promises something better or names something abstract ("improve",
"world-class", "morale", "experience"), and no measure anywhere in the row: a blank Unit and no
measure in the title (a %, a rate, a survey, a scale, a time, "per", "number of"). "Improve
patient experience" from 0 to 10 is vague; "Patients rating discharge instructions clear
(post-visit survey)" in % is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from okrsheet.lint.base import History, Note, Rule, Subject
from okrsheet.lint.words import (
    ABSTRACT_NOUNS,
    COMPARATIVES,
    MEASURE_TERMS,
    VAGUE_WORDS,
    found,
    normalise,
    quoted,
)


def check(subject: Subject, history: History) -> Iterator[Note]:
    if subject.unit.strip() or subject.kind.value == "milestone":
        return
    text = normalise(subject.title)
    if found(text, MEASURE_TERMS):
        return
    words = found(text, VAGUE_WORDS) + found(text, COMPARATIVES) + found(text, ABSTRACT_NOUNS)
    # A phrase and the words inside it ("more efficient", "efficient"): name the longest.
    words = [w for w in words if not any(w != m and f" {w} " in f" {m} " for m in words)]
    if not words:
        return
    numbers = ""
    if subject.start is not None and subject.target is not None:
        numbers = f" ({subject.start:g} to {subject.target:g} of what?)"
    yield Note(
        "vague",
        subject.id,
        "title",
        f"{quoted(words)} with no unit and no measure named{numbers}",
        "say what is counted and how: a rate, a time, a survey score with its scale "
        "(e.g. 'CSAT after ticket close, %'), and fill the Unit",
    )


RULE = Rule(
    "vague",
    "No measurable definition: words like 'improve', 'better', 'world-class' or an abstract "
    "thing (morale, experience) with no unit and no measure.",
    check=check,
    text_only=True,
)
