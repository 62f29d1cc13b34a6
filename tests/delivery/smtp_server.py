"""A real SMTP server for tests (aiosmtpd), started on 127.0.0.1 with a free port.

Tests read what arrived (`server.received`), never what okr meant to send."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Arrived:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Inbox:
    received: list[Arrived] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        self.received.append(
            Arrived(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], bytes(data))
        )
        return "250 OK"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox

    @property
    def received(self) -> list[Arrived]:
        return self.inbox.received


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now (aiosmtpd needs the number up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticator(user: str, password: str) -> Any:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(
    *,
    user: str | None = None,
    password: str | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1; with `user`, it requires a sign-in (allowed over plain text
    so a test can see okr refuse that); with `starttls` it offers STARTTLS; with
    `implicit_tls` it speaks TLS from the start (smtps)."""
    inbox = Inbox()
    kwargs: dict[str, Any] = {}
    if user is not None:
        kwargs["authenticator"] = _authenticator(user, password or "")
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = False
    if starttls is not None:
        kwargs["tls_context"] = starttls
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=implicit_tls,
        server_hostname="localhost",
        **kwargs,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


def self_signed(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for `localhost` and the certificate file a client trusts."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = folder / "cert.pem"
    key_file = folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
