"""The `Kind` type and the table of kinds it is looked up in (filled by the package's `MEMBERS`).

A kind is a `Kind`: a `str` (its name, as the Kind column, JSON and CSV show it) that carries
its rules as attributes; `okrsheet/domain/kinds/__init__.py` says what each rule means.
No pydantic at import: the CLI's options use the vocabulary without loading it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar


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
    """A key result kind: its name, with its rules as attributes (see the package's text).

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

    # The kinds okr ships, set on the class as the package loads its `MEMBERS`, so that code
    # can name one (`Kind.MILESTONE`); a kind added later is looked up by name instead.
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
