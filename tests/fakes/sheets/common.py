"""Constants, errors and copying shared by every part of the fake."""

from __future__ import annotations

import contextlib
import copy
import gc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

Json = Any

SHEETS_HOST = "sheets.googleapis.com"
DRIVE_HOST = "www.googleapis.com"
TOKEN_HOST = "oauth2.googleapis.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SERVED_HOSTS = frozenset({SHEETS_HOST, DRIVE_HOST, TOKEN_HOST})
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
#: Drive's limits on `appProperties`: bytes of key + value, and keys per app per file.
APP_PROPERTY_BYTES = 124
APP_PROPERTIES_PER_APP = 30

SCOPE_SHEETS = "https://www.googleapis.com/auth/spreadsheets"
SCOPE_SHEETS_RO = "https://www.googleapis.com/auth/spreadsheets.readonly"
SCOPE_DRIVE = "https://www.googleapis.com/auth/drive"
SCOPE_DRIVE_RO = "https://www.googleapis.com/auth/drive.readonly"
SCOPE_DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"
DEFAULT_SCOPES = (SCOPE_SHEETS, SCOPE_DRIVE)

DEFAULT_ROW_HEIGHT = 21
DEFAULT_COLUMN_WIDTH = 100

# Copied from a real `spreadsheets.get` response (recordings/ClientTest.test_create.json).
DEFAULT_FORMAT: dict[str, Json] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def _theme_color(kind: str, red: float, green: float, blue: float) -> dict[str, Json]:
    return {"colorType": kind, "color": {"rgbColor": {"red": red, "green": green, "blue": blue}}}


SPREADSHEET_THEME: dict[str, Json] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        _theme_color("BACKGROUND", 1, 1, 1),
        _theme_color("ACCENT1", 0.25882354, 0.52156866, 0.95686275),
        _theme_color("ACCENT2", 0.91764706, 0.2627451, 0.20784314),
        _theme_color("ACCENT3", 0.9843137, 0.7372549, 0.015686275),
        _theme_color("ACCENT4", 0.20392157, 0.65882355, 0.3254902),
        _theme_color("ACCENT5", 1, 0.42745098, 0.003921569),
        _theme_color("ACCENT6", 0.27450982, 0.7411765, 0.7764706),
        _theme_color("LINK", 0.06666667, 0.33333334, 0.8),
    ],
}

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per "
        "user' of service 'sheets.googleapis.com'."
    ),
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class GoogleApiError(Exception):
    """An error answer, rendered like Google's JSON error bodies."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        status: str | None = None,
        details: list[Json] | None = None,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message if message is not None else _DEFAULT_MESSAGES.get(code, "Error")
        self.status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details
        self.reason = reason
        self.headers = dict(headers or {})
        super().__init__(f"{code} {self.status}: {self.message}")

    def body(self, drive: bool = False) -> Json:
        error: dict[str, Json] = {"code": self.code, "message": self.message}
        if drive:
            reason = self.reason or {
                400: "badRequest",
                401: "authError",
                403: "forbidden",
                404: "notFound",
                429: "rateLimitExceeded",
            }.get(self.code, "backendError")
            domain = "usageLimits" if self.code == 429 else "global"
            error["errors"] = [{"message": self.message, "domain": domain, "reason": reason}]
        else:
            error["status"] = self.status
            if self.details:
                error["details"] = self.details
        return {"error": error}


def quota_error(kind: str, limit: int) -> GoogleApiError:
    """Google's answer when a per-minute quota is used up: 429 RESOURCE_EXHAUSTED, naming the
    quota in the message and in an ErrorInfo detail (no Retry-After header)."""
    what = "Read" if kind == "sheets-read" else "Write"
    return GoogleApiError(
        429,
        f"Quota exceeded for quota metric '{what} requests' and limit '{what} requests per "
        "minute per user' of service 'sheets.googleapis.com' for consumer "
        "'project_number:123456789'.",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "RATE_LIMIT_EXCEEDED",
                "domain": "googleapis.com",
                "metadata": {
                    "quota_metric": f"sheets.googleapis.com/{what.lower()}_requests",
                    "quota_limit": f"{what}RequestsPerMinutePerUser",
                    "quota_limit_value": str(limit),
                    "consumer": "projects/123456789",
                    "service": "sheets.googleapis.com",
                    "quota_location": "global",
                },
            }
        ],
    )


_T = TypeVar("_T")


def _clone(value: _T) -> _T:
    """A deep copy of a JSON value (dicts, lists, scalars), many times faster than
    copy.deepcopy; anything else is left to copy.deepcopy."""
    copied: _T = _copy_json(value)
    return copied


def _copy_json(value: Any) -> Any:
    kind = type(value)
    # Scalars are taken as they are without a call each: most values of a cell are scalars.
    if kind is dict:
        return {k: v if type(v) in _SCALARS else _copy_json(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _SCALARS else _copy_json(v) for v in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the fake answers a request.

    A write makes and drops a great many small dicts (a repeatCell over a column makes one or
    more per cell); each few hundred of them set off a collection and, every so often, a full
    one over everything the test process holds, which was a fifth of the time of a test that
    writes workbooks. The model holds no reference cycles to free; a collection owed runs at
    the next allocation once the collector is back on. Pausing nests: only the outermost
    caller turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _bad(message: str) -> GoogleApiError:
    return GoogleApiError(400, message)


class NetworkBlockedError(requests.exceptions.ConnectionError):
    """Raised for any request to a host the fake does not serve: tests must never go online."""


@dataclass
class _Raw:
    content: bytes
    content_type: str


def _check_enum(name: str, value: str, allowed: Sequence[str], type_name: str) -> None:
    if value not in allowed:
        raise _bad(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{type_name}), "
            f'"{value}"'
        )
