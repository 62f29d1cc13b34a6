"""Delivery and mailbox URLs in messages: never with their password."""

from __future__ import annotations

from urllib.parse import urlsplit


def mask(url: str) -> str:
    """The URL with its password replaced by `***` (for messages)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.split("://", 1)[0] + "://***"
    if password is None:
        return url
    netloc = parts.netloc
    userinfo, _, hostport = netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()
