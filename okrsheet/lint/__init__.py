"""Key result quality checks (`okr lint`): is each key result an outcome, measurable, a change?

One table of rules, one module per rule. A rule reads one key result as a `Subject` (and, for
the rules that need it, the `History` of finished cycles read from the Archive tabs) and says
what it found as `Note`s: a code, the field whose cell it points at, a one-line reason naming
the words or numbers that triggered it, and a suggestion. No I/O and no AI service here: the
layout reads the workbook into subjects, and the service places each note at its cell.

Precision before recall: a rule stays silent unless its words leave little doubt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from okrsheet.lint.base import History as History
from okrsheet.lint.base import Note as Note
from okrsheet.lint.base import PastResult as PastResult
from okrsheet.lint.base import Rule as Rule
from okrsheet.lint.base import Subject as Subject


def _registry() -> tuple[Rule, ...]:
    from okrsheet.lint import activity, no_baseline, sandbagging, status_quo, vague

    return (activity.RULE, vague.RULE, status_quo.RULE, no_baseline.RULE, sandbagging.RULE)


#: Every rule, in the order findings are listed.
RULES: tuple[Rule, ...] = _registry()
CODES: tuple[str, ...] = tuple(rule.code for rule in RULES)


def lint(
    subjects: Sequence[Subject],
    history: History | None = None,
    *,
    codes: Iterable[str] | None = None,
    numbers_of: Callable[[Subject], bool] = lambda subject: True,
) -> list[Note]:
    """Every note the chosen rules (all when `codes` is None) make on the subjects, ordered by
    subject, then by rule. `numbers_of(subject)` says whether its numbers could be read; the
    other subjects get only the text rules."""
    history = history or History()
    chosen = [r for r in RULES if codes is None or r.code in set(codes)]
    order = {s.id: i for i, s in enumerate(subjects)}
    rank = {r.code: i for i, r in enumerate(RULES)}
    notes: list[Note] = []
    for rule in chosen:
        if rule.check_all is not None:
            notes.extend(rule.check_all([s for s in subjects if numbers_of(s)], history))
        if rule.check is not None:
            for subject in subjects:
                if rule.text_only or numbers_of(subject):
                    notes.extend(rule.check(subject, history))
    return sorted(notes, key=lambda n: (order.get(n.item_id, len(order)), rank[n.code]))


def parse_checks(text: str) -> tuple[str, ...] | None:
    """The `KR checks` setting: blank or `all` (every check, None), `off` (none), `all but
    CODE, CODE` or a list of the codes to run. Raises ValueError naming an unknown code."""
    from okrsheet.lint.words import normalise

    spoken = " ".join(text.casefold().split())
    if spoken in ("", "all", "on", "yes", "true"):
        return None
    if spoken in ("off", "none", "no", "false"):
        return ()
    but = next((p for p in ("all but ", "all except ") if spoken.startswith(p)), None)
    listed = spoken.removeprefix(but) if but else spoken
    named = [normalise(part).replace(" ", "-") for part in listed.replace(";", ",").split(",")]
    named = [code for code in named if code]
    unknown = [code for code in named if code not in CODES]
    if unknown:
        raise ValueError(
            f"{', '.join(repr(c) for c in unknown)} is not a KR check; use all, off, a list "
            f"of checks or 'all but' a list; the checks are {', '.join(CODES)}"
        )
    if but:
        return tuple(code for code in CODES if code not in named)
    return tuple(code for code in CODES if code in named)
