"""The API methods: Sheets v4, Drive v3 and the OAuth2 token endpoint over the model."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import io
import itertools
import json
import math
import pickle
import random
import re
import struct
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from tests.fakes.sheets.a1 import (
    A1Range,
    a1_range,
    column_letters,
    quote_title,
)
from tests.fakes.sheets.common import (
    APP_PROPERTIES_PER_APP,
    APP_PROPERTY_BYTES,
    DEFAULT_COLUMN_WIDTH,
    DEFAULT_FORMAT,
    DEFAULT_ROW_HEIGHT,
    DEFAULT_SCOPES,
    DRIVE_HOST,
    SCOPE_DRIVE,
    SCOPE_DRIVE_FILE,
    SCOPE_DRIVE_RO,
    SCOPE_SHEETS,
    SCOPE_SHEETS_RO,
    SERVED_HOSTS,
    SHEETS_HOST,
    SPREADSHEET_MIME,
    SPREADSHEET_THEME,
    TOKEN_HOST,
    TOKEN_URI,
    GoogleApiError,
    Json,
    NetworkBlockedError,
    _bad,
    _clone,
    _collector_paused,
    quota_error,
)
from tests.fakes.sheets.formulas import (
    Change,
    formula_shifter,
    inserted_or_deleted,
    reordered,
    restructured,
    settle,
    shift_formula,
    today_serial,
)
from tests.fakes.sheets.masks import (
    MaskTree,
    _select,
    apply_field_mask,
    apply_update_mask,
    parse_field_mask,
)
from tests.fakes.sheets.model import (
    _STORED_CELL_FIELDS,
    Cell,
    FakeSheet,
    FakeSpreadsheet,
    _CellUpdate,
    _grid_range_json,
    _own_cell,
    _resolve,
    new_sheet,
)
from tests.fakes.sheets.values import (
    _SKIP,
    _is_date_format,
    _num,
    format_value,
    parse_input,
    python_to_input,
    render_cell,
    serial_to_datetime,
)

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
        dm = re.match(r"^/developerMetadata/(\d+)$", tail)
        if dm and method == "GET":  # spreadsheets.developerMetadata.get
            found = [m for m in ss.developer_metadata if m["metadataId"] == int(dm.group(1))]
            if not found:
                raise GoogleApiError(404)
            return 200, self._masked(_clone(found[0]), request)
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
    ) -> tuple[int, int, list[tuple[int, int]]]:
        """Write a ValueRange's rows at (r0, c0); returns the rows and columns it spans and the
        cells written in it (a JSON null leaves its cell alone, and is not counted)."""
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
        cells: list[tuple[int, int]] = []
        for i, row in enumerate(parsed):
            for j, (uev, fmt) in enumerate(row):
                if uev is _SKIP:
                    continue
                cells.append((i, j))
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
            # Counted as Google counts them: the rows, columns and cells actually written.
            out.update(
                updatedRows=len({r for r, _ in cells}),
                updatedColumns=len({c for _, c in cells}),
                updatedCells=len(cells),
            )
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
        settle(
            ss, sheet, wanted, today_serial(self.now(), str(ss.properties.get("timeZone") or ""))
        )

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
        for key in ("hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter"):
            if not grid.get(key):
                grid.pop(key, None)  # false is not answered (recorded)
        for key in ("tabColor", "tabColorStyle"):
            if key in updated:
                updated[key] = _stored_color(updated[key])
                if not updated[key]:
                    del updated[key]
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
        dimension metadata move with them; formulas that refer to them follow, as on Google."""
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
        _rewrite_formulas(ss, sheet, dimension, reordered(where))
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

        _rewrite_formulas(ss, sheet, dimension, inserted_or_deleted(start, count))

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
        reply["editors"] = {}  # in the reply, even of a warning-only range (recorded)
        # Stored with the owner as its editor, even when warning-only (recorded).
        owner = next(
            (
                p["emailAddress"]
                for p in self.permissions.get(ss.spreadsheet_id, [])
                if p.get("role") == "owner"
            ),
            None,
        )
        users = sorted({*(spec.get("editors") or {}).get("users", []), *([owner] if owner else [])})
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
        sheet.merges.append(_grid_range_json(sheet.sheet_id, r0, r1, c0, c1))
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

    def _req_cutPaste(self, ss: FakeSpreadsheet, body: Json) -> Json:
        """Move a block of cells, as Google's CutPasteRequest: the source is emptied and the
        block pasted with its top-left cell at the destination. A cut formula keeps its
        references as they were (a cut does not move them, unlike a copy); formulas elsewhere
        that refer to the moved cells are not rewritten by the fake. Only PASTE_NORMAL."""
        paste_type = body.get("pasteType") or "PASTE_NORMAL"
        _check_enum("pasteType", paste_type, _PASTE_TYPES, "PasteType")
        if paste_type != "PASTE_NORMAL":
            raise _bad(f"pasteType {paste_type} of a cutPaste is not supported by the fake")
        if "source" not in body or "destination" not in body:
            raise _bad("source and destination must be set")
        source = _sheet_or_error(ss, body["source"].get("sheetId", 0))
        r0, r1, c0, c1 = _grid(source, body["source"])
        block = [[_clone(source.cell(r, c)) for c in range(c0, c1)] for r in range(r0, r1)]
        to = body["destination"]
        target = _sheet_or_error(ss, to.get("sheetId", 0))
        d0, e0 = int(to.get("rowIndex", 0)), int(to.get("columnIndex", 0))
        _check_inside(target, d0, d0 + (r1 - r0), e0, e0 + (c1 - c0))
        for r in range(r0, r1):
            for c in range(c0, c1):
                if source.cell(r, c) is not None:
                    source.set_cell(r, c, None)
        for i, line in enumerate(block):
            for j, cell in enumerate(line):
                current = target.cell(d0 + i, e0 + j)
                target.set_cell(d0 + i, e0 + j, _pasted(cell, current, paste_type, 0, 0))
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
        # Stored with its bounds spelt out, as Google answers it (recorded).
        spec["range"] = _grid_range_json(sheet.sheet_id, *_grid(sheet, gr))
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


def _stored_color(color: Json) -> Json:
    """A color as Google keeps it: 8 bits a component, read back as a 32-bit float printed to 8
    digits, zero components and cleared parts left out (recorded: blue 0.5 reads back as
    0.49803922, green 0 not at all; an rgbColor set to null clears the color)."""
    if not isinstance(color, dict):
        return color
    out: dict[str, Json] = {}
    for key, value in color.items():
        if isinstance(value, dict):
            inner = _stored_color(value)
            if inner:
                out[key] = inner
        elif isinstance(value, int | float) and not isinstance(value, bool):
            level = math.floor(float(value) * 255 + 1e-6) / 255 if key != "alpha" else value
            single = struct.unpack("f", struct.pack("f", float(level)))[0]
            if single:
                out[key] = _num(float(f"{single:.8g}"))
        elif value is not None:
            out[key] = value
    return out


def _rewrite_formulas(
    ss: FakeSpreadsheet, sheet: FakeSheet, dimension: str, change: Change
) -> None:
    """Every formula of the spreadsheet that refers to `sheet`, rewritten after its rows or
    columns changed, as Google does."""
    for other in ss.sheets:
        for line in other.rows:
            for cell in line:
                typed = (cell or {}).get("userEnteredValue") or {}
                if "formulaValue" in typed:
                    typed["formulaValue"] = restructured(
                        typed["formulaValue"],
                        other is sheet,
                        sheet.title,
                        dimension == "ROWS",
                        change,
                    )
