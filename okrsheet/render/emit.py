"""One switch over --format, shared by every command that prints a report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import typer
from pydantic import BaseModel
from rich.console import RenderableType

from okrsheet.render import OutputFormat, console, machine
from okrsheet.render.text import percent


def emit(
    output_format: OutputFormat,
    report: BaseModel,
    *,
    rows: Callable[[], Sequence[Mapping[str, object]]],
    columns: Sequence[str],
    table: Callable[[], RenderableType],
    title: str = "",
    percent_keys: Iterable[str] = (),
) -> None:
    """JSON is the whole report; CSV and Markdown are its flat rows; a table is for people.

    Markdown shows fractions (`percent_keys`) as percentages; CSV keeps them as numbers.
    """
    if output_format is OutputFormat.JSON:
        typer.echo(machine.to_json(report), nl=False)
    elif output_format is OutputFormat.CSV:
        typer.echo(machine.to_csv(rows(), columns), nl=False)
    elif output_format is OutputFormat.MD:
        keys = set(percent_keys)
        shown = [
            {k: percent(v) if k in keys and isinstance(v, float) else v for k, v in row.items()}
            for row in rows()
        ]
        typer.echo(machine.to_markdown(shown, columns, title=title), nl=False)
    else:
        console.out().print(table())
