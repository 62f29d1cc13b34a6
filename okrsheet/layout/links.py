"""The `Depends on` cell: which key results this one needs, how much of each, and by when.

Grammar (docs/workbook.md, "Depends on"), one link per item, items separated by commas,
semicolons or line breaks (spaces too, between links without a date):

    link     := ID [quantity] [@ date]
    quantity := (× | x | X | *) N      N units of ID per unit of this key result's target
              | ≥ | >=                 at least this key result's target (the same as × 1)

`MARKET-1.1 × 5 @2026-11-15` reads "to reach my target I need five of MARKET-1.1's units per
unit of mine, by 15 November". The letter `x` needs a space before it (`MARKET-1.1 x 5`), as
IDs may contain letters; `×` and `*` need none (`MARKET-1.1×5`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from okrsheet.layout.cells import CellValueError, DateOrder, _show, is_blank, parse_date, parse_text
from okrsheet.stores.base import CellValue

#: What a bare `ID ≥` stands for: as many upstream units as this key result's target.
AT_LEAST = 1.0


@dataclass(frozen=True)
class Link:
    """One upstream key result named in a `Depends on` cell."""

    kr_id: str
    # Units of the upstream needed per unit of this key result's target; None: not quantified.
    ratio: float | None = None
    needed_by: date | None = None
    # True for `ID ≥`: the upstream's unit must be this key result's own.
    same_unit: bool = False


_ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_N = r"(?:\d+(?:\.\d*)?|\.\d+)"
# One link without a date; the letter x only after a space, so `FOOx5` stays an ID.
_LINK = re.compile(
    rf"(?P<id>{_ID})(?:\s*[×*]\s*(?P<n1>{_N})|\s+[xX]\s*(?P<n2>{_N})|\s*(?P<ge>≥|>=))?"
)
_QUANTITY = re.compile(r"^\s*(?:[×*≥]|>=|[xX]\s*[\d.])")


def parse_links(value: CellValue, *, order: DateOrder = "MDY") -> tuple[Link, ...]:
    """Every link of a `Depends on` cell, in the order typed; `CellValueError` names the part
    that cannot be read."""
    if is_blank(value):
        return ()
    found: list[Link] = []
    for item in re.split(r"[,;\n]+", parse_text(value)):
        item = item.strip()
        if not item:
            continue
        head, at, when = item.partition("@")
        links = _links(head.strip(), item)
        if at:
            if len(links) != 1:
                raise CellValueError(
                    f"{_show(item)}: give one key result before '@' (separate links with commas)"
                )
            try:
                needed = parse_date(when.strip(), order=order)
            except CellValueError as exc:
                kr_id = links[0].kr_id
                raise CellValueError(f"the date after {kr_id}@ is not readable: {exc}") from None
            if needed is None:
                raise CellValueError(f"{_show(item)}: a date is missing after '@'")
            links = [Link(links[0].kr_id, links[0].ratio, needed, links[0].same_unit)]
        found.extend(links)
    return tuple(found)


def _links(text: str, item: str) -> list[Link]:
    """The links of one item's part before any `@`: IDs, each with an optional quantity."""
    out: list[Link] = []
    position = 0
    text = text.strip()
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        match = _LINK.match(text, position)
        if match is None or not match["id"] or not _ends_cleanly(text, match.end()):
            rest = text[position:].split()[0]
            if rest[0] in "×*≥>" or (
                match is not None
                and match["id"]
                and _QUANTITY.search(text[match.start("id") + len(match["id"]) :])
            ):
                raise CellValueError(
                    f"{_show(item)}: a quantity is a positive number after ×, x or *, "
                    "e.g. MARKET-1.1 × 5"
                )
            raise CellValueError(f"{_show(rest)} is not a key result id (in {_show(item)})")
        number = match["n1"] or match["n2"]
        ratio: float | None = None
        if number is not None:
            ratio = float(number)
            if ratio <= 0:
                raise CellValueError(
                    f"{_show(item)}: the quantity must be above 0 (how many units of "
                    f"{match['id']} per unit of this key result)"
                )
        elif match["ge"]:
            ratio = AT_LEAST
        out.append(Link(match["id"], ratio, None, bool(match["ge"])))
        position = match.end()
    return out


def _ends_cleanly(text: str, end: int) -> bool:
    """A link ends at the end of the text or before a space."""
    return end >= len(text) or text[end].isspace()


def _number(value: float) -> str:
    return f"{value:g}"


def links_text(links: tuple[Link, ...] | list[Link]) -> str:
    """The `Depends on` cell for these links: `MARKET-1.1 × 5 @2026-11-15, PROD-2.1`."""
    parts = []
    for link in links:
        text = link.kr_id
        if link.same_unit:
            text += " ≥"
        elif link.ratio is not None:
            text += f" × {_number(link.ratio)}"
        if link.needed_by is not None:
            gap = " " if link.ratio is not None else ""
            text += f"{gap}@{link.needed_by.isoformat()}"
        parts.append(text)
    return ", ".join(parts)
