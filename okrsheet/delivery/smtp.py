"""Mail through an SMTP server: `smtp://` (plain, STARTTLS when offered) and `smtps://` (TLS).

    smtp://okr%40acme.com:PASSWORD@mail.acme.com:587?from=okr@acme.com
    smtps://okr@acme.com:PASSWORD@mail.acme.com          (port 465)
    smtp://localhost:25?starttls=no                      (a local relay, no sign-in)

Query options: `from` (the sender; else the user name when it is an address, else
`okr@HOST`), `starttls` (`auto`, the default: use it when the server offers it; `yes`: refuse a
server that does not; `no`: never), `timeout` (seconds, default 30). A user name or password
with `@`, `:` or `/` is percent-encoded (`%40`, `%3A`, `%2F`). A password is never sent in
clear: without TLS, signing in is refused unless `starttls=no` says the link is trusted.

The standard library's smtplib rather than a notification library: a reminder must go out with
its own Message-ID and `X-Okr-Token` header, as the exact MIME message okr built, which a
generic notifier does not promise; smtplib does, with no dependency.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from okrsheet.delivery import CHANNELS, Delivered, Message
from okrsheet.delivery.mime import bare_address, to_email
from okrsheet.delivery.urls import mask
from okrsheet.errors import BackendError, UsageError

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_STARTTLS = {"auto", "yes", "no"}


@dataclass(frozen=True)
class SmtpChannel:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: str
    timeout: float

    @classmethod
    def from_url(cls, url: str, *, option: str = "--to") -> SmtpChannel:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise UsageError(f"not a valid mail URL: {mask(url)} ({exc})", option=option) from None
        scheme = parts.scheme.lower()
        host = parts.hostname
        if scheme not in DEFAULT_PORTS or not host:
            raise UsageError(
                f"not a mail URL: {mask(url)}",
                option=option,
                hint="write it as smtp://USER:PASSWORD@HOST:PORT or smtps://...",
            )
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = sorted(set(query) - {"from", "starttls", "timeout"})
        if unknown:
            raise UsageError(
                f"unknown mail URL option {unknown[0]!r} in {mask(url)}",
                option=option,
                hint="known: from, starttls, timeout",
            )
        starttls = query.get("starttls", "auto").lower()
        starttls = {"1": "yes", "true": "yes", "0": "no", "false": "no"}.get(starttls, starttls)
        if starttls not in _STARTTLS:
            raise UsageError(
                f"starttls={query['starttls']!r} in {mask(url)} is not auto, yes or no",
                option=option,
            )
        try:
            timeout = float(query.get("timeout", "30"))
        except ValueError:
            raise UsageError(f"timeout in {mask(url)} is not a number", option=option) from None
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        sender = query.get("from") or (user if user and "@" in user else f"okr@{host}")
        return cls(
            scheme=scheme,
            host=host,
            port=port or DEFAULT_PORTS[scheme],
            user=user,
            password=password,
            sender=sender,
            starttls=starttls,
            timeout=timeout,
        )

    def describe(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"

    def send(self, messages: Sequence[Message]) -> list[Delivered]:
        if not messages:
            return []
        delivered: list[Delivered] = []
        try:
            with self._connect() as server:
                for message in messages:
                    mail = to_email(message, sender=self.sender)
                    server.send_message(
                        mail,
                        from_addr=bare_address(str(mail["From"])),
                        to_addrs=[bare_address(message.to)],
                    )
                    delivered.append(Delivered(message, str(mail["Message-ID"])))
        except BackendError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            sent = f" after {len(delivered)} of {len(messages)} message(s)" if delivered else ""
            raise BackendError(
                f"could not send mail through {self.describe()}{sent}: {_reason(exc)}",
                hint="check the mail URL's host, port, user and password, and that the server "
                "accepts mail from this machine",
            ) from None
        return delivered

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if self.scheme == "smtps":
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            tls = True
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            tls = False
        try:
            server.ehlo()
            if self.scheme == "smtp" and self.starttls != "no":
                if server.has_extn("starttls"):
                    server.starttls(context=context)
                    server.ehlo()
                    tls = True
                elif self.starttls == "yes":
                    raise BackendError(
                        f"{self.describe()} does not offer STARTTLS (starttls=yes)",
                        hint="use smtps://, or starttls=auto on a trusted local relay",
                    )
            if self.user is not None:
                if not tls and self.starttls != "no":
                    raise BackendError(
                        f"{self.describe()} offers no TLS: the password would go in clear",
                        hint="use smtps:// or a server with STARTTLS; add ?starttls=no only "
                        "for a relay on a trusted network",
                    )
                server.login(self.user, self.password or "")
        except BaseException:
            server.close()
            raise
        return server


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"the server answered {exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused the recipient " + ", ".join(exc.recipients)
    return str(exc) or type(exc).__name__


def _factory(url: str) -> SmtpChannel:
    return SmtpChannel.from_url(url)


CHANNELS["smtp"] = _factory
CHANNELS["smtps"] = _factory
