"""A number in a JSON document, by a JSON pointer (RFC 6901) after `#`:

    https://api.example.com/v1/stats#/data/signups
    https://api.example.com/v1/teams#/0/open_tickets
    stats.json#/total                        (a local file, relative to the workbook)

A token the endpoint needs comes from an environment variable named in the machine's config
(`[sync.auth."api.example.com"]`), never from the workbook."""

from __future__ import annotations

import json
import math
import re

from okrsheet.sources.base import Context, Source, SourceError, is_url
from okrsheet.sources.documents import file_or_url_bytes, locate_file_or_url

_SOURCE = re.compile(r"^(?:json:)?(?P<doc>[^#]+)#(?P<pointer>/.*)?$", re.IGNORECASE)


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
                "a JSON source needs a JSON pointer after #, e.g. https://host/x#/data/total"
            )
        return Source(text, self.name, doc, match["pointer"])

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
        node = document
        walked = ""
        for part in pointer_parts(source.detail):
            walked += "/" + part
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SourceError(f"nothing at {walked} in the JSON")
        if isinstance(node, bool) or not isinstance(node, int | float | str):
            raise SourceError(f"{source.detail} holds {_what(node)}, not a number")
        if isinstance(node, str):
            from okrsheet.layout import cells

            try:
                number = cells.parse_number(node)
            except cells.CellValueError as exc:
                raise SourceError(f"{source.detail}: {exc}") from None
            if number is None:
                raise SourceError(f"{source.detail} is an empty string, not a number")
            return number
        if not math.isfinite(node):
            raise SourceError(f"{source.detail} is not a finite number")
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
