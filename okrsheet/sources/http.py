"""One GET of an http(s) address for a source: https only (plain http only for the hosts the
machine's config allows), no redirects, a timeout, a size limit, and a header from the config
for the one host it is meant for. Messages never hold the header's value."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from okrsheet.sources.base import Context, SourceError

#: The most bytes a source document may have.
MAX_BYTES = 20 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise SourceError(f"HTTP {code}: redirected elsewhere; give the final address")


def check_url(url: str, context: Context) -> None:
    """Refuse an address okr will not read: not http(s), or plain http to a host the config
    does not allow."""
    parts = urlsplit(url)
    host = (parts.hostname or "").casefold()
    if not host:
        raise SourceError("the address has no host")
    if parts.scheme == "http" and host not in context.config.allow_http:
        raise SourceError(
            f"plain http to {host} is not allowed: use https, or list the host under "
            "[sync] allow_http in the machine's config"
        )
    if parts.scheme not in ("http", "https"):
        raise SourceError(f"{parts.scheme}: addresses are not read")


def get(url: str, context: Context) -> bytes:
    check_url(url, context)
    host = (urlsplit(url).hostname or "").casefold()
    request = urllib.request.Request(url, headers={"User-Agent": "okrsheet-sync"})
    auth = context.config.auth.get(host)
    if auth is not None:
        token = os.environ.get(auth.env, "")
        if not token:
            raise SourceError(f"the environment variable {auth.env} (for {host}) is not set")
        request.add_header(auth.header, auth.prefix + token)
    opener = urllib.request.build_opener(_NoRedirect())
    timeout = context.config.timeout
    try:
        with opener.open(request, timeout=timeout) as answer:
            data: bytes = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise SourceError(f"HTTP {exc.code} {exc.reason}".strip()) from None
    except TimeoutError:
        raise SourceError(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise SourceError(f"no answer within {timeout:g} s") from None
        why = getattr(reason, "strerror", None) or reason
        raise SourceError(f"cannot reach {host}: {why}") from None
    except OSError as exc:
        raise SourceError(f"cannot read from {host}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise SourceError(f"the answer is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data
