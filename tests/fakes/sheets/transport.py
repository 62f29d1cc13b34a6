"""The HTTP transport: a requests adapter that answers from the fake, and client helpers."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tests.fakes.sheets.common import DEFAULT_SCOPES, TOKEN_URI, NetworkBlockedError
from tests.fakes.sheets.service import FakeGoogle

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
