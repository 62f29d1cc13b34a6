"""What the key-result quality checks share: a key result as they read it (`Subject`), the
finished cycles (`History`), what a check finds (`Note`) and a check itself (`Rule`). Each
rule's module builds on these; the package (`okrsheet.lint`) lists the rules and runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from okrsheet.domain.kinds import Kind, infer


@dataclass(frozen=True)
class Subject:
    """A key result as the rules see it: what its row says, readable or not."""

    id: str
    title: str
    start: float | None = None
    target: float | None = None
    unit: str = ""
    #: The kind typed in the Kind column; None when blank (inferred from start and target).
    typed_kind: Kind | None = None
    owner: str = ""
    objective_id: str = ""
    #: Its objective is committed (expected to reach 1.0), as the plan reads it.
    committed: bool = False

    @property
    def kind(self) -> Kind:
        return self.typed_kind or infer(self.start, self.target)


@dataclass(frozen=True)
class PastResult:
    """One key result of a finished cycle, from its Archive tab."""

    cycle: str
    id: str
    title: str
    owner: str
    kind: Kind | None
    start: float | None
    target: float | None
    final: float | None
    grade: float | None
    unit: str = ""
    #: The archived objective was committed (expected to reach 1.0), not aspirational.
    committed: bool = False


@dataclass(frozen=True)
class History:
    """Finished cycles, oldest first, each with its archived key results."""

    cycles: tuple[tuple[str, tuple[PastResult, ...]], ...] = ()

    @property
    def last(self) -> tuple[PastResult, ...]:
        return self.cycles[-1][1] if self.cycles else ()


@dataclass(frozen=True)
class Note:
    """What a rule found about one key result."""

    code: str
    item_id: str
    #: The field whose cell the note points at (`title`, `start`, `target`, `owner`).
    field: str
    message: str
    suggestion: str


@dataclass(frozen=True)
class Rule:
    """One check: its code, what it looks for (for docs and `--help`), and the check itself.

    `check` reads one subject; `check_all` (for rules across key results, such as an owner's
    history) reads them all at once. A rule has one or the other."""

    code: str
    summary: str
    check: Callable[[Subject, History], Iterable[Note]] | None = None
    check_all: Callable[[Sequence[Subject], History], Iterable[Note]] | None = None
    #: Needs only the title: also run on rows whose numbers could not be read.
    text_only: bool = False
    examples: tuple[str, ...] = field(default=())
