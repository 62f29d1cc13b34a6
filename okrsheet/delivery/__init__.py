"""Delivery channels: where reminders and digests go, chosen by a URL (`BACKENDS`-style table).

A channel is one module in this package with one class registered in `CHANNELS` under its URL
scheme(s): `smtp://`/`smtps://` mail, `slack://`/`teams://`/`https://` webhooks, `dir:PATH` for one
`.eml` file per message. The URL comes from the machine's own configuration (an environment
variable or a local config file), never from the workbook, so no secret is kept in a sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from okrsheet.errors import UsageError


@dataclass(frozen=True)
class Message:
    """One message to one recipient (a person's address, or a channel for webhooks).

    `text` is the plain-text body (72-80 columns), `html` an optional HTML alternative (no
    scripts, no external images); `headers` extra mail headers (Message-ID, X-Okr-Token...).
    """

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: (file name, MIME type, bytes) attachments, e.g. the HTML report.
    attachments: Sequence[tuple[str, str, bytes]] = ()
    #: Ready bodies for webhook services, by service (`slack`, `teams`, `json`): a webhook
    #: channel posts the one for its service, or else makes one from `subject` and `text`.
    payloads: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivered:
    """What a channel did with one message: its id there (the Message-ID for mail)."""

    message: Message
    channel_id: str


class Channel(Protocol):
    """Sends messages; raises `okrsheet.errors.BackendError` (exit 5) on a delivery failure,
    `UsageError` on a malformed URL. Never prints or logs the URL's password or token."""

    def send(self, messages: Sequence[Message]) -> list[Delivered]: ...

    def describe(self) -> str:
        """The channel for messages, without credentials (`smtp://mail.acme.com:587`)."""
        ...


#: URL scheme -> factory taking the URL. Each channel module adds itself here when imported;
#: `channel_for` imports the module named in `_MODULES` on first use.
CHANNELS: dict[str, Callable[[str], Channel]] = {}
_MODULES: dict[str, str] = {}


def register(schemes: Sequence[str], module: str) -> None:
    """Say which module serves which URL schemes (imported only when one is used)."""
    for scheme in schemes:
        _MODULES[scheme] = module


def channel_for(url: str, *, option: str = "--to") -> Channel:
    """The channel a URL names, or a one-line UsageError naming the option."""
    import importlib

    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in _MODULES:
        known = ", ".join(sorted(_MODULES))
        raise UsageError(f"unknown delivery URL scheme {scheme!r}; known: {known}", option=option)
    if scheme not in CHANNELS:
        importlib.import_module(_MODULES[scheme])
    return CHANNELS[scheme](url)


register(("smtp", "smtps"), "okrsheet.delivery.smtp")
register(("dir",), "okrsheet.delivery.directory")
register(
    ("slack", "slack+https", "slack+http", "teams", "teams+https", "teams+http", "https", "http"),
    "okrsheet.delivery.webhook",
)
