"""The Drive v3 API: files, their appProperties, search and permissions."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.fakes.sheets.a1 import (
    quote_title,
)
from tests.fakes.sheets.calls import FakeRequest, _Principal
from tests.fakes.sheets.common import (
    APP_PROPERTIES_PER_APP,
    APP_PROPERTY_BYTES,
    SPREADSHEET_MIME,
    GoogleApiError,
    Json,
    _clone,
    _Raw,
)
from tests.fakes.sheets.masks import (
    apply_field_mask,
    parse_field_mask,
)
from tests.fakes.sheets.model import (
    FakeSpreadsheet,
)


class DriveApi:
    """Drive v3 `files` (create, get, update, copy, list with `q`, export) and permissions,
    a part of :class:`FakeGoogle` (which provides the state and the helpers declared below)."""

    spreadsheets: dict[str, FakeSpreadsheet]
    files: dict[str, dict[str, Json]]
    permissions: dict[str, list[dict[str, Json]]]
    app_properties: dict[str, dict[str, dict[str, str]]]
    _access: dict[str, dict[str, str]]

    if TYPE_CHECKING:

        def _new_id(self, length: int = 44) -> str: ...

        def _new_int_id(self) -> int: ...

        def _timestamp(self) -> str: ...

        def _check_access(
            self, principal: _Principal | None, spreadsheet_id: str, write: bool
        ) -> None: ...

        def _create_spreadsheet_model(
            self,
            sid: str,
            title: str,
            locale: str,
            time_zone: str,
            owner: str,
            tabs: list[dict[str, Json]] | None,
        ) -> FakeSpreadsheet: ...

        def values(
            self,
            spreadsheet_id: str,
            tab_or_range: str,
            *,
            value_render_option: str = "UNFORMATTED_VALUE",
            dates: bool = False,
        ) -> list[list[Any]]: ...

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
