"""One switch over --format, shared by every command that prints a report."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import typer
from pydantic import BaseModel
from rich.console import Console, RenderableType

from okrsheet.render import OutputFormat, console, machine

if TYPE_CHECKING:
    from okrsheet.render.blocks import Doc

#: Markdown is read in mails and chats: its lines stay this short even on a wide terminal.
MARKDOWN_WIDTH = 100


def emit(
    output_format: OutputFormat,
    report: BaseModel,
    *,
    rows: Callable[[], Sequence[Mapping[str, object]]],
    columns: Sequence[str],
    table: Callable[[], RenderableType],
) -> None:
    """JSON is the whole report; CSV is its flat rows; Markdown and the table are for people.

    Markdown and the narrow layouts come from the report's blocks (render/compact.py).
    """
    if output_format is OutputFormat.JSON:
        typer.echo(machine.to_json(report), nl=False)
    elif output_format is OutputFormat.CSV:
        typer.echo(machine.to_csv(rows(), columns), nl=False)
    elif output_format is OutputFormat.MD:
        from okrsheet.render import blocks, compact

        width = min(console.out().width, MARKDOWN_WIDTH)
        typer.echo(blocks.to_markdown(compact.doc_for(report), width), nl=False)
    else:
        show(report, table)


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
