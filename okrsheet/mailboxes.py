"""Where replies come from: one message (a file or standard input), a maildir, an IMAP folder.

Each source yields `Incoming` messages; once a message has been dealt with (recorded, found
to hold nothing new, or refused and reported) `done()` marks it seen, so the next poll of a
mailbox does not report it again. A message fed twice records nothing the second time anyway:
its check-ins' ids come from its Message-ID.

    okr checkin --from-mail reply.eml            (or - for standard input)
    okr checkin --from-maildir ~/Maildir         (new messages, and unseen ones in cur/)
    okr checkin --from-imap imaps://okr%40acme.com:PASSWORD@imap.acme.com/INBOX

IMAP goes through the standard library's imaplib: `imaps://` (TLS, port 993) or `imap://`
(STARTTLS when the server offers it, port 143; `?starttls=no` for a trusted local server). The
password comes from the URL or from $OKR_MAILBOX_PASSWORD, and is never shown.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import socket
import ssl
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from okrsheet.delivery.urls import mask
from okrsheet.errors import BackendError, UsageError

ENV_MAILBOX_PASSWORD = "OKR_MAILBOX_PASSWORD"
#: The most bytes read of one message (a reply is a few kilobytes; this is a runaway guard).
MAX_MESSAGE = 25 * 1024 * 1024


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Incoming:
    """One message to read: a name for reports (`reply.eml`, `new/1700.M1`, `INBOX#12`)."""

    name: str
    data: bytes
    done: Callable[[], None] = _nothing


def from_file(source: str, *, option: str = "--from-mail") -> Incoming:
    """One message from a file, or from standard input for `-`."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_MESSAGE + 1)
        name = "standard input"
    else:
        path = Path(source)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_MESSAGE + 1)
        except FileNotFoundError:
            raise UsageError(f"no file {source}", option=option) from None
        except IsADirectoryError:
            raise UsageError(
                f"{source} is a folder", option=option, hint="use --from-maildir for a maildir"
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror}", option=option) from None
        name = path.name
    if len(data) > MAX_MESSAGE:
        raise UsageError(f"{name} is over {MAX_MESSAGE // 2**20} MB: not a reply", option=option)
    if not data.strip():
        raise UsageError(f"{name} is empty: no message to read", option=option)
    return Incoming(name, data)


def _flags(name: str) -> str:
    return name.rsplit(":2,", 1)[1] if ":2," in name else ""


def from_maildir(folder: str, *, option: str = "--from-maildir") -> list[Incoming]:
    """The unseen messages of a maildir: everything in new/, and what in cur/ lacks the S
    (seen) flag, oldest first. `done()` moves a message to cur/ with the S flag."""
    root = Path(folder)
    if not (root / "new").is_dir() or not (root / "cur").is_dir():
        raise UsageError(
            f"{folder} is not a maildir (it needs new/ and cur/ folders)", option=option
        )
    found: list[tuple[float, str, Path]] = []
    for sub in ("new", "cur"):
        for path in (root / sub).iterdir():
            if path.name.startswith(".") or not path.is_file():
                continue
            if sub == "cur" and "S" in _flags(path.name):
                continue
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime, f"{sub}/{path.name}", path))
    incoming = []
    for _, name, path in sorted(found):
        try:
            data = path.read_bytes()[: MAX_MESSAGE + 1]
        except OSError:
            continue  # taken by another reader meanwhile
        incoming.append(Incoming(name, data, _seen_in_maildir(root, path)))
    return incoming


def _seen_in_maildir(root: Path, path: Path) -> Callable[[], None]:
    def done() -> None:
        base = path.name.split(":2,", 1)[0]
        flags = "".join(sorted(set(_flags(path.name)) | {"S"}))
        with contextlib.suppress(OSError):
            os.replace(path, root / "cur" / f"{base}:2,{flags}")

    return done


@dataclass(frozen=True)
class ImapUrl:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str
    starttls: str

    def describe(self) -> str:
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(url: str, *, option: str = "--from-imap") -> ImapUrl:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"not a valid mailbox URL: {mask(url)} ({exc})", option=option) from None
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imaps") or not parts.hostname:
        raise UsageError(
            f"not a mailbox URL: {mask(url)}",
            option=option,
            hint="write it as imaps://USER:PASSWORD@HOST/FOLDER (or imap://...)",
        )
    if not parts.username:
        raise UsageError(f"{mask(url)} names no user (imaps://USER@HOST)", option=option)
    query = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise UsageError(f"unknown mailbox URL option {unknown[0]!r}", option=option)
    starttls = query.get("starttls", "auto").lower()
    starttls = {"1": "yes", "true": "yes", "0": "no", "false": "no"}.get(starttls, starttls)
    if starttls not in ("auto", "yes", "no"):
        raise UsageError(f"starttls={starttls!r} is not auto, yes or no", option=option)
    password = unquote(parts.password) if parts.password is not None else None
    if password is None:
        password = os.environ.get(ENV_MAILBOX_PASSWORD)
    if not password:
        raise UsageError(
            f"{mask(url)} has no password",
            option=option,
            hint=f"put it in the URL (percent-encoded) or in ${ENV_MAILBOX_PASSWORD}",
        )
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapUrl(
        scheme=scheme,
        host=parts.hostname,
        port=port or (993 if scheme == "imaps" else 143),
        user=unquote(parts.username),
        password=password,
        folder=folder,
        starttls=starttls,
    )


@contextlib.contextmanager
def from_imap(url: str, *, option: str = "--from-imap") -> Iterator[list[Incoming]]:
    """The unseen messages of an IMAP folder (read without marking them); `done()` marks
    one seen. The connection stays open while the caller works through them."""
    where = parse_imap_url(url, option=option)
    context = ssl.create_default_context()
    client: imaplib.IMAP4 | None = None
    try:
        if where.scheme == "imaps":
            client = imaplib.IMAP4_SSL(where.host, where.port, ssl_context=context, timeout=30)
            tls = True
        else:
            client = imaplib.IMAP4(where.host, where.port, timeout=30)
            tls = False
            if where.starttls != "no" and "STARTTLS" in client.capabilities:
                client.starttls(ssl_context=context)
                tls = True
            elif where.starttls == "yes":
                raise BackendError(f"{where.describe()} does not offer STARTTLS (starttls=yes)")
        if not tls and where.starttls != "no":
            raise BackendError(
                f"{where.describe()} offers no TLS: the password would go in clear",
                hint="use imaps://, or add ?starttls=no only for a server on a trusted network",
            )
        client.login(where.user, where.password)
        status, _ = client.select(_quoted(where.folder))
        if status != "OK":
            raise BackendError(f"no folder {where.folder!r} in {where.describe()}")
        status, found = client.uid("SEARCH", "UNSEEN")
        uids = found[0].split() if status == "OK" and found and found[0] else []
        incoming = []
        for uid in uids:
            status, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            data = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
            if status == "OK" and isinstance(data, bytes):
                incoming.append(
                    Incoming(f"{where.folder}#{uid.decode()}", data, _seen_on_imap(client, uid))
                )
    except BaseException as exc:
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()
        if not isinstance(exc, imaplib.IMAP4.error | OSError | ssl.SSLError | socket.timeout):
            raise
        reason = str(exc).replace(where.password, "***") if where.password else str(exc)
        raise BackendError(
            f"could not read the mailbox {where.describe()}: {reason or type(exc).__name__}",
            hint="check the mailbox URL's host, port, user, password and folder",
        ) from None
    try:
        yield incoming
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _seen_on_imap(client: imaplib.IMAP4, uid: bytes) -> Callable[[], None]:
    def done() -> None:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")

    return done
