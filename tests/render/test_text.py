"""Untrusted cell text made safe for the terminal, CSV and Markdown."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len

from okrsheet.render.blocks import Doc, to_markdown
from okrsheet.render.machine import to_csv
from okrsheet.render.text import csv_cell, md_cell, percent, strip_controls


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;new title\x07after", "after"),
        ("bell\x07", "bell"),
        ("nul\x00byte", "nulbyte"),
        ("c1\x9bcontrol", "c1control"),
        ("line\nbreak\ttab", "line\nbreak\ttab"),
        ("émoji 🚀 and עברית", "émoji 🚀 and עברית"),
    ],
)
def test_strip_controls(typed: str, shown: str) -> None:
    assert strip_controls(typed) == shown


@given(st.text())
def test_strip_controls_leaves_no_escape(text: str) -> None:
    cleaned = strip_controls(text)
    assert "\x1b" not in cleaned
    assert not any(
        0x80 <= ord(ch) <= 0x9F or (ord(ch) < 0x20 and ch not in "\n\t") for ch in cleaned
    )


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tindent", "'\tindent"),
        ("safe", "safe"),
        (None, ""),
        (True, "true"),
        (1.0, "1"),
        (0.25, "0.25"),
        (-3.0, "-3"),
        (12, "12"),
    ],
)
def test_csv_cell(value: object, field: str) -> None:
    assert csv_cell(value) == field


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("a | b", r"a \| b"),
        ("two\nlines", "two lines"),
        ("*bold* _it_ `code` [link](x) <b>", r"\*bold\* \_it\_ \`code\` \[link\](x) \<b\>"),
        (0.5, "0.5"),
    ],
)
def test_md_cell(value: object, cell: str) -> None:
    assert md_cell(value) == cell


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_csv_round_trips_safely(texts: list[str]) -> None:
    columns = [f"c{i}" for i in range(len(texts))]
    rows = [dict(zip(columns, texts, strict=True))]

    parsed = list(csv.reader(io.StringIO(to_csv(rows, columns))))

    assert parsed[0] == columns
    for shown, typed in zip(parsed[1], texts, strict=True):
        assert not shown.startswith(("=", "+", "-", "@"))
        assert shown.lstrip("'") == strip_controls(typed).lstrip(
            "'"
        ) or shown == "'" + strip_controls(typed)


@given(st.text(), st.integers(min_value=20, max_value=100))
@example("line\u2028separator", 40)  # a line break to Python and to some Markdown viewers
@example("paragraph\u2029separator", 40)
@example("00000000\u0300\u0300", 20)  # combining accents: no width of their own
@example("a title\n# not a heading\n- not an item\n1. nor this\n---\n> nor a quote", 20)
def test_markdown_items_never_break(text: str, width: int) -> None:
    """Whatever a cell holds, each entry stays one list item and adds no block of its own."""
    doc = Doc()
    doc.entry("K-1", text, ["1%"], note=text)
    doc.entry("K-2", "second", ["2%"])

    lines = to_markdown(doc, width).splitlines()

    starts = [line for line in lines if re.match(r"\s*([-+*]|\d+[.)])(\s|$)", line)]
    assert [line.split()[1].rstrip(":") for line in starts] == ["**K-1**", "**K-2**"], lines
    assert not any(re.match(r"\s*(#|>|=|---|```|\|)", line) for line in lines), lines
    # Width is counted in terminal cells, as the renderer counts it: a combining accent takes
    # none, a wide character two.
    assert all(cell_len(line) <= width or " " not in line.strip() for line in lines)


def test_percent() -> None:
    assert (percent(None), percent(0.5), percent(0.006), percent(1.234)) == (
        "",
        "50%",
        "1%",
        "123%",
    )
