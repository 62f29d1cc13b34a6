"""JSON, CSV and Markdown renderings. Data goes to stdout; these return strings."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from okrsheet.render.text import csv_cell, md_cell

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


def to_markdown(rows: Sequence[Row], columns: Sequence[str], *, title: str = "") -> str:
    lines = [f"**{md_cell(title)}**", ""] if title else []
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(md_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines) + "\n"
