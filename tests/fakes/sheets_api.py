"""An in-process fake of the Google Sheets v4, Drive v3 and OAuth2 token APIs, at the HTTP layer.

The fake is a :class:`requests.adapters.BaseAdapter` (:class:`FakeAdapter`) that answers requests
for ``https://sheets.googleapis.com/``, ``https://www.googleapis.com/drive/v3/`` and
``https://oauth2.googleapis.com/token`` from an in-memory model (:class:`FakeGoogle`).  Because it
sits below ``requests``, the *real* gspread and google-auth code run unchanged on top of it: the
service-account JWT is signed by google-auth and its signature verified here, tokens expire and are
refreshed, and every Sheets call carries a bearer token that the fake checks.

Any request for a host the fake does not serve raises :class:`NetworkBlockedError` at once.

Shapes (keys, value types, trimming of empty trailing cells, error bodies) follow the recordings of
the real API kept in ``tests/fakes/recordings/`` (see its README); ``test_sheets_api.py`` replays
them against the fake.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import csv
import datetime as dt
import functools
import gc
import gzip
import io
import itertools
import json
import math
import pickle
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, cast
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

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


# ---------------------------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------------------------

_A1_PART = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")
_CELLISH_TITLE = re.compile(r"^(?:[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


def column_letters(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """ "A" → 0, "AA" → 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def quote_title(title: str) -> str:
    """How the API writes a sheet title inside a range: quoted unless a plain identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not _CELLISH_TITLE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Format a resolved half-open grid range the way the API echoes it (``Sheet1!A1:B2``)."""
    start = f"{column_letters(c0)}{r0 + 1}"
    if r1 - r0 <= 1 and c1 - c0 <= 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{column_letters(c1 - 1)}{r1}"


@dataclass
class A1Range:
    """A parsed range: half-open indexes; ``None`` ends are unbounded (to the grid's edge)."""

    sheet_title: str | None
    r0: int
    c0: int
    r1: int | None
    c1: int | None
    whole_sheet: bool = False


def _split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'It''s'!A1`` into ("It's", "A1"); returns (None, text) without a sheet part."""
    if text.startswith("'"):
        i, name = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    name.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(name), None
                if rest.startswith("!"):
                    return "".join(name), rest[1:]
                raise ValueError(text)
            name.append(ch)
            i += 1
        raise ValueError(text)
    if "!" in text:
        sheet, cells = text.split("!", 1)
        return sheet, cells
    return None, text


def _parse_cells(cells: str) -> tuple[int, int, int | None, int | None]:
    parts = cells.split(":")
    if len(parts) > 2 or not cells:
        raise ValueError(cells)
    parsed: list[tuple[int | None, int | None]] = []
    for part in parts:
        m = _A1_PART.match(part)
        if not m or (m.group(1) is None and m.group(2) is None):
            raise ValueError(cells)
        col = column_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            raise ValueError(cells)
        parsed.append((col, row))
    (c_start, r_start) = parsed[0]
    if len(parsed) == 1:
        if c_start is None or r_start is None:
            raise ValueError(cells)
        return r_start, c_start, r_start + 1, c_start + 1
    (c_end, r_end) = parsed[1]
    # "A:A", "1:1", "A1:B", "A1:2" — missing parts become open ends.
    r0 = r_start if r_start is not None else 0
    c0 = c_start if c_start is not None else 0
    r1 = r_end + 1 if r_end is not None else None
    c1 = c_end + 1 if c_end is not None else None
    if r_start is None and r_end is not None:
        r0 = 0
    if r1 is not None and r1 <= r0:  # reversed ("B2:A1")
        r0, r1 = r1 - 1, r0 + 1
    if c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return r0, c0, r1, c1


# ---------------------------------------------------------------------------------------------
# Field masks
# ---------------------------------------------------------------------------------------------

MaskTree = dict[str, "MaskTree | None"]


def parse_field_mask(mask: str) -> MaskTree | None:
    """Parse a Google field mask (``a.b,c(d,e/f)``) into a tree; ``None`` means "everything"."""
    text = mask.replace(" ", "").replace("\n", "")
    if text in ("", "*"):
        return None
    pos = 0

    def merge(tree: MaskTree, path: list[str], sub: MaskTree | None) -> None:
        node = tree
        for name in path[:-1]:
            child = node.get(name, {})
            if child is None:
                return  # an ancestor already selects everything
            node[name] = child
            node = child
        last = path[-1]
        if sub is None or node.get(last, {}) is None:
            node[last] = None
        else:
            existing = node.get(last) or {}
            for key, value in sub.items():
                merge(existing, [key], value)
            node[last] = existing

    def parse_list() -> MaskTree:
        nonlocal pos
        tree: MaskTree = {}
        while True:
            m = re.compile(r"[A-Za-z0-9_*@]+(?:[./][A-Za-z0-9_*@]+)*").match(text, pos)
            if not m:
                raise _bad(f"Invalid field selection {text}")
            path = re.split(r"[./]", m.group(0))
            pos = m.end()
            sub: MaskTree | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(text) or text[pos] != ")":
                    raise _bad(f"Invalid field selection {text}")
                pos += 1
            if path[-1] == "*":
                path = path[:-1]
                sub = None
                if not path:
                    return {"*": None}
            merge(tree, path, sub)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return tree

    tree = parse_list()
    if pos != len(text):
        raise _bad(f"Invalid field selection {text}")
    return None if "*" in tree else tree


def apply_field_mask(obj: Json, tree: MaskTree | None) -> Json:
    """Keep only the selected fields of a JSON value (lists are filtered element by element)."""
    if tree is None or "*" in tree:
        return _clone(obj)
    if isinstance(obj, list):
        return [apply_field_mask(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {k: apply_field_mask(obj[k], sub) for k, sub in tree.items() if k in obj}
    return _clone(obj)


def _select(obj: Json, tree: MaskTree | None) -> Json:
    """`apply_field_mask` for an answer built afresh: the selected parts are not copied."""
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [_select(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {k: _select(obj[k], sub) for k, sub in tree.items() if k in obj}
    return obj


def apply_update_mask(target: Json, source: Json, tree: MaskTree | None) -> Json:
    """Write semantics of a field mask: listed fields come from ``source``; absent → cleared."""
    if tree is None or not isinstance(source, dict):
        return _clone(source)
    result = dict(target) if isinstance(target, dict) else {}
    for key, sub in tree.items():
        if sub is None:
            if key in source and source[key] is not None:
                result[key] = _clone(source[key])
            else:
                result.pop(key, None)
        else:
            merged = apply_update_mask(result.get(key) or {}, source.get(key) or {}, sub)
            if merged:
                result[key] = merged
            else:
                result.pop(key, None)
    return result


class _CellUpdate:
    """`apply_update_mask(target, source, tree)` for one source cell written over many stored
    cells, as a repeatCell writes it: the mask is walked and the source's values copied once,
    not once per cell.

    The cells written share those values, except the dicts the fake changes in place once a
    cell is stored: `_mirror_colors` adds to a cell's userEnteredFormat and its textFormat, so
    each cell gets its own copy of those two (`_OWN_COPIES`). Nothing else changes a stored
    cell's parts in place (a write makes new dicts: `apply_update_mask` copies what it changes,
    `_write_block` clones the cell), so the sharing of the rest cannot show.
    """

    __slots__ = ("_own", "_steps", "_value", "_whole")

    def __init__(self, source: Json, tree: MaskTree | None, path: tuple[str, ...] = ()) -> None:
        #: Without a mask (or a dict to pick from) the source replaces the target whole.
        self._whole = tree is None or not isinstance(source, dict)
        self._value: Json = _clone(source) if self._whole else None
        self._own = _OWN_COPIES.get(path, _shared)
        #: Per field of the mask, in its order: (name, sub-mask, and either how to merge the
        #: source's field into the target's, or the value to set (None: clear) and its copier).
        self._steps: list[tuple[str, MaskTree | None, _CellUpdate | None, Json, _Copier]] = []
        if tree is None or not isinstance(source, dict):
            return
        for key, sub in tree.items():
            if sub is None:
                value = source.get(key)
                own = _OWN_COPIES.get((*path, key), _shared)
                self._steps.append((key, None, None, None if value is None else _clone(value), own))
            else:
                merge = _CellUpdate(source.get(key) or {}, sub, (*path, key))
                self._steps.append((key, sub, merge, None, _shared))

    def sets(self, key: str) -> bool:
        """Whether the update sets or clears the whole of a top-level field."""
        return self._whole or any(name == key and sub is None for name, sub, *_ in self._steps)

    def apply(self, target: Json, override: Mapping[str, Json] | None = None) -> Json:
        """``apply_update_mask(target, source, tree)``, with ``override`` replacing some of the
        source's top-level fields (a repeatCell's formula, moved for each cell): its values
        are stored as they are, not copied."""
        if self._whole:
            whole = self._own(self._value)
            if override:
                whole.update(override)
            return whole
        result = dict(target) if isinstance(target, dict) else {}
        for key, sub, merge, value, own in self._steps:
            if override is not None and key in override:
                given = override[key]
                if sub is None:
                    if given is None:
                        result.pop(key, None)
                    else:
                        result[key] = given
                    continue
                merged = apply_update_mask(result.get(key) or {}, given or {}, sub)
            elif merge is None:
                if value is None:
                    result.pop(key, None)
                else:
                    result[key] = own(value)
                continue
            else:
                merged = merge.apply(result.get(key) or {})
            if merged:
                result[key] = merged
            else:
                result.pop(key, None)
        return result


_Copier = Callable[[Json], Json]


def _shared(value: Json) -> Json:
    return value


def _own_dict(value: Json, key: str | None = None, inner: _Copier = _shared) -> Json:
    """A dict of its own (not the value's nested ones), with `key`'s value copied by `inner`."""
    if type(value) is not dict:
        return value
    value = dict(value)
    if key is not None and key in value:
        value[key] = inner(value[key])
    return value


def _own_text_format(text: Json) -> Json:
    return _own_dict(text)


def _own_format(fmt: Json) -> Json:
    return _own_dict(fmt, "textFormat", _own_text_format)


def _own_cell(cell: Json) -> Json:
    return _own_dict(cell, "userEnteredFormat", _own_format)


#: What of a value a `_CellUpdate` sets must be copied for each cell, by where it goes in a cell.
_OWN_COPIES: dict[tuple[str, ...], _Copier] = {
    (): _own_cell,
    ("userEnteredFormat",): _own_format,
    ("userEnteredFormat", "textFormat"): _own_text_format,
}


# ---------------------------------------------------------------------------------------------
# Values: parsing user input, formatting, rendering
# ---------------------------------------------------------------------------------------------

_EPOCH = dt.date(1899, 12, 30)
_SKIP = object()  # a JSON null in a ValueRange: leave the cell alone
_NUMBER_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?(?:[eE]([+-]?\d+))?$")
_ERROR_CODES = {
    "DIV_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "N_A": "#N/A",
    "NUM": "#NUM!",
    "ERROR": "#ERROR!",
    "NULL_VALUE": "#NULL!",
}


def date_to_serial(value: dt.date | dt.datetime) -> float:
    """Sheets' serial number: days since 1899-12-30, time as a fraction of a day."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return float((value - _EPOCH).days)


def serial_to_datetime(serial: float) -> dt.datetime:
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial)


def _num(value: float) -> int | float:
    """JSON numbers as the API writes them: integral values without a fraction."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _parse_number(text: str) -> tuple[float, dict[str, str] | None] | None:
    s = text.strip()
    percent = s.endswith("%")
    currency = False
    if percent:
        s = s[:-1].strip()
    if s.startswith(("$", "-$", "+$")):
        currency = True
        s = s.replace("$", "", 1)
    m = _NUMBER_RE.match(s)
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    grouped = "," in (m.group(2) or "")
    value = float(s.replace(",", ""))
    decimals = len(m.group(3)) - 1 if m.group(3) else 0
    fmt: dict[str, str] | None = None
    if percent:
        value /= 100
        fmt = {"type": "PERCENT", "pattern": "0" + ("." + "0" * decimals if decimals else "") + "%"}
    elif currency:
        fmt = {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    elif grouped:
        fmt = {"type": "NUMBER", "pattern": "#,##0" + ("." + "0" * decimals if decimals else "")}
    elif m.group(4) is not None:
        fmt = {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
    return value, fmt


_DATE_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd", "yyyy-mm-dd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd", "yyyy/mm/dd"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "mdy", "M/d/yyyy"),
]
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _parse_date(text: str, locale: str) -> tuple[float, dict[str, str]] | None:
    s = text.strip()
    date_part, _, time_part = s.partition(" ") if " " in s else (s, "", "")
    if "T" in date_part and not time_part:
        date_part, _, time_part = date_part.partition("T")
    for pattern, order, fmt in _DATE_PATTERNS:
        m = pattern.match(date_part)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups())
        if order == "ymd":
            y, mo, d = a, b, c
        elif locale.startswith("en_US"):
            mo, d, y = a, b, c
        else:
            d, mo, y = a, b, c
            fmt = "d/M/yyyy"
        try:
            day = dt.date(y, mo, d)
        except ValueError:
            return None
        serial = date_to_serial(day)
        if not time_part:
            return serial, {"type": "DATE", "pattern": fmt}
        t = _TIME_RE.match(time_part)
        if not t:
            return None
        hh, mm, ss = int(t.group(1)), int(t.group(2)), int(t.group(3) or 0)
        if hh > 23 or mm > 59 or ss > 59:
            return None
        serial += (hh * 3600 + mm * 60 + ss) / 86400
        return serial, {"type": "DATE_TIME", "pattern": fmt + " H:mm:ss"}
    t = _TIME_RE.match(s)
    if t and int(t.group(1)) < 24 and int(t.group(2)) < 60:
        secs = int(t.group(1)) * 3600 + int(t.group(2)) * 60 + int(t.group(3) or 0)
        return secs / 86400, {"type": "TIME", "pattern": "h:mm:ss am/pm"}
    return None


def parse_input(value: Json, option: str, locale: str = "en_US") -> tuple[Json, Json]:
    """One ValueRange cell → (userEnteredValue or None to clear or _SKIP, numberFormat or None)."""
    if value is None:
        return _SKIP, None
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad("Invalid value: non-finite number")
        return {"numberValue": value}, None
    if not isinstance(value, str):
        raise _bad(
            f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
            f"{json.dumps(value)}"
        )
    if value == "":
        return None, None
    if option == "RAW":
        return {"stringValue": value}, None
    if value.startswith("'"):
        return {"stringValue": value[1:]}, None
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}, None
    if value.upper() in ("TRUE", "FALSE"):
        return {"boolValue": value.upper() == "TRUE"}, None
    number = _parse_number(value)
    if number is not None:
        return {"numberValue": number[0]}, number[1]
    date = _parse_date(value, locale)
    if date is not None:
        return {"numberValue": date[0]}, date[1]
    return {"stringValue": value}, None


def python_to_input(value: Any) -> Json:
    """Python seed values → API input values (dates become the USER_ENTERED ISO text)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _general_number(value: float) -> str:
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    return text


_DATE_TOKENS = re.compile(
    r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|AM/PM|a/p|\.0+|\"[^\"]*\"|.",
    re.IGNORECASE,
)


def _format_date(serial: float, pattern: str) -> str:
    moment = serial_to_datetime(serial) + dt.timedelta(microseconds=500)
    tokens = _DATE_TOKENS.findall(pattern)
    twelve = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        prev = next((t.lower() for t in reversed(tokens[:i]) if t.strip(" :/-,.")), "")
        nxt = next((t.lower() for t in tokens[i + 1 :] if t.strip(" :/-,.")), "")
        minute = low in ("m", "mm") and (prev in ("h", "hh") or nxt in ("s", "ss"))
        hour = moment.hour % 12 or 12 if twelve else moment.hour
        if low == "yyyy":
            out.append(f"{moment.year:04d}")
        elif low == "yy":
            out.append(f"{moment.year % 100:02d}")
        elif low == "mmmm":
            out.append(moment.strftime("%B"))
        elif low == "mmm":
            out.append(moment.strftime("%b"))
        elif low == "mm":
            out.append(f"{moment.minute:02d}" if minute else f"{moment.month:02d}")
        elif low == "m":
            out.append(str(moment.minute) if minute else str(moment.month))
        elif low == "dddd":
            out.append(moment.strftime("%A"))
        elif low == "ddd":
            out.append(moment.strftime("%a"))
        elif low == "dd":
            out.append(f"{moment.day:02d}")
        elif low == "d":
            out.append(str(moment.day))
        elif low == "hh":
            out.append(f"{hour:02d}")
        elif low == "h":
            out.append(str(hour))
        elif low == "ss":
            out.append(f"{moment.second:02d}")
        elif low == "s":
            out.append(str(moment.second))
        elif low in ("am/pm", "a/p"):
            out.append("AM" if moment.hour < 12 else "PM")
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        elif tok.startswith("."):
            out.append("." + f"{moment.microsecond:06d}"[: len(tok) - 1])
        else:
            out.append(tok)
    return "".join(out)


def _format_number_pattern(value: float, pattern: str) -> str:
    section = pattern.split(";")[0]
    core = next((m.group(0) for m in re.finditer(r"[#0,]*\.?[#0]*", section) if m.group(0)), "")
    if not core:
        return _general_number(value)
    prefix, suffix = section.split(core, 1)
    percent = "%" in suffix or "%" in prefix
    if percent:
        value *= 100
    int_part, _, frac = core.partition(".")
    min_dec = frac.count("0")
    max_dec = len(frac)
    text = f"{abs(value):,.{max_dec}f}" if "," in int_part else f"{abs(value):.{max_dec}f}"
    if max_dec > min_dec and "." in text:
        whole, dec = text.split(".")
        dec = dec.rstrip("0")
        dec = dec + "0" * max(0, min_dec - len(dec))
        text = whole + ("." + dec if dec else "")
    if not int_part.endswith("0") and text.startswith("0."):
        text = text[1:]
    sign = "-" if value < 0 and float(text.replace(",", "") or 0) != 0 else ""

    def clean(literal: str) -> str:
        return re.sub(r'"([^"]*)"', r"\1", literal).replace("\\", "")

    return sign + clean(prefix) + text + clean(suffix)


def format_value(effective: Json, number_format: Json) -> str:
    """The display string of an effective value under a numberFormat (a useful approximation)."""
    if not effective:
        return ""
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return _ERROR_CODES.get(effective["errorValue"].get("type", "ERROR"), "#ERROR!")
    value = float(effective.get("numberValue", 0))
    fmt = number_format or {}
    kind, pattern = fmt.get("type"), fmt.get("pattern")
    if kind in ("DATE", "DATE_TIME", "TIME"):
        default = {"DATE": "M/d/yyyy", "DATE_TIME": "M/d/yyyy H:mm:ss", "TIME": "h:mm:ss am/pm"}
        return _format_date(value, pattern or default[kind])
    if kind == "PERCENT" and not pattern:
        pattern = "0.00%"
    if kind == "CURRENCY" and not pattern:
        pattern = '"$"#,##0.00'
    if pattern and kind not in ("TEXT",):
        return _format_number_pattern(value, pattern)
    return _general_number(value)


def _is_date_format(cell: Json) -> bool:
    fmt = ((cell or {}).get("userEnteredFormat") or {}).get("numberFormat") or {}
    return fmt.get("type") in ("DATE", "DATE_TIME", "TIME")


def render_cell(cell: Json, value_render: str, datetime_render: str) -> Json:
    """A cell as values.get renders it; ``None`` for an empty cell."""
    if not cell or ("userEnteredValue" not in cell and "effectiveValue" not in cell):
        return None
    if value_render == "FORMATTED_VALUE":
        return cell.get("formattedValue", "")
    uev = cell.get("userEnteredValue") or {}
    if value_render == "FORMULA" and "formulaValue" in uev:
        return uev["formulaValue"]
    ev = cell.get("effectiveValue") or {}
    if "numberValue" in ev:
        if datetime_render == "FORMATTED_STRING" and _is_date_format(cell):
            return cell.get("formattedValue", "")
        return _num(ev["numberValue"])
    if "boolValue" in ev:
        return ev["boolValue"]
    if "stringValue" in ev:
        return ev["stringValue"]
    if "errorValue" in ev:
        return cell.get("formattedValue", "#ERROR!")
    return None


# ---------------------------------------------------------------------------------------------
# Formulas: a small evaluator (arithmetic, comparisons, &, references, a few functions)
# ---------------------------------------------------------------------------------------------


class FormulaError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


_FORMULA_TOKEN = re.compile(
    r"""\s*(?:
    (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z0-9_]+)!)?
        \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
  | (?P<cols>(?:(?:'(?:[^']|'')+'|[A-Za-z0-9_]+)!)?
        \$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}(?![A-Za-z0-9_(]))
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%{};])
    )""",
    re.VERBOSE,
)


@dataclass
class _Grid:
    values: list[list[Json]]


@functools.lru_cache(maxsize=1 << 16)
def _formula_tokens(text: str) -> tuple[tuple[str, str], ...]:
    """The tokens of a formula (without its `=`). A laid-out workbook repeats the same formula
    texts in every test, so each is split once per process."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _FORMULA_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise FormulaError("ERROR", f"Formula parse error at {text[pos:]!r}")
        kind = m.lastgroup or "op"
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tuple(tokens)


class _FormulaParser:
    def __init__(self, text: str, resolve: Callable[[str], Json]) -> None:
        self.tokens = _formula_tokens(text)
        self.i = 0
        self.resolve = resolve

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1].upper() != value):
            raise FormulaError("ERROR", "Formula parse error.")
        self.i += 1
        return tok

    def parse(self) -> Json:
        value = self.comparison()
        if self.peek() is not None:
            raise FormulaError("ERROR", "Formula parse error.")
        return value

    def comparison(self) -> Json:
        left = self.concat()
        while (tok := self.peek()) and tok[1] in ("=", "<>", "<", ">", "<=", ">="):
            self.take()
            right = self.concat()
            a, b = _scalar(left), _scalar(right)
            if isinstance(a, str) or isinstance(b, str):
                a, b = _text(a).lower(), _text(b).lower()
            else:
                a, b = _number(a), _number(b)
            left = {
                "=": a == b,
                "<>": a != b,
                "<": a < b,
                ">": a > b,
                "<=": a <= b,
                ">=": a >= b,
            }[tok[1]]
        return left

    def concat(self) -> Json:
        left = self.additive()
        while (tok := self.peek()) and tok[1] == "&":
            self.take()
            left = _text(_scalar(left)) + _text(_scalar(self.additive()))
        return left

    def additive(self) -> Json:
        left = self.term()
        while (tok := self.peek()) and tok[1] in ("+", "-"):
            self.take()
            a, b = _number(_scalar(left)), _number(_scalar(self.term()))
            left = a + b if tok[1] == "+" else a - b
        return left

    def term(self) -> Json:
        left = self.power()
        while (tok := self.peek()) and tok[1] in ("*", "/"):
            self.take()
            a, b = _number(_scalar(left)), _number(_scalar(self.power()))
            if tok[1] == "/":
                if b == 0:
                    raise FormulaError("DIV_ZERO", "Function DIVIDE parameter 2 cannot be zero.")
                left = a / b
            else:
                left = a * b
        return left

    def power(self) -> Json:
        left = self.unary()
        while (tok := self.peek()) and tok[1] == "^":
            self.take()
            left = _number(_scalar(left)) ** _number(_scalar(self.unary()))
        return left

    def unary(self) -> Json:
        tok = self.peek()
        if tok and tok[1] in ("-", "+"):
            self.take()
            value = _number(_scalar(self.unary()))
            return -value if tok[1] == "-" else value
        value = self.primary()
        while (tok := self.peek()) and tok[1] == "%":
            self.take()
            value = _number(_scalar(value)) / 100
        return value

    def primary(self) -> Json:
        tok = self.take()
        kind, text = tok
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.resolve(text)
        if text == "(":
            value = self.comparison()
            self.take(")")
            return value
        if kind == "name":
            upper = text.upper()
            if (nxt := self.peek()) and nxt[1] == "(":
                self.take("(")
                args: list[Json] = []
                if (close := self.peek()) and close[1] == ")":
                    self.take(")")
                else:
                    while True:
                        args.append(self.comparison())
                        if self.take()[1] == ")":
                            break
                return _call_function(upper, args)
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            raise FormulaError("NAME", f"Unknown range name: '{text}'.")
        raise FormulaError("ERROR", "Formula parse error.")


def _scalar(value: Json) -> Json:
    if isinstance(value, _Grid):
        if len(value.values) == 1 and len(value.values[0]) == 1:
            return value.values[0][0]
        raise FormulaError("VALUE", "An array value could not be found.")
    return value


def _number(value: Json) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    parsed = _parse_number(str(value))
    if parsed is None:
        raise FormulaError("VALUE", f"Function expects number values. But '{value}' is a text.")
    return parsed[0]


def _text(value: Json) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _general_number(value)
    return str(value)


def _flatten(args: Iterable[Json]) -> Iterator[tuple[Json, bool]]:
    """Yield (value, from_range)."""
    for arg in args:
        if isinstance(arg, _Grid):
            for row in arg.values:
                for v in row:
                    yield v, True
        else:
            yield arg, False


def _call_function(name: str, args: list[Json]) -> Json:
    def numbers() -> list[float]:
        out = []
        for v, from_range in _flatten(args):
            if from_range and (v is None or isinstance(v, str | bool)):
                continue
            out.append(_number(v))
        return out

    if name == "SUM":
        return float(sum(numbers()))
    if name in ("AVERAGE", "MIN", "MAX"):
        nums = numbers()
        if name == "AVERAGE":
            if not nums:
                raise FormulaError(
                    "DIV_ZERO", "Evaluation of function AVERAGE caused a divide by zero error."
                )
            return sum(nums) / len(nums)
        return float((min if name == "MIN" else max)(nums)) if nums else 0.0
    if name == "COUNT":
        return float(
            sum(
                1
                for v, _ in _flatten(args)
                if isinstance(v, int | float) and not isinstance(v, bool)
            )
        )
    if name == "COUNTA":
        return float(sum(1 for v, _ in _flatten(args) if v not in (None, "")))
    if name == "IF":
        cond = _scalar(args[0]) if args else False
        truthy = bool(_number(cond)) if not isinstance(cond, str) else cond != ""
        if truthy:
            return _scalar(args[1]) if len(args) > 1 else True
        return _scalar(args[2]) if len(args) > 2 else False
    if name in ("AND", "OR"):
        flags = [bool(_number(v)) for v, _ in _flatten(args) if v is not None]
        return all(flags) if name == "AND" else any(flags)
    if name == "NOT":
        return not bool(_number(_scalar(args[0])))
    if name == "ROUND":
        digits = int(_number(_scalar(args[1]))) if len(args) > 1 else 0
        value = _number(_scalar(args[0]))
        q = 10**digits
        return math.floor(abs(value) * q + 0.5) / q * (1 if value >= 0 else -1)
    if name == "ABS":
        return abs(_number(_scalar(args[0])))
    if name in ("CONCATENATE", "CONCAT"):
        return "".join(_text(v) for v, _ in _flatten(args))
    if name == "LEN":
        return float(len(_text(_scalar(args[0]))))
    if name in ("UPPER", "LOWER", "TRIM"):
        text = _text(_scalar(args[0]))
        return (
            text.upper()
            if name == "UPPER"
            else text.lower()
            if name == "LOWER"
            else " ".join(text.split())
        )
    raise FormulaError("NAME", f"Unknown function: '{name.lower()}'.")


# ---------------------------------------------------------------------------------------------
# The in-memory model
# ---------------------------------------------------------------------------------------------

Cell = dict[str, Json]
_STORED_CELL_FIELDS = frozenset(
    {
        "userEnteredValue",
        "userEnteredFormat",
        "note",
        "dataValidation",
        "textFormatRuns",
        "hyperlink",
    }
)


@dataclass
class FakeSheet:
    """One tab. ``rows`` has ``rowCount`` entries; a row list may be shorter than the grid."""

    properties: dict[str, Json]
    rows: list[list[Cell | None]]
    row_meta: list[dict[str, Json]]
    col_meta: list[dict[str, Json]]
    protected_ranges: list[dict[str, Json]] = field(default_factory=list)
    conditional_formats: list[dict[str, Json]] = field(default_factory=list)
    merges: list[dict[str, Json]] = field(default_factory=list)
    basic_filter: dict[str, Json] | None = None
    #: Formula cells written since the last read of them: evaluated when read.
    pending: set[tuple[int, int]] = field(default_factory=set)
    # What `FakeGoogle._recalc` needs to redo only what changed since it last ran: where the
    # formula cells were then, the cells set since, and whether cells moved (rows or columns
    # inserted, deleted or cut off), when it must look at every cell again.
    formulas: set[tuple[int, int]] = field(default_factory=set, compare=False, repr=False)
    written: set[tuple[int, int]] = field(default_factory=set, compare=False, repr=False)
    moved: bool = field(default=True, compare=False, repr=False)

    @property
    def sheet_id(self) -> int:
        return int(self.properties.get("sheetId", 0))

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def column_count(self) -> int:
        return int(self.properties["gridProperties"]["columnCount"])

    def cell(self, r: int, c: int) -> Cell | None:
        if r >= len(self.rows):
            return None
        row = self.rows[r]
        return row[c] if c < len(row) else None

    def set_cell(self, r: int, c: int, cell: Cell | None) -> None:
        row = self.rows[r]
        self.written.add((r, c))
        if cell is not None and cell.keys().isdisjoint(_STORED_CELL_FIELDS):
            cell = None
        if cell is None:
            if c < len(row):
                row[c] = None
                while row and row[-1] is None:
                    row.pop()
            return
        if c >= len(row):
            row.extend([None] * (c + 1 - len(row)))
        row[c] = cell

    def resize(self, rows: int, cols: int) -> None:
        if rows < len(self.rows) or cols < len(self.col_meta):
            self.moved = True  # cells were cut off (growing moves none)
        if rows < len(self.rows):
            del self.rows[rows:]
            del self.row_meta[rows:]
        else:
            self.rows.extend([] for _ in range(rows - len(self.rows)))
            self.row_meta.extend(
                {"pixelSize": DEFAULT_ROW_HEIGHT} for _ in range(rows - len(self.row_meta))
            )
        if cols < len(self.col_meta):
            del self.col_meta[cols:]
            for row in self.rows:
                del row[cols:]
                while row and row[-1] is None:
                    row.pop()
        else:
            self.col_meta.extend(
                {"pixelSize": DEFAULT_COLUMN_WIDTH} for _ in range(cols - len(self.col_meta))
            )
        self.properties["gridProperties"]["rowCount"] = rows
        self.properties["gridProperties"]["columnCount"] = cols

    def last_content_row_any(self) -> int:
        """Index just past the last row holding anything (value, format, note...)."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any(self.rows[r]):
                return r + 1
        return 0

    def last_content_row(self) -> int:
        """Index just past the last row holding a value."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any(c and "userEnteredValue" in c for c in self.rows[r]):
                return r + 1
        return 0


def new_sheet(sheet_id: int, title: str, index: int, rows: int = 1000, cols: int = 26) -> FakeSheet:
    props: dict[str, Json] = {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }
    return FakeSheet(
        properties=props,
        rows=[[] for _ in range(rows)],
        row_meta=[{"pixelSize": DEFAULT_ROW_HEIGHT} for _ in range(rows)],
        col_meta=[{"pixelSize": DEFAULT_COLUMN_WIDTH} for _ in range(cols)],
    )


@dataclass
class FakeSpreadsheet:
    spreadsheet_id: str
    properties: dict[str, Json]
    sheets: list[FakeSheet]
    named_ranges: list[dict[str, Json]] = field(default_factory=list)
    developer_metadata: list[dict[str, Json]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    def sheet_by_id(self, sheet_id: int) -> FakeSheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def sheet_by_title(self, title: str) -> FakeSheet | None:
        exact = next((s for s in self.sheets if s.title == title), None)
        if exact is not None:
            return exact
        return next((s for s in self.sheets if s.title.lower() == title.lower()), None)

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def parse_range(self, text: str) -> tuple[FakeSheet, A1Range]:
        """Resolve an A1 range (or sheet title, or named range) against this spreadsheet."""
        try:
            title, cells = _split_sheet(text)
        except ValueError:
            raise _bad(f"Unable to parse range: {text}") from None
        if title is None:
            sheet = self.sheet_by_title(text)
            if sheet is not None:
                return sheet, A1Range(sheet.title, 0, 0, None, None, whole_sheet=True)
            named = next((n for n in self.named_ranges if n["name"] == text), None)
            if named is not None:
                gr = named["range"]
                sheet = self.sheet_by_id(gr.get("sheetId", 0)) or self.sheets[0]
                return sheet, A1Range(
                    sheet.title,
                    gr.get("startRowIndex", 0),
                    gr.get("startColumnIndex", 0),
                    gr.get("endRowIndex"),
                    gr.get("endColumnIndex"),
                )
            sheet = self.sheets[0]
        else:
            found = self.sheet_by_title(title)
            if found is None:
                raise _bad(f"Unable to parse range: {text}")
            sheet = found
        if cells is None:
            return sheet, A1Range(sheet.title, 0, 0, None, None, whole_sheet=True)
        try:
            r0, c0, r1, c1 = _parse_cells(cells)
        except ValueError:
            raise _bad(f"Unable to parse range: {text}") from None
        return sheet, A1Range(sheet.title, r0, c0, r1, c1)


def _resolve(
    sheet: FakeSheet, rng: A1Range, *, for_write: bool = False
) -> tuple[int, int, int, int]:
    """Clip a parsed range to the grid; starting outside the grid is an error for reads."""
    rows, cols = sheet.row_count, sheet.column_count
    if not for_write and (rng.r0 >= rows or rng.c0 >= cols):
        end = f"{column_letters(rng.c0)}{rng.r0 + 1}"
        raise _bad(
            f"Range ({quote_title(sheet.title)}!{end}) exceeds grid limits. "
            f"Max rows: {rows}, max columns: {cols}"
        )
    r1 = rows if rng.r1 is None else min(rng.r1, rows) if not for_write else rng.r1
    c1 = cols if rng.c1 is None else min(rng.c1, cols) if not for_write else rng.c1
    return rng.r0, max(r1, rng.r0 + 1), rng.c0, max(c1, rng.c0 + 1)


def _grid_range_json(
    sheet_id: int, r0: int | None, r1: int | None, c0: int | None, c1: int | None
) -> dict[str, Json]:
    out: dict[str, Json] = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    for key, value in (
        ("startRowIndex", r0),
        ("endRowIndex", r1),
        ("startColumnIndex", c0),
        ("endColumnIndex", c1),
    ):
        if value is not None:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# Requests as seen by tests
# ---------------------------------------------------------------------------------------------


class Call(NamedTuple):
    """One request: ``(method, path, query, body)``; path is percent-decoded (``/v4/...``)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Json


@dataclass
class FakeRequest:
    method: str
    url: str
    host: str
    raw_path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    raw_body: bytes
    body: Json

    @property
    def path(self) -> str:
        return unquote(self.raw_path)

    @property
    def kind(self) -> str:
        """One of ``sheets-read``, ``sheets-write``, ``drive``, ``token``, ``other``."""
        if self.host == TOKEN_HOST:
            return "token"
        if self.host == DRIVE_HOST:
            return "drive"
        if self.host != SHEETS_HOST:
            return "other"
        if self.method == "GET":
            return "sheets-read"
        tail = self.raw_path.rsplit("/", 1)[-1]
        if tail.endswith((":batchGetByDataFilter", ":getByDataFilter", ":search")):
            return "sheets-read"
        return "sheets-write"

    @property
    def is_sheets(self) -> bool:
        return self.host == SHEETS_HOST

    @property
    def spreadsheet_id(self) -> str | None:
        m = re.match(r"^/v4/spreadsheets/([^/:]+)", self.raw_path)
        if m:
            return unquote(m.group(1))
        m = re.match(r"^/drive/v3/files/([^/:]+)", self.raw_path)
        return unquote(m.group(1)) if m else None

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def as_call(self) -> Call:
        return Call(self.method, self.path, self.query, self.body)


@dataclass
class Exchange:
    request: FakeRequest
    status: int | None
    request_bytes: int
    response_bytes: int
    outcome: str  # "ok", "error", "injected", "dropped-before", "dropped-after"
    # What the bodies weigh gzipped, as Google sends them on the wire (`measure_gzip` only).
    request_gzip_bytes: int = 0
    response_gzip_bytes: int = 0


@dataclass
class _Fault:
    kind: str  # "fail" | "drop"
    times: int
    match: Callable[[FakeRequest], bool]
    status: int = 429
    message: str | None = None
    retry_after: float | None = None
    exception: type[requests.exceptions.RequestException] = requests.exceptions.ConnectionError
    after_apply: bool = False


@dataclass
class _Principal:
    email: str
    scopes: frozenset[str]
    expires: dt.datetime


Hook = Callable[["FakeGoogle", FakeRequest], None]


def _default_match(request: FakeRequest) -> bool:
    return request.kind != "token"


# ---------------------------------------------------------------------------------------------
# The fake service
# ---------------------------------------------------------------------------------------------


class FakeGoogle:
    """Spreadsheets, Drive files and OAuth tokens held in memory, served over a requests adapter.

    Instrumentation: :attr:`calls` (one :class:`Call` per request), :attr:`exchanges` (with status
    and byte counts), :meth:`sheets_reads` / :meth:`sheets_writes`, :meth:`fail_next`,
    :meth:`drop_next`, :meth:`before_request`.
    """

    def __init__(self, *, seed: int = 1234, require_auth: bool = True) -> None:
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.files: dict[str, dict[str, Json]] = {}  # Drive files (spreadsheets included)
        self.permissions: dict[str, list[dict[str, Json]]] = {}
        #: Drive `appProperties`, private to the app that set them: file id -> app -> pairs.
        #: An app here is the calling account (a service account is its own OAuth client).
        self.app_properties: dict[str, dict[str, dict[str, str]]] = {}
        self.calls: list[Call] = []
        self.exchanges: list[Exchange] = []
        self.require_auth = require_auth
        self._quotas: dict[str, int] = {}
        self._quota_used: dict[tuple[str, int], int] = {}
        #: Writes land whole or not at all (a snapshot per write). A benchmark that injects no
        #: faults may turn it off: a snapshot of a 100 MB spreadsheet per write is slow.
        self.atomic = True
        #: Also weigh each body gzipped (`Exchange.*_gzip_bytes`): costs time, for benchmarks.
        self.measure_gzip = False
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._hooks: list[Hook] = []
        self._tokens: dict[str, _Principal] = {}
        self._service_accounts: dict[str, Any] = {}  # client_email -> public key
        self._refresh_tokens: dict[str, tuple[str, str, str]] = {}  # token -> (id, secret, email)
        self._token_counter = itertools.count(1)
        self._access: dict[str, dict[str, str]] = {}  # spreadsheet id -> {email or "*": role}

    # -- ids ------------------------------------------------------------------------------

    def _new_id(self, length: int = 44) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
        while True:
            new = "1" + "".join(self._rng.choice(alphabet) for _ in range(length - 1))
            if new not in self.files:
                return new

    def _new_int_id(self) -> int:
        return self._rng.randrange(1, 2**31 - 1)

    def _timestamp(self) -> str:
        return self.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    # -- seeding and inspection (direct, not logged) -------------------------------------------

    def add_spreadsheet(
        self,
        tabs: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        *,
        title: str = "Untitled spreadsheet",
        spreadsheet_id: str | None = None,
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
        value_input_option: str = "USER_ENTERED",
        row_count: int | None = None,
        column_count: int | None = None,
        owner: str = "owner@example.com",
    ) -> str:
        """Create a spreadsheet from ``{tab title: rows of Python values}``; returns its id.

        Python values: ``str`` (parsed as typed when ``value_input_option`` is USER_ENTERED),
        ``int``/``float``/``bool``, ``datetime.date``/``datetime`` (stored as dated serials),
        ``None`` (empty cell).
        """
        with self._lock:
            sid = spreadsheet_id or self._new_id()
            ss = self._create_spreadsheet_model(sid, title, locale, time_zone, owner, tabs=None)
            names = list(tabs or {"Sheet1": []})
            ss.sheets = []
            for index, name in enumerate(names):
                rows = list((tabs or {}).get(name, []))
                width = max((len(r) for r in rows), default=0)
                n_rows = row_count or max(1000, len(rows))
                n_cols = column_count or max(26, width)
                sheet = new_sheet(
                    0 if index == 0 else self._new_int_id(), name, index, n_rows, n_cols
                )
                ss.sheets.append(sheet)
                if rows:
                    data = [[python_to_input(v) for v in row] for row in rows]
                    self._write_block(ss, sheet, 0, 0, data, value_input_option)
            self._recalc(ss)
            return sid

    def spreadsheet(self, spreadsheet_id: str) -> FakeSpreadsheet:
        return self.spreadsheets[spreadsheet_id]

    def sheet(self, spreadsheet_id: str, tab: str) -> FakeSheet:
        found = self.spreadsheets[spreadsheet_id].sheet_by_title(tab)
        if found is None:
            raise KeyError(tab)
        return found

    def values(
        self,
        spreadsheet_id: str,
        tab_or_range: str,
        *,
        value_render_option: str = "UNFORMATTED_VALUE",
        dates: bool = False,
    ) -> list[list[Any]]:
        """Values as the API returns them (trimmed); ``dates=True`` gives dated cells as dates."""
        with self._lock:
            ss = self.spreadsheets[spreadsheet_id]
            sheet, rng = ss.parse_range(tab_or_range)
            r0, r1, c0, c1 = _resolve(sheet, rng)
            if value_render_option != "FORMULA":  # formulas as typed need no computing
                self._settle(ss, sheet, r0, r1, c0, c1)
            out: list[list[Any]] = []
            for r in range(r0, r1):
                row: list[Any] = []
                # Past the end of a stored row all is empty, which the trimming below drops.
                stored = sheet.rows[r] if r < len(sheet.rows) else []
                for c in range(c0, min(c1, len(stored))):
                    cell = stored[c]
                    value = render_cell(cell, value_render_option, "SERIAL_NUMBER")
                    if dates and isinstance(value, int | float) and _is_date_format(cell):
                        moment = serial_to_datetime(float(value))
                        kind = cell["userEnteredFormat"]["numberFormat"]["type"] if cell else ""
                        value = moment.date() if kind == "DATE" else moment
                    row.append(value)
                while row and row[-1] is None:
                    row.pop()
                out.append(["" if v is None else v for v in row])
            while out and not out[-1]:
                out.pop()
            return out

    def cell(self, spreadsheet_id: str, a1: str) -> Cell:
        """The stored CellData (with derived effectiveValue/formattedValue) at ``'Tab'!B2``."""
        with self._lock:
            ss = self.spreadsheets[spreadsheet_id]
            sheet, rng = ss.parse_range(a1)
            self._settle(ss, sheet, rng.r0, rng.r0 + 1, rng.c0, rng.c0 + 1)
            return _clone(sheet.cell(rng.r0, rng.c0) or {})

    def set_values(
        self,
        spreadsheet_id: str,
        a1: str,
        rows: Sequence[Sequence[Any]],
        value_input_option: str = "USER_ENTERED",
    ) -> None:
        """Write like ``values.update`` would, without logging a call (for hooks and setup)."""
        with self._lock:
            ss = self.spreadsheets[spreadsheet_id]
            sheet, rng = ss.parse_range(a1)
            data = [[python_to_input(v) for v in row] for row in rows]
            self._write_block(ss, sheet, rng.r0, rng.c0, data, value_input_option)
            self._touch(ss)

    def batch_update(
        self, spreadsheet_id: str, requests_: Sequence[Mapping[str, Json]]
    ) -> list[Json]:
        """Apply batchUpdate requests directly (atomically), without logging a call."""
        with self._lock, _collector_paused():
            return self._batch_update(self.spreadsheets[spreadsheet_id], list(requests_))

    def insert_rows(
        self, spreadsheet_id: str, tab: str, index: int, rows: Sequence[Sequence[Any]] = ((),)
    ) -> None:
        """As a person would: insert ``len(rows)`` rows before 0-based ``index`` and fill them."""
        sheet = self.sheet(spreadsheet_id, tab)
        dim = {
            "sheetId": sheet.sheet_id,
            "dimension": "ROWS",
            "startIndex": index,
            "endIndex": index + len(rows),
        }
        self.batch_update(
            spreadsheet_id, [{"insertDimension": {"range": dim, "inheritFromBefore": index > 0}}]
        )
        if any(rows):
            self.set_values(spreadsheet_id, f"{quote_title(tab)}!A{index + 1}", rows)

    def delete_rows(self, spreadsheet_id: str, tab: str, start: int, end: int) -> None:
        """Delete 0-based rows ``[start, end)``."""
        sheet = self.sheet(spreadsheet_id, tab)
        dim = {"sheetId": sheet.sheet_id, "dimension": "ROWS", "startIndex": start, "endIndex": end}
        self.batch_update(spreadsheet_id, [{"deleteDimension": {"range": dim}}])

    def sort_rows(
        self,
        spreadsheet_id: str,
        tab: str,
        column: int,
        *,
        descending: bool = False,
        header_rows: int = 1,
    ) -> None:
        """Sort the data rows (below ``header_rows``) by a 0-based column, as a person would."""
        sheet = self.sheet(spreadsheet_id, tab)
        rng = {
            "sheetId": sheet.sheet_id,
            "startRowIndex": header_rows,
            "endRowIndex": max(sheet.last_content_row(), header_rows),
        }
        order = "DESCENDING" if descending else "ASCENDING"
        spec = {"dimensionIndex": column, "sortOrder": order}
        self.batch_update(spreadsheet_id, [{"sortRange": {"range": rng, "sortSpecs": [spec]}}])

    def move_columns(
        self, spreadsheet_id: str, tab: str, start: int, end: int, destination: int
    ) -> None:
        """As a person dragging column headers: 0-based columns ``[start, end)`` moved to sit
        before column ``destination`` (counted before the move)."""
        sheet = self.sheet(spreadsheet_id, tab)
        source = {"sheetId": sheet.sheet_id, "dimension": "COLUMNS", "startIndex": start,
                  "endIndex": end}  # fmt: skip
        self.batch_update(
            spreadsheet_id,
            [{"moveDimension": {"source": source, "destinationIndex": destination}}],
        )

    def rename_tab(self, spreadsheet_id: str, old: str, new: str) -> None:
        sheet = self.sheet(spreadsheet_id, old)
        props = {"sheetId": sheet.sheet_id, "title": new}
        self.batch_update(
            spreadsheet_id, [{"updateSheetProperties": {"properties": props, "fields": "title"}}]
        )

    def set_access(self, spreadsheet_id: str, access: Mapping[str, str]) -> None:
        """Who may do what: ``{"*": "reader"}``, ``{"bot@x": "writer"}``; no entry → 403."""
        self._access[spreadsheet_id] = dict(access)

    def expire_tokens(self) -> None:
        """Invalidate every access token: the next call gets 401 and google-auth refreshes."""
        self._tokens.clear()

    def issue_token(
        self, email: str = "tester@example.com", scopes: Iterable[str] = DEFAULT_SCOPES
    ) -> str:
        """Mint a bearer token directly (for raw-HTTP tests that skip google-auth)."""
        token = f"ya29.fake-{next(self._token_counter)}"
        expires = self.now() + dt.timedelta(hours=1)
        self._tokens[token] = _Principal(email, frozenset(scopes), expires)
        return token

    # -- instrumentation -----------------------------------------------------------------------

    def before_request(self, hook: Hook) -> Callable[[], None]:
        """Run ``hook(fake, request)`` before each API request is handled; returns a remover."""
        self._hooks.append(hook)

        def remove() -> None:
            if hook in self._hooks:
                self._hooks.remove(hook)

        return remove

    def fail_next(
        self,
        status: int = 429,
        times: int = 1,
        retry_after: float | None = None,
        match: Callable[[FakeRequest], bool] | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with a Google error (nothing is applied)."""
        self._faults.append(
            _Fault("fail", times, match or _default_match, status, message, retry_after)
        )

    def drop_next(
        self,
        times: int = 1,
        *,
        timeout: bool = False,
        after_apply: bool = False,
        match: Callable[[FakeRequest], bool] | None = None,
    ) -> None:
        """Lose the next matching requests: raise ``ConnectionError`` (or ``ReadTimeout``).

        With ``after_apply=True`` the request is fully handled first (a write lands) and only the
        response is lost — what a client sees when the connection drops mid-answer.
        """
        exc: type[requests.exceptions.RequestException] = (
            requests.exceptions.ReadTimeout if timeout else requests.exceptions.ConnectionError
        )
        self._faults.append(
            _Fault("drop", times, match or _default_match, exception=exc, after_apply=after_apply)
        )

    def sheets_reads(self) -> list[Call]:
        return [e.request.as_call() for e in self.exchanges if e.request.kind == "sheets-read"]

    def sheets_writes(self) -> list[Call]:
        return [e.request.as_call() for e in self.exchanges if e.request.kind == "sheets-write"]

    def count(self, kind: str) -> int:
        """Number of requests of one :attr:`FakeRequest.kind` (``sheets-read``...)."""
        return sum(1 for e in self.exchanges if e.request.kind == kind)

    def bytes_sent(self, kinds: Iterable[str] = ("sheets-read", "sheets-write")) -> int:
        wanted = set(kinds)
        return sum(e.request_bytes for e in self.exchanges if e.request.kind in wanted)

    def bytes_received(self, kinds: Iterable[str] = ("sheets-read", "sheets-write")) -> int:
        wanted = set(kinds)
        return sum(e.response_bytes for e in self.exchanges if e.request.kind in wanted)

    def reset_calls(self) -> None:
        self.calls.clear()
        self.exchanges.clear()

    # -- auth ----------------------------------------------------------------------------------

    def register_service_account(self, client_email: str, public_key: Any) -> None:
        self._service_accounts[client_email] = public_key

    def register_authorized_user(
        self, client_id: str, client_secret: str, refresh_token: str, email: str
    ) -> None:
        self._refresh_tokens[refresh_token] = (client_id, client_secret, email)

    def _token_endpoint(self, request: FakeRequest) -> tuple[int, Json, dict[str, str]]:
        form = request.body if isinstance(request.body, dict) else {}
        grant = form.get("grant_type")

        def oauth_error(code: str, description: str) -> tuple[int, Json, dict[str, str]]:
            return 400, {"error": code, "error_description": description}, {}

        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            try:
                claims = self._verify_jwt(str(form.get("assertion", "")))
            except ValueError as exc:
                return oauth_error("invalid_grant", str(exc))
            scopes = frozenset(str(claims.get("scope", "")).split())
            if not scopes:
                return oauth_error(
                    "invalid_scope", "Invalid OAuth scope or ID token audience provided."
                )
            token = self.issue_token(str(claims["iss"]), scopes)
            return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}, {}
        if grant == "refresh_token":
            known = self._refresh_tokens.get(str(form.get("refresh_token")))
            if (
                known is None
                or known[0] != form.get("client_id")
                or known[1] != form.get("client_secret")
            ):
                return oauth_error("invalid_grant", "Bad Request")
            scopes = frozenset(str(form.get("scope") or " ".join(DEFAULT_SCOPES)).split())
            token = self.issue_token(known[2], scopes)
            body = {
                "access_token": token,
                "expires_in": 3599,
                "scope": " ".join(sorted(scopes)),
                "token_type": "Bearer",
            }
            return 200, body, {}
        return oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")

    def _verify_jwt(self, assertion: str) -> dict[str, Json]:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def b64(part: str) -> bytes:
            return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

        try:
            head, payload, signature = assertion.split(".")
            header = json.loads(b64(head))
            claims = json.loads(b64(payload))
        except (ValueError, json.JSONDecodeError):
            raise ValueError("Invalid JWT: malformed") from None
        if header.get("alg") != "RS256":
            raise ValueError("Invalid JWT: unsupported alg")
        key = self._service_accounts.get(claims.get("iss", ""))
        if key is None:
            raise ValueError("Invalid JWT Signature.")
        try:
            key.verify(
                b64(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            raise ValueError("Invalid JWT Signature.") from None
        now = self.now().timestamp()
        if claims.get("aud") != TOKEN_URI:
            raise ValueError(
                "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
            )
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
            raise ValueError(
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe."
            )
        return cast(dict[str, Json], claims)

    def _principal(self, request: FakeRequest) -> _Principal | None:
        header = request.headers.get("Authorization") or request.headers.get("authorization") or ""
        if not header.startswith("Bearer "):
            if not self.require_auth:
                return _Principal("anonymous@example.com", frozenset(DEFAULT_SCOPES), self.now())
            raise GoogleApiError(401)
        principal = self._tokens.get(header[len("Bearer ") :])
        if principal is None or principal.expires <= self.now():
            raise GoogleApiError(401)
        return principal

    def _check_scope(self, principal: _Principal | None, request: FakeRequest) -> None:
        if principal is None:
            return
        scopes = principal.scopes
        if request.is_sheets:
            ok = {SCOPE_SHEETS, SCOPE_DRIVE, SCOPE_DRIVE_FILE}
            if request.kind == "sheets-read":
                ok |= {SCOPE_SHEETS_RO, SCOPE_DRIVE_RO}
        else:
            ok = {SCOPE_DRIVE, SCOPE_DRIVE_FILE}
            if request.method == "GET":
                ok |= {SCOPE_DRIVE_RO}
        if not scopes & ok:
            raise GoogleApiError(403, "Request had insufficient authentication scopes.")

    def _check_access(self, principal: _Principal | None, spreadsheet_id: str, write: bool) -> None:
        access = self._access.get(spreadsheet_id)
        if access is None or principal is None:
            return
        role = access.get(principal.email) or access.get("*")
        if role is None or (write and role in ("reader", "commenter")):
            raise GoogleApiError(403)

    # -- HTTP entry point ---------------------------------------------------------------------

    def handle(self, prepared: requests.PreparedRequest) -> requests.Response:
        url = urlsplit(prepared.url or "")
        host = (url.hostname or "").lower()
        if host not in SERVED_HOSTS:
            raise NetworkBlockedError(
                f"FakeGoogle refused a request to {prepared.method} {prepared.url}: "
                "tests must not use the network",
                request=prepared,
            )
        raw = prepared.body or b""
        raw_body = raw.encode("utf-8") if isinstance(raw, str) else bytes(cast(bytes, raw))
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(
            {
                k: v if isinstance(v, str) else v.decode()
                for k, v in (prepared.headers or {}).items()
            }
        )
        body: Json = None
        if raw_body:
            ctype = headers.get("Content-Type", "")
            if "x-www-form-urlencoded" in ctype:
                body = {
                    k: v[-1] for k, v in parse_qs(raw_body.decode(), keep_blank_values=True).items()
                }
            else:
                try:
                    body = json.loads(raw_body)
                except (ValueError, UnicodeDecodeError):
                    body = _InvalidJson(raw_body)
        request = FakeRequest(
            method=(prepared.method or "GET").upper(),
            url=prepared.url or "",
            host=host,
            raw_path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=headers,
            raw_body=raw_body,
            body=None if isinstance(body, _InvalidJson) else body,
        )
        self.calls.append(request.as_call())
        exchange = Exchange(request, None, len(raw_body), 0, "ok")
        self.exchanges.append(exchange)
        if request.kind != "token":
            for hook in list(self._hooks):
                hook(self, request)
        fault = self._take_fault(request)
        if fault is not None and fault.kind == "drop" and not fault.after_apply:
            exchange.outcome = "dropped-before"
            raise fault.exception(
                f"FakeGoogle dropped {request.method} {request.path}", request=prepared
            )
        extra_headers: dict[str, str] = {}
        if fault is not None and fault.kind == "fail":
            err = GoogleApiError(fault.status, fault.message)
            status, payload = err.code, err.body(drive=request.host == DRIVE_HOST)
            if fault.retry_after is not None:
                extra_headers["Retry-After"] = f"{fault.retry_after:g}"
            exchange.outcome = "injected"
        elif (refused := self._over_quota(request)) is not None:
            status, payload = refused.code, refused.body(drive=request.host == DRIVE_HOST)
            exchange.outcome = "quota"
        else:
            status, payload, extra_headers = self._dispatch(request, body)
            exchange.outcome = "ok" if status < 400 else "error"
        if fault is not None and fault.kind == "drop":
            exchange.outcome = "dropped-after"
            raise fault.exception(
                f"FakeGoogle lost the answer to {request.method} {request.path}", request=prepared
            )
        content_type = "application/json; charset=UTF-8"
        if isinstance(payload, _Raw):
            content, content_type = payload.content, payload.content_type
        elif payload is None:
            content = b""
        elif request.param("prettyPrint", "true") == "false":
            # Google's JSON answers are indented unless `prettyPrint=false` asks for them compact.
            content = json.dumps(
                _json_numbers(payload), separators=(",", ":"), ensure_ascii=False
            ).encode()
        else:
            text = json.dumps(_json_numbers(payload), indent=2, ensure_ascii=False)
            content = (text + "\n").encode()
        exchange.status = status
        exchange.response_bytes = len(content)
        if self.measure_gzip:
            exchange.request_gzip_bytes = len(gzip.compress(raw_body, 6)) if raw_body else 0
            exchange.response_gzip_bytes = len(gzip.compress(content, 6)) if content else 0
        response = requests.Response()
        response.status_code = status
        response.reason = {200: "OK", 204: "No Content"}.get(status, "Error")
        response._content = content
        response.encoding = "utf-8"
        response.url = prepared.url or ""
        response.request = prepared
        response.headers = CaseInsensitiveDict(
            {"Content-Type": content_type, **extra_headers} if content else extra_headers
        )
        return response

    def set_quota(self, kind: str, per_minute: int | None) -> None:
        """Allow only `per_minute` requests of one kind (``sheets-read``, ``sheets-write``)
        in each minute of :attr:`now`, as Google's per-minute quotas do; None lifts it."""
        if per_minute is None:
            self._quotas.pop(kind, None)
        else:
            self._quotas[kind] = per_minute

    def _over_quota(self, request: FakeRequest) -> GoogleApiError | None:
        limit = self._quotas.get(request.kind)
        if limit is None:
            return None
        key = (request.kind, int(self.now().timestamp() // 60))
        used = self._quota_used.get(key, 0)
        if used >= limit:
            return quota_error(request.kind, limit)
        self._quota_used[key] = used + 1
        return None

    def _take_fault(self, request: FakeRequest) -> _Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.match(request):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _dispatch(self, request: FakeRequest, body: Json) -> tuple[int, Json, dict[str, str]]:
        drive = request.host == DRIVE_HOST
        with self._lock, _collector_paused():
            try:
                if isinstance(body, _InvalidJson):
                    raise _bad("Invalid JSON payload received. Unexpected token.")
                if request.host == TOKEN_HOST:
                    if request.raw_path != "/token" or request.method != "POST":
                        raise GoogleApiError(404, "Not Found")
                    return self._token_endpoint(request)
                principal = self._principal(request)
                self._check_scope(principal, request)
                if drive:
                    status, payload = self._drive(request, principal)
                else:
                    status, payload = self._sheets(request, principal)
                return status, payload, {}
            except GoogleApiError as err:
                return err.code, err.body(drive=drive), err.headers

    # -- Sheets routing -----------------------------------------------------------------------

    def _sheets(self, request: FakeRequest, principal: _Principal | None) -> tuple[int, Json]:
        path = request.raw_path
        method = request.method
        body = request.body if request.body is not None else {}
        if not path.startswith("/v4/spreadsheets"):
            raise GoogleApiError(404, "Method not found.")
        rest = path[len("/v4/spreadsheets") :]
        if rest in ("", "/"):
            if method != "POST":
                raise GoogleApiError(404, "Method not found.")
            return 200, self._create_via_sheets(body, principal)
        m = re.match(r"^/([^/:]+)(.*)$", rest)
        if not m:
            raise GoogleApiError(404, "Method not found.")
        sid, tail = unquote(m.group(1)), m.group(2)
        ss = self.spreadsheets.get(sid)
        if ss is None:
            raise GoogleApiError(404)
        self._check_access(principal, sid, request.kind == "sheets-write")
        if tail == "" and method == "GET":
            return 200, self._get_spreadsheet(ss, request)
        if tail == ":getByDataFilter" and method == "POST":
            return 200, self._get_by_data_filter(ss, request, body)
        if tail == ":batchUpdate" and method == "POST":
            return 200, self._http_batch_update(ss, body, request.param("fields"))
        if tail == "/values:batchGet" and method == "GET":
            return 200, self._masked(self._values_batch_get(ss, request), request)
        if tail == "/values:batchUpdate" and method == "POST":
            return 200, self._values_batch_update(ss, body)
        if tail == "/values:batchClear" and method == "POST":
            return 200, self._values_batch_clear(ss, body)
        if tail == "/values:batchGetByDataFilter" and method == "POST":
            return 200, self._masked(self._values_batch_get_by_filter(ss, body), request)
        if tail == "/values:batchUpdateByDataFilter" and method == "POST":
            return 200, self._values_batch_update_by_filter(ss, body)
        if tail == "/developerMetadata:search" and method == "POST":
            return 200, self._search_metadata(ss, body)
        vm = re.match(r"^/values/(.+)$", tail)
        if vm:
            encoded = vm.group(1)
            action = ""
            head, sep, suffix = encoded.rpartition(":")
            if sep and suffix in ("append", "clear"):
                encoded, action = head, suffix
            a1 = unquote(encoded)
            if action == "" and method == "GET":
                return 200, self._values_get(ss, a1, request)
            if action == "" and method == "PUT":
                return 200, self._values_update(ss, a1, request, body)
            if action == "append" and method == "POST":
                return 200, self._values_append(ss, a1, request, body)
            if action == "clear" and method == "POST":
                return 200, self._values_clear(ss, a1)
        raise GoogleApiError(404, "Method not found.")

    @staticmethod
    def _masked(answer: Json, request: FakeRequest) -> Json:
        """An answer cut down to the `fields` mask, as every Google method does."""
        fields = request.param("fields")
        return _select(answer, parse_field_mask(fields)) if fields else answer

    # -- spreadsheets.create / get --------------------------------------------------------------

    def _create_spreadsheet_model(
        self,
        sid: str,
        title: str,
        locale: str,
        time_zone: str,
        owner: str,
        tabs: list[dict[str, Json]] | None,
    ) -> FakeSpreadsheet:
        props: dict[str, Json] = {
            "title": title,
            "locale": locale,
            "autoRecalc": "ON_CHANGE",
            "timeZone": time_zone,
            "defaultFormat": _clone(DEFAULT_FORMAT),
            "spreadsheetTheme": _clone(SPREADSHEET_THEME),
        }
        sheets: list[FakeSheet] = []
        for i, spec in enumerate(tabs or [{}]):
            sp = spec.get("properties", {})
            grid = sp.get("gridProperties", {})
            sheet = new_sheet(
                sp.get("sheetId", 0 if i == 0 else self._new_int_id()),
                sp.get("title", f"Sheet{i + 1}"),
                i,
                grid.get("rowCount", 1000),
                grid.get("columnCount", 26),
            )
            for key in ("frozenRowCount", "frozenColumnCount", "hideGridlines"):
                if grid.get(key):
                    sheet.properties["gridProperties"][key] = grid[key]
            for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
                if sp.get(key):
                    sheet.properties[key] = sp[key]
            sheets.append(sheet)
        ss = FakeSpreadsheet(sid, props, sheets)
        self.spreadsheets[sid] = ss
        stamp = self._timestamp()
        self.files[sid] = {
            "kind": "drive#file",
            "id": sid,
            "name": title,
            "mimeType": SPREADSHEET_MIME,
            "createdTime": stamp,
            "modifiedTime": stamp,
            "parents": [],
        }
        self.permissions[sid] = [
            {
                "kind": "drive#permission",
                "id": str(self._new_int_id()),
                "type": "user",
                "role": "owner",
                "emailAddress": owner,
            }
        ]
        return ss

    def _create_via_sheets(self, body: Json, principal: _Principal | None) -> Json:
        props = body.get("properties") or {}
        owner = principal.email if principal else "owner@example.com"
        ss = self._create_spreadsheet_model(
            self._new_id(),
            props.get("title", "Untitled spreadsheet"),
            props.get("locale", "en_US"),
            props.get("timeZone", "Etc/GMT"),
            owner,
            tabs=body.get("sheets"),
        )
        return self._spreadsheet_json(ss, include_grid=False, ranges=None)

    def _touch(self, ss: FakeSpreadsheet) -> None:
        self._recalc(ss)
        meta = self.files.get(ss.spreadsheet_id)
        if meta is not None:
            meta["modifiedTime"] = self._timestamp()
            meta["name"] = ss.title

    def _get_spreadsheet(self, ss: FakeSpreadsheet, request: FakeRequest) -> Json:
        fields = request.param("fields")
        include = (request.param("includeGridData", "false") or "").lower() == "true"
        ranges = request.query.get("ranges")
        return self._render_get(ss, fields, include, ranges)

    def _render_get(
        self, ss: FakeSpreadsheet, fields: str | None, include: bool, ranges: list[str] | None
    ) -> Json:
        tree = parse_field_mask(fields) if fields is not None else None
        if fields is not None:
            include = _mask_selects(tree, ["sheets", "data"])
        parsed = [ss.parse_range(r) for r in ranges] if ranges else None
        full = self._spreadsheet_json(
            ss, include_grid=include, ranges=parsed, cell_keys=_cell_keys(tree)
        )
        result = apply_field_mask(full, tree)
        _trim_grid(result)
        return result

    def _get_by_data_filter(self, ss: FakeSpreadsheet, request: FakeRequest, body: Json) -> Json:
        ranges: list[str] = []
        for data_filter in body.get("dataFilters") or []:
            for sheet, r0, r1, c0, c1 in self._filter_ranges(ss, data_filter):
                ranges.append(a1_range(sheet.title, r0, r1, c0, c1))
        include = bool(body.get("includeGridData"))
        return self._render_get(ss, request.param("fields"), include, ranges or None)

    def _spreadsheet_json(
        self,
        ss: FakeSpreadsheet,
        include_grid: bool,
        ranges: list[tuple[FakeSheet, A1Range]] | None,
        cell_keys: frozenset[str] | None = None,
    ) -> Json:
        sheets_out: list[Json] = []
        for sheet in ss.sheets:
            wanted = [rng for s, rng in ranges if s is sheet] if ranges is not None else None
            if ranges is not None and not wanted:
                continue
            entry: dict[str, Json] = {"properties": _clone(sheet.properties)}
            if include_grid:
                spans = (
                    [_resolve(sheet, rng) for rng in wanted]
                    if wanted
                    else [(0, sheet.row_count, 0, sheet.column_count)]
                )
                entry["data"] = [
                    self._grid_data(ss, sheet, *span, cell_keys=cell_keys) for span in spans
                ]
            if sheet.merges:
                entry["merges"] = _clone(sheet.merges)
            if sheet.conditional_formats:
                entry["conditionalFormats"] = _clone(sheet.conditional_formats)
            if sheet.protected_ranges:
                entry["protectedRanges"] = [_clone(p) for p in sheet.protected_ranges]
            if sheet.basic_filter:
                entry["basicFilter"] = _clone(sheet.basic_filter)
            sheet_meta = [
                _clone(m)
                for m in ss.developer_metadata
                if m["location"].get("sheetId") == sheet.sheet_id
                and m["location"]["locationType"] == "SHEET"
            ]
            if sheet_meta:
                entry["developerMetadata"] = sheet_meta
            sheets_out.append(entry)
        out: dict[str, Json] = {
            "spreadsheetId": ss.spreadsheet_id,
            "properties": _clone(ss.properties),
            "sheets": sheets_out,
        }
        if ss.named_ranges:
            out["namedRanges"] = _clone(ss.named_ranges)
        out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{ss.spreadsheet_id}/edit"
        top_meta = [
            _clone(m)
            for m in ss.developer_metadata
            if m["location"]["locationType"] == "SPREADSHEET"
        ]
        if top_meta:
            out["developerMetadata"] = top_meta
        return out

    def _grid_data(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        r0: int,
        r1: int,
        c0: int,
        c1: int,
        cell_keys: frozenset[str] | None = None,
    ) -> Json:
        data: dict[str, Json] = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        row_data: list[Json] = []
        last = min(r1, sheet.last_content_row_any())
        if cell_keys is None or {"effectiveValue", "formattedValue"} & cell_keys:
            self._settle(ss, sheet, r0, last, c0, c1)
        for r in range(r0, last):
            values = []
            for c in range(c0, min(c1, len(sheet.rows[r]))):
                values.append(self._cell_json(ss, sheet.rows[r][c], cell_keys))
            row_data.append({"values": values} if values else {})
        data["rowData"] = row_data

        def dim_meta(
            meta: list[dict[str, Json]], start: int, end: int, dimension: str
        ) -> list[Json]:
            out = []
            for i in range(start, end):
                item = _clone(meta[i])
                located = [
                    _clone(m)
                    for m in ss.developer_metadata
                    if m["location"]["locationType"] == dimension
                    and m["location"]["dimensionRange"].get("sheetId", 0) == sheet.sheet_id
                    and m["location"]["dimensionRange"]["startIndex"]
                    <= i
                    < m["location"]["dimensionRange"]["endIndex"]
                ]
                if located:
                    item["developerMetadata"] = located
                out.append(item)
            return out

        data["rowMetadata"] = dim_meta(sheet.row_meta, r0, r1, "ROW")
        data["columnMetadata"] = dim_meta(sheet.col_meta, c0, c1, "COLUMN")
        return data

    def _cell_json(
        self, ss: FakeSpreadsheet, cell: Cell | None, keys: frozenset[str] | None = None
    ) -> Json:
        if not cell:
            return {}
        if keys is not None and "effectiveFormat" not in keys:
            # The field mask drops everything else anyway: build only what it keeps.
            return {k: _clone(cell[k]) for k in keys if k in cell}
        out: dict[str, Json] = {}
        for key in ("userEnteredValue", "effectiveValue", "formattedValue", "userEnteredFormat"):
            if key in cell:
                out[key] = _clone(cell[key])
        if "userEnteredValue" in cell or "userEnteredFormat" in cell:
            out["effectiveFormat"] = _deep_merge(
                ss.properties["defaultFormat"], cell.get("userEnteredFormat") or {}
            )
        for key in ("hyperlink", "note", "textFormatRuns", "dataValidation"):
            if key in cell:
                out[key] = _clone(cell[key])
        return out

    # -- writing values -----------------------------------------------------------------------

    def _write_block(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        r0: int,
        c0: int,
        data: Json,
        option: str,
        bound: tuple[int | None, int | None] = (None, None),
        range_text: str = "",
    ) -> tuple[int, int, int]:
        """Write a ValueRange's rows at (r0, c0); returns (rows, columns, cells) updated."""
        if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
            raise _values_type_error(data)
        if option not in ("RAW", "USER_ENTERED"):
            raise _bad(f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")
        n_rows = len(data)
        n_cols = max((len(row) for row in data), default=0)
        r_end, c_end = bound
        if r_end is not None and r0 + n_rows > r_end:
            raise _bad(
                f"Requested writing within range [{range_text}], but tried writing to row "
                f"[{r0 + n_rows}]"
            )
        if c_end is not None and c0 + n_cols > c_end:
            raise _bad(
                f"Requested writing within range [{range_text}], but tried writing to column "
                f"[{column_letters(c0 + n_cols - 1)}]"
            )
        parsed = [[parse_input(v, option, ss.properties["locale"]) for v in row] for row in data]
        if r0 + n_rows > sheet.row_count or c0 + n_cols > sheet.column_count:
            sheet.resize(max(sheet.row_count, r0 + n_rows), max(sheet.column_count, c0 + n_cols))
        cells = 0
        for i, row in enumerate(parsed):
            for j, (uev, fmt) in enumerate(row):
                if uev is _SKIP:
                    continue
                cells += 1
                cell = _clone(sheet.cell(r0 + i, c0 + j) or {})
                cell.pop("effectiveValue", None)
                cell.pop("formattedValue", None)
                if uev is None:
                    cell.pop("userEnteredValue", None)
                else:
                    cell["userEnteredValue"] = uev
                    if fmt is not None:
                        ufmt = cell.setdefault("userEnteredFormat", {})
                        ufmt.setdefault("numberFormat", fmt)
                sheet.set_cell(r0 + i, c0 + j, cell)
        return n_rows, n_cols, cells

    def _atomic(self, ss: FakeSpreadsheet, action: Callable[[], Json]) -> Json:
        if not self.atomic:
            result = action()
            self._touch(ss)
            return result
        # A pickle is a deep copy, several times faster than copy.deepcopy; it is read back
        # (the slow half) only when the action fails.
        snapshot = pickle.dumps(ss, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            result = action()
        except BaseException:
            ss.__dict__.update(pickle.loads(snapshot).__dict__)
            raise
        self._touch(ss)
        return result

    def _value_range(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        r0: int,
        r1: int,
        c0: int,
        c1: int,
        major: str = "ROWS",
        value_render: str = "FORMATTED_VALUE",
        datetime_render: str = "SERIAL_NUMBER",
    ) -> Json:
        _check_enum("major_dimension", major, ("ROWS", "COLUMNS"), "Dimension")
        _check_enum(
            "value_render_option",
            value_render,
            ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"),
            "ValueRenderOption",
        )
        _check_enum(
            "date_time_render_option",
            datetime_render,
            ("SERIAL_NUMBER", "FORMATTED_STRING"),
            "DateTimeRenderOption",
        )
        if value_render != "FORMULA" or datetime_render == "FORMATTED_STRING":
            self._settle(ss, sheet, r0, r1, c0, c1)
        grid = [
            [render_cell(sheet.cell(r, c), value_render, datetime_render) for c in range(c0, c1)]
            for r in range(r0, min(r1, sheet.last_content_row_any()))
        ]
        if major == "COLUMNS":
            grid = [list(col) for col in zip(*grid, strict=False)] if grid else []
        out_rows: list[list[Json]] = []
        for row in grid:
            while row and row[-1] is None:
                row.pop()
            out_rows.append(["" if v is None else v for v in row])
        while out_rows and not out_rows[-1]:
            out_rows.pop()
        vr: dict[str, Json] = {
            "range": a1_range(sheet.title, r0, r1, c0, c1),
            "majorDimension": major,
        }
        if out_rows:
            vr["values"] = out_rows
        return vr

    def _values_get(self, ss: FakeSpreadsheet, a1: str, request: FakeRequest) -> Json:
        sheet, rng = ss.parse_range(a1)
        return self._value_range(
            ss,
            sheet,
            *_resolve(sheet, rng),
            major=request.param("majorDimension", "ROWS") or "ROWS",
            value_render=request.param("valueRenderOption", "FORMATTED_VALUE") or "FORMATTED_VALUE",
            datetime_render=request.param("dateTimeRenderOption", "SERIAL_NUMBER")
            or "SERIAL_NUMBER",
        )

    def _values_batch_get(self, ss: FakeSpreadsheet, request: FakeRequest) -> Json:
        out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
        ranges = request.query.get("ranges") or []
        if ranges:
            out["valueRanges"] = []
        for a1 in ranges:
            sheet, rng = ss.parse_range(a1)
            out["valueRanges"].append(
                self._value_range(
                    ss,
                    sheet,
                    *_resolve(sheet, rng),
                    major=request.param("majorDimension", "ROWS") or "ROWS",
                    value_render=request.param("valueRenderOption", "FORMATTED_VALUE")
                    or "FORMATTED_VALUE",
                    datetime_render=request.param("dateTimeRenderOption", "SERIAL_NUMBER")
                    or "SERIAL_NUMBER",
                )
            )
        return out

    def _update_one(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        rng: A1Range,
        value_range: Json,
        option: str,
        touched: set[tuple[int, str, int]],
        include_values: bool = False,
        response_render: str = "FORMATTED_VALUE",
        response_dt_render: str = "SERIAL_NUMBER",
    ) -> Json:
        if not isinstance(value_range, dict):
            raise _bad("Invalid value at 'data' (ValueRange)")
        values = value_range.get("values")
        if values is None:
            values = []
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise _values_type_error(values)
        major = value_range.get("majorDimension") or "ROWS"
        _check_enum("data.major_dimension", major, ("ROWS", "COLUMNS"), "Dimension")
        if major == "COLUMNS":
            width = max((len(c) for c in values), default=0)
            values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
        range_text = (
            a1_range(sheet.title, *_resolve(sheet, rng, for_write=True))
            if rng.r1 is not None
            else ""
        )
        single = rng.r1 == rng.r0 + 1 and rng.c1 == rng.c0 + 1
        bound = (None, None) if rng.whole_sheet or single else (rng.r1, rng.c1)
        if not range_text and not rng.whole_sheet:
            range_text = quote_title(sheet.title)
        n_rows, n_cols, cells = self._write_block(
            ss, sheet, rng.r0, rng.c0, values, option, bound, range_text
        )
        out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
        if n_rows and n_cols:
            updated = (rng.r0, rng.r0 + n_rows, rng.c0, rng.c0 + n_cols)
            out["updatedRange"] = a1_range(sheet.title, *updated)
            out.update(updatedRows=n_rows, updatedColumns=n_cols, updatedCells=cells)
            for r in range(n_rows):
                touched.add((sheet.sheet_id, "r", rng.r0 + r))
            for c in range(n_cols):
                touched.add((sheet.sheet_id, "c", rng.c0 + c))
            if include_values:
                self._recalc(ss)
                out["updatedData"] = self._value_range(
                    ss,
                    sheet,
                    *updated,
                    value_render=response_render,
                    datetime_render=response_dt_render,
                )
        else:
            out["updatedRange"] = a1_range(sheet.title, rng.r0, rng.r0 + 1, rng.c0, rng.c0 + 1)
        return out

    def _values_update(
        self, ss: FakeSpreadsheet, a1: str, request: FakeRequest, body: Json
    ) -> Json:
        option = request.param("valueInputOption") or ""
        if option not in ("RAW", "USER_ENTERED"):
            raise _bad(f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")
        sheet, rng = ss.parse_range(a1)
        include = (request.param("includeValuesInResponse", "false") or "").lower() == "true"
        render = request.param("responseValueRenderOption", "FORMATTED_VALUE") or "FORMATTED_VALUE"
        dt_render = (
            request.param("responseDateTimeRenderOption", "SERIAL_NUMBER") or "SERIAL_NUMBER"
        )
        return self._atomic(
            ss,
            lambda: self._update_one(
                ss, sheet, rng, body, option, set(), include, render, dt_render
            ),
        )

    def _values_batch_update(self, ss: FakeSpreadsheet, body: Json) -> Json:
        option = body.get("valueInputOption") or ""
        if option not in ("RAW", "USER_ENTERED"):
            raise _bad(f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")
        include = bool(body.get("includeValuesInResponse"))
        render = body.get("responseValueRenderOption") or "FORMATTED_VALUE"
        dt_render = body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"

        def run() -> Json:
            touched: set[tuple[int, str, int]] = set()
            responses = []
            for item in body.get("data") or []:
                sheet, rng = ss.parse_range(str(item.get("range", "")))
                responses.append(
                    self._update_one(
                        ss, sheet, rng, item, option, touched, include, render, dt_render
                    )
                )
            return _totals(ss.spreadsheet_id, responses, touched)

        return self._atomic(ss, run)

    def _values_append(
        self, ss: FakeSpreadsheet, a1: str, request: FakeRequest, body: Json
    ) -> Json:
        option = request.param("valueInputOption") or ""
        if option not in ("RAW", "USER_ENTERED"):
            raise _bad(f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")
        insert = request.param("insertDataOption", "OVERWRITE") or "OVERWRITE"
        _check_enum("insert_data_option", insert, ("OVERWRITE", "INSERT_ROWS"), "InsertDataOption")
        include = (request.param("includeValuesInResponse", "false") or "").lower() == "true"
        render = request.param("responseValueRenderOption", "FORMATTED_VALUE") or "FORMATTED_VALUE"
        dt_render = (
            request.param("responseDateTimeRenderOption", "SERIAL_NUMBER") or "SERIAL_NUMBER"
        )
        sheet, rng = ss.parse_range(a1)
        values = body.get("values") if isinstance(body, dict) else None
        if values is not None and (
            not isinstance(values, list) or not all(isinstance(r, list) for r in values)
        ):
            raise _values_type_error(values)

        def run() -> Json:
            table = _find_table(sheet, rng)
            out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
            if table is None:
                target_r, target_c = rng.r0, rng.c0
            else:
                tr0, tr1, tc0, tc1 = table
                out["tableRange"] = a1_range(sheet.title, tr0, tr1, tc0, tc1)
                target_r, target_c = tr1, tc0
            n_new = len(body.get("values") or [])
            if insert == "INSERT_ROWS" and n_new and target_r < sheet.row_count:
                self._insert_dimension(
                    ss, sheet, "ROWS", target_r, n_new, inherit_before=target_r > 0
                )
            target = A1Range(sheet.title, target_r, target_c, None, None)
            updates = self._update_one(
                ss, sheet, target, body, option, set(), include, render, dt_render
            )
            out["updates"] = updates
            return out

        return self._atomic(ss, run)

    def _values_clear(self, ss: FakeSpreadsheet, a1: str) -> Json:
        sheet, rng = ss.parse_range(a1)
        r0, r1, c0, c1 = _resolve(sheet, rng)

        def run() -> Json:
            _clear_values(sheet, r0, r1, c0, c1)
            return {
                "spreadsheetId": ss.spreadsheet_id,
                "clearedRange": a1_range(sheet.title, r0, r1, c0, c1),
            }

        return self._atomic(ss, run)

    def _values_batch_clear(self, ss: FakeSpreadsheet, body: Json) -> Json:
        def run() -> Json:
            cleared = []
            for a1 in body.get("ranges") or []:
                sheet, rng = ss.parse_range(a1)
                r0, r1, c0, c1 = _resolve(sheet, rng)
                _clear_values(sheet, r0, r1, c0, c1)
                cleared.append(a1_range(sheet.title, r0, r1, c0, c1))
            out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
            if cleared:
                out["clearedRanges"] = cleared
            return out

        return self._atomic(ss, run)

    # -- data filters and developer metadata ---------------------------------------------------

    def _matching_metadata(self, ss: FakeSpreadsheet, lookup: Json) -> list[dict[str, Json]]:
        found = []
        for meta in ss.developer_metadata:
            if "metadataId" in lookup and meta["metadataId"] != lookup["metadataId"]:
                continue
            if "metadataKey" in lookup and meta.get("metadataKey") != lookup["metadataKey"]:
                continue
            if "metadataValue" in lookup and meta.get("metadataValue") != lookup["metadataValue"]:
                continue
            if "visibility" in lookup and meta.get("visibility") != lookup["visibility"]:
                continue
            if (
                "locationType" in lookup
                and meta["location"]["locationType"] != lookup["locationType"]
            ):
                continue
            where = lookup.get("metadataLocation")
            if where:
                loc = meta["location"]
                if (
                    "sheetId" in where
                    and loc.get("sheetId", loc.get("dimensionRange", {}).get("sheetId", 0))
                    != where["sheetId"]
                ):
                    continue
                if where.get("spreadsheet") and loc["locationType"] != "SPREADSHEET":
                    continue
                if (
                    "dimensionRange" in where
                    and loc.get("dimensionRange") != where["dimensionRange"]
                ):
                    continue
            found.append(meta)
        return found

    def _filter_ranges(
        self, ss: FakeSpreadsheet, data_filter: Json
    ) -> list[tuple[FakeSheet, int, int, int, int]]:
        if "a1Range" in data_filter:
            sheet, rng = ss.parse_range(data_filter["a1Range"])
            return [(sheet, *_resolve(sheet, rng))]
        if "gridRange" in data_filter:
            gr = data_filter["gridRange"]
            sheet = _sheet_or_error(ss, gr.get("sheetId", 0), "Invalid dataFilter: ")
            return [(sheet, *_grid(sheet, gr, ""))]
        if "developerMetadataLookup" in data_filter:
            out = []
            for meta in self._matching_metadata(ss, data_filter["developerMetadataLookup"]):
                loc = meta["location"]
                if loc["locationType"] in ("ROW", "COLUMN"):
                    dr = loc["dimensionRange"]
                    found = ss.sheet_by_id(dr.get("sheetId", 0))
                    if found is None:
                        continue
                    if loc["locationType"] == "ROW":
                        out.append((found, dr["startIndex"], dr["endIndex"], 0, found.column_count))
                    else:
                        out.append((found, 0, found.row_count, dr["startIndex"], dr["endIndex"]))
                elif loc["locationType"] == "SHEET":
                    found = ss.sheet_by_id(loc["sheetId"])
                    if found is not None:
                        out.append((found, 0, found.row_count, 0, found.column_count))
            return out
        raise _bad(
            "Invalid dataFilter: one of a1Range, gridRange or developerMetadataLookup is required"
        )

    def _values_batch_get_by_filter(self, ss: FakeSpreadsheet, body: Json) -> Json:
        out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
        entries = []
        for data_filter in body.get("dataFilters") or []:
            for sheet, r0, r1, c0, c1 in self._filter_ranges(ss, data_filter):
                vr = self._value_range(
                    ss,
                    sheet,
                    r0,
                    r1,
                    c0,
                    c1,
                    major=body.get("majorDimension") or "ROWS",
                    value_render=body.get("valueRenderOption") or "FORMATTED_VALUE",
                    datetime_render=body.get("dateTimeRenderOption") or "SERIAL_NUMBER",
                )
                entries.append({"valueRange": vr, "dataFilters": [_clone(data_filter)]})
        if entries:
            out["valueRanges"] = entries
        return out

    def _values_batch_update_by_filter(self, ss: FakeSpreadsheet, body: Json) -> Json:
        option = body.get("valueInputOption") or ""
        if option not in ("RAW", "USER_ENTERED"):
            raise _bad(f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")

        def run() -> Json:
            touched: set[tuple[int, str, int]] = set()
            responses = []
            for item in body.get("data") or []:
                data_filter = item.get("dataFilter") or {}
                for sheet, r0, r1, c0, c1 in self._filter_ranges(ss, data_filter):
                    rng = A1Range(sheet.title, r0, c0, r1, c1)
                    result = self._update_one(ss, sheet, rng, item, option, touched)
                    result.pop("spreadsheetId", None)
                    result["dataFilter"] = _clone(data_filter)
                    responses.append(result)
            return _totals(ss.spreadsheet_id, responses, touched)

        return self._atomic(ss, run)

    def _search_metadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        matched = []
        for data_filter in body.get("dataFilters") or []:
            lookup = data_filter.get("developerMetadataLookup")
            if lookup is None:
                continue
            for meta in self._matching_metadata(ss, lookup):
                matched.append(
                    {
                        "developerMetadata": _clone(meta),
                        "dataFilters": [_clone(data_filter)],
                    }
                )
        return {"matchedDeveloperMetadata": matched} if matched else {}

    # -- recalculation --------------------------------------------------------------------------

    def _recalc(self, ss: FakeSpreadsheet) -> None:
        """After a write: plain cells get their effective value now; formula cells are marked
        pending and evaluated when something reads them (`_settle`), as a read on Google
        always sees them calculated. Evaluating lazily keeps a workbook of thousands of
        formulas nobody reads cheap.

        Only the cells set since the last pass are looked at (every cell of a sheet whose
        cells moved): the others hold what this pass would give them again. Every formula,
        on any sheet, is made pending again: it may read what changed."""
        for sheet in ss.sheets:
            if sheet.moved:
                sheet.formulas = set()
                spots: Iterable[tuple[int, int, Cell | None]] = (
                    (r, c, cell) for r, row in enumerate(sheet.rows) for c, cell in enumerate(row)
                )
            else:
                spots = ((r, c, sheet.cell(r, c)) for r, c in sheet.written)
            formulas = sheet.formulas
            for r, c, cell in spots:
                if not cell:
                    formulas.discard((r, c))
                    continue
                uev = cell.get("userEnteredValue")
                if uev is None or "formulaValue" in uev:
                    cell.pop("effectiveValue", None)
                    cell.pop("formattedValue", None)
                    if uev is not None:
                        formulas.add((r, c))
                    else:
                        formulas.discard((r, c))
                    continue
                formulas.discard((r, c))
                number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
                ev = dict(uev)
                cell["effectiveValue"] = ev
                cell["formattedValue"] = format_value(ev, number_format)
            rows = sheet.rows
            for r, c in formulas:  # a formula read since the last pass holds its old value
                formula_cell = rows[r][c]
                assert formula_cell is not None
                formula_cell.pop("effectiveValue", None)
                formula_cell.pop("formattedValue", None)
            sheet.pending = set(formulas)
            sheet.written.clear()
            sheet.moved = False

    def _settle(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        r0: int = 0,
        r1: int | None = None,
        c0: int = 0,
        c1: int | None = None,
    ) -> None:
        """Evaluate the pending formula cells of a block (and what they refer to) before it is
        read: each gets its effectiveValue and formattedValue."""
        if not sheet.pending:
            return
        r1 = len(sheet.rows) if r1 is None else r1
        c1 = sheet.column_count if c1 is None else c1
        wanted = [(r, c) for (r, c) in sheet.pending if r0 <= r < r1 and c0 <= c < c1]
        if not wanted:
            return
        memo: dict[tuple[int, int, int], Json] = {}
        visiting: set[tuple[int, int, int]] = set()

        def store(target: FakeSheet, r: int, c: int, result: Json) -> None:
            cell = target.cell(r, c)
            target.pending.discard((r, c))
            if not cell:
                return
            ev = _effective(result)
            number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
            cell["effectiveValue"] = ev
            cell["formattedValue"] = format_value(ev, number_format)

        def cell_value(target: FakeSheet, r: int, c: int) -> Json:
            cell = target.cell(r, c)
            if not cell or "userEnteredValue" not in cell:
                return None
            uev = cell["userEnteredValue"]
            if "formulaValue" not in uev:
                return next(iter(uev.values()))
            key = (target.sheet_id, r, c)
            if key in memo:
                result = memo[key]
            elif (r, c) not in target.pending and "effectiveValue" in cell:
                result = _python_of(cell["effectiveValue"])
            else:
                if key in visiting:
                    raise FormulaError("REF", "Circular dependency detected.")
                visiting.add(key)
                try:
                    result = evaluate(target, uev["formulaValue"])
                finally:
                    visiting.discard(key)
                memo[key] = result
                store(target, r, c, result)
            if isinstance(result, FormulaError):
                raise result
            return result

        def resolve_ref(target: FakeSheet, text: str) -> Json:
            title, cells = _split_sheet(text.replace("$", ""))
            if title is not None:
                found = ss.sheet_by_title(title)
                if found is None:
                    raise FormulaError("REF", f"Unresolved sheet name '{title}'.")
                target = found
            a0, b0, a1, b1 = _parse_cells(cells or "")
            a1 = a1 if a1 is not None else target.row_count
            b1 = b1 if b1 is not None else target.column_count
            if a1 - a0 == 1 and b1 - b0 == 1:
                return cell_value(target, a0, b0)
            return _Grid([[cell_value(target, r, c) for c in range(b0, b1)] for r in range(a0, a1)])

        def evaluate(target: FakeSheet, formula: str) -> Json:
            try:
                return _scalar(
                    _FormulaParser(formula[1:], functools.partial(resolve_ref, target)).parse()
                )
            except FormulaError as err:
                return err
            except (ValueError, IndexError, OverflowError, TypeError):
                return FormulaError("ERROR", "Formula parse error.")

        for r, c in sorted(wanted):
            if (r, c) in sheet.pending:
                with contextlib.suppress(FormulaError):  # stored on the cell as its errorValue
                    cell_value(sheet, r, c)

    # -- spreadsheets.batchUpdate ---------------------------------------------------------------

    def _http_batch_update(
        self, ss: FakeSpreadsheet, body: Json, fields: str | None = None
    ) -> Json:
        reqs = body.get("requests")
        if reqs is not None and not isinstance(reqs, list):
            raise _bad("Invalid value at 'requests'")
        replies = self._batch_update(ss, reqs or [])
        out: dict[str, Json] = {"spreadsheetId": ss.spreadsheet_id}
        if reqs:
            out["replies"] = replies
        if body.get("includeSpreadsheetInResponse"):
            ranges = body.get("responseRanges")
            out["updatedSpreadsheet"] = self._render_get(
                ss, None, bool(body.get("responseIncludeGridData")), ranges or None
            )
        if fields is not None:  # the system parameter applies to any response
            masked = apply_field_mask(out, parse_field_mask(fields))
            _trim_grid(masked.get("updatedSpreadsheet") or {})
            return masked
        return out

    def _batch_update(self, ss: FakeSpreadsheet, reqs: list[Json]) -> list[Json]:
        def run() -> list[Json]:
            replies = []
            for i, req in enumerate(reqs):
                if not isinstance(req, dict) or len(req) != 1:
                    raise _bad(f"Invalid requests[{i}]: exactly one kind of request must be set")
                ((name, payload),) = req.items()
                handler = getattr(self, f"_req_{name}", None)
                if handler is None:
                    raise _bad(
                        f'Invalid JSON payload received. Unknown name "{name}" '
                        f"at 'requests[{i}]': "
                        "Cannot find field."
                    )
                try:
                    reply = handler(ss, payload or {})
                except GoogleApiError as err:
                    if err.code == 400 and not err.message.startswith("Invalid requests["):
                        err.message = f"Invalid requests[{i}].{name}: {err.message}"
                    raise
                replies.append(reply or {})
            self._recalc(ss)
            return replies

        return cast(list[Json], self._atomic(ss, run))

    def _req_addSheet(self, ss: FakeSpreadsheet, body: Json) -> Json:
        props = body.get("properties") or {}
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = self._new_int_id()
        elif ss.sheet_by_id(sheet_id) is not None:
            raise _bad(f"A sheet with the id {sheet_id} already exists.")
        title = props.get("title")
        if title is None:
            n = len(ss.sheets) + 1
            while ss.sheet_by_title(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        if ss.sheet_by_title(title) is not None:
            raise _bad(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = props.get("gridProperties") or {}
        index = props.get("index", len(ss.sheets))
        sheet = new_sheet(
            sheet_id, title, index, grid.get("rowCount", 1000), grid.get("columnCount", 26)
        )
        for key in ("frozenRowCount", "frozenColumnCount", "hideGridlines"):
            if grid.get(key):
                sheet.properties["gridProperties"][key] = grid[key]
        for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
            if props.get(key):
                sheet.properties[key] = _clone(props[key])
        ss.sheets.insert(min(index, len(ss.sheets)), sheet)
        ss.reindex()
        return {"addSheet": {"properties": _clone(sheet.properties)}}

    def _req_deleteSheet(self, ss: FakeSpreadsheet, body: Json) -> Json:
        sheet = _sheet_or_error(ss, body.get("sheetId"))
        if len(ss.sheets) == 1:
            raise _bad("You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.reindex()
        ss.developer_metadata = [
            m for m in ss.developer_metadata if _metadata_sheet(m) != sheet.sheet_id
        ]
        ss.named_ranges = [
            n for n in ss.named_ranges if n["range"].get("sheetId", 0) != sheet.sheet_id
        ]
        return {}

    def _req_updateSheetProperties(self, ss: FakeSpreadsheet, body: Json) -> Json:
        props = body.get("properties") or {}
        sheet = _sheet_or_error(ss, props.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        updated = apply_update_mask(sheet.properties, props, tree)
        updated["sheetId"] = sheet.sheet_id
        title = updated.get("title", sheet.title)
        clash = ss.sheet_by_title(title)
        if clash is not None and clash is not sheet and clash.title == title:
            raise _bad(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = updated.setdefault("gridProperties", {})
        rows = int(grid.get("rowCount", sheet.row_count))
        cols = int(grid.get("columnCount", sheet.column_count))
        if rows < 1 or cols < 1:
            raise _bad("Sheets must have at least one row and one column.")
        if (
            grid.get("frozenRowCount", 0) >= rows
            and rows > 1
            or grid.get("frozenColumnCount", 0) >= cols
            and cols > 1
        ):
            raise _bad("You can't freeze all visible rows or columns on the sheet.")
        for key in ("frozenRowCount", "frozenColumnCount"):
            if not grid.get(key):
                grid.pop(key, None)
        if not updated.get("hidden"):
            updated.pop("hidden", None)
        if updated.get("hidden") and all(
            s.properties.get("hidden") for s in ss.sheets if s is not sheet
        ):
            raise _bad("You can't hide all the sheets in a document.")
        new_index = updated.get("index", sheet.properties["index"])
        sheet.properties = updated
        sheet.properties["gridProperties"]["rowCount"] = (
            sheet.row_count if "rowCount" not in grid else rows
        )
        sheet.resize(rows, cols)
        if new_index != ss.sheets.index(sheet):
            ss.sheets.remove(sheet)
            ss.sheets.insert(min(int(new_index), len(ss.sheets)), sheet)
        ss.reindex()
        return {}

    def _req_updateSpreadsheetProperties(self, ss: FakeSpreadsheet, body: Json) -> Json:
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        ss.properties = apply_update_mask(
            ss.properties, body.get("properties") or {}, parse_field_mask(fields)
        )
        return {}

    def _req_updateCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        rows = body.get("rows") or []
        if "start" in body:
            start = body["start"]
            sheet = _sheet_or_error(ss, start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
            width = max((len(r.get("values") or []) for r in rows), default=0)
            r1, c1 = r0 + len(rows), c0 + width
            _check_inside(sheet, r0, r1, c0, c1)
            clear_rest = False
        elif "range" in body:
            sheet = _sheet_or_error(ss, body["range"].get("sheetId", 0))
            r0, r1, c0, c1 = _grid(sheet, body["range"])
            clear_rest = True
        else:
            raise _bad("Either start or range must be set.")
        for r in range(r0, r1):
            row = rows[r - r0].get("values") or [] if r - r0 < len(rows) else []
            for c in range(c0, c1):
                if c - c0 < len(row):
                    source = row[c - c0] or {}
                elif clear_rest:
                    source = {}
                else:
                    continue
                _validate_cell(source)
                current = sheet.cell(r, c) or {}
                merged = apply_update_mask(current, source, tree)
                sheet.set_cell(r, c, _stored_cell(merged))
        return {}

    def _req_appendCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        sheet = _sheet_or_error(ss, body.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        rows = body.get("rows") or []
        start = sheet.last_content_row()
        width = max((len(r.get("values") or []) for r in rows), default=0)
        if start + len(rows) > sheet.row_count or width > sheet.column_count:
            sheet.resize(max(sheet.row_count, start + len(rows)), max(sheet.column_count, width))
        for i, row in enumerate(rows):
            for c, source in enumerate(row.get("values") or []):
                _validate_cell(source or {})
                merged = apply_update_mask(sheet.cell(start + i, c) or {}, source or {}, tree)
                sheet.set_cell(start + i, c, _stored_cell(merged))
        return {}

    def _req_insertDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("range") or {}
        sheet = _sheet_or_error(ss, dim.get("sheetId", 0))
        dimension = dim.get("dimension")
        start, end = dim.get("startIndex", 0), dim.get("endIndex", 0)
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad("range.dimension must be ROWS or COLUMNS")
        if end <= start:
            raise _bad("range.endIndex must be greater than range.startIndex")
        if start > size:
            raise _bad(
                f"range.startIndex [{start}] is after the last {dimension.lower()[:-1]} [{size}]"
            )
        inherit = bool(body.get("inheritFromBefore"))
        if inherit and start == 0:
            raise _bad(
                "Cannot inherit properties from before if inserting at the beginning of the sheet."
            )
        self._insert_dimension(ss, sheet, dimension, start, end - start, inherit)
        return {}

    def _insert_dimension(
        self,
        ss: FakeSpreadsheet,
        sheet: FakeSheet,
        dimension: str,
        start: int,
        count: int,
        inherit_before: bool,
    ) -> None:
        sheet.moved = True
        if dimension == "ROWS":
            template_index = start - 1 if inherit_before else start
            template = sheet.rows[template_index] if 0 <= template_index < len(sheet.rows) else []
            meta = (
                sheet.row_meta[template_index]
                if 0 <= template_index < len(sheet.row_meta)
                else {"pixelSize": DEFAULT_ROW_HEIGHT}
            )
            for _ in range(count):
                sheet.rows.insert(start, [_format_only(c) for c in template])
                sheet.row_meta.insert(start, _clone(meta))
                while sheet.rows[start] and sheet.rows[start][-1] is None:
                    sheet.rows[start].pop()
            sheet.properties["gridProperties"]["rowCount"] += count
        else:
            for row in sheet.rows:
                if len(row) > start or (inherit_before and len(row) >= start):
                    src = (
                        row[start - 1]
                        if inherit_before and start > 0 and start - 1 < len(row)
                        else (row[start] if start < len(row) else None)
                    )
                    for _ in range(count):
                        row.insert(start, _format_only(src))
                    while row and row[-1] is None:
                        row.pop()
            template_index = start - 1 if inherit_before else start
            meta = (
                sheet.col_meta[template_index]
                if 0 <= template_index < len(sheet.col_meta)
                else {"pixelSize": DEFAULT_COLUMN_WIDTH}
            )
            for _ in range(count):
                sheet.col_meta.insert(start, _clone(meta))
            sheet.properties["gridProperties"]["columnCount"] += count
        self._shift(ss, sheet, dimension, start, count)

    def _req_deleteDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("range") or {}
        sheet = _sheet_or_error(ss, dim.get("sheetId", 0))
        dimension = dim.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad("range.dimension must be ROWS or COLUMNS")
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        start = dim.get("startIndex", 0)
        end = dim.get("endIndex", size)
        if end <= start or end > size:
            raise _bad(
                f"Invalid range: [{start}, {end}) is outside the {dimension.lower()} "
                f"of the sheet ({size})."
            )
        if end - start >= size:
            raise _bad(f"You can't delete all the {dimension.lower()} on the sheet.")
        sheet.moved = True
        if dimension == "ROWS":
            del sheet.rows[start:end]
            del sheet.row_meta[start:end]
            sheet.properties["gridProperties"]["rowCount"] -= end - start
        else:
            for row in sheet.rows:
                del row[start:end]
                while row and row[-1] is None:
                    row.pop()
            del sheet.col_meta[start:end]
            sheet.properties["gridProperties"]["columnCount"] -= end - start
        self._shift(ss, sheet, dimension, start, -(end - start))
        return {}

    def _req_moveDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        """Move rows or columns ``[start, end)`` so that they sit before ``destinationIndex``
        (counted before the move), as dragging a column header does. Cells, sizes and
        dimension metadata move with them; formulas keep their text."""
        source = body.get("source") or {}
        sheet = _sheet_or_error(ss, source.get("sheetId", 0))
        dimension = source.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _bad("source.dimension must be ROWS or COLUMNS")
        size = sheet.row_count if dimension == "ROWS" else sheet.column_count
        start, end = source.get("startIndex", 0), source.get("endIndex", 0)
        to = body.get("destinationIndex", 0)
        if not 0 <= start < end <= size or not 0 <= to <= size:
            raise _bad(f"Invalid source or destination for moveDimension on {dimension}")
        order = list(range(size))
        block = order[start:end]
        rest = order[:start] + order[end:]
        at = to - len(block) if to > start else to
        order = rest[:at] + block + rest[at:]  # order[new] = old
        where = {old: new for new, old in enumerate(order)}
        sheet.moved = True
        if dimension == "ROWS":
            cells = sheet.rows + [[] for _ in range(size - len(sheet.rows))]
            sheet.rows = [cells[old] for old in order]
            sheet.row_meta = [sheet.row_meta[old] for old in order]
        else:
            for r, row in enumerate(sheet.rows):
                padded = row + [None] * (size - len(row))
                moved = [padded[old] for old in order]
                while moved and moved[-1] is None:
                    moved.pop()
                sheet.rows[r] = moved
            sheet.col_meta = [sheet.col_meta[old] for old in order]
        for meta in ss.developer_metadata:
            dr = meta["location"].get("dimensionRange")
            if (
                dr
                and dr.get("sheetId", 0) == sheet.sheet_id
                and dr.get("dimension") == dimension
                and dr["endIndex"] - dr["startIndex"] == 1
                and dr["startIndex"] in where
            ):
                dr["startIndex"] = where[dr["startIndex"]]
                dr["endIndex"] = dr["startIndex"] + 1
        return {}

    def _req_appendDimension(self, ss: FakeSpreadsheet, body: Json) -> Json:
        sheet = _sheet_or_error(ss, body.get("sheetId", 0))
        length = int(body.get("length", 0))
        if length < 1:
            raise _bad("length must be at least 1")
        if body.get("dimension") == "ROWS":
            sheet.resize(sheet.row_count + length, sheet.column_count)
        elif body.get("dimension") == "COLUMNS":
            sheet.resize(sheet.row_count, sheet.column_count + length)
        else:
            raise _bad("dimension must be ROWS or COLUMNS")
        return {}

    def _shift(
        self, ss: FakeSpreadsheet, sheet: FakeSheet, dimension: str, start: int, count: int
    ) -> None:
        """Move every range-like thing on ``sheet`` after rows/columns were inserted or deleted."""
        s_key, e_key = (
            ("startRowIndex", "endRowIndex")
            if dimension == "ROWS"
            else ("startColumnIndex", "endColumnIndex")
        )

        def move(value: int) -> int:
            if count > 0:
                return value + count if value >= start else value
            end = start - count
            return value if value <= start else (start if value <= end else value + count)

        def move_grid(gr: dict[str, Json]) -> bool:
            """Shift one GridRange in place; False when it vanished."""
            if gr.get("sheetId", 0) != sheet.sheet_id:
                return True
            s = gr.get(s_key, 0)
            e = gr.get(e_key)
            if count > 0:
                new_s = s + count if s >= start else s
                new_e = None if e is None else (e + count if e > start else e)
            else:
                new_s, new_e = move(s), None if e is None else move(e)
            if new_e is not None and new_e <= new_s:
                return False
            if s_key in gr or new_s:
                gr[s_key] = new_s
            if new_e is not None:
                gr[e_key] = new_e
            return True

        def with_sheet(gr: dict[str, Json]) -> dict[str, Json]:
            return gr if "sheetId" in gr else {**gr, "sheetId": 0}

        kept = []
        for prot in sheet.protected_ranges:
            if "range" not in prot:
                kept.append(prot)
                continue
            gr = with_sheet(prot["range"])
            gr["sheetId"] = sheet.sheet_id
            if move_grid(gr):
                gr.pop("sheetId", None) if sheet.sheet_id == 0 else None
                prot["range"] = gr
                kept.append(prot)
        sheet.protected_ranges = kept
        sheet.merges = [m for m in sheet.merges if move_grid(m)]
        for rule in sheet.conditional_formats:
            rule["ranges"] = [r for r in rule.get("ranges", []) if move_grid(r)]
        sheet.conditional_formats = [r for r in sheet.conditional_formats if r["ranges"]]
        if sheet.basic_filter and not move_grid(sheet.basic_filter.setdefault("range", {})):
            sheet.basic_filter = None
        ss.named_ranges = [n for n in ss.named_ranges if move_grid(n["range"])]
        kept_meta = []
        for meta in ss.developer_metadata:
            loc = meta["location"]
            dr = loc.get("dimensionRange")
            if (
                dr is None
                or dr.get("sheetId", 0) != sheet.sheet_id
                or dr.get("dimension") != dimension
            ):
                kept_meta.append(meta)
                continue
            s, e = dr["startIndex"], dr["endIndex"]
            if count > 0:
                s, e = (s + count if s >= start else s), (e + count if e > start else e)
            else:
                s, e = move(s), move(e)
            if e > s:
                dr["startIndex"], dr["endIndex"] = s, e
                kept_meta.append(meta)
        ss.developer_metadata = kept_meta

    def _req_repeatCell(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        source = body.get("cell") or {}
        _validate_cell(source)
        r0, r1, c0, c1 = _grid(sheet, gr)
        # A formula's relative references move with each cell of the range, as on Google.
        uev = source.get("userEnteredValue")
        formula = uev.get("formulaValue") if isinstance(uev, dict) else None
        shift = formula_shifter(formula) if isinstance(formula, str) else None
        update = _CellUpdate(source, tree)
        # What an empty cell becomes is the same for every empty cell of the range (a format
        # over a whole column, say) but for its moved formula: made once, copied for each.
        blank = _stored_cell(update.apply({}))
        copy_blank = shift is None or update.sets("userEnteredValue")
        for r in range(r0, r1):
            for c in range(c0, c1):
                current = sheet.cell(r, c)
                moved = None
                if shift is not None:
                    moved = {"formulaValue": shift(r - r0, c - c0)}
                if not current and copy_blank:
                    cell = _own_cell(blank)
                    if moved is not None and cell is not None:
                        cell["userEnteredValue"] = moved
                else:
                    given = None if moved is None else {"userEnteredValue": moved}
                    cell = _stored_cell(update.apply(current or {}, given))
                sheet.set_cell(r, c, cell)
        return {}

    def _req_setDataValidation(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        rule = body.get("rule")
        if rule is not None and not (rule.get("condition") or {}).get("type"):
            raise _bad("rule.condition.type is required")
        r0, r1, c0, c1 = _grid(sheet, gr)
        # One copy for all the cells: nothing changes a stored rule in place (see _CellUpdate).
        stored_rule = _clone(rule)
        for r in range(r0, r1):
            for c in range(c0, c1):
                cell = dict(sheet.cell(r, c) or {})
                if rule:
                    cell["dataValidation"] = stored_rule
                else:
                    cell.pop("dataValidation", None)
                sheet.set_cell(r, c, cell)
        return {}

    def _req_addProtectedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        spec = body.get("protectedRange") or {}
        gr = spec.get("range")
        if gr is None:
            raise _bad("protectedRange.range is required")
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        _grid(sheet, gr)
        pid = spec.get("protectedRangeId") or self._new_int_id()
        stored: dict[str, Json] = {
            "protectedRangeId": pid,
            "range": {k: v for k, v in gr.items() if k != "sheetId" or v},
        }
        if spec.get("description"):
            stored["description"] = spec["description"]
        if spec.get("warningOnly"):
            stored["warningOnly"] = True
            if spec.get("editors"):
                raise _bad("Cannot set editors on a warning-only protected range.")
        if spec.get("unprotectedRanges"):
            stored["unprotectedRanges"] = _clone(spec["unprotectedRanges"])
        stored["requestingUserCanEdit"] = True
        reply = _clone(stored)
        if not spec.get("warningOnly"):
            reply["editors"] = {}
            owner = next(
                (
                    p["emailAddress"]
                    for p in self.permissions.get(ss.spreadsheet_id, [])
                    if p.get("role") == "owner"
                ),
                None,
            )
            users = sorted(
                {*(spec.get("editors") or {}).get("users", []), *([owner] if owner else [])}
            )
            stored["editors"] = {"users": users}
        sheet.protected_ranges.append(stored)
        return {"addProtectedRange": {"protectedRange": reply}}

    def _req_deleteProtectedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        pid = body.get("protectedRangeId")
        for sheet in ss.sheets:
            for prot in sheet.protected_ranges:
                if prot["protectedRangeId"] == pid:
                    sheet.protected_ranges.remove(prot)
                    return {}
        raise _bad(f"No protected range with id: {pid}")

    def _req_updateDimensionProperties(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("range") or {}
        sheet = _sheet_or_error(ss, dim.get("sheetId", 0))
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        meta = sheet.row_meta if dim.get("dimension") == "ROWS" else sheet.col_meta
        start, end = dim.get("startIndex", 0), dim.get("endIndex", len(meta))
        if end > len(meta) or start >= end:
            raise _bad(f"Invalid dimension range [{start}, {end})")
        for i in range(start, end):
            meta[i] = apply_update_mask(meta[i], body.get("properties") or {}, tree)
            if not meta[i].get("hiddenByUser"):
                meta[i].pop("hiddenByUser", None)
        return {}

    def _req_addConditionalFormatRule(self, ss: FakeSpreadsheet, body: Json) -> Json:
        rule = body.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise _bad("rule.ranges must not be empty")
        if not ("booleanRule" in rule or "gradientRule" in rule):
            raise _bad("rule must have a booleanRule or a gradientRule")
        sheet = _sheet_or_error(ss, ranges[0].get("sheetId", 0))
        for gr in ranges:
            _grid(sheet, gr)
        index = int(body.get("index", 0))
        sheet.conditional_formats.insert(index, _clone(rule))
        return {}

    def _req_createDeveloperMetadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        meta = _clone(body.get("developerMetadata") or {})
        if not meta.get("metadataKey"):
            raise _bad("developerMetadata.metadataKey is required")
        if meta.get("visibility") not in ("DOCUMENT", "PROJECT"):
            raise _bad("developerMetadata.visibility must be DOCUMENT or PROJECT")
        if "metadataId" in meta and any(
            m["metadataId"] == meta["metadataId"] for m in ss.developer_metadata
        ):
            raise _bad(f"A developer metadata with id {meta['metadataId']} already exists.")
        meta.setdefault("metadataId", self._new_int_id())
        loc = meta.get("location") or {}
        if loc.get("spreadsheet"):
            location: dict[str, Json] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        elif "sheetId" in loc:
            _sheet_or_error(ss, loc["sheetId"])
            location = {"locationType": "SHEET", "sheetId": loc["sheetId"]}
        elif "dimensionRange" in loc:
            dr = dict(loc["dimensionRange"])
            sheet = _sheet_or_error(ss, dr.get("sheetId", 0))
            size = sheet.row_count if dr.get("dimension") == "ROWS" else sheet.column_count
            if (
                dr.get("dimension") not in ("ROWS", "COLUMNS")
                or not 0 <= dr.get("startIndex", 0) < dr.get("endIndex", 0) <= size
            ):
                raise _bad("Invalid developerMetadata.location.dimensionRange")
            dr.setdefault("sheetId", 0)
            dr.setdefault("startIndex", 0)
            location = {
                "locationType": "ROW" if dr["dimension"] == "ROWS" else "COLUMN",
                "dimensionRange": dr,
            }
        else:
            raise _bad("developerMetadata.location is required")
        meta["location"] = location
        ordered = {
            k: meta[k]
            for k in ("metadataId", "metadataKey", "metadataValue", "location", "visibility")
            if k in meta
        }
        ss.developer_metadata.append(ordered)
        return {"createDeveloperMetadata": {"developerMetadata": _clone(ordered)}}

    def _req_updateDeveloperMetadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        fields = body.get("fields")
        if not fields:
            raise _bad("At least one field must be updated.")
        tree = parse_field_mask(fields)
        changed = []
        for data_filter in body.get("dataFilters") or []:
            for meta in self._matching_metadata(
                ss, data_filter.get("developerMetadataLookup") or {}
            ):
                update = {
                    k: v
                    for k, v in (body.get("developerMetadata") or {}).items()
                    if k != "location"
                }
                merged = apply_update_mask(meta, update, tree)
                merged["location"], merged["metadataId"] = meta["location"], meta["metadataId"]
                meta.clear()
                meta.update(merged)
                changed.append(_clone(meta))
        return {"updateDeveloperMetadata": {"developerMetadata": changed}}

    def _req_deleteDeveloperMetadata(self, ss: FakeSpreadsheet, body: Json) -> Json:
        lookup = (body.get("dataFilter") or {}).get("developerMetadataLookup") or {}
        doomed = self._matching_metadata(ss, lookup)
        ss.developer_metadata = [m for m in ss.developer_metadata if m not in doomed]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": _clone(doomed)}}

    def _req_updateBorders(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        _grid(_sheet_or_error(ss, gr.get("sheetId", 0)), gr)
        return {}

    def _req_autoResizeDimensions(self, ss: FakeSpreadsheet, body: Json) -> Json:
        dim = body.get("dimensions") or {}
        _sheet_or_error(ss, dim.get("sheetId", 0))
        return {}

    def _req_mergeCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        r0, r1, c0, c1 = _grid(sheet, gr)
        sheet.merges.append(
            _grid_range_json(sheet.sheet_id, r0, r1, c0, c1) | {"sheetId": sheet.sheet_id}
        )
        return {}

    def _req_unmergeCells(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        r0, r1, c0, c1 = _grid(sheet, gr)
        sheet.merges = [
            m
            for m in sheet.merges
            if not (
                r0 <= m["startRowIndex"]
                and m["endRowIndex"] <= r1
                and c0 <= m["startColumnIndex"]
                and m["endColumnIndex"] <= c1
            )
        ]
        return {}

    def _req_sortRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        gr = body.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        r0, r1, c0, c1 = _grid(sheet, gr)
        self._settle(ss, sheet, r0, r1, c0, c1)
        block = [[sheet.cell(r, c) for c in range(c0, c1)] for r in range(r0, r1)]
        for spec in reversed(body.get("sortSpecs") or []):
            col = spec.get("dimensionIndex", 0) - c0
            descending = spec.get("sortOrder") == "DESCENDING"

            def key(row: list[Cell | None], col: int = col) -> tuple[int, Any]:
                value = render_cell(
                    row[col] if 0 <= col < len(row) else None, "UNFORMATTED_VALUE", "SERIAL_NUMBER"
                )
                if value is None or value == "":
                    return (3, "")
                if isinstance(value, bool):
                    return (2, value)
                if isinstance(value, int | float):
                    return (0, value)
                return (1, str(value).lower())

            filled = [row for row in block if key(row)[0] != 3]
            empty = [row for row in block if key(row)[0] == 3]
            filled.sort(key=key, reverse=descending)
            block = filled + empty
        for i, row in enumerate(block):
            for j, cell in enumerate(row):
                sheet.set_cell(r0 + i, c0 + j, cell)
        return {}

    def _req_copyPaste(self, ss: FakeSpreadsheet, body: Json) -> Json:
        """Copy a block of cells, as Google's CopyPasteRequest.

        The source block is read whole before anything is pasted (overlaps are safe). A
        destination smaller than the source still receives the whole block; one that spans a
        multiple of the source's height or width repeats it. Past the destination sheet's grid
        is an error, as on Google. Pasted formulas have their relative A1 references moved by
        the offset (``$`` parts stay; one pushed above row 1 or left of column A becomes
        ``#REF!``); whole-column or whole-row references (``A:A``) are not moved. Merges are
        not copied. Only pasteOrientation NORMAL is supported.
        """
        paste_type = body.get("pasteType") or "PASTE_NORMAL"
        _check_enum("pasteType", paste_type, _PASTE_TYPES, "PasteType")
        orientation = body.get("pasteOrientation") or "NORMAL"
        _check_enum("pasteOrientation", orientation, ("NORMAL", "TRANSPOSE"), "PasteOrientation")
        if orientation != "NORMAL":
            raise _bad("pasteOrientation TRANSPOSE is not supported by the fake")
        if paste_type == "PASTE_CONDITIONAL_FORMATTING":
            raise _bad("pasteType PASTE_CONDITIONAL_FORMATTING is not supported by the fake")
        if "source" not in body or "destination" not in body:
            raise _bad("source and destination must be set")
        source = _sheet_or_error(ss, body["source"].get("sheetId", 0))
        r0, r1, c0, c1 = _grid(source, body["source"])
        self._settle(ss, source, r0, r1, c0, c1)
        block = [[_clone(source.cell(r, c)) for c in range(c0, c1)] for r in range(r0, r1)]
        gr = body["destination"]
        target = _sheet_or_error(ss, gr.get("sheetId", 0))
        d0 = int(gr.get("startRowIndex", 0))
        e0 = int(gr.get("startColumnIndex", 0))
        d1 = int(gr.get("endRowIndex", target.row_count))
        e1 = int(gr.get("endColumnIndex", target.column_count))
        height, width = r1 - r0, c1 - c0
        if not height or not width:
            return {}
        rows = d1 - d0 if d1 - d0 > height and (d1 - d0) % height == 0 else height
        cols = e1 - e0 if e1 - e0 > width and (e1 - e0) % width == 0 else width
        _check_inside(target, d0, d0 + rows, e0, e0 + cols)
        for i in range(rows):
            for j in range(cols):
                cell = block[i % height][j % width]
                moved = (d0 + i) - (r0 + i % height), (e0 + j) - (c0 + j % width)
                current = target.cell(d0 + i, e0 + j)
                target.set_cell(d0 + i, e0 + j, _pasted(cell, current, paste_type, *moved))
        return {}

    def _req_addNamedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        named = _clone(body.get("namedRange") or {})
        if not named.get("name") or any(n["name"] == named["name"] for n in ss.named_ranges):
            raise _bad(f"Invalid or duplicate named range name: {named.get('name')}")
        sheet = _sheet_or_error(ss, (named.get("range") or {}).get("sheetId", 0))
        _grid(sheet, named.get("range") or {})
        named.setdefault("namedRangeId", str(self._new_int_id()))
        ss.named_ranges.append(named)
        return {"addNamedRange": {"namedRange": _clone(named)}}

    def _req_deleteNamedRange(self, ss: FakeSpreadsheet, body: Json) -> Json:
        before = len(ss.named_ranges)
        ss.named_ranges = [
            n for n in ss.named_ranges if n["namedRangeId"] != body.get("namedRangeId")
        ]
        if len(ss.named_ranges) == before:
            raise _bad(f"No named range with id: {body.get('namedRangeId')}")
        return {}

    def _req_setBasicFilter(self, ss: FakeSpreadsheet, body: Json) -> Json:
        spec = _clone(body.get("filter") or {})
        gr = spec.get("range") or {}
        sheet = _sheet_or_error(ss, gr.get("sheetId", 0))
        _grid(sheet, gr)
        sheet.basic_filter = spec
        return {}

    def _req_clearBasicFilter(self, ss: FakeSpreadsheet, body: Json) -> Json:
        _sheet_or_error(ss, body.get("sheetId", 0)).basic_filter = None
        return {}

    # -- Drive v3 ---------------------------------------------------------------------------

    def _drive(self, request: FakeRequest, principal: _Principal | None) -> tuple[int, Json]:
        path, method = request.raw_path, request.method
        body = request.body if isinstance(request.body, dict) else {}
        fields = request.param("fields")
        if path == "/drive/v3/files":
            if method == "POST":
                return 200, self._drive_create(body, principal, fields)
            if method == "GET":
                return 200, self._drive_list(request, principal)
        m = re.match(r"^/drive/v3/files/([^/]+)(/.*)?$", path)
        if not m:
            raise GoogleApiError(404, "Not Found")
        file_id, tail = unquote(m.group(1)), m.group(2) or ""
        meta = self.files.get(file_id)
        if meta is None:
            raise GoogleApiError(404, f"File not found: {file_id}.", reason="notFound")
        write = method != "GET"
        self._check_access(principal, file_id, write)
        if tail == "":
            if method == "GET":
                return 200, _drive_fields(self._file_view(file_id, principal), fields)
            if method == "PATCH":
                if "appProperties" in body:
                    self._set_app_properties(file_id, principal, body["appProperties"])
                if "name" in body:
                    meta["name"] = body["name"]
                    if file_id in self.spreadsheets:
                        self.spreadsheets[file_id].properties["title"] = body["name"]
                meta["modifiedTime"] = self._timestamp()
                return 200, _drive_fields(self._file_view(file_id, principal), fields)
            if method == "DELETE":
                del self.files[file_id]
                self.spreadsheets.pop(file_id, None)
                self.permissions.pop(file_id, None)
                self.app_properties.pop(file_id, None)
                return 204, None
        if tail == "/copy" and method == "POST":
            return 200, self._drive_copy(file_id, body, fields)
        if tail == "/export" and method == "GET":
            return 200, _Raw(
                self._export(file_id, request.param("mimeType") or ""),
                request.param("mimeType") or "",
            )
        if tail == "/permissions":
            if method == "GET":
                listing = {
                    "kind": "drive#permissionList",
                    "permissions": _clone(self.permissions.get(file_id, [])),
                }
                return 200, apply_field_mask(
                    listing, parse_field_mask(fields)
                ) if fields else listing
            if method == "POST":
                perm: dict[str, Json] = {
                    "kind": "drive#permission",
                    "id": str(self._new_int_id()),
                    "type": body.get("type"),
                    "role": body.get("role"),
                }
                if body.get("type") not in ("user", "group", "domain", "anyone"):
                    raise GoogleApiError(400, "Invalid permission type.", reason="invalid")
                if body.get("role") not in (
                    "owner",
                    "organizer",
                    "fileOrganizer",
                    "writer",
                    "commenter",
                    "reader",
                ):
                    raise GoogleApiError(400, "Invalid permission role.", reason="invalid")
                for key in ("emailAddress", "domain"):
                    if body.get(key):
                        perm[key] = body[key]
                self.permissions.setdefault(file_id, []).append(perm)
                reply = {k: perm[k] for k in ("kind", "id", "type", "role")}
                return 200, apply_field_mask(perm, parse_field_mask(fields)) if fields else reply
        pm = re.match(r"^/permissions/([^/]+)$", tail)
        if pm and method == "DELETE":
            perms = self.permissions.get(file_id, [])
            kept = [p for p in perms if p["id"] != pm.group(1)]
            if len(kept) == len(perms):
                raise GoogleApiError(
                    404, f"Permission not found: {pm.group(1)}.", reason="notFound"
                )
            self.permissions[file_id] = kept
            return 204, None
        raise GoogleApiError(404, "Not Found")

    def _drive_create(self, body: Json, principal: _Principal | None, fields: str | None) -> Json:
        name = body.get("name", "Untitled")
        mime = body.get("mimeType", "application/octet-stream")
        owner = principal.email if principal else "owner@example.com"
        pairs = body.get("appProperties") or {}
        _check_app_properties(pairs)  # refused before anything is made, as Google does
        if mime == SPREADSHEET_MIME:
            sid = self._new_id()
            self._create_spreadsheet_model(sid, name, "en_US", "Etc/GMT", owner, tabs=None)
        else:
            sid = self._new_id(33)
            stamp = self._timestamp()
            self.files[sid] = {
                "kind": "drive#file",
                "id": sid,
                "name": name,
                "mimeType": mime,
                "createdTime": stamp,
                "modifiedTime": stamp,
            }
            self.permissions[sid] = [
                {
                    "kind": "drive#permission",
                    "id": str(self._new_int_id()),
                    "type": "user",
                    "role": "owner",
                    "emailAddress": owner,
                }
            ]
        if body.get("parents"):
            self.files[sid]["parents"] = list(body["parents"])
        if pairs:
            self._set_app_properties(sid, principal, pairs)
        return _drive_fields(self._file_view(sid, principal), fields)

    def _app(self, principal: _Principal | None) -> str:
        return principal.email if principal else ""

    def _set_app_properties(
        self, file_id: str, principal: _Principal | None, pairs: Mapping[str, Json]
    ) -> None:
        """files.update semantics: the pairs given are set, a null value removes its key, the
        app's other keys are kept."""
        _check_app_properties(pairs)
        mine = self.app_properties.setdefault(file_id, {}).setdefault(self._app(principal), {})
        for key, value in pairs.items():
            if value is None:
                mine.pop(key, None)
            else:
                mine[key] = str(value)
        if len(mine) > APP_PROPERTIES_PER_APP:
            raise GoogleApiError(
                400,
                f"The limit of {APP_PROPERTIES_PER_APP} private properties per app per file "
                "has been reached.",
                reason="appPropertiesLimitExceeded",
            )

    def _file_view(self, file_id: str, principal: _Principal | None) -> dict[str, Json]:
        """A file as this caller sees it: its own app's appProperties only."""
        view = dict(self.files[file_id])
        mine = self.app_properties.get(file_id, {}).get(self._app(principal))
        if mine:
            view["appProperties"] = dict(mine)
        view["owners"] = [
            {"kind": "drive#user", "emailAddress": p.get("emailAddress")}
            for p in self.permissions.get(file_id, [])
            if p.get("role") == "owner"
        ]
        return view

    def _can_see(self, principal: _Principal | None, file_id: str) -> bool:
        access = self._access.get(file_id)
        if access is None or principal is None:
            return True
        return bool(access.get(principal.email) or access.get("*"))

    def _drive_copy(self, file_id: str, body: Json, fields: str | None) -> Json:
        source = self.spreadsheets.get(file_id)
        if source is None:
            raise GoogleApiError(
                400, "Only spreadsheets can be copied by this fake.", reason="badRequest"
            )
        new_id = self._new_id()
        clone = _clone(source)
        clone.spreadsheet_id = new_id
        clone.properties["title"] = body.get("name") or f"Copy of {source.title}"
        self.spreadsheets[new_id] = clone
        stamp = self._timestamp()
        self.files[new_id] = {
            **_clone(self.files[file_id]),
            "id": new_id,
            "name": clone.title,
            "createdTime": stamp,
            "modifiedTime": stamp,
        }
        self.permissions[new_id] = _clone(self.permissions.get(file_id, []))[:1]
        return _drive_fields(self.files[new_id], fields)

    def _drive_list(self, request: FakeRequest, principal: _Principal | None) -> Json:
        q = request.param("q") or ""
        clauses = _drive_query_clauses(q)  # a query Google would refuse is refused on any data
        me = principal.email if principal else ""
        files = [
            view
            for file_id in self.files
            if self._can_see(principal, file_id)
            for view in [self._file_view(file_id, principal)]
            if _drive_query_matches(view, clauses, me)
        ]
        listing: dict[str, Json] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [{k: f[k] for k in ("kind", "id", "name", "mimeType")} for f in files],
        }
        fields = request.param("fields")
        if fields:
            listing["files"] = _clone(files)
            return apply_field_mask(listing, parse_field_mask(fields))
        return listing

    def _export(self, file_id: str, mime: str) -> bytes:
        ss = self.spreadsheets.get(file_id)
        if ss is None or mime not in ("text/csv", "text/tab-separated-values"):
            raise GoogleApiError(
                400, f"Export only supports text/csv here, not {mime!r}.", reason="badRequest"
            )
        buffer = io.StringIO()
        writer = csv.writer(
            buffer, delimiter="," if mime == "text/csv" else "\t", lineterminator="\r\n"
        )
        sheet = ss.sheets[0]
        for row in self.values(
            file_id, quote_title(sheet.title), value_render_option="FORMATTED_VALUE"
        ):
            writer.writerow(row)
        return buffer.getvalue().encode()


# ---------------------------------------------------------------------------------------------
# Helpers used by the service
# ---------------------------------------------------------------------------------------------


def _json_numbers(value: Json) -> Json:
    """Integral floats as the API writes them (``2``, not ``2.0``)."""
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, float):
        return _num(value)
    return value


class _InvalidJson:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw


@dataclass
class _Raw:
    content: bytes
    content_type: str


def _values_type_error(value: Json) -> GoogleApiError:
    message = (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
        + json.dumps(value, ensure_ascii=False)
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": "data.values", "description": message}],
        }
    ]
    return GoogleApiError(400, message, details=details)


def _check_enum(name: str, value: str, allowed: Sequence[str], type_name: str) -> None:
    if value not in allowed:
        raise _bad(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{type_name}), "
            f'"{value}"'
        )


def _totals(spreadsheet_id: str, responses: list[Json], touched: set[tuple[int, str, int]]) -> Json:
    out: dict[str, Json] = {"spreadsheetId": spreadsheet_id}
    if responses:
        out["totalUpdatedRows"] = sum(1 for t in touched if t[1] == "r")
        out["totalUpdatedColumns"] = sum(1 for t in touched if t[1] == "c")
        out["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
        out["totalUpdatedSheets"] = len({t[0] for t in touched})
        out["responses"] = responses
    return out


def _clear_values(sheet: FakeSheet, r0: int, r1: int, c0: int, c1: int) -> None:
    for r in range(r0, min(r1, len(sheet.rows))):
        for c in range(c0, min(c1, len(sheet.rows[r]))):
            cell = sheet.rows[r][c]
            if cell and "userEnteredValue" in cell:
                kept = {
                    k: v
                    for k, v in cell.items()
                    if k not in ("userEnteredValue", "effectiveValue", "formattedValue")
                }
                sheet.set_cell(r, c, kept or None)


def _find_table(sheet: FakeSheet, rng: A1Range) -> tuple[int, int, int, int] | None:
    """The "table" values.append appends after (a heuristic matching the recordings).

    For a single-cell range: the block of adjacent filled cells containing that cell, or none
    when the cell is empty.  For larger ranges: the filled block inside the range that ends lowest
    (rightmost on ties).
    """

    def filled(r: int, c: int) -> bool:
        cell = sheet.cell(r, c)
        return bool(cell and "userEnteredValue" in cell)

    r_lo, c_lo = rng.r0, rng.c0
    r_hi = sheet.row_count if rng.r1 is None else min(rng.r1, sheet.row_count)
    c_hi = sheet.column_count if rng.c1 is None else min(rng.c1, sheet.column_count)
    single = not rng.whole_sheet and rng.r1 == rng.r0 + 1 and rng.c1 == rng.c0 + 1
    if single:
        if not filled(rng.r0, rng.c0):
            return None
        r_lo, c_lo, r_hi, c_hi = 0, 0, sheet.row_count, sheet.column_count
        seeds = [(rng.r0, rng.c0)]
    else:
        seeds = [
            (r, c)
            for r in range(r_lo, min(r_hi, len(sheet.rows)))
            for c in range(c_lo, min(c_hi, len(sheet.rows[r])))
            if filled(r, c)
        ]
    seen: set[tuple[int, int]] = set()
    best: tuple[int, int, int, int] | None = None
    for seed in seeds:
        if seed in seen:
            continue
        stack, box = [seed], [seed[0], seed[0] + 1, seed[1], seed[1] + 1]
        seen.add(seed)
        while stack:
            r, c = stack.pop()
            box = [min(box[0], r), max(box[1], r + 1), min(box[2], c), max(box[3], c + 1)]
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if (
                    r_lo <= nr < r_hi
                    and c_lo <= nc < c_hi
                    and (nr, nc) not in seen
                    and filled(nr, nc)
                ):
                    seen.add((nr, nc))
                    stack.append((nr, nc))
        candidate = (box[0], box[1], box[2], box[3])
        if best is None or (candidate[1], candidate[2]) > (best[1], best[2]):
            best = candidate
        if single:
            break
    return best


_PASTE_TYPES = (
    "PASTE_NORMAL",
    "PASTE_VALUES",
    "PASTE_FORMAT",
    "PASTE_NO_BORDERS",
    "PASTE_FORMULA",
    "PASTE_DATA_VALIDATION",
    "PASTE_CONDITIONAL_FORMATTING",
)


def _pasted(
    cell: Cell | None, current: Cell | None, paste_type: str, rows: int, cols: int
) -> Cell | None:
    """What a paste of ``cell`` (moved by rows/cols) leaves where ``current`` was."""
    source = dict(cell or {})
    uev = source.get("userEnteredValue")
    if isinstance(uev, dict) and "formulaValue" in uev:
        moved = shift_formula(uev["formulaValue"], rows, cols)
        source["userEnteredValue"] = {"formulaValue": moved}
    kept = dict(current or {})
    if paste_type in ("PASTE_NORMAL", "PASTE_NO_BORDERS"):
        pasted = {k: v for k, v in source.items() if k in _STORED_CELL_FIELDS}
        if paste_type == "PASTE_NO_BORDERS" and isinstance(pasted.get("userEnteredFormat"), dict):
            pasted["userEnteredFormat"] = {
                k: v for k, v in pasted["userEnteredFormat"].items() if k != "borders"
            }
        return _stored_cell(pasted)
    if paste_type == "PASTE_VALUES":
        value = _effective_of(cell)
        kept.pop("userEnteredValue", None)
        if value is not None:
            kept["userEnteredValue"] = value
    elif paste_type == "PASTE_FORMULA":
        kept.pop("userEnteredValue", None)
        if "userEnteredValue" in source:
            kept["userEnteredValue"] = source["userEnteredValue"]
    elif paste_type == "PASTE_FORMAT":
        kept.pop("userEnteredFormat", None)
        if "userEnteredFormat" in source:
            kept["userEnteredFormat"] = source["userEnteredFormat"]
    else:  # PASTE_DATA_VALIDATION
        kept.pop("dataValidation", None)
        if "dataValidation" in source:
            kept["dataValidation"] = source["dataValidation"]
    return _stored_cell(kept)


def _effective_of(cell: Cell | None) -> Json:
    """A cell's value as a plain (non-formula) userEnteredValue, or None."""
    value = (cell or {}).get("effectiveValue")
    if not isinstance(value, dict) or not value or "errorValue" in value:
        uev = (cell or {}).get("userEnteredValue")
        return None if not uev or "formulaValue" in uev else _clone(uev)
    return _clone(value)


_REF_PART = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


def shift_formula(formula: str, rows: int, cols: int) -> str:
    """A formula as Google pastes it ``rows`` down and ``cols`` right: relative references
    move, ``$``-anchored parts stay, a reference pushed off the sheet becomes ``#REF!``.
    Text the fake cannot tokenise is left as it was."""
    if not formula.startswith("=") or (rows == 0 and cols == 0):
        return formula
    out, pos = ["="], 1
    while pos < len(formula):
        if formula[pos:].strip() == "":
            out.append(formula[pos:])
            break
        m = _FORMULA_TOKEN.match(formula, pos)
        if not m or m.end() == pos:
            return formula
        kind = m.lastgroup or "op"
        text = m.group(kind)
        out.append(formula[pos : m.start(kind)])
        is_call = formula[m.end() :].lstrip().startswith("(")  # LOG10( is a function
        out.append(_shift_ref(text, rows, cols) if kind == "ref" and not is_call else text)
        pos = m.end()
    return "".join(out)


@functools.lru_cache(maxsize=1 << 12)
def formula_shifter(formula: str) -> Callable[[int, int], str]:
    """`shift_formula` for one formula at many offsets: tokenised once (per process: a laid-out
    workbook sends the same formulas in every test), each offset then only moves the references
    (a repeatCell fills thousands of cells with one formula)."""
    if not formula.startswith("="):
        return lambda rows, cols: formula
    pieces: list[str | tuple[str, str, int, str, int]] = ["="]
    pos = 1
    while pos < len(formula):
        if formula[pos:].strip() == "":
            pieces.append(formula[pos:])
            break
        m = _FORMULA_TOKEN.match(formula, pos)
        if not m or m.end() == pos:
            return lambda rows, cols: (
                formula if rows == 0 and cols == 0 else shift_formula(formula, rows, cols)
            )
        kind = m.lastgroup or "op"
        text = m.group(kind)
        pieces.append(formula[pos : m.start(kind)])
        is_call = formula[m.end() :].lstrip().startswith("(")
        if kind == "ref" and not is_call:
            sheet, bang, cells = text.rpartition("!")
            pieces.append(sheet + bang)
            last = 0
            for part in _REF_PART.finditer(cells):
                pieces.append(cells[last : part.start()])
                col_abs, letters, row_abs, digits = part.groups()
                pieces.append((col_abs, letters, column_index(letters), row_abs, int(digits) - 1))
                last = part.end()
            pieces.append(cells[last:])
        else:
            pieces.append(text)
        pos = m.end()

    # Runs of literal text joined: (text before a reference, the reference or None at the end).
    segments: list[tuple[str, tuple[str, str, int, str, int] | None]] = []
    literal: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            literal.append(piece)
        else:
            segments.append(("".join(literal), piece))
            literal = []
    segments.append(("".join(literal), None))

    def shifted(rows: int, cols: int) -> str:
        if rows == 0 and cols == 0:
            return formula
        out: list[str] = []
        for text, ref in segments:
            out.append(text)
            if ref is None:
                continue
            col_abs, letters, col, row_abs, row = ref
            if not row_abs:
                row += rows
            if cols and not col_abs:
                col += cols
                letters = column_letters(col) if col >= 0 else letters
            if col < 0 or row < 0:
                return shift_formula(formula, rows, cols)  # the #REF! cases
            out.append(f"{col_abs}{letters}{row_abs}{row + 1}")
        return "".join(out)

    return shifted


def _shift_ref(ref: str, rows: int, cols: int) -> str:
    sheet, bang, cells = ref.rpartition("!")

    def move(m: re.Match[str]) -> str:
        col_abs, letters, row_abs, digits = m.groups()
        col = column_index(letters) + (0 if col_abs else cols)
        row = int(digits) - 1 + (0 if row_abs else rows)
        if col < 0 or row < 0:
            raise ValueError(ref)
        return f"{col_abs}{column_letters(col)}{row_abs}{row + 1}"

    try:
        return f"{sheet}{bang}{_REF_PART.sub(move, cells)}"
    except ValueError:
        return "#REF!"


def _sheet_or_error(ss: FakeSpreadsheet, sheet_id: Any, prefix: str = "") -> FakeSheet:
    sheet = ss.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise _bad(f"{prefix}No grid with id: {sheet_id}")
    return sheet


def _check_inside(sheet: FakeSheet, r0: int, r1: int, c0: int, c1: int) -> None:
    if r0 < 0 or c0 < 0 or r1 > sheet.row_count or c1 > sheet.column_count:
        last = f"{column_letters(max(c1 - 1, 0))}{max(r1, 1)}"
        raise _bad(
            f"Range ({quote_title(sheet.title)}!{last}) exceeds grid limits. "
            f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
        )


def _grid(sheet: FakeSheet, gr: Mapping[str, Json], _prefix: str = "") -> tuple[int, int, int, int]:
    """A GridRange (open ends allowed) → checked half-open (r0, r1, c0, c1)."""
    r0 = int(gr.get("startRowIndex", 0))
    r1 = int(gr.get("endRowIndex", sheet.row_count))
    c0 = int(gr.get("startColumnIndex", 0))
    c1 = int(gr.get("endColumnIndex", sheet.column_count))
    if r1 < r0 or c1 < c0:
        raise _bad("Invalid range: end index before start index")
    _check_inside(sheet, r0, r1, c0, c1)
    return r0, r1, c0, c1


def _validate_cell(cell: Json) -> None:
    uev = cell.get("userEnteredValue") if isinstance(cell, dict) else None
    if uev is None:
        return
    allowed = {"stringValue", "numberValue", "boolValue", "formulaValue", "errorValue"}
    if not isinstance(uev, dict) or len(uev) != 1 or not set(uev) <= allowed:
        raise _bad(
            "userEnteredValue must set exactly one of stringValue, numberValue, boolValue, "
            "formulaValue"
        )


def _mirror_colors(fmt: dict[str, Json]) -> None:
    """The API keeps ``xColor`` and ``xColorStyle.rgbColor`` in step; so does the fake."""
    for plain, style in (
        ("backgroundColor", "backgroundColorStyle"),
        ("foregroundColor", "foregroundColorStyle"),
    ):
        if plain in fmt and style not in fmt:
            fmt[style] = {"rgbColor": _clone(fmt[plain])}
        elif style in fmt and plain not in fmt and "rgbColor" in fmt[style]:
            fmt[plain] = _clone(fmt[style]["rgbColor"])
    if isinstance(fmt.get("textFormat"), dict):
        _mirror_colors(fmt["textFormat"])


def _stored_cell(cell: Json) -> Cell | None:
    if isinstance((cell or {}).get("userEnteredFormat"), dict):
        _mirror_colors(cell["userEnteredFormat"])
    stored = {
        k: v
        for k, v in (cell or {}).items()
        if k in _STORED_CELL_FIELDS and v not in (None, {}, "")
    }
    return stored or None


def _format_only(cell: Cell | None) -> Cell | None:
    if not cell:
        return None
    kept = {k: _clone(v) for k, v in cell.items() if k in ("userEnteredFormat", "dataValidation")}
    return kept or None


def _metadata_sheet(meta: Mapping[str, Json]) -> int | None:
    loc = meta["location"]
    if "sheetId" in loc:
        return int(loc["sheetId"])
    if "dimensionRange" in loc:
        return int(loc["dimensionRange"].get("sheetId", 0))
    return None


def _python_of(ev: Json) -> Json:
    """A settled formula cell's effectiveValue as the evaluator's value (`_effective` undone)."""
    ev = ev or {}
    if "errorValue" in ev:
        return FormulaError(
            ev["errorValue"].get("type", "ERROR"), ev["errorValue"].get("message", "")
        )
    return next(iter(ev.values()), None)


def _effective(result: Json) -> Json:
    if isinstance(result, FormulaError):
        return {"errorValue": {"type": result.kind, "message": result.message}}
    if isinstance(result, bool):
        return {"boolValue": result}
    if isinstance(result, int | float):
        if isinstance(result, float) and not math.isfinite(result):
            return {"errorValue": {"type": "NUM", "message": "Result is not a finite number."}}
        return {"numberValue": result}
    if result is None:
        return {"numberValue": 0}
    return {"stringValue": str(result)}


def _deep_merge(base: Mapping[str, Json], over: Mapping[str, Json]) -> dict[str, Json]:
    out = _clone(dict(base))
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = _clone(value)
    return out


def _cell_keys(tree: MaskTree | None) -> frozenset[str] | None:
    """The cell fields a mask keeps under sheets.data.rowData.values, or None for all."""
    node: MaskTree | None = tree
    for name in ("sheets", "data", "rowData", "values"):
        if node is None or "*" in node or name not in node:
            return None
        node = node[name]
    if node is None or "*" in node:
        return None
    return frozenset(node)


def _mask_selects(tree: MaskTree | None, path: list[str]) -> bool:
    node: MaskTree | None = tree
    for name in path:
        if node is None or "*" in node:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def _trim_grid(result: Json) -> None:
    """Drop empty trailing cells/rows of masked grid data, like the real API does."""
    for sheet in result.get("sheets", []) if isinstance(result, dict) else []:
        for data in sheet.get("data", []) if isinstance(sheet, dict) else []:
            rows = data.get("rowData")
            if rows is None:
                continue
            for row in rows:
                values = row.get("values")
                if values is not None:
                    while values and not values[-1]:
                        values.pop()
                    if not values:
                        del row["values"]
            while rows and not rows[-1]:
                rows.pop()
            if not rows:
                del data["rowData"]


def _drive_fields(meta: Mapping[str, Json], fields: str | None) -> Json:
    if fields:
        return apply_field_mask(dict(meta), parse_field_mask(fields))
    return {k: meta[k] for k in ("kind", "id", "name", "mimeType") if k in meta}


def _check_app_properties(pairs: Mapping[str, Json]) -> None:
    """Drive's limit: a key and its value together take at most 124 bytes of UTF-8."""
    for key, value in pairs.items():
        if value is None:
            continue
        if len(key.encode()) + len(str(value).encode()) > APP_PROPERTY_BYTES:
            raise GoogleApiError(
                400,
                f"The property with key '{key}' is too large. The maximum size of a key and "
                f"value together is {APP_PROPERTY_BYTES} bytes.",
                reason="propertyTooLarge",
            )


def _drive_query_clauses(q: str) -> list[str]:
    """The `and`-joined clauses of a Drive query; an `and` inside `{...}` or quotes belongs to
    its clause (`appProperties has { key='k' and value='v' }`)."""
    clauses: list[str] = []
    depth, quote, start, i = 0, "", 0, 0
    text = q.strip()
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            found = re.match(r"\s+and\s+", text[i:], flags=re.IGNORECASE)
            if found:
                clauses.append(text[start:i].strip())
                i += found.end()
                start = i
                continue
        i += 1
    if text:
        clauses.append(text[start:].strip())
    for clause in clauses:
        if not _DRIVE_CLAUSES.fullmatch(clause):
            raise GoogleApiError(
                400, f"Invalid Value: unsupported query clause {clause!r}", reason="invalid"
            )
    return clauses


_STRING = r"'(?:[^'\\]|\\.)*'" + "|" + r'"(?:[^"\\]|\\.)*"'
_DRIVE_CLAUSES = re.compile(
    rf"""\w+\s*(=|!=|contains)\s*({_STRING})"""
    rf"""|({_STRING})\s+in\s+(parents|owners)|parents\s+in\s+({_STRING})"""
    rf"""|trashed\s*=\s*(true|false)"""
    rf"""|(appProperties|properties)\s+has\s*\{{\s*key\s*=\s*({_STRING})\s+and\s+"""
    rf"""value\s*=\s*({_STRING})\s*\}}""",
    flags=re.IGNORECASE,
)


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _drive_query_matches(meta: Mapping[str, Json], clauses: Sequence[str], me: str) -> bool:
    """Whether a file (as its caller sees it) matches every clause. `'me' in owners` is the
    caller; `trashed = false` always holds (the fake has no trash)."""
    for clause in clauses:
        m = _DRIVE_CLAUSES.fullmatch(clause)
        assert m is not None  # checked by _drive_query_clauses
        text = clause.strip()
        if m.group(1):
            key, op = text.split(m.group(1), 1)[0].strip(), m.group(1)
            value, actual = _unquote(m.group(2)), str(meta.get(key, ""))
            ok = (
                actual == value if op == "=" else actual != value if op == "!=" else value in actual
            )
        elif m.group(3):
            who, where = _unquote(m.group(3)), m.group(4).lower()
            if where == "parents":
                ok = who in (meta.get("parents") or [])
            else:
                owners = [o.get("emailAddress") for o in meta.get("owners") or []]
                ok = (me if who == "me" else who) in owners
        elif m.group(5):
            ok = _unquote(m.group(5)) in (meta.get("parents") or [])
        elif m.group(6):
            ok = m.group(6).lower() == "false"
        else:
            pairs = meta.get(m.group(7)) or {}
            ok = pairs.get(_unquote(m.group(8))) == _unquote(m.group(9))
        if not ok:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Transport and client helpers
# ---------------------------------------------------------------------------------------------


class FakeAdapter(BaseAdapter):
    """A requests transport adapter answering from a :class:`FakeGoogle` (never the network)."""

    def __init__(self, fake: FakeGoogle) -> None:
        super().__init__()
        self.fake = fake

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        response = self.fake.handle(request)
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> BaseAdapter:
        # google-auth deep-copies the transport to look up a service account's Regional
        # Access Boundary in a background thread. Copying the whole fake would be slow and
        # the copy's calls invisible, so the copy answers only that lookup (as Google does
        # for an unrestricted account) and never touches the spreadsheet state.
        return _AccessBoundaryAdapter()


class _AccessBoundaryAdapter(BaseAdapter):
    """Answers google-auth's background ``allowedLocations`` lookup; refuses the rest."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        url = request.url or ""
        if urlsplit(url).hostname != "iamcredentials.googleapis.com" or not url.endswith(
            "/allowedLocations"
        ):
            raise NetworkBlockedError(f"FakeGoogle refused {request.method} {url}", request=request)
        response = requests.Response()
        response.status_code = 200
        response._content = b'{"locations": [], "encodedLocations": "0x0"}'
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.url = url
        response.request = request
        return response

    def close(self) -> None:
        pass


def mount(fake: FakeGoogle, session: requests.Session) -> requests.Session:
    """Route every http(s) request of ``session`` to ``fake`` (unknown hosts raise at once)."""
    adapter = FakeAdapter(fake)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def raw_session(
    fake: FakeGoogle, email: str = "tester@example.com", scopes: Iterable[str] = DEFAULT_SCOPES
) -> requests.Session:
    """A plain requests.Session over the fake with a bearer token already set."""
    session = mount(fake, requests.Session())
    session.headers["Authorization"] = f"Bearer {fake.issue_token(email, scopes)}"
    return session


@functools.lru_cache(maxsize=8)
def _rsa_key(email: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account_info(
    fake: FakeGoogle,
    email: str = "okr-bot@fake-project.iam.gserviceaccount.com",
    project_id: str = "fake-project",
) -> dict[str, str]:
    """A service-account JSON dict with a throwaway RSA key, registered with the fake."""
    from cryptography.hazmat.primitives import serialization

    key = _rsa_key(email)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fake.register_service_account(email, key.public_key())
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": f"fake-key-{abs(hash(email)) % 10**8}",
        "private_key": pem,
        "client_email": email,
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
        "universe_domain": "googleapis.com",
    }


def authorized_user_info(fake: FakeGoogle, email: str = "person@example.com") -> dict[str, str]:
    """An ``authorized_user`` JSON dict (refresh-token flow) registered with the fake."""
    info = {
        "type": "authorized_user",
        "client_id": "fake-client.apps.googleusercontent.com",
        "client_secret": "fake-secret",
        "refresh_token": f"1//fake-refresh-{email}",
        "token_uri": TOKEN_URI,
    }
    fake.register_authorized_user(
        info["client_id"], info["client_secret"], info["refresh_token"], email
    )
    return info


def service_account_credentials(
    fake: FakeGoogle,
    email: str = "okr-bot@fake-project.iam.gserviceaccount.com",
    scopes: Sequence[str] = DEFAULT_SCOPES,
) -> Any:
    """Real ``google.oauth2.service_account.Credentials`` whose key the fake knows."""
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        service_account_info(fake, email), scopes=list(scopes)
    )


def authorized_session(fake: FakeGoogle, credentials: Any) -> Any:
    """A real google-auth ``AuthorizedSession`` whose API and token traffic both hit the fake."""
    from google.auth.transport.requests import AuthorizedSession, Request

    token_session = mount(fake, requests.Session())
    session = AuthorizedSession(  # type: ignore[no-untyped-call]
        credentials, auth_request=Request(token_session)
    )
    mount(fake, session)
    return session


def gspread_client(
    fake: FakeGoogle,
    credentials: Any = None,
    *,
    email: str = "okr-bot@fake-project.iam.gserviceaccount.com",
    http_client: Any = None,
) -> Any:
    """A real ``gspread.Client`` talking to the fake through google-auth's real token flow."""
    import gspread
    from gspread.http_client import HTTPClient

    creds = credentials if credentials is not None else service_account_credentials(fake, email)
    session = authorized_session(fake, creds)
    client = gspread.Client(auth=creds, session=session, http_client=http_client or HTTPClient)
    client.http_client.auth = creds  # gspread only sets this when it builds the session itself
    return client
