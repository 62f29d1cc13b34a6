"""Talking to the Google APIs: timeouts, bounded retries, and errors a person can act on.

gspread's `HTTPClient` does the HTTP (over google-auth's `AuthorizedSession`); this module decides
what may be sent again. Reads and idempotent writes are retried on 429, 5xx, timeouts and dropped
connections, about six times with exponential backoff, full jitter and `Retry-After`. A write that
is not idempotent is retried only when Google said 429 (the request was refused, nothing ran);
any other failure of such a write is reported as `AmbiguousWrite`, and the store re-reads and
re-plans instead of sending it blindly again. (gspread's own BackOffHTTPClient is not used: it
retries a permanent 429 for minutes and re-sends appends.)

A 429 means a per-minute quota is used up (Sheets allows 60 reads and 60 writes a minute per
user by default). Such a call waits for the quota to refill: as long as `Retry-After` says, or
until the next minute starts, and again, but never more than `QUOTA_WAIT` seconds in all for
one call; on a terminal a one-line notice says so. Past that bound the error quotes the quota
Google named.
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from okrsheet.errors import AuthError, BackendError, WorkbookUnavailable

if TYPE_CHECKING:
    import requests

    from okrsheet.stores.google.auth import Identity

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_API = "https://www.googleapis.com/drive/v3/files"
# (connect, read) seconds: a slow answer fails in bounded time instead of hanging cron.
TIMEOUT = (10.0, 60.0)
MAX_ATTEMPTS = 6
BASE_DELAY = 0.5
MAX_DELAY = 20.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Drive's reasons for a 403 that is really a rate limit (wait, as for a 429).
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
#: Drive's reasons for refusing to share a file (a domain policy, an address it rejects).
_SHARING_REFUSED = frozenset(
    {
        "invalidSharingRequest",
        "cannotShareTeamDriveWithNonGoogleAccounts",
        "teamDriveDomainUsersOnlyRestriction",
        "shareOutNotPermitted",
        "shareInNotPermitted",
        "publishOutNotPermitted",
        "domainPolicy",
        "sharingRateLimitExceeded",
    }
)
#: At most this many seconds are spent waiting for Google's quota to refill, per call.
QUOTA_WAIT = 150.0


class AmbiguousWrite(Exception):
    """A non-idempotent write failed in a way that leaves unknown whether it landed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Retry:
    """The retry policy, with the clock and dice injectable for tests."""

    attempts: int = MAX_ATTEMPTS
    base: float = BASE_DELAY
    cap: float = MAX_DELAY
    sleep: Callable[[float], None] | None = None  # None: `pause`, looked up when called
    rng: random.Random = field(default_factory=random.Random)

    def wait(self, seconds: float) -> None:
        (self.sleep or pause)(seconds)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = self.rng.uniform(0, min(self.cap, self.base * 2**attempt))
        if retry_after is not None:
            return min(max(retry_after, backoff), self.cap * 3)
        return backoff

    def quota_delay(self, retry_after: float | None) -> float:
        """How long to wait for a per-minute quota: `Retry-After`, else until the next minute
        starts (plus a second or two, so that many clients do not all come back at once)."""
        if retry_after is not None:
            return max(retry_after, 1.0)
        into_minute = clock() % 60.0
        return max(60.0 - into_minute, 1.0) + self.rng.uniform(0.5, 2.0)


def compact(value: Any) -> bytes:
    """A request body as compact JSON, as it is sent."""
    import json

    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def pause(seconds: float) -> None:
    time.sleep(seconds)


def clock() -> float:
    """Wall-clock seconds (a seam: tests run the quota waits on a clock of their own)."""
    return time.time()


def say(text: str, *, terminal_only: bool = False) -> None:
    """One line on stderr for a person: what is happening during a long call.

    `terminal_only` lines (a wait) are skipped off a terminal, where a cron log has no use
    for them."""
    stream = sys.stderr
    if terminal_only and not (hasattr(stream, "isatty") and stream.isatty()):
        return
    print(text, file=stream, flush=True)


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Http:
    """One authorised connection to Google for one command run."""

    def __init__(
        self, session: requests.Session, identity: Identity, retry: Retry | None = None
    ) -> None:
        from gspread.http_client import HTTPClient

        self.identity = identity
        self.retry = retry or Retry()
        self.client = HTTPClient(auth=None, session=session)  # type: ignore[arg-type]
        self.client.set_timeout(TIMEOUT)
        self.calls = 0

    def call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        idempotent: bool,
        what: str,
    ) -> Any:
        """Send one request; return its JSON. `what` names the spreadsheet for messages."""
        import requests
        from google.auth.exceptions import RefreshError, TransportError
        from gspread.exceptions import APIError

        # Compact JSON (requests would put a space after every `,` and `:`): 10-15 % less.
        body = compact(json) if json is not None else None
        last: str = ""
        attempt = 0
        waited = 0.0  # for the quota
        while True:
            response = None
            try:
                self.calls += 1
                answer = self.client.request(
                    method,
                    url,
                    params=params,  # type: ignore[arg-type]
                    data=body,
                    headers={"Content-Type": "application/json"} if body is not None else None,
                )
                return answer.json() if answer.content else {}
            except APIError as exc:
                response = exc.response
                status = exc.code
                error = getattr(exc, "error", {}) or {}
                if status == 403 and _reasons(error) & _RATE_REASONS:
                    status = 429  # Drive says "rate limit" with a 403
                if status == 429:
                    # Refused, so nothing ran: wait for the quota, a write included.
                    delay = self.retry.quota_delay(_retry_after(response))
                    if waited + delay > QUOTA_WAIT:
                        raise _quota_exceeded(exc, what, waited) from None
                    if not waited:
                        say(
                            f"waiting for Google's quota ({_quota_name(exc)}), "
                            f"up to {QUOTA_WAIT:.0f} s ...",
                            terminal_only=True,
                        )
                    waited += delay
                    self.retry.wait(delay)
                    continue
                if status not in RETRY_STATUSES:
                    raise explain(exc, self.identity, what, method=method, url=url) from None
                if not idempotent:
                    raise AmbiguousWrite(f"Google answered HTTP {status}") from None
                last = f"HTTP {status} ({_status_text(exc)})"
            except RefreshError as exc:
                if not getattr(exc, "retryable", False):
                    raise _refresh_failed(exc, self.identity) from None
                # Google's sign-in service is down, not the key: the request was never sent,
                # so trying again is safe for a write too.
                last = "Google's sign-in service did not answer"
            except (requests.Timeout, requests.ConnectionError, TransportError) as exc:
                if not idempotent:
                    raise AmbiguousWrite(_network_reason(exc)) from None
                last = _network_reason(exc)
            attempt += 1
            if attempt >= self.retry.attempts:
                break
            self.retry.wait(self.retry.delay(attempt - 1, _retry_after(response)))
        raise BackendError(
            f"Google Sheets did not answer for {what} after {self.retry.attempts} attempts "
            f"({last})",
            hint="nothing was written; run the command again later",
        )


def _quota_name(exc: Any) -> str:
    """The quota Google named in a 429: "'Read requests per minute per user': 60"."""
    error: Mapping[str, Any] = getattr(exc, "error", {}) or {}
    message = str(error.get("message") or "")
    found = re.search(r"limit '([^']+)'", message)
    name = f"'{found.group(1)}'" if found else "requests per minute"
    for detail in error.get("details") or []:
        metadata = detail.get("metadata") if isinstance(detail, dict) else None
        if isinstance(metadata, dict) and metadata.get("quota_limit_value"):
            return f"{name}: {metadata['quota_limit_value']}"
    return name


def _quota_exceeded(exc: Any, what: str, waited: float) -> BackendError:
    name = _quota_name(exc)
    return BackendError(
        f"Google Sheets kept refusing requests for {what}: quota exceeded ({name}), "
        f"still after waiting {waited:.0f} s",
        hint=f"Google's quota {name} is used up, by okr or other programs using the same "
        "account; run the command again in a few minutes, or ask for a higher quota in the "
        "Google Cloud console (APIs & Services > Google Sheets API > Quotas)",
    )


def _status_text(exc: Any) -> str:
    error = getattr(exc, "error", {}) or {}
    return str(error.get("status") or error.get("message") or "error")[:80]


def _network_reason(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.Timeout):
        return "the request timed out"
    return "the connection failed"


def _refresh_failed(exc: BaseException, identity: Identity) -> AuthError:
    # RefreshError's text is Google's (e.g. "invalid_grant: Token has been expired or revoked.");
    # it names the problem, never the token.
    reason = str(exc.args[0]) if exc.args else "the token could not be refreshed"
    if identity.kind == "user":
        hint = "sign in again with `okr auth login`"
    else:
        hint = "check that the service account key is still valid (keys can be deleted)"
    return AuthError(
        f"Google refused the credentials of {identity.describe()}: {reason}", hint=hint
    )


def _reasons(error: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            found.add(str(detail["reason"]))
    for item in error.get("errors") or []:
        if isinstance(item, dict) and item.get("reason"):
            found.add(str(item["reason"]))
    return found


def explain(
    exc: Any, identity: Identity, what: str, *, method: str = "get", url: str = ""
) -> Exception:
    """Turn a Google error into one that says what to do (`method` and `url`: the request
    refused, which tells a refused write or share from a spreadsheet that cannot be opened)."""
    error: Mapping[str, Any] = getattr(exc, "error", {}) or {}
    code = int(getattr(exc, "code", 0) or 0)
    message = str(error.get("message") or "")
    reasons = _reasons(error)
    lowered = message.casefold()
    if code == 404:
        return WorkbookUnavailable(
            f"no spreadsheet found for {what}",
            hint=f"check the id or URL; if it is right, share the spreadsheet with "
            f"{identity.email or 'the account okr uses'}",
        )
    if code == 401:
        return AuthError(
            f"Google did not accept the sign-in of {identity.describe()} ({message[:120]})",
            hint="sign in again with `okr auth login`"
            if identity.kind == "user"
            else "check the credentials file",
        )
    if code == 403 and "storageQuotaExceeded" in reasons:
        return BackendError(
            f"the Google Drive of {identity.describe()} is full, so Google refused to create "
            "the spreadsheet",
            hint="free space in that Drive (or its owner's), or create the workbook with "
            "another account; a service account has little or no Drive storage of its own: "
            "share an empty spreadsheet with it and pass its URL instead of gsheet:new",
        )
    if code in (400, 403) and reasons & _SHARING_REFUSED:
        return AuthError(
            f"Google refused to share {what}: {message[:200]}",
            hint="the organisation's sharing policy may forbid sharing outside its domain, or "
            "the address has no Google account; ask its admin, or share by hand from the "
            "Share button",
        )
    if code == 403:
        if (
            "SERVICE_DISABLED" in reasons
            or "accessNotConfigured" in reasons
            or ("has not been used" in lowered or "is disabled" in lowered)
        ):
            return BackendError(
                f"the Google Sheets or Drive API is not enabled for the Google Cloud project of "
                f"{identity.describe()}",
                hint="enable the Google Sheets API (and the Google Drive API to create or share) "
                "in the Google Cloud console for that project, then run the command again",
            )
        if (
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT" in reasons
            or "insufficient" in lowered
            and ("scope" in lowered)
        ):
            return AuthError(
                f"the sign-in of {identity.describe()} lacks the permission (scope) this "
                "command needs",
                hint="run `okr auth login` again to grant Sheets (and Drive, to create and share) "
                "access",
            )
        email = identity.email or "the account okr uses"
        if "/permissions" in url:
            # okr shares only what it just made, so the account owns it: the sharing itself
            # was refused (a policy, a disabled sharing), not the spreadsheet.
            return AuthError(
                f"Google refused to share {what} ({message[:200] or 'HTTP 403'})",
                hint=f"{email} owns it but may not share it: the organisation's policy may "
                "forbid sharing (or sharing outside its domain); ask its admin, or share it by "
                "hand from the Share button",
            )
        if method.lower() != "get" and ":batchUpdate" in url:
            return AuthError(
                f"{identity.describe()} may read {what} but not change it (shared as Viewer "
                "or Commenter); nothing was written",
                hint=f"share the spreadsheet with {email} as Editor (Share button in Google "
                "Sheets), then run the command again",
            )
        return AuthError(
            f"{identity.describe()} may not open {what}",
            hint=f"share the spreadsheet with {email} as Editor (Share button in Google Sheets)",
        )
    if code == 400:
        return BackendError(f"Google Sheets refused the request for {what}: {message[:300]}")
    return BackendError(f"Google Sheets failed for {what}: HTTP {code} {message[:200]}")
