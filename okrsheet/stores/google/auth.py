"""Finding the Google identity okrsheet acts as, and signing a person in.

Credentials are looked for in a fixed order (see `find_credentials`); the first place that has a
file wins. Only the scopes a command needs are asked for: Sheets for everything, Drive only to
create and share spreadsheets. Nothing here ever prints or returns a token: an `Identity` says who
and from where, for messages.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from okrsheet.errors import AuthError, UsageError

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
# drive.file: only files this app created or was given; enough to create and share them.
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive.file"
READ_SCOPES = (SHEETS_SCOPE,)
CREATE_SCOPES = (SHEETS_SCOPE, DRIVE_SCOPE)
# Asked only at `okr auth login`, so `okr auth status` can name the person signed in.
IDENTITY_SCOPES = ("openid", "https://www.googleapis.com/auth/userinfo.email")

#: Where `--credentials` leaves its file for the stores (an option of the root command).
CREDENTIALS_ENV = "OKR_CREDENTIALS"


def gspread_dir() -> Path:
    """gspread's configuration folder (~/.config/gspread, %APPDATA%\\gspread on Windows)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"], "gspread")
    return Path.home() / ".config" / "gspread"


def service_account_file() -> Path:
    return gspread_dir() / "service_account.json"


def authorized_user_file() -> Path:
    return gspread_dir() / "authorized_user.json"


def client_secrets_file() -> Path:
    return gspread_dir() / "credentials.json"


#: The fields each kind of credentials file must have, to name the one that is missing.
_REQUIRED = {
    "service_account": ("client_email", "private_key", "token_uri"),
    "authorized_user": ("client_id", "client_secret", "refresh_token"),
}


@dataclass(frozen=True)
class Identity:
    """Who okrsheet acts as: never a token, only what is safe to print."""

    kind: str  # "service account", "user" or "application default"
    email: str | None
    source: str  # where the credentials came from

    def describe(self) -> str:
        if not self.email:  # a sign-in that does not say whose it is
            return f"the {self.kind} signed in through {self.source}"
        return f"{self.kind} {self.email} (from {self.source})"


@dataclass
class Found:
    identity: Identity
    credentials: Credentials


def _candidates() -> list[tuple[str, Path]]:
    places: list[tuple[str, Path]] = []
    explicit = os.environ.get(CREDENTIALS_ENV, "").strip()
    if explicit:
        places.append(("--credentials", Path(explicit).expanduser()))
    adc_file = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "").strip()
    if adc_file:
        places.append(("GOOGLE_APPLICATION_CREDENTIALS", Path(adc_file).expanduser()))
    places.append(("gspread's service_account.json", service_account_file()))
    places.append(("gspread's authorized_user.json", authorized_user_file()))
    return places


def find_credentials(scopes: Sequence[str] = READ_SCOPES) -> Found:
    """The first credentials found, in this order: `--credentials FILE`,
    `GOOGLE_APPLICATION_CREDENTIALS`, gspread's service_account.json, gspread's
    authorized_user.json (written by `okr auth login`), then Application Default Credentials."""
    for label, path in _candidates():
        required = label in ("--credentials", "GOOGLE_APPLICATION_CREDENTIALS")
        if not path.is_file():
            if required:
                raise UsageError(
                    f"no credentials file at {path}", option=label if label[0] == "-" else None
                )
            continue
        stat = path.stat()
        key = (label, str(path), stat.st_mtime_ns, stat.st_size, tuple(scopes))
        if key not in _LOADED:
            _LOADED[key] = _from_file(path, label, scopes)
        return _LOADED[key]
    return _application_default(scopes)


#: Credentials already loaded in this process, by file (and its change time) and scopes: a
#: command that reads twice (the guided check-in) asks Google for a token once.
_LOADED: dict[tuple[str, str, int, int, tuple[str, ...]], Found] = {}


def _from_file(path: Path, label: str, scopes: Sequence[str]) -> Found:
    try:
        info: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuthError(f"the credentials file {path} ({label}) is not readable JSON") from exc
    kind = info.get("type") if isinstance(info, dict) else None
    if kind is None and isinstance(info, dict) and "refresh_token" in info:
        kind = "authorized_user"  # google-auth's to_json (and so gspread's file) omits the type
    missing = [f for f in _REQUIRED.get(str(kind), ()) if not info.get(f)]
    if missing:
        raise AuthError(
            f"the credentials file {path} ({label}) is incomplete: no "
            + ", ".join(repr(f) for f in missing),
            hint="download the key again (a service account key is a JSON file from the Google "
            "Cloud console) or run `okr auth login`",
        )
    try:
        if kind == "service_account":
            from google.oauth2 import service_account

            sa = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=list(scopes)
            )
            identity = Identity("service account", sa.service_account_email, f"{label}: {path}")
            return Found(identity, sa)
        if kind == "authorized_user":
            from google.oauth2.credentials import Credentials as UserCredentials

            user = UserCredentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
                info, scopes=list(scopes)
            )
            email = info.get("account") or info.get("email") or None
            return Found(Identity("user", email, f"{label}: {path}"), user)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        # Every field is there, so a value is unreadable: for a key file, the private key.
        field = "private_key" if kind == "service_account" else "refresh_token"
        raise AuthError(
            f"the credentials file {path} ({label}) has a field okr cannot read "
            f"(most likely {field!r}: {exc.__class__.__name__})",
            hint="download the key again, or run `okr auth login`; the file must not be edited",
        ) from exc
    raise AuthError(
        f"the credentials file {path} ({label}) is neither a service account key nor an "
        "authorized-user file",
        hint="download a service account key (JSON) or run `okr auth login`",
    )


def _application_default(scopes: Sequence[str]) -> Found:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _project = google.auth.default(scopes=list(scopes))
    except DefaultCredentialsError as exc:
        raise AuthError(
            "no Google credentials found",
            hint="pass --credentials FILE (a service account key), set "
            "GOOGLE_APPLICATION_CREDENTIALS, or run `okr auth login`",
        ) from exc
    email = getattr(credentials, "service_account_email", None)
    return Found(
        Identity("application default", email, "Application Default Credentials"), credentials
    )


def login(client_secrets: Path, *, port: int = 0, open_browser: bool = True) -> Identity:
    """Run Google's installed-app OAuth flow and save the person's token where gspread (and
    okrsheet) look for it, readable by its owner only."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not client_secrets.is_file():
        raise UsageError(
            f"no OAuth client file at {client_secrets}",
            option="--client-secrets",
            hint="create an OAuth client ID of type 'Desktop app' in the Google Cloud console "
            "and download its JSON",
        )
    flow = InstalledAppFlow.from_client_secrets_file(
        str(client_secrets), scopes=[*CREATE_SCOPES, *IDENTITY_SCOPES]
    )
    credentials = flow.run_local_server(port=port, open_browser=open_browser)
    info = json.loads(credentials.to_json())
    email = email_from_id_token(getattr(credentials, "id_token", None))
    if email:
        info["account"] = email  # kept so `okr auth status` can say who, without a call
    target = authorized_user_file()
    save_private(target, json.dumps(info))
    return Identity("user", email, str(target))


def email_from_id_token(id_token: object) -> str | None:
    """The email claim of an OpenID token Google just issued to us (read, not verified: it is
    only shown to the person, never trusted for access)."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    email = claims.get("email") if isinstance(claims, dict) else None
    return str(email) if email else None


def save_private(path: Path, text: str) -> None:
    """Write a file holding a secret: a new file, owner-only (0600) before any byte lands, in a
    folder only its owner may enter (0700, fixed if it was more open), flushed to disk and then
    renamed over the old one. Whoever held the old file open keeps reading the old bytes:
    nothing new is ever written into a file someone else may already have opened."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _make_private_folder(folder)
    tmp = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if hasattr(os, "fchmod"):  # the umask may have taken bits away, never added any
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    os.chmod(path, 0o600)  # where there is no fchmod (Windows)
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _make_private_folder(folder: Path) -> None:
    """Close a token folder to others (gspread's own flow leaves it 0755): a folder of ours
    becomes 0700. One we do not own is left as it is."""
    info = folder.stat()
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return
    if info.st_mode & 0o077:
        os.chmod(folder, 0o700)
