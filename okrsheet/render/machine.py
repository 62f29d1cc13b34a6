"""JSON and CSV renderings. Data goes to stdout; these return strings.

Markdown is made from a report's blocks (render/blocks.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from okrsheet.render.text import csv_cell, csv_line

Row = Mapping[str, object]


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def to_json(report: BaseModel) -> str:
    # Bidirectional controls (overrides, isolates, marks) would reorder the terminal line
    # they are printed on; inside a JSON string their \u escapes mean the same characters.
    text = report.model_dump_json(indent=2)
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    lines = [csv_line(list(columns))]
    lines += [csv_line([csv_cell(row.get(c)) for c in columns]) for row in rows]
    return "".join(line + "\n" for line in lines)
