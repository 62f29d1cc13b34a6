"""The Slack, Teams and JSON webhook channel, against a real local HTTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import okrsheet.delivery.webhook as webhook
from okrsheet.delivery import Message, channel_for
from okrsheet.errors import BackendError, ExitCode, UsageError
from tests.delivery.webhook_server import Hook, webhook_server

SECRET = "s3cr3tT0k3n"


@pytest.fixture(scope="module")
def server() -> Iterator[Hook]:
    with webhook_server() as hook:
        yield hook


@pytest.fixture
def hook(server: Hook) -> Hook:
    server.posts.clear()
    server.replies.clear()
    server.delay = 0.0
    return server


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between tries, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(webhook, "pause", waited.append)
    return waited


def message(**fields: object) -> Message:
    base: dict[str, object] = {"to": "", "subject": "Digest", "text": "Nothing behind."}
    return Message(**{**base, **fields})  # type: ignore[arg-type]


def test_slack_posts_the_messages_own_payload(hook: Hook, waits: list[float]) -> None:
    payload = {"text": "fallback", "blocks": [{"type": "section"}]}
    channel = channel_for(hook.url("slack+http"))
    delivered = channel.send([message(payloads={"slack": payload, "teams": {"x": 1}})])
    assert len(delivered) == 1
    [post] = hook.posts
    assert post.path == f"/services/T0001/B0002/{SECRET}"
    assert post.headers["Content-Type"] == "application/json"
    assert post.body == payload
    assert waits == []


def test_teams_without_a_payload_gets_an_adaptive_card_of_the_text(hook: Hook) -> None:
    channel_for(hook.url("teams+http", "/workflows/abc/triggers/manual")).send([message()])
    body = hook.posts[0].body
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert [b["text"] for b in card["body"]] == ["Digest", "Nothing behind."]


def test_a_plain_http_url_is_a_generic_json_webhook(hook: Hook) -> None:
    channel_for(hook.url("http", "/hooks/okr")).send([message()])
    assert hook.posts[0].body == {"subject": "Digest", "text": "Nothing behind."}


def test_429_waits_as_long_as_retry_after_says_then_succeeds(
    hook: Hook, waits: list[float]
) -> None:
    hook.replies[:] = [(429, {"Retry-After": "7"}, "rate_limited")]
    channel_for(hook.url("slack+http")).send([message()])
    assert waits == [7.0]
    assert len(hook.posts) == 2


def test_500_is_tried_again_at_most_twice_then_fails_with_exit_5(
    hook: Hook, waits: list[float]
) -> None:
    hook.replies[:] = [(500, {}, "boom")] * 3
    with pytest.raises(BackendError) as raised:
        channel_for(hook.url("slack+http")).send([message()])
    assert len(hook.posts) == 3
    assert waits == list(webhook.BACKOFF)
    assert raised.value.exit_code is ExitCode.BACKEND
    assert "answered 500 (boom)" in raised.value.message
    assert SECRET not in raised.value.message and "T0001" not in raised.value.message


def test_a_500_then_ok_is_one_message(hook: Hook, waits: list[float]) -> None:
    hook.replies[:] = [(503, {}, "")]
    channel_for(hook.url("teams+http")).send([message()])
    assert len(hook.posts) == 2
    assert waits == [webhook.BACKOFF[0]]


def test_a_retry_after_too_long_fails_at_once(hook: Hook, waits: list[float]) -> None:
    hook.replies[:] = [(429, {"Retry-After": "3600"}, "")]
    with pytest.raises(BackendError) as raised:
        channel_for(hook.url("slack+http")).send([message()])
    assert len(hook.posts) == 1 and waits == []
    assert "3600 s" in (raised.value.hint or "")


def test_a_refused_payload_is_not_retried_and_names_slacks_answer(
    hook: Hook, waits: list[float]
) -> None:
    # A service that echoes the URL back must not leak it either.
    hook.replies[:] = [(404, {}, f"no_service for /services/T0001/B0002/{SECRET}")]
    with pytest.raises(BackendError) as raised:
        channel_for(hook.url("slack+http")).send([message()])
    assert len(hook.posts) == 1 and waits == []
    text = f"{raised.value.message} {raised.value.hint}"
    assert "404" in text and "no_service" in text and "make a new one" in text
    assert SECRET not in text and "B0002" not in text


def test_an_unreachable_hook_fails_without_showing_the_url(waits: list[float]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"slack+http://127.0.0.1:{port}/services/T0001/B0002/{SECRET}"
    with pytest.raises(BackendError) as raised:
        channel_for(url).send([message()])
    assert "could not reach the Slack webhook slack+http://127.0.0.1" in raised.value.message
    assert SECRET not in raised.value.message and "B0002" not in raised.value.message
    assert len(waits) == webhook.RETRIES


def test_an_answer_that_never_comes_is_not_sent_again(
    hook: Hook, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "TIMEOUT", (5.0, 0.2))
    hook.delay = 0.6
    with pytest.raises(BackendError) as raised:
        channel_for(hook.url("slack+http")).send([message()])
    assert raised.value.message.startswith("got no answer from the Slack webhook")
    assert "may have arrived" in (raised.value.hint or "")
    assert len(hook.posts) == 1 and waits == []
    assert SECRET not in raised.value.message


@pytest.mark.parametrize(
    ("url", "service", "posted_to"),
    [
        (
            "slack://hooks.slack.com/services/T1/B2/X3",
            "slack",
            "https://hooks.slack.com/services/T1/B2/X3",
        ),
        ("slack://T1/B2/X3", "slack", "https://hooks.slack.com/services/T1/B2/X3"),
        (
            "teams+https://acme.webhook.office.com/webhookb2/abc",
            "teams",
            "https://acme.webhook.office.com/webhookb2/abc",
        ),
        (
            "https://chat.example.com/hooks/okr?token=x",
            "json",
            "https://chat.example.com/hooks/okr?token=x",
        ),
    ],
)
def test_webhook_urls(url: str, service: str, posted_to: str) -> None:
    channel = channel_for(url)
    assert isinstance(channel, webhook.WebhookChannel)
    assert (channel.service, channel.hook.url) == (service, posted_to)
    assert "X3" not in channel.describe() and "abc" not in channel.describe()
    assert "token" not in channel.describe()


def test_plain_http_is_refused_beyond_this_machine() -> None:
    with pytest.raises(UsageError, match="only for this machine"):
        channel_for("slack+http://hooks.slack.com/services/T/B/X")
    with pytest.raises(UsageError, match="needs a host"):
        channel_for("teams://")


@pytest.mark.parametrize(
    ("value", "seconds"), [("12", 12.0), ("0", 0.0), (None, None), ("soon", None)]
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert webhook._retry_after(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    wait = webhook._retry_after("Wed, 21 Oct 2015 07:28:00 GMT")
    assert wait == 0.0  # long past: go now
