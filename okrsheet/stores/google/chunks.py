"""Keeping each `batchUpdate` under a byte budget.

Google advises about 2 MB per request at most; a larger one is slow, times out, or is refused.
A write is cut into chunks of at most `BUDGET` bytes of JSON, whatever requests it holds:

- a request too big for one chunk is split where that is safe: `updateCells` (a block of rows
  from a start cell) into blocks of fewer rows, each starting where the previous one ended;
  `appendCells` into several appends of fewer rows, which land one after the other;
- requests are then packed in order, each chunk as full as the budget allows.

Order is kept, so a chunk only ever follows the requests it depends on (a tab is added before
its cells are written). A single request that cannot be split and is over the budget on its
own goes alone in a chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

#: Bytes of JSON per batchUpdate: well under Google's advised 2 MB, with room for the
#: envelope and the response fields.
BUDGET = 1_500_000
_ENVELOPE = 200  # {"requests": [...]} and the options next to it


def size(request: Any) -> int:
    """Bytes of this request as it is sent (compact JSON, see `google_http.compact`)."""
    return len(json.dumps(request, separators=(",", ":")).encode())


def split(request: dict[str, Any], budget: int = BUDGET) -> Iterator[dict[str, Any]]:
    """The request as one or more requests of at most `budget` bytes where possible."""
    if size(request) <= budget:
        yield request
        return
    name = next(iter(request))
    body = request[name]
    rows = body.get("rows") if isinstance(body, dict) else None
    if name not in ("updateCells", "appendCells") or not rows or len(rows) < 2:
        yield request
        return
    if name == "updateCells" and "start" not in body:
        yield request  # a range-based update: not split (okr does not write those big)
        return
    base = size({name: {**body, "rows": []}})
    offset = 0
    piece: list[Any] = []
    weight = base
    for row in rows:
        row_size = size(row) + 1
        if piece and weight + row_size > budget:
            yield _part(name, body, piece, offset)
            offset += len(piece)
            piece, weight = [], base
        piece.append(row)
        weight += row_size
    if piece:
        yield _part(name, body, piece, offset)


def _part(name: str, body: dict[str, Any], rows: list[Any], offset: int) -> dict[str, Any]:
    part = {**body, "rows": rows}
    if name == "updateCells":
        start = dict(body["start"])
        start["rowIndex"] = int(start.get("rowIndex", 0)) + offset
        part["start"] = start
    return {name: part}


def chunks(requests: Sequence[dict[str, Any]], budget: int = BUDGET) -> list[list[dict[str, Any]]]:
    """The requests, split and packed in order into chunks of at most `budget` bytes."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    weight = _ENVELOPE
    for request in requests:
        whole = size(request)  # measured once: most requests fit as they are
        parts = (
            [(request, whole)]
            if whole <= budget - _ENVELOPE
            else [(part, size(part)) for part in split(request, budget - _ENVELOPE)]
        )
        for part, measured in parts:
            part_size = measured + 1
            if current and weight + part_size > budget:
                out.append(current)
                current, weight = [], _ENVELOPE
            current.append(part)
            weight += part_size
    if current:
        out.append(current)
    return out
