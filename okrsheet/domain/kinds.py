"""Key result kinds, one table: every rule that depends on a key result's kind is an entry here.

A kind is a `Kind`: a `str` (its name, as the Kind column, JSON and CSV show it) that carries
its rules, so that `kr.kind == "milestone"` and `kr.kind is Kind.MILESTONE` both hold. An entry
says
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
here, so a new kind is one `Kind.define(...)` passed to `register` (docs/scoring.md).
No pydantic at import: the CLI's options use the vocabulary without loading it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

#: Words a milestone's value may be typed as: done is 1, not done is 0.
DONE_WORDS: Mapping[str, float] = {
    **dict.fromkeys(("true", "yes", "y", "done", "x", "✓", "✔", "1", "complete", "completed"), 1.0),
    **dict.fromkeys(("false", "no", "n", "not done", "todo", "0", "open", "pending"), 0.0),
}

#: `{s}` and `{t}` both numbers, in spreadsheet syntax (a blank or unreadable cell is not).
_BOTH = "AND(ISNUMBER({s}),ISNUMBER({t}))"


def word_key(text: str) -> str:
    """A typed word as the table spells it: lower case, runs of anything but letters and digits
    as one space ('Keep-above' and 'keep_above' are 'keep above')."""
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


class _Table(type):
    """Iterating over `Kind` gives the registered kinds, in table order."""

    def __iter__(cls) -> Iterator[Kind]:
        return iter(tuple(_TABLE.values()))

    def __len__(cls) -> int:
        return len(_TABLE)


class Kind(str, metaclass=_Table):
    """A key result kind: its name, with its rules as attributes (see the module's text).

    `Kind("milestone")` is the registered kind of that name (ValueError for any other name).
    """

    words: tuple[str, ...]
    progress: Callable[[float, float, float], float]
    met: Callable[[float, float, float], bool]
    paced: bool
    holds: bool
    counts_up: bool
    check: Callable[[float, float], str | None]
    default_start: float | None
    default_target: float | None
    value_words: Mapping[str, float]
    sheet_progress: str
    sheet_met: str
    behind: str | None

    INCREASE: ClassVar[Kind]
    DECREASE: ClassVar[Kind]
    MILESTONE: ClassVar[Kind]
    KEEP_ABOVE: ClassVar[Kind]
    KEEP_BELOW: ClassVar[Kind]

    def __new__(cls, name: str) -> Kind:
        found = _TABLE.get(str(name))
        if found is None:
            raise ValueError(f"{name!r} is not a kind; use one of: {', '.join(names())}")
        return found

    @classmethod
    def define(
        cls,
        name: str,
        *,
        progress: Callable[[float, float, float], float],
        met: Callable[[float, float, float], bool],
        sheet_progress: str,
        sheet_met: str,
        words: tuple[str, ...] = (),
        paced: bool = False,
        holds: bool = False,
        counts_up: bool = False,
        check: Callable[[float, float], str | None] = lambda start, target: None,
        default_start: float | None = None,
        default_target: float | None = None,
        value_words: Mapping[str, float] | None = None,
        behind: str | None = None,
    ) -> Kind:
        """A new kind (not in the table until `register`). `progress(value, start, target)`,
        `met(value, start, target)`, `check(start, target)` gives why they do not fit or None;
        `behind` is formatted with `start` and `target` (numbers) and `start_text` and
        `target_text` (written with the unit: 5%, $3,000,000)."""
        kind = str.__new__(cls, name)
        kind.words = tuple(dict.fromkeys((word_key(name), *map(word_key, words))))
        kind.progress, kind.met, kind.check = progress, met, check
        kind.paced, kind.holds, kind.counts_up = paced, holds, counts_up
        kind.default_start, kind.default_target = default_start, default_target
        kind.value_words = dict(value_words or {})
        kind.sheet_progress, kind.sheet_met = sheet_progress, sheet_met
        kind.behind = behind
        return kind

    @property
    def value(self) -> str:
        """The name as a plain string (as an enum's `value`)."""
        return str.__str__(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __copy__(self) -> Kind:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Kind:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Kind, (str.__str__(self),))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Validated by name against the table, serialised as the name."""
        from pydantic_core import core_schema

        # A string first, then a name of the table (works back to the pydantic-core floor).
        return core_schema.no_info_after_validator_function(
            _validate,
            core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def _validate(value: Any) -> Kind:
    if isinstance(value, Kind):
        return value
    if isinstance(value, str):
        return Kind(value)
    raise ValueError(f"a kind is one of: {', '.join(names())}")


_TABLE: dict[str, Kind] = {}
_WORDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the table; its name and words must be new."""
    taken = [w for w in kind.words if w in _WORDS] + ([kind.value] if kind.value in _TABLE else [])
    if taken:
        raise ValueError(f"kind {kind.value!r}: {', '.join(taken)} already name a kind")
    _TABLE[kind.value] = kind
    _WORDS.update(dict.fromkeys(kind.words, kind))
    return kind


def unregister(name: str) -> None:
    """Take a kind out of the table (tests that add one put things back as they were)."""
    kind = _TABLE.pop(name)
    for word in kind.words:
        del _WORDS[word]


def names() -> tuple[str, ...]:
    """Every kind's name, in table order: the choices of the Kind column."""
    return tuple(_TABLE)


def from_word(text: str) -> Kind | None:
    """The kind a typed word names ('Keep-Above', 'at least'), or None."""
    return _WORDS.get(word_key(text))


def infer(start: float | None, target: float | None) -> Kind:
    """The kind of a key result typed without one: lower-is-better when the target sits below
    the start."""
    if start is not None and target is not None and target < start:
        return Kind.DECREASE
    return Kind.INCREASE


def _linear(value: float, start: float, target: float) -> float:
    return (value - start) / (target - start)


def _directional(up: bool) -> Callable[[float, float], str | None]:
    name, other = ("increase", "decrease") if up else ("decrease", "increase")
    side = "below" if up else "above"

    def check(start: float, target: float) -> str | None:
        if target == start:
            return f"the target equals the start ({target:g}): there is nothing to move"
        if (target < start) if up else (target > start):
            return (
                f"the target ({target:g}) is {side} the start ({start:g}) but the kind is "
                f"'{name}'; use kind '{other}' or leave the kind blank"
            )
        return None

    return check


def _linear_kind(name: str, words: tuple[str, ...]) -> Kind:
    return Kind.define(
        name,
        words=words,
        progress=_linear,
        met=lambda value, start, target: _linear(value, start, target) >= 1,
        paced=True,
        counts_up=name == "increase",
        check=_directional(name == "increase"),
        sheet_progress=(
            f'IF(OR(NOT({_BOTH}),{{t}}={{s}}),"",MAX(0,MIN(1,({{v}}-{{s}})/({{t}}-{{s}}))))'
        ),
        sheet_met="{p}>=1",
    )


def _milestone_check(start: float, target: float) -> str | None:
    return None if (start, target) == (0, 1) else "a milestone goes from 0 (not done) to 1 (done)"


def _threshold(name: str, words: tuple[str, ...], above: bool) -> Kind:
    compare = ">=" if above else "<="

    def holds(value: float, start: float, target: float) -> bool:
        return value >= target if above else value <= target

    return Kind.define(
        name,
        words=words,
        progress=lambda value, start, target: 1.0 if holds(value, start, target) else 0.0,
        met=holds,
        holds=True,
        counts_up=above,
        sheet_progress=f'IF(NOT(ISNUMBER({{t}})),"",IF({{v}}{compare}{{t}},1,0))',
        sheet_met=f"{{v}}{compare}{{t}}",
        # {target_text} is the target written with its unit (5%, not 0.05).
        behind=f"{'below' if above else 'above'} the threshold of {{target_text}}",
    )


Kind.INCREASE = register(_linear_kind("increase", ("up", "higher is better")))
Kind.DECREASE = register(_linear_kind("decrease", ("down", "reduce", "lower is better")))
Kind.MILESTONE = register(
    Kind.define(
        "milestone",
        words=("done not done",),
        progress=lambda value, start, target: 1.0 if value >= 1 else 0.0,
        met=lambda value, start, target: value >= 1,
        check=_milestone_check,
        default_start=0.0,
        default_target=1.0,
        value_words=DONE_WORDS,
        sheet_progress="IF({v}>=1,1,0)",
        sheet_met="{v}>=1",
    )
)
Kind.KEEP_ABOVE = register(_threshold("keep above", ("above", "at least"), above=True))
Kind.KEEP_BELOW = register(_threshold("keep below", ("below", "at most"), above=False))
