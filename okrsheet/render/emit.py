"""One switch over --format, shared by every command that prints a report."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel
from rich.console import Console, RenderableType

from okrsheet.render import OutputFormat, console, machine

if TYPE_CHECKING:
    from okrsheet.render.blocks import Doc
    from okrsheet.reports import Report

#: Markdown is read in mails and chats: its lines stay this short even on a wide terminal.
MARKDOWN_WIDTH = 100


def emit(
    output_format: OutputFormat,
    report: Report,
    *,
    table: Callable[[], RenderableType],
    rows: Callable[[], Sequence[Mapping[str, object]]] | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """JSON is the whole report; CSV is its flat rows (`report.rows()` under `report.COLUMNS`,
    unless `rows` and `columns` are given); Markdown and the table are for people.

    Markdown and the narrow layouts come from the report's blocks (render/compact.py).
    """
    if output_format is OutputFormat.JSON:
        _write(machine.to_json(report))
    elif output_format is OutputFormat.CSV:
        flat = rows() if rows is not None else report.rows()
        _write(machine.to_csv(flat, columns if columns is not None else report.COLUMNS))
    elif output_format is OutputFormat.MD:
        from okrsheet.render import blocks, compact

        width = min(console.out().width, MARKDOWN_WIDTH)
        _write(blocks.to_markdown(compact.doc_for(report), width))
    else:
        show(report, table)


def _write(text: str) -> None:
    """Machine output goes to stdout as is (no Rich markup, wrapping or colour)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def show(
    report: BaseModel, table: Callable[[], RenderableType], out: Console | None = None
) -> None:
    """For people: the full table on a terminal wide enough for it; otherwise (a narrower
    terminal, a pipe, a cron mail) the report's blocks, laid out to the width."""
    from rich.measure import Measurement

    from okrsheet.render import compact

    out = out or console.out()
    if out.is_terminal:
        full = table()
        natural = Measurement.get(out, out.options.update_width(10_000), full).maximum
        if natural <= out.width:
            out.print(full)
            return
    show_doc(compact.doc_for(report, bars=out.is_terminal), out)


def show_doc(doc: Doc, out: Console | None = None) -> None:
    """Blocks laid out to the console's width."""
    from okrsheet.render import blocks

    out = out or console.out()
    for line in blocks.to_lines(doc, out.width):
        out.print(line, no_wrap=True, overflow="ignore", crop=False)
