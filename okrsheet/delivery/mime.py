"""A `Message` as an RFC 5322 e-mail: what the SMTP and directory channels both send.

Plain text first and HTML as its alternative (`multipart/alternative`), attachments around them
(`multipart/mixed`), every header the message names (Message-ID, X-Okr-Token...) kept as given.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from okrsheet.delivery import Message

#: Headers the builder sets itself; a message's own value for them wins.
_OWN = ("From", "To", "Subject", "Date", "Message-ID")


def message_domain(sender: str) -> str:
    """The domain for generated Message-IDs: the sender's, else this machine's name."""
    domain = sender.rpartition("@")[2].strip(" >")
    return domain or socket.getfqdn() or "localhost"


def new_message_id(sender: str) -> str:
    """A fresh, globally unique Message-ID (`<...@domain>`) for mail from `sender`."""
    return make_msgid(domain=message_domain(sender))


def to_email(message: Message, *, sender: str, now: datetime | None = None) -> EmailMessage:
    """The message as an e-mail from `sender` (an address or `Name <address>`)."""
    mail = EmailMessage(policy=SMTP)
    headers = {k.lower(): (k, v) for k, v in message.headers.items()}
    mail["From"] = headers.get("from", ("From", sender))[1]
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = headers.get("date", ("Date", format_datetime(now or datetime.now(UTC))))[1]
    mail["Message-ID"] = headers.get("message-id", ("Message-ID", new_message_id(sender)))[1]
    for key, (name, value) in headers.items():
        if name.title() in _OWN or key in {k.lower() for k in _OWN}:
            continue
        mail[name] = value
    mail.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html", charset="utf-8")
    for filename, mime_type, data in message.attachments:
        maintype, _, subtype = mime_type.partition("/")
        mail.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename
        )
    return mail


def bare_address(address: str) -> str:
    """The bare address of `Name <address>` or `address` (for the SMTP envelope)."""
    return parseaddr(address)[1] or address.strip()
