"""Slack and Microsoft Teams incoming webhooks, and plain JSON webhooks, chosen by URL.

    slack://hooks.slack.com/services/T000/B000/XXXX   Slack (sent over HTTPS)
    slack://T000/B000/XXXX                            the same, as Apprise writes it
    teams://prod-00.westus.logic.azure.com/workflows/...   Teams (HTTPS)
    https://example.com/hooks/okr                     any service taking a JSON POST

`slack+https://` and `teams+https://` name the transport in full; `slack+http://`,
`teams+http://` and `http://` are accepted only for this machine (127.0.0.1, ::1, localhost),
for a local relay or a test. A webhook's URL is its password: no message, error or log line
shows more than its scheme and host.

Each message is one POST of the body its `payloads` carry for the service (`slack`, `teams`,
`json`), or one made from its subject and text. A 429 or 5xx answer is tried again at most
RETRIES times, after the Retry-After the service asks for (at most MAX_WAIT seconds) or a short
backoff, and so is a connection that could not be made; an answer that never came is not (the
message may have arrived, and a chat has no way to drop a repeat); any other failure is a
BackendError (exit 5) naming the service's answer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from okrsheet.delivery import CHANNELS, Delivered, Message
from okrsheet.errors import BackendError, UsageError

#: Scheme -> (service, transport).
SCHEMES: dict[str, tuple[str, str]] = {
    "slack": ("slack", "https"),
    "slack+https": ("slack", "https"),
    "slack+http": ("slack", "http"),
    "teams": ("teams", "https"),
    "teams+https": ("teams", "https"),
    "teams+http": ("teams", "http"),
    "https": ("json", "https"),
    "http": ("json", "http"),
}
#: The content type of an Adaptive Card in a Teams message.
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
#: Services' display names, for messages.
NAMES = {"slack": "Slack", "teams": "Teams", "json": "JSON"}
#: Where Slack's webhooks live, for the `slack://T/B/X` form.
SLACK_HOOKS = "hooks.slack.com"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: Seconds to connect and to wait for the answer.
TIMEOUT = (10.0, 30.0)
#: Further tries after a 429 or 5xx answer, or a connection that failed.
RETRIES = 2
#: The longest wait okr accepts between tries; a longer Retry-After fails at once.
MAX_WAIT = 60.0
#: Waits between tries when the service names none.
BACKOFF = (1.0, 4.0)


def pause(seconds: float) -> None:
    """Wait between tries (tests replace this)."""
    time.sleep(seconds)


@dataclass(frozen=True)
class Webhook:
    """One webhook: the service, the URL posted to (secret), and the URL as shown."""

    service: str
    url: str
    shown: str

    @classmethod
    def parse(cls, url: str, option: str = "--to") -> Webhook:
        scheme = url.split(":", 1)[0].lower()
        if scheme not in SCHEMES:
            raise UsageError(f"not a webhook URL scheme: {scheme!r}", option=option)
        service, transport = SCHEMES[scheme]
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if service == "slack" and host and "." not in host and host not in LOOPBACK:
            # slack://T000/B000/XXXX: the three tokens of the hook's path.
            tokens = f"{parts.netloc}{parts.path}".strip("/")
            parts = urlsplit(f"https://{SLACK_HOOKS}/services/{tokens}")
            host = SLACK_HOOKS
        if not host:
            raise UsageError(f"a {NAMES[service]} webhook URL needs a host", option=option)
        if transport == "http" and host not in LOOPBACK:
            raise UsageError(
                f"plain http is only for this machine ({', '.join(LOOPBACK)}); "
                "a webhook URL is a secret: use https",
                option=option,
            )
        if parts.username or parts.password:
            netloc = parts.netloc.rpartition("@")[2]
        else:
            netloc = parts.netloc
        real = urlunsplit((transport, netloc, parts.path, parts.query, ""))
        port = f":{parts.port}" if parts.port else ""
        shown = f"{scheme}://{host}{port}/…" if parts.path.strip("/") else f"{scheme}://{host}"
        return cls(service, real, shown)

    def mask(self, text: str) -> str:
        """`text` with the URL, its path and its query hidden (errors may quote them)."""
        parts = urlsplit(self.url)
        secrets = [self.url, parts.path, parts.query]
        secrets += [s for s in parts.path.split("/") if len(s) >= 6]
        for secret in sorted((s for s in secrets if s and s != "/"), key=len, reverse=True):
            text = text.replace(secret, "…")
        return text


class WebhookChannel:
    """Posts each message to one Slack, Teams or JSON webhook."""

    #: A webhook carries no files: a digest links to its report instead.
    carries_attachments = False

    def __init__(self, url: str) -> None:
        self.hook = Webhook.parse(url)

    @property
    def service(self) -> str:
        return self.hook.service

    def describe(self) -> str:
        return f"{NAMES[self.hook.service]} webhook {self.hook.shown}"

    def payload(self, message: Message) -> Mapping[str, Any]:
        """The body for this service: the message's own, or one made from its text."""
        ready = message.payloads.get(self.hook.service)
        if ready is not None:
            return ready
        if self.hook.service == "slack":
            return {"text": f"*{message.subject}*\n{message.text}"}
        if self.hook.service == "teams":
            blocks = [
                {"type": "TextBlock", "text": message.subject, "wrap": True, "weight": "Bolder"},
                {"type": "TextBlock", "text": message.text, "wrap": True, "fontType": "Monospace"},
            ]
            card = {"type": "AdaptiveCard", "version": "1.4", "body": blocks}
            return {
                "type": "message",
                "attachments": [
                    {"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}
                ],
            }
        return {"subject": message.subject, "text": message.text}

    def send(self, messages: Sequence[Message]) -> list[Delivered]:
        return [Delivered(m, self._post(self.payload(m))) for m in messages]

    def _post(self, body: Mapping[str, Any]) -> str:
        import requests

        where = self.describe()
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            try:
                answer = requests.post(self.hook.url, json=body, timeout=TIMEOUT)
            except requests.RequestException as exc:
                # A message that may have arrived (the answer timed out) is not sent twice.
                unsent = isinstance(exc, requests.ConnectionError) and not isinstance(
                    exc, requests.ReadTimeout
                )
                if last or not unsent:
                    reason = self.hook.mask(f"{type(exc).__name__}: {exc}")
                    verb = "could not reach" if unsent else "got no answer from"
                    raise BackendError(
                        f"{verb} the {where}: {reason}",
                        hint="check the network, and that the webhook URL is right"
                        if unsent
                        else "it may have arrived: look in the channel before sending again",
                    ) from None
                pause(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                continue
            if 200 <= answer.status_code < 300:
                return answer.headers.get("X-Slack-Req-Id") or answer.headers.get(
                    "request-id", str(answer.status_code)
                )
            said = self.hook.mask(" ".join(answer.text.split())[:200])
            said = f" ({said})" if said else ""
            retry = answer.status_code == 429 or answer.status_code >= 500
            wait = _retry_after(answer.headers.get("Retry-After"))
            if not retry or last or (wait is not None and wait > MAX_WAIT):
                hint = _hint(answer.status_code, wait)
                raise BackendError(
                    f"the {where} answered {answer.status_code}{said}", hint=hint
                ) from None
            pause(wait if wait is not None else BACKOFF[min(attempt, len(BACKOFF) - 1)])
        raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (a number or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _hint(status: int, wait: float | None) -> str:
    if status == 429:
        later = f" in {wait:.0f} s" if wait is not None else " later"
        return f"the service is limiting the rate of messages: run okr digest again{later}"
    if status >= 500:
        return "the service is failing; try again later"
    if status in (403, 404, 410):
        return "the webhook is gone or disabled: make a new one and update the URL"
    return "the service refused the message"


CHANNELS.update(dict.fromkeys(SCHEMES, WebhookChannel))
