"""A number in a JSON document, by a JSON pointer (RFC 6901, starting with `/`) or a JSONPath
(RFC 9535, starting with `$`) after `#`:

    https://api.example.com/v1/stats#/data/signups
    https://api.example.com/v1/teams#/0/open_tickets
    https://api.example.com/v1/teams#$.teams[?@.name == 'Sales'].open_tickets
    stats.json#/total                        (a local file, relative to the workbook)

A JSONPath must match exactly one value: none, or several, is the source's error.

A token the endpoint needs comes from an environment variable named in the machine's config
(`[sync.auth."api.example.com"]`), never from the workbook."""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

from okrsheet.sources.base import Context, Source, SourceError, is_url
from okrsheet.sources.documents import file_or_url_bytes, locate_file_or_url

_SOURCE = re.compile(r"^(?:json:)?(?P<doc>[^#]+)#(?P<pointer>[/$].*)?$", re.IGNORECASE)


def pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


class JsonPointer:
    name = "json"

    def parse(self, text: str) -> Source | None:
        match = _SOURCE.match(text)
        explicit = text.casefold().startswith("json:")
        if not match:
            if explicit:
                raise SourceError("a JSON source is URL#/json/pointer, e.g. https://host/x#/total")
            return None
        doc = match["doc"].strip()
        if not explicit and not (is_url(doc) or doc.casefold().endswith(".json")):
            return None
        if match["pointer"] is None:
            raise SourceError(
                "a JSON source needs a JSON pointer or a JSONPath after #, e.g. "
                "https://host/x#/data/total or https://host/x#$.data.total"
            )
        where = match["pointer"]
        if where.startswith("$"):
            _compiled(where)  # a JSONPath that does not parse is refused with the cell
        return Source(text, self.name, doc, where)

    def locate(self, source: Source, context: Context) -> str:
        return locate_file_or_url(source.document, context)

    def read(self, document: str, context: Context) -> object:
        data = file_or_url_bytes(document, context)
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceError(f"the answer is not JSON ({exc})") from None

    def number(self, source: Source, document: object) -> float:
        assert isinstance(source.detail, str)
        if source.detail.startswith("$"):
            node = _one_match(source.detail, document)
        else:
            node = _at_pointer(source.detail, document)
        return _number(source.detail, node)


def _at_pointer(pointer: str, document: object) -> object:
    node = document
    walked = ""
    for part in pointer_parts(pointer):
        walked += "/" + part
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SourceError(f"nothing at {walked} in the JSON")
    return node


@functools.lru_cache(maxsize=256)
def _compiled(path: str) -> Any:
    """The JSONPath, parsed once (the library is imported only when a Source uses one)."""
    import jsonpath

    try:
        return jsonpath.compile(path)
    except jsonpath.JSONPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError(f"{path} is not a JSONPath: {first}") from None


def _one_match(path: str, document: object) -> object:
    import jsonpath

    try:
        found = list(_compiled(path).findall(document))
    except jsonpath.JSONPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError(f"{path}: {first}") from None
    if not found:
        raise SourceError(f"{path} matches nothing in the JSON")
    if len(found) > 1:
        shown = ", ".join(_brief(v) for v in found[:3]) + (", ..." if len(found) > 3 else "")
        raise SourceError(
            f"{path} matches {len(found)} values ({shown}); a source takes one number: "
            "narrow the path (an index or a filter)"
        )
    return found[0]


def _brief(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _what(value)
    return repr(value) if isinstance(value, str) else f"{value:,.10g}"


def _number(where: str, node: object) -> float:
    if isinstance(node, bool) or not isinstance(node, int | float | str):
        raise SourceError(f"{where} holds {_what(node)}, not a number")
    if isinstance(node, str):
        from okrsheet.layout import cells

        try:
            number = cells.parse_number(node)
        except cells.CellValueError as exc:
            raise SourceError(f"{where}: {exc}") from None
        if number is None:
            raise SourceError(f"{where} is an empty string, not a number")
        return number
    if not math.isfinite(node):
        raise SourceError(f"{where} is not a finite number")
    return float(node)


def _what(node: object) -> str:
    if node is None:
        return "null"
    if isinstance(node, bool):
        return "true/false"
    if isinstance(node, dict):
        return "an object"
    if isinstance(node, list):
        return "a list"
    return type(node).__name__


JSON_POINTER = JsonPointer()
