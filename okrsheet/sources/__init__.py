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

import functools
import importlib
import re

from okrsheet.sources.base import Context as Context
from okrsheet.sources.base import Kind as Kind
from okrsheet.sources.base import Source as Source
from okrsheet.sources.base import SourceError as SourceError
from okrsheet.sources.base import is_url as is_url
from okrsheet.sources.base import resolve_path as resolve_path
from okrsheet.sources.base import split_last as split_last
from okrsheet.sources.documents import file_or_url_bytes as file_or_url_bytes
from okrsheet.sources.documents import locate_file_or_url as locate_file_or_url

#: Every kind, in the order a Source cell is offered to them: `module:NAME` of its instance,
#: imported on first use. A new kind is one module and one line here.
KINDS = (
    "okrsheet.sources.command:COMMAND",
    "okrsheet.sources.gsheet_cell:GSHEET_CELL",
    "okrsheet.sources.json_http:JSON_POINTER",
    "okrsheet.sources.csv_column:CSV_COLUMN",
    "okrsheet.sources.xlsx_cell:XLSX_CELL",
)


@functools.cache
def kinds() -> tuple[Kind, ...]:
    """Every kind in `KINDS`, in its order."""
    found = []
    for entry in KINDS:
        module, _, name = entry.partition(":")
        kind: Kind = getattr(importlib.import_module(module), name)
        found.append(kind)
    return tuple(found)


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
