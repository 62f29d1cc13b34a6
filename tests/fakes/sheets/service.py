"""The fake service: the HTTP entry point (routing, auth and tokens, quotas, faults), seeding
and inspection for tests, and the Sheets v4 methods over the model. `spreadsheets.batchUpdate`
is in `batch_update.py` and Drive v3 in `drive.py`, both parts of :class:`FakeGoogle`."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import itertools
import json
import pickle
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from tests.fakes.sheets.a1 import (
    A1Range,
    a1_range,
    column_letters,
    quote_title,
)
from tests.fakes.sheets.batch_update import BatchUpdateRequests
from tests.fakes.sheets.calls import (
    Call,
    Exchange,
    FakeRequest,
    Hook,
    _default_match,
    _Fault,
    _Principal,
)
from tests.fakes.sheets.common import (
    DEFAULT_FORMAT,
    DEFAULT_SCOPES,
    DRIVE_HOST,
    SCOPE_DRIVE,
    SCOPE_DRIVE_FILE,
    SCOPE_DRIVE_RO,
    SCOPE_SHEETS,
    SCOPE_SHEETS_RO,
    SERVED_HOSTS,
    SPREADSHEET_MIME,
    SPREADSHEET_THEME,
    TOKEN_HOST,
    TOKEN_URI,
    GoogleApiError,
    Json,
    NetworkBlockedError,
    _bad,
    _check_enum,
    _clone,
    _collector_paused,
    _Raw,
    quota_error,
)
from tests.fakes.sheets.drive import DriveApi
from tests.fakes.sheets.formulas import (
    settle,
    today_serial,
)
from tests.fakes.sheets.masks import (
    MaskTree,
    _select,
    _trim_grid,
    apply_field_mask,
    parse_field_mask,
)
from tests.fakes.sheets.model import (
    Cell,
    FakeSheet,
    FakeSpreadsheet,
    _grid,
    _resolve,
    _sheet_or_error,
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
# The fake service
# ---------------------------------------------------------------------------------------------


class FakeGoogle(BatchUpdateRequests, DriveApi):
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
                # A plain value is its own effective value: the same dict, never changed in
                # place (a write stores a new one), so a big log costs one dict a cell, not two.
                ev = uev
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
