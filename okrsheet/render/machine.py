"""JSON and CSV renderings. Data goes to stdout; these return strings.

Markdown is made from a report's blocks (render/blocks.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from okrsheet.render.text import csv_cell

Row = Mapping[str, object]


def to_json(report: BaseModel) -> str:
    return report.model_dump_json(indent=2) + "\n"


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return buffer.getvalue()
