"""Where a key result's number lives: the Source column's syntax, one module per kind.

A Source cell names one number outside the workbook (docs/sources.md):

- a cell, or a range's last number, in another workbook: `finance.xlsx!'P&L'!C14`,
  `gsheet:ID!Pipeline!B7` or a Google Sheets URL followed by `!Tab!A1`;
- a column of a CSV file or URL: `deals.csv!Amount`, `deals.csv!Amount[Region=EMEA]`,
  `deals.csv!sum(Amount)[Stage=Won]`;
- a number in JSON, by a JSON pointer: `https://api.example.com/stats#/data/signups`;
- a source the machine's own config file defines (a command): `config:NAME`.

Each kind is one entry in `KINDS`, in its own module: it recognises its syntax (pure, no I/O:
the reader checks every Source cell with it), reads a document once however many key results
use it, and takes each key result's number out of that document. What a workbook may never
hold, a command or a secret, is refused before any kind is asked (`refusal`).
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


def kinds() -> tuple[Kind, ...]:
    """Every kind, in the order a Source cell is offered to them."""
    from okrsheet.sources.command import COMMAND
    from okrsheet.sources.csv_column import CSV_COLUMN
    from okrsheet.sources.gsheet_cell import GSHEET_CELL
    from okrsheet.sources.json_http import JSON_POINTER
    from okrsheet.sources.xlsx_cell import XLSX_CELL

    return (COMMAND, GSHEET_CELL, JSON_POINTER, CSV_COLUMN, XLSX_CELL)


def kind_named(name: str) -> Kind:
    return next(k for k in kinds() if k.name == name)


SYNTAX_HINT = (
    "write a workbook cell (finance.xlsx!'P&L'!C14, gsheet:ID!Tab!B7), a CSV column "
    "(deals.csv!Amount[Region=EMEA]), a JSON pointer (https://host/path#/data/total) or "
    "config:NAME; see docs/sources.md"
)


def parse_source(text: str) -> Source:
    """The source a Source cell names; SourceError (never echoing a secret) when it is refused
    or no kind reads it."""
    text = text.strip()
    refused = refusal(text)
    if refused:
        raise SourceError(refused)
    for kind in kinds():
        found = kind.parse(text)
        if found is not None:
            return found
    raise SourceError(f"{text!r} is not a source okr can read; {SYNTAX_HINT}")


# What a workbook anyone can edit may never hold --------------------------------------------

#: A Source cell that tries to make the cron host run something.
_COMMAND_PREFIXES = re.compile(
    r"^\s*(?:!|\||`|\$\(|(?:cmd|command|exec|shell|sh|bash|run|program|script|python|"
    r"powershell|pwsh)\s*:)",
    re.IGNORECASE,
)
_SHELL_WORDS = re.compile(
    r"^\s*(?:sh|bash|zsh|python3?|perl|ruby|node|curl|wget|powershell|pwsh|cmd(?:\.exe)?|"
    r"sudo|env|/bin/\S+|/usr/\S+|\./\S+)\s+\S",
    re.IGNORECASE,
)
_SHELL_SYNTAX = re.compile(r"\$\(|`|\$\{|&&|\|\||;\s*\S|\|\s*\S|>\s*\S|<\s*\S")

#: Query parameters and words that carry credentials.
_SECRET_PARAMS = re.compile(
    r"[?&#;](?:[\w.-]*?(?:token|key|secret|password|passwd|pwd|auth|signature|sig|"
    r"credential|session|jwt))=",
    re.IGNORECASE,
)
_SECRET_WORDS = re.compile(
    r"\bauthorization\s*[:=]|\b(?:bearer|basic|token)\s+[\w.~+/=-]{8,}", re.IGNORECASE
)
#: Well-known shapes of tokens: GitHub, Slack, OpenAI-style, AWS access keys, Google API keys,
#: JWTs.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abprs]-[\w-]{10,}|sk-[\w-]{16,}|"
    r"AKIA[0-9A-Z]{16}|AIza[\w-]{30,}|eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]+)"
)
_USERINFO = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s]*@", re.IGNORECASE)


def refusal(text: str) -> str | None:
    """Why this Source cell is refused, or None. A command, anything that looks like shell,
    and anything that looks like a credential: a workbook anyone can edit must never make the
    cron host run a program, and a token typed into a sheet is a token everyone can read. The
    message never repeats the cell's text, which may hold the secret."""
    where = "the machine's config file (docs/sources.md)"
    if _USERINFO.match(text):
        return (
            "the Source holds a user name or password in its address; credentials belong in "
            f"{where}, never in the workbook"
        )
    if _SECRET_PARAMS.search(text) or _SECRET_WORDS.search(text) or _TOKEN_SHAPES.search(text):
        return (
            "the Source holds what looks like a token or secret; put the token in an "
            f"environment variable named in {where}, never in the workbook"
        )
    if _COMMAND_PREFIXES.match(text) or _SHELL_WORDS.match(text) or _looks_like_shell(text):
        return (
            "the Source names a command; a workbook may not make okr run a program: define the "
            f"command in {where} and write config:NAME here"
        )
    return None


def holds_secret(text: str) -> bool:
    """Whether a Source cell looks like it holds a credential."""
    return bool(
        _USERINFO.match(text)
        or _SECRET_PARAMS.search(text)
        or _SECRET_WORDS.search(text)
        or _TOKEN_SHAPES.search(text)
    )


def shown(text: str) -> str:
    """A Source as messages may show it: never one that holds a secret."""
    return "(not shown: it holds a secret)" if holds_secret(text) else text


def _looks_like_shell(text: str) -> bool:
    """Shell syntax outside the quoted names and the [key=value] filters a source may hold
    (`'R&D'`, `[Team=Sales & Ops]`)."""
    bare = re.sub(r"'(?:[^']|'')*'|\[[^\]]*\]", "", text)
    return bool(_SHELL_SYNTAX.search(bare))


# Addresses shared by the kinds ---------------------------------------------------------------


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


def locate_file_or_url(document: str, context: Context) -> str:
    """A source document that is an https URL or a local file, as it will be read."""
    return document if is_url(document) else str(resolve_path(document, context))


def file_or_url_bytes(document: str, context: Context) -> bytes:
    """The bytes of a located document: fetched (`sources.http`), or read from the file."""
    if is_url(document):
        from okrsheet.sources.http import get

        return get(document, context)
    try:
        return Path(document).read_bytes()
    except FileNotFoundError:
        raise SourceError(f"no file at {Path(document).name}") from None
    except OSError as exc:
        raise SourceError(f"cannot read {Path(document).name}: {exc.strerror}") from None
