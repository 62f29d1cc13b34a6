"""People's names as people type them: `Zoe Muller`, `zoë  müller` and `Zoë Müller` are one
person. No I/O; the reader, the filters and the commands compare owners through `person_key`."""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable


@functools.lru_cache(maxsize=8192)  # owners are compared with every person, on every tab
def person_key(name: str) -> str:
    """What two spellings of one person's name share: no accents, no case, single spaces.
    (Cached: a workbook compares each owner with every name on its People tab.)"""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def same_person(a: str, b: str) -> bool:
    return person_key(a) == person_key(b)


def find_person(name: str, known: Iterable[str]) -> str | None:
    """`name` as `known` spells it (case, accents and spaces aside), or None."""
    key = person_key(name)
    return next((k for k in known if person_key(k) == key), None)


def closest_person(name: str, known: Iterable[str]) -> str | None:
    """The one of `known` that `name` most likely means: a close spelling, or the only name
    whose first or last word it is (`Marcus` for Marcus Webb)."""
    names = {person_key(k): k for k in known}
    key = person_key(name)
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.75)
    if close:
        return names[close[0]]
    # A first or last name, whole or begun (`Marcus`, `Marc`), that only one person has.
    words = [k for k in names if len(key) >= 3 and any(w.startswith(key) for w in k.split())]
    return names[words[0]] if len(words) == 1 else None
