"""One error hierarchy for the library; the CLI maps each class to a documented exit code."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import NamedTuple


class ExitCode(IntEnum):
    """Exit codes of `okr`, documented in docs/exit-codes.md."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    INVALID_CONTENT = 3
    UNAVAILABLE = 4
    BACKEND = 5
    LAGGING = 6
    AUTH = 7
    SOURCE_FAILED = 8
    ABORTED = 130


class ExitCodeDoc(NamedTuple):
    """What an exit code means, as docs/exit-codes.md's table says it (generated from here)."""

    name: str
    meaning: str
    #: `code` in the JSON error envelope (docs/output.md); None when no error ends with it
    #: (a command exits with it on its own: a finding, not a failure).
    envelope: str | None


#: One row per exit code: the docs' table and the JSON error envelope are made from it.
EXIT_CODES: dict[ExitCode, ExitCodeDoc] = {
    ExitCode.OK: ExitCodeDoc("ok", "the command did what was asked", None),
    ExitCode.INTERNAL: ExitCodeDoc(
        "internal error", "something unexpected went wrong: a bug in `okr`", "internal"
    ),
    ExitCode.USAGE: ExitCodeDoc(
        "usage",
        "a bad option, argument, date, ID, owner or input file; nothing was written",
        "usage",
    ),
    ExitCode.INVALID_CONTENT: ExitCodeDoc(
        "invalid workbook content",
        "the workbook's content breaks the layout or the OKR rules",
        "invalid-content",
    ),
    ExitCode.UNAVAILABLE: ExitCodeDoc(
        "workbook missing or unavailable",
        "no workbook at that place, or it cannot be read or written",
        "workbook-unavailable",
    ),
    ExitCode.BACKEND: ExitCodeDoc(
        "backend failure",
        "the storage failed: the workbook stayed locked by another `okr`, or saving failed",
        "backend-failure",
    ),
    ExitCode.LAGGING: ExitCodeDoc(
        "lagging found", "`okr lagging --fail` found something to report", None
    ),
    ExitCode.AUTH: ExitCodeDoc(
        "not allowed",
        "Google refused who `okr` signs in as: no credentials, a revoked key, an expired "
        "sign-in, missing permission (scope), or the spreadsheet is not shared with that account",
        "not-allowed",
    ),
    ExitCode.SOURCE_FAILED: ExitCodeDoc(
        "source failed",
        "`okr sync`: at least one source could not be read; every other number was recorded",
        None,
    ),
    ExitCode.ABORTED: ExitCodeDoc(
        "aborted",
        "interrupted (Ctrl-C) or input ended at a prompt; nothing was written, unless the "
        "message says the save had landed",
        "aborted",
    ),
}


class OkrError(Exception):
    """Base of every error okrsheet raises on purpose. Each subclass names its exit code in
    its class line: `class AuthError(OkrError, exit_code=ExitCode.AUTH)`."""

    exit_code = ExitCode.INTERNAL

    def __init_subclass__(cls, *, exit_code: ExitCode | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if exit_code is not None:
            cls.exit_code = exit_code

    def __init__(
        self, message: str, *, hint: str | None = None, details: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = list(details)


class UsageError(OkrError, exit_code=ExitCode.USAGE):
    """A bad option or argument value."""

    def __init__(
        self,
        message: str,
        *,
        option: str | None = None,
        hint: str | None = None,
        details: Sequence[str] = (),
    ) -> None:
        super().__init__(f"{option}: {message}" if option else message, hint=hint, details=details)
        self.option = option


class InvalidWorkbook(OkrError, exit_code=ExitCode.INVALID_CONTENT):
    """The workbook's content breaks the layout or the OKR rules."""


class WorkbookUnavailable(OkrError, exit_code=ExitCode.UNAVAILABLE):
    """The workbook is missing, unreadable, or not a workbook at all."""


class WorkbookExists(OkrError, exit_code=ExitCode.USAGE):
    """Creating a workbook where one already is, without being told to replace it."""


class BackendError(OkrError, exit_code=ExitCode.BACKEND):
    """The storage backend failed: a lock held too long, a save that could not land, an API."""


class AuthError(OkrError, exit_code=ExitCode.AUTH):
    """Not allowed: no or expired credentials, too few scopes, or a spreadsheet not shared."""


class Aborted(OkrError, exit_code=ExitCode.ABORTED):
    """The user said no or pressed Ctrl-C; nothing was written."""
