"""Requests as tests see them: calls made, requests answered, faults and hooks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

import requests

from tests.fakes.sheets.common import (
    DRIVE_HOST,
    SHEETS_HOST,
    TOKEN_HOST,
    Json,
)

if TYPE_CHECKING:
    from tests.fakes.sheets.service import FakeGoogle

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
