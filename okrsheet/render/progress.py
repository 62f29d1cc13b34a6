"""A progress bar on stderr for the steps of a long command (creating a Google spreadsheet).

Off a terminal (cron, pipes, tests) it draws nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def steps() -> Iterator[Callable[[str, int], None]]:
    """Yield `step(description, total)`: call it as each step starts."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from okrsheet.render import console

    stderr = console.err()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    ) as bar:
        task = bar.add_task("Starting", total=None)
        started = [False]

        def step(description: str, total: int) -> None:
            bar.update(task, total=total, description=description, advance=1 if started[0] else 0)
            started[0] = True

        yield step
        bar.update(task, completed=bar.tasks[0].total or 0)
