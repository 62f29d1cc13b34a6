"""A source document that is a local file or an https URL: where it is, and its bytes."""

from __future__ import annotations

from pathlib import Path

from okrsheet.sources.base import Context, SourceError, is_url, resolve_path


def locate_file_or_url(document: str, context: Context) -> str:
    """A source document that is an https URL or a local file, as it will be read."""
    return document if is_url(document) else str(resolve_path(document, context))


def file_or_url_bytes(document: str, context: Context) -> bytes:
    """The bytes of a located document: fetched (`sources.http`), or read from the file."""
    if is_url(document):
        from okrsheet.sources.http import get

        return get(document, context)
    try:
        return Path(document).read_bytes()
    except FileNotFoundError:
        raise SourceError(f"no file at {Path(document).name}") from None
    except OSError as exc:
        raise SourceError(f"cannot read {Path(document).name}: {exc.strerror}") from None
