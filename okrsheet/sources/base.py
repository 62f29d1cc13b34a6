"""What every kind of source shares: a Source cell as understood (`Source`), what reading one
needs (`Context`), a kind itself (`Kind`), its error (`SourceError`) and the paths and URLs
sources name. Each kind's module builds on these; the package (`okrsheet.sources`) lists the
kinds and parses a Source cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from okrsheet.sources.config import MachineConfig


class SourceError(Exception):
    """A source that could not give its number, in words for the sheet (`tab 'P&L' not found`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Context:
    """What reading a source needs besides its text: the folder relative paths start from, the
    folders local sources may be read in, and the machine's config."""

    base: Path
    config: MachineConfig
    roots: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Source:
    """A Source cell as understood: its kind, what to read once (`document`) and what to take
    out of it (`detail`, the kind's own)."""

    text: str
    kind: str
    #: The place read once for every source that names it (a path, a URL, a spreadsheet id).
    document: str
    detail: object = field(default=None, compare=False)


class Kind(Protocol):
    """One kind of source: its syntax, one read of a document, and a number out of it."""

    name: str

    def parse(self, text: str) -> Source | None:
        """The source `text` names in this kind's syntax; None when it is not this kind's.
        Raises SourceError when it is this kind's but malformed."""
        ...

    def locate(self, source: Source, context: Context) -> str:
        """The document as it will be read (a resolved path, the URL): one read per value."""
        ...

    def read(self, document: str, context: Context) -> object:
        """Read the document once; raise SourceError when it cannot be read."""
        ...

    def number(self, source: Source, document: object) -> float:
        """The source's number in a document `read` returned; SourceError when there is none."""
        ...


def split_last(text: str, marker: str) -> tuple[str, str] | None:
    """`text` cut at the first `marker` that is followed by more text: (before, after)."""
    index = text.find(marker)
    if index <= 0 or index + len(marker) >= len(text):
        return None
    return text[:index], text[index + len(marker) :]


def is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text, re.IGNORECASE))


def resolve_path(path_text: str, context: Context) -> Path:
    """A local source's path, relative to the workbook's folder, which must lie in that folder
    or in one of the config's `roots` (a workbook anyone can edit must not read the cron host's
    private files)."""
    path = Path(path_text).expanduser()
    if not path.is_absolute():
        path = context.base / path
    resolved = path.resolve()
    allowed = (context.base.resolve(), *(r.resolve() for r in context.roots))
    if not any(resolved.is_relative_to(root) for root in allowed):
        raise SourceError(
            f"{path_text} is outside the workbook's folder; list its folder under [sync] roots "
            "in the machine's config to allow it"
        )
    return resolved
