"""The `Depends on` grammar: IDs, quantities (`× N`, `x N`, `* N`, `≥`) and needed-by dates."""

from __future__ import annotations

from datetime import date

import pytest

from okrsheet.layout.cells import CellValueError
from okrsheet.layout.links import Link, links_text, parse_links
from okrsheet.layout.writer import dependencies_text

NOV15 = date(2026, 11, 15)


@pytest.mark.parametrize(
    ("typed", "links"),
    [
        ("MARKET-1.1", [Link("MARKET-1.1")]),
        ("MARKET-1.1 × 5", [Link("MARKET-1.1", 5.0)]),
        ("MARKET-1.1×5", [Link("MARKET-1.1", 5.0)]),
        ("MARKET-1.1 x 5", [Link("MARKET-1.1", 5.0)]),
        ("MARKET-1.1 X 2.5", [Link("MARKET-1.1", 2.5)]),
        ("MARKET-1.1 * .5", [Link("MARKET-1.1", 0.5)]),
        ("MARKET-1.1 ≥", [Link("MARKET-1.1", 1.0, same_unit=True)]),
        ("MARKET-1.1>=", [Link("MARKET-1.1", 1.0, same_unit=True)]),
        ("MARKET-1.1@2026-11-15", [Link("MARKET-1.1", None, NOV15)]),
        ("MARKET-1.1 × 5 @2026-11-15", [Link("MARKET-1.1", 5.0, NOV15)]),
        ("MARKET-1.1 ≥ @ 15 Nov 2026", [Link("MARKET-1.1", 1.0, NOV15, same_unit=True)]),
        ("A x 2 B, C*3; D", [Link("A", 2.0), Link("B"), Link("C", 3.0), Link("D")]),
        ("FOOx5", [Link("FOOx5")]),  # an ID: the letter x needs a space before it
        ("A xylo", [Link("A"), Link("xylo")]),
    ],
)
def test_links_are_read(typed: str, links: list[Link]) -> None:
    assert list(parse_links(typed)) == links


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("A × 0", "above 0"),
        ("A × -1", "a quantity is a positive number"),
        ("A ×", "a quantity is a positive number"),
        ("A x 5y", "a quantity is a positive number"),
        ("A B@2026-11-15", "give one key result before '@'"),
        ("A@", "a date is missing"),
        ("A@soon", "the date after A@ is not readable"),
        ("A!", "'A!' is not a key result id"),
    ],
)
def test_unreadable_links_say_why(typed: str, message: str) -> None:
    with pytest.raises(CellValueError, match=message):
        parse_links(typed)


def test_the_cell_okr_writes_reads_back_the_same() -> None:
    text = dependencies_text(
        ("MARKET-1.1", "PROD-2.1", "OPS-1.2", "FIN-1.1"),
        (("MARKET-1.1", NOV15), ("PROD-2.1", NOV15)),
        (("MARKET-1.1", 5.0, False), ("FIN-1.1", 1.0, True)),
    )

    assert text == "MARKET-1.1 × 5 @2026-11-15, PROD-2.1@2026-11-15, OPS-1.2, FIN-1.1 ≥"
    assert links_text(parse_links(text)) == text
